/**
 * FCN-32s / 16s / 8s (Long, Shelhamer, Darrell, "Fully Convolutional Networks for Semantic
 * Segmentation"): a VGG-style backbone whose first convolution pads by 100 (so every input size
 * yields an output, whatever the net's total stride), fc6/fc7 as 7x7 and 1x1 convolutions, 1x1
 * class scores, learned upsampling (ConvTranspose initialised to bilinear), skip fusion with
 * pool4 / pool3 scores cropped at the original's offsets (5, 9; final crops 19, 27, 31).
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';

export interface FcnConfig {
  readonly variant: '32s' | '16s' | '8s';
  readonly classes: number;
  /** Channels of the five backbone stages (VGG16: 64, 128, 256, 512, 512). */
  readonly stageWidths?: readonly [number, number, number, number, number];
  /** Convolutions per stage (VGG16: 2, 2, 3, 3, 3). */
  readonly convsPerStage?: readonly [number, number, number, number, number];
  /** fc6/fc7 width (VGG16: 4096). */
  readonly fcWidth?: number;
  readonly height: number;
  readonly width: number;
  readonly seed?: number;
}

const ceilHalf = (n: number) => Math.ceil(n / 2);

export function buildFcn(config: FcnConfig): Graph {
  const widths = config.stageWidths ?? [8, 16, 32, 32, 32];
  const convs = config.convsPerStage ?? [2, 2, 3, 3, 3];
  const fc = config.fcWidth ?? 64;
  const K = config.classes;
  const b = new GraphBuilder(`fcn${config.variant}`, config.seed ?? 1);
  let x = b.input('input', [1, 3, config.height, config.width]);
  let h = config.height + 198;
  let w = config.width + 198;
  let cin = 3;
  const pools: { name: string; channels: number; h: number; w: number }[] = [];
  for (let s = 0; s < 5; s++) {
    for (let i = 0; i < convs[s]; i++) {
      x = b.relu(b.conv(x, cin, widths[s], 3, { pad: s === 0 && i === 0 ? 100 : 1, name: `conv${s + 1}_${i + 1}` }));
      cin = widths[s];
    }
    x = b.maxPool(x, 2, 2, { ceil: true })[0];
    h = ceilHalf(h);
    w = ceilHalf(w);
    pools.push({ name: x, channels: cin, h, w });
  }
  if (h < 7 || w < 7) throw new SegwgpuError(`FCN: input ${config.height}x${config.width} is too small for fc6 (pool5 is ${h}x${w}, needs 7x7)`);
  x = b.relu(b.conv(x, cin, fc, 7, { name: 'fc6' }));
  h -= 6;
  w -= 6;
  x = b.relu(b.conv(x, fc, fc, 1, { name: 'fc7' }));
  let score = b.conv(x, fc, K, 1, { name: 'score_fr' });
  let finalFactor = 32;
  let finalCrop = 19;
  if (config.variant !== '32s') {
    // upscore2 + score_pool4 (cropped at 5)
    score = b.bilinearUpsample(score, K, 2, 4);
    h = 2 * h + 2;
    w = 2 * w + 2;
    const p4 = pools[3];
    const scorePool4 = b.crop(b.conv(p4.name, p4.channels, K, 1, { name: 'score_pool4' }), 5, 5, h, w);
    score = b.node('Add', [score, scorePool4])[0];
    finalFactor = 16;
    finalCrop = 27;
    if (config.variant === '8s') {
      score = b.bilinearUpsample(score, K, 2, 4);
      h = 2 * h + 2;
      w = 2 * w + 2;
      const p3 = pools[2];
      const scorePool3 = b.crop(b.conv(p3.name, p3.channels, K, 1, { name: 'score_pool3' }), 9, 9, h, w);
      score = b.node('Add', [score, scorePool3])[0];
      finalFactor = 8;
      finalCrop = 31;
    }
  }
  score = b.bilinearUpsample(score, K, finalFactor, 2 * finalFactor);
  const out = b.crop(score, finalCrop, finalCrop, config.height, config.width);
  return b.build([out]);
}
