/**
 * Conv, ONNX opset 17 semantics (the attribute forms are the same since opset 11): 2D only
 * (NCHW input, weights [M, C/group, kH, kW], optional bias [M]); kernel_shape, strides,
 * dilations, explicit asymmetric pads or auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID), group
 * (depthwise included).
 *
 * segwgpu extension, after onnxruntime's com.microsoft FusedConv: `activation` ('Relu',
 * 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'LeakyRelu') applied to the conv's output, with
 * `activation_params`: HardSigmoid [alpha, beta] (default [0.2, 0.5]), Clip [min, max] (default
 * unbounded), LeakyRelu [alpha] (default 0.01); the others take none. And a fourth input R, the
 * residual (fused by src/passes/fuse-residual-add.ts): a tensor of the output's shape added after
 * the activation, Y = act(conv(X) + B) + R, so a ResNet/MobileNet skip connection costs no pass.
 *
 * GPU: a repack step writes the weights as [group][ky][kx][ci][output channels padded to the tile]
 * plus the bias into a scratch buffer; then one of three kernels (src/ops/conv-kernels.ts, where the
 * WGSL of each variant is generated): depthwise (group == C_in == C_out), 1x1 (1x1 kernel, stride 1,
 * no padding: a GEMM over pixels) or the general register-blocked implicit GEMM. The tile shape
 * comes from pickConvTiling(); lowerConvWithTiling() takes an explicit one (benchmarks).
 */
import { AttributeError, InputError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { NO_ACTIVATION, activationParams, applyActivationCpu, parseFusedActivation, type Activation } from './activation-functions.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { convDepthwiseKernel, convKernel, conv1x1Kernel, convRepackKernel, type ConvTiling, type DepthwiseRowWindow, type Residual } from './conv-kernels.js';
import { lowerConvWinograd, pickWinogradTile } from './conv-winograd.js';
import { checkSpatialInput, parseWindowAttributes, resolveWindow, windowUniforms, type Window, type WindowAttributes } from './spatial.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { AdapterTraits, BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';

export type { ConvTiling } from './conv-kernels.js';

export interface ConvAttributes {
  readonly window: WindowAttributes;
  readonly group: number;
  readonly activation: Activation;
}

const KNOWN_ATTRIBUTES = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides', 'activation', 'activation_params'];

/** Everything the kernels and the CPU reference need, resolved from attributes and shapes. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly outC: number;
  readonly outH: number;
  readonly outW: number;
  readonly groups: number;
  readonly groupInC: number;
  readonly groupOutC: number;
  /** Kernel, strides, dilations and pads per spatial axis (H, W), as every windowed op has them. */
  readonly window: Window;
  readonly hasBias: boolean;
}

type Info = ValueInfo | Tensor | undefined;

/**
 * `dtype`: what X, W and B must be: float32 for Conv, int32 for ConvInteger and QLinearConv (their
 * quantized tensors and bias travel as int32), which pass their own inputs as [x, w, B].
 */
export function convGeometry(attrs: ConvAttributes, inputs: readonly Info[], node: OpNode, dtype: 'float32' | 'int32' = 'float32'): ConvGeometry {
  const [x, w, b] = inputs;
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (!w) throw new InputError(node, 'W', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype, 2, dtype);
  if (w.dtype !== dtype) throw new InputError(node, 'W', `has dtype ${w.dtype}; only ${dtype} is supported`);
  if (w.shape.length !== 4) {
    throw new InputError(node, 'W', `has shape [${w.shape.join('x')}]; expected rank 4 (M, C/group, kH, kW): only 2D convolution is supported`);
  }
  if (w.shape.some((d) => d < 1)) throw new InputError(node, 'W', `has shape [${w.shape.join('x')}] with an empty dimension`);
  const [batch, inC, inH, inW] = x.shape;
  const [outC, wInC, kH, kW] = w.shape;
  const { group } = attrs;
  if (inC % group !== 0) throw new AttributeError(node, 'group', group, `does not divide the input channels (X has C=${inC})`);
  if (outC % group !== 0) throw new AttributeError(node, 'group', group, `does not divide the output channels (W has M=${outC})`);
  if (wInC !== inC / group) {
    throw new InputError(node, 'W', `has shape [${w.shape.join('x')}]: its channel dimension ${wInC} must be C/group = ${inC}/${group} = ${inC / group}`);
  }
  const kernel = [kH, kW];
  const given = attrs.window.kernelShape;
  if (given && (given.length !== 2 || given[0] !== kH || given[1] !== kW)) {
    throw new AttributeError(node, 'kernel_shape', given, `does not match the weight's spatial shape [${kH}, ${kW}] (W is [${w.shape.join('x')}])`);
  }
  if (b) {
    if (b.dtype !== dtype) throw new InputError(node, 'B', `has dtype ${b.dtype}; only ${dtype} is supported`);
    if (b.shape.length !== 1 || b.shape[0] !== outC) throw new InputError(node, 'B', `has shape [${b.shape.join('x')}]; expected [${outC}] (one bias per output channel)`);
  }
  const win = resolveWindow(node, attrs.window, kernel, [inH, inW]);
  return {
    batch,
    inC,
    inH,
    inW,
    outC,
    outH: win.outputSize[0],
    outW: win.outputSize[1],
    groups: group,
    groupInC: inC / group,
    groupOutC: outC / group,
    window: win,
    hasBias: b !== undefined,
  };
}

