/**
 * Slice cases. Tolerance: exact (atol 0, rtol 0). Slice only moves elements (the GPU gathers raw
 * 32-bit words), so any difference at all is a bug.
 */
import { int32Tensor, int64Tensor, sizeOf, tensor, type Shape, type Tensor } from '../../src/core/tensor.js';
import type { OpCall } from '../../src/ops/call.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** 0, 1, 2, ... in the given shape: hand-worked expectations read off coordinates directly. */
function iota(shape: Shape): Tensor<'float32'> {
  return tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i));
}

const i64 = (values: (number | bigint)[]) => int64Tensor([values.length], values);
const i32 = (values: number[]) => int32Tensor([values.length], values);

interface SliceSpec {
  readonly starts: (number | bigint)[];
  readonly ends: (number | bigint)[];
  readonly axes?: number[];
  readonly steps?: number[];
  /** Index tensors' dtype; int64 by default, as ONNX exporters write them. */
  readonly int32?: boolean;
}

function sliceCall(data: Tensor, s: SliceSpec, name?: string): OpCall {
  const idx = (v: (number | bigint)[]) => (s.int32 ? i32(v.map(Number)) : i64(v));
  return {
    opType: 'Slice',
    name,
    inputs: [data, idx(s.starts), idx(s.ends), s.axes ? idx(s.axes) : undefined, s.steps ? idx(s.steps) : undefined],
  };
}

function describe(s: SliceSpec): string {
  const parts = [`starts [${s.starts.join(',')}]`, `ends [${s.ends.join(',')}]`];
  if (s.axes) parts.push(`axes [${s.axes.join(',')}]`);
  if (s.steps) parts.push(`steps [${s.steps.join(',')}]`);
  if (s.int32) parts.push('int32 indices');
  return parts.join(' ');
}

