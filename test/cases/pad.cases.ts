/**
 * Pad cases. Tolerance: exact (atol 0, rtol 0). Pad only moves elements and writes the constant
 * (the GPU moves raw 32-bit words), so any difference at all is a bug.
 */
import { int32Tensor, int64Tensor, sizeOf, tensor, type Shape, type Tensor } from '../../src/core/tensor.js';
import type { OpCall } from '../../src/ops/call.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

type Mode = 'constant' | 'reflect' | 'edge';

const i64 = (values: number[]) => int64Tensor([values.length], values);

/** 1, 2, 3, ... in the given shape: hand-worked expectations read off coordinates directly. */
function count(shape: Shape): Tensor<'float32'> {
  return tensor(shape, Array.from({ length: sizeOf(shape) }, (_, i) => i + 1));
}

function padCall(data: Tensor, mode: Mode | undefined, pads: number[], opts: { value?: Tensor; axes?: number[]; name?: string } = {}): OpCall {
  const inputs: (Tensor | undefined)[] = [data, i64(pads), opts.value];
  if (opts.axes) inputs.push(i64(opts.axes));
  return { opType: 'Pad', name: opts.name, attributes: mode ? { mode } : {}, inputs };
}

const handWorked: OpCase[] = [
  {
    name: 'hand-worked constant 3x2, two zero columns in front (ONNX docs example)',
    call: padCall(tensor([3, 2], [1.0, 1.2, 2.3, 3.4, 4.5, 5.7]), 'constant', [0, 2, 0, 0], { value: tensor([], [0]) }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([3, 4], [0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7])],
  },
  {
    name: 'hand-worked constant 9 on axes [-1] (opset 18), default mode',
    call: padCall(count([2, 3]), undefined, [1, 1], { value: tensor([1], [9]), axes: [-1] }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 5], [9, 1, 2, 3, 9, 9, 4, 5, 6, 9])],
  },
  {
    // Rows [a b c] become [c b a b c b]; row -1 mirrors to row 1.
    name: 'hand-worked reflect 2x3 pads [1,2,0,1]',
    call: padCall(count([2, 3]), 'reflect', [1, 2, 0, 1]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([3, 6], [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5])],
  },
  {
    name: 'hand-worked reflect 1-D by n-1 on both sides',
    call: padCall(count([4]), 'reflect', [3, 3]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([10], [4, 3, 2, 1, 2, 3, 4, 3, 2, 1])],
  },
  {
    name: 'hand-worked edge 2x3 pads [0,1,1,2]',
    call: padCall(count([2, 3]), 'edge', [0, 1, 1, 2]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([3, 6], [1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6, 4, 4, 5, 6, 6, 6])],
  },
  {
    // Crop row 0 and the last two columns, leaving [[5 6] [9 10]], then one zero column in front.
    name: 'hand-worked negative pads crop, constant 3x4 pads [-1,1,0,-2]',
    call: padCall(count([3, 4]), 'constant', [-1, 1, 0, -2]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 3], [0, 5, 6, 0, 9, 10])],
  },
  {
    // The window [2 3 4 5] is reflected, not the uncropped row.
    name: 'hand-worked reflect after a crop, 1x5 pads [0,-1,0,2]',
    call: padCall(count([1, 5]), 'reflect', [0, -1, 0, 2]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([1, 6], [2, 3, 4, 5, 4, 3])],
  },
  {
    name: 'hand-worked edge after a crop, 1x5 pads [0,2,0,-3]',
    call: padCall(count([1, 5]), 'edge', [0, 2, 0, -3]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([1, 4], [1, 1, 1, 2])],
  },
  {
    name: 'hand-worked int64 constant -1',
    call: padCall(int64Tensor([3], [7, 8, 9]), 'constant', [1, 2], { value: int64Tensor([], [-1]) }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [int64Tensor([6], [-1, 7, 8, 9, -1, -1])],
  },
  {
    name: 'hand-worked empty input padded with a constant',
    call: padCall(tensor([0, 2], []), 'constant', [1, 0, 1, 0], { value: tensor([], [3]) }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 2], [3, 3, 3, 3])],
  },
  {
    name: 'hand-worked crop to an empty output',
    call: padCall(count([2, 3]), 'constant', [0, -3, 0, 0]),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([2, 0], [])],
  },
  {
    name: 'hand-worked constant_value is ignored in reflect mode',
    call: padCall(count([3]), 'reflect', [1, 1], { value: tensor([], [7]) }),
    tolerance: exact,
    expectedTolerance: exact,
    expected: [tensor([5], [2, 1, 2, 3, 2])],
  },
];

