/**
 * AveragePool and GlobalAveragePool, 2D NCHW float32 (ONNX AveragePool-11 and GlobalAveragePool-1,
 * the versions current at opset 17; AveragePool also accepts the `dilations` that AveragePool-19
 * added). Attributes: kernel_shape (required), strides, pads (asymmetric), auto_pad, dilations,
 * ceil_mode (PyTorch's rule: a last window starting in the end padding is dropped),
 * count_include_pad.
 *
 * The divisor follows PyTorch (the numerical oracle) and onnxruntime:
 *   count_include_pad=0: the number of window taps inside the input;
 *   count_include_pad=1: the number of taps inside the padded extent [-pad_begin, size + pad_end)
 *     on both axes, i.e. pads count but the area past the end padding that ceil_mode can add does not.
 * The ONNX reference implementation (onnx/reference/ops/op_pool_common.py) disagrees in two places
 * when ceil_mode adds extra area: with count_include_pad=1 it divides by the full kernel size
 * (the extra area counts as zeros), and it spreads the extra area half before and half after the
 * input, which shifts the windows when that area is 2 or more. We follow PyTorch / onnxruntime.
 *
 * GPU: AveragePool, one invocation per output element (shaders/average-pool.wgsl).
 * GlobalAveragePool sums each plane in segments, in one or two passes of a generated kernel
 * (globalAveragePoolLowering, below).
 *
 * segwgpu extension: GlobalAveragePool takes a second input X2 of X's shape and averages X + X2
 * (each sum rounded to f32 first, as the Add it replaces), fused from GlobalAveragePool(Add(X, X2))
 * by src/passes/fuse-pooled-add.ts: a squeeze-and-excitation block pooling a skip connection's
 * sum then reads both tensors once instead of writing and re-reading their sum.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { generatedKernel, wgslKernel, type Kernel, memoizedKernels } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { checkSpatialInput, parsePoolAttributes, poolWindowParams, resolvePoolWindow, type PoolAttributes, type Window } from './spatial.js';
import { noAttributes } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';
import averagePoolWgsl from '../../shaders/average-pool.wgsl?raw';
import globalAveragePoolWgsl from '../../shaders/global-average-pool.wgsl?raw';

interface AveragePoolAttributes extends PoolAttributes {
  readonly countIncludePad: boolean;
}

const AVERAGE_POOL_ATTRIBUTES = ['kernel_shape', 'strides', 'pads', 'auto_pad', 'dilations', 'ceil_mode', 'count_include_pad'];

function checkX(node: OpNode, x: ValueInfo | Tensor | undefined): ValueInfo | Tensor {
  if (!x) throw new InputError(node, 'X', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype);
  return x;
}

function averagePoolWindow(attrs: AveragePoolAttributes, x: ValueInfo | Tensor, node: OpNode): Window {
  // With count_include_pad=1 a window lying wholly in the padding is well defined (it averages
  // to 0); without it, it would divide by zero and is refused.
  return resolvePoolWindow(node, attrs, x.shape, attrs.countIncludePad);
}

/** AveragePool's window, and whether its divisor counts padding. */
interface ResolvedAveragePool {
  readonly window: Window;
  readonly countIncludePad: boolean;
}