/** The fused residual input R (inputs[3]), checked against the output's shape; undefined when absent. */
function residualOf(geo: ConvGeometry, inputs: readonly Info[], node: OpNode): Info {
  const r = inputs[3];
  if (!r) return undefined;
  const shape = [geo.batch, geo.outC, geo.outH, geo.outW];
  if (r.dtype !== 'float32') throw new InputError(node, 'R', `(the fused residual) has dtype ${r.dtype}; only float32 is supported`);
  if (r.shape.length !== 4 || r.shape.some((d, i) => d !== shape[i])) {
    throw new InputError(node, 'R', `(the fused residual) has shape [${r.shape.join('x')}]; it must equal the output's [${shape.join('x')}]`);
  }
  return r;
}

/** The plain CPU reference: one sum per output element, accumulated in double precision. */
function convCpu(geo: ConvGeometry, x: Float32Array, w: Float32Array, b: Float32Array | undefined, activation: Activation, r?: Float32Array): Float32Array {
  const { batch, inC, inH, inW, outC, outH, outW, groupInC, groupOutC } = geo;
  const { kernel: [kH, kW], strides: [strideH, strideW], dilations: [dilationH, dilationW], padsBegin: [padTop, padLeft] } = geo.window;
  const out = new Float32Array(batch * outC * outH * outW);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outC; m++) {
      const g = Math.floor(m / groupOutC);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = b ? b[m] : 0;
          for (let ci = 0; ci < groupInC; ci++) {
            const c = g * groupInC + ci;
            for (let ky = 0; ky < kH; ky++) {
              const iy = oy * strideH - padTop + ky * dilationH;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < kW; kx++) {
                const ix = ox * strideW - padLeft + kx * dilationW;
                if (ix < 0 || ix >= inW) continue;
                sum += x[((n * inC + c) * inH + iy) * inW + ix] * w[((m * groupInC + ci) * kH + ky) * kW + kx];
              }
            }
          }
          out[o] = applyActivationCpu(sum, activation) + (r ? r[o] : 0);
          o++;
        }
      }
    }
  }
  return out;
}

export type ConvPath = 'depthwise' | '1x1' | 'general';

export function convPath(geo: ConvGeometry): ConvPath {
  if (geo.groups === geo.inC && geo.groups === geo.outC) return 'depthwise';
  const { kernel, strides, padsBegin, padsEnd } = geo.window;
  const ones = (xs: readonly number[]) => xs.every((x) => x === 1);
  const zeros = (xs: readonly number[]) => xs.every((x) => x === 0);
  if (ones(kernel) && ones(strides) && zeros(padsBegin) && zeros(padsEnd)) return '1x1';
  return 'general';
}

/**
 * The tiling rule (conv and conv1x1 kernels; depthwise uses tm only).
 * CPU-like adapters (SwiftShader: each invocation is a SIMD lane; gathers and per-block overhead
 * dominate, so bigger register tiles pay until they spill): tm = 8 pixels, or 4 when the output
 * row (the pixel count for 1x1) is at most 4 wide, so narrow layers do not compute half-empty
 * tiles; tn4 = 2 vec4s of channels when a group has more than 4 output channels, else 1.
 * Measured on SwiftShader, 64->64 3x3 pad 1 on 64x64, against the 512^3 matmul probe in the same
 * run: tm x tn = 8x8 95-103% of the probe, 4x16 87%, 16x8 81-98%, 8x4 57-72%, 4x4 55-69%; 8x8 is
 * also best or within noise of it for 3->16 and 16->16 at 256x256, 32->32 at 128x128 and 1x1 64->21.
 * Other adapters: tm = 4, tn4 = 1: many small tiles keep a real GPU's threads busy (a
 * workgroup-memory tiled kernel would serve them better; there is none yet).
 */
