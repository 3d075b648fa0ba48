/**
 * Shape and glue ops with a GPU lowering: Identity, Dropout, Reshape, Flatten, Squeeze,
 * Unsqueeze, Transpose, Expand (one strided-copy kernel), Gather and Cast.
 * Tolerance: exact (atol 0, rtol 0) for all of them: they move 32-bit words without arithmetic,
 * except Cast, whose f32 <-> integer conversions are exact for the values used (|v| < 2^24) and
 * whose rounding to FLOAT16 is exact integer arithmetic on both sides.
 * Shape, Constant, ConstantOfShape and Range run only at plan time (no GPU kernel): they are
 * tested in test/import-onnx.test.ts ("plan-time glue ops").
 */
import { int32Tensor, int64Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const i64 = (values: number[]) => int64Tensor([values.length], values);

/** 0..n-1 as float32 of a shape: handy for reading expected layouts by eye. */
function iota(shape: number[]): Tensor<'float32'> {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(shape, Array.from({ length: n }, (_, i) => i));
}

const handWorked: OpCase[] = [
  {
    name: 'Identity int32 hand-worked',
    call: { opType: 'Identity', inputs: [int32Tensor([2, 2], [1, -2, 3, -4])] },
    tolerance: exact,
    expected: [int32Tensor([2, 2], [1, -2, 3, -4])],
  },
  {
    name: 'Dropout with ratio and training_mode=false is the identity',
    call: { opType: 'Dropout', attributes: { seed: 3 }, inputs: [tensor([3], [0.5, -1, 2]), tensor([], [0.5]), int32Tensor([], [0])] },
    tolerance: exact,
    expected: [tensor([3], [0.5, -1, 2])],
  },
  {
    name: 'Reshape [2,3,4] to [4,-1] hand-worked',
    call: { opType: 'Reshape', inputs: [iota([2, 3, 4]), i64([4, -1])] },
    tolerance: exact,
    expected: [tensor([4, 6], Array.from({ length: 24 }, (_, i) => i))],
  },
  {
    name: 'Reshape 0 copies the input dimension',
    call: { opType: 'Reshape', inputs: [iota([2, 3, 4]), i64([0, -1])] },
    tolerance: exact,
    expected: [tensor([2, 12], Array.from({ length: 24 }, (_, i) => i))],
  },
  {
    name: 'Reshape allowzero=1 keeps a literal 0 (empty tensor)',
    call: { opType: 'Reshape', attributes: { allowzero: 1 }, inputs: [tensor([0, 3], []), i64([3, 0])] },
    tolerance: exact,
    expected: [tensor([3, 0], [])],
  },
  {
    name: 'Transpose 2x3 hand-worked (default perm)',
    call: { opType: 'Transpose', inputs: [tensor([2, 3], [1, 2, 3, 4, 5, 6])] },
    tolerance: exact,
    expected: [tensor([3, 2], [1, 4, 2, 5, 3, 6])],
  },
  {
    // out[c][h][w] for perm [1, 2, 0] of a [2, 2, 2] iota: out[i][j][k] = in[k][i][j] = 4k + 2i + j.
    name: 'Transpose [2,2,2] perm [1,2,0] hand-worked',
    call: { opType: 'Transpose', attributes: { perm: [1, 2, 0] }, inputs: [iota([2, 2, 2])] },
    tolerance: exact,
    expected: [tensor([2, 2, 2], [0, 4, 1, 5, 2, 6, 3, 7])],
  },
  {
    name: 'Transpose int64 hand-worked',
    call: { opType: 'Transpose', inputs: [int64Tensor([2, 2], [1, 2, 3, 4])] },
    tolerance: exact,
    expected: [int64Tensor([2, 2], [1, 3, 2, 4])],
  },
  {
    name: 'Expand [3,1] to [2,1,4] hand-worked',
    call: { opType: 'Expand', inputs: [tensor([3, 1], [1, 2, 3]), i64([2, 1, 4])] },
    tolerance: exact,
    expected: [tensor([2, 3, 4], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])],
  },
  {
    name: 'Expand with a shorter shape keeps the input shape',
    call: { opType: 'Expand', inputs: [tensor([2, 2], [1, 2, 3, 4]), i64([1])] },
    tolerance: exact,
    expected: [tensor([2, 2], [1, 2, 3, 4])],
  },
  {
    name: 'Gather axis 0 with negative indices hand-worked',
    call: { opType: 'Gather', inputs: [tensor([3, 2], [1, 2, 3, 4, 5, 6]), i64([2, -3, -1])] },
    tolerance: exact,
    expected: [tensor([3, 2], [5, 6, 1, 2, 5, 6])],
  },
  {
    // Row r of the [2, 3] data, columns [[2, 0], [1, 1]]: a [2, 2, 2] result.
    name: 'Gather axis -1 with 2-D int32 indices hand-worked',
    call: { opType: 'Gather', attributes: { axis: -1 }, inputs: [tensor([2, 3], [1, 2, 3, 4, 5, 6]), int32Tensor([2, 2], [2, 0, 1, 1])] },
    tolerance: exact,
    expected: [tensor([2, 2, 2], [3, 1, 2, 2, 6, 4, 5, 5])],
  },
  {
    name: 'Gather scalar index from an int64 shape vector (Shape -> Gather)',
    call: { opType: 'Gather', inputs: [int64Tensor([4], [1, 3, 224, 160]), int64Tensor([], [2])] },
    tolerance: exact,
    expected: [int64Tensor([], [224])],
  },
  {
    name: 'Cast float32 -> int32 truncates toward zero',
    call: { opType: 'Cast', attributes: { to: 6 }, inputs: [tensor([5], [-1.7, 2.9, 0.4, -0.4, 1000.5])] },
    tolerance: exact,
    expected: [int32Tensor([5], [-1, 2, 0, 0, 1000])],
  },
  {
    name: 'Cast float32 -> int64',
    call: { opType: 'Cast', attributes: { to: 7 }, inputs: [tensor([3], [-3.5, 7.99, 16777216])] },
    tolerance: exact,
    expected: [int64Tensor([3], [-3, 7, 16777216])],
  },
  {
    name: 'Cast int64 -> float32',
    call: { opType: 'Cast', attributes: { to: 1 }, inputs: [int64Tensor([3], [-5, 0, 123456])] },
    tolerance: exact,
    expected: [tensor([3], [-5, 0, 123456])],
  },
  {
    name: 'Cast int32 -> int64',
    call: { opType: 'Cast', attributes: { to: 7 }, inputs: [int32Tensor([2], [-2147483648, 2147483647])] },
    tolerance: exact,
    expected: [int64Tensor([2], [-2147483648, 2147483647])],
  },
  {
    // numpy's astype(bool): NaN is true, -0 false, a subnormal true.
    name: 'Cast float32 -> BOOL: int32 1 where x != 0, NaN included',
    call: { opType: 'Cast', attributes: { to: 9 }, inputs: [tensor([8], [0, -0, 1.5, -2, NaN, Infinity, -Infinity, 1e-40])] },
    tolerance: exact,
    expected: [int32Tensor([8], [0, 0, 1, 1, 1, 1, 1, 1])],
  },
  {
    name: 'Cast int64 -> BOOL',
    call: { opType: 'Cast', attributes: { to: 9 }, inputs: [int64Tensor([4], [0, -1, 7, 2147483647])] },
    tolerance: exact,
    expected: [int32Tensor([4], [0, 1, 1, 1])],
  },
  {
    name: 'Cast int32 -> BOOL',
    call: { opType: 'Cast', attributes: { to: 9 }, inputs: [int32Tensor([3], [-2147483648, 0, 1])] },
    tolerance: exact,
    expected: [int32Tensor([3], [1, 0, 1])],
  },
  {
    // Halves near 1 are 2^-10 apart, near 2048 2 apart; 2^-24 is the smallest subnormal.
    name: 'Cast float32 -> FLOAT16: the nearest half, ties to even, subnormals, the largest half',
    call: {
      opType: 'Cast',
      attributes: { to: 10 },
      inputs: [tensor([12], [0.1, 1 / 3, -2.5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65519, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 2 ** -14 + 2 ** -25, -1e-9])],
    },
    tolerance: exact,
    expected: [tensor([12], [0.0999755859375, 0.333251953125, -2.5, 1, 1 + 2 ** -9, 65504, 65504, 2 ** -24, 0, 2 ** -24, 2 ** -14, -0])],
    expectedTolerance: exact,
  },
  {
    name: 'Cast int32 -> FLOAT16 rounds past 2048 (halves 2 apart there)',
    call: { opType: 'Cast', attributes: { to: 10 }, inputs: [int32Tensor([5], [2049, 2051, -4097, 7, 60000])] },
    tolerance: exact,
    expected: [tensor([5], [2048, 2052, -4096, 7, 60000])],
    expectedTolerance: exact,
  },
  {
    name: 'Cast float32 -> float32 (saturate accepted)',
    call: { opType: 'Cast', attributes: { to: 1, saturate: 1 }, inputs: [tensor([2], [1.5, -0])] },
    tolerance: exact,
    expected: [tensor([2], [1.5, -0])],
  },
];

