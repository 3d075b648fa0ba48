/**
 * QuantizeLinear, DequantizeLinear (ONNX opset 21 semantics, per tensor or per axis; blockwise
 * quantization and float8 types refused) and DynamicQuantizeLinear (ONNX opset 11). Quantized
 * tensors are int32 here (see quantization.ts).
 *
 * QuantizeLinear(x, y_scale, y_zero_point?) -> y = saturate(round_half_to_even(x / y_scale) +
 *   y_zero_point) to the output type (quantizedOutputType: `output_dtype`, else the zero point's).
 * DequantizeLinear(x, x_scale, x_zero_point?) -> y = (x - x_zero_point) * x_scale, float32.
 *   Scale and zero point: a scalar, or one per index of `axis` (default 1, negative counts from
 *   the end), of the same shape.
 * DynamicQuantizeLinear(x) -> y (uint8 values), y_scale (float32, shape []), y_zero_point (uint8
 *   value, shape []), as onnx.reference's op_dynamic_quantize_linear.py, every step in float32:
 *   maxx = max(0, max(x)), minx = min(0, min(x)), y_scale = (maxx == minx ? 1 : maxx - minx) / 255,
 *   zp = round_half_to_even(clip(0 - minx / y_scale, 0, 255)), y = clip(round_half_to_even(x /
 *   y_scale) + zp, 0, 255). (onnxruntime takes y_scale = 1 when maxx == minx, that is when x is
 *   all zeros; y and every dequantized value are 0 either way.)
 *
 * The CPU references round after every f32 operation (Math.fround; a double quotient or sum of
 * two f32 values rounds to the correctly rounded f32 one), and the kernels divide correctly
 * rounded (shaders/quantize-division.wgsl), so quantized values agree exactly, ties included.
 * GPU: QuantizeLinear and DequantizeLinear are one pointwise dispatch each; DynamicQuantizeLinear
 * is a range reduction over the whole tensor (shaders/dynamic-quantize-range.wgsl, one dispatch
 * per 1024-fold reduction, ping-ponging two scratch buffers) and one pointwise quantization.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel, type Kernel } from '../gpu/kernel.js';
import type { BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { checkDtype, checkInputCount, knownValue, noAttributes, requireInput, type KnownValue } from './kit.js';
import { quantizationParameterCount, quantizedOutputType, roundHalfToEven, saturate, UINT8, zeroPointValues, type QuantizedType } from './quantization.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';
import divisionWgsl from '../../shaders/quantize-division.wgsl?raw';
import quantizeLinearWgsl from '../../shaders/quantize-linear.wgsl?raw';
import dequantizeLinearWgsl from '../../shaders/dequantize-linear.wgsl?raw';
import dynamicQuantizeRangeWgsl from '../../shaders/dynamic-quantize-range.wgsl?raw';
import dynamicQuantizeApplyWgsl from '../../shaders/dynamic-quantize-apply.wgsl?raw';

/** A kernel that divides as ONNX quantizes (correctly rounded): the division helpers go first. */
function quantizingKernel(name: string, wgsl: string): Kernel {
  return wgslKernel(name, `${divisionWgsl}\n${wgsl}`);
}