const handWorked: OpCase[] = [
  {
    // Indices 2, 5 (8 is excluded): ceil((8 - 2) / 3) = 2 elements.
    name: 'hand-worked 1-D step 3',
    call: sliceCall(iota([10]), { starts: [2], ends: [8], steps: [3] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2], [2, 5])],
  },
  {
    // start -1 -> 9; end INT64_MIN -> clamped to -1, i.e. through index 0.
    name: 'hand-worked 1-D step -2 from the last element to INT64_MIN',
    call: sliceCall(iota([10]), { starts: [-1], ends: [INT64_MIN], steps: [-2] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([5], [9, 7, 5, 3, 1])],
  },
  {
    name: 'hand-worked 1-D full reverse with int32 INT_MIN end',
    call: sliceCall(iota([5]), { starts: [-1], ends: [INT_MIN], steps: [-1], int32: true }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([5], [4, 3, 2, 1, 0])],
  },
  {
    // axis 1: 1..min(1000, 4) -> columns 1, 2, 3; axis 0: -2 -> 1, up to 3 -> rows 1, 2.
    name: 'hand-worked 3x4 with axes out of order, negative start, end past the dimension',
    call: sliceCall(iota([3, 4]), { starts: [1, -2], ends: [1000, 3], axes: [1, 0] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 3], [5, 6, 7, 9, 10, 11])],
  },
  {
    // FCN's crop of H and W: rows and columns 1..3 of each 5x5 channel.
    name: 'hand-worked FCN crop 1x2x5x5 -> 1x2x3x3',
    call: sliceCall(iota([1, 2, 5, 5]), { starts: [1, 1], ends: [4, 4], axes: [2, 3] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([1, 2, 3, 3], [6, 7, 8, 11, 12, 13, 16, 17, 18, 31, 32, 33, 36, 37, 38, 41, 42, 43])],
  },
  {
    name: 'hand-worked empty result: start after end with a positive step',
    call: sliceCall(iota([10]), { starts: [5], ends: [2] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([0], [])],
  },
  {
    // end -1 means dim - 1 = 9 (not "before index 0"), so walking down from 8 takes nothing.
    name: 'hand-worked empty result: negative step with end -1',
    call: sliceCall(iota([10]), { starts: [8], ends: [-1], steps: [-1] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([0], [])],
  },
  {
    name: 'hand-worked int64 shape vector [2,3,224,224][2:INT64_MAX]',
    call: sliceCall(int64Tensor([4], [2, 3, 224, 224]), { starts: [2], ends: [INT64_MAX] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [int64Tensor([2], [224, 224])],
  },
  {
    // A step larger than the dimension takes only the start element.
    name: 'hand-worked 2x3 step larger than the dimension, and INT64_MAX step',
    call: sliceCall(iota([2, 3]), { starts: [1, 2], ends: [INT64_MAX, 0], axes: [0, 1], steps: [7, -9223372036854775807] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([1, 1], [5])],
  },
];

/** Odd sizes, batch 2, rank 2 to 5, with slice specs covering every input form. */
const grid: OpCase[] = [
  {
    shape: [5, 7],
    specs: [
      { starts: [1, -6], ends: [4, -1] },
      { starts: [-1, 6], ends: [INT64_MIN, INT64_MIN], steps: [-2, -3] },
      { starts: [3], ends: [INT_MAX], axes: [-1], int32: true },
      { starts: [0, 2], ends: [5, 3], axes: [-2, -1], steps: [2, 1] },
    ],
  },
  {
    shape: [2, 5, 7],
    specs: [
      { starts: [1], ends: [2] },
      { starts: [-4, 1, 0], ends: [-1, 100, 7], steps: [1, 2, 3] },
      { starts: [6, 4], ends: [-100, 0], axes: [2, 1], steps: [-2, -1] },
      { starts: [0, 3], ends: [1, 3], axes: [0, 2] },
    ],
  },
  {
    shape: [2, 3, 9, 7],
    specs: [
      { starts: [1, 1], ends: [8, 6], axes: [2, 3] },
      { starts: [-1, -1], ends: [INT64_MIN, INT64_MIN], axes: [-1, -2], steps: [-1, -1] },
      { starts: [1, 0, 2, -3], ends: [2, 3, 9, 7], steps: [1, 2, 3, 2], int32: true },
      { starts: [2], ends: [5], axes: [-2], steps: [2] },
      { starts: [0, -1], ends: [INT64_MAX, -4], axes: [1, 3], steps: [2, -1] },
    ],
  },
  {
    shape: [2, 3, 3, 5, 4],
    specs: [
      { starts: [0, 1, 0, 1, 1], ends: [2, 3, 3, 4, 3] },
      { starts: [1, 2, 3], ends: [0, 0, 0], axes: [0, 2, 4], steps: [-1, -2, -2] },
      { starts: [-3, 1], ends: [INT_MAX, 5], axes: [3, -1], steps: [2, 2], int32: true },
    ],
  },
].flatMap(({ shape, specs }, r) =>
  specs.flatMap((spec, k): OpCase[] => [
    {
      name: `float32 ${shape.join('x')} ${describe(spec)}`,
      call: sliceCall(randomTensor(shape, 10 * r + k), spec),
      tolerance: exact,
    },
  ]),
);

function randomInt64(shape: Shape, seed: number): Tensor<'int64'> {
  const next = rng(seed);
  return int64Tensor(shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 2000) - 1000));
}

function randomInt32(shape: Shape, seed: number): Tensor<'int32'> {
  const next = rng(seed);
  return int32Tensor(shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 2000) - 1000));
}

const special: OpCase[] = [
  {
    name: 'int64 data 2x5x7 negative steps',
    call: sliceCall(randomInt64([2, 5, 7], 1), { starts: [-1, 5], ends: [-6, 0], axes: [1, 2], steps: [-2, -1] }),
    tolerance: exact,
  },
  {
    name: 'int32 data 3x4x5',
    call: sliceCall(randomInt32([3, 4, 5], 2), { starts: [1, 1], ends: [3, 5], axes: [0, 2] }),
    tolerance: exact,
  },
  {
    name: 'empty output in one dimension of a rank-4 tensor',
    call: sliceCall(randomTensor([2, 3, 5, 7], 3), { starts: [1, 4], ends: [3, 4], axes: [2, 3] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 3, 2, 0], [])],
  },
  {
    name: 'slicing an axis of extent 0 with a positive step',
    call: sliceCall(tensor([2, 0, 3], []), { starts: [0, 1], ends: [INT64_MAX, 3], axes: [1, 2] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 0, 2], [])],
  },
  {
    name: 'slicing an axis of extent 0 with a negative step',
    call: sliceCall(tensor([2, 0, 3], []), { starts: [-1], ends: [INT64_MIN], axes: [-2], steps: [-1] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 0, 3], [])],
  },
  {
    name: 'no axes sliced (empty starts) is a copy',
    call: sliceCall(randomTensor([2, 3, 5], 4), { starts: [], ends: [] }),
    tolerance: exact,
  },
  {
    name: 'rank 8, batch 2',
    call: sliceCall(randomTensor([2, 3, 2, 3, 2, 3, 2, 5], 5), { starts: [1, -1, 4], ends: [3, INT64_MIN, 0], axes: [1, 5, 7], steps: [1, -1, -2] }),
    tolerance: exact,
  },
];

