/**
 * ConvTranspose, ONNX opset 17 semantics (ConvTranspose-11), 2D NCHW, float32.
 *
 * Inputs X [N, C, H, W], W [C, M/group, kH, kW], optional B [M]. Output [N, M, OH, OW] where, per
 * spatial axis (s stride, d dilation, k kernel, op output_padding, effective kernel (k-1)*d+1):
 *
 *   natural = s*(in-1) + op + (k-1)*d + 1           (the full, uncropped output)
 *   NOTSET / VALID:          out = natural - padBegin - padEnd        (VALID: no pads)
 *   SAME_UPPER / SAME_LOWER: out = in*s
 *   output_shape given:      out = output_shape
 *
 * With SAME_* or output_shape, total = natural - out is split as the spec says:
 *   SAME_UPPER: padBegin = floor(total/2), the odd extra at the end;
 *   otherwise (SAME_LOWER, NOTSET, VALID): padBegin = total - floor(total/2), the extra at the start.
 * This follows the spec text and the auto_pad description (extra at the end for SAME_UPPER), the
 * ONNX reference implementation and the backend test test_convtranspose_autopad_same. (Older
 * onnxruntime releases split SAME_UPPER the other way round: onnxruntime issue #9370.)
 *
 * A requested size larger than `natural` (total < 0) has no pads to remove; the extra rows/columns
 * are added at the end, exactly as more output_padding would add them (ONNX backend test
 * test_convtranspose_output_shape, onnxruntime, PyTorch's output_size). Like output_padding, that
 * extension must stay below the stride or the dilation (PyTorch's rule); the same holds for SAME_*,
 * where out = in*s can exceed `natural` when the stride is larger than the dilated kernel.
 * output_shape together with explicit pads must agree with them.
 *
 * Output element (n, m, oy, ox) with g = m / (M/group) sums, over the group's input channels c and
 * the taps (ky, kx) with oy + padBegin = iy*s + ky*d for an input row 0 <= iy < H (same for x):
 *   X[n, c, iy, ix] * W[c, m % (M/group), ky, kx]   (+ B[m]).
 *
 * CPU reference: the scatter definition (every input pixel adds its weighted kernel into the output).
 * GPU: the gather formulation. A small repack step lays W out as [kH, kW, C, M/group padded], then
 * each invocation computes a register tile of up to 4 output pixels of one row that share their
 * phase modulo the stride (hence their taps) times 4 or 8 output channels (vec4 weight loads; one to
 * three scalar channels for groups narrower than 4). Only contributing taps are visited: the first
 * is solved from the residue of o + padBegin modulo the stride, the rest follow at a fixed step
 * (no zero-inserted input, no per-tap divisibility tests). Bias is added in the epilogue.
 *
 * segwgpu extension, as on Conv (src/ops/conv.ts): `activation` / `activation_params`, applied in
 * the epilogue (fused by src/passes/fuse-activation.ts; a segmentation head's final Sigmoid).
 */
import { AttributeError, InputError } from '../core/errors.js';
import { wgslKernel } from '../gpu/kernel.js';
import { formatShape, type Tensor } from '../core/tensor.js';
import { activationParams, applyActivationCpu, parseFusedActivation, type Activation } from './activation-functions.js';
import { chooseConvTransposeVariant, convTransposeKernel } from './conv-transpose-kernels.js';
import { checkKnownAttributes, intAttr, intsAttr } from './attributes.js';
import { checkSpatialInput, parseWindowAttributes, type Window, type WindowAttributes } from './spatial.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuLowering } from '../gpu/step.js';
import convTransposeFileWgsl from '../../shaders/conv-transpose.wgsl?raw';

const SPATIAL_RANK = 2;
const AXIS_NAMES = ['H', 'W'];

export interface ConvTransposeAttributes {
  readonly node: OpNode;
  readonly window: WindowAttributes;
  readonly group: number;
  readonly outputPadding: number[];
  readonly outputShape: number[] | undefined;
  readonly activation: Activation;
}

/** Resolved geometry for one input shape. padEnd may be negative: the output extends past what any tap reaches. */
/** The window (kernel, strides, dilations, pads, output size per spatial axis) and the channels. */
export interface ConvTransposeGeometry extends Window {
  readonly batch: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly group: number;
  readonly inSize: number[];
}

