/**
 * ArgMax, ONNX opset 17 semantics (ArgMax-13), f32 input:
 *   axis (default 0, negative allowed), keepdims (default 1), select_last_index (default 0).
 * Output int64 indices along `axis`: the first maximum in scan order, or the last one with
 * select_last_index = 1. NaN, which ONNX leaves unspecified, follows the rule in
 * shaders/common.wgsl (PyTorch's): it counts as greater than every number and equal to any NaN, so
 * a line holding NaNs gives the first one (torch.argmax), or the last with select_last_index.
 *
 * The scan is seeded with the line's first element (index 0), not with a sentinel: for finite
 * inputs this is the same as starting from LOWEST_F32, and it also gives the right answer for a
 * line of -Infinity (index 0, or the last index with select_last_index), where a LOWEST_F32 seed
 * would never be beaten and would report 0 even when the last index was asked for.
 *
 * GPU: shaders/argmax.wgsl, one invocation per line along the axis (= per output element); the
 * GPU writes i32 and the runtime widens to int64. For the label map of class scores [N, K, H, W]
 * along axis 1, consecutive invocations are consecutive pixels, so every one of the K steps reads
 * a contiguous run of the score map.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import argmaxWgsl from '../../shaders/argmax.wgsl?raw';

interface ArgMaxAttrs {
  /** As given (possibly negative); normalised against the input's rank in infer(). */
  readonly axis: number;
  readonly keepdims: boolean;
  readonly selectLastIndex: boolean;
}

function booleanAttr(node: OpNode, name: string, fallback: 0 | 1): boolean {
  const v = intAttr(node, name, fallback);
  if (v !== 0 && v !== 1) throw new AttributeError(node, name, v, 'must be 0 or 1');
  return v === 1;
}

function checkInput(node: OpNode, inputs: readonly (ValueInfo | Tensor | undefined)[]): ValueInfo | Tensor {
  const x = inputs[0];
  if (!x) throw new InputError(node, 'data', 'is missing');
  if (x.dtype !== 'float32') throw new InputError(node, 'data', `has dtype ${x.dtype}; only float32 is supported`);
  if (x.shape.length === 0) throw new InputError(node, 'data', 'is a scalar; ArgMax needs at least one axis');
  if (inputs.length > 1) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of ArgMax (it takes one input)');
  return x;
}

function outputShape(shape: Shape, axis: number, keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

/** A tensor seen as [outer, axisLen, inner] around one axis. */
function axisLines(shape: Shape, axis: number): { outer: number; axisLen: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), axisLen: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

/** ArgMax's order: NaN above every number (torch.argmax picks a NaN), and equal to any NaN. */
function isArgMaxGreater(v: number, best: number): boolean {
  return !Number.isNaN(best) && (Number.isNaN(v) || v > best);
}

function isArgMaxEqual(v: number, best: number): boolean {
  return Number.isNaN(best) ? Number.isNaN(v) : v === best;
}

const argMax: OpDefinition<ArgMaxAttrs, ArgMaxAttrs> = {
  type: 'ArgMax',
  parse(node) {
    checkKnownAttributes(node, ['axis', 'keepdims', 'select_last_index']);
    return {
      axis: intAttr(node, 'axis', 0),
      keepdims: booleanAttr(node, 'keepdims', 1),
      selectLastIndex: booleanAttr(node, 'select_last_index', 0),
    };
  },
  infer(attrs, inputs, node) {
    const x = checkInput(node, inputs);
    const axis = normalizeAxis(node, 'axis', attrs.axis, x.shape.length);
    if (x.shape[axis] === 0) throw new InputError(node, 'data', `has shape [${x.shape.join('x')}]: ArgMax over an empty axis ${axis} has no answer`);
    // Resolved: the attributes with the axis normalised against the input's rank.
    return { outputs: [{ dtype: 'int64', shape: outputShape(x.shape, axis, attrs.keepdims) }], resolved: { ...attrs, axis } };
  },
  cpu(attrs, inputs) {
    const x = inputs[0] as Tensor<'float32'>;
    const { axis } = attrs;
    const { outer, axisLen, inner } = axisLines(x.shape, axis);
    const out = new BigInt64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let best = 0;
        for (let k = 1; k < axisLen; k++) {
          const v = x.data[(o * axisLen + k) * inner + j];
          const current = x.data[(o * axisLen + best) * inner + j];
          if (isArgMaxGreater(v, current) || (attrs.selectLastIndex && isArgMaxEqual(v, current))) best = k;
        }
        out[o * inner + j] = BigInt(best);
      }
    }
    return [{ dtype: 'int64', shape: outputShape(x.shape, axis, attrs.keepdims), data: out }];
  },
  gpu(attrs, inputs) {
    const x = inputs[0] as ValueInfo;
    const { axis } = attrs;
    const { outer, axisLen, inner } = axisLines(x.shape, axis);
    const lines = outer * inner;
    return {
      steps: [
        {
          kernel: wgslKernel('argmax', argmaxWgsl),
          params: { total: lines, axisLen, inner, selectLastIndex: attrs.selectLastIndex ? 1 : 0 },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: lines,
          label: 'ArgMax',
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [argMax];
