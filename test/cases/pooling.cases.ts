/**
 * MaxPool (values and Indices), AveragePool and GlobalAveragePool.
 *
 * Tolerances: MaxPool is exact (it selects an input value; Indices are integers and always
 * compared exactly). AveragePool / GlobalAveragePool: atol 1e-6, rtol 1e-5: the GPU sums in f32
 * where the CPU reference sums in f64, and divides once. AveragePool sums a window in the
 * reference's order; for windows of at most a few hundred values of magnitude <= 3 the f32 sum
 * drifts by well under 1e-5 relative. GlobalAveragePool sums a plane in segments of at most a few
 * hundred values (four interleaved accumulators each), then the segments' sums: the f32 error is
 * that of a few hundred serial additions, not of H*W of them, divided by H*W.
 */
import { int64Tensor, tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor, tiedTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const averageTol = { atol: 1e-6, rtol: 1e-5 };

const SHAPE = [2, 3, 7, 9];
const KERNELS = [[2, 2], [3, 3], [3, 2]];
const STRIDES = [[1, 1], [2, 2], [3, 3], [2, 1]];
const DILATIONS = [[1, 1], [2, 2]];
/** No pads, and asymmetric pads [top, left, bottom, right] kept below every kernel's extent. */
const PADS: (number[] | undefined)[] = [undefined, [1, 0, 0, 1], [0, 1, 1, 0]];
const AUTO_PADS = ['SAME_UPPER', 'SAME_LOWER', 'VALID'];

function label(attrs: Attributes): string {
  return Object.entries(attrs)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}

/** Every explicit-padding combination, then every auto_pad mode; `extra` is merged into each. */
function windowGrid(extra: Attributes): Attributes[] {
  const grid: Attributes[] = [];
  for (const kernel_shape of KERNELS) {
    for (const strides of STRIDES) {
      for (const dilations of DILATIONS) {
        for (const pads of PADS) {
          for (const ceil_mode of [0, 1]) {
            grid.push({ kernel_shape, strides, dilations, ...(pads ? { pads } : {}), ceil_mode, ...extra });
          }
        }
        for (const auto_pad of AUTO_PADS) grid.push({ kernel_shape, strides, dilations, auto_pad, ...extra });
      }
    }
  }
  return grid;
}

/** Symmetric pads 1 on a 5x7 input with kernel 2 stride 2: ceil_mode's last window would start in
 * the end padding on both axes and is dropped (output 3x4, not 4x5). */
const DROPPED_LAST_WINDOW: Attributes = { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 };

const maxPoolCases: OpCase[] = [
  {
    // X (1x2x1x5), kernel 1x2, stride 1x2, pads left 1 / right 1, ceil_mode 1. Padded width 7:
    // ceil((7 - 2) / 2) + 1 = 4 windows, but the 4th would start at padded column 6 >= 5 + 1, in the
    // end padding, so it is dropped: 3 windows over input columns {-1,0}, {1,2}, {3,4}.
    // Channel 0 [3, 1, 4, 4, 2]: {3} -> 3 @0; {1,4} -> 4 @2; {4,2} -> 4 @3 (first of the tie).
    // Channel 1 [-1, 5, 5, -2, -2] (flat offset 5): {-1} -> -1 @5 (the padding is never taken, even
    // against a negative value); {5,5} -> 5 @6 (first); {-2,-2} -> -2 @8 (first).
    name: 'MaxPool hand-worked: ceil_mode drops the last window, ties, padding never selected, channel offsets',
    call: {
      opType: 'MaxPool',
      attributes: { kernel_shape: [1, 2], strides: [1, 2], pads: [0, 1, 0, 1], ceil_mode: 1 },
      inputs: [tensor([1, 2, 1, 5], [3, 1, 4, 4, 2, -1, 5, 5, -2, -2])],
    },
    tolerance: exact,
    expected: [tensor([1, 2, 1, 3], [3, 4, 4, -1, 5, -2]), int64Tensor([1, 2, 1, 3], [0, 2, 3, 5, 6, 8])],
    expectedTolerance: exact,
  },
  {
    // X (1x1x4x4), kernel 2x2, dilation 2 (taps rows {oh, oh+2} x cols {ow, ow+2}), stride 1: 2x2 output.
    //   1 9 2 0
    //   0 0 0 8
    //   9 3 9 7
    //   4 6 7 5
    // (0,0): taps 1, 2, 9@8, 9@10 -> 9, first in scan order @8.  (0,1): 9@1, 0, 3, 7 -> 9 @1.
    // (1,0): 0, 0, 4, 7@14 -> 7 @14.                            (1,1): 0, 8@7, 6, 5 -> 8 @7.
    name: 'MaxPool hand-worked: dilation 2 with a tie inside the dilated window',
    call: {
      opType: 'MaxPool',
      attributes: { kernel_shape: [2, 2], dilations: [2, 2] },
      inputs: [tensor([1, 1, 4, 4], [1, 9, 2, 0, 0, 0, 0, 8, 9, 3, 9, 7, 4, 6, 7, 5])],
    },
    tolerance: exact,
    expected: [tensor([1, 1, 2, 2], [9, 9, 7, 8]), int64Tensor([1, 1, 2, 2], [8, 1, 14, 7])],
    expectedTolerance: exact,
  },
  {
    // X (2x1x2x2), kernel 2x2, SAME_UPPER: output 2x2, pads 0 before / 1 after on each axis.
    // Batch 1 has flat offset 4. Batch 0 [[1, 2], [3, 0]]: (0,0) {1,2,3,0} -> 3 @2; (0,1) {2,0} -> 2 @1;
    // (1,0) {3,0} -> 3 @2; (1,1) {0} -> 0 @3. Batch 1 all -1: every window takes its first tap:
    // (0,0) @4, (0,1) @5, (1,0) @6, (1,1) @7.
    name: 'MaxPool hand-worked: SAME_UPPER, batch offsets, all-equal negative plane',
    call: {
      opType: 'MaxPool',
      attributes: { kernel_shape: [2, 2], auto_pad: 'SAME_UPPER' },
      inputs: [tensor([2, 1, 2, 2], [1, 2, 3, 0, -1, -1, -1, -1])],
    },
    tolerance: exact,
    expected: [tensor([2, 1, 2, 2], [3, 2, 3, 0, -1, -1, -1, -1]), int64Tensor([2, 1, 2, 2], [2, 1, 2, 3, 4, 5, 6, 7])],
    expectedTolerance: exact,
  },
  ...windowGrid({}).map((attributes, i) => ({
    name: `MaxPool ${SHAPE.join('x')} ties ${label(attributes)}`,
    call: { opType: 'MaxPool', attributes, inputs: [tiedTensor(SHAPE, 100 + i)] },
    tolerance: exact,
  })),
  {
    name: `MaxPool 2x3x5x7 dropped last window ${label(DROPPED_LAST_WINDOW)}`,
    call: { opType: 'MaxPool', attributes: DROPPED_LAST_WINDOW, inputs: [tiedTensor([2, 3, 5, 7], 7)] },
    tolerance: exact,
  },
  {
    name: 'MaxPool all-negative input with pads (padding must not win)',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [3, 3], pads: [1, 2, 2, 1], strides: [2, 2] }, inputs: [randomTensor(SHAPE, 8, -3, -1)] },
    tolerance: exact,
  },
  {
    name: 'MaxPool continuous values, storage_order 0, 3x3 stride 2 pads 1 (ResNet stem)',
    call: { opType: 'MaxPool', attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], storage_order: 0 }, inputs: [randomTensor([2, 3, 16, 13], 9)] },
    tolerance: exact,
  },
];