function parseConvTranspose(node: OpNode): ConvTransposeAttributes {
  checkKnownAttributes(node, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'output_shape', 'pads', 'strides', 'activation', 'activation_params']);
  const window = parseWindowAttributes(node);
  for (const [name, value, expected] of [
    ['kernel_shape', window.kernelShape, SPATIAL_RANK],
    ['strides', window.strides, SPATIAL_RANK],
    ['dilations', window.dilations, SPATIAL_RANK],
    ['pads', window.pads, 2 * SPATIAL_RANK],
  ] as const) {
    if (value && value.length !== expected) {
      throw new AttributeError(node, name, value, `must have ${expected} values (only 2D ConvTranspose is supported)`);
    }
  }
  const group = intAttr(node, 'group', 1);
  if (group < 1) throw new AttributeError(node, 'group', group, 'must be positive');
  const outputPadding = intsAttr(node, 'output_padding') ?? [0, 0];
  if (outputPadding.length !== SPATIAL_RANK) {
    throw new AttributeError(node, 'output_padding', outputPadding, `must have ${SPATIAL_RANK} values (one per spatial axis)`);
  }
  if (outputPadding.some((v) => v < 0)) throw new AttributeError(node, 'output_padding', outputPadding, 'must not be negative');
  const strides = window.strides ?? [1, 1];
  const dilations = window.dilations ?? [1, 1];
  outputPadding.forEach((v, i) => {
    // PyTorch's rule: the extra rows must be fewer than the stride or the dilation.
    if (v >= strides[i] && v >= dilations[i]) {
      throw new AttributeError(
        node,
        'output_padding',
        outputPadding,
        `must be smaller than the stride (${strides[i]}) or the dilation (${dilations[i]}) on spatial axis ${AXIS_NAMES[i]}`,
      );
    }
  });
  const outputShape = intsAttr(node, 'output_shape');
  if (outputShape) {
    if (outputShape.length !== SPATIAL_RANK) {
      throw new AttributeError(node, 'output_shape', outputShape, `must have ${SPATIAL_RANK} values (the output's spatial size)`);
    }
    if (outputShape.some((v) => v < 1)) throw new AttributeError(node, 'output_shape', outputShape, 'must be positive');
  }
  return { node, window, group, outputPadding, outputShape, activation: parseFusedActivation(node) };
}