const averagePool: OpDefinition<AveragePoolAttributes, ResolvedAveragePool> = {
  type: 'AveragePool',
  parse(node) {
    checkKnownAttributes(node, AVERAGE_POOL_ATTRIBUTES);
    const countIncludePad = intAttr(node, 'count_include_pad', 0);
    if (countIncludePad !== 0 && countIncludePad !== 1) throw new AttributeError(node, 'count_include_pad', countIncludePad, 'must be 0 or 1');
    return { ...parsePoolAttributes(node), countIncludePad: countIncludePad === 1 };
  },
  infer(attrs, inputs, node) {
    const x = checkX(node, inputs[0]);
    const window = averagePoolWindow(attrs, x, node);
    return { outputs: [{ dtype: 'float32', shape: [x.shape[0], x.shape[1], ...window.outputSize] }], resolved: { window, countIncludePad: attrs.countIncludePad } };
  },
  cpu(attrs, inputs) {
    const x = inputs[0] as Tensor<'float32'>;
    const { window } = attrs;
    const [N, C, H, W] = x.shape;
    const [outH, outW] = window.outputSize;
    const paddedEnd = [H + window.padsEnd[0], W + window.padsEnd[1]];
    const shape = [N, C, outH, outW];
    const y = new Float32Array(sizeOf(shape));
    let o = 0;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let oh = 0; oh < outH; oh++) {
          for (let ow = 0; ow < outW; ow++) {
            let sum = 0;
            let inputCount = 0;
            let paddedCount = 0;
            for (let kh = 0; kh < window.kernel[0]; kh++) {
              const h = oh * window.strides[0] - window.padsBegin[0] + kh * window.dilations[0];
              for (let kw = 0; kw < window.kernel[1]; kw++) {
                const w = ow * window.strides[1] - window.padsBegin[1] + kw * window.dilations[1];
                if (h < paddedEnd[0] && w < paddedEnd[1]) paddedCount++;
                if (h >= 0 && h < H && w >= 0 && w < W) {
                  sum += x.data[((n * C + c) * H + h) * W + w];
                  inputCount++;
                }
              }
            }
            y[o++] = sum / (attrs.countIncludePad ? paddedCount : inputCount);
          }
        }
      }
    }
    return [{ dtype: 'float32', shape, data: y }];
  },
  gpu(attrs, inputs, outputs) {
    const x = inputs[0] as ValueInfo;
    const { window } = attrs;
    const total = sizeOf(outputs[0].shape);
    return {
      steps: [
        {
          kernel: wgslKernel('average-pool', averagePoolWgsl),
          params: {
            total,
            ...poolWindowParams(x.shape, window),
            padBottom: window.padsEnd[0],
            padRight: window.padsEnd[1],
            countIncludePad: attrs.countIncludePad,
          },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
  spatial: ({ window }) => ({ kind: 'window', ...window }),
};

const globalAveragePool: OpDefinition<null> = {
  type: 'GlobalAveragePool',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const x = checkX(node, inputs[0]);
    checkAddend(node, x, inputs[1]);
    return { outputs: [{ dtype: 'float32', shape: [x.shape[0], x.shape[1], 1, 1] }], resolved: attrs };
  },
  cpu(_, inputs) {
    const [x, x2] = inputs as [Tensor<'float32'>, Tensor<'float32'> | undefined];
    const [N, C, H, W] = x.shape;
    const y = new Float32Array(N * C);
    for (let plane = 0; plane < N * C; plane++) {
      let sum = 0;
      for (let i = 0; i < H * W; i++) {
        const k = plane * H * W + i;
        sum += x2 ? Math.fround(x.data[k] + x2.data[k]) : x.data[k];
      }
      y[plane] = sum / (H * W);
    }
    return [{ dtype: 'float32', shape: [N, C, 1, 1], data: y }];
  },
  gpu(_, inputs) {
    const [N, C, H, W] = (inputs[0] as ValueInfo).shape;
    return globalAveragePoolLowering(N * C, H * W, DEFAULT_SPLIT, inputs[1] !== undefined);
  },
  spatial(_, inputs) {
    // One window over the whole map.
    const [, , H, W] = (inputs[0] as ValueInfo).shape;
    return { kind: 'window', kernel: [H, W], strides: [H, W], dilations: [1, 1] };
  },
};

// ---------------------------------------------------------------------------------------------
// GlobalAveragePool on the GPU. A plane of H*W values is too long for one invocation (16 planes of
// 128x128 would leave all the work to 16 invocations, one thread of a CPU adapter), so it is
// summed in two passes:
//   1. each plane is cut into `chunks` contiguous segments; one invocation sums one segment, read
//      as vec4s when H*W % 4 == 0 (shaders/global-average-pool.wgsl);
//   2. one invocation per plane sums its segments' partial sums the same way (as vec4s: the
//      number of segments is a multiple of 4), divided by H*W.
// Both passes run the same kernel: sum a segment, divide by `divisor` (1 for partial sums).
// Planes too short to split take one pass. The summation order depends only on the shapes, so
// results are deterministic, and the shorter serial runs make the f32 sum more accurate than one
// long loop. (A workgroup per plane with a tree reduction in workgroup memory measured 2-40x
// slower on SwiftShader, where barriers are expensive.)

/** How GlobalAveragePool splits its planes: about `invocations` summing invocations in all, segments of at least `minSegment` loads. */
export interface PlaneSplit {
  readonly invocations: number;
  readonly minSegment: number;
}

const DEFAULT_SPLIT: PlaneSplit = { invocations: 512, minSegment: 64 };

/** The fused addend X2 (inputs[1]), checked against X; undefined when absent. */
function checkAddend(node: OpNode, x: ValueInfo | Tensor, x2: ValueInfo | Tensor | undefined): ValueInfo | Tensor | undefined {
  if (!x2) return undefined;
  if (x2.dtype !== 'float32' || x2.shape.length !== x.shape.length || x2.shape.some((d, i) => d !== x.shape[i])) {
    throw new InputError(node, 'X2', `(the fused addend) is ${x2.dtype} [${x2.shape.join('x')}]; it must be float32 of X's shape [${x.shape.join('x')}]`);
  }
  return x2;
}

export const segmentSumKernel = memoizedKernels(makeSegmentSumKernel);

/** shaders/global-average-pool.wgsl reading planes as vec4s or as scalars; `addend`: summing x + x2. */
function makeSegmentSumKernel(vec4: boolean, addend = false): Kernel {
  const element = vec4
    ? 'alias Element = vec4f;\nfn horizontalSum(s: Element) -> f32 { return (s.x + s.y) + (s.z + s.w); }\n'
    : 'alias Element = f32;\nfn horizontalSum(s: Element) -> f32 { return s; }\n';
  const load = addend
    ? '@group(0) @binding(3) var<storage, read_write> x2: array<Element>;\nfn load(k: u32) -> Element { return x[k] + x2[k]; }\n'
    : 'fn load(k: u32) -> Element { return x[k]; }\n';
  return generatedKernel(`global-average-pool[${vec4 ? 'vec4' : 'f32'}${addend ? ',addend' : ''}]`, element + load + globalAveragePoolWgsl);
}

/** GlobalAveragePool's lowering over `planes` planes of `planeSize` values: one or two segment-sum passes. */
export function globalAveragePoolLowering(planes: number, planeSize: number, split: PlaneSplit, addend = false): GpuLowering {
  const vec4 = planeSize % 4 === 0;
  const length = vec4 ? planeSize / 4 : planeSize;
  // A multiple of 4 when split, so that pass 2 reads the partial sums as vec4s too (one kernel).
  const wanted = Math.min(Math.ceil(split.invocations / planes), Math.floor(length / split.minSegment));
  const chunks = wanted < 2 ? 1 : 4 * Math.ceil(wanted / 4);
  const segment = Math.ceil(length / chunks);
  const sumStep = (o: { vec4: boolean; total: number; length: number; chunks: number; segment: number; divisor: number; from: BufferRef; to: BufferRef; addend?: boolean }): GpuStep => ({
    kernel: segmentSumKernel(o.vec4, o.addend),
    params: { total: o.total, length: o.length, chunks: o.chunks, segment: o.segment, divisor: o.divisor },
    bindings: o.addend ? { x: o.from, x2: { input: 1 }, y: o.to } : { x: o.from, y: o.to },
    invocations: o.total,
  });
  if (chunks === 1) {
    return { steps: [sumStep({ vec4, total: planes, length, chunks: 1, segment: length, divisor: planeSize, from: { input: 0 }, to: { output: 0 }, addend })] };
  }
  return {
    temps: [4 * planes * chunks],
    steps: [
      sumStep({ vec4, total: planes * chunks, length, chunks, segment, divisor: 1, from: { input: 0 }, to: { temp: 0 }, addend }),
      sumStep({ vec4: true, total: planes, length: chunks / 4, chunks: 1, segment: chunks / 4, divisor: planeSize, from: { temp: 0 }, to: { output: 0 } }),
    ],
  };
}

export const ops: AnyOpDefinition[] = [averagePool, globalAveragePool];