/** Pure relabelling ops over odd shapes, batch 2. */
const copies: OpCase[] = [
  { name: 'Identity [2,5,7,3]', call: { opType: 'Identity', inputs: [randomTensor([2, 5, 7, 3], 1)] }, tolerance: exact },
  { name: 'Dropout [2,3,9] data only', call: { opType: 'Dropout', inputs: [randomTensor([2, 3, 9], 2)] }, tolerance: exact },
  ...[[0, 0, -1], [-1, 21], [2, 3, 7, 1], [42]].map((shape, i) => ({
    name: `Reshape [2,3,7] to [${shape}]`,
    call: { opType: 'Reshape', inputs: [randomTensor([2, 3, 7], 10 + i), i64(shape)] },
    tolerance: exact,
  })),
  ...[0, 1, 2, 3, 4, -1, -4].map((axis) => ({
    name: `Flatten [2,3,5,7] axis ${axis}`,
    call: { opType: 'Flatten', attributes: { axis }, inputs: [randomTensor([2, 3, 5, 7], 20 + axis)] },
    tolerance: exact,
  })),
  { name: 'Flatten default axis', call: { opType: 'Flatten', inputs: [randomTensor([2, 3, 5], 30)] }, tolerance: exact },
  { name: 'Squeeze axes [0,-1]', call: { opType: 'Squeeze', inputs: [randomTensor([1, 3, 1, 5, 1], 31), i64([0, -1])] }, tolerance: exact },
  { name: 'Squeeze without axes drops every 1', call: { opType: 'Squeeze', inputs: [randomTensor([1, 3, 1, 5, 1], 32)] }, tolerance: exact },
  { name: 'Unsqueeze axes [0,3]', call: { opType: 'Unsqueeze', inputs: [randomTensor([2, 3], 33), i64([0, 3])] }, tolerance: exact },
  { name: 'Unsqueeze axes [-1] on int64', call: { opType: 'Unsqueeze', inputs: [int64Tensor([2], [7, -9]), i64([-1])] }, tolerance: exact, expected: [int64Tensor([2, 1], [7, -9])] },
  { name: 'Unsqueeze a scalar', call: { opType: 'Unsqueeze', inputs: [tensor([], [4]), i64([0])] }, tolerance: exact, expected: [tensor([1], [4])] },
];