/** round_half_to_even(x / s) with x / s the correctly rounded f32 quotient, as the kernels compute it. */
function roundQuotient(x: number, s: number): number {
  return roundHalfToEven(Math.fround(x / s));
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear and DequantizeLinear

interface LinearAttrs {
  readonly axis: number;
}

/** Where a scale (and zero point) applies: element i uses parameter (i / inner) % channels. */
interface LinearResolved {
  readonly shape: readonly number[];
  readonly inner: number;
  readonly channels: number;
  readonly hasZeroPoint: boolean;
  /** QuantizeLinear: the range it saturates to. */
  readonly output?: QuantizedType;
}

function parseLinearAttributes(node: OpNode, extra: readonly string[]): LinearAttrs {
  checkKnownAttributes(node, ['axis', 'block_size', ...extra]);
  const blockSize = intAttr(node, 'block_size', 0);
  if (blockSize !== 0) throw new AttributeError(node, 'block_size', blockSize, 'asks for blockwise quantization, which segwgpu does not support (per tensor or per axis only: block_size 0)');
  return { axis: intAttr(node, 'axis', 1) };
}

/** The scale's and zero point's reach, checked: same count, scalar or one per index of the axis. */
function resolveLinear(
  node: OpNode,
  attrs: LinearAttrs,
  x: KnownValue,
  scale: KnownValue,
  zeroPoint: KnownValue | undefined,
  names: { scale: string; zeroPoint: string },
): Omit<LinearResolved, 'output'> {
  checkDtype(node, names.scale, scale, ['float32']);
  if (zeroPoint) checkDtype(node, names.zeroPoint, zeroPoint, ['int32']);
  const perTensor = (v: KnownValue) => sizeOf(v.shape) === 1 && v.shape.length <= 1;
  let channels = 1;
  let inner = 1;
  let zeroPoints = 1;
  if (!perTensor(scale) || (zeroPoint && !perTensor(zeroPoint))) {
    // The axis matters (and must exist) only for per-axis parameters.
    const axis = normalizeAxis(node, 'axis', attrs.axis, x.shape.length);
    channels = quantizationParameterCount(node, names.scale, scale, x.shape, axis);
    if (zeroPoint) zeroPoints = quantizationParameterCount(node, names.zeroPoint, zeroPoint, x.shape, axis);
    inner = sizeOf(x.shape.slice(axis + 1));
  }
  if (zeroPoint && zeroPoints !== channels) {
    throw new InputError(node, names.zeroPoint, `has shape [${zeroPoint.shape.join('x')}] and ${names.scale} [${scale.shape.join('x')}]: a scale and its zero point must have the same shape`);
  }
  return { shape: [...x.shape], inner, channels, hasZeroPoint: zeroPoint !== undefined };
}

/** The pointwise lowering both ops share: x, scale, zero point (or a never-read scratch word). */
function lowerLinear(r: LinearResolved, kernel: Kernel, extra: Record<string, number>): GpuLowering {
  const total = sizeOf(r.shape);
  if (total === 0) return { steps: [] };
  return {
    temps: r.hasZeroPoint ? [] : [4],
    steps: [
      {
        kernel,
        params: { total, inner: r.inner, channels: r.channels, hasZeroPoint: r.hasZeroPoint ? 1 : 0, ...extra },
        bindings: { x: { input: 0 }, scale: { input: 1 }, zeroPoint: r.hasZeroPoint ? { input: 2 } : { temp: 0 }, y: { output: 0 } },
        invocations: total,
      },
    ],
  };
}

/** The parameter index of each element, for the CPU references. */
function parameterIndex(r: LinearResolved, i: number): number {
  return Math.floor(i / r.inner) % r.channels;
}

const quantizeLinear: OpDefinition<LinearAttrs, LinearResolved> = {
  type: 'QuantizeLinear',
  // saturate only concerns float8 outputs, which quantizedOutputType refuses.
  parse: (node) => parseLinearAttributes(node, ['output_dtype', 'saturate']),
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 3);
    const x = requireInput(node, inputs, 0, 'x');
    checkDtype(node, 'x', x, ['float32']);
    const scale = requireInput(node, inputs, 1, 'y_scale');
    const zeroPoint = inputs[2];
    const linear = resolveLinear(node, attrs, x, scale, zeroPoint, { scale: 'y_scale', zeroPoint: 'y_zero_point' });
    const output = quantizedOutputType(node, zeroPoint);
    const zeroPointValue = knownValue(zeroPoint);
    if (zeroPointValue) zeroPointValues(node, 'y_zero_point', zeroPointValue, output);
    return { outputs: [{ dtype: 'int32', shape: [...x.shape] }], resolved: { ...linear, output } };
  },
  cpu(r, inputs) {
    const x = inputs[0]!.data as Float32Array;
    const scale = inputs[1]!.data as Float32Array;
    const zeroPoint = inputs[2]?.data as Int32Array | undefined;
    const y = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const c = parameterIndex(r, i);
      y[i] = saturate(roundQuotient(x[i]!, scale[c]!) + (zeroPoint ? zeroPoint[c]! : 0), r.output!);
    }
    return [{ dtype: 'int32', shape: r.shape, data: y }];
  },
  gpu: (r) => lowerLinear(r, quantizingKernel('quantize-linear', quantizeLinearWgsl), { qMin: r.output!.min, qMax: r.output!.max }),
};

