/**
 * Resize (ONNX opset 17; see src/ops/resize.ts).
 * Tolerances: nearest copies input values and the CPU reference computes the source coordinate in
 * f32 exactly as the kernel does, so nearest is compared EXACTLY (a wrong pixel is a failure, not
 * noise). Linear: atol 2e-6, rtol 1e-6 against the float64 interpolation of the reference: inputs
 * lie in [-1, 1] and the kernel's f32 weights and three lerps contribute a few ulps.
 */
import { int64Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };
const linearTol = { atol: 2e-6, rtol: 1e-6 };

const COORDINATE_MODES = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

const scales = (values: number[]): Tensor => tensor([values.length], values);
const sizes = (values: number[]): Tensor => int64Tensor([values.length], values);

/** X, roi, scales, sizes in ONNX order; opset-13 style (omitted inputs undefined). */
function resizeCall(attributes: Attributes, x: Tensor, by: { scales?: number[]; sizes?: number[] }, name?: string) {
  return {
    opType: 'Resize',
    name,
    attributes,
    inputs: [x, undefined, by.scales ? scales(by.scales) : undefined, by.sizes ? sizes(by.sizes) : undefined],
  };
}

/** Shapes and scales of the grid: up- and down-scaling, non-integer scales, odd sizes, batch 2. */
const CONFIGS: { label: string; shape: number[]; by: { scales?: number[]; sizes?: number[] } }[] = [
  // H 5 -> floor(5 * 1.7) = 8, W 7 -> floor(7 * 0.6) = 4: up along H, down along W, odd sizes.
  { label: '2x3x5x7 scales 1.7, 0.6', shape: [2, 3, 5, 7], by: { scales: [1, 1, 1.7, 0.6] } },
  { label: '1x2x6x4 scales 0.5, 2.5', shape: [1, 2, 6, 4], by: { scales: [1, 1, 0.5, 2.5] } },
  { label: '2x3x5x7 sizes 9x4', shape: [2, 3, 5, 7], by: { sizes: [2, 3, 9, 4] } },
  // Output length 1 along H: align_corners and pytorch_half_pixel take coordinate 0 there.
  { label: '1x2x4x5 sizes 1x3', shape: [1, 2, 4, 5], by: { sizes: [1, 2, 1, 3] } },
  // Exact power-of-two factors: every mode but align_corners takes the integer-scale kernel
  // (src/ops/resize.ts); align_corners keeps the general one. W 7 is read as scalars (7 % 4 != 0),
  // H 5 is odd (the last 2-row tile is half empty); W 8 is read and written as vec4s.
  { label: '2x3x5x7 scales 2, 2', shape: [2, 3, 5, 7], by: { scales: [1, 1, 2, 2] } },
  { label: '1x2x3x8 sizes x2 (vec4)', shape: [1, 2, 3, 8], by: { sizes: [1, 2, 6, 16] } },
  { label: '2x2x3x5 scales 4, 1', shape: [2, 2, 3, 5], by: { scales: [1, 1, 4, 1] } },
];

const gridCases: OpCase[] = CONFIGS.flatMap((config, ci) =>
  COORDINATE_MODES.flatMap((coordinate_transformation_mode) => [
    // linear: nearest_mode does not apply.
    {
      name: `linear ${coordinate_transformation_mode} ${config.label}`,
      call: resizeCall({ mode: 'linear', coordinate_transformation_mode }, randomTensor(config.shape, 100 + ci), config.by),
      tolerance: linearTol,
    },
    // nearest: every nearest_mode on the first, third and integer-scale configs, the default on the others.
    ...(ci === 0 || ci === 2 || ci >= 4 ? NEAREST_MODES : (['round_prefer_floor'] as const)).map((nearest_mode) => ({
      name: `nearest ${coordinate_transformation_mode} ${nearest_mode} ${config.label}`,
      call: resizeCall({ mode: 'nearest', coordinate_transformation_mode, nearest_mode }, randomTensor(config.shape, 200 + ci), config.by),
      tolerance: exact,
    })),
  ]),
);

const x2x2 = tensor([1, 1, 2, 2], [1, 2, 3, 4]);
const x3x3 = tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
const x4x4 = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));