const averagePoolCases: OpCase[] = [
  {
    // X (1x1x3x3) = 1..9, kernel 2x2, stride 2, pads 1 all round: windows over input rows {-1,0}
    // and {1,2}, same for columns. count_include_pad=1 divides by all 4 taps (pads included):
    // (0,0) {1} / 4 = 0.25; (0,1) {2,3} / 4 = 1.25; (1,0) {4,7} / 4 = 2.75; (1,1) {5,6,8,9} / 4 = 7.
    name: 'AveragePool hand-worked: count_include_pad=1 with pads',
    call: {
      opType: 'AveragePool',
      attributes: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 },
      inputs: [tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])],
    },
    tolerance: averageTol,
    expected: [tensor([1, 1, 2, 2], [0.25, 1.25, 2.75, 7])],
  },
  {
    // Same window, count_include_pad=0: divide by in-input taps only: 1, 2.5, 5.5, 7.
    name: 'AveragePool hand-worked: count_include_pad=0 with pads',
    call: {
      opType: 'AveragePool',
      attributes: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 },
      inputs: [tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])],
    },
    tolerance: averageTol,
    expected: [tensor([1, 1, 2, 2], [1, 2.5, 5.5, 7])],
  },
  {
    // X (1x1x4x4), X[r][c] = 4r + c + 1, kernel 3, stride 2, pads 1, ceil_mode 1: padded size 6,
    // ceil(3/2) + 1 = 3 windows per axis (the last starts at input 3 < 4, kept), over input rows
    // {-1,0,1}, {1,2,3}, {3,4,5}. The padded extent ends at 4 + 1 = 5, so the last window counts 2 taps
    // (3 and the pad at 4) and not 5, the area ceil_mode added. Divisors: 3*3, 3*3, 3*2 / ... / 2*2.
    // Sums: 14 30 12 / 57 99 36 / 27 45 16.
    // count_include_pad=1: 14/9, 30/9, 12/6 / 57/9, 99/9, 36/6 / 27/6, 45/6, 16/4.
    // (The ONNX reference implementation would divide by 9 everywhere here; PyTorch's
    // avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True) agrees with these values.)
    name: 'AveragePool hand-worked: count_include_pad=1 with ceil_mode clips the divisor to the padded extent',
    call: {
      opType: 'AveragePool',
      attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 },
      inputs: [tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1))],
    },
    tolerance: averageTol,
    expected: [tensor([1, 1, 3, 3], [14 / 9, 30 / 9, 2, 57 / 9, 11, 6, 4.5, 7.5, 4])],
  },
  {
    // Same, count_include_pad=0: divide by in-input taps (2*2, 2*3, 2*1 / 3*2, 3*3, 3*1 / 1*2, 1*3, 1*1).
    name: 'AveragePool hand-worked: count_include_pad=0 with ceil_mode',
    call: {
      opType: 'AveragePool',
      attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 0 },
      inputs: [tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1))],
    },
    tolerance: averageTol,
    expected: [tensor([1, 1, 3, 3], [3.5, 5, 6, 9.5, 11, 12, 13.5, 15, 16])],
  },
  ...[0, 1].flatMap((count_include_pad) =>
    windowGrid({ count_include_pad }).map((attributes, i) => ({
      name: `AveragePool ${SHAPE.join('x')} ${label(attributes)}`,
      call: { opType: 'AveragePool', attributes, inputs: [randomTensor(SHAPE, 300 + 1000 * count_include_pad + i)] },
      tolerance: averageTol,
    })),
  ),
  ...[0, 1].map((count_include_pad) => ({
    name: `AveragePool 2x3x5x7 dropped last window ${label({ ...DROPPED_LAST_WINDOW, count_include_pad })}`,
    call: { opType: 'AveragePool', attributes: { ...DROPPED_LAST_WINDOW, count_include_pad }, inputs: [randomTensor([2, 3, 5, 7], 10)] },
    tolerance: averageTol,
  })),
  {
    // A window wholly in the padding is well defined with count_include_pad=1: it averages to 0.
    name: 'AveragePool count_include_pad=1 with pads as large as the kernel',
    call: { opType: 'AveragePool', attributes: { kernel_shape: [2, 2], pads: [2, 2, 2, 2], strides: [2, 2], count_include_pad: 1 }, inputs: [randomTensor(SHAPE, 11)] },
    tolerance: averageTol,
  },
];

