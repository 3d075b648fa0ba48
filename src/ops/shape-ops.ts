/**
 * The shape and glue ops that exported graphs contain, at ONNX opset-17 semantics:
 * Identity-16, Dropout-13 (inference only), Reshape-14, Flatten-13, Squeeze-13, Unsqueeze-13,
 * Transpose-13, Expand-13, Gather-13, Cast-13 (Cast-19's `saturate` is accepted: it only concerns
 * float8), Shape-15, Constant-13, ConstantOfShape-9 (the value attribute's dtype is kept) and
 * Range-11.
 *
 * Element types: float32, int32 and int64 everywhere (shape subgraphs compute in int64 on the CPU).
 * Squeeze/Unsqueeze take `axes` as an input (opset 13 form): the ONNX importer turns older models'
 * axes attributes into inputs. Inputs that fix an output's shape (Reshape/Expand shapes, axes,
 * ConstantOfShape's shape, Range's bounds) must be constants, checked in infer().
 *
 * GPU: data-movement ops are one strided copy (shaders/strided-copy.wgsl): a plain copy for the
 * ops that only relabel a shape, permuted strides for Transpose, zero strides for Expand. Gather
 * (shaders/gather.wgsl) and Cast (shaders/cast.wgsl) have small kernels too. Shape, Constant,
 * ConstantOfShape and Range have none: their outputs are fully known at plan time, so infer()
 * returns them as `value` and the plan folds them; gpu() refuses, naming the node.
 */
import { AttributeError, InputError, UnsupportedError, describeNode } from '../core/errors.js';
import { sizeOf, stridesOf, type DType, type Shape, type Tensor, type TypedArrayFor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr, intsAttr, normalizeAxis } from './attributes.js';
import { broadcastStrides } from './broadcast.js';
import { stridedCopyStep } from './strided-copy.js';
import { gatherOffset, knownValue, noAttributes, requireInput, requireKnownValue, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuLowering } from '../gpu/step.js';
import castWgsl from '../../shaders/cast.wgsl?raw';
import gatherWgsl from '../../shaders/gather.wgsl?raw';

/** The strided-copy kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_COPY_RANK = 8;

/** An input the op needs as a constant: it fixes the output shape. */
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

export function allocate<D extends DType>(dtype: D, n: number): TypedArrayFor<D> {
  if (dtype === 'float32') return new Float32Array(n) as TypedArrayFor<D>;
  if (dtype === 'int32') return new Int32Array(n) as TypedArrayFor<D>;
  return new BigInt64Array(n) as TypedArrayFor<D>;
}

/** Elements of any of our typed arrays, read or written one at a time (the dtype is preserved). */
type Elements = { [i: number]: number | bigint; readonly length: number };

const DATA_DTYPES: readonly DType[] = ['float32', 'int32', 'int64'];

function checkDtype(node: OpNode, name: string, v: KnownValue, allowed: readonly DType[] = DATA_DTYPES): void {
  if (!allowed.includes(v.dtype)) throw new InputError(node, name, `has dtype ${v.dtype}; supported: ${allowed.join(', ')}`);
}

function checkInputCount(node: OpNode, inputs: readonly unknown[], max: number): void {
  if (inputs.length > max) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${node.opType} (it takes at most ${max})`);
}

function sameData(x: Tensor, shape: Shape): Tensor {
  return { dtype: x.dtype, shape: [...shape], data: x.data.slice() } as Tensor;
}


/** A copy of input 0 into output 0, word for word (shape relabelling needs no data movement logic). */
export function plainCopy(elements: number, label: string): GpuLowering {
  return stridedCopyStep([elements], [1], label);
}

/** gpu() of ops that only run at plan time: their outputs are known then, so the plan folds them. */
function foldedOnly(op: string): (attrs: unknown, inputs: unknown, outputs: unknown, traits: unknown, node: OpNode) => GpuLowering {
  return (_attrs, _inputs, _outputs, _traits, node) => {
    throw new UnsupportedError(
      `${describeNode(node)}: ${op} has no GPU kernel: it runs at plan time, when its inputs are constants (constant folding), but this node's inputs were not`,
    );
  };
}