/** Transpose: every permutation of a rank-3 tensor, NCHW<->NHWC, rank 1 and rank 8. */
const permutations3 = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
const transposes: OpCase[] = [
  ...permutations3.map((perm, i) => ({
    name: `Transpose [3,5,7] perm [${perm}]`,
    call: { opType: 'Transpose', attributes: { perm }, inputs: [randomTensor([3, 5, 7], 40 + i)] },
    tolerance: exact,
  })),
  { name: 'Transpose NCHW -> NHWC [2,3,5,7]', call: { opType: 'Transpose', attributes: { perm: [0, 2, 3, 1] }, inputs: [randomTensor([2, 3, 5, 7], 50)] }, tolerance: exact },
  { name: 'Transpose NHWC -> NCHW [2,5,7,3]', call: { opType: 'Transpose', attributes: { perm: [0, 3, 1, 2] }, inputs: [randomTensor([2, 5, 7, 3], 51)] }, tolerance: exact },
  { name: 'Transpose rank 1', call: { opType: 'Transpose', inputs: [randomTensor([9], 52)] }, tolerance: exact },
  {
    name: 'Transpose rank 8 perm [7,0,6,1,5,2,4,3]',
    call: { opType: 'Transpose', attributes: { perm: [7, 0, 6, 1, 5, 2, 4, 3] }, inputs: [randomTensor([2, 3, 1, 2, 3, 2, 1, 3], 53)] },
    tolerance: exact,
  },
];

