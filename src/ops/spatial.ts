/**
 * Window geometry shared by Conv, ConvTranspose, MaxPool and AveragePool (ONNX opset 17):
 * kernel_shape, strides, dilations, pads [begin..., end...] and auto_pad, with the output-size
 * rules of the spec, and the 2D pooling window (required kernel_shape, ceil_mode, windows that
 * must reach the input). Every check names the node, the attribute and the value.
 */
import { AttributeError, InputError } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import { intAttr, intsAttr, stringAttr } from './attributes.js';
import type { OpNode } from './types.js';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
export const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/** Window attributes as given, before the input's spatial size is known. */
export interface WindowAttributes {
  /** Undefined for Conv/ConvTranspose when it is to be taken from the weight's shape. */
  readonly kernelShape: number[] | undefined;
  readonly strides: number[] | undefined;
  readonly dilations: number[] | undefined;
  readonly pads: number[] | undefined;
  readonly autoPad: AutoPad;
}

export function parseWindowAttributes(node: OpNode): WindowAttributes {
  const kernelShape = intsAttr(node, 'kernel_shape');
  const strides = intsAttr(node, 'strides');
  const dilations = intsAttr(node, 'dilations');
  const pads = intsAttr(node, 'pads');
  const autoPad = stringAttr(node, 'auto_pad', AUTO_PADS, 'NOTSET');
  if (kernelShape?.some((k) => k < 1)) throw new AttributeError(node, 'kernel_shape', kernelShape, 'must be positive');
  if (strides?.some((s) => s < 1)) throw new AttributeError(node, 'strides', strides, 'must be positive');
  if (dilations?.some((d) => d < 1)) throw new AttributeError(node, 'dilations', dilations, 'must be positive');
  if (pads?.some((p) => p < 0)) throw new AttributeError(node, 'pads', pads, 'must not be negative');
  if (pads && autoPad !== 'NOTSET') throw new AttributeError(node, 'pads', pads, `cannot be combined with auto_pad='${autoPad}'`);
  return { kernelShape, strides, dilations, pads, autoPad };
}

/** Fully resolved geometry for one spatial rank (2 for NCHW). */
export interface Window {
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
  /** Padding before each spatial axis. */
  readonly padsBegin: number[];
  /** Padding after each spatial axis. */
  readonly padsEnd: number[];
  readonly outputSize: number[];
}

function checkLength(node: OpNode, name: string, value: number[] | undefined, expected: number): void {
  if (value && value.length !== expected) {
    throw new AttributeError(node, name, value, `must have ${expected} values for ${expected / (name === 'pads' ? 2 : 1)} spatial dimension(s)`);
  }
}

/**
 * Resolves a window for input spatial sizes `inputSize` (Conv, MaxPool, AveragePool). `ceilMode`
 * follows PyTorch, the numerical oracle: a last window that would start in the end padding is dropped.
 */
export function resolveWindow(node: OpNode, attrs: WindowAttributes, kernel: number[], inputSize: number[], ceilMode = false): Window {
  const rank = inputSize.length;
  checkLength(node, 'kernel_shape', kernel, rank);
  checkLength(node, 'strides', attrs.strides, rank);
  checkLength(node, 'dilations', attrs.dilations, rank);
  checkLength(node, 'pads', attrs.pads, 2 * rank);
  const strides = attrs.strides ?? new Array<number>(rank).fill(1);
  const dilations = attrs.dilations ?? new Array<number>(rank).fill(1);
  const padsBegin = new Array<number>(rank).fill(0);
  const padsEnd = new Array<number>(rank).fill(0);
  const outputSize = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
    if (attrs.autoPad === 'SAME_UPPER' || attrs.autoPad === 'SAME_LOWER') {
      outputSize[i] = Math.ceil(inputSize[i] / strides[i]);
      const total = Math.max(0, (outputSize[i] - 1) * strides[i] + effectiveKernel - inputSize[i]);
      padsBegin[i] = attrs.autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      padsEnd[i] = total - padsBegin[i];
      continue;
    }
    if (attrs.autoPad === 'NOTSET' && attrs.pads) {
      padsBegin[i] = attrs.pads[i];
      padsEnd[i] = attrs.pads[i + rank];
    }
    const padded = inputSize[i] + padsBegin[i] + padsEnd[i];
    if (effectiveKernel > padded) {
      throw new AttributeError(
        node,
        'kernel_shape',
        kernel,
        `(dilated extent ${effectiveKernel} on spatial axis ${i}) is larger than the padded input (${inputSize[i]} + pads ${padsBegin[i]}+${padsEnd[i]} = ${padded})`,
      );
    }
    if (ceilMode) {
      let out = Math.ceil((padded - effectiveKernel) / strides[i]) + 1;
      if ((out - 1) * strides[i] >= inputSize[i] + padsBegin[i]) out--;
      outputSize[i] = out;
    } else {
      outputSize[i] = Math.floor((padded - effectiveKernel) / strides[i]) + 1;
    }
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, outputSize };
}

/** ceil_mode for pools: 0 or 1. */
export function ceilModeAttr(node: OpNode): boolean {
  const v = intAttr(node, 'ceil_mode', 0);
  if (v !== 0 && v !== 1) throw new AttributeError(node, 'ceil_mode', v, 'must be 0 or 1');
  return v === 1;
}

