/**
 * ConvInteger and QLinearConv (ONNX opset 10, 2D). Integer outputs: the GPU must equal the CPU
 * reference exactly (tolerance 0), and both the hand-worked values. Every case name starts with
 * the op type, so `-t "ConvInteger|QLinearConv"` selects them.
 *
 * The grid reaches both weight byte types (int8: some weight negative; uint8), x and w zero
 * points present or absent (and w_zero_point constant zeros: the kernel variant without the
 * per-pixel sum), per-channel w_zero_point and w_scale, groups and depthwise, strides,
 * dilations, asymmetric and automatic pads, output channels that fill no whole tile, both tilings
 * of the CPU-like rule (4 or 8 pixels, 4 or 8 channels) and the GPU one, interior and edge tiles;
 * for the packed-dot kernels (src/ops/integer-dot.ts) also int8 activations (whose bytes the
 * kernel flips: told by a negative value or zero point), input channels that are no multiple of 4
 * (the padded bytes of each word) and the 8-bit extremes. test/integer-dot.test.ts runs every
 * case on both the packed-dot and the scalar kernels.
 */
import { int32Tensor, sizeOf, tensor, type Shape, type Tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

let seed = 7100;

/** Uniform integers in [lo, hi]. */
function randomInts(shape: Shape, lo: number, hi: number): Tensor<'int32'> {
  const next = rng(seed++);
  const data = new Int32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + Math.floor(next() * (hi - lo + 1));
  return int32Tensor(shape, data);
}

function randomFloats(shape: Shape, lo: number, hi: number): Tensor<'float32'> {
  const next = rng(seed++);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  return tensor(shape, data);
}

/** The ends of [lo, hi] only, at random. */
function randomExtremes(shape: Shape, lo: number, hi: number): Tensor<'int32'> {
  const t = randomInts(shape, 0, 1);
  return int32Tensor(shape, t.data.map((v) => (v === 0 ? lo : hi)));
}

/** Integers in the range, or only its ends. */
const draw = (extremes: boolean | undefined, shape: Shape, [lo, hi]: [number, number]): Tensor<'int32'> => (extremes ? randomExtremes(shape, lo, hi) : randomInts(shape, lo, hi));

const scalar = (v: number): Tensor<'int32'> => int32Tensor([], [v]);
const INT8: [number, number] = [-128, 127];
const UINT8: [number, number] = [0, 255];

interface RandomConvOptions {
  readonly attributes?: Attributes;
  /** Weight value range: int8 or uint8. */
  readonly weights?: [number, number];
  /** x's value range (x_zero_point's too unless xZeroPointRange says otherwise): uint8 (the default) or int8. */
  readonly inputs?: [number, number];
  readonly xZeroPointRange?: [number, number];
  /** Only the two ends of each range (0/255, -128/127): the largest products and sums. */
  readonly extremes?: boolean;
  /** 'none', 'scalar' or 'channel' (one per output channel); 'zero' is a constant scalar 0. */
  readonly wZeroPoint?: 'none' | 'zero' | 'scalar' | 'channel';
  readonly xZeroPoint?: boolean;
}

function wZeroPointFor(kind: RandomConvOptions['wZeroPoint'], m: number, range: [number, number], extremes?: boolean): Tensor | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'zero') return scalar(0);
  return draw(extremes, kind === 'channel' ? [m] : [], range);
}

function convIntegerCase(name: string, xShape: Shape, wShape: Shape, o: RandomConvOptions = {}): OpCase {
  const weights = o.weights ?? INT8;
  const inputs8 = o.inputs ?? UINT8;
  const x = draw(o.extremes, xShape, inputs8);
  const w = draw(o.extremes, wShape, weights);
  const xzp = o.xZeroPoint === false ? undefined : draw(o.extremes, [], o.xZeroPointRange ?? inputs8);
  const wzp = wZeroPointFor(o.wZeroPoint ?? 'channel', wShape[0]!, weights, o.extremes);
  const inputs = [x, w, xzp, wzp];
  while (inputs.length > 2 && inputs[inputs.length - 1] === undefined) inputs.pop();
  return { name: `ConvInteger ${name}`, call: { opType: 'ConvInteger', attributes: o.attributes ?? {}, inputs }, tolerance: exact };
}

