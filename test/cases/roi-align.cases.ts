/**
 * RoiAlign (ONNX opset 16/17; see src/ops/roi-align.ts).
 * Tolerance: atol 2e-6, rtol 1e-6. The ROI geometry and sample positions are f32 on both sides
 * (so the adaptive grid and the outside-sample rule agree; no sample of these cases lies within
 * 0.04 of the -1 / H / W cut-offs), but the reference weights and sums in float64 while the kernel
 * accumulates in f32: up to 4 x 120 weighted terms of inputs in [-1, 1] in the largest grid here
 * (observed on SwiftShader: at most 1.2e-7 away).
 */
import { int64Tensor, tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 2e-6, rtol: 1e-6 };

function roiAlignCall(attributes: Attributes, x: Tensor, rois: number[][], batchIndices: number[], name?: string) {
  return {
    opType: 'RoiAlign',
    name,
    attributes,
    inputs: [x, tensor([rois.length, 4], rois.flat()), int64Tensor([batchIndices.length], batchIndices)],
  };
}

/** The feature map of the grid: batch 2, 3 channels, odd H and W. */
const FEATURES = randomTensor([2, 3, 9, 11], 7);

/**
 * ROIs in FEATURE-map coordinates (x1, y1, x2, y2), with their batch item; the grid divides them
 * by spatial_scale to get image coordinates. H = 9, W = 11.
 */
const FEATURE_ROIS: { roi: number[]; batch: number; what: string }[] = [
  { roi: [1.3, 0.7, 6.2, 5.9], batch: 0, what: 'inside' },
  { roi: [-2.6, -1.8, 3.1, 2.4], batch: 1, what: 'partly outside, top left' },
  { roi: [7.4, 5.2, 13.8, 11.6], batch: 0, what: 'partly outside, bottom right' },
  { roi: [14.2, 12.3, 18.1, 16.6], batch: 1, what: 'wholly outside, past the end' },
  { roi: [-6.1, -5.3, -2.6, -1.7], batch: 0, what: 'wholly outside, before the start' },
  { roi: [2.1, 3.05, 2.45, 3.3], batch: 1, what: 'smaller than a pixel (forced to 1x1 by output_half_pixel)' },
  { roi: [5.3, 4.2, 3.1, 2.2], batch: 1, what: 'inverted (x2 < x1, y2 < y1)' },
  { roi: [0.2, 0.1, 10.9, 8.8], batch: 1, what: 'the whole map' },
];

const gridCases: OpCase[] = (['avg', 'max'] as const).flatMap((mode) =>
  (['half_pixel', 'output_half_pixel'] as const).flatMap((coordinate_transformation_mode) =>
    [0, 1, 2].flatMap((sampling_ratio) =>
      [0.5, 0.25].flatMap((spatial_scale) =>
        [
          [3, 3],
          [7, 5],
        ].map(([output_height, output_width]) => ({
          name: `${mode} ${coordinate_transformation_mode} sampling_ratio ${sampling_ratio} spatial_scale ${spatial_scale} out ${output_height}x${output_width}`,
          call: roiAlignCall(
            { mode, coordinate_transformation_mode, sampling_ratio, spatial_scale, output_height, output_width },
            FEATURES,
            FEATURE_ROIS.map(({ roi }) => roi.map((v) => v / spatial_scale)),
            FEATURE_ROIS.map(({ batch }) => batch),
          ),
          tolerance: tol,
        })),
      ),
    ),
  ),
);

/** X[0, 0, y, x] = 4y + x: bilinear interpolation of it is exact, so averages are easy by hand. */
const ramp = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));

