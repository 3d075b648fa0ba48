import { int32Tensor, tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { rng } from '../util/random.js';

const exact = { atol: 0, rtol: 0 };

function packed(h: number, rowWords: number, seed: number) {
  const next = rng(seed);
  return int32Tensor([h, rowWords], Array.from({ length: h * rowWords }, () => (next() * 2 ** 32) | 0));
}

// Pixel (R, G, B, A) packs as R | G << 8 | B << 16 | A << 24 (little-endian RGBA bytes).
const word = (r: number, g: number, b: number, a: number) => (r | (g << 8) | (b << 16) | (a << 24)) | 0;

export const cases: OpCase[] = [
  {
    name: 'hand-worked 2x2 image with a padded row',
    call: {
      opType: 'ImageToTensor',
      attributes: { width: 2 },
      inputs: [int32Tensor([2, 3], [word(255, 0, 0, 255), word(0, 255, 0, 255), 0, word(0, 0, 255, 0), word(1, 2, 3, 4), -1])],
    },
    tolerance: exact,
    expected: [tensor([1, 3, 2, 2], [255, 0, 0, 1, 0, 255, 0, 2, 0, 0, 255, 3])],
  },
  {
    name: 'hand-worked normalisation: (pixel / 255 - mean) / std as scale and bias',
    call: {
      opType: 'ImageToTensor',
      attributes: { width: 1, scale: [1 / 255, 2 / 255, 0.5], bias: [-0.5, 0, 1] },
      inputs: [int32Tensor([1, 1], [word(255, 51, 10, 255)])],
    },
    // Scale and bias are f32 uniforms on the GPU and may fuse into one fma: a few ulp apart.
    tolerance: { atol: 1e-6, rtol: 1e-6 },
    expected: [tensor([1, 3, 1, 1], [0.5, 0.4, 6])],
  },
  {
    name: 'random 11x6 image, ImageNet normalisation',
    call: {
      opType: 'ImageToTensor',
      attributes: { width: 6, scale: [0.229, 0.224, 0.225].map((s) => 1 / (255 * s)), bias: [-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225] },
      inputs: [packed(11, 64, 44)],
    },
    tolerance: { atol: 1e-6, rtol: 1e-6 },
  },
  {
    name: 'hand-worked 2x2 -> 1x1 resize: the average of the four pixels',
    call: {
      opType: 'ImageToTensor',
      attributes: { width: 2, out_height: 1, out_width: 1 },
      inputs: [int32Tensor([2, 2], [word(0, 4, 8, 0), word(100, 8, 8, 0), word(0, 12, 8, 0), word(100, 16, 8, 0)])],
    },
    tolerance: { atol: 1e-5, rtol: 1e-6 },
    expected: [tensor([1, 3, 1, 1], [50, 10, 8])],
  },
  ...[
    [13, 9, 64, 7, 5],
    [6, 10, 64, 15, 21],
    [512, 384, 384, 256, 256],
  ].map(([h, w, rowWords, oh, ow], i) => ({
    name: `random ${h}x${w} resized to ${oh}x${ow}, normalised`,
    call: {
      opType: 'ImageToTensor',
      attributes: { width: w, out_height: oh, out_width: ow, scale: [1 / 58, 1 / 57, 1 / 57.5], bias: [-2.1, -2.0, -1.8] },
      inputs: [packed(h, rowWords, 60 + i)],
    },
    // Bilinear weights are f32 on the GPU and f64 in the reference; values reach about 2.5.
    tolerance: { atol: 1e-5, rtol: 1e-5 },
  })),
  ...[
    [7, 9, 9],
    [5, 13, 64],
    [33, 17, 20],
  ].map(([h, w, rowWords], i) => ({
    name: `random ${h}x${w} in rows of ${rowWords} words`,
    call: { opType: 'ImageToTensor', attributes: { width: w }, inputs: [packed(h, rowWords, 40 + i)] },
    tolerance: exact,
  })),
];

export const invalidCases: InvalidCase[] = [
  {
    name: 'out_height without out_width',
    call: { opType: 'ImageToTensor', name: 'img', attributes: { width: 2, out_height: 3 }, inputs: [packed(2, 4, 1)] },
    messageMatches: [/img/, /ImageToTensor/, /out_width/, /both out_height and out_width/],
  },
  {
    name: 'scale with two values',
    call: { opType: 'ImageToTensor', name: 'img', attributes: { width: 2, scale: [1, 2] }, inputs: [packed(2, 4, 1)] },
    messageMatches: [/img/, /ImageToTensor/, /scale=\[1, 2\]/, /3 values/],
  },
  {
    name: 'width wider than the rows',
    call: { opType: 'ImageToTensor', name: 'img', attributes: { width: 5 }, inputs: [packed(2, 4, 1)] },
    messageMatches: [/img/, /ImageToTensor/, /width=5/],
  },
  {
    name: 'float pixels',
    call: { opType: 'ImageToTensor', name: 'img', attributes: { width: 2 }, inputs: [tensor([2, 2], [0, 0, 0, 0])] },
    messageMatches: [/img/, /ImageToTensor/, /pixels/, /float32/],
  },
];