interface RandomQLinearOptions extends RandomConvOptions {
  readonly perChannelScale?: boolean;
  readonly bias?: boolean;
  /** y_zero_point's type: uint8 (a value in [0, 255]) or int8 (a negative value). */
  readonly output?: 'uint8' | 'int8';
}

function qlinearConvCase(name: string, xShape: Shape, wShape: Shape, o: RandomQLinearOptions = {}): OpCase {
  const weights = o.weights ?? INT8;
  const m = wShape[0]!;
  const k = wShape[1]! * wShape[2]! * wShape[3]!;
  const inputs8 = o.inputs ?? UINT8;
  const x = draw(o.extremes, xShape, inputs8);
  const w = draw(o.extremes, wShape, weights);
  const wzp = wZeroPointFor(o.wZeroPoint === 'none' ? 'zero' : (o.wZeroPoint ?? 'scalar'), m, weights, o.extremes)!;
  // Multipliers near 32 / (typical |acc|, about 128 * 80 * sqrt(K)): most outputs land inside the range.
  const target = 32 / (128 * 80 * Math.sqrt(k));
  const xScale = randomFloats([], 0.01, 0.03);
  const yScale = randomFloats([], 0.02, 0.06);
  const wMid = (target * yScale.data[0]!) / xScale.data[0]!;
  const wScale = randomFloats(o.perChannelScale ? [m] : [], 0.5 * wMid, 1.5 * wMid);
  const yzp = o.output === 'int8' ? randomInts([], -20, -1) : randomInts([], 100, 150);
  const inputs: (Tensor | undefined)[] = [x, xScale, draw(o.extremes, [], o.xZeroPointRange ?? inputs8), w, wScale, wzp, yScale, yzp];
  if (o.bias) inputs.push(randomInts([m], -5000, 5000));
  return { name: `QLinearConv ${name}`, call: { opType: 'QLinearConv', attributes: o.attributes ?? {}, inputs }, tolerance: exact };
}

