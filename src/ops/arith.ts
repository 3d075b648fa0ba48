/**
 * Elementwise arithmetic at ONNX opset-17 semantics.
 *
 * Binary, with multidirectional broadcasting: Add-14, Sub-14, Mul-14, Div-14 and Pow-15.
 *   Add/Sub/Mul/Div: float32, or integers (int32/int64, both inputs the same dtype) for the shape
 *   arithmetic of exported graphs (wrapping like the dtype's machine arithmetic). Integer division truncates toward zero (C++ style, as
 *   onnxruntime and the ONNX reference do); division by zero is refused on the CPU, and gives the
 *   dividend on the GPU (WGSL's rule), where it can only happen for values computed at run time.
 *   Pow: float32 base; the exponent float32, int32 or int64. Integral exponents up to 64 in
 *   magnitude use repeated multiplication on the GPU (so x^2 is x*x and negative bases keep
 *   their sign); other exponents use exp2(e * log2(x)), NaN for a negative base to a fractional
 *   power. Special values follow C99's pow (numpy's power, which the ONNX reference uses): x^0 and
 *   1^y are 1 even for NaN, (-1)^+-Inf is 1, any other NaN gives NaN (Math.pow differs only in
 *   those 1s).
 *
 * Non-finite values follow the rule at the top of shaders/common.wgsl: IEEE arithmetic (x / 0 is
 * +-Inf, 0 / 0 and Inf - Inf NaN); every float unary op maps NaN to NaN, Log(x < 0) is NaN and
 * Log(+-0) -Inf. The kernels choose those by bit tests, since WGSL may assume no NaN.
 *
 * segwgpu extension: Mul takes a third input C, an addend of the output's shape (float32):
 * Y = A * B + C, fused by src/passes/fuse-mul-add.ts from Add(Mul(A, B), C) (a squeeze-and-
 * excitation scale followed by a skip connection) and computed with the same two roundings.
 *
 * Unary: Neg-13 and Abs-13 (float32, int32, int64), Sqrt-13, Reciprocal-13, Floor-13, Ceil-13,
 * Exp-13, Log-13 (float32).
 *
 * GPU: shaders/arith.wgsl (binary, one invocation per output element reading both inputs through
 * broadcast strides), with a vec4 fast path for float Add/Mul against scalars, per-channel vectors
 * and same-shape operands (shaders/binary-broadcast.wgsl, also Mul's fused addend), and shaders/arith-unary.wgsl. Both move raw 32-bit words,
 * so one kernel covers f32 and i32 math (int64 goes through the GPU as i32, see tensor.ts).
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { generatedKernel, wgslKernel, type Kernel } from '../gpu/kernel.js';
import { broadcastStrides } from './broadcast.js';
import { gatherOffset, noAttributes } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuStep } from '../gpu/step.js';
import arithWgsl from '../../shaders/arith.wgsl?raw';
import arithUnaryWgsl from '../../shaders/arith-unary.wgsl?raw';
import binaryBroadcastWgsl from '../../shaders/binary-broadcast.wgsl?raw';

/** The arith kernel carries shapes in uniform arrays of this many dimensions. */
export const MAX_ARITH_RANK = 8;

type Known = ValueInfo | Tensor;

// ---------------------------------------------------------------------------------------------
// Binary

type BinaryKind = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow';
const BINARY_CODES: Record<BinaryKind, number> = { Sub: 0, Div: 1, Pow: 2, Add: 3, Mul: 4 };
/** ONNX's input names, for messages. */
const INPUT_NAMES: Record<BinaryKind, [string, string]> = { Add: ['A', 'B'], Sub: ['A', 'B'], Mul: ['A', 'B'], Div: ['A', 'B'], Pow: ['X', 'Y'] };

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

