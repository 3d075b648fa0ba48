/**
 * Gather-13 (shaders/gather.wgsl): float32, int32 and int64 data, int32/int64 indices (negative
 * ones count from the end).
 */
import { InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { allocate, checkDtype, checkInputCount, knownValue, requireInput, type Elements, type KnownValue } from './kit.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import gatherWgsl from '../../shaders/gather.wgsl?raw';

interface GatherAttrs {
  readonly axis: number;
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
      if (n < -axisLen || n >= axisLen) throw new InputError(node, 'indices', `holds ${v}, out of range for axis ${axis} of size ${axisLen} (allowed ${-axisLen}..${axisLen - 1})`);
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
  gpu(attrs, inputs, outputs) {
    const data = inputs[0] as ValueInfo;
    const axis = attrs.axis < 0 ? attrs.axis + data.shape.length : attrs.axis;
    const total = sizeOf(outputs[0].shape);
    if (total === 0) return { steps: [] };
    return {
      steps: [
        {
          kernel: wgslKernel('gather', gatherWgsl),
          params: { total, inner: sizeOf(data.shape.slice(axis + 1)), axisLen: data.shape[axis], indexCount: sizeOf((inputs[1] as ValueInfo).shape) },
          bindings: { x: { input: 0 }, indices: { input: 1 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [
  gather,
];