const expands: OpCase[] = [
  [[1], [2, 3, 5]],
  [[3, 1, 5], [2, 1, 4, 1]],
  [[2, 3, 1, 1], [1, 1, 5, 7]],
  [[1, 3, 1], [3, 1]],
].map(([from, to], i) => ({
  name: `Expand [${from}] with shape [${to}]`,
  call: { opType: 'Expand', inputs: [randomTensor(from, 60 + i), i64(to)] },
  tolerance: exact,
}));

const gathers: OpCase[] = [
  { axis: 0, indices: int64Tensor([4], [0, 2, -1, 1]) },
  { axis: 1, indices: int64Tensor([2, 3], [4, 0, -5, 1, 1, 3]) },
  { axis: 2, indices: int64Tensor([], [-2]) },
  { axis: -1, indices: int32Tensor([3], [6, 0, 3]) },
].map(({ axis, indices }, i) => ({
  name: `Gather [3,5,4,7] axis ${axis} indices [${indices.shape}]`,
  call: { opType: 'Gather', attributes: { axis }, inputs: [randomTensor([3, 5, 4, 7], 70 + i), indices] },
  tolerance: exact,
}));

const casts: OpCase[] = [
  { name: 'Cast random float32 -> int32', call: { opType: 'Cast', attributes: { to: 6 }, inputs: [randomTensor([2, 3, 17], 80, -100, 100)] }, tolerance: exact },
  { name: 'Cast int32 -> float32', call: { opType: 'Cast', attributes: { to: 1 }, inputs: [int32Tensor([5], [-7, 0, 3, 1 << 20, -(1 << 23)])] }, tolerance: exact },
  { name: 'Cast random float32 -> FLOAT16', call: { opType: 'Cast', attributes: { to: 10 }, inputs: [randomTensor([2, 3, 17], 81, -3000, 3000)] }, tolerance: exact },
  { name: 'Cast small random float32 -> FLOAT16 (subnormal halves)', call: { opType: 'Cast', attributes: { to: 10 }, inputs: [randomTensor([64], 82, -1e-4, 1e-4)] }, tolerance: exact },
];

