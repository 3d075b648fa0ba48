/**
 * Pad (ONNX Pad-13 at opset 17, plus Pad-18's optional `axes` input): inputs data, pads
 * ([x1_begin, x2_begin, ..., x1_end, x2_end, ...], one begin and one end per padded axis),
 * constant_value (optional scalar of data's dtype, default 0) and axes (optional; default every
 * axis; negative counts from the end; repeats are an error). pads, axes and, in constant mode,
 * constant_value must be constants. Attribute `mode`: 'constant' (default), 'reflect' or 'edge'
 * ('wrap' arrived in opset 19 and is refused).
 *
 * Negative pads crop, as in ONNX Runtime: each axis is first cut to the window that the negative
 * pads leave, and that window is what gets padded. So an output dimension is
 * dim + begin + end, and the window must not be cropped below 0 elements.
 *   reflect mirrors about the window's edge element without repeating it, so a pad on a window of
 *     n elements must be at most n - 1 (PyTorch's rule; the ONNX reference implementation calls
 *     numpy.pad, which reflects again and again for larger pads: those models get an InputError);
 *   edge repeats the window's edge element, so an empty window cannot be padded.
 *
 * dtypes: float32, int32 and int64. GPU: one gather over the output (shaders/pad.wgsl), rank up
 * to 8, elements moved as raw 32-bit words. Empty outputs lower to no steps.
 */
import { InputError, SegwgpuError, showValue } from '../core/errors.js';
import { sizeOf, stridesOf, type DType, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, stringAttr } from './attributes.js';
import { constantIntegers } from './slice.js';
import { requireKnownValue, allocate, type Elements } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import padWgsl from '../../shaders/pad.wgsl?raw';

/** The pad kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_PAD_RANK = 8;

export type PadMode = 'constant' | 'reflect' | 'edge';
const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge'];
const MODE_CODES: Record<PadMode, number> = { constant: 0, reflect: 1, edge: 2 };

const SUPPORTED_DTYPES: readonly DType[] = ['float32', 'int32', 'int64'];

interface PadAttributes {
  readonly mode: PadMode;
}

/** One dimension of the data: the window left by negative pads, then the padding around it. */
interface PaddedAxis {
  /** First input coordinate of the window (what a negative begin pad crops). */
  readonly cropStart: number;
  /** Window extent. */
  readonly window: number;
  /** Elements added before and after the window (positive pads only). */
  readonly before: number;
  readonly after: number;
  /** Output extent: window + before + after = dim + begin pad + end pad. */
  readonly size: number;
}

interface ResolvedPad {
  readonly dtype: DType;
  readonly axes: PaddedAxis[];
  /** constant_value as one element of data's dtype (bigint for int64). */
  readonly fill: number | bigint;
}

function resolvePad(node: OpNode, mode: PadMode, inputs: readonly (ValueInfo | Tensor | undefined)[]): ResolvedPad {
  const [data, padsInfo, valueInfo, axesInfo] = inputs;
  if (!data) throw new InputError(node, 'data', 'is missing');
  if (!SUPPORTED_DTYPES.includes(data.dtype)) throw new InputError(node, 'data', `has dtype ${data.dtype}; supported: ${SUPPORTED_DTYPES.join(', ')}`);
  const rank = data.shape.length;
  if (rank > MAX_PAD_RANK) throw new InputError(node, 'data', `has rank ${rank}; at most ${MAX_PAD_RANK} is supported`);
  if (!padsInfo) throw new InputError(node, 'pads', 'is missing');
  const pads = constantIntegers(node, 'pads', padsInfo);

  const rawAxes = axesInfo ? constantIntegers(node, 'axes', axesInfo) : data.shape.map((_, i) => i);
  const axes = rawAxes.map((a) => {
    if (a < -rank || a >= rank) throw new InputError(node, 'axes', `${showValue(rawAxes)}: axis ${a} is out of range for data of rank ${rank} (allowed ${-rank}..${rank - 1})`);
    return a < 0 ? a + rank : a;
  });
  axes.forEach((a, i) => {
    if (axes.indexOf(a) !== i) throw new InputError(node, 'axes', `${showValue(rawAxes)} names axis ${a} more than once`);
  });
  const k = axes.length;
  if (pads.length !== 2 * k) {
    throw new InputError(node, 'pads', `${showValue(pads)} has ${pads.length} values; it needs ${2 * k}: a begin value for each of axes ${showValue(rawAxes)}${axesInfo ? '' : ' (all axes)'}, then an end value for each`);
  }

  let fill: number | bigint = data.dtype === 'int64' ? 0n : 0;
  if (valueInfo) {
    if (valueInfo.dtype !== data.dtype) throw new InputError(node, 'constant_value', `has dtype ${valueInfo.dtype}, but data has dtype ${data.dtype}; they must match`);
    if (sizeOf(valueInfo.shape) !== 1) throw new InputError(node, 'constant_value', `has shape [${valueInfo.shape.join('x')}]; it must be a scalar`);
    // Only mode 'constant' reads it (ONNX ignores it for the others).
    if (mode === 'constant') fill = requireKnownValue(node, 'constant_value', valueInfo, "the fill of mode 'constant' is fixed when the plan is made").data[0]!;
  }

  const resolved: PaddedAxis[] = data.shape.map((dim) => ({ cropStart: 0, window: dim, before: 0, after: 0, size: dim }));
  axes.forEach((axis, i) => {
    const begin = pads[i];
    const end = pads[i + k];
    const dim = data.shape[axis];
    const cropStart = Math.max(0, -begin);
    const window = dim - cropStart - Math.max(0, -end);
    if (window < 0) throw new InputError(node, 'pads', `${showValue(pads)} crops ${dim - window} elements from axis ${axis}, which has only ${dim}`);
    const before = Math.max(0, begin);
    const after = Math.max(0, end);
    if (mode === 'reflect' && Math.max(before, after) > window - 1 && before + after > 0) {
      throw new InputError(node, 'pads', `${showValue(pads)} pads axis ${axis} by ${Math.max(before, after)} in mode 'reflect', but that axis has ${window} element(s)${window !== dim ? ' after cropping' : ''}, which allows at most ${Math.max(0, window - 1)}`);
    }
    if (mode === 'edge' && window === 0 && before + after > 0) {
      throw new InputError(node, 'pads', `${showValue(pads)} pads axis ${axis} in mode 'edge', but that axis is empty${window !== dim ? ' after cropping' : ''}: there is no edge element to repeat`);
    }
    resolved[axis] = { cropStart, window, before, after, size: window + before + after };
  });
  return { dtype: data.dtype, axes: resolved, fill };
}

