/**
 * Gather-13 (shaders/gather.wgsl): float32, int32 and int64 data, int32/int64 indices (negative
 * ones count from the end).
 *
 * An index outside [-axisLen, axisLen) is an error (ONNX), named by indexOutOfRange with the same
 * text everywhere: when the model is planned for constant indices (infer), in cpu(), and on the GPU
 * for indices computed at run time, which the kernel checks into its index fault record (read back
 * with the outputs, src/ops/index-fault.ts) while clamping them into the axis so nothing is read
 * out of bounds.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { allocate, checkDtype, checkInputCount, knownValue, requireInput, type Elements, type KnownValue } from './kit.js';
import { indexFaultKernel, indexFaultValueStep } from './index-fault.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import gatherWgsl from '../../shaders/gather.wgsl?raw';

interface GatherAttrs {
  readonly axis: number;
}

/** The error for an index outside the axis: for constants, in cpu(), and for a GPU fault record. */
function indexOutOfRange(node: OpNode, axis: number, axisLen: number, value: number | bigint): InputError {
  return new InputError(node, 'indices', `holds ${value}, out of range for axis ${axis} of size ${axisLen} (allowed ${-axisLen}..${axisLen - 1})`);
}

function gatherGeometry(node: OpNode, attrs: GatherAttrs, inputs: readonly (KnownValue | undefined)[]) {
  checkInputCount(node, inputs, 2);
  const data = requireInput(node, inputs, 0, 'data');
  const indices = requireInput(node, inputs, 1, 'indices');
  checkDtype(node, 'data', data);
  checkDtype(node, 'indices', indices, ['int64', 'int32']);
  if (data.shape.length === 0) throw new InputError(node, 'data', 'is a scalar; Gather needs at least one axis');
  const axis = normalizeAxis(node, 'axis', attrs.axis, data.shape.length);
  const axisLen = data.shape[axis];
  const known = knownValue(indices);
  if (known) {
    for (const v of Array.from(known.data as ArrayLike<number | bigint>)) {
      const n = Number(v);
      if (n < -axisLen || n >= axisLen) throw indexOutOfRange(node, axis, axisLen, v);
    }
  }
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  return { axis, axisLen, shape, inner: sizeOf(data.shape.slice(axis + 1)), outer: sizeOf(data.shape.slice(0, axis)), indexCount: sizeOf(indices.shape) };
}

const gather: OpDefinition<GatherAttrs> = {
  type: 'Gather',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis', 0) };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: gatherGeometry(node, attrs, inputs).shape }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const g = gatherGeometry(node, attrs, inputs);
    const data = inputs[0] as Tensor;
    const indices = Array.from((inputs[1] as Tensor).data as ArrayLike<number | bigint>, Number);
    const out = allocate(data.dtype, sizeOf(g.shape)) as Elements;
    const src = data.data as Elements;
    let written = 0;
    for (let o = 0; o < g.outer; o++) {
      for (const raw of indices) {
        const row = raw < 0 ? raw + g.axisLen : raw;
        for (let k = 0; k < g.inner; k++) out[written++] = src[(o * g.axisLen + row) * g.inner + k];
      }
    }
    return [{ dtype: data.dtype, shape: g.shape, data: out } as unknown as Tensor];
  },
  gpu(attrs, inputs, outputs, _traits, node) {
    const data = inputs[0] as ValueInfo;
    const axis = attrs.axis < 0 ? attrs.axis + data.shape.length : attrs.axis;
    const axisLen = data.shape[axis];
    const total = sizeOf(outputs[0].shape);
    const indexCount = sizeOf((inputs[1] as ValueInfo).shape);
    // Invocation i also checks index i: every index is checked, also when the output is empty.
    const invocations = Math.max(total, indexCount);
    if (invocations === 0) return { steps: [] };
    return {
      steps: [
        {
          kernel: indexFaultKernel('gather', gatherWgsl),
          params: { total, inner: sizeOf(data.shape.slice(axis + 1)), axisLen, indexCount },
          bindings: { x: { input: 0 }, indices: { input: 1 }, y: { output: 0 }, fault: { fault: true } },
          invocations,
        },
        indexFaultValueStep({ input: 1 }),
      ],
      faultError: (fault) => indexOutOfRange(node, axis, axisLen, fault.value),
    };
  },
};

export const ops: AnyOpDefinition[] = [
  gather,
];