// ---------------------------------------------------------------------------------------------
// Identity, Dropout

const identity: OpDefinition<null> = {
  type: 'Identity',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 1);
    const x = requireInput(node, inputs, 0, 'input');
    checkDtype(node, 'input', x);
    return { outputs: [{ dtype: x.dtype, shape: [...x.shape] }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const x = requireInput(node, inputs, 0, 'input') as Tensor;
    return [sameData(x, x.shape)];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'identity');
  },
};

/** Dropout at inference: the identity. The optional mask output is not produced. */
const dropout: OpDefinition<null> = {
  type: 'Dropout',
  parse(node) {
    checkKnownAttributes(node, ['seed']);
    return null;
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 3);
    const x = requireInput(node, inputs, 0, 'data');
    checkDtype(node, 'data', x, ['float32']);
    const training = inputs[2];
    if (training) {
      const t = constantInput(node, 'training_mode', training);
      if (t.shape.length > 1 || sizeOf(t.shape) !== 1) throw new InputError(node, 'training_mode', `has shape [${t.shape.join('x')}]; it must be a scalar`);
      if (Number(t.data[0]) !== 0) throw new InputError(node, 'training_mode', `is ${Number(t.data[0])} (true): training-mode Dropout is not supported, segwgpu runs inference only`);
    }
    return { outputs: [{ dtype: 'float32', shape: [...x.shape] }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const x = requireInput(node, inputs, 0, 'data') as Tensor;
    return [sameData(x, x.shape)];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'dropout');
  },
};

// ---------------------------------------------------------------------------------------------
// Reshape, Flatten, Squeeze, Unsqueeze: new shapes over the same row-major data.

interface ReshapeAttrs {
  readonly allowzero: boolean;
}

function reshapeTarget(node: OpNode, attrs: ReshapeAttrs, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const requested = integerVector(node, 'shape', constantInput(node, 'shape', requireInput(node, inputs, 1, 'shape')));
  const shown = `[${requested.join(', ')}]`;
  const out: number[] = [];
  let inferAt = -1;
  requested.forEach((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) throw new InputError(node, 'shape', `${shown} has more than one -1`);
      inferAt = i;
      out.push(1);
    } else if (d === 0 && !attrs.allowzero) {
      if (i >= x.shape.length) throw new InputError(node, 'shape', `${shown} has 0 (copy the input dimension) at position ${i}, but data has rank ${x.shape.length}`);
      out.push(x.shape[i]);
    } else if (d < 0) {
      throw new InputError(node, 'shape', `${shown} has the negative dimension ${d}`);
    } else {
      out.push(d);
    }
  });
  if (attrs.allowzero && inferAt >= 0 && requested.includes(0)) {
    throw new InputError(node, 'shape', `${shown} has both 0 and -1, which allowzero=1 forbids`);
  }
  const total = sizeOf(x.shape);
  if (inferAt >= 0) {
    const known = sizeOf(out);
    if (known === 0 || total % known !== 0) {
      throw new InputError(node, 'shape', `${shown} cannot reshape data of shape [${x.shape.join('x')}] (${total} elements)`);
    }
    out[inferAt] = total / known;
  }
  if (sizeOf(out) !== total) {
    throw new InputError(node, 'shape', `${shown} gives ${sizeOf(out)} elements, but data of shape [${x.shape.join('x')}] has ${total}`);
  }
  return out;
}

const reshape: OpDefinition<ReshapeAttrs> = {
  type: 'Reshape',
  parse(node) {
    checkKnownAttributes(node, ['allowzero']);
    const allowzero = intAttr(node, 'allowzero', 0);
    if (allowzero !== 0 && allowzero !== 1) throw new AttributeError(node, 'allowzero', allowzero, 'must be 0 or 1');
    return { allowzero: allowzero === 1 };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: reshapeTarget(node, attrs, inputs) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [sameData(inputs[0] as Tensor, reshapeTarget(node, attrs, inputs))];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'reshape');
  },
};

interface FlattenAttrs {
  readonly axis: number;
}