/** begin/end for each listed axis, fitted so the case is legal in every mode (reflect: pad <= window - 1). */
function fitPads(shape: Shape, axes: number[], begin: number[], end: number[], mode: Mode): number[] {
  const rank = shape.length;
  const b = [...begin];
  const e = [...end];
  axes.forEach((a, i) => {
    const dim = shape[a < 0 ? a + rank : a];
    const window = dim - Math.max(0, -b[i]) - Math.max(0, -e[i]);
    if (mode === 'reflect') {
      if (b[i] > 0) b[i] = Math.min(b[i], window - 1);
      if (e[i] > 0) e[i] = Math.min(e[i], window - 1);
    }
  });
  return [...b, ...e];
}

const SHAPES: Shape[] = [[5, 7], [2, 5, 7], [2, 3, 5, 7], [2, 3, 3, 5, 4]];
const MODES: Mode[] = ['constant', 'reflect', 'edge'];

const grid: OpCase[] = MODES.flatMap((mode, m) =>
  SHAPES.flatMap((shape, s) => {
    const rank = shape.length;
    const all = shape.map((_, d) => d);
    const forms: { label: string; axes?: number[]; listed: number[]; begin: number[]; end: number[] }[] = [
      { label: 'every axis', listed: all, begin: all.map((d) => d % 3), end: all.map((d) => (d + 2) % 3) },
      { label: 'spatial axes', axes: [rank - 2, rank - 1], listed: [rank - 2, rank - 1], begin: [1, 2], end: [2, 1] },
      { label: 'negative axes out of order, with a crop', axes: [-1, -rank], listed: [-1, -rank], begin: [-1, 1], end: [2, -1] },
      { label: 'every axis, alternating crops', listed: all, begin: all.map((d) => (d % 2 === 0 ? -1 : 2)), end: all.map((d) => (d % 2 === 0 ? 1 : -1)) },
    ];
    return forms.map((f, k): OpCase => {
      const pads = fitPads(shape, f.listed, f.begin, f.end, mode);
      const v = 0.25 * (k + 1) - 3;
      // constant_value: omitted, a scalar, and a 1-element vector, in turn.
      const value = mode !== 'constant' || k % 3 === 0 ? undefined : k % 3 === 1 ? tensor([], [v]) : tensor([1], [v]);
      return {
        name: `${mode} ${shape.join('x')} ${f.label}: pads [${pads.join(',')}]${f.axes ? ` axes [${f.axes.join(',')}]` : ''}${value ? ` value ${v} (shape [${value.shape.join('x')}])` : ''}`,
        call: padCall(randomTensor(shape, 100 * m + 10 * s + k), mode, pads, { value, axes: f.axes }),
        tolerance: exact,
      };
    });
  }),
);

function randomInt(shape: Shape, seed: number): number[] {
  const next = rng(seed);
  return Array.from({ length: sizeOf(shape) }, () => Math.floor(next() * 2000) - 1000);
}

const special: OpCase[] = [
  {
    name: 'int64 data, constant, int64 constant_value',
    call: padCall(int64Tensor([2, 3, 5], randomInt([2, 3, 5], 1)), 'constant', [0, 1, 2, 1, 0, -1], { value: int64Tensor([], [-7]) }),
    tolerance: exact,
  },
  {
    name: 'int32 data, edge',
    call: padCall(int32Tensor([2, 3, 5], randomInt([2, 3, 5], 2)), 'edge', [1, 2, 3, 1, 0, 2]),
    tolerance: exact,
  },
  {
    name: 'int64 data, reflect on axes [1, 2]',
    call: padCall(int64Tensor([2, 3, 5], randomInt([2, 3, 5], 3)), 'reflect', [2, 4, 1, 3], { axes: [1, 2] }),
    tolerance: exact,
  },
  {
    name: 'zero pads are a copy',
    call: padCall(randomTensor([2, 3, 5], 4), 'reflect', [0, 0, 0, 0, 0, 0]),
    tolerance: exact,
  },
  {
    name: 'empty axes list pads nothing',
    call: padCall(randomTensor([2, 3, 5], 5), 'constant', [], { axes: [] }),
    tolerance: exact,
  },
  {
    name: 'FCN-style 2x3x9x7 constant pad of H and W by 3 and 4 with value -1.5',
    call: padCall(randomTensor([2, 3, 9, 7], 6), 'constant', [3, 4, 3, 4], { value: tensor([], [-1.5]), axes: [2, 3] }),
    tolerance: exact,
  },
  {
    name: 'rank 8, batch 2, reflect and crop',
    call: padCall(randomTensor([2, 3, 2, 3, 2, 3, 2, 5], 7), 'reflect', [1, -1, 1, 2, 0, 1, -1, -2], { axes: [0, 3, 1, 7] }),
    tolerance: exact,
  },
];

