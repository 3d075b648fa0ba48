/**
 * The up-sampling menu of the decoder builders (U-Net, SegNet, FCN): five ways to make a feature
 * map f times larger (f a whole number, 2 in the encoder-decoder stages), as the lectures define
 * them (CS231n lecture 11, "In-Network upsampling: Unpooling" and "Learnable Upsampling:
 * Transposed Convolution"), each written in ONNX opset-17 ops whose CPU references and GPU
 * kernels live in src/ops. Every mode keeps the channels and maps [N, C, H, W] to [N, C, fH, fW]
 * (max-unpooling: to the pooled tensor's own shape, so odd sizes round-trip).
 *
 *   nearest          each value copied to its f x f block: out[y, x] = in[floor(y/f), floor(x/f)].
 *                    Resize mode 'nearest', coordinate_transformation_mode 'asymmetric',
 *                    nearest_mode 'floor' (PyTorch's F.interpolate(mode='nearest')): for a whole
 *                    factor the source coordinate y/f floors to plain replication.
 *   bed-of-nails     each value at the top-left of its f x f block, zeros elsewhere:
 *                    out[f*i, f*j] = in[i, j]. A depthwise ConvTranspose (group = C) of stride f
 *                    and an f x f kernel that is 1 at [0, 0] and 0 elsewhere: each output takes
 *                    exactly one tap, so finite values come out exact (an infinite input puts
 *                    NaN, 0 * Inf, in its block's zeros; max-unpooling writes true zeros).
 *   max-unpool       max pooling remembers which element was the maximum ("switches"); unpooling
 *                    puts each value back at that position, zeros elsewhere. MaxUnpool with the
 *                    Indices output of the matching encoder MaxPool and that pool's input shape as
 *                    output_shape. Only a stage that has such a pool, with the same shape as the
 *                    stage's input, can take it.
 *   transposed-conv  a transposed convolution initialised to bilinear interpolation, fixed here
 *                    (learnable in a trained net): FCN's get_upsampling_weight / Caffe's
 *                    "bilinear" filler, kernel k = 2f - f%2, the 1D weights
 *                    w[i] = 1 - |i - c| / ceil(k/2), c = ceil(k/2) - (k odd ? 1 : 0.5), the 2D
 *                    kernel their outer product; stride f, pads floor((k - f) / 2) on every side,
 *                    so the output is exactly f times the input. Depthwise (group = C, W
 *                    [C, 1, k, k]): channel c up-samples only channel c. Output y weighs input
 *                    i by max(0, 1 - |u - i|), u = (y + 0.5) / f - 0.5 the half-pixel source
 *                    coordinate, so it equals bilinear (next) wherever u lies in [0, H - 1]. In
 *                    the floor(f/2) outputs at each border u falls outside: bilinear takes the
 *                    edge sample there, the transposed conv weighs it by 1 - (distance past the
 *                    edge), as if zeros lay beyond (0.75 x[0] at f = 2; 0.5625 at a corner of
 *                    all-ones).
 *   bilinear         Resize mode 'linear', coordinate_transformation_mode 'half_pixel' (PyTorch's
 *                    F.interpolate(mode='bilinear', align_corners=False)): output y samples the
 *                    input at (y + 0.5) / f - 0.5, clamped into [0, H - 1].
 *
 * nearest, transposed-conv and bilinear place input sample i at the centre of output block
 * i (output coordinate f*i + (f - 1)/2); bed-of-nails and max-unpool at a corner of or inside it.
 *
 * Each builder documents how its decoder stages use the menu (unet.ts, segnet.ts, fcn.ts) and
 * refuses, naming the stage, a mode a stage cannot take.
 */
import { SegwgpuError } from '../core/errors.js';
import { int64Tensor, tensor } from '../core/tensor.js';
import type { GraphBuilder } from './graph-builder.js';

export type Upsampling = 'nearest' | 'bed-of-nails' | 'max-unpool' | 'transposed-conv' | 'bilinear';

export const UPSAMPLINGS: readonly Upsampling[] = ['nearest', 'bed-of-nails', 'max-unpool', 'transposed-conv', 'bilinear'];

/** What max-unpooling needs from the encoder: the switches of one MaxPool. */
export interface PoolSwitches {
  /** The MaxPool's second output, Indices (flat over N*C*H*W of its input, as ONNX defines them). */
  readonly indices: string;
  /** Its square window and stride. */
  readonly kernel: number;
  readonly stride: number;
  /** The MaxPool's input shape [N, C, H, W]: the unpooled output's. */
  readonly inputShape: readonly [number, number, number, number];
}

export interface UpsampleRequest {
  readonly mode: Upsampling;
  /** Whole factor >= 2 per spatial axis. With max-unpool it must be the pool's stride. */
  readonly factor: number;
  /** Channels of the input (the depthwise kernels of bed-of-nails and transposed-conv). */
  readonly channels: number;
  /** max-unpool only. */
  readonly switches?: PoolSwitches;
  /** Names the decoder stage in errors: "SegNet decoder stage 2 of 3". */
  readonly stage: string;
}