/**
 * Checks an NCHW-style input: rank 2 + spatial rank, of the dtype the op computes in (float32, or
 * int32 for the integer convolutions, whose quantized tensors travel as int32); N may be 0.
 */
export function checkSpatialInput(node: OpNode, name: string, shape: readonly number[], dtype: string, spatialRank = 2, expectedDtype: 'float32' | 'int32' = 'float32'): void {
  if (dtype !== expectedDtype) throw new InputError(node, name, `has dtype ${dtype}; only ${expectedDtype} is supported`);
  if (shape.length !== 2 + spatialRank) {
    throw new InputError(node, name, `has shape [${shape.join('x')}]; expected rank ${2 + spatialRank} (N, C, ${spatialRank === 2 ? 'H, W' : 'spatial...'})`);
  }
  // An empty batch is a batch (torch runs convs and pools on zero RoIs: a detection model's mask
  // head when nothing was detected); empty channels or pixels are not.
  if (shape[0]! < 0 || shape.slice(1).some((d) => d < 1)) throw new InputError(node, name, `has shape [${shape.join('x')}] with an empty channel or spatial dimension`);
}

// ---------------------------------------------------------------------------------------------
// 2D pooling windows (MaxPool, AveragePool)

/** Window attributes of a 2D pool, as parsed (before the input size is known). */
export interface PoolAttributes {
  readonly window: WindowAttributes;
  readonly kernel: number[];
  readonly ceilMode: boolean;
}

/** kernel_shape (required, two values: only 2D pooling), strides, dilations, pads, auto_pad, ceil_mode. */
export function parsePoolAttributes(node: OpNode): PoolAttributes {
  const window = parseWindowAttributes(node);
  const kernel = window.kernelShape;
  if (kernel === undefined) throw new AttributeError(node, 'kernel_shape', undefined, 'is required');
  if (kernel.length !== 2) {
    throw new AttributeError(node, 'kernel_shape', kernel, 'must have 2 values: only 2D pooling (NCHW input) is supported');
  }
  return { window, kernel, ceilMode: ceilModeAttr(node) };
}

/**
 * Resolves the window for an NCHW input and refuses geometry that leaves some output window with
 * no input element at all (pads as large as the kernel, or dilated taps that all miss a tiny
 * input): MaxPool has no value or index to give there, and AveragePool without
 * count_include_pad would divide by zero. Set `allowEmptyWindows` where an empty window is well
 * defined (AveragePool with count_include_pad=1 gives 0).
 */
export function resolvePoolWindow(node: OpNode, attrs: PoolAttributes, inputShape: Shape, allowEmptyWindows = false): Window {
  const inputSize = [inputShape[2], inputShape[3]];
  const window = resolveWindow(node, attrs.window, attrs.kernel, inputSize, attrs.ceilMode);
  if (allowEmptyWindows) return window;
  for (let axis = 0; axis < 2; axis++) {
    for (let o = 0; o < window.outputSize[axis]; o++) {
      const start = o * window.strides[axis] - window.padsBegin[axis];
      let hits = false;
      for (let k = 0; k < window.kernel[axis] && !hits; k++) {
        const at = start + k * window.dilations[axis];
        hits = at >= 0 && at < inputSize[axis];
      }
      if (hits) continue;
      const pads = [...window.padsBegin, ...window.padsEnd];
      const why =
        `leave output position ${o} on spatial axis ${axis} with no input element in its window ` +
        `(input size ${inputSize[axis]}, kernel ${window.kernel[axis]}, stride ${window.strides[axis]}, dilation ${window.dilations[axis]}` +
        `${attrs.window.autoPad === 'NOTSET' ? '' : `, resolved pads [${pads.join(', ')}]`})`;
      if (attrs.window.autoPad === 'NOTSET') throw new AttributeError(node, 'pads', attrs.window.pads ?? pads, why);
      throw new AttributeError(node, 'auto_pad', attrs.window.autoPad, why);
    }
  }
  return window;
}

/** The pool uniforms (shaders/max-pool.wgsl, shaders/average-pool.wgsl): windowUniforms of the NCHW input. */
export function poolWindowParams(inputShape: Shape, window: Window): Record<string, number> {
  return windowUniforms([inputShape[2]!, inputShape[3]!], window);
}

/**
 * A 2D window as kernel uniforms, the names every windowed kernel uses (conv, depthwise, pools):
 * inH/inW, outH/outW, kernelH/kernelW, strideH/strideW, dilationH/dilationW, padTop/padLeft.
 */
export function windowUniforms([inH, inW]: readonly number[], window: Window): Record<string, number> {
  return {
    inH: inH!,
    inW: inW!,
    outH: window.outputSize[0],
    outW: window.outputSize[1],
    kernelH: window.kernel[0],
    kernelW: window.kernel[1],
    strideH: window.strides[0],
    strideW: window.strides[1],
    dilationH: window.dilations[0],
    dilationW: window.dilations[1],
    padTop: window.padsBegin[0],
    padLeft: window.padsBegin[1],
  };
}
