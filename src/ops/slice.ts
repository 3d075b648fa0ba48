/**
 * Slice (ONNX Slice-13, the version current at opset 17): inputs data, starts, ends, axes
 * (optional, default 0..len(starts)-1, negative counts from the end) and steps (optional,
 * default 1, negative walks backwards, 0 is an error). starts/ends/axes/steps must be constants:
 * the output shape depends on them, and plans are made before anything runs.
 *
 * Per sliced axis of extent dim, as the spec says: a negative start or end has dim added; then
 * for a positive step start and end are clamped to [0, dim], for a negative step start to
 * [0, dim-1] and end to [-1, dim-1] (so INT_MAX, INT64_MAX, INT_MIN... mean "to the end"); the
 * output takes max(0, ceil((end - start) / step)) elements. An axis of extent 0 gives 0 elements.
 * Repeating an axis is an error (the spec leaves it undefined).
 *
 * dtypes: float32, int32 and int64 data (int64 for shape subgraphs); starts etc. int32 or int64.
 * GPU: one strided copy (src/ops/strided-copy.ts) from the starts with step-scaled strides, rank up to 8. Empty outputs (a dimension of 0)
 * are legal and lower to no steps: there is nothing to write.
 */
import { InputError, showValue } from '../core/errors.js';
import { integerValues, sizeOf, stridesOf, type DType, type Tensor } from '../core/tensor.js';
import { stridedCopyStep } from './strided-copy.js';
import { allocate, coordinatesOf, noAttributes, requireKnownValue, type Elements } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

/** The slice kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_SLICE_RANK = 8;

const SUPPORTED_DTYPES: readonly DType[] = ['float32', 'int32', 'int64'];

/**
 * The values of an integer input that the op needs as a constant (Slice starts, Pad pads...):
 * 1-D, int32 or int64, known when the plan is made. Every failure names the input and the value.
 */
export function constantIntegers(node: OpNode, input: string, info: ValueInfo | Tensor): number[] {
  const value = requireKnownValue(node, input, info, `${node.opType} output shapes are fixed when the plan is made`);
  if (value.dtype !== 'int32' && value.dtype !== 'int64') throw new InputError(node, input, `has dtype ${value.dtype}; it must be int64 (or int32)`);
  const values = integerValues(value);
  if (value.shape.length !== 1) throw new InputError(node, input, `${showValue(values)} has shape [${value.shape.join('x')}]; it must be 1-D`);
  return values;
}

/** One dimension of the data after slicing: clamped bounds, the step and the number taken. */
interface SlicedAxis {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly size: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/** The spec's normalisation of one axis (see the file comment). */
function sliceAxis(dim: number, rawStart: number, rawEnd: number, step: number): SlicedAxis {
  if (dim === 0) return { start: 0, end: 0, step, size: 0 };
  let start = rawStart < 0 ? rawStart + dim : rawStart;
  let end = rawEnd < 0 ? rawEnd + dim : rawEnd;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
  } else {
    start = clamp(start, 0, dim - 1);
    end = clamp(end, -1, dim - 1);
  }
  return { start, end, step, size: Math.max(0, Math.ceil((end - start) / step)) };
}

/** Validates data and the constant inputs; returns every dimension of the data, sliced or not. */
/** What Slice's infer resolves from its constant inputs: the element type and every axis's bounds. */
interface ResolvedSlice {
  readonly dtype: DType;
  readonly axes: SlicedAxis[];
}