function broadcast(node: OpNode, names: [string, string], a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InputError(node, names[1], `of shape [${b.join('x')}] does not broadcast against ${names[0]} of shape [${a.join('x')}] (dimension ${i}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

function binaryGeometry(kind: BinaryKind, node: OpNode, inputs: readonly (Known | undefined)[]): { a: Known; b: Known; shape: number[]; dtype: DType } {
  const names = INPUT_NAMES[kind];
  const most = kind === 'Mul' ? 3 : 2;
  if (inputs.length > most) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${kind} (it takes ${most === 3 ? 'two, and segwgpu\'s fused addend C' : 'two'})`);
  const [a, b] = inputs;
  if (!a) throw new InputError(node, names[0], 'is missing');
  if (!b) throw new InputError(node, names[1], 'is missing');
  if (kind === 'Pow') {
    if (a.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${a.dtype}; only a float32 base is supported`);
  } else if (a.dtype !== b.dtype) {
    throw new InputError(node, 'B', `has dtype ${b.dtype}, but A has dtype ${a.dtype}`);
  }
  const shape = broadcast(node, names, a.shape, b.shape);
  if (shape.length > MAX_ARITH_RANK) throw new InputError(node, names[0], `broadcasts to rank ${shape.length}; at most ${MAX_ARITH_RANK} is supported`);
  return { a, b, shape, dtype: a.dtype };
}

/** Mul's fused addend C (inputs[2]), checked: float32, of the output's shape. */
function addendOf(node: OpNode, inputs: readonly (Known | undefined)[], shape: readonly number[], dtype: DType): Known | undefined {
  const c = inputs[2];
  if (!c) return undefined;
  if (dtype !== 'float32' || c.dtype !== 'float32') throw new InputError(node, 'C', `(the fused addend) has dtype ${c.dtype} for a ${dtype} product; only float32 is supported`);
  if (c.shape.length !== shape.length || c.shape.some((d, i) => d !== shape[i])) {
    throw new InputError(node, 'C', `(the fused addend) has shape [${c.shape.join('x')}]; it must equal the product's [${shape.join('x')}]`);
  }
  return c;
}

type IntegerKind = 'Add' | 'Sub' | 'Mul' | 'Div';

/** Integer Add/Sub/Mul/Div, exactly as the dtype's machine arithmetic does it (wrapping), via BigInt for int64. */
function integerBinary(node: OpNode, kind: IntegerKind, x: number | bigint, y: number | bigint, dtype: DType): number | bigint {
  if (kind === 'Div' && (y === 0 || y === 0n)) throw new InputError(node, 'B', 'holds 0: integer division by zero');
  if (dtype === 'int64') {
    const [p, q] = [x as bigint, y as bigint];
    // BigInt division truncates toward zero, as ONNX integer Div does.
    return BigInt.asIntN(64, kind === 'Add' ? p + q : kind === 'Sub' ? p - q : kind === 'Mul' ? p * q : p / q);
  }
  const [p, q] = [x as number, y as number];
  if (kind === 'Mul') return Math.imul(p, q);
  return (kind === 'Add' ? p + q : kind === 'Sub' ? p - q : Math.trunc(p / q)) | 0;
}

function floatBinary(kind: BinaryKind, x: number, y: number): number {
  if (kind === 'Add') return x + y;
  if (kind === 'Sub') return x - y;
  if (kind === 'Mul') return x * y;
  if (kind === 'Div') return x / y;
  // C99's pow where Math.pow gives NaN: 1^NaN, 1^+-Inf and (-1)^+-Inf are 1.
  if (x === 1 || (x === -1 && Math.abs(y) === Infinity)) return 1;
  return Math.pow(x, y);
}

/** shaders/binary-broadcast.wgsl: Add or Mul by Params.op, or (`addend`) Mul plus the fused addend. */
function broadcastKernel(addend: boolean): Kernel {
  const combine = addend
    ? '@group(0) @binding(4) var<storage, read_write> addend: array<vec4f>;\nfn combine(a: vec4f, b: vec4f, i: u32) -> vec4f { return a * b + addend[i]; }\n'
    : 'fn combine(a: vec4f, b: vec4f, i: u32) -> vec4f { return select(a + b, a * b, p.op == 1u); }\n';
  return generatedKernel(addend ? 'binary-broadcast[addend]' : 'binary-broadcast', combine + binaryBroadcastWgsl);
}

/** One step of the general broadcasting kernel: y = a (kind) b, over the output's shape. */
function arithStep(kind: BinaryKind, a: Known, b: Known, shape: readonly number[], bindings: GpuStep['bindings']): GpuStep {
  const total = sizeOf(shape);
  return {
    kernel: wgslKernel('arith', arithWgsl),
    params: {
      total,
      rank: shape.length,
      op: BINARY_CODES[kind],
      intMath: a.dtype === 'float32' ? 0 : 1,
      intExponent: kind === 'Pow' && b.dtype !== 'float32' ? 1 : 0,
      outShape: [...shape],
      aStrides: broadcastStrides(a.shape, shape),
      bStrides: broadcastStrides(b.shape, shape),
    },
    bindings,
    invocations: total,
  };
}

function binaryOp(kind: BinaryKind): OpDefinition<null> {
  return {
    type: kind,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      const { shape, dtype } = binaryGeometry(kind, node, inputs);
      addendOf(node, inputs, shape, dtype);
      return { outputs: [{ dtype, shape }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      const { a, b, shape, dtype } = binaryGeometry(kind, node, inputs) as { a: Tensor; b: Tensor; shape: number[]; dtype: DType };
      const sa = broadcastStrides(a.shape, shape);
      const sb = broadcastStrides(b.shape, shape);
      const so = stridesOf(shape);
      const n = sizeOf(shape);
      const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new BigInt64Array(n);
      const da = a.data as { [i: number]: number | bigint };
      const db = b.data as { [i: number]: number | bigint };
      for (let i = 0; i < n; i++) {
        const ia = gatherOffset(i, shape, so, sa);
        const ib = gatherOffset(i, shape, so, sb);
        (out as { [i: number]: number | bigint })[i] =
          dtype === 'float32' ? floatBinary(kind, da[ia] as number, Number(db[ib])) : integerBinary(node, kind as IntegerKind, da[ia], db[ib], dtype);
      }
      const addend = addendOf(node, inputs, shape, dtype) as Tensor<'float32'> | undefined;
      // Rounded to f32 after the product and after the sum, as the unfused Mul then Add.
      if (addend) for (let i = 0; i < n; i++) (out as Float32Array)[i] += addend.data[i];
      return [{ dtype, shape, data: out } as Tensor];
    },
    gpu(_, inputs, outputs) {
      const [a, b] = inputs as [ValueInfo, ValueInfo];
      const shape = outputs[0].shape;
      const total = sizeOf(shape);
      if (total === 0) return { steps: [] };
      const fast = (kind === 'Add' || kind === 'Mul') && a.dtype === 'float32' ? broadcastBlock(a.shape, b.shape, shape) : undefined;
      const withAddend = inputs[2] !== undefined;
      if (withAddend && fast) {
        return {
          steps: [
            {
              kernel: broadcastKernel(true),
              params: { total4: total / 4, inner: fast.inner, count: fast.count, op: 1 },
              bindings: { full: { input: fast.full }, other: { input: 1 - fast.full }, addend: { input: 2 }, y: { output: 0 } },
              invocations: total / 4,
            },
          ],
        };
      }
      if (withAddend) {
        // Shapes the vec4 form does not take: the product into scratch, then the sum.
        const c = inputs[2]!;
        return {
          temps: [4 * total],
          steps: [
            arithStep(kind, a, b, shape, { a: { input: 0 }, b: { input: 1 }, y: { temp: 0 } }),
            arithStep('Add', c, c, shape, { a: { temp: 0 }, b: { input: 2 }, y: { output: 0 } }),
          ],
        };
      }
      if (fast) {
        return {
          steps: [
            {
              kernel: broadcastKernel(false),
              params: { total4: total / 4, inner: fast.inner, count: fast.count, op: kind === 'Add' ? 0 : 1 },
              bindings: { full: { input: fast.full }, other: { input: 1 - fast.full }, y: { output: 0 } },
              invocations: total / 4,
            },
          ],
        };
      }
      return { steps: [arithStep(kind, a, b, shape, { a: { input: 0 }, b: { input: 1 }, y: { output: 0 } })] };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Unary

type UnaryKind = 'Neg' | 'Abs' | 'Sqrt' | 'Reciprocal' | 'Floor' | 'Ceil' | 'Exp' | 'Log';
const UNARY_CODES: Record<UnaryKind, number> = { Neg: 0, Abs: 1, Sqrt: 2, Reciprocal: 3, Floor: 4, Ceil: 5, Exp: 6, Log: 7 };
const UNARY_FLOAT: Record<UnaryKind, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Reciprocal: (x) => 1 / x,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Exp: Math.exp,
  Log: Math.log,
};

function unaryInput(kind: UnaryKind, node: OpNode, inputs: readonly (Known | undefined)[]): Known {
  if (inputs.length > 1) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${kind} (it takes one)`);
  const x = inputs[0];
  if (!x) throw new InputError(node, 'X', 'is missing');
  const allowed: DType[] = kind === 'Neg' || kind === 'Abs' ? ['float32', 'int32', 'int64'] : ['float32'];
  if (!allowed.includes(x.dtype)) throw new InputError(node, 'X', `has dtype ${x.dtype}; supported: ${allowed.join(', ')}`);
  return x;
}

function unaryOp(kind: UnaryKind): OpDefinition<null> {
  return {
    type: kind,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      const x = unaryInput(kind, node, inputs);
      return { outputs: [{ dtype: x.dtype, shape: [...x.shape] }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      const x = unaryInput(kind, node, inputs) as Tensor;
      if (x.dtype === 'int64') {
        const src = x.data as BigInt64Array;
        return [{ dtype: 'int64', shape: [...x.shape], data: src.map((v) => BigInt.asIntN(64, kind === 'Neg' || v < 0n ? -v : v)) }];
      }
      if (x.dtype === 'int32') {
        const src = x.data as Int32Array;
        return [{ dtype: 'int32', shape: [...x.shape], data: src.map((v) => (kind === 'Neg' || v < 0 ? -v : v) | 0) }];
      }
      const src = x.data as Float32Array;
      return [{ dtype: 'float32', shape: [...x.shape], data: src.map(UNARY_FLOAT[kind]) }];
    },
    gpu(_, inputs) {
      const x = inputs[0] as ValueInfo;
      const total = sizeOf(x.shape);
      if (total === 0) return { steps: [] };
      return {
        steps: [
          {
            kernel: wgslKernel('arith-unary', arithUnaryWgsl),
            params: { total, op: UNARY_CODES[kind], intMath: x.dtype === 'float32' ? 0 : 1 },
            bindings: { x: { input: 0 }, y: { output: 0 } },
            invocations: total,
          },
        ],
      };
    },
  };
}

export const ops: AnyOpDefinition[] = [
  binaryOp('Add'),
  binaryOp('Mul'),
  binaryOp('Sub'),
  binaryOp('Div'),
  binaryOp('Pow'),
  ...(['Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Exp', 'Log'] as const).map(unaryOp),
];
