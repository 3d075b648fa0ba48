/**
 * Add and Mul with multidirectional broadcasting (ONNX Add-14 / Mul-14, f32 only).
 * GPU: one invocation per output element; broadcast inputs are read through zero strides.
 */
import { InputError } from '../errors.js';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../tensor.js';
import { checkKnownAttributes } from './attributes.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { kernelFromFile } from '../gpu/kernel.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

/** The binary kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_BINARY_RANK = 8;

type BinaryKind = 'Add' | 'Mul';
const OP_CODES: Record<BinaryKind, number> = { Add: 0, Mul: 1 };
const APPLY: Record<BinaryKind, (a: number, b: number) => number> = { Add: (a, b) => a + b, Mul: (a, b) => a * b };

function checkInputs(node: OpNode, inputs: readonly (ValueInfo | Tensor | undefined)[]): [ValueInfo | Tensor, ValueInfo | Tensor] {
  const [a, b] = inputs;
  if (!a) throw new InputError(node, 'A', 'is missing');
  if (!b) throw new InputError(node, 'B', 'is missing');
  for (const [name, v] of [['A', a], ['B', b]] as const) {
    if (v.dtype !== 'float32') throw new InputError(node, name, `has dtype ${v.dtype}; only float32 is supported`);
  }
  return [a, b];
}

/**
 * When one operand has the output's full shape and the other's non-unit dimensions form one
 * contiguous block of the output's (a scalar, a per-channel [1, C, 1, 1] vector, the same shape),
 * the other's element for flat index i is (i / inner) % count: the vec4 fast path applies when
 * four consecutive outputs share it (inner % 4 == 0) or walk it (inner == 1). Add and Mul
 * commute, so either operand may be the full one.
 */
function broadcastBlock(a: Shape, b: Shape, out: Shape): { full: 0 | 1; inner: number; count: number } | undefined {
  const total = sizeOf(out);
  if (total % 4 !== 0) return undefined;
  for (const full of [0, 1] as const) {
    const [f, o] = full === 0 ? [a, b] : [b, a];
    if (f.length !== out.length || f.some((d, i) => d !== out[i])) continue;
    const padded = [...new Array<number>(out.length - o.length).fill(1), ...o];
    const nonUnit = padded.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
    const first = nonUnit[0] ?? out.length;
    const last = nonUnit[nonUnit.length - 1] ?? out.length - 1;
    if (nonUnit.some((i) => padded[i] !== out[i]) || last - first + 1 !== nonUnit.length) continue;
    const count = sizeOf(padded);
    const inner = sizeOf(out.slice(last + 1));
    if (inner % 4 === 0 || inner === 1) return { full, inner: count === 1 ? 4 : inner, count };
  }
  return undefined;
}

function binaryOp(kind: BinaryKind): OpDefinition<null> {
  return {
    type: kind,
    parse(node) {
      checkKnownAttributes(node, []);
      return null;
    },
    infer(_, inputs, node) {
      const [a, b] = checkInputs(node, inputs);
      const shape = broadcastShapes(node, a.shape, b.shape);
      if (shape.length > MAX_BINARY_RANK) throw new InputError(node, 'A', `has rank ${shape.length}; at most ${MAX_BINARY_RANK} is supported`);
      return [{ dtype: 'float32', shape }];
    },
    cpu(_, inputs, node) {
      const [a, b] = checkInputs(node, inputs) as [Tensor<'float32'>, Tensor<'float32'>];
      const shape = broadcastShapes(node, a.shape, b.shape);
      const sa = broadcastStrides(a.shape, shape);
      const sb = broadcastStrides(b.shape, shape);
      const so = stridesOf(shape);
      const out = new Float32Array(sizeOf(shape));
      for (let i = 0; i < out.length; i++) {
        let ia = 0;
        let ib = 0;
        for (let d = 0; d < shape.length; d++) {
          const coord = Math.floor(i / so[d]) % shape[d];
          ia += coord * sa[d];
          ib += coord * sb[d];
        }
        out[i] = APPLY[kind](a.data[ia], b.data[ib]);
      }
      return [{ dtype: 'float32', shape, data: out }];
    },
    gpu(_, inputs, outputs) {
      const [a, b] = inputs as [ValueInfo, ValueInfo];
      const shape = outputs[0].shape;
      const total = sizeOf(shape);
      const fast = broadcastBlock(a.shape, b.shape, shape);
      if (fast) {
        return {
          steps: [
            {
              kernel: kernelFromFile('binary-broadcast'),
              params: { total4: total / 4, inner: fast.inner, count: fast.count, op: OP_CODES[kind] },
              bindings: { full: { input: fast.full }, other: { input: 1 - fast.full }, y: { output: 0 } },
              invocations: total / 4,
            },
          ],
        };
      }
      return {
        steps: [
          {
            kernel: kernelFromFile('binary'),
            params: {
              total,
              rank: shape.length,
              op: OP_CODES[kind],
              outShape: shape,
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

export const ops: AnyOpDefinition[] = [binaryOp('Add'), binaryOp('Mul')];
