/** Op type -> definition. The only place that knows every op; executors ask it by node.opType. */
import { UnsupportedError, describeNode } from '../core/errors.js';
import type { AnyOpDefinition, OpNode } from './types.js';
import { allOps } from './index.js';

const registry = new Map<string, AnyOpDefinition>(allOps.map((op) => [op.type, op]));

export function findOp(opType: string): AnyOpDefinition | undefined {
  return registry.get(opType);
}

export function getOp(node: OpNode): AnyOpDefinition {
  const op = registry.get(node.opType);
  if (!op) throw new UnsupportedError(`${describeNode(node)}: op type ${node.opType} is not supported (supported: ${supportedOpTypes().join(', ')})`);
  return op;
}

export function supportedOpTypes(): string[] {
  return [...registry.keys()].sort();
}