const handWorked: OpCase[] = [
  {
    // half_pixel, scale 2: x_original = x/2 - 0.25 -> 0 (clamped from -0.25), 0.25, 0.75, 1 (clamped
    // from 1.25). Rows interpolate [1, 1.25, 1.75, 2] and [3, 3.25, 3.75, 4] at 0, .25, .75, 1.
    // (This is PyTorch's bilinear align_corners=False result.)
    name: 'hand-worked linear half_pixel 2x2 -> 4x4',
    call: resizeCall({ mode: 'linear' }, x2x2, { scales: [1, 1, 2, 2] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 4, 4], [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])],
  },
  {
    // align_corners 2 -> 3: x_original = x * 1 / 2 = 0, 0.5, 1.
    name: 'hand-worked linear align_corners 2x2 -> sizes 3x3',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, x2x2, { sizes: [1, 1, 3, 3] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 3, 3], [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])],
  },
  {
    // sizes 1x1: half_pixel uses scale 1/3, x_original = 0.5 * 3 - 0.5 = 1, the centre (5);
    // pytorch_half_pixel and align_corners use 0 for a length-1 output (1).
    name: 'hand-worked linear half_pixel 3x3 -> 1x1 takes the centre',
    call: resizeCall({ mode: 'linear' }, x3x3, { sizes: [1, 1, 1, 1] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 1, 1], [5])],
  },
  {
    name: 'hand-worked linear pytorch_half_pixel 3x3 -> 1x1 takes the corner',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, x3x3, { sizes: [1, 1, 1, 1] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 1, 1], [1])],
  },
  {
    name: 'hand-worked nearest align_corners 3x3 -> 1x2 (out 1 along H)',
    // H: out 1 -> 0. W: x * 2 / 1 = 0, 2.
    call: resizeCall({ mode: 'nearest', coordinate_transformation_mode: 'align_corners' }, x3x3, { sizes: [1, 1, 1, 2] }),
    tolerance: exact,
    expected: [tensor([1, 1, 1, 2], [1, 3])],
  },
  {
    // PyTorch mode='nearest': asymmetric + floor. H: y / 2 = 0, .5, 1, 1.5 -> 0, 0, 1, 1.
    // W: x / 1.5 = 0, .67, 1.33, 2 -> 0, 0, 1, 2.
    name: 'hand-worked nearest asymmetric floor 2x3 -> 4x4',
    call: resizeCall({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, tensor([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]), { scales: [1, 1, 2, 1.5] }),
    tolerance: exact,
    expected: [tensor([1, 1, 4, 4], [1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6, 4, 4, 5, 6])],
  },
  {
    // half_pixel, scale 0.5: x_original = (x + 0.5) * 2 - 0.5 = 0.5, 2.5: exact ties.
    // round_prefer_floor takes rows/columns 0, 2.
    name: 'hand-worked nearest half_pixel round_prefer_floor tie 4x4 -> 2x2',
    call: resizeCall({ mode: 'nearest' }, x4x4, { scales: [1, 1, 0.5, 0.5] }),
    tolerance: exact,
    expected: [tensor([1, 1, 2, 2], [0, 2, 8, 10])],
  },
  {
    // ... and round_prefer_ceil takes 1, 3 (PyTorch nearest-exact picks these too: floor((x+0.5)*2)).
    name: 'hand-worked nearest half_pixel round_prefer_ceil tie 4x4 -> 2x2',
    call: resizeCall({ mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, x4x4, { scales: [1, 1, 0.5, 0.5] }),
    tolerance: exact,
    expected: [tensor([1, 1, 2, 2], [5, 7, 13, 15])],
  },
  {
    // ceil with tf_half_pixel_for_nn, scale 2: (x + 0.5) / 2 = .25, .75, 1.25, 1.75 -> 1, 1, 2, 2,
    // clamped to 1, 1, 1, 1: every output is X[1][1] of the 2x2 input.
    name: 'hand-worked nearest tf_half_pixel_for_nn ceil clamps to the last pixel',
    call: resizeCall({ mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil' }, x2x2, { scales: [1, 1, 2, 2] }),
    tolerance: exact,
    expected: [tensor([1, 1, 4, 4], new Array(16).fill(4))],
  },
  {
    // The spec's formula on an axis of scale 1 (onnxruntime instead maps such an axis to itself).
    // H: (y + 0.5) / 1 = 0.5, 1.5 -> round_prefer_ceil 1, 2 -> clamped 1, 1: both rows are row 1.
    // W: (x + 0.5) / 2 = .25, .75, 1.25, 1.75, 2.25, 2.75 -> 0, 1, 1, 2, 2, 3 -> clamped 0,1,1,2,2,2.
    name: 'hand-worked nearest tf_half_pixel_for_nn round_prefer_ceil shifts even at scale 1',
    call: resizeCall({ mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'round_prefer_ceil' }, tensor([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]), { scales: [1, 1, 1, 2] }),
    tolerance: exact,
    expected: [tensor([1, 1, 2, 6], [4, 5, 5, 6, 6, 6, 4, 5, 5, 6, 6, 6])],
  },
];

// The integer-scale kernel: x2 / x4 with weights 0.25 / 0.75 (x2) and 1/8, 3/8, 5/8, 7/8 (x4).
const row3 = tensor([1, 1, 1, 3], [1, 2, 4]);

const integerScaleHandWorked: OpCase[] = [
  {
    // asymmetric x2: x_original = x / 2 = 0, .5, 1, 1.5, 2, 2.5 (clamped to 2): 1, 1.5, 2, 3, 4, 4.
    // H: 1 -> 2, both rows read row 0.
    name: 'hand-worked linear asymmetric x2 1x3 -> 2x6',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, row3, { scales: [1, 1, 2, 2] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 2, 6], [1, 1.5, 2, 3, 4, 4, 1, 1.5, 2, 3, 4, 4])],
  },
  {
    // tf_half_pixel_for_nn x2: (x + 0.5) / 2 = .25, .75, 1.25, 1.75, 2.25 and 2.75 (both clamped to 2):
    // 1.25, 1.75, 2.5, 3.5, 4, 4.
    name: 'hand-worked linear tf_half_pixel_for_nn x2 1x3 -> 2x6',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, row3, { sizes: [1, 1, 2, 6] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 2, 6], [1.25, 1.75, 2.5, 3.5, 4, 4, 1.25, 1.75, 2.5, 3.5, 4, 4])],
  },
  {
    // half_pixel x4 along W: (x + 0.5) / 4 - 0.5 = -.375, -.125 (clamped to 0), .125, .375, .625,
    // .875, 1.125, 1.375 (clamped to 1) between 0 and 8: 0, 0, 1, 3, 5, 7, 8, 8. H: 1 -> 1.
    name: 'hand-worked linear half_pixel x4 1x2 -> 1x8',
    call: resizeCall({ mode: 'linear' }, tensor([1, 1, 1, 2], [0, 8]), { scales: [1, 1, 1, 4] }),
    tolerance: linearTol,
    expected: [tensor([1, 1, 1, 8], [0, 0, 1, 3, 5, 7, 8, 8])],
  },
  {
    // half_pixel x2, nearest floor: x_original = -.25, .25, .75, 1.25, 1.75, 2.25 -> -1 (clamped
    // to 0), 0, 0, 1, 1, 2: 1, 1, 1, 2, 2, 4. (round_prefer_floor would replicate each pixel.)
    name: 'hand-worked nearest half_pixel floor x2 1x3 -> 1x6',
    call: resizeCall({ mode: 'nearest', nearest_mode: 'floor' }, row3, { scales: [1, 1, 1, 2] }),
    tolerance: exact,
    expected: [tensor([1, 1, 1, 6], [1, 1, 1, 2, 2, 4])],
  },
  {
    // The segmentation-head case read as vec4s, worked by hand on one row of 8 (H 1 -> 2, both
    // rows equal): half_pixel x2 gives x[0], then 0.75 x[j] + 0.25 x[j -+ 1] around each pixel, then x[7].
    name: 'hand-worked linear half_pixel x2 1x8 -> 2x16 (vec4 tile edges)',
    call: resizeCall({ mode: 'linear' }, tensor([1, 1, 1, 8], [0, 4, 8, 12, 16, 20, 24, 28]), { scales: [1, 1, 2, 2] }),
    tolerance: linearTol,
    expected: [
      tensor([1, 1, 2, 16], [
        ...[0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 28],
        ...[0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 28],
      ]),
    ],
  },
];

