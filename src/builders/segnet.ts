/**
 * SegNet (Badrinarayanan, Kendall, Cipolla, "SegNet: A Deep Convolutional Encoder-Decoder
 * Architecture for Image Segmentation"): an encoder of conv+BN+ReLU blocks and 2x2 max pools that
 * keep their argmax indices, a mirrored decoder that upsamples with MaxUnpool at those indices
 * (sparse maps, densified by the following convolutions), and a final convolution to class scores.
 * Unpool output sizes come from the encoder's pre-pool shapes, so odd sizes round-trip.
 *
 * `upsampling` (src/builders/upsampling.ts) picks each decoder stage's up-sampling, deepest stage
 * first; 'max-unpool' (the paper's) is the default. The other modes double the map; where the
 * encoder's pre-pool size was odd, the row or column the pool dropped comes back as zeros at the
 * bottom or right (a Pad), as MaxUnpool leaves it. A pool keeps its indices only where its stage
 * unpools.
 */
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';
import { UPSAMPLINGS, upsample, upsamplingPerStage, type Upsampling } from './upsampling.js';

export interface SegNetConfig {
  readonly depth: number;
  readonly baseWidth: number;
  readonly classes: number;
  readonly convsPerStage?: number;
  readonly height: number;
  readonly width: number;
  /** One mode for every decoder stage, or one per stage (deepest first). Default 'max-unpool'. */
  readonly upsampling?: Upsampling | readonly Upsampling[];
  readonly seed?: number;
}

export function buildSegNet(config: SegNetConfig): Graph {
  const { depth, baseWidth, classes } = config;
  const convs = config.convsPerStage ?? 2;
  // Decoder stage i undoes encoder level depth - 1 - i.
  const stageNames = Array.from({ length: depth }, (_, i) => `decoder stage ${i + 1} of ${depth}`);
  const modes = upsamplingPerStage('SegNet', config.upsampling, UPSAMPLINGS, stageNames, 'max-unpool');
  const b = new GraphBuilder(`segnet${depth}x${baseWidth}`, config.seed ?? 1);
  let x = b.input('input', [1, 3, config.height, config.width]);
  let cin = 3;
  let h = config.height;
  let w = config.width;
  const block = (input: string, from: number, to: number): string => {
    let y = input;
    let c = from;
    for (let i = 0; i < convs; i++) {
      y = b.relu(b.batchNorm(b.conv(y, c, to, 3, { pad: 1 }), to));
      c = to;
    }
    return y;
  };
  const encoder: { indices: string | undefined; channels: number; h: number; w: number }[] = [];
  for (let level = 0; level < depth; level++) {
    const width = baseWidth << Math.min(level, 3);
    x = block(x, cin, width);
    cin = width;
    const unpools = modes[depth - 1 - level] === 'max-unpool';
    const [pooled, indices] = b.maxPool(x, 2, 2, { withIndices: unpools });
    encoder.push({ indices, channels: width, h, w });
    x = pooled;
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  for (let level = depth - 1; level >= 0; level--) {
    const e = encoder[level];
    const stage = depth - 1 - level;
    const mode = modes[stage];
    const switches = e.indices === undefined ? undefined : { indices: e.indices, kernel: 2, stride: 2, inputShape: [1, e.channels, e.h, e.w] as const };
    x = upsample(b, x, { mode, factor: 2, channels: cin, switches, stage: `SegNet ${stageNames[stage]}` });
    if (mode !== 'max-unpool' && (e.h % 2 || e.w % 2)) {
      x = b.node('Pad', [x, b.ints('unpool_pads', [0, 0, 0, 0, 0, 0, e.h % 2, e.w % 2])], { mode: 'constant' })[0];
    }
    const width = level > 0 ? baseWidth << Math.min(level - 1, 3) : baseWidth;
    x = block(x, cin, width);
    cin = width;
  }
  const out = b.conv(x, cin, classes, 3, { pad: 1, name: 'classifier' });
  return b.build([out]);
}
