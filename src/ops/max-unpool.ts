/**
 * MaxUnpool, 2D NCHW (ONNX MaxUnpool-11, the version current at opset 17). Inputs: X (float32),
 * I (int64 indices, same shape as X), optional output_shape (int64, the full N,C,H,W shape).
 * Attributes: kernel_shape (required), strides, pads.
 *
 * Y is zero except at the flat positions I points to: Y.flat[I.flat[k]] = X.flat[k]. Indices are
 * ONNX MaxPool indices, flat over the whole N*C*H*W output (they include the n and c offsets); an
 * index pointing into another (n, c) plane is legal, it is a plain flat scatter. Where two indices
 * coincide (overlapping MaxPool windows) the CPU reference keeps the last writer; the GPU result
 * is deterministic only when the colliding values are equal, which holds for indices a MaxPool
 * produced from the same tensor it pooled.
 *
 * Output shape: output_shape when given (N and C must match X's), else per spatial axis
 * (in - 1) * stride + kernel - pad_begin - pad_end. With output_shape the indices scatter into that
 * shape's flat layout, as onnxruntime and PyTorch do (and as needed to invert a MaxPool whose
 * input size the default formula does not recover, e.g. after ceil_mode or an odd size). The ONNX
 * reference implementation (onnx/reference/ops/op_max_unpool.py) instead scatters into the default
 * shape and copies that into the top-left corner of output_shape; we do not follow it.
 *
 * Index validation: an index outside [0, N*C*H*W) of the output is an InputError naming the value
 * and its position (indexOutsideOutput, one text everywhere), raised in infer() when the indices are
 * known (a single-op call, constants) and in cpu(). On the GPU, where the indices of a graph come
 * from a MaxPool and are not known when planning, the scatter records an out-of-range index in the
 * node's index fault record (read back with the outputs, src/ops/index-fault.ts: the run is refused
 * with the same error) and skips it rather than writing out of bounds.
 *
 * GPU: two steps of shaders/max-unpool.wgsl: zero the output, then scatter one input element per
 * invocation; then the fault record's value step.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { formatShape, integerValues, numberValues, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { indexFaultKernel, indexFaultValueStep } from './index-fault.js';
import { checkKnownAttributes } from './attributes.js';
import { checkSpatialInput, parseWindowAttributes } from './spatial.js';
import { coordinatesOf, knownValue, requireKnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import maxUnpoolWgsl from '../../shaders/max-unpool.wgsl?raw';

interface MaxUnpoolAttributes {
  readonly kernel: number[];
  readonly strides: number[];
  /** [top, left, bottom, right] */
  readonly pads: number[];
}

type Info = ValueInfo | Tensor;

/** The values of an input, when known: a tensor (cpu) or a ValueInfo carrying a constant (infer). */

function checkInputs(node: OpNode, inputs: readonly (Info | undefined)[]): { x: Info; indices: Info; outputShape: Info | undefined } {
  const [x, indices, outputShape] = inputs;
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (!indices) throw new InputError(node, 'I', 'is missing');
  checkSpatialInput(node, 'X', x.shape, x.dtype);
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new InputError(node, 'I', `has dtype ${indices.dtype}; expected int64 indices`);
  if (formatShape(indices.shape) !== formatShape(x.shape)) {
    throw new InputError(node, 'I', `has shape ${formatShape(indices.shape)}; it must have X's shape ${formatShape(x.shape)}`);
  }
  return { x, indices, outputShape };
}

function outputShapeOf(attrs: MaxUnpoolAttributes, x: Info, outputShape: Info | undefined, node: OpNode): number[] {
  const [N, C] = x.shape;
  if (outputShape) {
    if (outputShape.dtype !== 'int64' && outputShape.dtype !== 'int32') {
      throw new InputError(node, 'output_shape', `has dtype ${outputShape.dtype}; expected int64`);
    }
    const known = requireKnownValue(node, 'output_shape', outputShape, 'its values fix the output buffer');
    const values = integerValues(known);
    if (values.length !== 4) throw new InputError(node, 'output_shape', `is [${values.join(', ')}]; expected 4 values (N, C, H, W)`);
    if (values[0] !== N || values[1] !== C) {
      throw new InputError(node, 'output_shape', `is [${values.join(', ')}]; its N and C must match X's (${N}, ${C})`);
    }
    if (values.some((v) => v < 1)) throw new InputError(node, 'output_shape', `is [${values.join(', ')}] with an empty or negative dimension`);
    return values;
  }
  const spatial = [0, 1].map((axis) => (x.shape[2 + axis] - 1) * attrs.strides[axis] + attrs.kernel[axis] - attrs.pads[axis] - attrs.pads[axis + 2]);
  spatial.forEach((size, axis) => {
    if (size < 1) {
      throw new AttributeError(
        node,
        'pads',
        attrs.pads,
        `give an output size of ${size} on spatial axis ${axis} ((${x.shape[2 + axis]} - 1) * stride ${attrs.strides[axis]} + kernel ${attrs.kernel[axis]} - pads); it must be at least 1`,
      );
    }
  });
  return [N, C, ...spatial];
}


