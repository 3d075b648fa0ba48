/**
 * Softmax (opset 13: one axis).
 * Tolerance (GPU vs CPU): 1e-6 absolute + 1e-6 relative. Outputs lie in [0, 1]; the CPU reference
 * works in float64, the GPU in f32, where exp() of a non-positive argument and the running sum
 * over at most 21 terms each cost a few ULP of a value <= 1.
 */
import { tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-6, rtol: 1e-6 };

/** Hand-worked expectations (the exponentials below are exact by construction). */
const handWorked: OpCase[] = [
  {
    // exp of [0, ln2, ln4] is [1, 2, 4], so the result is [1, 2, 4] / 7.
    name: 'hand-worked [0, ln2, ln4]',
    call: { opType: 'Softmax', inputs: [tensor([3], [0, Math.LN2, 2 * Math.LN2])] },
    tolerance: tol,
    expected: [tensor([3], [1 / 7, 2 / 7, 4 / 7])],
    expectedTolerance: { atol: 1e-6, rtol: 1e-6 },
  },
  {
    // Columns (axis 0): [0, ln3] → [1, 3]/4; [0, 0] → [1/2, 1/2].
    name: 'hand-worked axis 0 of a 2x2',
    call: { opType: 'Softmax', attributes: { axis: 0 }, inputs: [tensor([2, 2], [0, 0, Math.log(3), 0])] },
    tolerance: tol,
    expected: [tensor([2, 2], [0.25, 0.5, 0.75, 0.5])],
    expectedTolerance: { atol: 1e-6, rtol: 1e-6 },
  },
  {
    // e^-200 underflows f32 to 0: [[1, 0], [0, 1]]. Without subtracting the max, e^100 alone is 2.7e43: inf in f32.
    name: 'hand-worked logits ±100',
    call: { opType: 'Softmax', inputs: [tensor([2, 2], [100, -100, -100, 100])] },
    tolerance: tol,
    expected: [tensor([2, 2], [1, 0, 0, 1])],
  },
  {
    // [1e4, -1e4, 1e4] → [1/2, 0, 1/2]; [-1e4, -1e4, -1e4] → 1/3 each (naive exp would give 0/0).
    name: 'hand-worked logits ±1e4',
    call: { opType: 'Softmax', inputs: [tensor([2, 3], [1e4, -1e4, 1e4, -1e4, -1e4, -1e4])] },
    tolerance: tol,
    expected: [tensor([2, 3], [0.5, 0, 0.5, 1 / 3, 1 / 3, 1 / 3])],
  },
  {
    name: 'hand-worked all-equal row is uniform',
    call: { opType: 'Softmax', inputs: [tensor([1, 5], [3, 3, 3, 3, 3])] },
    tolerance: tol,
    expected: [tensor([1, 5], [0.2, 0.2, 0.2, 0.2, 0.2])],
  },
  {
    name: 'hand-worked lines of length 1 are all ones',
    call: { opType: 'Softmax', attributes: { axis: 1 }, inputs: [tensor([2, 1, 3], [-5, 0, 7, 1e4, -1e4, 2])] },
    tolerance: tol,
    expected: [tensor([2, 1, 3], [1, 1, 1, 1, 1, 1])],
  },
];

/** Ranks 2-4, odd sizes, batch 2, every axis (positive and negative). */
const grid: [number[], number[]][] = [
  [[3, 17], [0, 1, -1, -2]],
  [[2, 21, 13], [0, 1, 2, -1, -2, -3]],
  [[2, 5, 7, 9], [0, 1, 2, 3, -1, -2, -3, -4]],
  [[1, 1, 3, 1], [2, -2, 3]],
];

const gridCases: OpCase[] = grid.flatMap(([shape, axes], si) =>
  axes.flatMap((axis) =>
    ([[-5, 5], [-40, 40]] as const).map(([lo, hi], ri) => ({
      name: `${shape.join('x')} axis ${axis} logits in [${lo}, ${hi}]`,
      call: { opType: 'Softmax', attributes: { axis }, inputs: [randomTensor(shape, 1000 + 37 * si + 5 * axis + ri, lo, hi)] },
      tolerance: tol,
    })),
  ),
);

const segmentation: OpCase[] = [
  {
    name: 'class scores 2x21x16x17 over channels (axis 1)',
    call: { opType: 'Softmax', attributes: { axis: 1 }, inputs: [randomTensor([2, 21, 16, 17], 77, -10, 10)] },
    tolerance: tol,
  },
  {
    name: 'default axis (-1) on 2x3x4x33',
    call: { opType: 'Softmax', inputs: [randomTensor([2, 3, 4, 33], 78, -10, 10)] },
    tolerance: tol,
  },
];

export const cases: OpCase[] = [...handWorked, ...gridCases, ...segmentation];

export const invalidCases: InvalidCase[] = [
  {
    name: 'axis 4 on a rank-4 input',
    call: { opType: 'Softmax', name: 'sm1', attributes: { axis: 4 }, inputs: [randomTensor([1, 2, 3, 4], 1)] },
    messageMatches: [/sm1/, /Softmax/, /axis=4/, /rank-4/],
  },
  {
    name: 'axis -3 on a rank-2 input',
    call: { opType: 'Softmax', name: 'sm2', attributes: { axis: -3 }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/sm2/, /Softmax/, /axis=-3/, /rank-2/],
  },
  {
    name: 'axis that is not an integer',
    call: { opType: 'Softmax', name: 'sm3', attributes: { axis: 1.5 }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/sm3/, /Softmax/, /axis=1\.5/],
  },
  {
    name: 'unknown attribute',
    call: { opType: 'Softmax', name: 'sm4', attributes: { axes: [1] }, inputs: [randomTensor([2, 3], 1)] },
    messageMatches: [/sm4/, /Softmax/, /axes=\[1\]/],
  },
  {
    name: 'scalar input',
    call: { opType: 'Softmax', name: 'sm5', inputs: [tensor([], [1])] },
    messageMatches: [/sm5/, /Softmax/, /input/, /scalar/],
  },
];
