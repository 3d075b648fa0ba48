/**
 * Concat cases. Tolerance: exact (atol 0, rtol 0). Concat only moves elements (the GPU copies raw
 * 32-bit words), so any difference at all is a bug.
 */
import { int32Tensor, int64Tensor, sizeOf, tensor, type Shape, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

function randomInt32(shape: Shape, seed: number): Tensor<'int32'> {
  const next = rng(seed);
  return int32Tensor(shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 2000) - 1000));
}

function randomInt64(shape: Shape, seed: number): Tensor<'int64'> {
  const next = rng(seed);
  return int64Tensor(shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 2000) - 1000));
}

const handWorked: OpCase[] = [
  {
    name: 'hand-worked 2x2 and 1x2 along axis 0',
    call: { opType: 'Concat', attributes: { axis: 0 }, inputs: [tensor([2, 2], [1, 2, 3, 4]), tensor([1, 2], [5, 6])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([3, 2], [1, 2, 3, 4, 5, 6])],
  },
  {
    name: 'hand-worked 2x2 and 2x3 along axis -1',
    call: { opType: 'Concat', attributes: { axis: -1 }, inputs: [tensor([2, 2], [1, 2, 3, 4]), tensor([2, 3], [5, 6, 7, 8, 9, 10])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 5], [1, 2, 5, 6, 7, 3, 4, 8, 9, 10])],
  },
  {
    name: 'hand-worked three inputs along axis 1, one of them empty',
    call: {
      opType: 'Concat',
      attributes: { axis: 1 },
      inputs: [tensor([2, 1, 2], [1, 2, 3, 4]), tensor([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]), tensor([2, 0, 2], [])],
    },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 3, 2], [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])],
  },
  {
    name: 'hand-worked int64 shape vectors (constant-folding use)',
    call: { opType: 'Concat', attributes: { axis: 0 }, inputs: [int64Tensor([2], [1, 3]), int64Tensor([1], [-1]), int64Tensor([0], [])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [int64Tensor([3], [1, 3, -1])],
  },
  {
    name: 'hand-worked int32 along axis 1',
    call: { opType: 'Concat', attributes: { axis: 1 }, inputs: [int32Tensor([2, 1], [-7, 8]), int32Tensor([2, 2], [1, 2, 3, 4])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [int32Tensor([2, 3], [-7, 1, 2, 8, 3, 4])],
  },
  {
    name: 'hand-worked single input is a copy',
    call: { opType: 'Concat', attributes: { axis: 0 }, inputs: [tensor([3], [-0.5, 2.25, 1e-30])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([3], [-0.5, 2.25, 1e-30])],
  },
];

/** Odd sizes, batch 2, rank 2 to 5; every axis in both spellings; 1 to 4 inputs of unequal extents. */
const BASE_SHAPES: Shape[] = [[3, 5], [2, 3, 5], [2, 3, 5, 7], [2, 3, 2, 3, 5]];
const AXIS_EXTENTS = [3, 1, 2, 5];

const grid: OpCase[] = BASE_SHAPES.flatMap((base, r) => {
  const rank = base.length;
  const out: OpCase[] = [];
  for (let axis = -rank; axis < rank; axis++) {
    const a = axis < 0 ? axis + rank : axis;
    const count = 1 + ((a + (axis < 0 ? 2 : 0)) % 4);
    const shapes = Array.from({ length: count }, (_, i) => base.map((d, k) => (k === a ? AXIS_EXTENTS[(i + r) % 4] : d)));
    out.push({
      name: `float32 rank ${rank}, ${count} input(s) ${shapes.map((s) => s.join('x')).join(' + ')}, axis ${axis}`,
      call: { opType: 'Concat', attributes: { axis }, inputs: shapes.map((s, i) => randomTensor(s, 100 * r + 10 * a + i)) },
      tolerance: exact,
    });
  }
  return out;
});

const special: OpCase[] = [
  {
    name: 'int64 rank 3 along axis 2 with an empty input in the middle',
    call: { opType: 'Concat', attributes: { axis: 2 }, inputs: [randomInt64([2, 3, 5], 1), randomInt64([2, 3, 0], 2), randomInt64([2, 3, 3], 3)] },
    tolerance: exact,
  },
  {
    name: 'int32 rank 4 along axis -3',
    call: { opType: 'Concat', attributes: { axis: -3 }, inputs: [randomInt32([2, 1, 3, 5], 4), randomInt32([2, 4, 3, 5], 5)] },
    tolerance: exact,
  },
  {
    name: 'empty output (a non-axis dimension is 0)',
    call: { opType: 'Concat', attributes: { axis: 1 }, inputs: [tensor([0, 3], []), tensor([0, 2], [])] },
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([0, 5], [])],
  },
  {
    name: 'U-Net skip join: 2x4x9x7 and 2x3x9x7 along channels',
    call: { opType: 'Concat', attributes: { axis: 1 }, inputs: [randomTensor([2, 4, 9, 7], 6), randomTensor([2, 3, 9, 7], 7)] },
    tolerance: exact,
  },
];

export const cases: OpCase[] = [...handWorked, ...grid, ...special];

const x = randomTensor([2, 3, 5], 1);
export const invalidCases: InvalidCase[] = [
  {
    name: 'axis missing',
    call: { opType: 'Concat', name: 'cat1', inputs: [x, x] },
    messageMatches: [/cat1/, /Concat/, /axis/, /required/],
  },
  {
    name: 'axis 3 out of range for rank 3',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 3 }, inputs: [x, x] },
    messageMatches: [/cat1/, /Concat/, /axis=3/, /rank-3/],
  },
  {
    name: 'axis -4 out of range for rank 3',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: -4 }, inputs: [x, x] },
    messageMatches: [/cat1/, /Concat/, /axis=-4/, /out of range/],
  },
  {
    name: 'axis not an integer',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 1.5 }, inputs: [x, x] },
    messageMatches: [/cat1/, /Concat/, /axis=1\.5/, /integer/],
  },
  {
    name: 'scalar inputs',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 0 }, inputs: [tensor([], [1]), tensor([], [2])] },
    messageMatches: [/cat1/, /Concat/, /axis=0/, /rank-0/],
  },
  {
    name: 'ranks differ',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 1 }, inputs: [x, randomTensor([2, 3, 5, 1], 2)] },
    messageMatches: [/cat1/, /Concat/, /input 1/, /\[2x3x5x1\]/, /\[2x3x5\]/],
  },
  {
    name: 'a non-axis dimension differs',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 1 }, inputs: [x, x, randomTensor([2, 3, 4], 3)] },
    messageMatches: [/cat1/, /Concat/, /input 2/, /\[2x3x4\]/, /\[2x3x5\]/, /dimension 2/],
  },
  {
    name: 'dtypes differ',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 0 }, inputs: [int64Tensor([1], [1]), tensor([1], [1])] },
    messageMatches: [/cat1/, /Concat/, /input 1/, /float32/, /int64/],
  },
  {
    name: 'no inputs',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 0 }, inputs: [] },
    messageMatches: [/cat1/, /Concat/, /input 0/, /at least one/],
  },
  {
    name: 'a missing input in the middle',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 0 }, inputs: [x, undefined, x] },
    messageMatches: [/cat1/, /Concat/, /input 1/, /missing/],
  },
  {
    name: 'unknown attribute',
    call: { opType: 'Concat', name: 'cat1', attributes: { axis: 0, axes: [0] }, inputs: [x] },
    messageMatches: [/cat1/, /Concat/, /axes=\[0\]/, /not an attribute/],
  },
];
