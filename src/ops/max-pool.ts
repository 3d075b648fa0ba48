/**
 * MaxPool, 2D NCHW float32, with the optional Indices output (ONNX MaxPool-12, the version current
 * at opset 17). Attributes: kernel_shape (required), strides, pads (asymmetric), auto_pad,
 * dilations, ceil_mode (PyTorch's rule: a last window starting in the end padding is dropped),
 * storage_order (only 0, row-major, is supported).
 *
 * Indices are flat row-major positions in the whole input, ((n*C + c)*H + h)*W + w, as ONNX and
 * onnxruntime define them. Padded positions are never selected; ties go to the first maximum in
 * row-major scan order over the window. NaN follows the rule in shaders/common.wgsl (PyTorch's): a
 * window holding a NaN gives NaN, and its index is that of the window's last NaN, as torch's
 * max_pool2d gives (every NaN wins, `val > max || isnan(val)`). Both outputs are always declared
 * (Indices as int64; the GPU writes i32 and the runtime widens).
 *
 * GPU: one invocation per output element scans its window (shaders/max-pool.wgsl).
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { checkSpatialInput, parsePoolAttributes, poolWindowParams, resolvePoolWindow, type PoolAttributes, type Window } from './spatial.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import maxPoolWgsl from '../../shaders/max-pool.wgsl?raw';

/**
 * The lowest finite f32 (LOWEST_F32 in shaders/common.wgsl): the scan's seed, never an output,
 * since the window's first in-input element always replaces it (a window of -Inf gives -Inf).
 */
export const LOWEST_F32 = -3.4028234663852886e38;

type MaxPoolAttributes = PoolAttributes;

const MAX_POOL_ATTRIBUTES = ['kernel_shape', 'strides', 'pads', 'auto_pad', 'dilations', 'ceil_mode', 'storage_order'];

function inferMaxPool(attrs: MaxPoolAttributes, x: ValueInfo | Tensor | undefined, node: OpNode): { x: ValueInfo | Tensor; window: Window; shape: number[] } {
  if (!x) throw new InputError(node, 'X', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype);
  const window = resolvePoolWindow(node, attrs, x.shape);
  return { x, window, shape: [x.shape[0], x.shape[1], ...window.outputSize] };
}

const maxPool: OpDefinition<MaxPoolAttributes, Window> = {
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
    const { shape, window } = inferMaxPool(attrs, inputs[0], node);
    return {
      outputs: [
        { dtype: 'float32', shape },
        { dtype: 'int64', shape },
      ],
      resolved: window,
    };
  },
  cpu(window, inputs) {
    const x = inputs[0] as Tensor<'float32'>;
    const shape = [x.shape[0], x.shape[1], ...window.outputSize];
    const xData = x.data;
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
                // The first in-input element is always taken, so -Infinity inputs still give a
                // real index; after that a strictly larger value wins (first maximum), and so
                // does every NaN (`v > NaN` is false, so a later number never displaces one).
                if (bestIndex < 0 || Number.isNaN(xData[at]) || xData[at] > best) {
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
  gpu(window, inputs, outputs) {
    const x = inputs[0] as ValueInfo;
    const total = sizeOf(outputs[0].shape);
    return {
      steps: [
        {
          kernel: wgslKernel('max-pool', maxPoolWgsl),
          params: { total, ...poolWindowParams(x.shape, window) },
          bindings: { x: { input: 0 }, y: { output: 0 }, indices: { output: 1 } },
          invocations: total,
        },
      ],
    };
  },
  spatial: (window) => ({ kind: 'window', ...window }),
};

export const ops: AnyOpDefinition[] = [maxPool];
