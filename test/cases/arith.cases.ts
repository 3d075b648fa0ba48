/**
 * Sub, Div, Pow (broadcasting; float32 and, for Sub/Div, integers) and the unary math ops.
 * Tolerances (GPU vs CPU):
 * - Sub, Neg, Abs, Floor, Ceil: exact (one correctly rounded f32 operation or none).
 * - Div, Reciprocal: 1e-6 relative (+1e-7 absolute): WGSL allows 2.5 ULP for f32 division.
 * - Sqrt: 1e-6 relative: WGSL's sqrt is inherited from 1/inverseSqrt (about 3 ULP).
 * - Exp, Log, Pow with a fractional exponent: 1e-5 relative + 1e-6 absolute: WGSL allows
 *   3 + 2|x| ULP for exp and an absolute 2^-21 for log near 1, which pow's exp2(e * log2 x)
 *   inherits and scales by |e * log2 x| (kept below 8 here).
 * - Pow with integral exponents: 1e-6 relative (repeated f32 multiplication: a few ULP).
 * - Integer results: exact (compareTensors compares integer tensors exactly).
 */
import { int32Tensor, int64Tensor, tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const division = { atol: 1e-7, rtol: 1e-6 };
const transcendental = { atol: 1e-6, rtol: 1e-5 };

const handWorked: OpCase[] = [
  {
    name: 'Sub hand-worked broadcast of a row',
    call: { opType: 'Sub', inputs: [tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([3], [10, 20, 30])] },
    tolerance: exact,
    expected: [tensor([2, 3], [-9, -18, -27, -6, -15, -24])],
  },
  {
    name: 'Div hand-worked broadcast both ways',
    call: { opType: 'Div', inputs: [tensor([2, 1], [1, 3]), tensor([1, 3], [1, 2, 4])] },
    tolerance: division,
    expected: [tensor([2, 3], [1, 0.5, 0.25, 3, 1.5, 0.75])],
  },
  {
    name: 'Div int64 truncates toward zero',
    call: { opType: 'Div', inputs: [int64Tensor([4], [7, -7, 7, -7]), int64Tensor([4], [2, 2, -2, -2])] },
    tolerance: exact,
    expected: [int64Tensor([4], [3, -3, -3, 3])],
  },
  {
    name: 'Sub int64 shape arithmetic',
    call: { opType: 'Sub', inputs: [int64Tensor([2], [224, 160]), int64Tensor([], [1])] },
    tolerance: exact,
    expected: [int64Tensor([2], [223, 159])],
  },
  {
    name: 'Sub int32',
    call: { opType: 'Sub', inputs: [int32Tensor([3], [5, -5, 0]), int32Tensor([3], [7, -7, 2147483647])] },
    tolerance: exact,
    expected: [int32Tensor([3], [-2, 2, -2147483647])],
  },
  {
    name: 'Pow squares keep negative bases positive',
    call: { opType: 'Pow', inputs: [tensor([4], [-2, 3, -0.5, 0]), tensor([], [2])] },
    tolerance: exact,
    expected: [tensor([4], [4, 9, 0.25, 0])],
  },
  {
    name: 'Pow with an int64 exponent: cubes and a negative power',
    call: { opType: 'Pow', inputs: [tensor([3], [-2, 3, 2]), int64Tensor([3], [3, 3, -2])] },
    tolerance: exact,
    expected: [tensor([3], [-8, 27, 0.25])],
  },
  {
    name: 'Pow square roots',
    call: { opType: 'Pow', inputs: [tensor([3], [4, 9, 0.25]), tensor([1], [0.5])] },
    tolerance: transcendental,
    expected: [tensor([3], [2, 3, 0.5])],
    expectedTolerance: transcendental,
  },
  {
    name: 'Neg / Abs int64',
    call: { opType: 'Neg', inputs: [int64Tensor([3], [5, -6, 0])] },
    tolerance: exact,
    expected: [int64Tensor([3], [-5, 6, 0])],
  },
  {
    name: 'Abs float32 hand-worked',
    call: { opType: 'Abs', inputs: [tensor([3], [-1.5, 2, -0])] },
    tolerance: exact,
    expected: [tensor([3], [1.5, 2, 0])],
  },
  {
    name: 'Floor and ceil of halves',
    call: { opType: 'Floor', inputs: [tensor([4], [-1.5, -0.5, 0.5, 2])] },
    tolerance: exact,
    expected: [tensor([4], [-2, -1, 0, 2])],
  },
  {
    name: 'Ceil of halves',
    call: { opType: 'Ceil', inputs: [tensor([4], [-1.5, -0.5, 0.5, 2])] },
    tolerance: exact,
    expected: [tensor([4], [-1, -0, 1, 2])],
  },
  {
    name: 'Sqrt of squares',
    call: { opType: 'Sqrt', inputs: [tensor([3], [0, 16, 2.25])] },
    tolerance: division,
    expected: [tensor([3], [0, 4, 1.5])],
  },
  {
    name: 'Reciprocal hand-worked',
    call: { opType: 'Reciprocal', inputs: [tensor([3], [4, -0.5, 8])] },
    tolerance: division,
    expected: [tensor([3], [0.25, -2, 0.125])],
  },
  {
    name: 'Exp / Log hand-worked',
    call: { opType: 'Log', inputs: [tensor([3], [1, Math.E, Math.exp(-2)])] },
    tolerance: transcendental,
    expected: [tensor([3], [0, 1, -2])],
    expectedTolerance: transcendental,
  },
];

/** Broadcast grid for each binary op (positive bases for Pow's fractional exponents). */
const shapes: [number[], number[]][] = [
  [[2, 5, 7, 9], [2, 5, 7, 9]],
  [[2, 5, 7, 9], [1, 5, 1, 1]],
  [[3, 1, 7], [2, 1, 5, 1]],
  [[1], [2, 3, 5, 7]],
  [[1, 2, 1, 3, 1, 2, 1, 3], [2, 1, 2, 1, 2, 1, 2, 1]],
];
const grid: OpCase[] = [
  ...shapes.map(([a, b], i) => ({
    name: `Sub ${a.join('x')} with ${b.join('x')}`,
    call: { opType: 'Sub', inputs: [randomTensor(a, 10 + i), randomTensor(b, 20 + i)] },
    tolerance: exact,
  })),
  ...shapes.map(([a, b], i) => ({
    name: `Div ${a.join('x')} with ${b.join('x')}`,
    // Divisors in [0.5, 2] or [-2, -0.5] keep quotients moderate.
    call: { opType: 'Div', inputs: [randomTensor(a, 30 + i), randomTensor(b, 40 + i, i % 2 ? -2 : 0.5, i % 2 ? -0.5 : 2)] },
    tolerance: division,
  })),
  ...shapes.map(([a, b], i) => ({
    name: `Pow ${a.join('x')} with ${b.join('x')} fractional exponents`,
    call: { opType: 'Pow', inputs: [randomTensor(a, 50 + i, 0.1, 4), randomTensor(b, 60 + i, -2.5, 2.5)] },
    tolerance: transcendental,
  })),
  {
    name: 'Pow integral exponents of negative bases',
    call: { opType: 'Pow', inputs: [randomTensor([3, 17], 70, -3, 3), tensor([3, 1], [2, 3, -1])] },
    tolerance: { atol: 1e-6, rtol: 1e-6 },
  },
  {
    name: 'Div int32 random',
    call: { opType: 'Div', inputs: [int32Tensor([2, 4], [100, -100, 7, 0, 9, -9, 1, 2147483647]), int32Tensor([4], [3, 3, -7, 5])] },
    tolerance: exact,
  },
];

const unary: OpCase[] = [
  ...(['Neg', 'Abs', 'Floor', 'Ceil'] as const).map((opType, i) => ({
    name: `${opType} [2,3,5,7]`,
    call: { opType, inputs: [randomTensor([2, 3, 5, 7], 80 + i, -10, 10)] },
    tolerance: exact,
  })),
  { name: 'Sqrt [2,3,17]', call: { opType: 'Sqrt', inputs: [randomTensor([2, 3, 17], 90, 0, 100)] }, tolerance: division },
  { name: 'Reciprocal [2,3,17]', call: { opType: 'Reciprocal', inputs: [randomTensor([2, 3, 17], 91, 0.1, 10)] }, tolerance: division },
  { name: 'Exp [2,3,17]', call: { opType: 'Exp', inputs: [randomTensor([2, 3, 17], 92, -5, 5)] }, tolerance: transcendental },
  { name: 'Log [2,3,17]', call: { opType: 'Log', inputs: [randomTensor([2, 3, 17], 93, 0.01, 100)] }, tolerance: transcendental },
  { name: 'Abs int32', call: { opType: 'Abs', inputs: [int32Tensor([4], [-3, 3, 0, -2147483647])] }, tolerance: exact, expected: [int32Tensor([4], [3, 3, 0, 2147483647])] },
];

// Integer Add/Mul: the shape arithmetic of exported graphs (e.g. size * 2 + 1), and int32 wrapping.
const integerAddMul: OpCase[] = [
  {
    name: 'hand-worked int64 Mul with a scalar',
    call: { opType: 'Mul', inputs: [int64Tensor([3], [64, -3, 1000]), int64Tensor([1], [1024])] },
    tolerance: { atol: 0, rtol: 0 },
    expected: [int64Tensor([3], [65536, -3072, 1024000])],
  },
  {
    name: 'hand-worked int64 Add with broadcasting',
    call: { opType: 'Add', inputs: [int64Tensor([2, 2], [1, 2, 3, 4]), int64Tensor([2], [10, -10])] },
    tolerance: { atol: 0, rtol: 0 },
    expected: [int64Tensor([2, 2], [11, -8, 13, -6])],
  },
  {
    name: 'hand-worked int32 Mul and Add wrap like machine integers',
    call: { opType: 'Mul', inputs: [int32Tensor([2], [65536, -7]), int32Tensor([2], [65536, 3])] },
    tolerance: { atol: 0, rtol: 0 },
    expected: [int32Tensor([2], [0, -21])],
  },
  {
    name: 'int32 Add on the GPU, 3x5 with 5',
    call: { opType: 'Add', inputs: [int32Tensor([3, 5], Array.from({ length: 15 }, (_, i) => i * 1000 - 7000)), int32Tensor([5], [1, -2, 3, -4, 2147483647])] },
    tolerance: { atol: 0, rtol: 0 },
  },
];

export const cases: OpCase[] = [...handWorked, ...grid, ...unary, ...integerAddMul];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Sub shapes that do not broadcast',
    call: { opType: 'Sub', name: 'sub1', inputs: [randomTensor([2, 3], 1), randomTensor([4], 2)] },
    messageMatches: [/sub1/, /Sub/, /\[4\]/, /\[2x3\]/],
  },
  {
    name: 'Div with mixed dtypes',
    call: { opType: 'Div', name: 'div1', inputs: [randomTensor([2], 1), int64Tensor([2], [1, 2])] },
    messageMatches: [/div1/, /Div/, /input B/, /int64/, /float32/],
  },
  {
    name: 'Div int64 by zero',
    call: { opType: 'Div', name: 'div2', inputs: [int64Tensor([2], [4, 5]), int64Tensor([2], [1, 0])] },
    messageMatches: [/div2/, /Div/, /input B/, /division by zero/],
  },
  {
    name: 'Pow of an integer base',
    call: { opType: 'Pow', name: 'pow1', inputs: [int64Tensor([2], [2, 3]), tensor([], [2])] },
    messageMatches: [/pow1/, /Pow/, /input X/, /int64/],
  },
  {
    name: 'Pow shapes that do not broadcast name X and Y',
    call: { opType: 'Pow', name: 'pow2', inputs: [randomTensor([2, 3], 1), randomTensor([2], 2)] },
    messageMatches: [/pow2/, /Pow/, /input Y/, /against X/],
  },
  {
    name: 'Sqrt of int64',
    call: { opType: 'Sqrt', name: 'sq', inputs: [int64Tensor([2], [4, 9])] },
    messageMatches: [/sq/, /Sqrt/, /input X/, /int64/],
  },
  {
    name: 'Neg with an attribute',
    call: { opType: 'Neg', name: 'ng', attributes: { alpha: 1 }, inputs: [randomTensor([2], 1)] },
    messageMatches: [/ng/, /Neg/, /alpha=1/],
  },
];