function resolveSlice(node: OpNode, inputs: readonly (ValueInfo | Tensor | undefined)[]): ResolvedSlice {
  const [data, startsInfo, endsInfo, axesInfo, stepsInfo] = inputs;
  if (!data) throw new InputError(node, 'data', 'is missing');
  if (!SUPPORTED_DTYPES.includes(data.dtype)) throw new InputError(node, 'data', `has dtype ${data.dtype}; supported: ${SUPPORTED_DTYPES.join(', ')}`);
  const rank = data.shape.length;
  if (rank > MAX_SLICE_RANK) throw new InputError(node, 'data', `has rank ${rank}; at most ${MAX_SLICE_RANK} is supported`);
  if (!startsInfo) throw new InputError(node, 'starts', 'is missing');
  if (!endsInfo) throw new InputError(node, 'ends', 'is missing');
  const starts = constantIntegers(node, 'starts', startsInfo);
  const ends = constantIntegers(node, 'ends', endsInfo);
  const n = starts.length;
  if (ends.length !== n) throw new InputError(node, 'ends', `${showValue(ends)} has ${ends.length} value(s) but starts ${showValue(starts)} has ${n}; they must match`);
  const axes = axesInfo ? constantIntegers(node, 'axes', axesInfo) : starts.map((_, i) => i);
  if (axes.length !== n) throw new InputError(node, 'axes', `${showValue(axes)} has ${axes.length} value(s) but starts ${showValue(starts)} has ${n}; they must match`);
  const steps = stepsInfo ? constantIntegers(node, 'steps', stepsInfo) : starts.map(() => 1);
  if (steps.length !== n) throw new InputError(node, 'steps', `${showValue(steps)} has ${steps.length} value(s) but starts ${showValue(starts)} has ${n}; they must match`);

  const result: SlicedAxis[] = data.shape.map((dim) => ({ start: 0, end: dim, step: 1, size: dim }));
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const a = axes[i];
    if (a < -rank || a >= rank) {
      throw new InputError(node, 'axes', `${showValue(axes)}: axis ${a} is out of range for data of rank ${rank} (allowed ${-rank}..${rank - 1})${axesInfo ? '' : ' (axes defaults to 0..len(starts)-1)'}`);
    }
    const axis = a < 0 ? a + rank : a;
    if (seen.has(axis)) throw new InputError(node, 'axes', `${showValue(axes)} names axis ${axis} more than once`);
    seen.add(axis);
    if (steps[i] === 0) throw new InputError(node, 'steps', `${showValue(steps)} has a step of 0 (for axis ${axis}); steps must not be 0`);
    result[axis] = sliceAxis(data.shape[axis], starts[i], ends[i], steps[i]);
  }
  return { dtype: data.dtype, axes: result };
}


const slice: OpDefinition<null, ResolvedSlice> = {
  type: 'Slice',
  // Slice-1 had starts/ends/axes attributes; they are inputs since opset 10.
  parse: noAttributes,
  infer(_, inputs, node) {
    const resolved = resolveSlice(node, inputs);
    return { outputs: [{ dtype: resolved.dtype, shape: resolved.axes.map((a) => a.size) }], resolved };
  },
  cpu({ dtype, axes }, inputs) {
    const data = inputs[0] as Tensor;
    // The input coordinates each dimension keeps, by walking from start towards end.
    const picked = axes.map(({ start, end, step }) => {
      const kept: number[] = [];
      for (let k = start; step > 0 ? k < end : k > end; k += step) kept.push(k);
      return kept;
    });
    const shape = picked.map((p) => p.length);
    const inStrides = stridesOf(data.shape);
    const out = allocate(dtype, sizeOf(shape));
    const src = data.data as Elements;
    const dst = out as Elements;
    for (let i = 0; i < out.length; i++) {
      const coords = coordinatesOf(i, shape);
      let from = 0;
      for (let d = 0; d < shape.length; d++) from += picked[d]![coords[d]!]! * inStrides[d]!;
      dst[i] = src[from];
    }
    return [{ dtype, shape, data: out } as Tensor];
  },
  gpu({ axes }, inputs, outputs) {
    const shape = outputs[0].shape;
    // A strided copy: base at the starts, each dimension's stride scaled by its step. A dimension
    // that keeps one element never moves, so its (possibly huge) step is not used.
    const inStrides = stridesOf((inputs[0] as ValueInfo).shape);
    const base = axes.reduce((sum, a, d) => sum + a.start * inStrides[d], 0);
    return stridedCopyStep(shape, axes.map((a, d) => (a.size > 1 ? a.step * inStrides[d] : 0)), 'slice', base);
  },
};

export const ops: AnyOpDefinition[] = [slice];