export const cases: OpCase[] = [...handWorked, ...grid, ...special];

const x = randomTensor([2, 3, 5, 7], 1);
export const invalidCases: InvalidCase[] = [
  {
    name: 'step 0',
    call: sliceCall(x, { starts: [0, 0], ends: [2, 3], axes: [2, 3], steps: [1, 0] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input steps/, /\[1, 0\]/, /must not be 0/],
  },
  {
    name: 'repeated axis (1 and -3)',
    call: sliceCall(x, { starts: [0, 0], ends: [1, 1], axes: [1, -3] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input axes/, /\[1, -3\]/, /more than once/],
  },
  {
    name: 'axis 4 out of range for rank 4',
    call: sliceCall(x, { starts: [0], ends: [1], axes: [4] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input axes/, /\[4\]/, /-4\.\.3/],
  },
  {
    name: 'axis -5 out of range for rank 4',
    call: sliceCall(x, { starts: [0], ends: [1], axes: [-5] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input axes/, /\[-5\]/, /out of range/],
  },
  {
    name: 'more starts than dimensions with default axes',
    call: sliceCall(randomTensor([3, 4], 2), { starts: [0, 0, 0], ends: [1, 1, 1] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input axes/, /\[0, 1, 2\]/, /defaults/],
  },
  {
    name: 'ends length differs from starts',
    call: sliceCall(x, { starts: [0, 1], ends: [3] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input ends/, /\[3\]/, /\[0, 1\]/],
  },
  {
    name: 'axes length differs from starts',
    call: sliceCall(x, { starts: [0, 1], ends: [3, 3], axes: [1] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input axes/, /\[1\]/, /\[0, 1\]/],
  },
  {
    name: 'steps length differs from starts',
    call: sliceCall(x, { starts: [0, 1], ends: [3, 3], steps: [1, 1, 1] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input steps/, /\[1, 1, 1\]/, /\[0, 1\]/],
  },
  {
    name: 'float32 starts',
    call: { opType: 'Slice', name: 'sl1', inputs: [x, tensor([1], [0]), i64([1])] },
    messageMatches: [/sl1/, /Slice/, /input starts/, /float32/],
  },
  {
    name: '2-D starts',
    call: { opType: 'Slice', name: 'sl1', inputs: [x, int64Tensor([1, 2], [0, 0]), i64([1, 1])] },
    messageMatches: [/sl1/, /Slice/, /input starts/, /\[0, 0\]/, /\[1x2\]/, /1-D/],
  },
  {
    name: 'ends missing',
    call: { opType: 'Slice', name: 'sl1', inputs: [x, i64([0])] },
    messageMatches: [/sl1/, /Slice/, /input ends/, /missing/],
  },
  {
    name: 'Slice-1 attributes (inputs since opset 10)',
    call: { opType: 'Slice', name: 'sl1', attributes: { starts: [0], ends: [1] }, inputs: [x, i64([0]), i64([1])] },
    messageMatches: [/sl1/, /Slice/, /starts=\[0\]/, /not an attribute/],
  },
  {
    name: 'rank 9 data',
    call: sliceCall(randomTensor([1, 1, 1, 1, 1, 1, 1, 1, 2], 3), { starts: [0], ends: [1] }, 'sl1'),
    messageMatches: [/sl1/, /Slice/, /input data/, /rank 9/],
  },
];
