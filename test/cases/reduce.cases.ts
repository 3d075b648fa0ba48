/**
 * ReduceMean / ReduceMax / ReduceMin / ReduceSum: axes as attribute (opset 13) and as input
 * (opset 18), negative axes, keepdims 0/1, no axes (all), noop_with_empty_axes.
 * Tolerance (GPU vs CPU): Max/Min exact (they select an input value). Mean/Sum 1e-5 absolute +
 * 1e-5 relative: at most 210 inputs in [-1, 1] are summed, in f32 on the GPU (sequentially:
 * error up to ~210 * 2^-24 * |partial sums| ≈ 1e-5 worst case) and in double on the CPU.
 */
import { tensor } from '../../src/core/tensor.js';
import { int64Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const sums = { atol: 1e-5, rtol: 1e-5 };
const tolOf = (op: string) => (op === 'ReduceMax' || op === 'ReduceMin' ? exact : sums);

// x = [[1, 2, 3], [4, 5, 6]]
const x23 = tensor([2, 3], [1, 2, 3, 4, 5, 6]);

const handWorked: OpCase[] = [
  {
    name: 'ReduceMean axes [1] keepdims hand-worked',
    call: { opType: 'ReduceMean', attributes: { axes: [1] }, inputs: [x23] },
    tolerance: sums,
    expected: [tensor([2, 1], [2, 5])],
  },
  {
    name: 'ReduceMax axes [0] keepdims=0 hand-worked',
    call: { opType: 'ReduceMax', attributes: { axes: [0], keepdims: 0 }, inputs: [x23] },
    tolerance: exact,
    expected: [tensor([3], [4, 5, 6])],
  },
  {
    name: 'ReduceMean of everything (no axes) hand-worked',
    call: { opType: 'ReduceMean', inputs: [x23] },
    tolerance: sums,
    expected: [tensor([1, 1], [3.5])],
  },
  {
    name: 'ReduceMean axes as an input (opset 18), negative axis, keepdims=0',
    call: { opType: 'ReduceMean', attributes: { keepdims: 0 }, inputs: [x23, int64Tensor([1], [-1])] },
    tolerance: sums,
    expected: [tensor([2], [2, 5])],
  },
  {
    name: 'ReduceMax noop_with_empty_axes is the identity',
    call: { opType: 'ReduceMax', attributes: { noop_with_empty_axes: 1 }, inputs: [x23, int64Tensor([0], [])] },
    tolerance: exact,
    expected: [x23],
  },
  {
    name: 'ReduceSum axes input hand-worked',
    call: { opType: 'ReduceSum', inputs: [x23, int64Tensor([1], [0])] },
    tolerance: sums,
    expected: [tensor([1, 3], [5, 7, 9])],
  },
  {
    name: 'ReduceMin all axes keepdims=0 gives a scalar',
    call: { opType: 'ReduceMin', attributes: { keepdims: 0 }, inputs: [tensor([2, 2], [3, -1, 7, 0])] },
    tolerance: exact,
    expected: [tensor([], [-1])],
  },
  {
    // Global average pooling as exported: mean over H and W of NCHW, keepdims.
    name: 'ReduceMean axes [2,3] (global average pool) hand-worked',
    call: { opType: 'ReduceMean', attributes: { axes: [2, 3] }, inputs: [tensor([1, 2, 2, 2], [1, 2, 3, 4, -1, -1, -1, 3])] },
    tolerance: sums,
    expected: [tensor([1, 2, 1, 1], [2.5, 0])],
  },
];

const axesGrid: number[][] = [[0], [1], [3], [-1], [1, 2], [0, 3], [2, 3], [0, 1, 2, 3], [-3, -1]];
const grid: OpCase[] = [];
for (const op of ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum']) {
  axesGrid.forEach((axes, i) => {
    for (const keepdims of [0, 1]) {
      // ReduceSum takes axes as an input (opset 13); the others as an attribute (opset 13 form).
      const asInput = op === 'ReduceSum';
      grid.push({
        name: `${op} [2,3,5,7] axes [${axes}] keepdims=${keepdims}`,
        call: {
          opType: op,
          attributes: asInput ? { keepdims } : { axes, keepdims },
          inputs: asInput ? [randomTensor([2, 3, 5, 7], 100 + i), int64Tensor([axes.length], axes)] : [randomTensor([2, 3, 5, 7], 100 + i)],
        },
        tolerance: tolOf(op),
      });
    }
  });
}
grid.push({
  name: 'ReduceMax over a rank-8 tensor axes [1,4,7]',
  call: { opType: 'ReduceMax', attributes: { axes: [1, 4, 7] }, inputs: [randomTensor([2, 3, 1, 2, 3, 2, 1, 3], 200)] },
  tolerance: exact,
});

export const cases: OpCase[] = [...handWorked, ...grid];

export const invalidCases: InvalidCase[] = [
  {
    name: 'ReduceMean axis out of range',
    call: { opType: 'ReduceMean', name: 'rm', attributes: { axes: [2] }, inputs: [x23] },
    messageMatches: [/rm/, /ReduceMean/, /axes/, /\[2\]/, /rank 2/],
  },
  {
    name: 'ReduceMax repeated axes',
    call: { opType: 'ReduceMax', name: 'rx', attributes: { axes: [1, -1] }, inputs: [x23] },
    messageMatches: [/rx/, /ReduceMax/, /axes/, /\[1, -1\]/, /repeats/],
  },
  {
    name: 'ReduceMean axes both as attribute and input',
    call: { opType: 'ReduceMean', name: 'rm', attributes: { axes: [1] }, inputs: [x23, int64Tensor([1], [1])] },
    messageMatches: [/rm/, /ReduceMean/, /axes/, /both/],
  },
  {
    name: 'ReduceMean keepdims=2',
    call: { opType: 'ReduceMean', name: 'rm', attributes: { keepdims: 2 }, inputs: [x23] },
    messageMatches: [/rm/, /ReduceMean/, /keepdims=2/],
  },
  {
    name: 'ReduceMax of an empty axis',
    call: { opType: 'ReduceMax', name: 'rx', attributes: { axes: [1] }, inputs: [tensor([2, 0], [])] },
    messageMatches: [/rx/, /ReduceMax/, /\[2x0\]/, /empty/],
  },
  {
    name: 'ReduceMean of int64',
    call: { opType: 'ReduceMean', name: 'rm', inputs: [int64Tensor([2], [1, 2])] },
    messageMatches: [/rm/, /ReduceMean/, /input data/, /int64/],
  },
];
