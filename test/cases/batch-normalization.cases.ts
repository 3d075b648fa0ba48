/**
 * BatchNormalization (inference).
 * Tolerance (GPU vs CPU): 1e-5 absolute + 1e-5 relative. The CPU reference works in float64;
 * the GPU rounds five f32 steps (subtract, multiply, add, sqrt and a division, the last two
 * within 2.5 ULP each). With variances down to 0.01 the normalised values reach ~80 before B is
 * added back, so a few ULP of the intermediate is a few 1e-6 absolute in the result.
 */
import { int32Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-5, rtol: 1e-5 };

/** Random per-channel parameters; variances positive. */
function parameters(channels: number, seed: number): Tensor[] {
  return [
    randomTensor([channels], seed, -2, 2),
    randomTensor([channels], seed + 1, -1, 1),
    randomTensor([channels], seed + 2, -1, 1),
    randomTensor([channels], seed + 3, 0.01, 2),
  ];
}

const handWorked: OpCase[] = [
  {
    // epsilon 0, so sd = [2, 1]. Channel 0: 2(1-2)/2 + 1 = 0, 2(3-2)/2 + 1 = 2;
    // channel 1: 0.5(0-2)/1 - 1 = -2, 0.5(4-2)/1 - 1 = 0.
    name: 'hand-worked NCHW 1x2x1x2, epsilon 0',
    call: {
      opType: 'BatchNormalization',
      attributes: { epsilon: 0 },
      inputs: [tensor([1, 2, 1, 2], [1, 3, 0, 4]), tensor([2], [2, 0.5]), tensor([2], [1, -1]), tensor([2], [2, 2]), tensor([2], [4, 1])],
    },
    tolerance: tol,
    expected: [tensor([1, 2, 1, 2], [0, 2, -2, 0])],
  },
  {
    // Default epsilon 1e-5: var + eps = [1, 4, 0.25], sd = [1, 2, 0.5]; scale 1, B = [0, 0.5, -1],
    // mean = [0, 1, 2]. Row [1, 2, 3] → [1, 1/2 + 1/2, 1/0.5 - 1] = [1, 1, 1];
    // row [0, 0, 0] → [0, -1/2 + 1/2, -2/0.5 - 1] = [0, 0, -5].
    name: 'hand-worked rank 2 (N, C), default epsilon',
    call: {
      opType: 'BatchNormalization',
      inputs: [
        tensor([2, 3], [1, 2, 3, 0, 0, 0]),
        tensor([3], [1, 1, 1]),
        tensor([3], [0, 0.5, -1]),
        tensor([3], [0, 1, 2]),
        tensor([3], [0.99999, 3.99999, 0.24999]),
      ],
    },
    tolerance: tol,
    expected: [tensor([2, 3], [1, 1, 1, 0, 0, -5])],
  },
  {
    // Mean 0, var 1, epsilon 0: scale [1, -1] and B [0, 10] give [1, 2, 3] and [10-4, 10-5, 10-6].
    name: 'hand-worked rank 3 (N, C, L), epsilon 0',
    call: {
      opType: 'BatchNormalization',
      attributes: { epsilon: 0, training_mode: 0 },
      inputs: [tensor([1, 2, 3], [1, 2, 3, 4, 5, 6]), tensor([2], [1, -1]), tensor([2], [0, 10]), tensor([2], [0, 0]), tensor([2], [1, 1])],
    },
    tolerance: tol,
    expected: [tensor([1, 2, 3], [1, 2, 3, 6, 5, 4])],
  },
];

/** Ranks 2-5, odd sizes, batch 2, both epsilons, momentum/training_mode given or not. */
const shapes: number[][] = [[2, 3], [2, 5, 7], [2, 3, 7, 9], [1, 16, 8, 8], [2, 5, 1, 1], [2, 3, 2, 3, 5]];
const attributeSets: { label: string; attributes?: Record<string, number> }[] = [
  { label: 'defaults' },
  { label: 'epsilon 1e-3, momentum 0.5, training_mode 0', attributes: { epsilon: 1e-3, momentum: 0.5, training_mode: 0 } },
];

const grid: OpCase[] = shapes.flatMap((shape, si) =>
  attributeSets.map((a, ai) => ({
    name: `${shape.join('x')} ${a.label}`,
    call: {
      opType: 'BatchNormalization',
      attributes: a.attributes,
      inputs: [randomTensor(shape, 300 + 10 * si + ai, -3, 3), ...parameters(shape[1], 400 + 10 * si + ai)],
    },
    tolerance: tol,
  })),
);

export const cases: OpCase[] = [...handWorked, ...grid];

const x = randomTensor([2, 3, 4, 5], 1);
export const invalidCases: InvalidCase[] = [
  {
    name: 'training_mode 1',
    call: { opType: 'BatchNormalization', name: 'bn1', attributes: { training_mode: 1 }, inputs: [x, ...parameters(3, 1)] },
    messageMatches: [/bn1/, /BatchNormalization/, /training_mode=1/],
  },
  {
    name: 'input_var of the wrong length',
    call: { opType: 'BatchNormalization', name: 'bn2', inputs: [x, ...parameters(3, 1).slice(0, 3), randomTensor([4], 2, 0.1, 1)] },
    messageMatches: [/bn2/, /BatchNormalization/, /input input_var/, /\[4\]/, /\[3\]/],
  },
  {
    name: 'scale of rank 2',
    call: { opType: 'BatchNormalization', name: 'bn3', inputs: [x, randomTensor([3, 1], 3), ...parameters(3, 1).slice(1)] },
    messageMatches: [/bn3/, /BatchNormalization/, /input scale/, /\[3x1\]/],
  },
  {
    name: 'missing input_mean',
    call: { opType: 'BatchNormalization', name: 'bn4', inputs: [x, ...parameters(3, 1).slice(0, 2)] },
    messageMatches: [/bn4/, /BatchNormalization/, /input_mean/, /missing/],
  },
  {
    name: 'rank-1 X',
    call: { opType: 'BatchNormalization', name: 'bn5', inputs: [randomTensor([3], 1), ...parameters(3, 1)] },
    messageMatches: [/bn5/, /BatchNormalization/, /input X/, /\[3\]/],
  },
  {
    name: 'negative epsilon',
    call: { opType: 'BatchNormalization', name: 'bn6', attributes: { epsilon: -1 }, inputs: [x, ...parameters(3, 1)] },
    messageMatches: [/bn6/, /BatchNormalization/, /epsilon=-1/],
  },
  {
    name: 'opset-7 attribute spatial',
    call: { opType: 'BatchNormalization', name: 'bn7', attributes: { spatial: 1 }, inputs: [x, ...parameters(3, 1)] },
    messageMatches: [/bn7/, /BatchNormalization/, /spatial=1/],
  },
  {
    name: 'int32 B',
    call: { opType: 'BatchNormalization', name: 'bn8', inputs: [x, parameters(3, 1)[0], int32Tensor([3], [0, 1, 2]), ...parameters(3, 1).slice(2)] },
    messageMatches: [/bn8/, /BatchNormalization/, /input B/, /int32/],
  },
];