const handWorked: OpCase[] = [
  {
    // half_pixel: roi (0.5..2.5) - 0.5 = 0..2 on both axes, 2x2 bins of size 1, 2x2 samples per bin
    // at 0.25 and 0.75 (+1 for the second bin). The average of a linear function over symmetric
    // samples is its value at their mean: bins centred at (0.5, 0.5), (0.5, 1.5), (1.5, 0.5),
    // (1.5, 1.5) give 4*0.5+0.5 = 2.5, 3.5, 6.5, 7.5.
    name: 'hand-worked avg half_pixel 2x2 bins',
    call: roiAlignCall({ output_height: 2, output_width: 2, sampling_ratio: 2 }, ramp, [[0.5, 0.5, 2.5, 2.5]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 2, 2], [2.5, 3.5, 6.5, 7.5])],
  },
  {
    // output_half_pixel: no shift, roi 0..2, one bin of size 2, samples at 0.5 and 1.5: mean (1, 1) -> 5.
    name: 'hand-worked avg output_half_pixel one bin',
    call: roiAlignCall({ coordinate_transformation_mode: 'output_half_pixel', sampling_ratio: 2 }, ramp, [[0, 0, 2, 2]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 1, 1], [5])],
  },
  {
    // half_pixel roi 2..4: samples at 2.5 and 3.5; 3.5 lies past the last row/column (3) but inside
    // [-1, 4], so it is clamped to 3. Values at (2.5|3, 2.5|3): 12.5, 13, 14.5, 15 -> 55/4 = 13.75.
    name: 'hand-worked avg samples clamped to the last row and column',
    call: roiAlignCall({ sampling_ratio: 2 }, ramp, [[2.5, 2.5, 4.5, 4.5]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 1, 1], [13.75])],
  },
  {
    // half_pixel: x 3..5, y 0..2: samples x = 3.5 (clamped to 3) and 4.5 (> W = 4: contributes 0),
    // y = 0.5, 1.5. (0.5, 3) = 5, (1.5, 3) = 9, the other two 0; count stays 4: 14/4 = 3.5.
    name: 'hand-worked avg samples past the map contribute 0 but count',
    call: roiAlignCall({ sampling_ratio: 2 }, ramp, [[3.5, 0.5, 5.5, 2.5]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 1, 1], [3.5])],
  },
  {
    // max of weighted corners (onnxruntime): samples (y, x) in {0.25, 0.75}^2 of the roi 0..1.
    // (0.25, 0.25): max(.5625*0, .1875*1, .1875*4, .0625*5) = 0.75
    // (0.25, 0.75): max(.1875*0, .5625*1, .0625*4, .1875*5) = 0.9375
    // (0.75, 0.25): max(.1875*0, .0625*1, .5625*4, .1875*5) = 2.25
    // (0.75, 0.75): max(.0625*0, .1875*1, .1875*4, .5625*5) = 2.8125
    // -> 2.8125 (a max of interpolated values would give 3.75).
    name: 'hand-worked max is the max of weighted corner terms',
    call: roiAlignCall({ mode: 'max', sampling_ratio: 2 }, ramp, [[0.5, 0.5, 1.5, 1.5]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 1, 1], [2.8125])],
  },
  {
    // The roi of the "past the map" case in max mode: sample (0.5, 3): corners at row 0/1, column 3
    // with weights .5, 0, .5, 0 -> max(1.5, 0, 3.5, 0) = 3.5; (1.5, 3): max(3.5, 0, 5.5, 0) = 5.5;
    // the outside samples offer 0. -> 5.5.
    name: 'hand-worked max with samples past the map',
    call: roiAlignCall({ mode: 'max', sampling_ratio: 2 }, ramp, [[3.5, 0.5, 5.5, 2.5]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 1, 1], [5.5])],
  },
  {
    // Every sample lies beyond -1: nothing contributes, in both modes.
    name: 'hand-worked roi wholly outside gives 0 (avg)',
    call: roiAlignCall({ output_height: 2, output_width: 1 }, ramp, [[-9, -9, -4, -4]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 2, 1], [0, 0])],
  },
  {
    name: 'hand-worked roi wholly outside gives 0 (max)',
    call: roiAlignCall({ mode: 'max', output_height: 2, output_width: 1 }, ramp, [[6, 6, 9, 9]], [0]),
    tolerance: tol,
    expected: [tensor([1, 1, 2, 1], [0, 0])],
  },
];

