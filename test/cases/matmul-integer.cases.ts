/**
 * MatMulInteger: the ONNX spec's example, zero points per tensor, per row and per column, uint8 and
 * int8 B (packed bytes unpacked signed or unsigned), K not a multiple of 4 (the packed word's
 * padding), N not a multiple of 4 (the last column tile), 1-D operands and broadcast batches; for
 * the packed-dot kernel (src/ops/integer-dot.ts) also int8 A (told by a negative value or zero
 * point), K = 5 and the 8-bit extremes. int32 outputs, compared exactly. test/integer-dot.test.ts
 * runs every case on both the packed-dot and the scalar kernels.
 */
import { int32Tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

function randomIntegers(shape: number[], seed: number, lo: number, hi: number): Tensor<'int32'> {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return int32Tensor(shape, Int32Array.from({ length: n }, () => lo + Math.floor(next() * (hi - lo + 1))));
}

const handWorked: OpCase[] = [
  {
    // onnx test_matmulinteger: A - 12 = [[-1,-5,-9],[-2,-6,-10],[-3,-7,-11],[-4,-8,-12]] times [[1,4],[2,5],[3,6]].
    name: 'MatMulInteger spec example',
    call: {
      opType: 'MatMulInteger',
      inputs: [
        int32Tensor([4, 3], [11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0]),
        int32Tensor([3, 2], [1, 4, 2, 5, 3, 6]),
        int32Tensor([1], [12]),
        int32Tensor([1], [0]),
      ],
    },
    tolerance: exact,
    expected: [int32Tensor([4, 2], [-38, -83, -44, -98, -50, -113, -56, -128])],
  },
  {
    // Per-row a_zero_point [1, 2] and per-column b_zero_point [0, 1, -1] with int8 B:
    // A - azp = [[1, 2], [1, 2]]; B - bzp = [[-1, 1, 3], [127, -129, 1]]:
    // row 0 and row 1: [1*-1 + 2*127, 1*1 + 2*-129, 1*3 + 2*1] = [253, -257, 5].
    name: 'MatMulInteger per-row and per-column zero points, int8 B',
    call: {
      opType: 'MatMulInteger',
      inputs: [int32Tensor([2, 2], [2, 3, 3, 4]), int32Tensor([2, 3], [-1, 2, 2, 127, -128, 0]), int32Tensor([2], [1, 2]), int32Tensor([3], [0, 1, -1])],
    },
    tolerance: exact,
    expected: [int32Tensor([2, 3], [253, -257, 5, 253, -257, 5])],
  },
  {
    // uint8 B with bytes past 127 (unsigned), no zero points: [255, 1] . [[200, 128], [255, 3]] = [255*200 + 255, 255*128 + 3].
    name: 'MatMulInteger uint8 B above 127, no zero points',
    call: { opType: 'MatMulInteger', inputs: [int32Tensor([1, 2], [255, 1]), int32Tensor([2, 2], [200, 128, 255, 3])] },
    tolerance: exact,
    expected: [int32Tensor([1, 2], [51255, 32643])],
  },
  {
    // 1-D A and B: a dot product, shape [].
    name: 'MatMulInteger 1-D x 1-D',
    call: { opType: 'MatMulInteger', inputs: [int32Tensor([5], [1, 2, 3, 4, 5]), int32Tensor([5], [5, 4, 3, 2, 1]), int32Tensor([], [1])] },
    tolerance: exact,
    expected: [int32Tensor([], [0 * 5 + 1 * 4 + 2 * 3 + 3 * 2 + 4 * 1])],
  },
];

const randomCases: OpCase[] = [];
for (const [M, K, N] of [
  [5, 7, 3],
  [8, 16, 8],
  [3, 33, 13],
  [1, 1, 1],
  [17, 64, 36],
]) {
  for (const signed of [false, true]) {
    const [lo, hi] = signed ? [-128, 127] : [0, 255];
    const seed = M * 1000 + K * 10 + N + (signed ? 7 : 0);
    randomCases.push({
      name: `MatMulInteger random ${M}x${K} x ${K}x${N} ${signed ? 'int8' : 'uint8'} B, per-tensor zero points`,
      call: { opType: 'MatMulInteger', inputs: [randomIntegers([M, K], seed, 0, 255), randomIntegers([K, N], seed + 1, lo, hi), int32Tensor([], [131]), int32Tensor([], [signed ? -3 : 7])] },
      tolerance: exact,
    });
    randomCases.push({
      name: `MatMulInteger random ${M}x${K} x ${K}x${N} ${signed ? 'int8' : 'uint8'} B, per-row and per-column zero points`,
      call: {
        opType: 'MatMulInteger',
        inputs: [randomIntegers([M, K], seed + 2, -128, 127), randomIntegers([K, N], seed + 3, lo, hi), randomIntegers([M], seed + 4, -128, 127), randomIntegers([N], seed + 5, lo, hi)],
      },
      tolerance: exact,
    });
  }
}
randomCases.push(
  {
    name: 'MatMulInteger random batched A [2, 3, 6, 10] x B [10, 7] (B broadcast)',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([2, 3, 6, 10], 1, 0, 255), randomIntegers([10, 7], 2, -128, 127), int32Tensor([], [128]), int32Tensor([7], [0, 1, 2, 3, -4, -5, -6])] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger random batched A [3, 1, 4, 9] x B [2, 9, 5] (both broadcast)',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([3, 1, 4, 9], 3, 0, 255), randomIntegers([2, 9, 5], 4, 0, 255), int32Tensor([4, 1], [1, 2, 3, 4]), int32Tensor([1, 5], [5, 6, 7, 8, 9])] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger random 1-D A [12] x B [12, 6]',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([12], 5, 0, 255), randomIntegers([12, 6], 6, -128, 127)] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger random A [2, 7, 11] x 1-D B [11]',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([2, 7, 11], 7, 0, 255), randomIntegers([11], 8, 0, 255), int32Tensor([], [3])] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger random the matmul_integer fixture shape: A [2, 3, 5] uint8, B [5, 6] int8, per-column zero point',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([2, 3, 5], 9, 0, 255), randomIntegers([5, 6], 10, -128, 127), int32Tensor([], [131]), int32Tensor([6], [0, 1, -1, 127, -128, 3])] },
    tolerance: exact,
  },
);