const handWorked: OpCase[] = [
  {
    // The ONNX spec's example: x - 1 = 1..9; a 2x2 box of ones sums 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
    name: 'ConvInteger hand-worked: the ONNX example (uint8, x_zero_point 1)',
    call: { opType: 'ConvInteger', inputs: [int32Tensor([1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]), int32Tensor([1, 1, 2, 2], [1, 1, 1, 1]), scalar(1)] },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 2, 2], [12, 16, 24, 28])],
  },
  {
    // The same with pads 1: the corner windows see a single element (1, 3, 7, 9), padding adds 0.
    name: 'ConvInteger hand-worked: the ONNX example with pads 1',
    call: {
      opType: 'ConvInteger',
      attributes: { pads: [1, 1, 1, 1] },
      inputs: [int32Tensor([1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]), int32Tensor([1, 1, 2, 2], [1, 1, 1, 1]), scalar(1)],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 4, 4], [1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9])],
  },
  {
    // Per-channel w_zero_point [1, -2] on int8 weights [3, -1]: (x - 0) * 2 and (x - 0) * 1.
    name: 'ConvInteger hand-worked: per-channel w_zero_point, int8 weights, no x_zero_point',
    call: { opType: 'ConvInteger', inputs: [int32Tensor([1, 1, 1, 3], [5, 0, 7]), int32Tensor([2, 1, 1, 1], [3, -1]), undefined, int32Tensor([2], [1, -2])] },
    tolerance: exact,
    expected: [int32Tensor([1, 2, 1, 3], [10, 0, 14, 5, 0, 7])],
  },
  {
    // 300 taps of 255 * 255 sum to 19507500, past 2^24: the kernel's f32 partial sums must flush
    // to its i32 accumulators in chunks (258 taps at most for |w| = 255) to stay exact.
    name: 'ConvInteger hand-worked: sums past 2^24 (uint8 extremes, 300 channels)',
    call: { opType: 'ConvInteger', inputs: [int32Tensor([1, 300, 1, 5], new Array(1500).fill(255)), int32Tensor([2, 300, 1, 1], new Array(600).fill(255)), scalar(0)] },
    tolerance: exact,
    expected: [int32Tensor([1, 2, 1, 5], new Array(10).fill(300 * 255 * 255))],
  },
  {
    // The QLinearConv example of the ONNX operator docs (w = 0, w_zero_point 255: acc = -255 (x - 132)).
    name: 'QLinearConv hand-worked: the ONNX example',
    call: {
      opType: 'QLinearConv',
      inputs: [
        int32Tensor([1, 1, 7, 7], [
          255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64, 56, 242, 153, 221, 168, 12, 166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77,
          80, 102, 43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247,
        ]),
        tensor([], [0.00369204697]),
        scalar(132),
        int32Tensor([1, 1, 1, 1], [0]),
        tensor([1], [0.00172794575]),
        int32Tensor([1], [255]),
        tensor([], [0.00162681262]),
        scalar(123),
      ],
    },
    tolerance: exact,
    expected: [
      int32Tensor([1, 1, 7, 7], [
        0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255, 191, 199, 13, 102, 34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175,
        153, 212, 128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8,
      ]),
    ],
  },
  {
    // Multiplier 0.5 * 1 / 1 = 0.5 exactly; acc = x - 6 = -6..5, so every odd acc lands on a .5
    // tie: -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5 round half to even to
    // -3, -2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2; plus y_zero_point 10.
    name: 'QLinearConv hand-worked: ties round half to even',
    call: {
      opType: 'QLinearConv',
      inputs: [
        int32Tensor([1, 1, 1, 12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
        tensor([], [0.5]),
        scalar(6),
        int32Tensor([1, 1, 1, 1], [1]),
        tensor([], [1]),
        scalar(0),
        tensor([], [1]),
        scalar(10),
      ],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 1, 12], [7, 8, 8, 8, 9, 10, 10, 10, 11, 12, 12, 12])],
  },
  {
    // Ties after the bias: acc = 3 * (x - 0) + B, with B = [1, -1] and multiplier 0.5 * 0.5 / 1 = 0.25.
    name: 'QLinearConv hand-worked: bias then ties',
    call: {
      opType: 'QLinearConv',
      inputs: [
        int32Tensor([1, 1, 1, 4], [1, 3, 5, 7]),
        tensor([], [0.5]),
        scalar(0),
        int32Tensor([2, 1, 1, 1], [3, 3]),
        tensor([2], [0.5, 0.5]),
        int32Tensor([2], [0, 0]),
        tensor([], [1]),
        scalar(0),
        int32Tensor([2], [1, -1]),
      ],
    },
    tolerance: exact,
    // channel 0: (4, 10, 16, 22) / 4 = 1, 2.5, 4, 5.5 -> 1, 2, 4, 6; channel 1: (2, 8, 14, 20) / 4 = 0.5, 2, 3.5, 5 -> 0, 2, 4, 5.
    expected: [int32Tensor([1, 2, 1, 4], [1, 2, 4, 6, 0, 2, 4, 5])],
  },
  {
    // Saturation, uint8 (y_zero_point 128): acc = 100 (x - 128) * multiplier 1: x = 0 -> -12800 + 128
    // -> 0; x = 127 -> -100 + 128 = 28; x = 129 -> 228; x = 255 -> 12828 -> 255.
    name: 'QLinearConv hand-worked: saturation to uint8',
    call: {
      opType: 'QLinearConv',
      inputs: [int32Tensor([1, 1, 1, 4], [0, 127, 129, 255]), tensor([], [1]), scalar(128), int32Tensor([1, 1, 1, 1], [100]), tensor([], [1]), scalar(0), tensor([], [1]), scalar(128)],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 1, 4], [0, 28, 228, 255])],
  },
  {
    // Saturation, int8 (negative y_zero_point -1): acc = -100 (x - 128): 12800 - 1 -> 127; 99; -101; -12701 -> -128.
    name: 'QLinearConv hand-worked: saturation to int8',
    call: {
      opType: 'QLinearConv',
      inputs: [int32Tensor([1, 1, 1, 4], [0, 127, 129, 255]), tensor([], [1]), scalar(128), int32Tensor([1, 1, 1, 1], [-100]), tensor([], [1]), scalar(0), tensor([], [1]), scalar(-1)],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 1, 4], [127, 99, -101, -128])],
  },
  {
    // output_dtype INT8 (3) with y_zero_point 0: the same accumulators saturate to [-128, 127], not [0, 255].
    name: 'QLinearConv hand-worked: output_dtype INT8 with a zero y_zero_point',
    call: {
      opType: 'QLinearConv',
      attributes: { output_dtype: 3 },
      inputs: [int32Tensor([1, 1, 1, 4], [0, 127, 129, 255]), tensor([], [1]), scalar(128), int32Tensor([1, 1, 1, 1], [-100]), tensor([], [1]), scalar(0), tensor([], [1]), scalar(0)],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 1, 1, 4], [127, 100, -100, -128])],
  },
];

