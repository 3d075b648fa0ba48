/**
 * FCN-32s / 16s / 8s (Long, Shelhamer, Darrell, "Fully Convolutional Networks for Semantic
 * Segmentation"): a VGG-style backbone whose first convolution pads by 100 (so every input size
 * yields an output, whatever the net's total stride), fc6/fc7 as 7x7 and 1x1 convolutions, 1x1
 * class scores, learned upsampling (ConvTranspose initialised to bilinear), skip fusion with
 * pool4 / pool3 scores cropped at the original's offsets (5, 9; final crops 19, 27, 31).
 *
 * `upsampling` picks each up-sampling stage's mode, in the order they run (the Caffe layer names:
 * 32s 'upscore'; 16s 'upscore2', 'upscore16'; 8s 'upscore2', 'upscore_pool4', 'upscore8').
 * 'transposed-conv' (the default) is the paper's layer as Caffe wrote it: kernel 2f, stride f, no
 * padding, weights [K, K, 2f, 2f] bilinear on the diagonal; its output is f*h + f, and the crops
 * take the f/2 border that the menu's padded form (src/builders/upsampling.ts) trims, so both
 * compute the same values. 'nearest', 'bed-of-nails' and 'bilinear' make exactly f*h, centred as
 * the padded transposed conv is: each such stage shifts every later crop by f/2 (scaled by the
 * factors after it), which the builder follows so the skips stay aligned. 'max-unpool' is refused:
 * no stage has a matching pool (the scores are K channels, and fc6's unpadded 7x7 convolution
 * changes the size between pool5 and the first stage).
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';
import { UPSAMPLINGS, upsample, upsamplingPerStage, type Upsampling } from './upsampling.js';

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
  /** One mode for every up-sampling stage, or one per stage in order. Default 'transposed-conv'. */
  readonly upsampling?: Upsampling | readonly Upsampling[];
  readonly seed?: number;
}

const ceilHalf = (n: number) => Math.ceil(n / 2);

/** Each variant's up-sampling stages: factor, and the crop that follows (a pool's scores, or the output). */
const STAGES: Readonly<Record<FcnConfig['variant'], readonly { name: string; factor: number; crop: number; pool?: 2 | 3 }[]>> = {
  '32s': [{ name: 'upscore', factor: 32, crop: 19 }],
  '16s': [{ name: 'upscore2', factor: 2, crop: 5, pool: 3 }, { name: 'upscore16', factor: 16, crop: 27 }],
  '8s': [{ name: 'upscore2', factor: 2, crop: 5, pool: 3 }, { name: 'upscore_pool4', factor: 2, crop: 9, pool: 2 }, { name: 'upscore8', factor: 8, crop: 31 }],
};

export function buildFcn(config: FcnConfig): Graph {
  const stages = STAGES[config.variant];
  if (!stages) throw new SegwgpuError(`FCN: variant ${String(config.variant)} is not one of '32s', '16s', '8s'`);
  const label = `FCN-${config.variant}`;
  const modes = upsamplingPerStage(label, config.upsampling, UPSAMPLINGS, stages.map((s) => `stage '${s.name}'`), 'transposed-conv');
  modes.forEach((mode, i) => {
    if (mode === 'max-unpool') {
      throw new SegwgpuError(
        `${label} stage '${stages[i].name}' cannot take upsampling 'max-unpool': no encoder MaxPool matches it (its input is ${config.classes}-channel class scores, and fc6's unpadded 7x7 convolution changes the size after pool5); use 'nearest', 'bed-of-nails', 'transposed-conv' or 'bilinear'`,
      );
    }
  });
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
  // How many pixels the current score map starts after the Caffe net's map at the same point
  // (the same on both axes): the padded forms trim f/2 per stage, scaled by every later factor.
  let trim = 0;
  stages.forEach((stage, i) => {
    const f = stage.factor;
    if (modes[i] === 'transposed-conv') {
      score = b.bilinearUpsample(score, K, f, 2 * f);
      h = f * h + f;
      w = f * w + f;
      trim *= f;
    } else {
      score = upsample(b, score, { mode: modes[i], factor: f, channels: K, stage: `${label} stage '${stage.name}'` });
      h *= f;
      w *= f;
      trim = trim * f + f / 2;
    }
    if (stage.pool !== undefined) {
      const p = pools[stage.pool];
      const scorePool = b.crop(b.conv(p.name, p.channels, K, 1, { name: `score_pool${stage.pool + 1}` }), stage.crop + trim, stage.crop + trim, h, w);
      score = b.node('Add', [score, scorePool])[0];
    } else {
      score = b.crop(score, stage.crop - trim, stage.crop - trim, config.height, config.width);
    }
  });
  return b.build([score]);
}