const globalAveragePoolCases: OpCase[] = [
  {
    // Means of each plane: (1+2+3+4)/4 = 2.5, (-1+1+5+7)/4 = 3, and batch 1: 0, 10.
    name: 'GlobalAveragePool hand-worked 2x2x2x2',
    call: { opType: 'GlobalAveragePool', inputs: [tensor([2, 2, 2, 2], [1, 2, 3, 4, -1, 1, 5, 7, 0, 0, 0, 0, 10, 10, 10, 10])] },
    tolerance: averageTol,
    expected: [tensor([2, 2, 1, 1], [2.5, 3, 0, 10])],
  },
  ...[[2, 3, 7, 9], [1, 5, 1, 1], [2, 4, 16, 13], [1, 2, 1, 33], [1, 3, 40, 40]].map((shape, i) => ({
    name: `GlobalAveragePool ${shape.join('x')}`,
    call: { opType: 'GlobalAveragePool', inputs: [randomTensor(shape, 500 + i)] },
    tolerance: averageTol,
  })),
  // Planes long enough to be summed in two passes (segments, then their sums): as vec4s
  // (H*W % 4 == 0), as scalars (H*W odd), one long plane (many segments), batch > 1, and many
  // short planes (one pass).
  ...[[1, 4, 64, 64], [1, 2, 99, 101], [1, 1, 128, 128], [3, 2, 32, 32], [2, 64, 8, 8], [1, 3, 33, 64]].map((shape, i) => ({
    name: `GlobalAveragePool ${shape.join('x')} (long and short planes)`,
    call: { opType: 'GlobalAveragePool', inputs: [randomTensor(shape, 520 + i)] },
    tolerance: averageTol,
  })),
  {
    // Two planes of 64x64 (two passes): all ones (mean 1) and 0, 1, 2, 3 repeated (mean 1.5).
    // Every partial sum is an integer below 2^24, so the f32 sums are exact.
    name: 'GlobalAveragePool hand-worked 1x2x64x64 (two passes)',
    call: { opType: 'GlobalAveragePool', inputs: [tensor([1, 2, 64, 64], [...new Array(4096).fill(1), ...Array.from({ length: 4096 }, (_, i) => i % 4)])] },
    tolerance: averageTol,
    expected: [tensor([1, 2, 1, 1], [1, 1.5])],
  },
  // The fused addend X2 (the mean of X + X2, src/passes/fuse-pooled-add.ts): one and two passes,
  // vec4 and scalar reads.
  {
    // Means of [1, 2, 3, 4] + [10, 20, 30, 40] = 27.5 and of [-1, 1, 5, 7] + [1, -1, -5, -7] = 0.
    name: 'GlobalAveragePool of a sum, hand-worked 1x2x2x2',
    call: { opType: 'GlobalAveragePool', inputs: [tensor([1, 2, 2, 2], [1, 2, 3, 4, -1, 1, 5, 7]), tensor([1, 2, 2, 2], [10, 20, 30, 40, 1, -1, -5, -7])] },
    tolerance: averageTol,
    expected: [tensor([1, 2, 1, 1], [27.5, 0])],
  },
  ...[[1, 4, 64, 64], [1, 2, 99, 101], [2, 3, 5, 7], [2, 16, 8, 8]].map((shape, i) => ({
    name: `GlobalAveragePool of a sum ${shape.join('x')}`,
    call: { opType: 'GlobalAveragePool', inputs: [randomTensor(shape, 540 + i), randomTensor(shape, 550 + i)] },
    tolerance: averageTol,
  })),
];

