/**
 * Transpose-13 and Expand-13: data movement through strides (permuted for Transpose, zero where
 * Expand broadcasts), one strided copy on the GPU (shaders/strided-copy.wgsl). Expand's shape must
 * be a constant.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intsAttr } from './attributes.js';
import { allocate, checkDtype, checkInputCount, constantInput, gatherOffset, integerVector, noAttributes, requireInput, type Elements, type KnownValue } from './kit.js';
import { MAX_COPY_RANK, stridedCopyStep } from './strided-copy.js';
import { broadcastStrides } from './broadcast.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

interface TransposeAttrs {
  readonly perm: number[] | undefined;
}

function transposePerm(node: OpNode, attrs: TransposeAttrs, inputs: readonly (KnownValue | undefined)[]): { x: KnownValue; perm: number[] } {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const rank = x.shape.length;
  if (rank > MAX_COPY_RANK) throw new InputError(node, 'data', `has rank ${rank}; at most ${MAX_COPY_RANK} is supported`);
  const perm = attrs.perm ?? x.shape.map((_, i) => rank - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new AttributeError(node, 'perm', perm, `is not a permutation of 0..${rank - 1} (data has rank ${rank})`);
  }
  return { x, perm };
}

const transpose: OpDefinition<TransposeAttrs> = {
  type: 'Transpose',
  parse(node) {
    checkKnownAttributes(node, ['perm']);
    return { perm: intsAttr(node, 'perm') };
  },
  infer(attrs, inputs, node) {
    const { x, perm } = transposePerm(node, attrs, inputs);
    return { outputs: [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const { x, perm } = transposePerm(node, attrs, inputs);
    const t = x as Tensor;
    const shape = perm.map((p) => t.shape[p]);
    const inStrides = stridesOf(t.shape);
    const outStrides = stridesOf(shape);
    const out = allocate(t.dtype, sizeOf(shape)) as Elements;
    const src = t.data as Elements;
    // Output coordinate d is input coordinate perm[d].
    const permutedStrides = perm.map((p) => inStrides[p]!);
    for (let i = 0; i < out.length; i++) out[i] = src[gatherOffset(i, shape, outStrides, permutedStrides)];
    return [{ dtype: t.dtype, shape, data: out } as unknown as Tensor];
  },
  gpu(attrs, inputs, outputs) {
    const x = inputs[0] as ValueInfo;
    const perm = attrs.perm ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    const strides = stridesOf(x.shape);
    return stridedCopyStep(outputs[0].shape, perm.map((p) => strides[p]), 'transpose');
  },
};

function expandShape(node: OpNode, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'input');
  checkDtype(node, 'input', x);
  const target = integerVector(node, 'shape', constantInput(node, 'shape', requireInput(node, inputs, 1, 'shape')));
  const rank = Math.max(x.shape.length, target.length);
  if (rank > MAX_COPY_RANK) throw new InputError(node, 'shape', `gives rank ${rank}; at most ${MAX_COPY_RANK} is supported`);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const a = x.shape[x.shape.length - rank + i] ?? 1;
    const b = target[target.length - rank + i] ?? 1;
    if (b < 0) throw new InputError(node, 'shape', `[${target.join(', ')}] has the negative dimension ${b}`);
    if (a !== b && a !== 1 && b !== 1) {
      throw new InputError(node, 'shape', `[${target.join(', ')}] does not broadcast with input of shape [${x.shape.join('x')}] (dimension ${i}: ${a} vs ${b})`);
    }
    out.push(a === 1 ? b : a);
  }
  return out;
}

const expand: OpDefinition<null> = {
  type: 'Expand',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: expandShape(node, inputs) }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const shape = expandShape(node, inputs);
    const x = inputs[0] as Tensor;
    const xs = broadcastStrides(x.shape, shape);
    const os = stridesOf(shape);
    const out = allocate(x.dtype, sizeOf(shape)) as Elements;
    const src = x.data as Elements;
    for (let i = 0; i < out.length; i++) out[i] = src[gatherOffset(i, shape, os, xs)];
    return [{ dtype: x.dtype, shape, data: out } as unknown as Tensor];
  },
  gpu(_, inputs, outputs) {
    const shape = outputs[0].shape;
    return stridedCopyStep(shape, broadcastStrides((inputs[0] as ValueInfo).shape, shape), 'expand');
  },
};

export const ops: AnyOpDefinition[] = [
  transpose,
  expand,
];
