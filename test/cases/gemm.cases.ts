/**
 * Gemm (transA, transB, alpha, beta, every C broadcast form) and MatMul (1-D promotion, batched
 * with broadcast batch dimensions).
 * Tolerance (GPU vs CPU): 1e-5 absolute + 1e-5 relative. Inputs lie in [-1, 1] and K <= 23, so
 * each dot product is at most 23 in magnitude; the CPU accumulates in double, the GPU in f32,
 * whose K roundings cost at most ~K * 2^-24 * 23 ≈ 3e-5 in the worst case and ~1e-6 typically.
 * Measured max error on SwiftShader is reported by the suite; hand-worked cases use exact values.
 */
import { tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-5, rtol: 1e-5 };

const handWorked: OpCase[] = [
  {
    // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]].
    name: 'Gemm 2x2 hand-worked',
    call: { opType: 'Gemm', inputs: [tensor([2, 2], [1, 2, 3, 4]), tensor([2, 2], [5, 6, 7, 8])] },
    tolerance: tol,
    expected: [tensor([2, 2], [19, 22, 43, 50])],
  },
  {
    // 2 * [[19,22],[43,50]] + 0.5 * [1, 2] broadcast over rows.
    name: 'Gemm alpha=2 beta=0.5 with a row C hand-worked',
    call: { opType: 'Gemm', attributes: { alpha: 2, beta: 0.5 }, inputs: [tensor([2, 2], [1, 2, 3, 4]), tensor([2, 2], [5, 6, 7, 8]), tensor([2], [1, 2])] },
    tolerance: tol,
    expected: [tensor([2, 2], [38.5, 45, 86.5, 101])],
  },
  {
    // A^T with A = [[1,3],[2,4]] is [[1,2],[3,4]]; B^T with B = [[5,7],[6,8]] is [[5,6],[7,8]]; C column [10, 20].
    name: 'Gemm transA transB with a column C hand-worked',
    call: {
      opType: 'Gemm',
      attributes: { transA: 1, transB: 1 },
      inputs: [tensor([2, 2], [1, 3, 2, 4]), tensor([2, 2], [5, 7, 6, 8]), tensor([2, 1], [10, 20])],
    },
    tolerance: tol,
    expected: [tensor([2, 2], [29, 32, 63, 70])],
  },
  {
    // [1,2,3] . [4,5,6] = 32, a 0-D result.
    name: 'MatMul 1-D x 1-D is a dot product',
    call: { opType: 'MatMul', inputs: [tensor([3], [1, 2, 3]), tensor([3], [4, 5, 6])] },
    tolerance: tol,
    expected: [tensor([], [32])],
  },
  {
    // [1,2] x [[1,2,3],[4,5,6]] = [9,12,15].
    name: 'MatMul 1-D x 2-D drops the row dimension',
    call: { opType: 'MatMul', inputs: [tensor([2], [1, 2]), tensor([2, 3], [1, 2, 3, 4, 5, 6])] },
    tolerance: tol,
    expected: [tensor([3], [9, 12, 15])],
  },
  {
    // Two batches of [1x2] x [2x1]: [1,2].[3,4] = 11 and [5,6].[3,4] = 39 (B broadcast over the batch).
    name: 'MatMul batched with a broadcast B hand-worked',
    call: { opType: 'MatMul', inputs: [tensor([2, 1, 2], [1, 2, 5, 6]), tensor([2, 1], [3, 4])] },
    tolerance: tol,
    expected: [tensor([2, 1, 1], [11, 39])],
  },
];

/** Gemm: transA x transB x every C form, odd M, K, N. */
const M = 5;
const K = 7;
const N = 3;
const cShapes: (number[] | undefined)[] = [undefined, [], [1], [N], [1, N], [M, 1], [M, N], [1, 1]];
const gemmGrid: OpCase[] = [];
for (const transA of [0, 1]) {
  for (const transB of [0, 1]) {
    cShapes.forEach((cShape, ci) => {
      const a = randomTensor(transA ? [K, M] : [M, K], 100 + 10 * transA + 20 * transB + ci);
      const b = randomTensor(transB ? [N, K] : [K, N], 200 + 10 * transA + 20 * transB + ci);
      const inputs = cShape ? [a, b, randomTensor(cShape, 300 + ci)] : [a, b];
      gemmGrid.push({
        name: `Gemm transA=${transA} transB=${transB} C ${cShape ? `[${cShape}]` : 'none'}`,
        call: { opType: 'Gemm', attributes: { transA, transB, alpha: 0.75, beta: -1.5 }, inputs },
        tolerance: tol,
      });
    });
  }
}
gemmGrid.push({
  name: 'Gemm 1x23 x 23x17 classifier head (defaults)',
  call: { opType: 'Gemm', attributes: { transB: 1 }, inputs: [randomTensor([1, 23], 400), randomTensor([17, 23], 401), randomTensor([17], 402)] },
  tolerance: tol,
});

const matmulGrid: OpCase[] = [
  [[5, 7], [7, 3]],
  [[2, 5, 7], [7, 3]],
  [[7], [2, 7, 3]],
  [[2, 5, 7], [7]],
  [[2, 1, 5, 7], [3, 7, 4]],
  [[3, 1, 4, 2, 3], [1, 2, 1, 3, 6]],
].map(([a, b], i) => ({
  name: `MatMul [${a}] x [${b}]`,
  call: { opType: 'MatMul', inputs: [randomTensor(a, 500 + i), randomTensor(b, 600 + i)] },
  tolerance: tol,
}));

export const cases: OpCase[] = [...handWorked, ...gemmGrid, ...matmulGrid];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Gemm inner dimensions differ',
    call: { opType: 'Gemm', name: 'fc', inputs: [randomTensor([2, 3], 1), randomTensor([4, 5], 2)] },
    messageMatches: [/fc/, /Gemm/, /input B/, /3 vs 4/],
  },
  {
    name: 'Gemm transA=2',
    call: { opType: 'Gemm', name: 'fc', attributes: { transA: 2 }, inputs: [randomTensor([2, 3], 1), randomTensor([3, 5], 2)] },
    messageMatches: [/fc/, /Gemm/, /transA=2/],
  },
  {
    name: 'Gemm C that does not broadcast',
    call: { opType: 'Gemm', name: 'fc', inputs: [randomTensor([2, 3], 1), randomTensor([3, 5], 2), randomTensor([3], 3)] },
    messageMatches: [/fc/, /Gemm/, /input C/, /\[3\]/, /\[2x5\]/],
  },
  {
    name: 'Gemm 3-D A',
    call: { opType: 'Gemm', name: 'fc', inputs: [randomTensor([1, 2, 3], 1), randomTensor([3, 5], 2)] },
    messageMatches: [/fc/, /Gemm/, /input A/, /2-D/],
  },
  {
    name: 'MatMul batch dimensions that do not broadcast',
    call: { opType: 'MatMul', name: 'mm', inputs: [randomTensor([2, 2, 3], 1), randomTensor([3, 3, 4], 2)] },
    messageMatches: [/mm/, /MatMul/, /input B/, /2 vs 3/],
  },
  {
    name: 'MatMul inner dimensions differ',
    call: { opType: 'MatMul', name: 'mm', inputs: [randomTensor([2, 3], 1), randomTensor([4], 2)] },
    messageMatches: [/mm/, /MatMul/, /3 vs 4/],
  },
];
