/**
 * ReduceMean, ReduceMax, ReduceMin and ReduceSum over a set of axes, float32, at ONNX opset-17
 * semantics with opset 18's form accepted too (ReduceMax/ReduceMin also take int32 and int64 on the
 * CPU reference: exports reduce shape values, as torchvision's Mask R-CNN does with the image
 * sizes; the GPU kernel is float32 only and refuses them):
 * - axes: an attribute (ReduceMean/Max/Min-13) or a constant int64 input (ReduceSum-13, and all
 *   of them from opset 18). Negative axes count from the end; repeats are refused.
 * - keepdims (default 1) keeps reduced axes as size 1.
 * - No axes (or an empty list) reduces over every axis, unless noop_with_empty_axes=1, which makes
 *   the op the identity.
 * Max/Min of an empty set has no value and Mean of one is 0/0: both are refused; Sum gives 0.
 * Non-finite values follow the rule in shaders/common.wgsl (PyTorch's): Max/Min of a group holding
 * a NaN is NaN (torch.amax; Math.max propagates it too), of a group of -Inf is -Inf; Mean and Sum
 * follow IEEE arithmetic (Inf + -Inf is NaN).
 *
 * CPU reference: one pass over the input, adding each element into its output slot (double
 * precision accumulators). GPU: shaders/reduce.wgsl, one invocation per output element walking
 * its group of reduced elements.
 */
import { AttributeError, InputError, UnsupportedError, describeNode } from '../core/errors.js';
import { sizeOf, stridesOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr, intsAttr } from './attributes.js';
import { allocate, constantInput, integerVector, type Elements } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';

/** The reduce kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_REDUCE_RANK = 8;

type ReduceKind = 'ReduceMean' | 'ReduceMax' | 'ReduceMin' | 'ReduceSum';
const REDUCE_CODES: Record<ReduceKind, number> = { ReduceMean: 0, ReduceMax: 1, ReduceMin: 2, ReduceSum: 3 };

interface ReduceAttrs {
  readonly axes: number[] | undefined;
  readonly keepdims: boolean;
  readonly noopWithEmptyAxes: boolean;
}

interface ReduceGeometry {
  /** Sorted, non-negative; empty with noop means identity. */
  readonly axes: number[];
  readonly noop: boolean;
  /** The input shape with reduced axes set to 1. */
  readonly keptShape: number[];
  readonly outShape: number[];
  readonly reducedCount: number;
  readonly dtype: DType;
}

type Known = ValueInfo | Tensor;

function flag(node: OpNode, name: string, fallback: number): boolean {
  const v = intAttr(node, name, fallback);
  if (v !== 0 && v !== 1) throw new AttributeError(node, name, v, 'must be 0 or 1');
  return v === 1;
}