export const cases: OpCase[] = [...handWorked, ...grid, ...special];

const x = randomTensor([2, 3], 1);
export const invalidCases: InvalidCase[] = [
  {
    name: 'pads with the wrong length for the rank',
    call: padCall(x, 'constant', [1, 2, 3], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[1, 2, 3\]/, /needs 4/],
  },
  {
    name: 'pads with the wrong length for axes',
    call: padCall(x, 'constant', [1, 1, 1, 1], { axes: [1], name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[1, 1, 1, 1\]/, /needs 2/, /\[1\]/],
  },
  {
    name: 'reflect pad larger than dim - 1',
    call: padCall(x, 'reflect', [0, 3, 0, 0], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[0, 3, 0, 0\]/, /reflect/, /at most 2/],
  },
  {
    name: 'reflect pad of a 1-element axis',
    call: padCall(randomTensor([1, 4], 2), 'reflect', [1, 0, 0, 0], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[1, 0, 0, 0\]/, /reflect/, /at most 0/],
  },
  {
    name: 'reflect pad larger than the cropped window',
    call: padCall(randomTensor([1, 5], 2), 'reflect', [0, 3, 0, -2], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[0, 3, 0, -2\]/, /after cropping/, /at most 2/],
  },
  {
    name: 'edge pad of an empty axis',
    call: padCall(tensor([0, 3], []), 'edge', [1, 0, 0, 0], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[1, 0, 0, 0\]/, /edge/, /empty/],
  },
  {
    name: 'crop larger than the dimension',
    call: padCall(x, 'constant', [-2, 0, -1, 0], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[-2, 0, -1, 0\]/, /crops 3/, /only 2/],
  },
  {
    name: "mode 'wrap' (opset 19)",
    call: padCall(x, 'wrap' as Mode, [0, 1, 0, 1], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /mode='wrap'/, /'constant', 'reflect', 'edge'/],
  },
  {
    name: "mode 'symmetric'",
    call: padCall(x, 'symmetric' as Mode, [0, 1, 0, 1], { name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /mode='symmetric'/],
  },
  {
    name: 'Pad-2 pads attribute (an input since opset 11)',
    call: { opType: 'Pad', name: 'pd1', attributes: { pads: [0, 1, 0, 1] }, inputs: [x, i64([0, 1, 0, 1])] },
    messageMatches: [/pd1/, /Pad/, /pads=\[0, 1, 0, 1\]/, /not an attribute/],
  },
  {
    name: 'constant_value dtype differs from data',
    call: padCall(x, 'constant', [0, 1, 0, 1], { value: int64Tensor([], [1]), name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input constant_value/, /int64/, /float32/],
  },
  {
    name: 'constant_value with two elements',
    call: padCall(x, 'constant', [0, 1, 0, 1], { value: tensor([2], [1, 2]), name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input constant_value/, /\[2\]/, /scalar/],
  },
  {
    name: 'repeated axes (1 and -1)',
    call: padCall(x, 'constant', [0, 1, 0, 1], { axes: [1, -1], name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input axes/, /\[1, -1\]/, /more than once/],
  },
  {
    name: 'axis 2 out of range for rank 2',
    call: padCall(x, 'constant', [1, 1], { axes: [2], name: 'pd1' }),
    messageMatches: [/pd1/, /Pad/, /input axes/, /\[2\]/, /-2\.\.1/],
  },
  {
    name: 'float32 pads',
    call: { opType: 'Pad', name: 'pd1', inputs: [x, tensor([4], [0, 1, 0, 1])] },
    messageMatches: [/pd1/, /Pad/, /input pads/, /float32/],
  },
  {
    name: '2-D pads',
    call: { opType: 'Pad', name: 'pd1', inputs: [x, int64Tensor([2, 2], [0, 1, 0, 1])] },
    messageMatches: [/pd1/, /Pad/, /input pads/, /\[0, 1, 0, 1\]/, /\[2x2\]/, /1-D/],
  },
  {
    name: 'pads missing',
    call: { opType: 'Pad', name: 'pd1', inputs: [x] },
    messageMatches: [/pd1/, /Pad/, /input pads/, /missing/],
  },
];
