/**
 * ConvInteger (ONNX opset 10) and QLinearConv (ONNX opset 10), 2D only, with Conv's geometry
 * (NCHW input, weights [M, C/group, kH, kW]; kernel_shape, strides, dilations, pads, auto_pad,
 * group, depthwise included). Quantized tensors are int32 here (see quantization.ts).
 *
 * ConvInteger(x, w, x_zero_point?, w_zero_point?) -> int32
 *   y[n,m,oy,ox] = sum over the taps inside the input of (x - x_zero_point) * (w - w_zero_point[m]);
 *   padding contributes 0 (as if it held x_zero_point, the onnx reference implementation's rule).
 *   x_zero_point is a scalar; w_zero_point a scalar or one per output channel.
 * QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B?)
 *   acc = the ConvInteger sum + B[m] (int32); then, in float32 at every step, as onnxruntime does:
 *   multiplier[m] = (x_scale * w_scale[m]) / y_scale, y = saturate(roundHalfToEven(f32(acc) *
 *   multiplier[m]) + y_zero_point) to y_zero_point's element type (quantizedOutputType: the
 *   node's `output_dtype` attribute, else the zero point's values). The CPU reference rounds
 *   every step with Math.fround in the GPU's order, so the two agree exactly.
 *
 * GPU: a pack step (reading only w, w_zero_point and B: the planner runs it once, when the model
 * is planned, for constant weights) keeps the weights as 4 x 8 bits per u32 word; QLinearConv's
 * multipliers come from a second small step (hoisted too when the scales are constants). Then one
 * register-blocked integer implicit GEMM (src/ops/conv-integer-kernels.ts). Where the adapter's
 * WGSL has packed_4x8_integer_dot_product and src/ops/integer-dot.ts's rule takes it (GPUs, or
 * when AdapterTraits.integerDot forces it), the weights are packed along the input channels
 * instead, x is packed likewise each run, and the GEMM sums dot4U8Packed
 * (src/ops/conv-integer-dot-kernels.ts); the results are the same, exactly. The weights must be
 * constant on the GPU: whether their bytes are int8 or uint8 is read from their values.
 */
