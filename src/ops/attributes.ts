/** Typed, validated access to a node's attributes. Every failure names node, attribute and value. */
import { AttributeError } from '../core/errors.js';
import type { OpNode } from './types.js';

export function intAttr(node: OpNode, name: string, fallback?: number): number {
  const v = node.attributes[name];
  if (v === undefined) {
    if (fallback === undefined) throw new AttributeError(node, name, undefined, 'is required');
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new AttributeError(node, name, v, 'must be an integer');
  return v;
}

export function floatAttr(node: OpNode, name: string, fallback?: number): number {
  const v = node.attributes[name];
  if (v === undefined) {
    if (fallback === undefined) throw new AttributeError(node, name, undefined, 'is required');
    return fallback;
  }
  if (typeof v !== 'number') throw new AttributeError(node, name, v, 'must be a number');
  return v;
}

export function intsAttr(node: OpNode, name: string, fallback?: number[]): number[] | undefined {
  const v = node.attributes[name];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new AttributeError(node, name, v, 'must be a list of integers');
  }
  return v as number[];
}

export function floatsAttr(node: OpNode, name: string, fallback?: number[]): number[] | undefined {
  const v = node.attributes[name];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new AttributeError(node, name, v, 'must be a list of numbers');
  }
  return v as number[];
}

export function stringAttr<T extends string>(node: OpNode, name: string, allowed: readonly T[], fallback: T): T {
  const v = node.attributes[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new AttributeError(node, name, v, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return v as T;
}

/** Rejects attributes the op does not know, so typos do not silently fall back to defaults. */
export function checkKnownAttributes(node: OpNode, known: readonly string[]): void {
  for (const name of Object.keys(node.attributes)) {
    if (!known.includes(name)) {
      throw new AttributeError(node, name, node.attributes[name], `is not an attribute of ${node.opType} (known: ${known.join(', ') || 'none'})`);
    }
  }
}

/** Normalises a possibly negative axis against a rank, or throws naming the attribute. */
export function normalizeAxis(node: OpNode, name: string, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) {
    throw new AttributeError(node, name, axis, `is out of range for a rank-${rank} input (allowed ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}