/** The bilinear kernel's 1D weights for a kernel of length k (FCN's get_upsampling_weight). */
export function bilinearWeights(k: number): number[] {
  const half = Math.ceil(k / 2);
  const centre = k % 2 === 1 ? half - 1 : half - 0.5;
  return Array.from({ length: k }, (_, i) => 1 - Math.abs(i - centre) / half);
}

/** The kernel length and pads of the bilinear-initialised transposed conv for a factor. */
export function bilinearGeometry(factor: number): { kernel: number; pad: number } {
  const kernel = 2 * factor - (factor % 2);
  return { kernel, pad: Math.floor((kernel - factor) / 2) };
}

/** One mode name checked: a SegwgpuError naming what accepts it and the modes it takes. */
export function checkUpsamplingName<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SegwgpuError(`${where}: upsampling ${typeof value === 'string' ? `'${value}'` : String(value)} is not one of ${allowed.map((m) => `'${m}'`).join(', ')}`);
  }
  return value as T;
}

/**
 * A builder's `upsampling` option as one mode per decoder stage: undefined is the builder's
 * default at every stage, one mode applies to every stage, a list gives one per stage in the
 * order the decoder runs them (`stages` names them, for the message on a wrong length).
 */
export function upsamplingPerStage<T extends string>(builder: string, option: T | readonly T[] | undefined, allowed: readonly T[], stages: readonly string[], fallback: T): T[] {
  if (option === undefined) return stages.map(() => fallback);
  if (typeof option === 'string' || !Array.isArray(option)) {
    const mode = checkUpsamplingName(builder, option, allowed);
    return stages.map(() => mode);
  }
  const list = option as readonly unknown[];
  if (list.length !== stages.length) {
    throw new SegwgpuError(
      `${builder}: upsampling lists ${list.length} mode${list.length === 1 ? '' : 's'} for ${stages.length} decoder stage${stages.length === 1 ? '' : 's'} (${stages.join(', ')}); give one per stage or a single mode for all`,
    );
  }
  return list.map((m, i) => checkUpsamplingName(`${builder} ${stages[i]}`, m, allowed));
}

/** Emits the up-sampling of x (NCHW, request.channels channels) into b; returns its output value. */
export function upsample(b: GraphBuilder, x: string, request: UpsampleRequest): string {
  const { mode, factor: f, channels: c, stage } = request;
  checkUpsamplingName(stage, mode, UPSAMPLINGS);
  if (!Number.isInteger(f) || f < 2) throw new SegwgpuError(`${stage}: up-sampling factor ${f} must be a whole number >= 2`);
  if (!Number.isInteger(c) || c < 1) throw new SegwgpuError(`${stage}: channels ${c} must be a positive whole number`);
  switch (mode) {
    case 'nearest':
      return b.node('Resize', [x, '', b.floats('upsample_scales', [1, 1, f, f])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })[0];
    case 'bilinear':
      return b.node('Resize', [x, '', b.floats('upsample_scales', [1, 1, f, f])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' })[0];
    case 'bed-of-nails': {
      const w = new Float32Array(c * f * f);
      for (let ch = 0; ch < c; ch++) w[ch * f * f] = 1;
      const weights = b.constant('nails_w', tensor([c, 1, f, f], w));
      return b.node('ConvTranspose', [x, weights], { kernel_shape: [f, f], strides: [f, f], pads: [0, 0, 0, 0], group: c })[0];
    }
    case 'transposed-conv': {
      const { kernel: k, pad } = bilinearGeometry(f);
      const line = bilinearWeights(k);
      const w = new Float32Array(c * k * k);
      for (let ch = 0; ch < c; ch++) {
        for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) w[(ch * k + y) * k + xx] = line[y] * line[xx];
      }
      const weights = b.constant('upsample_w', tensor([c, 1, k, k], w));
      return b.node('ConvTranspose', [x, weights], { kernel_shape: [k, k], strides: [f, f], pads: [pad, pad, pad, pad], group: c })[0];
    }
    case 'max-unpool': {
      const s = request.switches;
      if (!s) throw new SegwgpuError(`${stage}: 'max-unpool' needs the indices of a matching encoder MaxPool, and this stage has none`);
      if (s.stride !== f) throw new SegwgpuError(`${stage}: 'max-unpool' with a stride-${s.stride} pool's indices cannot up-sample by ${f}`);
      if (s.inputShape[1] !== c) throw new SegwgpuError(`${stage}: 'max-unpool' of ${c} channels with the indices of a ${s.inputShape[1]}-channel MaxPool`);
      // Names and attributes in the order SegNet has always emitted them: its graphs stay the same.
      const outputShape = b.constant('unpool_shape', int64Tensor([4], [...s.inputShape]));
      return b.node('MaxUnpool', [x, s.indices, outputShape], { kernel_shape: [s.kernel, s.kernel], strides: [s.stride, s.stride] })[0];
    }
  }
}
