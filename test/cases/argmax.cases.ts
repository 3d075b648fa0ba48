/**
 * ArgMax (axis, keepdims, select_last_index). Integer output: compared exactly (the tolerance
 * below is not used for int64 outputs). Grids use tiedTensor, whose values come from a set of 4
 * levels, so most lines contain tied maxima and the first/last rule decides the answer.
 */
import { int64Tensor, tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, tiedTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

/** Hand-worked expectations. */
const handWorked: OpCase[] = [
  {
    name: 'hand-worked tie: first maximum of [3, 1, 3, 2] is 0',
    call: { opType: 'ArgMax', inputs: [tensor([4], [3, 1, 3, 2])] },
    tolerance: exact,
    expected: [int64Tensor([1], [0])],
  },
  {
    name: 'hand-worked tie: last maximum of [3, 1, 3, 2] is 2',
    call: { opType: 'ArgMax', attributes: { select_last_index: 1 }, inputs: [tensor([4], [3, 1, 3, 2])] },
    tolerance: exact,
    expected: [int64Tensor([1], [2])],
  },
  {
    // Rows [1, 5, 5] and [7, 7, 0]: first maxima 1 and 0.
    name: 'hand-worked rows, keepdims 0',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0 }, inputs: [tensor([2, 3], [1, 5, 5, 7, 7, 0])] },
    tolerance: exact,
    expected: [int64Tensor([2], [1, 0])],
  },
  {
    name: 'hand-worked rows, keepdims 0, last index',
    call: { opType: 'ArgMax', attributes: { axis: -1, keepdims: 0, select_last_index: 1 }, inputs: [tensor([2, 3], [1, 5, 5, 7, 7, 0])] },
    tolerance: exact,
    expected: [int64Tensor([2], [2, 1])],
  },
  {
    // Columns of [[1, 5, 5], [7, 7, 0]]: 1 vs 7 → 1; 5 vs 7 → 1; 5 vs 0 → 0.
    name: 'hand-worked columns (default axis 0), keepdims 1',
    call: { opType: 'ArgMax', inputs: [tensor([2, 3], [1, 5, 5, 7, 7, 0])] },
    tolerance: exact,
    expected: [int64Tensor([1, 3], [1, 1, 0])],
  },
  {
    // Class scores [1, 3, 2, 2]; per pixel the scores are [0, 2, 1], [5, 1, 1], [1, 1, 3], [1, 0, 1].
    name: 'hand-worked label map over channels',
    call: { opType: 'ArgMax', attributes: { axis: 1 }, inputs: [tensor([1, 3, 2, 2], [0, 5, 1, 1, 2, 1, 1, 0, 1, 1, 3, 1])] },
    tolerance: exact,
    expected: [int64Tensor([1, 1, 2, 2], [1, 0, 2, 0])],
  },
  {
    name: 'hand-worked label map over channels, last index',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0, select_last_index: 1 }, inputs: [tensor([1, 3, 2, 2], [0, 5, 1, 1, 2, 1, 1, 0, 1, 1, 3, 1])] },
    tolerance: exact,
    expected: [int64Tensor([1, 2, 2], [1, 0, 2, 2])],
  },
  {
    // A line of -inf: every element is a maximum, so 0 (first) or 2 (last); [-inf, -3, -inf] → 1.
    name: 'hand-worked lines of -Infinity',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0, select_last_index: 1 }, inputs: [tensor([2, 3], [-Infinity, -Infinity, -Infinity, -Infinity, -3, -Infinity])] },
    tolerance: exact,
    expected: [int64Tensor([2], [2, 1])],
  },
  {
    name: 'hand-worked lines of -Infinity, first index',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0 }, inputs: [tensor([2, 3], [-Infinity, -Infinity, -Infinity, -Infinity, -3, -Infinity])] },
    tolerance: exact,
    expected: [int64Tensor([2], [0, 1])],
  },
];

/** Ranks 1-4, odd sizes, batch 2, every axis plus a negative one, every keepdims/select_last_index. */
const grid: [number[], number[]][] = [
  [[7], [0, -1]],
  [[3, 17], [0, 1, -1]],
  [[2, 21, 13], [0, 1, 2, -2]],
  [[2, 5, 7, 9], [0, 1, 2, 3, -3]],
];

const gridCases: OpCase[] = grid.flatMap(([shape, axes], si) =>
  axes.flatMap((axis) =>
    [0, 1].flatMap((keepdims) =>
      [0, 1].map((selectLast) => ({
        name: `${shape.join('x')} axis ${axis} keepdims ${keepdims} select_last_index ${selectLast}`,
        call: {
          opType: 'ArgMax',
          attributes: { axis, keepdims, select_last_index: selectLast },
          inputs: [tiedTensor(shape, 500 + 13 * si + axis)],
        },
        tolerance: exact,
      })),
    ),
  ),
);

const segmentation: OpCase[] = [
  {
    name: 'label map of class scores 2x21x16x17 (axis 1, no ties)',
    call: { opType: 'ArgMax', attributes: { axis: 1, keepdims: 0 }, inputs: [randomTensor([2, 21, 16, 17], 91, -10, 10)] },
    tolerance: exact,
  },
  {
    name: 'label map of tied class scores 2x21x16x17 (axis 1, last index)',
    call: { opType: 'ArgMax', attributes: { axis: 1, select_last_index: 1 }, inputs: [tiedTensor([2, 21, 16, 17], 92, 3)] },
    tolerance: exact,
  },
];

export const cases: OpCase[] = [...handWorked, ...gridCases, ...segmentation];

export const invalidCases: InvalidCase[] = [
  {
    name: 'axis 3 on a rank-3 input',
    call: { opType: 'ArgMax', name: 'am1', attributes: { axis: 3 }, inputs: [randomTensor([2, 3, 4], 1)] },
    messageMatches: [/am1/, /ArgMax/, /axis=3/, /rank-3/],
  },
  {
    name: 'axis -4 on a rank-3 input',
    call: { opType: 'ArgMax', name: 'am2', attributes: { axis: -4 }, inputs: [randomTensor([2, 3, 4], 1)] },
    messageMatches: [/am2/, /ArgMax/, /axis=-4/, /rank-3/],
  },
  {
    name: 'select_last_index 2',
    call: { opType: 'ArgMax', name: 'am3', attributes: { select_last_index: 2 }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/am3/, /ArgMax/, /select_last_index=2/, /0 or 1/],
  },
  {
    name: 'keepdims -1',
    call: { opType: 'ArgMax', name: 'am4', attributes: { keepdims: -1 }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/am4/, /ArgMax/, /keepdims=-1/, /0 or 1/],
  },
  {
    name: 'unknown attribute',
    call: { opType: 'ArgMax', name: 'am5', attributes: { axes: [0] }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/am5/, /ArgMax/, /axes=\[0\]/],
  },
  {
    name: 'empty reduction axis',
    call: { opType: 'ArgMax', name: 'am6', attributes: { axis: 1 }, inputs: [tensor([2, 0], [])] },
    messageMatches: [/am6/, /ArgMax/, /data/, /\[2x0\]/, /empty/],
  },
];
