/**
 * MaxPool, 2D NCHW float32, with the optional Indices output (ONNX MaxPool-12, the version current
 * at opset 17). Attributes: kernel_shape (required), strides, pads (asymmetric), auto_pad,
 * dilations, ceil_mode (PyTorch's rule: a last window starting in the end padding is dropped),
 * storage_order (only 0, row-major, is supported).
 *
 * Indices are flat row-major positions in the whole input, ((n*C + c)*H + h)*W + w, as ONNX and
 * onnxruntime define them. Padded positions are never selected; ties go to the first maximum in
 * row-major scan order over the window. Both outputs are always declared (Indices as int64; the
 * GPU writes i32 and the runtime widens).
 *
 * GPU: one invocation per output element scans its window (shaders/max-pool.wgsl).
 *
 * This file also holds the window handling shared with AveragePool (parsePoolAttributes,
 * resolvePoolWindow).
 */
import { AttributeError, InputError } from '../errors.js';
import { sizeOf, type Shape, type Tensor } from '../tensor.js';
import { kernelFromFile } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { ceilModeAttr, checkSpatialInput, parseWindowAttributes, resolveWindow, type Window, type WindowAttributes } from './spatial.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

/** The lowest finite f32, the start of every max reduction (LOWEST_F32 in shaders/common.wgsl). */
export const LOWEST_F32 = -3.4028234663852886e38;

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

/** The kernel uniforms every 2D pool shares (shaders/max-pool.wgsl, shaders/average-pool.wgsl). */
export function poolWindowParams(inputShape: Shape, window: Window): Record<string, number> {
  return {
    inH: inputShape[2],
    inW: inputShape[3],
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

type MaxPoolAttributes = PoolAttributes;

const MAX_POOL_ATTRIBUTES = ['kernel_shape', 'strides', 'pads', 'auto_pad', 'dilations', 'ceil_mode', 'storage_order'];

function inferMaxPool(attrs: MaxPoolAttributes, x: ValueInfo | Tensor | undefined, node: OpNode): { x: ValueInfo | Tensor; window: Window; shape: number[] } {
  if (!x) throw new InputError(node, 'X', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype);
  const window = resolvePoolWindow(node, attrs, x.shape);
  return { x, window, shape: [x.shape[0], x.shape[1], ...window.outputSize] };
}

const maxPool: OpDefinition<MaxPoolAttributes> = {
  type: 'MaxPool',
  parse(node) {
    checkKnownAttributes(node, MAX_POOL_ATTRIBUTES);
    const storageOrder = intAttr(node, 'storage_order', 0);
    if (storageOrder === 1) {
      throw new AttributeError(node, 'storage_order', storageOrder, 'is not supported: only 0 (row-major indices) is supported');
    }
    if (storageOrder !== 0) throw new AttributeError(node, 'storage_order', storageOrder, 'must be 0 (row-major) or 1 (column-major)');
    return parsePoolAttributes(node);
  },
  infer(attrs, inputs, node) {
    const { shape } = inferMaxPool(attrs, inputs[0], node);
    return [
      { dtype: 'float32', shape },
      { dtype: 'int64', shape },
    ];
  },
  cpu(attrs, inputs, node) {
    const { x, window, shape } = inferMaxPool(attrs, inputs[0], node);
    const xData = (x as Tensor<'float32'>).data;
    const [N, C, H, W] = x.shape;
    const [outH, outW] = window.outputSize;
    const y = new Float32Array(sizeOf(shape));
    const indices = new BigInt64Array(sizeOf(shape));
    let o = 0;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let oh = 0; oh < outH; oh++) {
          for (let ow = 0; ow < outW; ow++) {
            let best = LOWEST_F32;
            let bestIndex = -1;
            for (let kh = 0; kh < window.kernel[0]; kh++) {
              const h = oh * window.strides[0] - window.padsBegin[0] + kh * window.dilations[0];
              if (h < 0 || h >= H) continue;
              for (let kw = 0; kw < window.kernel[1]; kw++) {
                const w = ow * window.strides[1] - window.padsBegin[1] + kw * window.dilations[1];
                if (w < 0 || w >= W) continue;
                const at = ((n * C + c) * H + h) * W + w;
                // The first in-input element is always taken, so -Infinity and NaN inputs still
                // give a real index; after that only a strictly larger value wins (first maximum).
                if (bestIndex < 0 || xData[at] > best) {
                  best = xData[at];
                  bestIndex = at;
                }
              }
            }
            y[o] = best;
            indices[o] = BigInt(bestIndex);
            o++;
          }
        }
      }
    }
    return [
      { dtype: 'float32', shape, data: y },
      { dtype: 'int64', shape, data: indices },
    ];
  },
  gpu(attrs, inputs, outputs) {
    const x = inputs[0] as ValueInfo;
    // infer() already validated this geometry; resolving it again cannot fail.
    const { window } = inferMaxPool(attrs, x, { name: 'MaxPool', opType: 'MaxPool', attributes: {} });
    const total = sizeOf(outputs[0].shape);
    return {
      steps: [
        {
          kernel: kernelFromFile('max-pool'),
          params: { total, ...poolWindowParams(x.shape, window) },
          bindings: { x: { input: 0 }, y: { output: 0 }, indices: { output: 1 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [maxPool];
