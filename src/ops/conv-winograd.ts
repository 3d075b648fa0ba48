/**
 * Winograd convolution F(m x m, 3 x 3) for Conv (src/ops/conv.ts): 3x3 kernels, stride 1, dilation
 * 1, one group. Per output tile of m x m pixels, an alpha x alpha (alpha = m + 2) input tile d and
 * each filter g become Y = A^T [ (G g G^T) . (B^T d B) ] A (Lavin & Gray 2015): alpha^2
 * multiplies per input channel where direct convolution takes 9 m^2, so F(2x2): 16 vs 36 (2.25x
 * fewer), F(4x4): 36 vs 144 (4x). Four steps (conv-winograd-kernels.ts):
 *   1. weights -> U, packed as the 1x1 kernel reads them (reads only W: the planner runs it once);
 *   2. input transform V = B^T d B for every tile, zero padding included;
 *   3. the alpha^2 independent GEMMs Z[xi] = U[xi] x V[xi], each [M x C] x [C x tiles]: the
 *      register-blocked 1x1 conv kernel with one group per xi, the same kernel and tiling that
 *      run at ~100% of SwiftShader's matmul ceiling;
 *   4. output transform A^T Z A with the conv's epilogue fused: bias, activation, residual.
 * Steps 2 and 4 cost a pass over V and Z each (alpha^2 / m^2 times the input and output: 4x for
 * F(2x2), 2.25x for F(4x4)); the multiplies saved pay for them once C and M are large enough.
 *
 * Accuracy: the transforms reassociate the sums; F(4x4)'s matrices hold 4, 5, 8, 1/6, 1/24, so
 * its rounding error is larger. Measured against the double-precision CPU reference
 * (test/winograd.test.ts, inputs and weights in [-1, 1)): see pickWinogradTile for the figures
 * and the rule they give.
 *
 * Non-finite inputs (the NaN rule of shaders/common.wgsl): the transforms mix every pixel of an
 * input tile into every output of its output tile, so a NaN or an Inf in the input would make the
 * whole m x m output tile NaN (an Inf goes through inf - inf), where direct convolution makes NaN
 * or +-Inf only the outputs whose window holds it (measured before the fix: one Inf pixel, 4 -> 4
 * channels 6x6, 31 of 144 outputs differed at F(2x2), 64 at F(4x4)). So the output transform
 * computes a tile whose outputs are not all finite again by direct convolution (directTile in its
 * kernel: one bit test per tile, on the sum of its outputs; the direct loop only where it fails):
 * the non-finite pattern is direct convolution's. Cost on finite data: within the noise of
 * bench/kernels.ts on SwiftShader (two extra bindings, one test per tile).
 */
