/**
 * Min-13 and Max-13: the elementwise minimum / maximum of one or more inputs (variadic), with
 * multidirectional broadcasting; float32, int32 or int64, all inputs the same dtype. A NaN
 * operand gives NaN (numpy's minimum/maximum, which the ONNX reference uses, and torch's).
 *
 * GPU: shaders/min-max.wgsl, two operands per dispatch: the first two inputs, then the running
 * result against each further input (ping-ponging two scratch buffers of the output's size).
 * One input is a copy.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { BufferRef, GpuStep } from '../gpu/step.js';
import { MAX_ARITH_RANK } from './arith.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { allocate, checkDtype, copyStep, gatherOffset, noAttributes, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';
import minMaxWgsl from '../../shaders/min-max.wgsl?raw';

type Kind = 'Min' | 'Max';

function inputsOf(kind: Kind, node: OpNode, inputs: readonly (KnownValue | undefined)[]): { given: KnownValue[]; shape: number[] } {
  if (inputs.length === 0) throw new InputError(node, 'data_0', `is missing: ${kind} takes one or more inputs`);
  const given = inputs.map((v, i) => {
    if (!v) throw new InputError(node, `data_${i}`, 'is missing');
    return v;
  });
  checkDtype(node, 'data_0', given[0]!);
  let shape: number[] = [...given[0]!.shape];
  given.forEach((v, i) => {
    if (v.dtype !== given[0]!.dtype) throw new InputError(node, `data_${i}`, `has dtype ${v.dtype}, but data_0 has dtype ${given[0]!.dtype}`);
    shape = broadcastShapes(node, shape, v.shape);
  });
  if (shape.length > MAX_ARITH_RANK) throw new InputError(node, 'data_0', `broadcasts to rank ${shape.length}; at most ${MAX_ARITH_RANK} is supported`);
  return { given, shape };
}

function pick(kind: Kind, x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && Number.isNaN(x)) return x;
  if (typeof y === 'number' && Number.isNaN(y)) return y;
  return kind === 'Max' ? (y > x ? y : x) : y < x ? y : x;
}

function minMaxStep(kind: Kind, intMath: boolean, aShape: Shape, bShape: Shape, shape: Shape, a: BufferRef, b: BufferRef, y: BufferRef): GpuStep {
  const total = sizeOf(shape);
  return {
    kernel: wgslKernel('min-max', minMaxWgsl),
    params: {
      total,
      rank: shape.length,
      isMax: kind === 'Max' ? 1 : 0,
      intMath: intMath ? 1 : 0,
      outShape: [...shape],
      aStrides: broadcastStrides(aShape, shape),
      bStrides: broadcastStrides(bShape, shape),
    },
    bindings: { a, b, y },
    invocations: total,
  };
}

function minMaxOp(kind: Kind): OpDefinition<null> {
  return {
    type: kind,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      const { given, shape } = inputsOf(kind, node, inputs);
      return { outputs: [{ dtype: given[0]!.dtype, shape }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      const { given, shape } = inputsOf(kind, node, inputs) as { given: Tensor[]; shape: number[] };
      const so = stridesOf(shape);
      const n = sizeOf(shape);
      const dtype = given[0]!.dtype;
      const out = allocate(dtype, n) as Elements;
      const strides = given.map((t) => broadcastStrides(t.shape, shape));
      for (let i = 0; i < n; i++) {
        let v = (given[0]!.data as Elements)[gatherOffset(i, shape, so, strides[0]!)]!;
        for (let k = 1; k < given.length; k++) v = pick(kind, v, (given[k]!.data as Elements)[gatherOffset(i, shape, so, strides[k]!)]!);
        out[i] = v;
      }
      return [{ dtype, shape, data: out } as unknown as Tensor];
    },
    gpu(_, inputs, outputs, _traits, node) {
      const shape = outputs[0].shape;
      const total = sizeOf(shape);
      if (total === 0) return { steps: [] };
      const given = inputs.map((v) => v!);
      const intMath = given[0]!.dtype !== 'float32';
      if (given.length === 1) {
        // Min/Max of one input is that input (same shape: nothing broadcasts).
        const copy = copyStep(total, { input: 0 }, { output: 0 }, `${node.name}: ${kind} of one input`);
        return { steps: copy ? [copy] : [] };
      }
      const steps: GpuStep[] = [];
      let acc: BufferRef = { input: 0 };
      let accShape: Shape = given[0]!.shape;
      for (let k = 1; k < given.length; k++) {
        const to: BufferRef = k === given.length - 1 ? { output: 0 } : { temp: (k - 1) % 2 };
        steps.push(minMaxStep(kind, intMath, accShape, given[k]!.shape, shape, acc, { input: k }, to));
        acc = to;
        accShape = shape;
      }
      return { steps, temps: given.length > 2 ? [4 * total, 4 * total] : undefined };
    },
  };
}

export const ops: AnyOpDefinition[] = [minMaxOp('Min'), minMaxOp('Max')];
