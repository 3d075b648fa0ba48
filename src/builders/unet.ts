/**
 * U-Net (Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for Biomedical Image
 * Segmentation"): a contracting path of double 3x3 convolutions and 2x2 max pools doubling the
 * width per level, an expanding path of 2x2 stride-2 transposed convolutions halving it, skip
 * features concatenated along channels, and a 1x1 convolution to class scores. `padding: 'valid'`
 * is the paper's unpadded form, with skips centre-cropped; 'same' keeps sizes (the common form).
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';

export interface UNetConfig {
  /** Levels, counting the bottleneck: 4 means three pools. */
  readonly depth: number;
  readonly baseWidth: number;
  readonly classes: number;
  readonly inputChannels?: number;
  readonly height: number;
  readonly width: number;
  readonly padding?: 'same' | 'valid';
  readonly batchNorm?: boolean;
  readonly seed?: number;
}

export function buildUNet(config: UNetConfig): Graph {
  const { depth, baseWidth, classes } = config;
  const padding = config.padding ?? 'same';
  const pad = padding === 'same' ? 1 : 0;
  const shrink = padding === 'same' ? 0 : 4;
  const b = new GraphBuilder(`unet${depth}x${baseWidth}`, config.seed ?? 1);
  let x = b.input('input', [1, config.inputChannels ?? 3, config.height, config.width]);
  let cin = config.inputChannels ?? 3;
  let h = config.height;
  let w = config.width;
  const block = (input: string, from: number, to: number): string => {
    let y = b.conv(input, from, to, 3, { pad });
    if (config.batchNorm) y = b.batchNorm(y, to);
    y = b.relu(y);
    y = b.conv(y, to, to, 3, { pad });
    if (config.batchNorm) y = b.batchNorm(y, to);
    return b.relu(y);
  };
  const skips: { name: string; channels: number; h: number; w: number }[] = [];
  for (let level = 0; level < depth; level++) {
    const width = baseWidth << level;
    x = block(x, cin, width);
    cin = width;
    h -= shrink;
    w -= shrink;
    if (h < 1 || w < 1) throw new SegwgpuError(`U-Net: input ${config.height}x${config.width} is too small for depth ${depth}`);
    if (level < depth - 1) {
      skips.push({ name: x, channels: width, h, w });
      if (h % 2 || w % 2) throw new SegwgpuError(`U-Net: feature map ${h}x${w} at level ${level} is odd; choose an input size divisible by 2^${depth - 1}`);
      x = b.maxPool(x, 2, 2)[0];
      h /= 2;
      w /= 2;
    }
  }
  for (let level = depth - 2; level >= 0; level--) {
    const width = baseWidth << level;
    const wUp = b.weights('up_w', [cin, width, 2, 2], cin);
    x = b.node('ConvTranspose', [x, wUp, b.smallValues('up_b', [width], 0.1)], { kernel_shape: [2, 2], strides: [2, 2] })[0];
    h *= 2;
    w *= 2;
    const skip = skips[level];
    const skipped = skip.h === h && skip.w === w ? skip.name : b.crop(skip.name, (skip.h - h) / 2, (skip.w - w) / 2, h, w);
    x = b.node('Concat', [skipped, x], { axis: 1 })[0];
    x = block(x, 2 * width, width);
    cin = width;
    h -= shrink;
    w -= shrink;
  }
  const out = b.conv(x, cin, classes, 1, { name: 'classifier' });
  return b.build([out]);
}
