/**
 * Comparisons and logical ops, at ONNX opset-17 semantics, with multidirectional broadcasting:
 * Equal-13, Less-13, Greater-13, LessOrEqual-16, GreaterOrEqual-16 (both inputs float32, int32 or
 * int64, the same dtype), And-7, Or-7, Xor-7 (BOOL inputs) and Not-1.
 *
 * BOOL is held as int32 0/1, as the ONNX importer holds BOOL tensors (src/import/onnx-tensor.ts):
 * every output here is int32 0/1, and logical inputs are int32 with any non-zero value true.
 * NaN compares false with everything, itself included (IEEE, numpy, torch).
 *
 * GPU: shaders/compare.wgsl (one invocation per output element, inputs read through broadcast
 * strides; raw 32-bit words, so one kernel covers f32 and i32; int64 goes through the GPU as i32,
 * see tensor.ts) and shaders/compare-not.wgsl.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { MAX_ARITH_RANK } from './arith.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { gatherOffset, noAttributes, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import compareWgsl from '../../shaders/compare.wgsl?raw';
import compareNotWgsl from '../../shaders/compare-not.wgsl?raw';

export type CompareKind = 'Equal' | 'Less' | 'Greater' | 'LessOrEqual' | 'GreaterOrEqual' | 'And' | 'Or' | 'Xor';
const CODES: Record<CompareKind, number> = { Equal: 0, Less: 1, Greater: 2, LessOrEqual: 3, GreaterOrEqual: 4, And: 5, Or: 6, Xor: 7 };
const LOGICAL: ReadonlySet<CompareKind> = new Set(['And', 'Or', 'Xor']);

/** The BOOL dtype as segwgpu holds it. */
export const BOOL_DTYPE: DType = 'int32';

function compareValues(kind: CompareKind, x: number | bigint, y: number | bigint): boolean {
  switch (kind) {
    case 'Equal': return x === y;   // NaN === NaN is false
    case 'Less': return x < y;
    case 'Greater': return x > y;
    case 'LessOrEqual': return x <= y;
    case 'GreaterOrEqual': return x >= y;
    case 'And': return x != 0 && y != 0;
    case 'Or': return x != 0 || y != 0;
    case 'Xor': return (x != 0) !== (y != 0);
  }
}

function binaryInputs(kind: CompareKind, node: OpNode, inputs: readonly (KnownValue | undefined)[]): { a: KnownValue; b: KnownValue; shape: number[] } {
  if (inputs.length > 2) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${kind} (it takes two)`);
  const [a, b] = inputs;
  if (!a) throw new InputError(node, 'A', 'is missing');
  if (!b) throw new InputError(node, 'B', 'is missing');
  if (LOGICAL.has(kind)) {
    for (const [name, v] of [['A', a], ['B', b]] as const) {
      if (v.dtype !== BOOL_DTYPE) throw new InputError(node, name, `has dtype ${v.dtype}; ${kind} takes BOOL tensors (held as int32 0/1)`);
    }
  } else if (a.dtype !== b.dtype) {
    throw new InputError(node, 'B', `has dtype ${b.dtype}, but A has dtype ${a.dtype}`);
  }
  const shape = broadcastShapes(node, a.shape, b.shape);
  if (shape.length > MAX_ARITH_RANK) throw new InputError(node, 'A', `broadcasts to rank ${shape.length}; at most ${MAX_ARITH_RANK} is supported`);
  return { a, b, shape };
}

/** y = a (kind) b elementwise, as int32 0/1, over the broadcast shape. */
export function compareCpu(kind: CompareKind, a: Tensor, b: Tensor, shape: Shape): Tensor<'int32'> {
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const so = stridesOf(shape);
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const da = a.data as Elements;
  const db = b.data as Elements;
  for (let i = 0; i < n; i++) out[i] = compareValues(kind, da[gatherOffset(i, shape, so, sa)]!, db[gatherOffset(i, shape, so, sb)]!) ? 1 : 0;
  return { dtype: 'int32', shape: [...shape], data: out };
}

function compareOp(kind: CompareKind): OpDefinition<null> {
  return {
    type: kind,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      const { shape } = binaryInputs(kind, node, inputs);
      return { outputs: [{ dtype: BOOL_DTYPE, shape }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      const { a, b, shape } = binaryInputs(kind, node, inputs);
      return [compareCpu(kind, a as Tensor, b as Tensor, shape)];
    },
    gpu(_, inputs, outputs) {
      const [a, b] = inputs as [ValueInfo, ValueInfo];
      const shape = outputs[0].shape;
      const total = sizeOf(shape);
      if (total === 0) return { steps: [] };
      return {
        steps: [
          {
            kernel: wgslKernel('compare', compareWgsl),
            params: {
              total,
              rank: shape.length,
              op: CODES[kind],
              intMath: a.dtype === 'float32' ? 0 : 1,
              outShape: [...shape],
              aStrides: broadcastStrides(a.shape, shape),
              bStrides: broadcastStrides(b.shape, shape),
            },
            bindings: { a: { input: 0 }, b: { input: 1 }, y: { output: 0 } },
            invocations: total,
          },
        ],
      };
    },
  };
}

function notInput(node: OpNode, inputs: readonly (KnownValue | undefined)[]): KnownValue {
  if (inputs.length > 1) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of Not (it takes one)');
  const x = inputs[0];
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (x.dtype !== BOOL_DTYPE) throw new InputError(node, 'X', `has dtype ${x.dtype}; Not takes a BOOL tensor (held as int32 0/1)`);
  return x;
}

const not: OpDefinition<null> = {
  type: 'Not',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const x = notInput(node, inputs);
    return { outputs: [{ dtype: BOOL_DTYPE, shape: [...x.shape] }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const x = notInput(node, inputs) as Tensor<'int32'>;
    return [{ dtype: 'int32', shape: [...x.shape], data: x.data.map((v) => (v === 0 ? 1 : 0)) }];
  },
  gpu(_, inputs) {
    const total = sizeOf(inputs[0]!.shape);
    if (total === 0) return { steps: [] };
    return {
      steps: [
        {
          kernel: wgslKernel('compare-not', compareNotWgsl),
          params: { total },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [
  ...(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'] as const).map(compareOp),
  not,
];
