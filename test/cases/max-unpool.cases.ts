/**
 * MaxUnpool. Tolerance: exact (it only moves input values and writes zeros).
 *
 * Indices come from the CPU MaxPool reference run over tied data (overlapping windows give
 * duplicate indices; both writers then carry the same pooled value, so the GPU result is
 * deterministic), or are unique by construction.
 */
import { runOpCpu } from '../../src/ops/call.js';
import type { Attributes } from '../../src/ir/attributes.js';
import { int64Tensor, sizeOf, tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, rng, tiedTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

function label(attrs: Attributes): string {
  return Object.entries(attrs)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}

/** MaxPool then MaxUnpool with the same kernel, strides and pads; output_shape restores X's shape. */
function roundTrip(shape: number[], pool: Attributes, seed: number, withOutputShape: boolean): OpCase {
  const [pooled, indices] = runOpCpu({ opType: 'MaxPool', attributes: pool, inputs: [tiedTensor(shape, seed)] });
  const { kernel_shape, strides, pads } = pool;
  const attributes: Attributes = { kernel_shape, ...(strides ? { strides } : {}), ...(pads ? { pads } : {}) };
  return {
    name: `MaxUnpool of MaxPool ${shape.join('x')} ${label(pool)}${withOutputShape ? ' output_shape' : ''}`,
    call: { opType: 'MaxUnpool', attributes, inputs: [pooled, indices, withOutputShape ? int64Tensor([4], shape) : undefined] },
    tolerance: exact,
  };
}

/** `count` distinct flat indices into `total`, in random order. */
function uniqueIndices(count: number, total: number, seed: number): number[] {
  const next = rng(seed);
  const all = Array.from({ length: total }, (_, i) => i);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}

const SHAPE = [2, 3, 7, 9];
const grid: OpCase[] = [];
let seed = 700;
for (const kernel_shape of [[2, 2], [3, 3], [2, 3]]) {
  for (const strides of [[1, 1], [2, 2], [3, 3]]) {
    for (const pads of [undefined, [1, 0, 0, 1]]) {
      for (const ceil_mode of [0, 1]) {
        grid.push(roundTrip(SHAPE, { kernel_shape, strides, ...(pads ? { pads } : {}), ceil_mode }, seed++, true));
      }
    }
  }
}

function unpoolOfRandomValues(xShape: number[], outShape: number[], attributes: Attributes, seed: number): OpCase {
  const x: Tensor = randomTensor(xShape, seed);
  const indices = int64Tensor(xShape, uniqueIndices(sizeOf(xShape), sizeOf(outShape), seed + 1));
  return {
    name: `MaxUnpool unique random indices (across planes) ${xShape.join('x')} -> ${outShape.join('x')} ${label(attributes)}`,
    call: { opType: 'MaxUnpool', attributes, inputs: [x, indices, int64Tensor([4], outShape)] },
    tolerance: exact,
  };
}

export const cases: OpCase[] = [
  {
    // MaxPool 2x2 stride 2 of a 4x4 plane chose flat positions 5, 2, 8, 15 for values 1, 2, 3, 4.
    // Default output size (2 - 1) * 2 + 2 = 4 per axis; everything else is 0.
    name: 'MaxUnpool hand-worked 2x2 -> 4x4',
    call: {
      opType: 'MaxUnpool',
      attributes: { kernel_shape: [2, 2], strides: [2, 2] },
      inputs: [tensor([1, 1, 2, 2], [1, 2, 3, 4]), int64Tensor([1, 1, 2, 2], [5, 2, 8, 15])],
    },
    tolerance: exact,
    expected: [tensor([1, 1, 4, 4], [0, 0, 2, 0, 0, 1, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4])],
    expectedTolerance: exact,
  },
  {
    // A 5x5 plane pooled 2x2 stride 2 gives 2x2; the default size would be 4x4, output_shape
    // restores 5x5 and the indices (positions (1,1), (0,3), (2,0), (3,3) -> 6, 3, 10, 18) are flat in it.
    name: 'MaxUnpool hand-worked with output_shape 5x5',
    call: {
      opType: 'MaxUnpool',
      attributes: { kernel_shape: [2, 2], strides: [2, 2] },
      inputs: [tensor([1, 1, 2, 2], [7, -8, 9, 0.5]), int64Tensor([1, 1, 2, 2], [6, 3, 10, 18]), int64Tensor([4], [1, 1, 5, 5])],
    },
    tolerance: exact,
    expected: [
      tensor([1, 1, 5, 5], [
        0, 0, 0, -8, 0,
        0, 7, 0, 0, 0,
        9, 0, 0, 0, 0,
        0, 0, 0, 0.5, 0,
        0, 0, 0, 0, 0,
      ]),
    ],
    expectedTolerance: exact,
  },
  {
    // Indices are a flat scatter over N*C*H*W: channel 0's value may land in channel 1's plane.
    // X (1x2x1x1) = [7, 8], I = [3, 0], kernel 1x2: output 1x2x1x2, y[3] = 7, y[0] = 8.
    name: 'MaxUnpool hand-worked index into another channel plane',
    call: {
      opType: 'MaxUnpool',
      attributes: { kernel_shape: [1, 2] },
      inputs: [tensor([1, 2, 1, 1], [7, 8]), int64Tensor([1, 2, 1, 1], [3, 0])],
    },
    tolerance: exact,
    expected: [tensor([1, 2, 1, 2], [8, 0, 0, 7])],
    expectedTolerance: exact,
  },
  ...grid,
  // Sizes the default formula recovers: no output_shape needed.
  roundTrip([2, 3, 8, 10], { kernel_shape: [2, 2], strides: [2, 2] }, 800, false),
  roundTrip([2, 3, 9, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 801, false),
  roundTrip([1, 2, 6, 6], { kernel_shape: [3, 2], strides: [1, 2] }, 802, false),
  unpoolOfRandomValues([2, 3, 3, 4], [2, 3, 7, 9], { kernel_shape: [2, 2], strides: [2, 2] }, 803),
  unpoolOfRandomValues([1, 4, 5, 5], [1, 4, 11, 11], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1] }, 804),
];