const otherCases: OpCase[] = [
  {
    name: 'defaults (avg, half_pixel, 1x1, adaptive sampling, scale 1) on several batch items',
    call: roiAlignCall({}, randomTensor([3, 2, 6, 7], 8), [[0, 0, 7, 6], [1.5, 2.5, 4, 5], [3, 1, 6.5, 4], [2, 2, 3, 3]], [2, 0, 1, 2]),
    tolerance: tol,
  },
  {
    name: 'avg 7x7 bins, spatial_scale 1/16 (Mask R-CNN style)',
    call: roiAlignCall(
      { output_height: 7, output_width: 7, spatial_scale: 0.0625 },
      randomTensor([2, 4, 12, 10], 9),
      [[10, 20, 150, 180], [0, 0, 160, 192], [50.5, 33.3, 90.1, 70.7]],
      [1, 0, 1],
    ),
    tolerance: tol,
  },
  ...(['avg', 'max'] as const).map((mode) => ({
    // The whole 12x10 map in one bin: an adaptive grid of 12 x 10 samples.
    name: `${mode} 1x1 over the whole map: a 12x10 adaptive sampling grid`,
    call: roiAlignCall({ mode, spatial_scale: 0.0625 }, randomTensor([2, 4, 12, 10], 11), [[0, 0, 160, 192], [8, 8, 168, 200]], [0, 1]),
    tolerance: tol,
  })),
  {
    name: 'no rois gives an empty output',
    call: { opType: 'RoiAlign', inputs: [randomTensor([1, 2, 4, 4], 10), tensor([0, 4], []), int64Tensor([0], [])] },
    tolerance: tol,
  },
];

export const cases: OpCase[] = [...handWorked, ...gridCases, ...otherCases];

const x = randomTensor([2, 3, 5, 5], 1);

export const invalidCases: InvalidCase[] = [
  {
    name: 'batch index out of range',
    call: roiAlignCall({}, x, [[0, 0, 2, 2], [1, 1, 3, 3]], [1, 2], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /batch_indices/, /has 2 for roi 1/, /0\.\.1/],
  },
  {
    name: 'negative batch index',
    call: roiAlignCall({}, x, [[0, 0, 2, 2]], [-1], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /batch_indices/, /-1/],
  },
  {
    name: 'roi count and batch index count differ',
    call: { opType: 'RoiAlign', name: 'roi1', inputs: [x, tensor([2, 4], [0, 0, 1, 1, 0, 0, 2, 2]), int64Tensor([3], [0, 0, 1])] },
    messageMatches: [/roi1/, /RoiAlign/, /batch_indices/, /3 entries/, /2 rows/],
  },
  {
    name: 'rois with 5 columns',
    call: { opType: 'RoiAlign', name: 'roi1', inputs: [x, tensor([1, 5], [0, 0, 0, 1, 1]), int64Tensor([1], [0])] },
    messageMatches: [/roi1/, /RoiAlign/, /rois/, /\[1x5\]/],
  },
  {
    name: 'X of rank 3',
    call: roiAlignCall({}, randomTensor([3, 5, 5], 2), [[0, 0, 1, 1]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /X/, /\[3x5x5\]/, /rank-4/],
  },
  {
    name: 'unknown mode',
    call: roiAlignCall({ mode: 'min' }, x, [[0, 0, 2, 2]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /mode='min'/, /must be one of/],
  },
  {
    name: 'bad coordinate_transformation_mode',
    call: roiAlignCall({ coordinate_transformation_mode: 'align_corners' }, x, [[0, 0, 2, 2]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /coordinate_transformation_mode='align_corners'/, /must be one of/],
  },
  {
    name: 'output_height 0',
    call: roiAlignCall({ output_height: 0 }, x, [[0, 0, 2, 2]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /output_height=0/, /at least 1/],
  },
  {
    name: 'negative sampling_ratio',
    call: roiAlignCall({ sampling_ratio: -1 }, x, [[0, 0, 2, 2]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /sampling_ratio=-1/, /negative/],
  },
  {
    name: 'zero spatial_scale',
    call: roiAlignCall({ spatial_scale: 0 }, x, [[0, 0, 2, 2]], [0], 'roi1'),
    messageMatches: [/roi1/, /RoiAlign/, /spatial_scale=0/, /positive/],
  },
];