const random: OpCase[] = [
  convIntegerCase('3x3 pad 1, int8 weights, per-channel w_zero_point', [1, 3, 9, 11], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] } }),
  convIntegerCase('3x3 pad 1, uint8 weights, scalar w_zero_point', [1, 3, 9, 11], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8, wZeroPoint: 'scalar' }),
  convIntegerCase('uint8 weights, per-channel w_zero_point, batch 2', [2, 4, 7, 10], [6, 4, 3, 3], { weights: UINT8 }),
  convIntegerCase('no zero points', [1, 4, 8, 8], [8, 4, 3, 3], { xZeroPoint: false, wZeroPoint: 'none', attributes: { pads: [1, 1, 1, 1] } }),
  convIntegerCase('constant zero w_zero_point', [1, 4, 8, 12], [8, 4, 3, 3], { wZeroPoint: 'zero', attributes: { pads: [1, 1, 1, 1] } }),
  convIntegerCase('x_zero_point only', [1, 2, 6, 6], [4, 2, 3, 3], { wZeroPoint: 'none' }),
  convIntegerCase('w_zero_point only (x_zero_point omitted)', [1, 2, 6, 6], [4, 2, 3, 3], { xZeroPoint: false }),
  convIntegerCase('stride 2', [1, 3, 11, 13], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1], strides: [2, 2] } }),
  convIntegerCase('dilations 2', [1, 3, 12, 14], [8, 3, 3, 3], { attributes: { pads: [2, 2, 2, 2], dilations: [2, 2] } }),
  convIntegerCase('dilations [1, 3], strides [2, 1]', [1, 2, 11, 15], [4, 2, 3, 3], { attributes: { pads: [1, 3, 1, 3], dilations: [1, 3], strides: [2, 1] } }),
  convIntegerCase('asymmetric pads [0, 1, 2, 3]', [1, 3, 8, 9], [5, 3, 3, 3], { attributes: { pads: [0, 1, 2, 3] } }),
  convIntegerCase('auto_pad SAME_UPPER, even kernel', [1, 3, 7, 9], [6, 3, 2, 2], { attributes: { auto_pad: 'SAME_UPPER' } }),
  convIntegerCase('auto_pad SAME_LOWER, stride 2', [1, 3, 9, 9], [6, 3, 3, 3], { attributes: { auto_pad: 'SAME_LOWER', strides: [2, 2] } }),
  convIntegerCase('auto_pad VALID, 5x5 kernel', [1, 2, 12, 13], [4, 2, 5, 5], { attributes: { auto_pad: 'VALID' } }),
  convIntegerCase('group 2', [1, 4, 8, 9], [6, 2, 3, 3], { attributes: { group: 2, pads: [1, 1, 1, 1] } }),
  convIntegerCase('group 3 with 10 channels per group', [1, 6, 7, 9], [30, 2, 3, 3], { attributes: { group: 3, pads: [1, 1, 1, 1] }, weights: UINT8 }),
  convIntegerCase('depthwise 3x3', [1, 6, 9, 10], [6, 1, 3, 3], { attributes: { group: 6, pads: [1, 1, 1, 1] } }),
  convIntegerCase('depthwise stride 2, uint8', [1, 5, 10, 11], [5, 1, 3, 3], { attributes: { group: 5, pads: [1, 1, 1, 1], strides: [2, 2] }, weights: UINT8 }),
  convIntegerCase('1x1, 7 output channels', [1, 9, 6, 7], [7, 9, 1, 1]),
  convIntegerCase('5 output channels (partial channel block)', [1, 3, 8, 10], [5, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] } }),
  convIntegerCase('3 output channels, narrow map (tm 4)', [1, 3, 5, 4], [3, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] } }),
  convIntegerCase('output row narrower than the input window', [1, 2, 3, 3], [4, 2, 3, 3]),
  convIntegerCase('ISNet-like 16 -> 20, 33x35, 3x3 pad 1', [1, 16, 33, 35], [20, 16, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8 }),
  convIntegerCase('ISNet-like 16 -> 20, 33x35, 3x3 pad 1 stride 2', [1, 16, 33, 35], [20, 16, 3, 3], { attributes: { pads: [1, 1, 1, 1], strides: [2, 2] } }),
  convIntegerCase('ISNet-like 16 -> 20, 33x35, 3x3 pad 1, int8 scalar zero point', [1, 16, 33, 35], [20, 16, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, wZeroPoint: 'scalar' }),
  convIntegerCase('600 input channels (several f32 chunks per tap)', [1, 600, 3, 6], [8, 600, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8 }),
  convIntegerCase('wide channels (K = 1152)', [1, 128, 6, 9], [12, 128, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8 }),
  qlinearConvCase('3x3 pad 1, int8 weights, scalar scales', [1, 3, 9, 11], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] } }),
  qlinearConvCase('per-channel w_scale and w_zero_point, bias', [1, 4, 8, 10], [6, 4, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, perChannelScale: true, wZeroPoint: 'channel', bias: true }),
  qlinearConvCase('uint8 weights, int8 output, bias', [1, 4, 8, 10], [8, 4, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8, output: 'int8', bias: true }),
  qlinearConvCase('group 2, stride 2, per-channel', [2, 4, 9, 9], [6, 2, 3, 3], { attributes: { group: 2, pads: [1, 1, 1, 1], strides: [2, 2] }, perChannelScale: true, wZeroPoint: 'channel' }),
  qlinearConvCase('depthwise, bias', [1, 8, 7, 9], [8, 1, 3, 3], { attributes: { group: 8, pads: [1, 1, 1, 1] }, bias: true, perChannelScale: true }),
  qlinearConvCase('dilations 2, asymmetric pads', [1, 3, 10, 11], [5, 3, 3, 3], { attributes: { pads: [2, 0, 1, 2], dilations: [2, 2] }, bias: true }),
  qlinearConvCase('ISNet-like 16 -> 20, 33x35, 3x3 pad 1', [1, 16, 33, 35], [20, 16, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, perChannelScale: true, bias: true }),
  qlinearConvCase('ISNet-like 16 -> 20, 33x35, 3x3 pad 1 stride 2', [1, 16, 33, 35], [20, 16, 3, 3], { attributes: { pads: [1, 1, 1, 1], strides: [2, 2] }, weights: UINT8, wZeroPoint: 'channel' }),
  // int8 activations, channel counts that are no multiple of 4, the 8-bit extremes.
  convIntegerCase('int8 x and weights, per-channel w_zero_point, pad 1', [1, 3, 9, 11], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, inputs: INT8 }),
  convIntegerCase('int8 x, uint8 weights, scalar w_zero_point, stride 2', [1, 5, 10, 13], [6, 5, 3, 3], { attributes: { pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: INT8, weights: UINT8, wZeroPoint: 'scalar' }),
  convIntegerCase('int8 x with a zero x_zero_point (symmetric), no w_zero_point', [1, 6, 8, 9], [8, 6, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, inputs: INT8, xZeroPointRange: [0, 0], wZeroPoint: 'none' }),
  convIntegerCase('int8 x all non-negative, negative x_zero_point', [1, 7, 8, 9], [5, 7, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, inputs: [0, 127], xZeroPointRange: [-128, -1] }),
  convIntegerCase('int8 x, no x_zero_point, dilations 2', [1, 3, 11, 12], [4, 3, 3, 3], { attributes: { pads: [2, 2, 2, 2], dilations: [2, 2] }, inputs: INT8, xZeroPoint: false }),
  convIntegerCase('5 input channels, dilations [2, 1], strides [1, 2], asymmetric pads', [1, 5, 10, 12], [7, 5, 3, 3], { attributes: { pads: [2, 0, 1, 2], dilations: [2, 1], strides: [1, 2] } }),
  convIntegerCase('group 2 with 3 input channels per group, int8 x', [1, 6, 8, 9], [10, 3, 3, 3], { attributes: { group: 2, pads: [1, 1, 1, 1] }, inputs: INT8 }),
  convIntegerCase('group 3 with 6 input channels per group, stride 2', [2, 18, 7, 8], [9, 6, 3, 3], { attributes: { group: 3, pads: [1, 1, 1, 1], strides: [2, 2] }, weights: UINT8 }),
  convIntegerCase('extremes: uint8 x 0/255, int8 weights -128/127', [1, 9, 6, 7], [8, 9, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, extremes: true }),
  convIntegerCase('extremes: int8 x -128/127, uint8 weights 0/255', [1, 10, 6, 7], [6, 10, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, inputs: INT8, weights: UINT8, extremes: true }),
  convIntegerCase('extremes: 300 input channels, uint8 x and weights', [1, 300, 3, 5], [4, 300, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, weights: UINT8, extremes: true }),
  qlinearConvCase('int8 x, 3 input channels, per-channel, bias', [1, 3, 9, 10], [8, 3, 3, 3], { attributes: { pads: [1, 1, 1, 1] }, inputs: INT8, perChannelScale: true, wZeroPoint: 'channel', bias: true }),
  qlinearConvCase('int8 x, uint8 weights, int8 output, group 2 with 5 channels per group', [1, 10, 7, 8], [6, 5, 3, 3], { attributes: { group: 2, pads: [1, 1, 1, 1] }, inputs: INT8, weights: UINT8, output: 'int8', bias: true }),
  qlinearConvCase('extremes, depthwise, stride 2', [1, 6, 9, 9], [6, 1, 3, 3], { attributes: { group: 6, pads: [1, 1, 1, 1], strides: [2, 2] }, extremes: true, perChannelScale: true, wZeroPoint: 'channel' }),
];

