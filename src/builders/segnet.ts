/**
 * SegNet (Badrinarayanan, Kendall, Cipolla, "SegNet: A Deep Convolutional Encoder-Decoder
 * Architecture for Image Segmentation"): an encoder of conv+BN+ReLU blocks and 2x2 max pools that
 * keep their argmax indices, a mirrored decoder that upsamples with MaxUnpool at those indices
 * (sparse maps, densified by the following convolutions), and a final convolution to class scores.
 * Unpool output sizes come from the encoder's pre-pool shapes, so odd sizes round-trip.
 */
import { int64Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';

export interface SegNetConfig {
  readonly depth: number;
  readonly baseWidth: number;
  readonly classes: number;
  readonly convsPerStage?: number;
  readonly height: number;
  readonly width: number;
  readonly seed?: number;
}

export function buildSegNet(config: SegNetConfig): Graph {
  const { depth, baseWidth, classes } = config;
  const convs = config.convsPerStage ?? 2;
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
  const encoder: { indices: string; channels: number; h: number; w: number }[] = [];
  for (let level = 0; level < depth; level++) {
    const width = baseWidth << Math.min(level, 3);
    x = block(x, cin, width);
    cin = width;
    const [pooled, indices] = b.maxPool(x, 2, 2, { withIndices: true });
    encoder.push({ indices, channels: width, h, w });
    x = pooled;
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  for (let level = depth - 1; level >= 0; level--) {
    const e = encoder[level];
    const outputShape = b.constant('unpool_shape', int64Tensor([4], [1, e.channels, e.h, e.w]));
    x = b.node('MaxUnpool', [x, e.indices, outputShape], { kernel_shape: [2, 2], strides: [2, 2] })[0];
    const width = level > 0 ? baseWidth << Math.min(level - 1, 3) : baseWidth;
    x = block(x, cin, width);
    cin = width;
  }
  const out = b.conv(x, cin, classes, 3, { pad: 1, name: 'classifier' });
  return b.build([out]);
}