function flattenShape(node: OpNode, attrs: FlattenAttrs, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'input');
  checkDtype(node, 'input', x);
  const rank = x.shape.length;
  // Flatten's axis ranges over [-r, r] (axis r gives [size, 1]).
  if (attrs.axis < -rank || attrs.axis > rank) {
    throw new AttributeError(node, 'axis', attrs.axis, `is out of range for a rank-${rank} input (allowed ${-rank}..${rank})`);
  }
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  return [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))];
}

const flatten: OpDefinition<FlattenAttrs> = {
  type: 'Flatten',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis', 1) };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: flattenShape(node, attrs, inputs) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [sameData(inputs[0] as Tensor, flattenShape(node, attrs, inputs))];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'flatten');
  },
};

/** Axes from a constant input, normalised against `rank`; duplicates refused. */
function axesInput(node: OpNode, v: KnownValue, rank: number): number[] {
  const raw = integerVector(node, 'axes', constantInput(node, 'axes', v));
  const axes = raw.map((a) => {
    if (a < -rank || a >= rank) throw new InputError(node, 'axes', `[${raw.join(', ')}] has axis ${a}, out of range for rank ${rank} (allowed ${-rank}..${rank - 1})`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(axes).size !== axes.length) throw new InputError(node, 'axes', `[${raw.join(', ')}] repeats an axis`);
  return axes;
}

function squeezeShape(node: OpNode, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  if (!inputs[1]) return x.shape.filter((d) => d !== 1);
  const axes = axesInput(node, inputs[1], x.shape.length);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new InputError(node, 'axes', `names axis ${a}, which has size ${x.shape[a]} in data of shape [${x.shape.join('x')}]; only size-1 axes can be squeezed`);
  }
  return x.shape.filter((_, i) => !axes.includes(i));
}

function unsqueezeShape(node: OpNode, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const count = integerVector(node, 'axes', constantInput(node, 'axes', requireInput(node, inputs, 1, 'axes'))).length;
  const rank = x.shape.length + count;
  const axes = axesInput(node, inputs[1]!, rank);
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[next++]);
  return out;
}

function shapeOnlyOp(type: string, shapeOf: (node: OpNode, inputs: readonly (KnownValue | undefined)[]) => number[]): OpDefinition<null> {
  return {
    type,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: shapeOf(node, inputs) }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      return [sameData(inputs[0] as Tensor, shapeOf(node, inputs))];
    },
    gpu(_, inputs) {
      return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), type.toLowerCase());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Transpose, Expand: real data movement through strides.

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

// ---------------------------------------------------------------------------------------------
// Gather

interface GatherAttrs {
  readonly axis: number;
}

function gatherGeometry(node: OpNode, attrs: GatherAttrs, inputs: readonly (KnownValue | undefined)[]) {
  checkInputCount(node, inputs, 2);
  const data = requireInput(node, inputs, 0, 'data');
  const indices = requireInput(node, inputs, 1, 'indices');
  checkDtype(node, 'data', data);
  checkDtype(node, 'indices', indices, ['int64', 'int32']);
  if (data.shape.length === 0) throw new InputError(node, 'data', 'is a scalar; Gather needs at least one axis');
  const axis = normalizeAxis(node, 'axis', attrs.axis, data.shape.length);
  const axisLen = data.shape[axis];
  const known = knownValue(indices);
  if (known) {
    for (const v of Array.from(known.data as ArrayLike<number | bigint>)) {
      const n = Number(v);
      if (n < -axisLen || n >= axisLen) throw new InputError(node, 'indices', `holds ${v}, out of range for axis ${axis} of size ${axisLen} (allowed ${-axisLen}..${axisLen - 1})`);
    }
  }
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  return { axis, axisLen, shape, inner: sizeOf(data.shape.slice(axis + 1)), outer: sizeOf(data.shape.slice(0, axis)), indexCount: sizeOf(indices.shape) };
}