export const cases: OpCase[] = [...handWorked, ...random];

const i32 = (shape: Shape): Tensor<'int32'> => int32Tensor(shape, new Array(sizeOf(shape)).fill(1));
const f32 = (shape: Shape): Tensor<'float32'> => tensor(shape, new Array(sizeOf(shape)).fill(0.5));

function invalid(name: string, opType: 'ConvInteger' | 'QLinearConv', inputs: (Tensor | undefined)[], messageMatches: RegExp[], attributes: Attributes = {}): InvalidCase {
  return { name: `${opType} ${name}`, call: { opType, name: 'qconv1', attributes, inputs }, messageMatches: [/qconv1/, new RegExp(opType), ...messageMatches] };
}

/** QLinearConv inputs for x [1,2,5,5], w [3,2,3,3], with one replaced. */
function qlinearInputs(replace: Record<number, Tensor | undefined> = {}): (Tensor | undefined)[] {
  const inputs: (Tensor | undefined)[] = [i32([1, 2, 5, 5]), f32([]), scalar(0), i32([3, 2, 3, 3]), f32([]), scalar(0), f32([]), scalar(0)];
  for (const [i, t] of Object.entries(replace)) inputs[Number(i)] = t;
  return inputs;
}

export const invalidCases: InvalidCase[] = [
  invalid('float input', 'ConvInteger', [f32([1, 2, 5, 5]), i32([3, 2, 3, 3])], [/input X/, /float32/, /int32/]),
  invalid('float weights', 'ConvInteger', [i32([1, 2, 5, 5]), f32([3, 2, 3, 3])], [/input W/, /float32/, /int32/]),
  invalid('non-scalar x_zero_point', 'ConvInteger', [i32([1, 2, 5, 5]), i32([3, 2, 3, 3]), i32([2])], [/input x_zero_point/, /\[2\]/, /scalar/]),
  invalid('float x_zero_point', 'ConvInteger', [i32([1, 2, 5, 5]), i32([3, 2, 3, 3]), f32([])], [/input x_zero_point/, /float32/]),
  invalid('w_zero_point of the wrong length', 'ConvInteger', [i32([1, 2, 5, 5]), i32([3, 2, 3, 3]), scalar(0), i32([2])], [/input w_zero_point/, /\[2\]/, /\[3\]/]),
  invalid('weights beyond 8 bits', 'ConvInteger', [i32([1, 2, 5, 5]), int32Tensor([1, 2, 1, 1], [-1, 200])], [/input w/, /\[-1, 200\]/, /int8/]),
  invalid('group not dividing the channels', 'ConvInteger', [i32([1, 3, 5, 5]), i32([4, 1, 3, 3])], [/group/, /=2/, /C=3/], { group: 2 }),
  invalid('too many inputs', 'ConvInteger', [i32([1, 2, 5, 5]), i32([3, 2, 3, 3]), scalar(0), scalar(0), scalar(0)], [/#4/, /at most 4/]),
  invalid('float input', 'QLinearConv', qlinearInputs({ 0: f32([1, 2, 5, 5]) }), [/input X/, /float32/]),
  invalid('non-scalar x_zero_point', 'QLinearConv', qlinearInputs({ 2: i32([1, 2]) }), [/input x_zero_point/, /\[1x2\]/, /scalar/]),
  invalid('w_zero_point of the wrong length', 'QLinearConv', qlinearInputs({ 5: i32([4]) }), [/input w_zero_point/, /\[4\]/, /\[3\]/]),
  invalid('w_scale of the wrong length', 'QLinearConv', qlinearInputs({ 4: f32([2]) }), [/input w_scale/, /\[2\]/, /\[3\]/]),
  invalid('integer x_scale', 'QLinearConv', qlinearInputs({ 1: scalar(1) }), [/input x_scale/, /int32/, /float32/]),
  invalid('non-scalar y_scale', 'QLinearConv', qlinearInputs({ 6: f32([3]) }), [/input y_scale/, /\[3\]/, /scalar/]),
  invalid('missing y_zero_point', 'QLinearConv', qlinearInputs({ 7: undefined }), [/input y_zero_point/, /missing/]),
  invalid('B of the wrong shape', 'QLinearConv', [...qlinearInputs(), i32([2])], [/input B/, /\[2\]/, /\[3\]/]),
  invalid('float B', 'QLinearConv', [...qlinearInputs(), f32([3])], [/input B/, /float32/, /int32/]),
  invalid('y_zero_point outside its type', 'QLinearConv', qlinearInputs({ 7: scalar(300) }), [/input y_zero_point/, /300/, /UINT8/]),
];