export const cases: OpCase[] = [...maxPoolCases, ...averagePoolCases, ...globalAveragePoolCases];

const x = randomTensor([1, 2, 5, 5], 1);

export const invalidCases: InvalidCase[] = [
  {
    name: 'MaxPool negative pads',
    call: { opType: 'MaxPool', name: 'pool1', attributes: { kernel_shape: [2, 2], pads: [0, -1, 0, 0] }, inputs: [x] },
    messageMatches: [/pool1/, /MaxPool/, /pads/, /-1/, /negative/],
  },
  {
    name: 'AveragePool kernel larger than the padded input',
    call: { opType: 'AveragePool', name: 'pool2', attributes: { kernel_shape: [3, 8], pads: [0, 1, 0, 1] }, inputs: [x] },
    messageMatches: [/pool2/, /AveragePool/, /kernel_shape/, /\[3, 8\]/, /larger than the padded input/],
  },
  {
    name: 'MaxPool dilated kernel larger than the input',
    call: { opType: 'MaxPool', name: 'pool3', attributes: { kernel_shape: [3, 3], dilations: [3, 1] }, inputs: [x] },
    messageMatches: [/pool3/, /MaxPool/, /kernel_shape/, /dilated extent 7/],
  },
  {
    name: 'MaxPool storage_order 1',
    call: { opType: 'MaxPool', name: 'pool4', attributes: { kernel_shape: [2, 2], storage_order: 1 }, inputs: [x] },
    messageMatches: [/pool4/, /MaxPool/, /storage_order/, /=1/, /only 0/],
  },
  {
    name: 'MaxPool storage_order 2',
    call: { opType: 'MaxPool', name: 'pool5', attributes: { kernel_shape: [2, 2], storage_order: 2 }, inputs: [x] },
    messageMatches: [/pool5/, /MaxPool/, /storage_order/, /=2/],
  },
  {
    name: 'MaxPool missing kernel_shape',
    call: { opType: 'MaxPool', name: 'pool6', attributes: { strides: [2, 2] }, inputs: [x] },
    messageMatches: [/pool6/, /MaxPool/, /kernel_shape/, /required/],
  },
  {
    name: 'AveragePool missing kernel_shape',
    call: { opType: 'AveragePool', name: 'pool7', inputs: [x] },
    messageMatches: [/pool7/, /AveragePool/, /kernel_shape/, /required/],
  },
  {
    name: 'AveragePool strides of the wrong length',
    call: { opType: 'AveragePool', name: 'pool8', attributes: { kernel_shape: [2, 2], strides: [2, 2, 2] }, inputs: [x] },
    messageMatches: [/pool8/, /AveragePool/, /strides/, /\[2, 2, 2\]/, /2 values/],
  },
  {
    name: 'MaxPool pads of the wrong length',
    call: { opType: 'MaxPool', name: 'pool9', attributes: { kernel_shape: [2, 2], pads: [1, 1] }, inputs: [x] },
    messageMatches: [/pool9/, /MaxPool/, /pads/, /\[1, 1\]/, /4 values/],
  },
  {
    name: 'MaxPool 1D kernel_shape',
    call: { opType: 'MaxPool', name: 'pool10', attributes: { kernel_shape: [2] }, inputs: [x] },
    messageMatches: [/pool10/, /MaxPool/, /kernel_shape/, /\[2\]/, /2D/],
  },
  {
    name: 'MaxPool pads as large as the kernel leave an empty window',
    call: { opType: 'MaxPool', name: 'pool11', attributes: { kernel_shape: [2, 2], pads: [2, 0, 0, 0] }, inputs: [x] },
    messageMatches: [/pool11/, /MaxPool/, /pads/, /\[2, 0, 0, 0\]/, /no input element/],
  },
  {
    name: 'AveragePool count_include_pad=0 with an empty window',
    call: { opType: 'AveragePool', name: 'pool12', attributes: { kernel_shape: [2, 2], pads: [0, 0, 0, 3], strides: [1, 3] }, inputs: [x] },
    messageMatches: [/pool12/, /AveragePool/, /pads/, /\[0, 0, 0, 3\]/, /no input element/],
  },
  {
    name: 'MaxPool SAME_UPPER with dilation leaves an empty window on a 1x1 input',
    call: { opType: 'MaxPool', name: 'pool13', attributes: { kernel_shape: [2, 2], dilations: [3, 3], auto_pad: 'SAME_UPPER' }, inputs: [randomTensor([1, 1, 1, 1], 2)] },
    messageMatches: [/pool13/, /MaxPool/, /auto_pad/, /SAME_UPPER/, /no input element/],
  },
  {
    name: 'AveragePool count_include_pad 2',
    call: { opType: 'AveragePool', name: 'pool14', attributes: { kernel_shape: [2, 2], count_include_pad: 2 }, inputs: [x] },
    messageMatches: [/pool14/, /AveragePool/, /count_include_pad/, /=2/],
  },
  {
    name: 'AveragePool ceil_mode 2',
    call: { opType: 'AveragePool', name: 'pool15', attributes: { kernel_shape: [2, 2], ceil_mode: 2 }, inputs: [x] },
    messageMatches: [/pool15/, /AveragePool/, /ceil_mode/, /=2/],
  },
  {
    name: 'MaxPool unknown auto_pad',
    call: { opType: 'MaxPool', name: 'pool16', attributes: { kernel_shape: [2, 2], auto_pad: 'SAME' }, inputs: [x] },
    messageMatches: [/pool16/, /MaxPool/, /auto_pad/, /'SAME'/],
  },
  {
    name: 'MaxPool pads together with auto_pad',
    call: { opType: 'MaxPool', name: 'pool17', attributes: { kernel_shape: [2, 2], auto_pad: 'VALID', pads: [1, 1, 1, 1] }, inputs: [x] },
    messageMatches: [/pool17/, /MaxPool/, /pads/, /VALID/],
  },
  {
    name: 'MaxPool zero stride',
    call: { opType: 'MaxPool', name: 'pool18', attributes: { kernel_shape: [2, 2], strides: [0, 1] }, inputs: [x] },
    messageMatches: [/pool18/, /MaxPool/, /strides/, /\[0, 1\]/, /positive/],
  },
  {
    name: 'MaxPool unknown attribute',
    call: { opType: 'MaxPool', name: 'pool19', attributes: { kernel_shape: [2, 2], count_include_pad: 1 }, inputs: [x] },
    messageMatches: [/pool19/, /MaxPool/, /count_include_pad/, /not an attribute/],
  },
  {
    name: 'MaxPool rank-3 input',
    call: { opType: 'MaxPool', name: 'pool20', attributes: { kernel_shape: [2, 2] }, inputs: [randomTensor([2, 5, 5], 3)] },
    messageMatches: [/pool20/, /MaxPool/, /input X/, /\[2x5x5\]/, /rank 4/],
  },
  {
    name: 'GlobalAveragePool rank-3 input',
    call: { opType: 'GlobalAveragePool', name: 'gap1', inputs: [randomTensor([2, 5, 5], 3)] },
    messageMatches: [/gap1/, /GlobalAveragePool/, /input X/, /\[2x5x5\]/, /rank 4/],
  },
  {
    name: 'GlobalAveragePool addend of another shape',
    call: { opType: 'GlobalAveragePool', name: 'gap3', inputs: [randomTensor([1, 2, 4, 4], 4), randomTensor([1, 2, 4, 1], 5)] },
    messageMatches: [/gap3/, /GlobalAveragePool/, /input X2/, /\[1x2x4x1\]/, /\[1x2x4x4\]/],
  },
  {
    name: 'GlobalAveragePool with an attribute',
    call: { opType: 'GlobalAveragePool', name: 'gap2', attributes: { kernel_shape: [2, 2] }, inputs: [x] },
    messageMatches: [/gap2/, /GlobalAveragePool/, /kernel_shape/, /not an attribute/],
  },
];