/** The error for index `value` at flat `position` of I: for constants, in cpu(), and for a GPU fault record. */
function indexOutsideOutput(node: OpNode, value: number, position: number, indicesShape: Shape, outputShape: Shape): InputError {
  return new InputError(
    node,
    'I',
    `holds ${value} at position [${coordinatesOf(position, indicesShape).join(', ')}], outside the output of shape ${formatShape(outputShape)} (flat indices 0..${sizeOf(outputShape) - 1})`,
  );
}

/** Throws naming the first index outside the output tensor, its value and its position in I. */
function checkIndexValues(node: OpNode, indices: Tensor, outputShape: Shape): void {
  const total = sizeOf(outputShape);
  const values = numberValues(indices);
  const bad = values.findIndex((v) => v < 0 || v >= total);
  if (bad >= 0) throw indexOutsideOutput(node, values[bad], bad, indices.shape, outputShape);
}

/** What MaxUnpool's infer resolves: its window and the output shape. */
interface ResolvedMaxUnpool {
  readonly attrs: MaxUnpoolAttributes;
  readonly shape: number[];
}

const maxUnpool: OpDefinition<MaxUnpoolAttributes, ResolvedMaxUnpool> = {
  type: 'MaxUnpool',
  parse(node) {
    checkKnownAttributes(node, ['kernel_shape', 'strides', 'pads']);
    const window = parseWindowAttributes(node);
    const kernel = window.kernelShape;
    if (kernel === undefined) throw new AttributeError(node, 'kernel_shape', undefined, 'is required');
    if (kernel.length !== 2) throw new AttributeError(node, 'kernel_shape', kernel, 'must have 2 values: only 2D unpooling (NCHW input) is supported');
    if (window.strides && window.strides.length !== 2) throw new AttributeError(node, 'strides', window.strides, 'must have 2 values for 2 spatial dimension(s)');
    if (window.pads && window.pads.length !== 4) throw new AttributeError(node, 'pads', window.pads, 'must have 4 values for 2 spatial dimension(s)');
    return { kernel, strides: window.strides ?? [1, 1], pads: window.pads ?? [0, 0, 0, 0] };
  },
  infer(attrs, inputs, node) {
    const { x, indices, outputShape } = checkInputs(node, inputs);
    const shape = outputShapeOf(attrs, x, outputShape, node);
    const known = knownValue(indices);
    if (known) checkIndexValues(node, known, shape);
    return { outputs: [{ dtype: 'float32', shape }], resolved: { attrs, shape } };
  },
  cpu({ shape }, inputs, node) {
    const [x, indices] = inputs as [Tensor<'float32'>, Tensor];
    // Runtime indices are only known now: out-of-range ones are refused, as in infer for constants.
    checkIndexValues(node, indices, shape);
    const xData = x.data;
    const where = numberValues(indices);
    const y = new Float32Array(sizeOf(shape));
    for (let k = 0; k < xData.length; k++) y[where[k]] = xData[k];
    return [{ dtype: 'float32', shape, data: y }];
  },
  gpu({ shape }, inputs, outputs, _traits, node) {
    const indicesShape = (inputs[1] as ValueInfo).shape;
    const inputTotal = sizeOf(indicesShape);
    const outTotal = sizeOf(outputs[0].shape);
    const kernel = indexFaultKernel('max-unpool', maxUnpoolWgsl);
    const bindings = { x: { input: 0 }, indices: { input: 1 }, y: { output: 0 }, fault: { fault: true as const } };
    return {
      steps: [
        { kernel, label: 'max-unpool zero', params: { total: outTotal, phase: 0, outTotal }, bindings, invocations: outTotal },
        { kernel, label: 'max-unpool scatter', params: { total: inputTotal, phase: 1, outTotal }, bindings, invocations: inputTotal },
        indexFaultValueStep({ input: 1 }),
      ],
      faultError: (fault) => indexOutsideOutput(node, fault.value, fault.position, indicesShape, shape),
    };
  },
  spatial: ({ attrs }) => ({ kind: 'transposed', kernel: attrs.kernel, strides: attrs.strides, dilations: [1, 1] }),
};

export const ops: AnyOpDefinition[] = [maxUnpool];