type ElementArray = Float32Array | Int32Array | BigInt64Array;

/**
 * The CPU reference pads one axis at a time (padding is separable: every mode treats each
 * coordinate independently), unlike the GPU kernel, which maps all coordinates at once.
 */
function padOneAxis(t: { shape: number[]; data: ElementArray }, axis: number, p: PaddedAxis, mode: PadMode, fill: number | bigint, dtype: DType): { shape: number[]; data: ElementArray } {
  const outer = sizeOf(t.shape.slice(0, axis));
  const inner = sizeOf(t.shape.slice(axis + 1));
  const dim = t.shape[axis];
  const shape = [...t.shape];
  shape[axis] = p.size;
  const data = allocate(dtype, sizeOf(shape));
  const out = data as Elements;
  const src = t.data as Elements;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < p.size; c++) {
      const to = (o * p.size + c) * inner;
      let j = c - p.before; // coordinate in the window
      if (j < 0 || j >= p.window) {
        if (mode === 'constant') {
          for (let r = 0; r < inner; r++) out[to + r] = fill;
          continue;
        }
        if (mode === 'edge') j = j < 0 ? 0 : p.window - 1;
        else j = j < 0 ? -j : 2 * (p.window - 1) - j; // reflect
      }
      const from = (o * dim + p.cropStart + j) * inner;
      for (let r = 0; r < inner; r++) out[to + r] = src[from + r];
    }
  }
  return { shape, data };
}

/** constant_value as the 32-bit word the kernel writes. */
function fillWord(dtype: DType, fill: number | bigint): number {
  if (dtype === 'float32') return new Uint32Array(Float32Array.of(Number(fill)).buffer)[0];
  const v = Number(fill);
  if (v < -(2 ** 31) || v >= 2 ** 31) throw new SegwgpuError(`Pad: input constant_value=${fill} does not fit the GPU's 32-bit integers`);
  return v >>> 0;
}

/** What Pad's infer resolves: the mode, and per axis what is padded or cropped (from the constant pads). */
interface PadNode extends ResolvedPad {
  readonly mode: PadMode;
}

const pad: OpDefinition<PadAttributes, PadNode> = {
  type: 'Pad',
  parse(node) {
    // Pad-2 had pads/value attributes; they are inputs since opset 11.
    checkKnownAttributes(node, ['mode']);
    return { mode: stringAttr(node, 'mode', PAD_MODES, 'constant') };
  },
  infer(attrs, inputs, node) {
    const resolved = { ...resolvePad(node, attrs.mode, inputs), mode: attrs.mode };
    return { outputs: [{ dtype: resolved.dtype, shape: resolved.axes.map((a) => a.size) }], resolved };
  },
  cpu(attrs, inputs) {
    const { dtype, axes, fill } = attrs;
    const data = inputs[0] as Tensor;
    let t = { shape: [...data.shape], data: data.data as ElementArray };
    axes.forEach((p, axis) => {
      t = padOneAxis(t, axis, p, attrs.mode, fill, dtype);
    });
    return [{ dtype, shape: t.shape, data: t.data } as Tensor];
  },
  gpu(attrs, inputs, outputs) {
    const { dtype, axes, fill } = attrs;
    const shape = outputs[0].shape;
    const total = sizeOf(shape);
    if (total === 0) return { steps: [] };
    return {
      steps: [
        {
          kernel: wgslKernel('pad', padWgsl),
          params: {
            total,
            rank: shape.length,
            mode: MODE_CODES[attrs.mode],
            fill: fillWord(dtype, fill),
            outShape: shape,
            inShape: axes.map((a) => a.window),
            cropStart: axes.map((a) => a.cropStart),
            padBefore: axes.map((a) => a.before),
            inStrides: stridesOf((inputs[0] as ValueInfo).shape),
          },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [pad];