export const cases: OpCase[] = [...handWorked, ...copies, ...transposes, ...expands, ...gathers, ...casts];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Reshape with two -1',
    call: { opType: 'Reshape', name: 'rs', inputs: [iota([2, 3]), i64([-1, -1])] },
    messageMatches: [/rs/, /Reshape/, /shape/, /more than one -1/],
  },
  {
    name: 'Reshape to a different element count',
    call: { opType: 'Reshape', name: 'rs', inputs: [iota([2, 3]), i64([4, 2])] },
    messageMatches: [/rs/, /Reshape/, /\[4, 2\]/, /6/],
  },
  {
    name: 'Reshape allowzero=2',
    call: { opType: 'Reshape', name: 'rs', attributes: { allowzero: 2 }, inputs: [iota([2, 3]), i64([6])] },
    messageMatches: [/rs/, /Reshape/, /allowzero=2/],
  },
  {
    name: 'Reshape shape as float32',
    call: { opType: 'Reshape', name: 'rs', inputs: [iota([2, 3]), tensor([1], [6])] },
    messageMatches: [/rs/, /Reshape/, /input shape/, /float32/],
  },
  {
    name: 'Flatten axis out of range',
    call: { opType: 'Flatten', name: 'fl', attributes: { axis: 4 }, inputs: [iota([2, 3, 5])] },
    messageMatches: [/fl/, /Flatten/, /axis=4/],
  },
  {
    name: 'Squeeze of a size-3 axis',
    call: { opType: 'Squeeze', name: 'sq', inputs: [iota([1, 3]), i64([1])] },
    messageMatches: [/sq/, /Squeeze/, /axes/, /size 3/],
  },
  {
    name: 'Unsqueeze repeated axes',
    call: { opType: 'Unsqueeze', name: 'us', inputs: [iota([3]), i64([0, 0])] },
    messageMatches: [/us/, /Unsqueeze/, /axes/, /repeats/],
  },
  {
    name: 'Unsqueeze without axes',
    call: { opType: 'Unsqueeze', name: 'us', inputs: [iota([3])] },
    messageMatches: [/us/, /Unsqueeze/, /input axes is missing/],
  },
  {
    name: 'Transpose perm not a permutation',
    call: { opType: 'Transpose', name: 'tp', attributes: { perm: [0, 0, 1] }, inputs: [iota([2, 3, 4])] },
    messageMatches: [/tp/, /Transpose/, /perm=\[0, 0, 1\]/],
  },
  {
    name: 'Transpose perm of the wrong length',
    call: { opType: 'Transpose', name: 'tp', attributes: { perm: [1, 0] }, inputs: [iota([2, 3, 4])] },
    messageMatches: [/tp/, /Transpose/, /perm=\[1, 0\]/, /rank 3/],
  },
  {
    name: 'Expand to an incompatible shape',
    call: { opType: 'Expand', name: 'ex', inputs: [iota([3, 2]), i64([3, 4])] },
    messageMatches: [/ex/, /Expand/, /\[3, 4\]/, /\[3x2\]/],
  },
  {
    name: 'Gather index out of range',
    call: { opType: 'Gather', name: 'ga', inputs: [iota([3, 2]), i64([3])] },
    messageMatches: [/ga/, /Gather/, /indices/, /3/, /-3\.\.2/],
  },
  {
    name: 'Gather axis out of range',
    call: { opType: 'Gather', name: 'ga', attributes: { axis: 2 }, inputs: [iota([3, 2]), i64([0])] },
    messageMatches: [/ga/, /Gather/, /axis=2/],
  },
  {
    name: 'Gather float32 indices',
    call: { opType: 'Gather', name: 'ga', inputs: [iota([3, 2]), tensor([1], [0])] },
    messageMatches: [/ga/, /Gather/, /indices/, /float32/],
  },
  {
    name: 'Cast to an unsupported type (BFLOAT16)',
    call: { opType: 'Cast', name: 'ca', attributes: { to: 16 }, inputs: [iota([2])] },
    messageMatches: [/ca/, /Cast/, /to=16/, /10 FLOAT16/],
  },
  {
    name: 'Cast of NaN to int32',
    call: { opType: 'Cast', name: 'ca', attributes: { to: 6 }, inputs: [tensor([2], [1, NaN])] },
    messageMatches: [/ca/, /Cast/, /NaN/, /int32/],
  },
  {
    name: 'Dropout in training mode',
    call: { opType: 'Dropout', name: 'do', inputs: [iota([2]), tensor([], [0.5]), int32Tensor([], [1])] },
    messageMatches: [/do/, /Dropout/, /training_mode/, /not supported/],
  },
  {
    name: 'Identity with an unknown attribute',
    call: { opType: 'Identity', name: 'id', attributes: { axis: 1 }, inputs: [iota([2])] },
    messageMatches: [/id/, /Identity/, /axis=1/],
  },
];
