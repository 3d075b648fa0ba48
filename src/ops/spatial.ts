/**
 * Window geometry shared by Conv, ConvTranspose, MaxPool and AveragePool (ONNX opset 17):
 * kernel_shape, strides, dilations, pads [begin..., end...] and auto_pad, with the output-size
 * rules of the spec. Every check names the node, the attribute and the value.
 */
import { AttributeError, InputError } from '../errors.js';
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

/** Checks an NCHW-style input: rank 2 + spatial rank, float32. */
export function checkSpatialInput(node: OpNode, name: string, shape: readonly number[], dtype: string, spatialRank = 2): void {
  if (dtype !== 'float32') throw new InputError(node, name, `has dtype ${dtype}; only float32 is supported`);
  if (shape.length !== 2 + spatialRank) {
    throw new InputError(node, name, `has shape [${shape.join('x')}]; expected rank ${2 + spatialRank} (N, C, ${spatialRank === 2 ? 'H, W' : 'spatial...'})`);
  }
  if (shape.some((d) => d < 1)) throw new InputError(node, name, `has shape [${shape.join('x')}] with an empty dimension`);
}