import { AttributeError, InputError, ValueNeededError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { AdapterTraits, BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';
import scaleWgsl from '../../shaders/conv-integer-scale.wgsl?raw';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { convGeometry, type ConvAttributes, type ConvGeometry } from './conv.js';
import { convIntegerKernel, convIntegerPackKernel, type ConvIntegerTiling } from './conv-integer-kernels.js';
import { convIntegerDotKernel, convIntegerDotPackKernel } from './conv-integer-dot-kernels.js';
import { activationPackSteps, usesPackedDot } from './integer-dot.js';
import { checkDtype, knownValue, type KnownValue } from './kit.js';
import { quantizationParameterCount, quantizedOutputType, roundHalfToEven, saturate, zeroPointValues, type QuantizedType } from './quantization.js';
import { parseWindowAttributes, windowUniforms } from './spatial.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

export type { ConvIntegerTiling } from './conv-integer-kernels.js';

/** Where each operand sits in the node's inputs (ConvInteger and QLinearConv order them differently). */
interface OperandIndices {
  readonly x: number;
  readonly xZeroPoint: number;
  readonly w: number;
  readonly wZeroPoint: number;
}

const CONV_INTEGER: OperandIndices = { x: 0, xZeroPoint: 2, w: 1, wZeroPoint: 3 };
const QLINEAR_CONV: OperandIndices = { x: 0, xZeroPoint: 2, w: 3, wZeroPoint: 5 };
const Q = { xScale: 1, wScale: 4, yScale: 6, yZeroPoint: 7, bias: 8 } as const;

/** What infer resolves for both ops. */
export interface ResolvedConvInteger {
  readonly geometry: ConvGeometry;
  readonly operands: OperandIndices;
  readonly hasXZeroPoint: boolean;
  /** 0 without a w_zero_point input, else 1 (per tensor) or M (per output channel). */
  readonly wZeroPointCount: number;
  /** Whether some w_zero_point may be nonzero (false when absent or constant zeros). */
  readonly wZeroPointNonzero: boolean;
  /** int8 (true) or uint8 (false) weight bytes, read from constant weights; undefined when w is computed at run time. */
  readonly weightsSigned: boolean | undefined;
  /** The largest |w| of constant weights (it bounds the kernel's exact f32 partial sums). */
  readonly weightMagnitude: number;
  /** QLinearConv only: the requantization. */
  readonly requantize?: { readonly output: QuantizedType; readonly wScaleCount: number; readonly hasBias: boolean };
}

const WINDOW_ATTRIBUTES = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];

function parseConvIntegerAttributes(node: OpNode, extra: readonly string[]): ConvAttributes {
  checkKnownAttributes(node, [...WINDOW_ATTRIBUTES, ...extra]);
  const window = parseWindowAttributes(node);
  const group = intAttr(node, 'group', 1);
  if (group < 1) throw new AttributeError(node, 'group', group, 'must be at least 1');
  return { window, group, activation: { kind: 'None', alpha: 0, beta: 0 } };
}

const INPUT_NAMES: Record<'ConvInteger' | 'QLinearConv', readonly string[]> = {
  ConvInteger: ['x', 'w', 'x_zero_point', 'w_zero_point'],
  QLinearConv: ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point', 'B'],
};

function checkInputs(node: OpNode, inputs: readonly unknown[], opType: 'ConvInteger' | 'QLinearConv'): void {
  const names = INPUT_NAMES[opType];
  if (inputs.length > names.length) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${opType} (it takes at most ${names.length}: ${names.join(', ')})`);
}

function isScalarShape(shape: readonly number[]): boolean {
  return shape.length === 0 || (shape.length === 1 && shape[0] === 1);
}

/** A per-tensor scale or zero point: a scalar of the given dtype. */
function checkScalar(node: OpNode, name: string, v: KnownValue, dtype: 'int32' | 'float32', why: string): void {
  checkDtype(node, name, v, [dtype]);
  if (!isScalarShape(v.shape)) throw new InputError(node, name, `has shape [${v.shape.join('x')}]; expected a scalar (shape [] or [1]): ${why}`);
}

function numbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** The weights' byte type from their values: int8 if any is negative; refused if no 8-bit type holds them all. */
function weightsSignedness(node: OpNode, name: string, w: Tensor): { signed: boolean; magnitude: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of numbers(w)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const signed = lo < 0;
  if ((signed && (lo < -128 || hi > 127)) || hi > 255) {
    throw new InputError(node, name, `holds values in [${lo}, ${hi}], which neither int8 [-128, 127] nor uint8 [0, 255] holds: the GPU kernel keeps the weights as 8-bit values`);
  }
  return { signed, magnitude: Math.max(-lo, hi) };
}

function resolveCommon(node: OpNode, attrs: ConvAttributes, inputs: readonly (KnownValue | undefined)[], at: OperandIndices, bias: KnownValue | undefined): Omit<ResolvedConvInteger, 'requantize'> {
  const geometry = convGeometry(attrs, [inputs[at.x], inputs[at.w], bias], node, 'int32');
  const w = inputs[at.w]!;
  const xzp = inputs[at.xZeroPoint];
  if (xzp) checkScalar(node, 'x_zero_point', xzp, 'int32', 'x is quantized per tensor');
  const wzp = inputs[at.wZeroPoint];
  let wZeroPointCount = 0;
  let wZeroPointNonzero = false;
  if (wzp) {
    checkDtype(node, 'w_zero_point', wzp, ['int32']);
    wZeroPointCount = quantizationParameterCount(node, 'w_zero_point', wzp, w.shape, 0);
    const known = knownValue(wzp);
    wZeroPointNonzero = known ? numbers(known).some((v) => v !== 0) : true;
  }
  const wValue = knownValue(w);
  const bytes = wValue ? weightsSignedness(node, 'w', wValue) : undefined;
  return { geometry, operands: at, hasXZeroPoint: xzp !== undefined, wZeroPointCount, wZeroPointNonzero, weightsSigned: bytes?.signed, weightMagnitude: bytes?.magnitude ?? 255 };
}

/** One (x - xzp)(w - wzp) sum per output element: the plain reference both ops share. */
function integerConvCpu(r: ResolvedConvInteger, inputs: readonly (Tensor | undefined)[]): Int32Array {
  const geo = r.geometry;
  const { batch, inC, inH, inW, outC, outH, outW, groupInC, groupOutC } = geo;
  const { kernel: [kH, kW], strides: [strideH, strideW], dilations: [dilationH, dilationW], padsBegin: [padTop, padLeft] } = geo.window;
  const x = inputs[r.operands.x]!.data as Int32Array;
  const w = inputs[r.operands.w]!.data as Int32Array;
  const xzpTensor = inputs[r.operands.xZeroPoint];
  const xzp = xzpTensor ? Number(xzpTensor.data[0]) : 0;
  const wzpTensor = inputs[r.operands.wZeroPoint];
  const wzp = (m: number): number => (wzpTensor ? Number(wzpTensor.data[r.wZeroPointCount === 1 ? 0 : m]) : 0);
  const out = new Int32Array(batch * outC * outH * outW);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outC; m++) {
      const g = Math.floor(m / groupOutC);
      const wz = wzp(m);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = 0;
          for (let ci = 0; ci < groupInC; ci++) {
            const c = g * groupInC + ci;
            for (let ky = 0; ky < kH; ky++) {
              const iy = oy * strideH - padTop + ky * dilationH;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < kW; kx++) {
                const ix = ox * strideW - padLeft + kx * dilationW;
                if (ix < 0 || ix >= inW) continue;
                sum += (x[((n * inC + c) * inH + iy) * inW + ix]! - xzp) * (w[((m * groupInC + ci) * kH + ky) * kW + kx]! - wz);
              }
            }
          }
          // int32 arithmetic, as the kernel's (8-bit operands keep every real model's sum far
          // below 2^53, where this double sum would stop being exact).
          out[o++] = sum | 0;
        }
      }
    }
  }
  return out;
}

/** QLinearConv's per-channel multipliers, f32 at each step: (x_scale * w_scale[m]) / y_scale. */
function requantMultipliers(r: ResolvedConvInteger, inputs: readonly (Tensor | undefined)[]): Float32Array {
  const xs = Math.fround(Number(inputs[Q.xScale]!.data[0]));
  const ws = inputs[Q.wScale]!.data;
  const ys = Math.fround(Number(inputs[Q.yScale]!.data[0]));
  const per = r.requantize!.wScaleCount > 1;
  return Float32Array.from({ length: r.geometry.outC }, (_, m) => Math.fround(Math.fround(xs * Number(ws[per ? m : 0])) / ys));
}

function qlinearConvCpu(r: ResolvedConvInteger, inputs: readonly (Tensor | undefined)[]): Int32Array {
  const acc = integerConvCpu(r, inputs);
  const { output, hasBias } = r.requantize!;
  const bias = hasBias ? (inputs[Q.bias]!.data as Int32Array) : undefined;
  const yzp = Number(inputs[Q.yZeroPoint]!.data[0]);
  const multipliers = requantMultipliers(r, inputs);
  const plane = r.geometry.outH * r.geometry.outW;
  const out = new Int32Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const m = Math.floor(i / plane) % r.geometry.outC;
    const a = bias ? (acc[i]! + bias[m]!) | 0 : acc[i]!;
    const scaled = Math.fround(Math.fround(a) * multipliers[m]!);
    out[i] = saturate(roundHalfToEven(scaled) + yzp, output);
  }
  return out;
}

/**
 * The tiling rule, conv.ts's pickConvTiling: CPU-like adapters get 8 pixels (4 when the output row
 * is at most 4 wide) x 8 channels (4 when a group has at most 4); GPUs many small 4 x 4 tiles.
 */
export function pickConvIntegerTiling(traits: AdapterTraits, geo: ConvGeometry): ConvIntegerTiling {
  if (!traits.cpuLike) return { tm: 4, tn4: 1 };
  return { tm: geo.outW <= 4 ? 4 : 8, tn4: geo.groupOutC > 4 ? 2 : 1 };
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/**
 * How many taps the kernel may sum in f32 and stay exact: every partial sum is an integer of at
 * most chunk * 255 * max|w| (|x - x_zero_point| <= 255 for 8-bit x), and f32 holds those up to 2^24.
 */
function exactChunk(weightMagnitude: number): number {
  return Math.max(1, Math.floor(2 ** 24 / (255 * Math.max(1, weightMagnitude))));
}

function requireConstantWeights(r: ResolvedConvInteger, node: OpNode): boolean {
  if (r.weightsSigned === undefined) {
    throw new ValueNeededError(
      node,
      'w',
      'must be a constant (an initializer, or computable from constants when the model is planned): the GPU kernel packs the weights as 8-bit values, and reads from them whether those are int8 or uint8',
    );
  }
  return r.weightsSigned;
}

/** QLinearConv's multipliers step (hoisted when the scales are constants), into temp `temp`. */
function multipliersStep(requantize: NonNullable<ResolvedConvInteger['requantize']>, sectionWords: number, packedChannels: number, groupOutC: number, temp: number): GpuStep {
  return {
    kernel: wgslKernel('conv-integer-scale', scaleWgsl),
    params: { total: sectionWords, packedChannels, groupOutC, wScaleStride: requantize.wScaleCount > 1 ? 1 : 0 },
    bindings: { xScale: { input: Q.xScale }, wScale: { input: Q.wScale }, yScale: { input: Q.yScale }, multipliers: { temp } },
    invocations: sectionWords,
    label: 'QLinearConv requantization multipliers',
  };
}

/**
 * The lowering with an explicit tiling, for benchmarks (the ops use pickConvIntegerTiling): the
 * packed-dot kernels where the traits say so (integer-dot.ts usesPackedDot), else the scalar ones.
 */
export function lowerConvIntegerWithTiling(r: ResolvedConvInteger, node: OpNode, tiling: ConvIntegerTiling, traits: AdapterTraits = { cpuLike: false }): GpuLowering {
  return usesPackedDot(traits, 'conv') ? lowerConvIntegerDot(r, node, tiling) : lowerConvIntegerScalar(r, node, tiling);
}

function lowerConvIntegerScalar(r: ResolvedConvInteger, node: OpNode, tiling: ConvIntegerTiling): GpuLowering {
  const geo = r.geometry;
  const at = r.operands;
  const signed = requireConstantWeights(r, node);
  const { tm, tn4 } = tiling;
  const channelBlocks = ceilDiv(geo.groupOutC, 4 * tn4);
  const packedWords = channelBlocks * tn4;
  const packedChannels = 4 * packedWords;
  const k = geo.groupInC * geo.window.kernel[0]! * geo.window.kernel[1]!;
  const weightWords = geo.groups * k * packedWords;
  const sectionWords = geo.groups * packedChannels;
  const requantize = r.requantize;
  const sections = requantize ? 2 : 1;
  const packTotal = weightWords + sections * sectionWords;
  const packBindings: Record<string, BufferRef> = { w: { input: at.w }, packed: { temp: 0 } };
  if (r.wZeroPointCount > 0) packBindings.wzp = { input: at.wZeroPoint };
  const packBias = requantize?.hasBias ?? false;
  if (packBias) packBindings.b = { input: Q.bias };
  const steps: GpuStep[] = [
    {
      kernel: convIntegerPackKernel(r.wZeroPointCount > 0, packBias),
      params: {
        total: packTotal,
        weightWords,
        sectionWords,
        k,
        groupInC: geo.groupInC,
        groupOutC: geo.groupOutC,
        packedWords,
        zeroPointStride: r.wZeroPointCount > 1 ? 1 : 0,
      },
      bindings: packBindings,
      invocations: packTotal,
      label: `${node.opType} weight pack`,
    },
  ];
  const temps = [4 * packTotal];
  if (requantize) {
    steps.push(multipliersStep(requantize, sectionWords, packedChannels, geo.groupOutC, 1));
    temps.push(4 * sectionWords);
  }
  const bindings: Record<string, BufferRef> = { x: { input: at.x }, wp: { temp: 0 }, y: { output: 0 } };
  if (r.hasXZeroPoint) bindings.xzpBuffer = { input: at.xZeroPoint };
  if (requantize) {
    bindings.multipliers = { temp: 1 };
    bindings.yzp = { input: Q.yZeroPoint };
  }
  const tilesX = ceilDiv(geo.outW, tm);
  const total = geo.batch * geo.outH * tilesX * geo.groups * channelBlocks;
  steps.push({
    kernel: convIntegerKernel(tiling, { signed, xZeroPoint: r.hasXZeroPoint, weightZeroPoint: r.wZeroPointNonzero, requantize: requantize !== undefined }),
    params: {
      ...windowUniforms([geo.inH, geo.inW], geo.window),
      total,
      channelBlocks,
      groups: geo.groups,
      tilesX,
      inC: geo.inC,
      outC: geo.outC,
      groupInC: geo.groupInC,
      groupOutC: geo.groupOutC,
      packedWords,
      zeroPointOffset: weightWords,
      chunk: exactChunk(r.weightMagnitude),
      ...(requantize ? { biasOffset: weightWords + sectionWords, qMin: requantize.output.min, qMax: requantize.output.max } : {}),
    },
    bindings,
    invocations: total,
  });
  return { temps, steps };
}

/**
 * The packed-dot lowering (src/ops/integer-dot.ts, conv-integer-dot-kernels.ts): weight pack and
 * multipliers (hoisted for constants), then per run the activation pack (x as [n][g][c4][H][W]
 * words, its sign word cleared first) and the GEMM.
 */
function lowerConvIntegerDot(r: ResolvedConvInteger, node: OpNode, tiling: ConvIntegerTiling): GpuLowering {
  const geo = r.geometry;
  const at = r.operands;
  const signed = requireConstantWeights(r, node);
  const { tm, tn4 } = tiling;
  const [kH, kW] = geo.window.kernel as [number, number];
  const channelBlocks = ceilDiv(geo.groupOutC, 4 * tn4);
  const packedWords = channelBlocks * tn4;
  const packedChannels = 4 * packedWords;
  const inWords = ceilDiv(geo.groupInC, 4);
  const weightWords = geo.groups * kH * kW * inWords * packedChannels;
  const sectionWords = geo.groups * packedChannels;
  const requantize = r.requantize;
  const packBias = requantize?.hasBias ?? false;
  const packTotal = weightWords + (packBias || requantize ? 3 : 2) * sectionWords;
  const temps: number[] = [];
  const temp = (bytes: number): { temp: number } => ({ temp: temps.push(bytes) - 1 });
  const packed = temp(4 * packTotal);
  const packBindings: Record<string, BufferRef> = { w: { input: at.w }, packed };
  if (r.wZeroPointCount > 0) packBindings.wzp = { input: at.wZeroPoint };
  if (packBias) packBindings.b = { input: Q.bias };
  const steps: GpuStep[] = [
    {
      kernel: convIntegerDotPackKernel(r.wZeroPointCount > 0, packBias),
      params: {
        total: packTotal,
        weightWords,
        sectionWords,
        kernelTaps: kH * kW,
        groupInC: geo.groupInC,
        inWords,
        groupOutC: geo.groupOutC,
        packedChannels,
        zeroPointStride: r.wZeroPointCount > 1 ? 1 : 0,
        flip: signed ? 128 : 0,
      },
      bindings: packBindings,
      invocations: packTotal,
      label: `${node.opType} weight pack (packed dot)`,
    },
  ];
  const multipliers = requantize ? temp(4 * sectionWords) : undefined;
  if (requantize) steps.push(multipliersStep(requantize, sectionWords, packedChannels, geo.groupOutC, multipliers!.temp));
  const xPacked = temp(4 * Math.max(1, geo.batch * geo.groups * inWords * geo.inH * geo.inW));
  const negative = temp(4);
  steps.push(
    ...activationPackSteps({
      values: { input: at.x },
      zeroPoint: r.hasXZeroPoint ? { input: at.xZeroPoint } : temp(4),
      hasZeroPoint: r.hasXZeroPoint,
      packed: xPacked,
      negative,
      rows: geo.batch * geo.groups,
      length: geo.groupInC,
      inner: geo.inH * geo.inW,
      zeroPointPeriod: 1,
      zeroPointPerRow: false,
      label: node.opType,
    }),
  );
  const bindings: Record<string, BufferRef> = { xp: xPacked, wp: packed, y: { output: 0 }, negative };
  if (r.hasXZeroPoint) bindings.xzpBuffer = { input: at.xZeroPoint };
  if (requantize) {
    bindings.multipliers = multipliers!;
    bindings.yzp = { input: Q.yZeroPoint };
  }
  const tilesX = ceilDiv(geo.outW, tm);
  const total = geo.batch * geo.outH * tilesX * geo.groups * channelBlocks;
  steps.push({
    kernel: convIntegerDotKernel(tiling, { xZeroPoint: r.hasXZeroPoint, weightSum: r.wZeroPointNonzero || signed, requantize: requantize !== undefined }),
    params: {
      ...windowUniforms([geo.inH, geo.inW], geo.window),
      total,
      channelBlocks,
      groups: geo.groups,
      tilesX,
      outC: geo.outC,
      groupOutC: geo.groupOutC,
      inWords,
      packedWords,
      sectionOffset: weightWords,
      ...(requantize ? { biasOffset: weightWords + 2 * sectionWords, qMin: requantize.output.min, qMax: requantize.output.max } : {}),
    },
    bindings,
    invocations: total,
  });
  return { temps, steps };
}

function outputInfo(geo: ConvGeometry): ValueInfo {
  return { dtype: 'int32', shape: [geo.batch, geo.outC, geo.outH, geo.outW] };
}

const macs = ({ geometry: g }: ResolvedConvInteger): number => g.batch * g.outC * g.outH * g.outW * g.groupInC * g.window.kernel[0]! * g.window.kernel[1]!;

export const convInteger: OpDefinition<ConvAttributes, ResolvedConvInteger> = {
  type: 'ConvInteger',
  parse: (node) => parseConvIntegerAttributes(node, []),
  infer(attrs, inputs, node) {
    checkInputs(node, inputs, 'ConvInteger');
    const resolved = resolveCommon(node, attrs, inputs, CONV_INTEGER, undefined);
    return { outputs: [outputInfo(resolved.geometry)], resolved };
  },
  cpu(resolved, inputs) {
    return [{ ...outputInfo(resolved.geometry), data: integerConvCpu(resolved, inputs) }];
  },
  gpu(resolved, _inputs, _outputs, traits, node) {
    return lowerConvIntegerWithTiling(resolved, node, pickConvIntegerTiling(traits, resolved.geometry), traits);
  },
  macs,
  spatial: ({ geometry: g }) => ({ kind: 'window', ...g.window }),
};

export const qlinearConv: OpDefinition<ConvAttributes, ResolvedConvInteger> = {
  type: 'QLinearConv',
  // output_dtype: segwgpu's record of y_zero_point's element type (see quantization.ts).
  parse: (node) => parseConvIntegerAttributes(node, ['output_dtype']),
  infer(attrs, inputs, node) {
    checkInputs(node, inputs, 'QLinearConv');
    INPUT_NAMES.QLinearConv.slice(0, 8).forEach((name, i) => {
      if (!inputs[i]) throw new InputError(node, name, 'is missing (QLinearConv requires it)');
    });
    const bias = inputs[Q.bias];
    const common = resolveCommon(node, attrs, inputs, QLINEAR_CONV, bias);
    const w = inputs[QLINEAR_CONV.w]!;
    checkScalar(node, 'x_scale', inputs[Q.xScale]!, 'float32', 'x is quantized per tensor');
    checkScalar(node, 'y_scale', inputs[Q.yScale]!, 'float32', 'y is quantized per tensor');
    const yzp = inputs[Q.yZeroPoint]!;
    checkScalar(node, 'y_zero_point', yzp, 'int32', 'y is quantized per tensor');
    const wScale = inputs[Q.wScale]!;
    checkDtype(node, 'w_scale', wScale, ['float32']);
    const wScaleCount = quantizationParameterCount(node, 'w_scale', wScale, w.shape, 0);
    const output = quantizedOutputType(node, yzp);
    const yzpValue = knownValue(yzp);
    if (yzpValue) zeroPointValues(node, 'y_zero_point', yzpValue, output);
    const resolved: ResolvedConvInteger = { ...common, requantize: { output, wScaleCount, hasBias: bias !== undefined } };
    return { outputs: [outputInfo(resolved.geometry)], resolved };
  },
  cpu(resolved, inputs) {
    return [{ ...outputInfo(resolved.geometry), data: qlinearConvCpu(resolved, inputs) }];
  },
  gpu(resolved, _inputs, _outputs, traits, node) {
    return lowerConvIntegerWithTiling(resolved, node, pickConvIntegerTiling(traits, resolved.geometry), traits);
  },
  macs,
  spatial: ({ geometry: g }) => ({ kind: 'window', ...g.window }),
};

export const ops: readonly AnyOpDefinition[] = [convInteger, qlinearConv];