/** The ends of [lo, hi] only, at random. */
function randomExtremes(shape: number[], seed: number, lo: number, hi: number): Tensor<'int32'> {
  return int32Tensor(shape, randomIntegers(shape, seed, 0, 1).data.map((v) => (v === 0 ? lo : hi)));
}

randomCases.push(
  {
    name: 'MatMulInteger random K = 5, int8 A with a negative zero point, per-column b_zero_point',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([3, 5], 20, -128, 127), randomIntegers([5, 6], 21, -128, 127), int32Tensor([], [-7]), randomIntegers([6], 22, -128, 127)] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger random int8 A all non-negative, negative per-row zero points, uint8 B',
    call: { opType: 'MatMulInteger', inputs: [randomIntegers([4, 9], 23, 0, 127), randomIntegers([9, 5], 24, 0, 255), randomIntegers([4], 25, -128, -1), int32Tensor([], [200])] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger extremes: uint8 A 0/255 x int8 B -128/127, K = 5',
    call: { opType: 'MatMulInteger', inputs: [randomExtremes([6, 5], 26, 0, 255), randomExtremes([5, 7], 27, -128, 127), int32Tensor([], [255]), randomExtremes([7], 28, -128, 127)] },
    tolerance: exact,
  },
  {
    name: 'MatMulInteger extremes: int8 A -128/127 x uint8 B 0/255, K = 300',
    call: { opType: 'MatMulInteger', inputs: [randomExtremes([5, 300], 29, -128, 127), randomExtremes([300, 9], 30, 0, 255), int32Tensor([], [127]), int32Tensor([], [0])] },
    tolerance: exact,
  },
);

export const cases: OpCase[] = [...handWorked, ...randomCases];

const a = randomIntegers([4, 3], 11, 0, 255);
const b = randomIntegers([3, 2], 12, 0, 255);

export const invalidCases: InvalidCase[] = [
  {
    name: 'MatMulInteger float32 A',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [{ dtype: 'float32', shape: [4, 3], data: new Float32Array(12) }, b] },
    messageMatches: [/node 'mm'/, /MatMulInteger/, /input A/, /float32/],
  },
  {
    name: 'MatMulInteger inner dimensions differ',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [a, randomIntegers([4, 2], 13, 0, 255)] },
    messageMatches: [/node 'mm'/, /input B/, /\[4x2\]/, /\[4x3\]/, /3 vs 4/],
  },
  {
    name: 'MatMulInteger a_zero_point of the wrong length',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [a, b, int32Tensor([3], [1, 2, 3])] },
    messageMatches: [/node 'mm'/, /input a_zero_point/, /\[3\]/, /row of A/, /\[4\]/],
  },
  {
    name: 'MatMulInteger b_zero_point of the wrong length',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [a, b, undefined, int32Tensor([3], [1, 2, 3])] },
    messageMatches: [/node 'mm'/, /input b_zero_point/, /\[3\]/, /column of B/, /\[2\]/],
  },
  {
    name: 'MatMulInteger float b_zero_point',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [a, b, undefined, { dtype: 'float32', shape: [], data: new Float32Array(1) }] },
    messageMatches: [/node 'mm'/, /input b_zero_point/, /float32/],
  },
  {
    name: 'MatMulInteger B beyond 8 bits',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [a, int32Tensor([3, 2], [1, 2, 3, 4, 5, 300])] },
    messageMatches: [/node 'mm'/, /input B/, /300/, /uint8/],
  },
  {
    name: 'MatMulInteger batch dimensions that do not broadcast',
    call: { opType: 'MatMulInteger', name: 'mm', inputs: [randomIntegers([2, 4, 3], 14, 0, 255), randomIntegers([3, 3, 2], 15, 0, 255)] },
    messageMatches: [/node 'mm'/, /input B/, /broadcast/, /2 vs 3/],
  },
  {
    name: 'MatMulInteger with an attribute',
    call: { opType: 'MatMulInteger', name: 'mm', attributes: { transB: 1 }, inputs: [a, b] },
    messageMatches: [/node 'mm'/, /transB/],
  },
];
