import { tensor } from '../../src/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-6, rtol: 1e-6 };

export const cases: OpCase[] = [
  {
    name: 'Add hand-worked broadcast of a row',
    call: { opType: 'Add', inputs: [tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([3], [10, 20, 30])] },
    tolerance: tol,
    expected: [tensor([2, 3], [11, 22, 33, 14, 25, 36])],
  },
  {
    name: 'Mul hand-worked per-channel scale (vec4 fast path)',
    call: { opType: 'Mul', inputs: [tensor([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), tensor([1, 2, 1, 1], [10, -1])] },
    tolerance: tol,
    expected: [tensor([1, 2, 2, 2], [10, 20, 30, 40, -5, -6, -7, -8])],
  },
  {
    name: 'Mul hand-worked broadcast both ways',
    call: { opType: 'Mul', inputs: [tensor([2, 1], [2, 3]), tensor([1, 3], [1, 10, 100])] },
    tolerance: tol,
    expected: [tensor([2, 3], [2, 20, 200, 3, 30, 300])],
  },
  ...(['Add', 'Mul'] as const).flatMap((opType) =>
    [
      [[2, 5, 7, 9], [2, 5, 7, 9]],
      [[2, 5, 7, 9], [1, 5, 1, 1]],
      [[3, 1, 7], [2, 1, 5, 1]],
      [[1], [2, 3, 5, 7]],
      [[1, 2, 1, 3, 1, 2, 1, 3], [2, 1, 2, 1, 2, 1, 2, 1]],
      // vec4 fast path (binary-broadcast.wgsl): per-channel, reversed operands, scalar, same shape, last-axis vector.
      [[2, 5, 8, 6], [1, 5, 1, 1]],
      [[5, 1, 1], [2, 5, 4, 3]],
      [[2, 3, 4, 4], [1]],
      [[2, 3, 4, 6], [2, 3, 4, 6]],
      [[3, 6, 4], [4]],
      [[3, 4, 6], [4, 6]],
      [[2, 4, 3, 5], [1, 4, 3, 1]],
    ].map(([a, b], i) => ({
      name: `${opType} ${a.join('x')} with ${b.join('x')}`,
      call: { opType, inputs: [randomTensor(a, 10 + i), randomTensor(b, 20 + i)] },
      tolerance: tol,
    })),
  ),
];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Add shapes that do not broadcast',
    call: { opType: 'Add', name: 'add1', inputs: [randomTensor([2, 3], 1), randomTensor([4], 2)] },
    messageMatches: [/add1/, /Add/, /\[4\]/, /\[2x3\]/],
  },
];
