/**
 * QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear. The hand-worked expectations are the
 * ONNX spec's own examples (onnx/backend/test/case/node/*.py), plus ties, saturation and per-axis
 * parameters. Quantized outputs are integers, compared exactly; the float outputs (DequantizeLinear's
 * y, DynamicQuantizeLinear's y_scale) are one correctly rounded f32 operation per step on both
 * sides, so they are exact too (tolerance 0).
 * The near-tie grids put x / scale within a few ULP of k + 0.5, where a division that is not
 * correctly rounded (WGSL allows 2.5 ULP) would round to the other integer.
 */
import { int32Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const scalar = (v: number): Tensor<'float32'> => tensor([], [v]);
const int32Scalar = (v: number): Tensor<'int32'> => int32Tensor([], [v]);

/** Random integers in [lo, hi] as int32 (quantized values). */
function randomIntegers(shape: number[], seed: number, lo: number, hi: number): Tensor<'int32'> {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return int32Tensor(shape, Int32Array.from({ length: n }, () => lo + Math.floor(next() * (hi - lo + 1))));
}

/** The f32 values next to v (one ULP down and up). */
function neighbours(v: number): [number, number] {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  const step = (d: number) => {
    const g = new Int32Array([bits[0]! + (v >= 0 ? d : -d)]);
    return new Float32Array(g.buffer)[0]!;
  };
  return [step(-1), step(1)];
}

/** x values whose quotients by `scale` sit at or within an ULP or two of k + 0.5, for k in [-count, count). */
function nearTies(scale: number, count: number): Tensor<'float32'> {
  const values: number[] = [];
  for (let k = -count; k < count; k++) {
    const x = Math.fround((k + 0.5) * scale);
    const [below, above] = neighbours(x);
    values.push(x, below, above, ...neighbours(below), ...neighbours(above));
  }
  return tensor([values.length], values);
}

const quantizeHandWorked: OpCase[] = [
  {
    // onnx test_quantizelinear: 3 / 2 = 1.5 ties to 2; 1000 and -1000 saturate.
    name: 'QuantizeLinear spec example: uint8, scalar scale and zero point',
    call: { opType: 'QuantizeLinear', inputs: [tensor([6], [0, 2, 3, 1000, -254, -1000]), scalar(2), int32Scalar(128)] },
    tolerance: exact,
    expected: [int32Tensor([6], [128, 129, 130, 255, 1, 0])],
  },
  {
    name: 'QuantizeLinear spec example: per axis 1',
    call: {
      opType: 'QuantizeLinear',
      inputs: [
        tensor([1, 3, 3, 2], [-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470]),
        tensor([3], [2, 4, 5]),
        int32Tensor([3], [84, 24, 196]),
      ],
    },
    tolerance: exact,
    expected: [int32Tensor([1, 3, 3, 2], [3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102])],
  },
  {
    name: 'QuantizeLinear spec example: uint16 (output_dtype 4)',
    call: {
      opType: 'QuantizeLinear',
      attributes: { output_dtype: 4 },
      inputs: [tensor([12], [0, -128, 3, -3, 2.9, -2.9, 3.1, -3.1, 65536, -65534, 70000, -70000]), scalar(2), int32Scalar(32767)],
    },
    tolerance: exact,
    expected: [int32Tensor([12], [32767, 32703, 32769, 32765, 32768, 32766, 32769, 32765, 65535, 0, 65535, 0])],
  },
  {
    name: 'QuantizeLinear spec example: int16 (output_dtype 5)',
    call: {
      opType: 'QuantizeLinear',
      attributes: { output_dtype: 5 },
      inputs: [
        tensor([16], [0, -514, 3, -3, 2.9, -2.9, 3.1, -3.1, 65022, -66046, 65023, -66047, 65024, -66048, 70000, -70000]),
        scalar(2),
        int32Scalar(256),
      ],
    },
    tolerance: exact,
    expected: [int32Tensor([16], [256, -1, 258, 254, 257, 255, 258, 254, 32767, -32767, 32767, -32768, 32767, -32768, 32767, -32768])],
  },
  {
    // x / 0.5 = 2.5, 3.5, -2.5, 0.5, -0.5, -3.5: ties go to the even neighbour.
    name: 'QuantizeLinear ties round half to even (int8 from output_dtype)',
    call: { opType: 'QuantizeLinear', attributes: { output_dtype: 3 }, inputs: [tensor([6], [1.25, 1.75, -1.25, 0.25, -0.25, -1.75]), scalar(0.5), int32Scalar(0)] },
    tolerance: exact,
    expected: [int32Tensor([6], [2, 4, -2, 0, 0, -4])],
  },
  {
    // Without a zero point: uint8, zero point 0; negatives saturate to 0.
    name: 'QuantizeLinear without a zero point saturates to uint8',
    call: { opType: 'QuantizeLinear', inputs: [tensor([5], [-3, 0, 2.5, 254.5, 1e30]), scalar(1)] },
    tolerance: exact,
    expected: [int32Tensor([5], [0, 0, 2, 254, 255])],
  },
  {
    // A negative zero point means int8: [-128, 127].
    name: 'QuantizeLinear int8 saturation at both ends (zero point -1)',
    call: { opType: 'QuantizeLinear', inputs: [tensor([6], [-1000, -127.5, -126.5, 127.5, 128.5, 1000]), scalar(1), int32Scalar(-1)] },
    tolerance: exact,
    expected: [int32Tensor([6], [-128, -128, -127, 127, 127, 127])],
  },
  {
    // Axis -1 of [2, 3]: scales per column; y = x / s + zp = [1+10, 2+20, 4+30] and [-1+10, -2+20, -4+30].
    name: 'QuantizeLinear per axis -1',
    call: {
      opType: 'QuantizeLinear',
      attributes: { axis: -1 },
      inputs: [tensor([2, 3], [0.5, 0.5, 1, -0.5, -0.5, -1]), tensor([3], [0.5, 0.25, 0.25]), int32Tensor([3], [10, 20, 30])],
    },
    tolerance: exact,
    expected: [int32Tensor([2, 3], [11, 22, 34, 9, 18, 26])],
  },
  {
    // Rank 1 with a scalar scale: the default axis 1 does not exist and is not needed.
    name: 'QuantizeLinear scalar scale on a 1-D input ignores the axis',
    call: { opType: 'QuantizeLinear', inputs: [tensor([3], [0.1, 0.2, 0.3]), tensor([1], [0.1]), int32Tensor([1], [5])] },
    tolerance: exact,
    expected: [int32Tensor([3], [6, 7, 8])],
  },
];

const dequantizeHandWorked: OpCase[] = [
  {
    name: 'DequantizeLinear spec example: scalar scale and zero point',
    call: { opType: 'DequantizeLinear', inputs: [int32Tensor([4], [0, 3, 128, 255]), scalar(2), int32Scalar(128)] },
    tolerance: exact,
    expected: [tensor([4], [-256, -250, 0, 254])],
    expectedTolerance: exact,
  },
  {
    name: 'DequantizeLinear spec example: per axis 1',
    call: {
      opType: 'DequantizeLinear',
      inputs: [
        int32Tensor([1, 3, 3, 2], [3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102]),
        tensor([3], [2, 4, 5]),
        int32Tensor([3], [84, 24, 196]),
      ],
    },
    tolerance: exact,
    expected: [tensor([1, 3, 3, 2], [-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470])],
    expectedTolerance: exact,
  },
  {
    name: 'DequantizeLinear spec example: uint16',
    call: { opType: 'DequantizeLinear', inputs: [int32Tensor([4], [30000, 31000, 32768, 33000]), scalar(2), int32Scalar(32767)] },
    tolerance: exact,
    expected: [tensor([4], [-5534, -3534, 2, 466])],
    expectedTolerance: exact,
  },
  {
    name: 'DequantizeLinear spec example: int16',
    call: { opType: 'DequantizeLinear', inputs: [int32Tensor([4], [-300, -30, -1025, 1270]), scalar(2), int32Scalar(-1024)] },
    tolerance: exact,
    expected: [tensor([4], [1448, 1988, -2, 4588])],
    expectedTolerance: exact,
  },
  {
    // Per axis 0 of [2, 2] without a zero point: rows scaled by 0.5 and 3.
    name: 'DequantizeLinear per axis 0 without a zero point',
    call: { opType: 'DequantizeLinear', attributes: { axis: 0 }, inputs: [int32Tensor([2, 2], [-128, 127, 1, -2]), tensor([2], [0.5, 3])] },
    tolerance: exact,
    expected: [tensor([2, 2], [-64, 63.5, 3, -6])],
    expectedTolerance: exact,
  },
];

/** DynamicQuantizeLinear's three outputs, as the spec's examples give them (scale as float32). */
function dynamicExpected(shape: number[], y: number[], scale: number, zeroPoint: number): Tensor[] {
  return [int32Tensor(shape, y), tensor([], [Math.fround(scale)]), int32Tensor([], [zeroPoint])];
}

const dynamicHandWorked: OpCase[] = [
  {
    // Scale 5 / 255 = 0.0196078438, zero point 153. 0.5 / scale = 25.5 exactly (a tie: 26), and
    // -2.5 / scale is -127.49999237, one ULP from the tie at -127.5: a division one ULP off gives 25, not 26.
    name: 'DynamicQuantizeLinear spec example 1',
    call: { opType: 'DynamicQuantizeLinear', inputs: [tensor([6], [0, 2, -3, -2.5, 1.34, 0.5])] },
    tolerance: exact,
    expected: dynamicExpected([6], [153, 255, 0, 26, 221, 179], 0.0196078438, 153),
    expectedTolerance: exact,
  },
  {
    // All negative: max is 0, scale 4 / 255 = 0.0156862754, zero point 255.
    name: 'DynamicQuantizeLinear spec example 2 (max adjusted)',
    call: { opType: 'DynamicQuantizeLinear', inputs: [tensor([6], [-1.0, -2.1, -1.3, -2.5, -3.34, -4.0])] },
    tolerance: exact,
    expected: dynamicExpected([6], [191, 121, 172, 96, 42, 0], 0.0156862754, 255),
    expectedTolerance: exact,
  },
  {
    // All positive: min is 0, scale 4 / 255, zero point 0.
    name: 'DynamicQuantizeLinear spec example 3 (min adjusted)',
    call: { opType: 'DynamicQuantizeLinear', inputs: [tensor([3, 4], [1, 2.1, 1.3, 2.5, 3.34, 4.0, 1.5, 2.6, 3.9, 4.0, 3.0, 2.345])] },
    tolerance: exact,
    expected: dynamicExpected([3, 4], [64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149], 0.0156862754, 0),
    expectedTolerance: exact,
  },
  {
    // max == min == 0: onnx.reference's scale is 1 / 255 (onnxruntime's is 1); y is 0 either way.
    name: 'DynamicQuantizeLinear all zeros',
    call: { opType: 'DynamicQuantizeLinear', inputs: [tensor([2, 3], [0, 0, 0, 0, 0, 0])] },
    tolerance: exact,
    expected: dynamicExpected([2, 3], [0, 0, 0, 0, 0, 0], 1 / 255, 0),
    expectedTolerance: exact,
  },
  {
    // Range [-1, 254]: scale 1, zero point 1; -0.5 + 1 and 1.5 + 1 are ties (0 and 2 before the zero point).
    name: 'DynamicQuantizeLinear ties with scale 1',
    call: { opType: 'DynamicQuantizeLinear', inputs: [tensor([5], [-1, -0.5, 1.5, 2.5, 254])] },
    tolerance: exact,
    expected: dynamicExpected([5], [0, 1, 3, 3, 255], 1, 1),
    expectedTolerance: exact,
  },
];

const randomCases: OpCase[] = [
  {
    name: 'QuantizeLinear random 2x3x17x19 uint8',
    call: { opType: 'QuantizeLinear', inputs: [randomTensor([2, 3, 17, 19], 1, -2, 2), scalar(0.0123), int32Scalar(131)] },
    tolerance: exact,
  },
  {
    name: 'QuantizeLinear random per axis 1, int8',
    call: {
      opType: 'QuantizeLinear',
      inputs: [randomTensor([2, 5, 7, 3], 2, -3, 3), randomTensor([5], 3, 0.005, 0.05), int32Tensor([5], [-3, 0, 7, -128, 127])],
    },
    tolerance: exact,
  },
  {
    name: 'QuantizeLinear random per axis -2',
    call: { opType: 'QuantizeLinear', attributes: { axis: -2 }, inputs: [randomTensor([3, 6, 4], 4, -1, 1), randomTensor([6], 5, 0.002, 0.02), randomIntegers([6], 6, 0, 255)] },
    tolerance: exact,
  },
  {
    name: 'QuantizeLinear near ties, scale 0.1',
    call: { opType: 'QuantizeLinear', attributes: { output_dtype: 5 }, inputs: [nearTies(Math.fround(0.1), 300), scalar(0.1), int32Scalar(0)] },
    tolerance: exact,
  },
  {
    name: 'QuantizeLinear near ties, scale 0.0037',
    call: { opType: 'QuantizeLinear', attributes: { output_dtype: 5 }, inputs: [nearTies(Math.fround(0.0037), 2000), scalar(0.0037), int32Scalar(-7)] },
    tolerance: exact,
  },
  {
    name: 'DequantizeLinear random uint8 2x4x9x11 per axis 1',
    call: { opType: 'DequantizeLinear', inputs: [randomIntegers([2, 4, 9, 11], 7, 0, 255), randomTensor([4], 8, 0.001, 0.1), randomIntegers([4], 9, 0, 255)] },
    tolerance: exact,
  },
  {
    name: 'DequantizeLinear random int8 scalar',
    call: { opType: 'DequantizeLinear', inputs: [randomIntegers([3, 50], 10, -128, 127), scalar(0.0071), int32Scalar(-3)] },
    tolerance: exact,
  },
  {
    name: 'DynamicQuantizeLinear random 2x3x9x11 (one range step)',
    call: { opType: 'DynamicQuantizeLinear', inputs: [randomTensor([2, 3, 9, 11], 11, -1.5, 2.5)] },
    tolerance: exact,
  },
  {
    name: 'DynamicQuantizeLinear random 1x8x64x64 (two range steps)',
    call: { opType: 'DynamicQuantizeLinear', inputs: [randomTensor([1, 8, 64, 64], 12, -0.7, 3.1)] },
    tolerance: exact,
  },
  {
    name: 'DynamicQuantizeLinear random 1x1x1030x1024 (three range steps)',
    call: { opType: 'DynamicQuantizeLinear', inputs: [randomTensor([1, 1, 1030, 1024], 13, -5, 1)] },
    tolerance: exact,
  },
  {
    // Scale 1 (range [-10, 245]): x at and next to k + 0.5 for the zero point and every y.
    name: 'DynamicQuantizeLinear near ties',
    call: { opType: 'DynamicQuantizeLinear', inputs: [concatenated([tensor([2], [-10, 245]), nearTies(1, 10)])] },
    tolerance: exact,
  },
];

function concatenated(parts: Tensor<'float32'>[]): Tensor<'float32'> {
  const values = parts.flatMap((t) => Array.from(t.data));
  return tensor([values.length], values);
}

export const cases: OpCase[] = [...quantizeHandWorked, ...dequantizeHandWorked, ...dynamicHandWorked, ...randomCases];

const x4 = randomTensor([1, 3, 2, 2], 20);

export const invalidCases: InvalidCase[] = [
  {
    name: 'QuantizeLinear of an int32 x',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [int32Tensor([2], [1, 2]), scalar(1)] },
    messageMatches: [/node 'q'/, /QuantizeLinear/, /input x/, /int32/],
  },
  {
    name: 'QuantizeLinear y_scale not matching the axis',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [x4, tensor([4], [1, 1, 1, 1]), int32Tensor([4], [0, 0, 0, 0])] },
    messageMatches: [/node 'q'/, /input y_scale/, /\[4\]/, /axis 1/, /\[1x3x2x2\]/],
  },
  {
    name: 'QuantizeLinear block_size',
    call: { opType: 'QuantizeLinear', name: 'q', attributes: { block_size: 2 }, inputs: [x4, scalar(1)] },
    messageMatches: [/node 'q'/, /block_size=2/, /blockwise/],
  },
  {
    name: 'QuantizeLinear float zero point',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [x4, scalar(1), scalar(0)] },
    messageMatches: [/node 'q'/, /input y_zero_point/, /float32/],
  },
  {
    name: 'QuantizeLinear zero point outside uint8',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [x4, scalar(1), int32Scalar(300)] },
    messageMatches: [/node 'q'/, /input y_zero_point/, /300/, /UINT8/],
  },
  {
    name: 'QuantizeLinear float8 output',
    call: { opType: 'QuantizeLinear', name: 'q', attributes: { output_dtype: 17 }, inputs: [x4, scalar(1)] },
    messageMatches: [/node 'q'/, /output_dtype=17/],
  },
  {
    name: 'QuantizeLinear axis out of range',
    call: { opType: 'QuantizeLinear', name: 'q', attributes: { axis: 4 }, inputs: [x4, tensor([3], [1, 1, 1])] },
    messageMatches: [/node 'q'/, /axis=4/, /out of range/],
  },
  {
    name: 'QuantizeLinear zero point shape unlike the scale',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [x4, tensor([3], [1, 1, 1]), int32Scalar(0)] },
    messageMatches: [/node 'q'/, /input y_zero_point/, /same shape/],
  },
  {
    name: 'QuantizeLinear without a scale',
    call: { opType: 'QuantizeLinear', name: 'q', inputs: [x4] },
    messageMatches: [/node 'q'/, /input y_scale/, /missing/],
  },
  {
    name: 'DequantizeLinear of a float32 x',
    call: { opType: 'DequantizeLinear', name: 'dq', inputs: [x4, scalar(1)] },
    messageMatches: [/node 'dq'/, /DequantizeLinear/, /input x /, /float32/],
  },
  {
    name: 'DequantizeLinear x_scale of int32',
    call: { opType: 'DequantizeLinear', name: 'dq', inputs: [int32Tensor([2], [1, 2]), int32Scalar(1)] },
    messageMatches: [/node 'dq'/, /input x_scale/, /int32/],
  },
  {
    name: 'DequantizeLinear x_scale not matching axis 0',
    call: { opType: 'DequantizeLinear', name: 'dq', attributes: { axis: 0 }, inputs: [int32Tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([3], [1, 1, 1])] },
    messageMatches: [/node 'dq'/, /input x_scale/, /\[3\]/, /axis 0/],
  },
  {
    name: 'DequantizeLinear block_size',
    call: { opType: 'DequantizeLinear', name: 'dq', attributes: { block_size: 16 }, inputs: [int32Tensor([2], [1, 2]), scalar(1)] },
    messageMatches: [/node 'dq'/, /block_size=16/, /blockwise/],
  },
  {
    name: 'DynamicQuantizeLinear of an empty x',
    call: { opType: 'DynamicQuantizeLinear', name: 'dql', inputs: [tensor([1, 0, 4], [])] },
    messageMatches: [/node 'dql'/, /DynamicQuantizeLinear/, /input x/, /empty/, /\[1x0x4\]/],
  },
  {
    name: 'DynamicQuantizeLinear of an int32 x',
    call: { opType: 'DynamicQuantizeLinear', name: 'dql', inputs: [int32Tensor([2], [1, 2])] },
    messageMatches: [/node 'dql'/, /input x/, /int32/],
  },
];
