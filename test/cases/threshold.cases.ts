import { int64Tensor, tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

export const cases: OpCase[] = [
  {
    name: 'hand-worked: above 0.5 is 1, a tie at 0.5 is background',
    call: { opType: 'Threshold', inputs: [tensor([1, 1, 2, 3], [0, 0.5, 0.50001, 1, 0.49, 0.9])] },
    tolerance: exact,
    expected: [int64Tensor([1, 2, 3], [0, 0, 1, 1, 0, 1])],
  },
  {
    name: 'hand-worked: threshold 0.25',
    call: { opType: 'Threshold', attributes: { threshold: 0.25 }, inputs: [tensor([1, 1, 1, 3], [0.2, 0.25, 0.3])] },
    tolerance: exact,
    expected: [int64Tensor([1, 1, 3], [0, 0, 1])],
  },
  {
    name: 'random 2x1x17x23',
    call: { opType: 'Threshold', inputs: [randomTensor([2, 1, 17, 23], 3, 0, 1)] },
    tolerance: exact,
  },
];

export const invalidCases: InvalidCase[] = [
  {
    name: 'two channels',
    call: { opType: 'Threshold', name: 'thr', inputs: [randomTensor([1, 2, 4, 4], 1)] },
    messageMatches: [/thr/, /Threshold/, /input X/, /\[1x2x4x4\]/],
  },
];