const gather: OpDefinition<GatherAttrs> = {
  type: 'Gather',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis', 0) };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: gatherGeometry(node, attrs, inputs).shape }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const g = gatherGeometry(node, attrs, inputs);
    const data = inputs[0] as Tensor;
    const indices = Array.from((inputs[1] as Tensor).data as ArrayLike<number | bigint>, Number);
    const out = allocate(data.dtype, sizeOf(g.shape)) as Elements;
    const src = data.data as Elements;
    let written = 0;
    for (let o = 0; o < g.outer; o++) {
      for (const raw of indices) {
        const row = raw < 0 ? raw + g.axisLen : raw;
        for (let k = 0; k < g.inner; k++) out[written++] = src[(o * g.axisLen + row) * g.inner + k];
      }
    }
    return [{ dtype: data.dtype, shape: g.shape, data: out } as unknown as Tensor];
  },
  gpu(attrs, inputs, outputs) {
    const data = inputs[0] as ValueInfo;
    const axis = attrs.axis < 0 ? attrs.axis + data.shape.length : attrs.axis;
    const total = sizeOf(outputs[0].shape);
    if (total === 0) return { steps: [] };
    return {
      steps: [
        {
          kernel: wgslKernel('gather', gatherWgsl),
          params: { total, inner: sizeOf(data.shape.slice(axis + 1)), axisLen: data.shape[axis], indexCount: sizeOf((inputs[1] as ValueInfo).shape) },
          bindings: { x: { input: 0 }, indices: { input: 1 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Cast

/** ONNX TensorProto.DataType codes that Cast can target here. */
export const CAST_TARGETS: Readonly<Record<number, DType>> = { 1: 'float32', 6: 'int32', 7: 'int64' };

interface CastAttrs {
  readonly to: DType;
}

const INT32_RANGE = [-(2 ** 31), 2 ** 31 - 1] as const;

function castValue(node: OpNode, v: number | bigint, from: DType, to: DType): number | bigint {
  if (to === 'float32') return Number(v);
  if (from === 'float32') {
    const n = v as number;
    const t = Math.trunc(n);
    const limit = to === 'int32' ? 2 ** 31 : 2 ** 63;
    if (!Number.isFinite(n) || t < -limit || t >= limit) throw new InputError(node, 'input', `holds ${n}, which has no ${to} value`);
    return to === 'int64' ? BigInt(t) : t;
  }
  if (to === 'int64') return BigInt(v);
  const n = Number(v);
  if (n < INT32_RANGE[0] || n > INT32_RANGE[1]) throw new InputError(node, 'input', `holds ${v}, out of int32 range`);
  return n;
}

const cast: OpDefinition<CastAttrs> = {
  type: 'Cast',
  parse(node) {
    checkKnownAttributes(node, ['to', 'saturate']);
    const code = intAttr(node, 'to');
    const to = CAST_TARGETS[code];
    if (!to) throw new AttributeError(node, 'to', code, 'is not a supported target type (supported: 1 FLOAT, 6 INT32, 7 INT64)');
    intAttr(node, 'saturate', 1);
    return { to };
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 1);
    const x = requireInput(node, inputs, 0, 'input');
    checkDtype(node, 'input', x);
    return { outputs: [{ dtype: attrs.to, shape: [...x.shape] }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const x = requireInput(node, inputs, 0, 'input') as Tensor;
    const out = allocate(attrs.to, x.data.length) as Elements;
    const src = x.data as Elements;
    for (let i = 0; i < out.length; i++) out[i] = castValue(node, src[i], x.dtype, attrs.to);
    return [{ dtype: attrs.to, shape: [...x.shape], data: out } as unknown as Tensor];
  },
  gpu(attrs, inputs) {
    const x = inputs[0] as ValueInfo;
    const total = sizeOf(x.shape);
    if (total === 0) return { steps: [] };
    const fromFloat = x.dtype === 'float32';
    const toFloat = attrs.to === 'float32';
    const mode = fromFloat === toFloat ? 0 : fromFloat ? 1 : 2;
    return {
      steps: [{ kernel: wgslKernel('cast', castWgsl), params: { total, mode }, bindings: { x: { input: 0 }, y: { output: 0 } }, invocations: total }],
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Plan-time ops: Shape, Constant, ConstantOfShape, Range.

interface ShapeAttrs {
  readonly start: number;
  readonly end: number | undefined;
}

function shapeValue(node: OpNode, attrs: ShapeAttrs, inputs: readonly (KnownValue | undefined)[]): Tensor<'int64'> {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'data');
  const rank = x.shape.length;
  // Shape-15: negative start/end count from the end; both are clamped into [0, rank].
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrs.start);
  const end = clamp(attrs.end ?? rank);
  const dims = x.shape.slice(start, Math.max(start, end));
  return { dtype: 'int64', shape: [dims.length], data: BigInt64Array.from(dims, (d) => BigInt(d)) };
}

const shapeOp: OpDefinition<ShapeAttrs> = {
  type: 'Shape',
  parse(node) {
    checkKnownAttributes(node, ['start', 'end']);
    const end = node.attributes.end === undefined ? undefined : intAttr(node, 'end');
    return { start: intAttr(node, 'start', 0), end };
  },
  infer(attrs, inputs, node) {
    // The shape of every value is known at plan time, so Shape's output always is.
    const value = shapeValue(node, attrs, inputs);
    return { outputs: [{ dtype: 'int64', shape: value.shape, value }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [shapeValue(node, attrs, inputs)];
  },
  gpu: foldedOnly('Shape'),
};

interface ConstantAttrs {
  readonly value: Tensor;
}

const CONSTANT_FORMS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'] as const;

const constant: OpDefinition<ConstantAttrs> = {
  type: 'Constant',
  parse(node) {
    const present = Object.keys(node.attributes);
    for (const name of present) {
      if (name === 'sparse_value' || name === 'value_string' || name === 'value_strings') {
        throw new AttributeError(node, name, node.attributes[name], 'is not supported (segwgpu supports value, value_float(s) and value_int(s))');
      }
    }
    checkKnownAttributes(node, CONSTANT_FORMS);
    if (present.length !== 1) {
      throw new AttributeError(node, present.length ? present.join('/') : 'value', present.length ? present : undefined, 'is wrong: Constant needs exactly one of value, value_float, value_floats, value_int, value_ints');
    }
    const name = present[0] as (typeof CONSTANT_FORMS)[number];
    const raw = node.attributes[name];
    let value: Tensor;
    if (name === 'value') {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new AttributeError(node, name, raw, 'must be a tensor');
      value = raw as Tensor;
    } else if (name === 'value_float' || name === 'value_int') {
      if (typeof raw !== 'number' || (name === 'value_int' && !Number.isInteger(raw))) throw new AttributeError(node, name, raw, `must be ${name === 'value_int' ? 'an integer' : 'a number'}`);
      value = name === 'value_float'
        ? { dtype: 'float32', shape: [], data: Float32Array.of(raw) }
        : { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(raw)) };
    } else {
      const list = name === 'value_floats' ? intsOrFloats(node, name, false) : intsOrFloats(node, name, true);
      value = name === 'value_floats'
        ? { dtype: 'float32', shape: [list.length], data: Float32Array.from(list) }
        : { dtype: 'int64', shape: [list.length], data: BigInt64Array.from(list, (v) => BigInt(v)) };
    }
    return { value };
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 0);
    return { outputs: [{ dtype: attrs.value.dtype, shape: [...attrs.value.shape], value: attrs.value }], resolved: attrs };
  },
  cpu(attrs) {
    return [attrs.value];
  },
  gpu: foldedOnly('Constant'),
};

function intsOrFloats(node: OpNode, name: string, integers: boolean): number[] {
  const v = node.attributes[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && (!integers || Number.isInteger(x)))) {
    throw new AttributeError(node, name, v, `must be a list of ${integers ? 'integers' : 'numbers'}`);
  }
  return v as number[];
}

interface ConstantOfShapeAttrs {
  readonly fill: Tensor;
}

function constantOfShapeValue(node: OpNode, attrs: ConstantOfShapeAttrs, inputs: readonly (KnownValue | undefined)[]): Tensor {
  checkInputCount(node, inputs, 1);
  const shapeIn = requireInput(node, inputs, 0, 'input');
  const shape = integerVector(node, 'input', constantInput(node, 'input', shapeIn));
  if (shapeIn.shape.length !== 1) throw new InputError(node, 'input', `has shape [${shapeIn.shape.join('x')}]; it must be a 1-D shape vector`);
  if (shape.some((d) => d < 0)) throw new InputError(node, 'input', `[${shape.join(', ')}] has a negative dimension`);
  const out = allocate(attrs.fill.dtype, sizeOf(shape));
  (out as { fill(v: number | bigint): unknown }).fill(attrs.fill.data[0]);
  return { dtype: attrs.fill.dtype, shape, data: out } as Tensor;
}

const constantOfShape: OpDefinition<ConstantOfShapeAttrs> = {
  type: 'ConstantOfShape',
  parse(node) {
    checkKnownAttributes(node, ['value']);
    const raw = node.attributes.value;
    let fill: Tensor = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    if (raw !== undefined) {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new AttributeError(node, 'value', raw, 'must be a one-element tensor');
      const t = raw as Tensor;
      if (t.data.length !== 1) throw new AttributeError(node, 'value', `tensor of shape [${t.shape.join('x')}]`, 'must hold exactly one element');
      fill = t;
    }
    return { fill };
  },
  infer(attrs, inputs, node) {
    const value = constantOfShapeValue(node, attrs, inputs);
    return { outputs: [{ dtype: value.dtype, shape: value.shape, value }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [constantOfShapeValue(node, attrs, inputs)];
  },
  gpu: foldedOnly('ConstantOfShape'),
};

function rangeValue(node: OpNode, inputs: readonly (KnownValue | undefined)[]): Tensor {
  checkInputCount(node, inputs, 3);
  const names = ['start', 'limit', 'delta'] as const;
  const ts = names.map((name, i) => {
    const v = requireInput(node, inputs, i, name);
    checkDtype(node, name, v);
    if (v.shape.length !== 0 && !(v.shape.length === 1 && v.shape[0] === 1)) throw new InputError(node, name, `has shape [${v.shape.join('x')}]; it must be a scalar`);
    if (v.dtype !== inputs[0]!.dtype) throw new InputError(node, name, `has dtype ${v.dtype}, but start has dtype ${inputs[0]!.dtype}`);
    return constantInput(node, name, v);
  });
  const dtype = ts[0].dtype;
  if (dtype === 'int64') {
    const [start, limit, delta] = ts.map((t) => (t.data as BigInt64Array)[0]);
    if (delta === 0n) throw new InputError(node, 'delta', 'is 0');
    // ceil((limit - start) / delta) with BigInt division, which truncates toward zero.
    const span = limit - start;
    let n = span / delta;
    if (n * delta !== span && (span > 0n) === (delta > 0n)) n += 1n;
    const count = n > 0n ? Number(n) : 0;
    return { dtype, shape: [count], data: BigInt64Array.from({ length: count }, (_, i) => start + BigInt(i) * delta) };
  }
  const [start, limit, delta] = ts.map((t) => Number(t.data[0]));
  if (delta === 0) throw new InputError(node, 'delta', 'is 0');
  // The span is a float32 difference (as in onnxruntime), divided in double precision.
  const span = dtype === 'float32' ? Math.fround(limit - start) : limit - start;
  const count = Math.max(Math.ceil(span / delta), 0);
  if (dtype === 'int32') return { dtype, shape: [count], data: Int32Array.from({ length: count }, (_, i) => start + i * delta) };
  // Range-11's definition accumulates: each element is the previous one plus delta, in float32.
  const data = new Float32Array(count);
  let v = start;
  for (let i = 0; i < count; i++) {
    data[i] = v;
    v = Math.fround(v + delta);
  }
  return { dtype, shape: [count], data };
}

const range: OpDefinition<null> = {
  type: 'Range',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const value = rangeValue(node, inputs);
    return { outputs: [{ dtype: value.dtype, shape: value.shape, value }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    return [rangeValue(node, inputs)];
  },
  gpu: foldedOnly('Range'),
};

export const ops: AnyOpDefinition[] = [
  identity,
  dropout,
  reshape,
  flatten,
  shapeOnlyOp('Squeeze', squeezeShape),
  shapeOnlyOp('Unsqueeze', unsqueezeShape),
  transpose,
  expand,
  gather,
  cast,
  shapeOp,
  constant,
  constantOfShape,
  range,
];