/** Shapes around the integer-scale kernel's tiles (2 x 4 input pixels) and its selection rule. */
const integerScaleCases: OpCase[] = [
  ...[
    { label: '1x3x1x1 -> x2', shape: [1, 3, 1, 1], by: { scales: [1, 1, 2, 2] } },
    { label: '2x1x1x4 -> x2 (vec4, one tile)', shape: [2, 1, 1, 4], by: { scales: [1, 1, 2, 2] } },
    { label: '1x1x1x1 -> sizes 4x4', shape: [1, 1, 1, 1], by: { sizes: [1, 1, 4, 4] } },
    { label: '3x2x6x12 -> x2 (vec4, 3 tiles a row)', shape: [3, 2, 6, 12], by: { scales: [1, 1, 2, 2] } },
    { label: '1x2x33x20 -> sizes x2 (vec4, odd H)', shape: [1, 2, 33, 20], by: { sizes: [1, 2, 66, 40] } },
    { label: '1x2x7x9 -> x2 H only', shape: [1, 2, 7, 9], by: { scales: [1, 1, 2, 1] } },
    { label: '1x1x5x6 -> x2 H, x4 W', shape: [1, 1, 5, 6], by: { scales: [1, 1, 2, 4] } },
    { label: '2x2x3x4 -> x4', shape: [2, 2, 3, 4], by: { scales: [1, 1, 4, 4] } },
    { label: 'rank 3 3x5x8 -> x2', shape: [3, 5, 8], by: { scales: [1, 2, 2] } },
    { label: 'rank 1 7 -> x2', shape: [7], by: { scales: [2] } },
    // Not integer power-of-two factors (or not exact): the general kernel.
    { label: '1x2x3x4 -> x8 (general kernel)', shape: [1, 2, 3, 4], by: { scales: [1, 1, 8, 8] } },
    { label: '1x2x5x6 -> x3 (general kernel)', shape: [1, 2, 5, 6], by: { scales: [1, 1, 3, 3] } },
    { label: '1x2x5x6 -> sizes 2n+1 (general kernel)', shape: [1, 2, 5, 6], by: { sizes: [1, 2, 11, 13] } },
    { label: '1x2x5x8 -> scales 2, 2.5 (general kernel)', shape: [1, 2, 5, 8], by: { scales: [1, 1, 2, 2.5] } },
  ].flatMap((config, ci) =>
    COORDINATE_MODES.flatMap((coordinate_transformation_mode) => [
      {
        name: `linear ${coordinate_transformation_mode} ${config.label}`,
        call: resizeCall({ mode: 'linear', coordinate_transformation_mode }, randomTensor(config.shape, 400 + ci), config.by),
        tolerance: linearTol,
      },
      {
        name: `nearest ${coordinate_transformation_mode} ${NEAREST_MODES[ci % 4]} ${config.label}`,
        call: resizeCall({ mode: 'nearest', coordinate_transformation_mode, nearest_mode: NEAREST_MODES[ci % 4] }, randomTensor(config.shape, 450 + ci), config.by),
        tolerance: exact,
      },
    ]),
  ),
  {
    // sizes equal to the input: factor 1 on both axes; pytorch_half_pixel's out == 1 rule applies on H.
    name: 'linear pytorch_half_pixel 2x3x1x5 -> same size',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, randomTensor([2, 3, 1, 5], 500), { sizes: [2, 3, 1, 5] }),
    tolerance: linearTol,
  },
  {
    name: 'linear half_pixel downsample x0.5 (general kernel)',
    call: resizeCall({ mode: 'linear' }, randomTensor([1, 2, 8, 8], 501), { scales: [1, 1, 0.5, 0.5] }),
    tolerance: linearTol,
  },
];