export function pickConvTiling(traits: AdapterTraits, geo: ConvGeometry): ConvTiling {
  if (traits.convTiling) return traits.convTiling;
  if (!traits.cpuLike) return { tm: 4, tn4: 1 };
  const path = convPath(geo);
  const rowPixels = path === '1x1' ? geo.outH * geo.outW : geo.outW;
  const tm = rowPixels <= 4 ? 4 : 8;
  const tn4 = geo.groupOutC > 4 ? 2 : 1;
  return { tm, tn4 };
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** 1x1 convs over at most this many pixels take their activation as a uniform (conv1x1Kernel). */
const TINY_PIXELS = 4;

/** Small windows (the common 3x3 and 5x5) get the depthwise kernel's sliding-row variant. */
function rowWindowOf(window: Window): DepthwiseRowWindow | undefined {
  const [kernelW, strideW, dilationW] = [window.kernel[1]!, window.strides[1]!, window.dilations[1]!];
  return kernelW <= 7 && strideW <= 2 && dilationW <= 2 ? { kernelW, strideW, dilationW } : undefined;
}

/** The window geometry both windowed kernels (general and depthwise) take in their Params. */
function windowParams(geo: ConvGeometry) {
  return windowUniforms([geo.inH, geo.inW], geo.window);
}

function repackStep(geo: ConvGeometry, packedOutC: number, k: number): { step: GpuStep; bytes: number; weightSection: number } {
  const weightSection = geo.groups * k * packedOutC;
  const total = weightSection + geo.groups * packedOutC;
  const step: GpuStep = {
    kernel: convRepackKernel(geo.hasBias),
    params: { total, weightSection, k, groupInC: geo.groupInC, groupOutC: geo.groupOutC, packedOutC },
    bindings: geo.hasBias ? { w: { input: 1 }, b: { input: 2 }, packed: { temp: 0 } } : { w: { input: 1 }, packed: { temp: 0 } },
    invocations: total,
    label: 'conv weight repack',
  };
  return { step, bytes: total * 4, weightSection };
}

/**
 * The Conv lowering with an explicit tiling, for benchmarks that try several (the op itself uses
 * pickConvTiling). `path` forces a kernel family where the shape allows it ('general' always does).
 */
export function lowerConvWithTiling(
  attrs: ConvAttributes,
  inputs: readonly (ValueInfo | undefined)[],
  node: OpNode,
  tiling: ConvTiling,
  path?: ConvPath,
): GpuLowering {
  const geo = convGeometry(attrs, inputs, node);
  const natural = convPath(geo);
  if (path !== undefined && path !== natural && path !== 'general') throw new Error(`conv: path '${path}' does not fit this shape (it is a '${natural}' conv)`);
  return lowerConv(geo, attrs.activation, tiling, path ?? natural, residualKind(geo, inputs, node));
}

/** How the kernel reads the residual: its own binding, or x's when R is the input value itself. */
function residualKind(geo: ConvGeometry, inputs: readonly Info[], node: OpNode): Residual {
  if (!residualOf(geo, inputs, node)) return 'none';
  return node.inputs !== undefined && node.inputs[3] === node.inputs[0] ? 'input' : 'binding';
}

/**
 * None, Relu and Clip share one kernel variant: min(max(x, lo), hi) with the bounds as uniforms,
 * one pipeline fewer to compile per kind for one more min or max per output. None and Relu are
 * unbounded above (and None below) by infinite bounds, so an infinite sum stays infinite as on the
 * CPU (a uniform may hold an infinity; only WGSL constants may not); NaN passes through
 * applyActivation untouched (the NaN rule in common.wgsl).
 */
function variantActivation(a: Activation): Activation {
  if (a.kind === 'None') return { kind: 'Clip', alpha: -Infinity, beta: Infinity };
  if (a.kind === 'Relu') return { kind: 'Clip', alpha: 0, beta: Infinity };
  return a;
}

function lowerConv(geo: ConvGeometry, fusedActivation: Activation, tiling: ConvTiling, path: ConvPath, residual: Residual): GpuLowering {
  const activation = variantActivation(fusedActivation);
  const { tm, tn4 } = tiling;
  if (!Number.isInteger(tm) || tm < 1 || !Number.isInteger(tn4) || tn4 < 1) throw new Error(`conv tiling must be positive integers, got tm=${tm} tn4=${tn4}`);
  const { actAlpha, actBeta } = activationParams(activation);
  const act = { actAlpha, actBeta };
  const io: Record<string, BufferRef> = { x: { input: 0 }, wp: { temp: 0 }, y: { output: 0 } };
  if (residual === 'binding') io.r = { input: 3 };
  const k = geo.groupInC * geo.window.kernel[0]! * geo.window.kernel[1]!;

  if (path === 'depthwise') {
    const repack = repackStep(geo, 1, k);
    const tilesX = ceilDiv(geo.outW, tm);
    const total = geo.batch * geo.outC * geo.outH * tilesX;
    return {
      temps: [repack.bytes],
      steps: [
        repack.step,
        {
          kernel: convDepthwiseKernel(
            tm,
            activation.kind,
            rowWindowOf(geo.window),
            residual,
          ),
          params: {
            total,
            tilesX,
            channels: geo.outC,
            ...windowParams(geo),
            biasOffset: repack.weightSection,
            ...act,
          },
          bindings: io,
          invocations: total,
        },
      ],
    };
  }

  const channelBlocks = ceilDiv(geo.groupOutC, 4 * tn4);
  const packedOutC4 = channelBlocks * tn4;
  const repack = repackStep(geo, 4 * packedOutC4, k);
  const common = {
    channelBlocks,
    groups: geo.groups,
    inC: geo.inC,
    outC: geo.outC,
    groupInC: geo.groupInC,
    groupOutC: geo.groupOutC,
    packedOutC4,
    biasOffset4: repack.weightSection / 4,
    ...act,
  };

  if (path === '1x1') {
    const pixels = geo.outH * geo.outW;
    const vec4 = pixels % 4 === 0 && tm % 4 === 0;
    const pixelTiles = ceilDiv(pixels, tm);
    const total = geo.batch * geo.groups * channelBlocks * pixelTiles;
    // Tiny maps (an SE block's pooled 1x1): the activation is a uniform, one pipeline for all.
    const tiny = pixels <= TINY_PIXELS;
    const kernel = conv1x1Kernel(tiling, vec4, tiny ? 'dynamic' : activation.kind, residual);
    const params = { total, pixelTiles, pixels, ...common, ...(tiny ? { act: activationParams(activation).act } : {}) };
    return { temps: [repack.bytes], steps: [repack.step, { kernel, params, bindings: io, invocations: total }] };
  }

  const tilesX = ceilDiv(geo.outW, tm);
  const total = geo.batch * geo.outH * tilesX * geo.groups * channelBlocks;
  return {
    temps: [repack.bytes],
    steps: [
      repack.step,
      {
        // Rows that start 4-aligned (outW % 4 == 0, tiles of a multiple of 4) store vec4s.
        kernel: convKernel(tiling, activation.kind, residual, geo.outW % 4 === 0 && tm % 4 === 0),
        params: {
          total,
          tilesX,
          ...windowParams(geo),
          ...common,
        },
        bindings: io,
        invocations: total,
      },
    ],
  };
}

/** What Conv's infer resolves: the geometry, the fused activation, and how R is read. */
export interface ResolvedConv {
  readonly geometry: ConvGeometry;
  readonly activation: Activation;
  readonly residual: Residual;
}

export const conv: OpDefinition<ConvAttributes, ResolvedConv> = {
  type: 'Conv',
  parse(node) {
    checkKnownAttributes(node, KNOWN_ATTRIBUTES);
    const window = parseWindowAttributes(node);
    const group = intAttr(node, 'group', 1);
    if (group < 1) throw new AttributeError(node, 'group', group, 'must be at least 1');
    return { window, group, activation: parseFusedActivation(node) };
  },
  infer(attrs, inputs, node) {
    const geometry = convGeometry(attrs, inputs, node);
    const residual = residualKind(geometry, inputs, node);
    return { outputs: [{ dtype: 'float32', shape: [geometry.batch, geometry.outC, geometry.outH, geometry.outW] }], resolved: { geometry, activation: attrs.activation, residual } };
  },
  cpu({ geometry: geo, activation }, inputs) {
    const [x, w, b, r] = inputs as [Tensor<'float32'>, Tensor<'float32'>, Tensor<'float32'> | undefined, Tensor<'float32'> | undefined];
    const data = convCpu(geo, x.data, w.data, b?.data, activation, r?.data);
    return [{ dtype: 'float32', shape: [geo.batch, geo.outC, geo.outH, geo.outW], data }];
  },
  gpu({ geometry, activation, residual }, _inputs, _outputs, traits) {
    const winograd = pickWinogradTile(traits, geometry);
    if (winograd) return lowerConvWinograd(geometry, winograd, variantActivation(activation), variantActivation(NO_ACTIVATION), residual, traits);
    return lowerConv(geometry, activation, pickConvTiling(traits, geometry), convPath(geometry), residual);
  },
  macs({ geometry: g }) {
    return g.batch * g.outC * g.outH * g.outW * g.groupInC * g.window.kernel[0]! * g.window.kernel[1]!;
  },
  spatial({ geometry: g }) {
    return { kind: 'window', ...g.window };
  },
};

export const ops: AnyOpDefinition[] = [conv];
