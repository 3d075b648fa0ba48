/**
 * The op kit: helpers every op file shares, so each rule is written once. Attribute parsing is in
 * attributes.ts, window geometry in spatial.ts, broadcasting in broadcast.ts; this file holds
 * what is left: inputs and their known values, index arithmetic for the CPU references, the
 * parse of attribute-less ops, and the plain copy step.
 */
import { InputError, ValueNeededError } from '../core/errors.js';
import type { DType, Shape, Tensor, TypedArrayFor } from '../core/tensor.js';
import type { BufferRef, GpuStep } from '../gpu/step.js';
import { checkKnownAttributes } from './attributes.js';
import { stridedCopyStep } from './strided-copy.js';
import type { OpNode, ValueInfo } from './types.js';

/** An input as infer() sees it (shape, maybe a value) or as cpu() sees it (a tensor). */
export type KnownValue = ValueInfo | Tensor;

/** The tensor behind an input when it is known before running (a constant), else undefined. */
export function knownValue(v: KnownValue | undefined): Tensor | undefined {
  if (!v) return undefined;
  return 'data' in v ? v : v.value;
}

/**
 * The values of an input the op needs when the model is planned (a shape, scales, bounds):
 * refused, naming the input and why, when it is computed at run time.
 */
export function requireKnownValue(node: OpNode, name: string, v: KnownValue, why: string): Tensor {
  const t = knownValue(v);
  if (!t) throw new ValueNeededError(node, name, `must be a constant (an initializer, or computable from constants and input shapes when the model is planned): ${why}`, v);
  return t;
}

/** An input that must be given. */
export function requireInput(node: OpNode, inputs: readonly (KnownValue | undefined)[], index: number, name: string): KnownValue {
  const v = inputs[index];
  if (!v) throw new InputError(node, name, 'is missing');
  return v;
}

/** The parse of an op without attributes: refuses any, naming them. */
export function noAttributes(node: OpNode): null {
  checkKnownAttributes(node, []);
  return null;
}

/** The coordinates of a row-major flat index into `shape`. */
export function coordinatesOf(flat: number, shape: Shape): number[] {
  const coords = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return coords;
}

/**
 * Where output element `flat` (row-major over `shape`, whose strides are `strides`) reads from, for
 * an input laid out with `inStrides` per output axis (0 where it broadcasts): the CPU side of every
 * strided gather (Transpose, Expand, Slice, broadcasting arithmetic).
 */
export function gatherOffset(flat: number, shape: Shape, strides: readonly number[], inStrides: readonly number[]): number {
  let at = 0;
  for (let d = 0; d < shape.length; d++) at += (Math.floor(flat / strides[d]!) % shape[d]!) * inStrides[d]!;
  return at;
}

/** A contiguous copy of `elements` values from one buffer to another, as one GPU step. */
export function copyStep(elements: number, from: BufferRef, to: BufferRef, label: string): GpuStep | undefined {
  const [copy] = stridedCopyStep([elements], [1], label).steps;
  return copy && { ...copy, bindings: { x: from, y: to } };
}

/** An input the op needs as a constant because it fixes the output shape (Reshape's shape, axes). */
export function constantInput(node: OpNode, name: string, v: KnownValue): Tensor {
  return requireKnownValue(node, name, v, `${node.opType} output shapes are fixed when the plan is made`);
}

/** The values of a constant integer vector (shapes, axes) as numbers, refusing values past 2^53. */
export function integerVector(node: OpNode, name: string, t: Tensor): number[] {
  if (t.dtype === 'float32') throw new InputError(node, name, 'has dtype float32; it must be int64 (or int32)');
  if (t.shape.length > 1) throw new InputError(node, name, `has shape [${t.shape.join('x')}]; it must be a 1-D vector`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new InputError(node, name, `holds ${v}, beyond the integers segwgpu handles exactly (2^53)`);
    return n;
  });
}

/** A zeroed typed array for a dtype. */
export function allocate<D extends DType>(dtype: D, n: number): TypedArrayFor<D> {
  if (dtype === 'float32') return new Float32Array(n) as TypedArrayFor<D>;
  if (dtype === 'int32') return new Int32Array(n) as TypedArrayFor<D>;
  return new BigInt64Array(n) as TypedArrayFor<D>;
}

/** Elements of any of our typed arrays, read or written one at a time (the dtype is preserved). */
export type Elements = { [i: number]: number | bigint; readonly length: number };

/** The element types data-movement ops carry. */
export const DATA_DTYPES: readonly DType[] = ['float32', 'int32', 'int64'];

export function checkDtype(node: OpNode, name: string, v: KnownValue, allowed: readonly DType[] = DATA_DTYPES): void {
  if (!allowed.includes(v.dtype)) throw new InputError(node, name, `has dtype ${v.dtype}; supported: ${allowed.join(', ')}`);
}

export function checkInputCount(node: OpNode, inputs: readonly unknown[], max: number): void {
  if (inputs.length > max) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${node.opType} (it takes at most ${max})`);
}