function reduceGeometry(kind: ReduceKind, node: OpNode, attrs: ReduceAttrs, inputs: readonly (Known | undefined)[]): ReduceGeometry {
  if (inputs.length > 2) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${kind} (it takes data and axes)`);
  const x = inputs[0];
  if (!x) throw new InputError(node, 'data', 'is missing');
  const integer = kind === 'ReduceMax' || kind === 'ReduceMin';
  if (x.dtype !== 'float32' && !(integer && (x.dtype === 'int32' || x.dtype === 'int64'))) {
    throw new InputError(node, 'data', `has dtype ${x.dtype}; only float32 is supported${integer ? ' (and int32, int64)' : ''}`);
  }
  const rank = x.shape.length;
  if (rank > MAX_REDUCE_RANK) throw new InputError(node, 'data', `has rank ${rank}; at most ${MAX_REDUCE_RANK} is supported`);
  let raw = attrs.axes;
  let source = 'attribute axes';
  if (inputs[1]) {
    if (raw !== undefined) throw new InputError(node, 'axes', 'is given both as an attribute and as an input');
    raw = integerVector(node, 'axes', constantInput(node, 'axes', inputs[1]));
    source = 'input axes';
  }
  const shown = `[${(raw ?? []).join(', ')}]`;
  const axes = (raw ?? []).map((a) => {
    if (a < -rank || a >= rank) throw new InputError(node, 'axes', `(${source}) ${shown} has axis ${a}, out of range for data of rank ${rank} (allowed ${-rank}..${rank - 1})`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(axes).size !== axes.length) throw new InputError(node, 'axes', `(${source}) ${shown} repeats an axis`);
  const noop = axes.length === 0 && attrs.noopWithEmptyAxes;
  const reduced = noop ? [] : axes.length === 0 ? x.shape.map((_, i) => i) : [...axes].sort((a, b) => a - b);
  const keptShape = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  const outShape = attrs.keepdims ? keptShape : x.shape.filter((_, i) => !reduced.includes(i));
  const reducedCount = sizeOf(reduced.map((a) => x.shape[a]));
  if (reducedCount === 0 && kind !== 'ReduceSum' && sizeOf(keptShape) > 0) {
    throw new InputError(node, 'data', `of shape [${x.shape.join('x')}] is empty along the reduced axes; ${kind} of no elements is undefined`);
  }
  return { axes: reduced, noop, keptShape, outShape, reducedCount, dtype: x.dtype };
}

function reduceOp(kind: ReduceKind): OpDefinition<ReduceAttrs, ReduceGeometry> {
  return {
    type: kind,
    parse(node) {
      checkKnownAttributes(node, ['axes', 'keepdims', 'noop_with_empty_axes']);
      return { axes: intsAttr(node, 'axes'), keepdims: flag(node, 'keepdims', 1), noopWithEmptyAxes: flag(node, 'noop_with_empty_axes', 0) };
    },
    infer(attrs, inputs, node) {
      const geometry = reduceGeometry(kind, node, attrs, inputs);
      return { outputs: [{ dtype: geometry.dtype, shape: geometry.outShape }], resolved: geometry };
    },
    cpu(g, inputs) {
      if (g.dtype !== 'float32') return [integerMaxMin(kind, g, inputs[0] as Tensor)];
      const x = inputs[0] as Tensor<'float32'>;
      if (g.noop) return [{ dtype: 'float32', shape: [...x.shape], data: x.data.slice() }];
      const outCount = sizeOf(g.keptShape);
      const start = kind === 'ReduceMax' ? -Infinity : kind === 'ReduceMin' ? Infinity : 0;
      const acc = new Float64Array(outCount).fill(start);
      const inStrides = stridesOf(x.shape);
      const keptStrides = stridesOf(g.keptShape);
      for (let i = 0; i < x.data.length; i++) {
        const slot = outputSlot(i, x.shape, inStrides, keptStrides, g.axes);
        const v = x.data[i];
        if (kind === 'ReduceMax') acc[slot] = Math.max(acc[slot], v);
        else if (kind === 'ReduceMin') acc[slot] = Math.min(acc[slot], v);
        else acc[slot] += v;
      }
      const out = Float32Array.from(acc, (v) => (kind === 'ReduceMean' ? v / g.reducedCount : v));
      return [{ dtype: 'float32', shape: g.outShape, data: out }];
    },
    gpu(g, inputs, outputs, _traits, node) {
      const x = inputs[0] as ValueInfo;
      if (x.dtype !== 'float32') {
        throw new UnsupportedError(`${describeNode(node)}: ${kind} of ${x.dtype} has no GPU kernel (shaders/reduce.wgsl is float32 only); its input is computed at run time, so it cannot be folded into the plan either`);
      }
      const total = sizeOf(outputs[0].shape);
      if (total === 0) return { steps: [] };
      const shape: Shape = x.shape;
      const reducedShape = shape.map((d, i) => (g.axes.includes(i) ? d : 1));
      return {
        steps: [
          {
            kernel: wgslKernel('reduce', reduceWgsl),
            params: {
              total,
              rank: shape.length,
              reducedCount: sizeOf(reducedShape),
              // The identity case (noop_with_empty_axes) is a Sum over one element.
              op: g.noop ? REDUCE_CODES.ReduceSum : REDUCE_CODES[kind],
              keptShape: g.keptShape,
              reducedShape,
              inStrides: stridesOf(shape),
            },
            bindings: { x: { input: 0 }, y: { output: 0 } },
            invocations: total,
          },
        ],
      };
    },
  };
}

/** The output slot of each input element: its coordinates with every reduced one dropped to 0. */
function outputSlot(i: number, shape: Shape, inStrides: readonly number[], keptStrides: readonly number[], axes: readonly number[]): number {
  let slot = 0;
  for (let d = 0; d < shape.length; d++) {
    if (!axes.includes(d)) slot += (Math.floor(i / inStrides[d]) % shape[d]) * keptStrides[d];
  }
  return slot;
}

/** ReduceMax / ReduceMin of int32 or int64 values, exactly (int64 as bigint). */
function integerMaxMin(kind: ReduceKind, g: ReduceGeometry, x: Tensor): Tensor {
  const src = x.data as Elements;
  if (g.noop) return { dtype: x.dtype, shape: [...x.shape], data: (x.data as Int32Array).slice() } as Tensor;
  const out = allocate(g.dtype, sizeOf(g.keptShape)) as Elements;
  const seen = new Uint8Array(out.length);
  const inStrides = stridesOf(x.shape);
  const keptStrides = stridesOf(g.keptShape);
  for (let i = 0; i < src.length; i++) {
    const slot = outputSlot(i, x.shape, inStrides, keptStrides, g.axes);
    const v = src[i]!;
    if (!seen[slot] || (kind === 'ReduceMax' ? v > out[slot]! : v < out[slot]!)) out[slot] = v;
    seen[slot] = 1;
  }
  return { dtype: g.dtype, shape: g.outShape, data: out } as unknown as Tensor;
}

export const ops: AnyOpDefinition[] = (['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum'] as const).map(reduceOp);