const dequantizeLinear: OpDefinition<LinearAttrs, LinearResolved> = {
  type: 'DequantizeLinear',
  parse: (node) => parseLinearAttributes(node, []),
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 3);
    const x = requireInput(node, inputs, 0, 'x');
    checkDtype(node, 'x', x, ['int32']);
    const scale = requireInput(node, inputs, 1, 'x_scale');
    const linear = resolveLinear(node, attrs, x, scale, inputs[2], { scale: 'x_scale', zeroPoint: 'x_zero_point' });
    return { outputs: [{ dtype: 'float32', shape: [...x.shape] }], resolved: linear };
  },
  cpu(r, inputs) {
    const x = inputs[0]!.data as Int32Array;
    const scale = inputs[1]!.data as Float32Array;
    const zeroPoint = inputs[2]?.data as Int32Array | undefined;
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const c = parameterIndex(r, i);
      y[i] = Math.fround((x[i]! - (zeroPoint ? zeroPoint[c]! : 0)) * scale[c]!);
    }
    return [{ dtype: 'float32', shape: r.shape, data: y }];
  },
  gpu: (r) => lowerLinear(r, wgslKernel('dequantize-linear', dequantizeLinearWgsl), {}),
};

// ---------------------------------------------------------------------------------------------
// DynamicQuantizeLinear

/** Values one workgroup of shaders/dynamic-quantize-range.wgsl folds into one (min, max) pair (WG * PER_INVOCATION). */
const RANGE_FOLD = 64 * 16;

interface DynamicResolved {
  readonly shape: Shape;
}

/** The spec's scale and zero point of a range that includes 0, in float32 at every step. */
export function dynamicQuantizationParameters(minimum: number, maximum: number): { scale: number; zeroPoint: number } {
  const scale = Math.fround((maximum === minimum ? 1 : Math.fround(maximum - minimum)) / 255);
  return { scale, zeroPoint: saturate(roundQuotient(-minimum, scale), UINT8) };
}

const dynamicQuantizeLinear: OpDefinition<null, DynamicResolved> = {
  type: 'DynamicQuantizeLinear',
  parse: noAttributes,
  infer(_, inputs, node) {
    checkInputCount(node, inputs, 1);
    const x = requireInput(node, inputs, 0, 'x');
    checkDtype(node, 'x', x, ['float32']);
    if (sizeOf(x.shape) === 0) throw new InputError(node, 'x', `is empty (shape [${x.shape.join('x')}]): the quantization range of no values is undefined`);
    return {
      outputs: [
        { dtype: 'int32', shape: [...x.shape] },
        { dtype: 'float32', shape: [] },
        { dtype: 'int32', shape: [] },
      ],
      resolved: { shape: [...x.shape] },
    };
  },
  cpu(r, inputs) {
    const x = (inputs[0] as Tensor<'float32'>).data;
    let minimum = 0;
    let maximum = 0;
    for (const v of x) {
      if (v < minimum) minimum = v;
      if (v > maximum) maximum = v;
    }
    const { scale, zeroPoint } = dynamicQuantizationParameters(minimum, maximum);
    const y = new Int32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = saturate(roundQuotient(x[i]!, scale) + zeroPoint, UINT8);
    return [
      { dtype: 'int32', shape: r.shape, data: y },
      { dtype: 'float32', shape: [], data: Float32Array.of(scale) },
      { dtype: 'int32', shape: [], data: Int32Array.of(zeroPoint) },
    ];
  },
  gpu(r) {
    const total = sizeOf(r.shape);
    const rangeKernel = quantizingKernel('dynamic-quantize-range', dynamicQuantizeRangeWgsl);
    const steps: GpuStep[] = [];
    const pairs: number[] = [];
    let source: BufferRef = { input: 0 };
    let count = total;
    do {
      const groups = Math.ceil(count / RANGE_FOLD);
      const destination = { temp: steps.length % 2 };
      steps.push({
        kernel: rangeKernel,
        params: { count, groups, sourceIsPairs: steps.length > 0 ? 1 : 0, finish: groups === 1 ? 1 : 0 },
        bindings: { src: source, dst: destination },
        invocations: groups * 64,
        label: `DynamicQuantizeLinear range, ${count} to ${groups}`,
      });
      pairs.push(groups);
      source = destination;
      count = groups;
    } while (count > 1);
    // Step s writes temp s % 2; the final one also holds the scale and zero point after its pair.
    const tempBytes = [0, 1].map((t) => 4 * Math.max(4, ...pairs.filter((_, s) => s % 2 === t).map((g) => 2 * g)));
    steps.push({
      kernel: quantizingKernel('dynamic-quantize-apply', dynamicQuantizeApplyWgsl),
      params: { total },
      bindings: { x: { input: 0 }, statistics: source, y: { output: 0 }, yScale: { output: 1 }, yZeroPoint: { output: 2 } },
      invocations: total,
    });
    return { temps: pairs.length > 1 ? tempBytes : [tempBytes[0]!], steps };
  },
};

export const ops: readonly AnyOpDefinition[] = [quantizeLinear, dequantizeLinear, dynamicQuantizeLinear];