import type { AdapterTraits, BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';
import { activationParams, type Activation } from './activation-functions.js';
import type { Window } from './spatial.js';
import { conv1x1Kernel, type ConvTiling, type Residual } from './conv-kernels.js';
import { WINOGRAD, winogradInputKernel, winogradOutputKernel, winogradWeightsKernel, type WinogradTile } from './conv-winograd-kernels.js';

export type { WinogradTile } from './conv-winograd-kernels.js';

/** What a Winograd lowering needs of a conv's geometry (conv.ts's ConvGeometry has it all). */
export interface WinogradGeometry {
  readonly batch: number;
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly outC: number;
  readonly outH: number;
  readonly outW: number;
  readonly groups: number;
  readonly window: Window;
  readonly hasBias: boolean;
}

/** Whether the conv has the shape a Winograd transform here computes: 3x3, stride 1, dilation 1, one group. */
export function winogradApplies(geo: WinogradGeometry): boolean {
  const { kernel, strides, dilations } = geo.window;
  return geo.groups === 1 && kernel[0] === 3 && kernel[1] === 3 && strides.every((s) => s === 1) && dilations.every((d) => d === 1);
}

/** The largest scratch buffer a Winograd lowering may ask for: WebGPU's default maxStorageBufferBindingSize. */
export const WINOGRAD_MAX_SCRATCH_BYTES = 128 * 1024 * 1024;

interface WinogradSizes {
  readonly alpha: number;
  readonly tilesH: number;
  readonly tilesW: number;
  readonly tiles: number;
  /** Bytes of V (the transformed input) and Z (the GEMM's output). */
  readonly inputBytes: number;
  readonly productBytes: number;
}

function sizesOf(geo: WinogradGeometry, m: WinogradTile): WinogradSizes {
  const alpha = WINOGRAD[m].alpha;
  const tilesH = Math.ceil(geo.outH / m);
  const tilesW = Math.ceil(geo.outW / m);
  const tiles = tilesH * tilesW;
  return {
    alpha,
    tilesH,
    tilesW,
    tiles,
    inputBytes: 4 * geo.batch * alpha * alpha * geo.inC * tiles,
    productBytes: 4 * geo.batch * alpha * alpha * geo.outC * tiles,
  };
}

/** Below these channel counts F(2x2)'s GEMM is too small for the multiplies saved to pay for the transforms' passes. */
export const WINOGRAD_MIN_CHANNELS = 32;

/**
 * Which transform (if any) a 3x3 conv takes. `traits.winograd` forces one ('off', 2 or 4: tests,
 * benchmarks, PlanOptions.winograd, the CLI's --winograd) wherever the shape allows; otherwise
 * (auto) F(2x2) when both channel counts are at least WINOGRAD_MIN_CHANNELS, the output has a
 * whole 2x2 tile and the scratch buffers fit in WINOGRAD_MAX_SCRATCH_BYTES; else direct
 * convolution. F(4x4) only when asked for: it is the fastest but not as accurate as direct
 * convolution, and auto never trades accuracy for speed.
 *
 * Measured on SwiftShader (bench/kernels.ts, weights prepared once as a plan does; ms, direct /
 * F(2x2) / F(4x4)): 3->16 @256x256 55.6 / 79.5 / 50.4; 16->16 @256x256 130 / 125 / 90.2;
 * 32->32 @128x128 125 / 90.8 / 64.3; 64->64 @64x64 115 / 72.2 / 47.6; 128->128 @32x32 116 / 53.0 /
 * 31.3. F(2x2) pays from 32 channels on (1.4x, 1.6x, 2.2x), F(4x4) from 16 (1.45x to 3.7x).
 * Error (max |GPU - double-precision reference| over the output, He-scaled weights, max |y| ~ 2;
 * direct / F(2x2) / F(4x4)): K = 144: 6.0e-7 / 2.7e-7 / 3.5e-6; K = 576: 9.5e-7 / 4.8e-7 / 8.2e-6;
 * K = 2304: 2.7e-6 / 1.0e-6 / 1.5e-5; K = 4608: 2.9e-6 / 1.3e-6 / 2.1e-5. F(2x2) is as accurate
 * as direct convolution (its sums are shorter); F(4x4) 5-15x less: inside Conv's case tolerance
 * (1e-4 + 1e-4 relative) and any model's, but not inside the PyTorch golden fixtures' 1e-5
 * absolute per element (test/fixtures/golden/ops/conv.json's 32-channel case: 7e-5 at an output
 * near 0 among outputs up to 15). Real GPUs: not measured (no device was lent); the rule is the
 * same there, where the transforms' memory passes cost relatively more and multiplies less.
 */
export function pickWinogradTile(traits: AdapterTraits, geo: WinogradGeometry): WinogradTile | undefined {
  if (!winogradApplies(geo) || traits.winograd === 'off') return undefined;
  const forced = traits.winograd === 2 || traits.winograd === 4 ? traits.winograd : undefined;
  const m: WinogradTile = forced ?? 2;
  const sizes = sizesOf(geo, m);
  if (Math.max(sizes.inputBytes, sizes.productBytes) > WINOGRAD_MAX_SCRATCH_BYTES) return undefined;
  if (forced) return forced;
  const enoughChannels = geo.inC >= WINOGRAD_MIN_CHANNELS && geo.outC >= WINOGRAD_MIN_CHANNELS;
  return enoughChannels && geo.outH >= m && geo.outW >= m ? m : undefined;
}

/** The GEMM's register tile: the 1x1 kernel's rule (pickConvTiling), over tiles instead of pixels. */
function gemmTiling(traits: AdapterTraits, tiles: number, outC: number): ConvTiling {
  if (!traits.cpuLike) return { tm: 4, tn4: 1 };
  return { tm: tiles <= 4 ? 4 : 8, tn4: outC > 4 ? 2 : 1 };
}

/**
 * The four steps. `activation` is the variant activation conv.ts's kernels take (None and Relu as
 * a Clip); `gemmActivation` the GEMM's (no-op) one, the same variant the plain 1x1 convs use, so
 * they share a pipeline.
 */
export function lowerConvWinograd(
  geo: WinogradGeometry,
  m: WinogradTile,
  activation: Activation,
  gemmActivation: Activation,
  residual: Residual,
  traits: AdapterTraits,
): GpuLowering {
  const { alpha, tilesW, tiles, inputBytes, productBytes } = sizesOf(geo, m);
  const positions = alpha * alpha;
  const tiling = gemmTiling(traits, tiles, geo.outC);
  const channelBlocks = Math.ceil(geo.outC / (4 * tiling.tn4));
  const packedOutC4 = channelBlocks * tiling.tn4;
  const packedOutC = 4 * packedOutC4;
  const weightSection = positions * geo.inC * packedOutC;
  const packedTotal = weightSection + positions * packedOutC;
  const U: BufferRef = { temp: 0 };
  const V: BufferRef = { temp: 1 };
  const Z: BufferRef = { temp: 2 };
  const steps: GpuStep[] = [
    {
      kernel: winogradWeightsKernel(m),
      params: { total: packedTotal, weightSection, inC: geo.inC, outC: geo.outC, packedOutC },
      bindings: { w: { input: 1 }, packed: U },
      invocations: packedTotal,
      label: `conv weight transform (Winograd F(${m}x${m},3x3))`,
    },
    {
      kernel: winogradInputKernel(m),
      params: {
        total: geo.batch * geo.inC * tiles,
        inC: geo.inC,
        inH: geo.inH,
        inW: geo.inW,
        tilesW,
        tiles,
        padTop: geo.window.padsBegin[0]!,
        padLeft: geo.window.padsBegin[1]!,
      },
      bindings: { x: { input: 0 }, v: V },
      invocations: geo.batch * geo.inC * tiles,
      label: `conv input transform (Winograd F(${m}x${m},3x3))`,
    },
  ];
  const pixelTiles = Math.ceil(tiles / tiling.tm);
  const gemmTotal = geo.batch * positions * channelBlocks * pixelTiles;
  const gemmAct = activationParams(gemmActivation);
  steps.push({
    kernel: conv1x1Kernel(tiling, tiles % 4 === 0 && tiling.tm % 4 === 0, gemmActivation.kind, 'none'),
    params: {
      total: gemmTotal,
      pixelTiles,
      pixels: tiles,
      channelBlocks,
      groups: positions,
      inC: positions * geo.inC,
      outC: positions * geo.outC,
      groupInC: geo.inC,
      groupOutC: geo.outC,
      packedOutC4,
      biasOffset4: weightSection / 4,
      actAlpha: gemmAct.actAlpha,
      actBeta: gemmAct.actBeta,
    },
    bindings: { x: V, wp: U, y: Z },
    invocations: gemmTotal,
    label: `conv GEMM (Winograd F(${m}x${m},3x3), ${positions} positions)`,
  });
  const outputTotal = geo.batch * geo.outC * tiles;
  const { actAlpha, actBeta } = activationParams(activation);
  const outputBindings: Record<string, BufferRef> = { z: Z, y: { output: 0 }, x: { input: 0 }, w: { input: 1 } };
  if (geo.hasBias) outputBindings.b = { input: 2 };
  if (residual === 'binding') outputBindings.r = { input: 3 };
  steps.push({
    kernel: winogradOutputKernel(m, activation.kind, geo.hasBias, residual),
    params: {
      total: outputTotal,
      outC: geo.outC,
      outH: geo.outH,
      outW: geo.outW,
      tilesW,
      tiles,
      actAlpha,
      actBeta,
      inC: geo.inC,
      inH: geo.inH,
      inW: geo.inW,
      padTop: geo.window.padsBegin[0]!,
      padLeft: geo.window.padsBegin[1]!,
    },
    bindings: outputBindings,
    invocations: outputTotal,
    label: `conv output transform (Winograd F(${m}x${m},3x3))`,
  });
  return { temps: [packedTotal * 4, inputBytes, productBytes], steps };
}