/** Validates the inputs and resolves the output size and the pads actually applied. */
export function convTransposeGeometry(
  attrs: ConvTransposeAttributes,
  inputs: readonly (ValueInfo | Tensor | undefined)[],
): ConvTransposeGeometry {
  const { node, window, group, outputPadding, outputShape } = attrs;
  const [x, w, b] = inputs;
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (!w) throw new InputError(node, 'W', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype, SPATIAL_RANK);
  if (w.dtype !== 'float32') throw new InputError(node, 'W', `has dtype ${w.dtype}; only float32 is supported`);
  if (w.shape.length !== 2 + SPATIAL_RANK || w.shape.some((d) => d < 1)) {
    throw new InputError(node, 'W', `has shape ${formatShape(w.shape)}; expected [C x M/group x kH x kW] with no empty dimension`);
  }
  const [batch, inChannels] = x.shape;
  if (inChannels % group !== 0) {
    throw new AttributeError(node, 'group', group, `does not divide the ${inChannels} input channels of X ${formatShape(x.shape)}`);
  }
  if (w.shape[0] !== inChannels) {
    throw new InputError(node, 'W', `has shape ${formatShape(w.shape)}; expected [C x M/group x kH x kW] with C = ${inChannels}, the channels of X ${formatShape(x.shape)}`);
  }
  const outChannels = w.shape[1] * group;
  const kernel = [w.shape[2], w.shape[3]];
  if (window.kernelShape && window.kernelShape.some((k, i) => k !== kernel[i])) {
    throw new AttributeError(node, 'kernel_shape', window.kernelShape, `disagrees with the kernel of W ${formatShape(w.shape)}`);
  }
  if (b) {
    if (b.dtype !== 'float32') throw new InputError(node, 'B', `has dtype ${b.dtype}; only float32 is supported`);
    if (b.shape.length !== 1 || b.shape[0] !== outChannels) {
      throw new InputError(node, 'B', `has shape ${formatShape(b.shape)}; expected [${outChannels}] (M = W[1] * group = ${w.shape[1]} * ${group})`);
    }
  }
  const inSize = [x.shape[2], x.shape[3]];
  const strides = window.strides ?? [1, 1];
  const dilations = window.dilations ?? [1, 1];
  const padsBegin = [0, 0];
  const padsEnd = [0, 0];
  const outputSize = [0, 0];
  for (let i = 0; i < SPATIAL_RANK; i++) {
    const natural = strides[i] * (inSize[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
    const same = window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER';
    if (window.pads) {
      padsBegin[i] = window.pads[i];
      padsEnd[i] = window.pads[i + SPATIAL_RANK];
      outputSize[i] = natural - padsBegin[i] - padsEnd[i];
      if (outputShape && outputShape[i] !== outputSize[i]) {
        throw new AttributeError(
          node,
          'output_shape',
          outputShape,
          `disagrees with pads=[${window.pads.join(', ')}]: they give ${outputSize[i]} on spatial axis ${AXIS_NAMES[i]} for an input of ${inSize[i]}`,
        );
      }
    } else if (outputShape || same) {
      const requested = outputShape ? outputShape[i] : inSize[i] * strides[i];
      const total = natural - requested;
      if (total >= 0) {
        padsBegin[i] = window.autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
        padsEnd[i] = total - padsBegin[i];
      } else if (outputPadding[i] - total >= strides[i] && outputPadding[i] - total >= dilations[i]) {
        // Extending the output at the end works like more output_padding, and is held to its rule.
        const what = outputShape ? 'output_shape' : 'auto_pad';
        throw new AttributeError(
          node,
          what,
          outputShape ?? window.autoPad,
          `asks for ${requested} on spatial axis ${AXIS_NAMES[i]}, but an input of ${inSize[i]} reaches at most ${natural - outputPadding[i]}; ` +
            `the ${-total + outputPadding[i]} extra (with output_padding) must be smaller than the stride (${strides[i]}) or the dilation (${dilations[i]})`,
        );
      } else {
        padsEnd[i] = total;
      }
      outputSize[i] = requested;
    } else {
      outputSize[i] = natural;
    }
    if (outputSize[i] < 1) {
      throw new AttributeError(
        node,
        'pads',
        window.pads,
        `leave an output of ${outputSize[i]} on spatial axis ${AXIS_NAMES[i]} (stride ${strides[i]} * (input ${inSize[i]} - 1) + output_padding ${outputPadding[i]} + dilated kernel ${(kernel[i] - 1) * dilations[i] + 1} - pads ${padsBegin[i]}+${padsEnd[i]})`,
      );
    }
  }
  return { batch, inChannels, outChannels, group, inSize, kernel, strides, dilations, padsBegin, padsEnd, outputSize };
}

/** The scatter definition: each input pixel adds X * W[c, m, ky, kx] at (iy*s - padBegin + ky*d, ...). */
function convTransposeCpu(geo: ConvTransposeGeometry, x: Tensor<'float32'>, w: Tensor<'float32'>, b: Tensor<'float32'> | undefined, activation: Activation): Tensor<'float32'> {
  const { batch, inChannels, outChannels, group, inSize, kernel, strides, dilations, padsBegin, outputSize } = geo;
  const [H, W] = inSize;
  const [kH, kW] = kernel;
  const [OH, OW] = outputSize;
  const groupIn = inChannels / group;
  const groupOut = outChannels / group;
  const sums = new Float64Array(batch * outChannels * OH * OW);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < inChannels; c++) {
      const g = Math.floor(c / groupIn);
      for (let iy = 0; iy < H; iy++) {
        for (let ix = 0; ix < W; ix++) {
          const value = x.data[((n * inChannels + c) * H + iy) * W + ix];
          for (let j = 0; j < groupOut; j++) {
            const m = g * groupOut + j;
            for (let ky = 0; ky < kH; ky++) {
              const oy = iy * strides[0] - padsBegin[0] + ky * dilations[0];
              if (oy < 0 || oy >= OH) continue;
              for (let kx = 0; kx < kW; kx++) {
                const ox = ix * strides[1] - padsBegin[1] + kx * dilations[1];
                if (ox < 0 || ox >= OW) continue;
                sums[((n * outChannels + m) * OH + oy) * OW + ox] += value * w.data[((c * groupOut + j) * kH + ky) * kW + kx];
              }
            }
          }
        }
      }
    }
  }
  if (b) {
    for (let i = 0; i < sums.length; i++) sums[i] += b.data[Math.floor(i / (OH * OW)) % outChannels];
  }
  return { dtype: 'float32', shape: [batch, outChannels, OH, OW], data: Float32Array.from(sums, (v) => applyActivationCpu(v, activation)) };
}

// ---------------------------------------------------------------------------------------------
// GPU: two steps.
//  1. shaders/conv-transpose.wgsl repacks W [C, M/group, kH, kW] into a scratch buffer laid out
//     [kH, kW, C, Mpad] (Mpad: M/group rounded up to the channel block, zero-filled), so the output
//     channels one invocation needs are adjacent (vec4 loads) and the channel loop walks one stride.
//  2. The generated gather kernel (src/ops/conv-transpose-kernels.ts).

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The inverse of a modulo m (a and m coprime); 0 for m = 1, where every residue is 0. */
function modularInverse(a: number, m: number): number {
  if (m === 1) return 0;
  for (let i = 1; i < m; i++) if ((a * i) % m === 1) return i;
  throw new Error(`modularInverse: ${a} has no inverse modulo ${m}`);
}