const x = tensor([1, 1, 2, 2], [1, 2, 3, 4]);

export const invalidCases: InvalidCase[] = [
  {
    name: 'MaxUnpool index past the end of the output',
    call: { opType: 'MaxUnpool', name: 'unpool1', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x, int64Tensor([1, 1, 2, 2], [5, 2, 16, 15])] },
    messageMatches: [/unpool1/, /MaxUnpool/, /input I/, /16/, /position \[0, 0, 1, 0\]/, /\[1x1x4x4\]/],
  },
  {
    name: 'MaxUnpool negative index',
    call: { opType: 'MaxUnpool', name: 'unpool2', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x, int64Tensor([1, 1, 2, 2], [5, -1, 8, 15])] },
    messageMatches: [/unpool2/, /MaxUnpool/, /input I/, /-1/, /position \[0, 0, 0, 1\]/],
  },
  {
    name: 'MaxUnpool index out of range of a given output_shape',
    call: {
      opType: 'MaxUnpool',
      name: 'unpool3',
      attributes: { kernel_shape: [2, 2], strides: [2, 2] },
      inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 9]), int64Tensor([4], [1, 1, 3, 3])],
    },
    messageMatches: [/unpool3/, /MaxUnpool/, /input I/, /holds 9/, /\[1x1x3x3\]/],
  },
  {
    name: 'MaxUnpool missing kernel_shape',
    call: { opType: 'MaxUnpool', name: 'unpool4', attributes: { strides: [2, 2] }, inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 3])] },
    messageMatches: [/unpool4/, /MaxUnpool/, /kernel_shape/, /required/],
  },
  {
    name: 'MaxUnpool strides of the wrong length',
    call: { opType: 'MaxUnpool', name: 'unpool5', attributes: { kernel_shape: [2, 2], strides: [2] }, inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 3])] },
    messageMatches: [/unpool5/, /MaxUnpool/, /strides/, /\[2\]/, /2 values/],
  },
  {
    name: 'MaxUnpool negative pads',
    call: { opType: 'MaxUnpool', name: 'unpool6', attributes: { kernel_shape: [2, 2], pads: [0, 0, -1, 0] }, inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 3])] },
    messageMatches: [/unpool6/, /MaxUnpool/, /pads/, /-1/, /negative/],
  },
  {
    name: 'MaxUnpool pads that leave no output',
    call: { opType: 'MaxUnpool', name: 'unpool7', attributes: { kernel_shape: [1, 1], pads: [1, 0, 1, 0] }, inputs: [tensor([1, 1, 1, 2], [1, 2]), int64Tensor([1, 1, 1, 2], [0, 1])] },
    messageMatches: [/unpool7/, /MaxUnpool/, /pads/, /\[1, 0, 1, 0\]/, /output size of -1/],
  },
  {
    name: 'MaxUnpool I of another shape',
    call: { opType: 'MaxUnpool', name: 'unpool8', attributes: { kernel_shape: [2, 2] }, inputs: [x, int64Tensor([1, 1, 4], [0, 1, 2, 3])] },
    messageMatches: [/unpool8/, /MaxUnpool/, /input I/, /\[1x1x4\]/, /\[1x1x2x2\]/],
  },
  {
    name: 'MaxUnpool output_shape with another channel count',
    call: {
      opType: 'MaxUnpool',
      name: 'unpool9',
      attributes: { kernel_shape: [2, 2], strides: [2, 2] },
      inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 3]), int64Tensor([4], [1, 2, 4, 4])],
    },
    messageMatches: [/unpool9/, /MaxUnpool/, /output_shape/, /\[1, 2, 4, 4\]/, /N and C/],
  },
  {
    name: 'MaxUnpool auto_pad is not an attribute',
    call: { opType: 'MaxUnpool', name: 'unpool10', attributes: { kernel_shape: [2, 2], auto_pad: 'VALID' }, inputs: [x, int64Tensor([1, 1, 2, 2], [0, 1, 2, 3])] },
    messageMatches: [/unpool10/, /MaxUnpool/, /auto_pad/, /not an attribute/],
  },
];