const otherCases: OpCase[] = [
  {
    name: 'linear opset-11 style: empty roi and scales, sizes given',
    call: {
      opType: 'Resize',
      attributes: { mode: 'linear' },
      inputs: [randomTensor([2, 2, 5, 6], 300), tensor([0], []), tensor([0], []), sizes([2, 2, 8, 3])],
    },
    tolerance: linearTol,
  },
  {
    // onnxruntime rejects an empty sizes tensor next to scales; an empty tensor counts as absent here.
    name: 'nearest: empty roi, scales given, empty sizes tensor',
    call: {
      opType: 'Resize',
      attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      inputs: [randomTensor([1, 3, 5, 6], 301), tensor([0], []), scales([1, 1, 2, 2]), int64Tensor([0], [])],
    },
    tolerance: exact,
  },
  {
    name: 'linear half_pixel 2x3x17x13 upsample x2 (segmentation head)',
    call: resizeCall({ mode: 'linear' }, randomTensor([2, 3, 17, 13], 302), { scales: [1, 1, 2, 2] }),
    tolerance: linearTol,
  },
  {
    name: 'linear align_corners 1x4x9x11 -> 32x20',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, randomTensor([1, 4, 9, 11], 303), { sizes: [1, 4, 32, 20] }),
    tolerance: linearTol,
  },
  {
    name: 'nearest half_pixel 1x2x12x15 downsample by 3 (sizes)',
    call: resizeCall({ mode: 'nearest' }, randomTensor([1, 2, 12, 15], 304), { sizes: [1, 2, 4, 5] }),
    tolerance: exact,
  },
  {
    name: 'linear rank 3 (only the last two axes resize)',
    call: resizeCall({ mode: 'linear' }, randomTensor([3, 5, 6], 305), { scales: [1, 1.5, 0.5] }),
    tolerance: linearTol,
  },
  {
    name: 'nearest rank 2',
    call: resizeCall({ mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, randomTensor([5, 6], 306), { sizes: [7, 3] }),
    tolerance: exact,
  },
  {
    name: 'linear rank 1',
    call: resizeCall({ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, randomTensor([7], 307), { scales: [1.5] }),
    tolerance: linearTol,
  },
  {
    name: 'attributes for other modes are accepted (cubic_coeff_a, exclude_outside, extrapolation_value)',
    call: resizeCall({ mode: 'linear', cubic_coeff_a: -0.5, exclude_outside: 1, extrapolation_value: 3 }, randomTensor([1, 1, 4, 5], 308), { scales: [1, 1, 1.7, 1.7] }),
    tolerance: linearTol,
  },
  {
    name: 'default mode is nearest',
    call: resizeCall({}, randomTensor([1, 1, 3, 4], 309), { scales: [1, 1, 3, 2] }),
    tolerance: exact,
  },
];

export const cases: OpCase[] = [...handWorked, ...integerScaleHandWorked, ...gridCases, ...integerScaleCases, ...otherCases];

const x = randomTensor([1, 3, 4, 4], 1);

export const invalidCases: InvalidCase[] = [
  {
    name: 'mode cubic is unsupported',
    call: resizeCall({ mode: 'cubic' }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /mode='cubic'/, /not supported/],
  },
  {
    name: 'unknown mode string',
    call: resizeCall({ mode: 'bilinear' }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /mode='bilinear'/],
  },
  {
    name: 'bad coordinate_transformation_mode string',
    call: resizeCall({ coordinate_transformation_mode: 'half_pixels' }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /coordinate_transformation_mode='half_pixels'/, /must be one of/],
  },
  {
    name: 'tf_crop_and_resize is unsupported',
    call: resizeCall({ coordinate_transformation_mode: 'tf_crop_and_resize' }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /coordinate_transformation_mode='tf_crop_and_resize'/, /not supported/],
  },
  {
    name: 'bad nearest_mode string',
    call: resizeCall({ nearest_mode: 'round' }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /nearest_mode='round'/],
  },
  {
    name: 'exclude_outside other than 0/1',
    call: resizeCall({ exclude_outside: 2 }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /exclude_outside=2/],
  },
  {
    name: 'opset-18 attribute antialias is unknown at opset 17',
    call: resizeCall({ antialias: 1 }, x, { scales: [1, 1, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /antialias=1/, /not an attribute/],
  },
  {
    name: 'both scales and sizes given',
    call: resizeCall({}, x, { scales: [1, 1, 2, 2], sizes: [1, 3, 8, 8] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /sizes/, /both given/],
  },
  {
    name: 'neither scales nor sizes given',
    call: resizeCall({}, x, {}, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /sizes/, /missing or empty/],
  },
  {
    name: 'scales resize the channel axis',
    call: resizeCall({}, x, { scales: [1, 2, 2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /\[1, 2, 2, 2\]/, /axis 1 \(C\)/, /spatial/],
  },
  {
    name: 'sizes change the batch axis',
    call: resizeCall({}, x, { sizes: [2, 3, 8, 8] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /sizes/, /axis 0 \(N\) from 1 to 2/, /spatial/],
  },
  {
    name: 'scales of the wrong length',
    call: resizeCall({}, x, { scales: [2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /\[2\]/, /4 values/],
  },
  {
    name: 'negative scale',
    call: resizeCall({}, x, { scales: [1, 1, -2, 2] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /-2/, /positive/],
  },
  {
    name: 'scale giving an empty output',
    call: resizeCall({}, x, { scales: [1, 1, 0.2, 1] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /scales/, /0\.2/, /empty output/],
  },
  {
    name: 'zero size',
    call: resizeCall({}, x, { sizes: [1, 3, 0, 4] }, 'up1'),
    messageMatches: [/up1/, /Resize/, /sizes/, /\[1, 3, 0, 4\]/, /at least 1/],
  },
  {
    name: 'float sizes',
    call: { opType: 'Resize', name: 'up1', inputs: [x, undefined, undefined, tensor([4], [1, 3, 8, 8])] },
    messageMatches: [/up1/, /Resize/, /sizes/, /float32/, /int64/],
  },
  // Non-constant scales/sizes cannot be expressed here: an op called on its own has every input
  // known (src/ops/call.ts). resolveGeometry() rejects them with "must be a constant".
];
