/**
 * U-Net (Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for Biomedical Image
 * Segmentation"): a contracting path of double 3x3 convolutions and 2x2 max pools doubling the
 * width per level, an expanding path of 2x2 stride-2 transposed convolutions halving it, skip
 * features concatenated along channels, and a 1x1 convolution to class scores. `padding: 'valid'`
 * is the paper's unpadded form, with skips centre-cropped; 'same' keeps sizes (the common form).
 *
 * `upsampling` picks each expanding stage's up-sampling, deepest stage first. 'up-conv' (the
 * default) is the paper's learned up-convolution: a 2x2 stride-2 ConvTranspose that doubles the
 * size and halves the channels at once. A mode of the menu (src/builders/upsampling.ts) splits
 * those two jobs: a 1x1 convolution halves the channels first, at the low resolution (the part
 * that learns), then the fixed up-sampler doubles the size. Halving first is what lets
 * 'max-unpool' pair with the matching encoder pool, whose indices have the halved channel count:
 * that pool then keeps its indices. With padding 'valid' the convolutions shrink the map between
 * the pool and the stage, so its indices no longer fit and 'max-unpool' is refused there.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { GraphBuilder } from './graph-builder.js';
import { UPSAMPLINGS, upsample, upsamplingPerStage, type Upsampling } from './upsampling.js';

/** U-Net's stages take the menu or the paper's learned 2x2 up-convolution. */
export type UNetUpsampling = 'up-conv' | Upsampling;

export const UNET_UPSAMPLINGS: readonly UNetUpsampling[] = ['up-conv', ...UPSAMPLINGS];

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
  /** One mode for every expanding stage, or one per stage (deepest first). Default 'up-conv'. */
  readonly upsampling?: UNetUpsampling | readonly UNetUpsampling[];
  readonly seed?: number;
}

export function buildUNet(config: UNetConfig): Graph {
  // Checked here for callers without TypeScript: a missing depth would build a graph of nothing.
  for (const key of ['depth', 'baseWidth', 'classes', 'height', 'width'] as const) {
    const v = config[key];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new SegwgpuError(`U-Net: ${key} must be a whole number >= 1, got ${String(v)}`);
  }
  if (config.inputChannels !== undefined && !(Number.isInteger(config.inputChannels) && config.inputChannels >= 1)) {
    throw new SegwgpuError(`U-Net: inputChannels must be a whole number >= 1, got ${String(config.inputChannels)}`);
  }
  const { depth, baseWidth, classes } = config;
  const padding = config.padding ?? 'same';
  const pad = padding === 'same' ? 1 : 0;
  const shrink = padding === 'same' ? 0 : 4;
  // Stage i runs from level depth - 1 - i up to level depth - 2 - i.
  const stageNames = Array.from({ length: Math.max(depth - 1, 0) }, (_, i) => `decoder stage ${i + 1} of ${depth - 1}`);
  const modes = upsamplingPerStage('U-Net', config.upsampling, UNET_UPSAMPLINGS, stageNames, 'up-conv');
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
  const skips: { name: string; channels: number; h: number; w: number; indices: string | undefined }[] = [];
  for (let level = 0; level < depth; level++) {
    const width = baseWidth << level;
    x = block(x, cin, width);
    cin = width;
    h -= shrink;
    w -= shrink;
    if (h < 1 || w < 1) throw new SegwgpuError(`U-Net: input ${config.height}x${config.width} is too small for depth ${depth}`);
    if (level < depth - 1) {
      if (h % 2 || w % 2) throw new SegwgpuError(`U-Net: feature map ${h}x${w} at level ${level} is odd; choose an input size divisible by 2^${depth - 1}`);
      const unpools = modes[depth - 2 - level] === 'max-unpool';
      const [pooled, indices] = b.maxPool(x, 2, 2, { withIndices: unpools });
      skips.push({ name: x, channels: width, h, w, indices });
      x = pooled;
      h /= 2;
      w /= 2;
    }
  }
  for (let level = depth - 2; level >= 0; level--) {
    const width = baseWidth << level;
    const stage = depth - 2 - level;
    const mode = modes[stage];
    const skip = skips[level];
    if (mode === 'up-conv') {
      const wUp = b.weights('up_w', [cin, width, 2, 2], cin);
      x = b.node('ConvTranspose', [x, wUp, b.smallValues('up_b', [width], 0.1)], { kernel_shape: [2, 2], strides: [2, 2] })[0];
    } else {
      if (mode === 'max-unpool' && (skip.h !== 2 * h || skip.w !== 2 * w)) {
        throw new SegwgpuError(
          `U-Net ${stageNames[stage]}: 'max-unpool' needs the level-${level} pool's indices, which are ${skip.h / 2}x${skip.w / 2} where the stage's input is ${h}x${w} (padding '${padding}' shrinks the map between them); use padding 'same' or another mode`,
        );
      }
      x = b.conv(x, cin, width, 1);
      const switches = skip.indices === undefined ? undefined : { indices: skip.indices, kernel: 2, stride: 2, inputShape: [1, width, skip.h, skip.w] as const };
      x = upsample(b, x, { mode, factor: 2, channels: width, switches, stage: `U-Net ${stageNames[stage]}` });
    }
    h *= 2;
    w *= 2;
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