function convTransposeGpu(geo: ConvTransposeGeometry, hasBias: boolean, activation: Activation): GpuLowering {
  const { batch, inChannels, outChannels, group, inSize, kernel, strides, dilations, padsBegin, outputSize } = geo;
  const groupOut = outChannels / group;
  const pixelsPerPhase = Math.ceil(outputSize[1] / strides[1]);
  const variant = { ...chooseConvTransposeVariant(groupOut, pixelsPerPhase, hasBias), activation: activation.kind };
  const perInvocation = variant.lanes * variant.loads;
  const paddedGroupOut = Math.ceil(groupOut / perInvocation) * perInvocation;
  const repacked = kernel[0] * kernel[1] * inChannels * paddedGroupOut;
  const blocksPerGroup = paddedGroupOut / perInvocation;
  const tilesPerPhase = Math.ceil(pixelsPerPhase / variant.pixels);
  const total = batch * group * blocksPerGroup * outputSize[0] * strides[1] * tilesPerPhase;
  const gcds = strides.map((s, i) => gcd(s, dilations[i]));
  const tapSteps = strides.map((s, i) => s / gcds[i]);
  return {
    temps: [4 * repacked],
    steps: [
      {
        label: 'ConvTranspose weight repack',
        kernel: wgslKernel('conv-transpose', convTransposeFileWgsl),
        params: { total: repacked, inChannels, groupOutChannels: groupOut, paddedGroupOutChannels: paddedGroupOut, kernel },
        bindings: { w: { input: 1 }, wt: { temp: 0 } },
        invocations: repacked,
      },
      {
        label: 'ConvTranspose gather',
        kernel: convTransposeKernel(variant),
        params: {
          total,
          inChannels,
          outChannels,
          groupInChannels: inChannels / group,
          groupOutChannels: groupOut,
          paddedRow: paddedGroupOut / variant.lanes,
          blocksPerGroup,
          channelBlocks: group * blocksPerGroup,
          tilesPerPhase,
          inSize,
          outSize: outputSize,
          kernel,
          stride: strides,
          dilation: dilations,
          padBegin: padsBegin,
          residueGcd: gcds,
          tapStep: tapSteps,
          dilationInverse: dilations.map((d, i) => modularInverse((d / gcds[i]) % tapSteps[i], tapSteps[i])),
          inputStep: dilations.map((d, i) => d / gcds[i]),
          actAlpha: activationParams(activation).actAlpha,
          actBeta: activationParams(activation).actBeta,
        },
        bindings: { x: { input: 0 }, wt: { temp: 0 }, ...(hasBias ? { bias: { input: 2 } } : {}), y: { output: 0 } },
        invocations: total,
      },
    ],
  };
}

/** What ConvTranspose's infer resolves. */
interface ResolvedConvTranspose {
  readonly geometry: ConvTransposeGeometry;
  readonly hasBias: boolean;
  readonly activation: Activation;
}

const convTranspose: OpDefinition<ConvTransposeAttributes, ResolvedConvTranspose> = {
  type: 'ConvTranspose',
  parse: parseConvTranspose,
  infer(attrs, inputs) {
    const geometry = convTransposeGeometry(attrs, inputs);
    return {
      outputs: [{ dtype: 'float32', shape: [geometry.batch, geometry.outChannels, ...geometry.outputSize] }],
      resolved: { geometry, hasBias: inputs[2] !== undefined, activation: attrs.activation },
    };
  },
  cpu({ geometry, activation }, inputs) {
    const [x, w, b] = inputs as [Tensor<'float32'>, Tensor<'float32'>, Tensor<'float32'> | undefined];
    return [convTransposeCpu(geometry, x, w, b, activation)];
  },
  gpu({ geometry, hasBias, activation }) {
    return convTransposeGpu(geometry, hasBias, activation);
  },
  macs({ geometry: g }) {
    // Every input pixel meets every tap of its group's filters once.
    return g.batch * g.inSize[0] * g.inSize[1] * g.inChannels * (g.outChannels / g.group) * g.kernel[0] * g.kernel[1];
  },
  spatial({ geometry: g }) {
    return { kind: 'transposed', kernel: g.kernel, strides: g.strides, dilations: g.dilations };
  },
};

export const ops: AnyOpDefinition[] = [convTranspose];
