import { tensor } from '../../src/core/tensor.js';
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
  // Mul's fused addend C (Y = A * B + C, src/passes/fuse-mul-add.ts): the vec4 form and the
  // general shapes it falls back from (a scratch product, then the sum).
  {
    // [1, 2, 3, 4] * [10, -1] per channel = [10, 20, -3, -4]; + [1, 1, 1, 1] -> [11, 21, -2, -3].
    name: 'Mul with addend, hand-worked per-channel scale then skip (vec4 form)',
    call: { opType: 'Mul', inputs: [tensor([1, 2, 1, 2], [1, 2, 3, 4]), tensor([1, 2, 1, 1], [10, -1]), tensor([1, 2, 1, 2], [1, 1, 1, 1])] },
    tolerance: tol,
    expected: [tensor([1, 2, 1, 2], [11, 21, -2, -3])],
  },
  ...[
    [[2, 5, 8, 6], [1, 5, 1, 1]],
    [[2, 3, 4, 6], [2, 3, 4, 6]],
    [[1, 5, 1, 1], [2, 5, 4, 3]],
    [[2, 3, 4, 4], [1]],
    // Not the vec4 form: 315 elements, and a broadcast along two separate axes.
    [[1, 5, 7, 9], [1, 5, 1, 1]],
    [[2, 4, 3, 4], [2, 1, 3, 1]],
  ].map(([a, b], i) => {
    const shape = a.map((d, k) => Math.max(d, b[b.length - a.length + k] ?? 1));
    return {
      name: `Mul ${a.join('x')} with ${b.join('x')} plus addend`,
      call: { opType: 'Mul', inputs: [randomTensor(a, 40 + i), randomTensor(b, 50 + i), randomTensor(shape, 60 + i)] },
      tolerance: tol,
    };
  }),
];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Mul addend of the wrong shape',
    call: { opType: 'Mul', name: 'mul1', inputs: [randomTensor([1, 2, 2, 2], 1), randomTensor([1, 2, 1, 1], 2), randomTensor([1, 2, 1, 1], 3)] },
    messageMatches: [/mul1/, /Mul/, /input C/, /\[1x2x1x1\]/, /\[1x2x2x2\]/],
  },
  {
    name: 'Add given a third input',
    call: { opType: 'Add', name: 'add3', inputs: [randomTensor([2], 1), randomTensor([2], 2), randomTensor([2], 3)] },
    messageMatches: [/add3/, /Add/, /#2/, /takes two/],
  },
  {
    name: 'Add shapes that do not broadcast',
    call: { opType: 'Add', name: 'add1', inputs: [randomTensor([2, 3], 1), randomTensor([4], 2)] },
    messageMatches: [/add1/, /Add/, /\[4\]/, /\[2x3\]/],
  },
];
