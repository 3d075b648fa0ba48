/**
 * Gemm-13 and MatMul-13 (ONNX opset-17 semantics), float32.
 *
 * Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (2-D), B' likewise; C is optional
 * and broadcasts unidirectionally to [M, N] (shapes [], [N], [1, N], [M, 1], [M, N]...).
 * MatMul: numpy.matmul: 1-D operands are promoted ([K] -> [1, K] for A, [K, 1] for B) and the
 * added dimension dropped from the result; leading (batch) dimensions broadcast.
 *
 * CPU reference: plain triple loops, accumulating in double precision.
 * GPU: shaders/gemm.wgsl, one invocation per output element running the dot product over K;
 * transposes and broadcast batch dimensions are expressed as strides only.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, floatAttr, intAttr } from './attributes.js';
import { broadcastStrides } from './broadcast.js';
import { noAttributes } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuLowering } from '../gpu/step.js';
import gemmWgsl from '../../shaders/gemm.wgsl?raw';

/** Batch dimensions the kernel's uniform arrays hold. */
export const MAX_MATMUL_BATCH_RANK = 8;

type Known = ValueInfo | Tensor;

/** Where A[batch, m, k], B[batch, k, n] and C[m, n] sit in their buffers: strides in elements. */
interface MatmulLayout {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batchShape: number[];
  readonly aBatchStrides: number[];
  readonly bBatchStrides: number[];
  readonly aRowStride: number;
  readonly aColStride: number;
  readonly bRowStride: number;
  readonly bColStride: number;
  readonly c?: { readonly rowStride: number; readonly colStride: number };
  readonly alpha: number;
  readonly beta: number;
  readonly outShape: number[];
}

function floatInput(node: OpNode, inputs: readonly (Known | undefined)[], index: number, name: string): Known {
  const v = inputs[index];
  if (!v) throw new InputError(node, name, 'is missing');
  if (v.dtype !== 'float32') throw new InputError(node, name, `has dtype ${v.dtype}; only float32 is supported`);
  return v;
}

/** The reference: Y[b, m, n] = alpha * sum_k A * B + beta * C through the layout's strides. */
function matmulReference(layout: MatmulLayout, a: Float32Array, b: Float32Array, c: Float32Array | undefined): Float32Array {
  const { M, N, K, batchShape } = layout;
  const batches = sizeOf(batchShape);
  const batchStrides = stridesOf(batchShape);
  const out = new Float32Array(batches * M * N);
  for (let bi = 0; bi < batches; bi++) {
    let aBase = 0;
    let bBase = 0;
    for (let d = 0; d < batchShape.length; d++) {
      const coord = Math.floor(bi / batchStrides[d]) % batchShape[d];
      aBase += coord * layout.aBatchStrides[d];
      bBase += coord * layout.bBatchStrides[d];
    }
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          sum += a[aBase + m * layout.aRowStride + k * layout.aColStride] * b[bBase + k * layout.bRowStride + n * layout.bColStride];
        }
        let y = layout.alpha * sum;
        if (c && layout.c) y += layout.beta * c[m * layout.c.rowStride + n * layout.c.colStride];
        out[(bi * M + m) * N + n] = y;
      }
    }
  }
  return out;
}

function lowerMatmul(layout: MatmulLayout): GpuLowering {
  const total = sizeOf(layout.outShape);
  if (total === 0) return { steps: [] };
  return {
    // Without C the kernel's `c` binding is never read: a 4-byte scratch stands in (binding A
    // there too would bind one buffer twice writable, which WebGPU refuses).
    temps: layout.c ? [] : [4],
    steps: [
      {
        kernel: wgslKernel('gemm', gemmWgsl),
        params: {
          total,
          M: layout.M,
          N: layout.N,
          K: layout.K,
          batchRank: layout.batchShape.length,
          aRowStride: layout.aRowStride,
          aColStride: layout.aColStride,
          bRowStride: layout.bRowStride,
          bColStride: layout.bColStride,
          hasC: layout.c ? 1 : 0,
          cRowStride: layout.c?.rowStride ?? 0,
          cColStride: layout.c?.colStride ?? 0,
          alpha: layout.alpha,
          beta: layout.beta,
          batchShape: layout.batchShape,
          aBatchStrides: layout.aBatchStrides,
          bBatchStrides: layout.bBatchStrides,
        },
        bindings: { a: { input: 0 }, b: { input: 1 }, c: layout.c ? { input: 2 } : { temp: 0 }, y: { output: 0 } },
        invocations: total,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Gemm

interface GemmAttrs {
  readonly alpha: number;
  readonly beta: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

function flag(node: OpNode, name: string): boolean {
  const v = intAttr(node, name, 0);
  if (v !== 0 && v !== 1) throw new AttributeError(node, name, v, 'must be 0 or 1');
  return v === 1;
}

function gemmLayout(node: OpNode, attrs: GemmAttrs, inputs: readonly (Known | undefined)[]): MatmulLayout {
  if (inputs.length > 3) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of Gemm (it takes A, B and C)');
  const a = floatInput(node, inputs, 0, 'A');
  const b = floatInput(node, inputs, 1, 'B');
  if (a.shape.length !== 2) throw new InputError(node, 'A', `has shape [${a.shape.join('x')}]; Gemm needs a 2-D matrix`);
  if (b.shape.length !== 2) throw new InputError(node, 'B', `has shape [${b.shape.join('x')}]; Gemm needs a 2-D matrix`);
  const [M, K] = attrs.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [KB, N] = attrs.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== KB) {
    throw new InputError(node, 'B', `of shape [${b.shape.join('x')}]${attrs.transB ? ' (transposed)' : ''} does not match A of shape [${a.shape.join('x')}]${attrs.transA ? ' (transposed)' : ''}: inner dimensions ${K} vs ${KB}`);
  }
  let c: MatmulLayout['c'];
  const cIn = inputs[2];
  if (cIn) {
    floatInput(node, inputs, 2, 'C');
    const s = cIn.shape;
    if (s.length > 2) throw new InputError(node, 'C', `has shape [${s.join('x')}]; it must broadcast to [${M}x${N}]`);
    const [c0, c1] = s.length === 2 ? s : s.length === 1 ? [1, s[0]] : [1, 1];
    if ((c0 !== 1 && c0 !== M) || (c1 !== 1 && c1 !== N)) throw new InputError(node, 'C', `has shape [${s.join('x')}]; it must broadcast to [${M}x${N}]`);
    c = { rowStride: c0 === 1 ? 0 : c1, colStride: c1 === 1 ? 0 : 1 };
  }
  return {
    M,
    N,
    K,
    batchShape: [],
    aBatchStrides: [],
    bBatchStrides: [],
    // Stored A is [M, K], or [K, M] when transposed; likewise B is [K, N] or [N, K].
    aRowStride: attrs.transA ? 1 : K,
    aColStride: attrs.transA ? M : 1,
    bRowStride: attrs.transB ? 1 : N,
    bColStride: attrs.transB ? K : 1,
    c,
    alpha: attrs.alpha,
    beta: attrs.beta,
    outShape: [M, N],
  };
}

const gemm: OpDefinition<GemmAttrs, MatmulLayout> = {
  type: 'Gemm',
  parse(node) {
    checkKnownAttributes(node, ['alpha', 'beta', 'transA', 'transB']);
    return { alpha: floatAttr(node, 'alpha', 1), beta: floatAttr(node, 'beta', 1), transA: flag(node, 'transA'), transB: flag(node, 'transB') };
  },
  infer(attrs, inputs, node) {
    const layout = gemmLayout(node, attrs, inputs);
    return { outputs: [{ dtype: 'float32', shape: layout.outShape }], resolved: layout };
  },
  cpu(layout, inputs) {
    const [a, b, c] = inputs as (Tensor<'float32'> | undefined)[];
    return [{ dtype: 'float32', shape: layout.outShape, data: matmulReference(layout, a!.data, b!.data, c?.data) }];
  },
  gpu: lowerMatmul,
  macs: matmulMacs,
};

/** One multiply-accumulate per output element and step of the inner dimension. */
function matmulMacs(layout: MatmulLayout): number {
  return layout.batchShape.reduce((n, d) => n * d, 1) * layout.M * layout.N * layout.K;
}

// ---------------------------------------------------------------------------------------------
// MatMul

function matmulLayout(node: OpNode, inputs: readonly (Known | undefined)[]): MatmulLayout {
  if (inputs.length > 2) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of MatMul (it takes A and B)');
  const a = floatInput(node, inputs, 0, 'A');
  const b = floatInput(node, inputs, 1, 'B');
  if (a.shape.length === 0) throw new InputError(node, 'A', 'is a scalar; MatMul needs at least 1-D operands');
  if (b.shape.length === 0) throw new InputError(node, 'B', 'is a scalar; MatMul needs at least 1-D operands');
  // numpy promotion of 1-D operands: A [K] is a row [1, K], B [K] a column [K, 1].
  const aMat: Shape = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bMat: Shape = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const M = aMat[aMat.length - 2];
  const K = aMat[aMat.length - 1];
  const KB = bMat[bMat.length - 2];
  const N = bMat[bMat.length - 1];
  if (K !== KB) throw new InputError(node, 'B', `of shape [${b.shape.join('x')}] does not match A of shape [${a.shape.join('x')}]: inner dimensions ${K} vs ${KB}`);
  const aBatch = aMat.slice(0, -2);
  const bBatch = bMat.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const batchShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[aBatch.length - rank + i] ?? 1;
    const db = bBatch[bBatch.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InputError(node, 'B', `of shape [${b.shape.join('x')}] does not broadcast against A of shape [${a.shape.join('x')}] (batch dimension ${i}: ${da} vs ${db})`);
    }
    batchShape.push(da === 1 ? db : da);
  }
  if (rank > MAX_MATMUL_BATCH_RANK) throw new InputError(node, 'A', `has ${rank} batch dimensions; at most ${MAX_MATMUL_BATCH_RANK} are supported`);
  const outShape = [...batchShape, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  return {
    M,
    N,
    K,
    batchShape,
    // Batch strides in elements: whole matrices (M*K of A, K*N of B) per step, 0 where broadcast.
    aBatchStrides: broadcastStrides(aBatch, batchShape).map((s) => s * M * K),
    bBatchStrides: broadcastStrides(bBatch, batchShape).map((s) => s * K * N),
    aRowStride: K,
    aColStride: 1,
    bRowStride: N,
    bColStride: 1,
    alpha: 1,
    beta: 0,
    outShape,
  };
}

const matmul: OpDefinition<null, MatmulLayout> = {
  type: 'MatMul',
  parse: noAttributes,
  infer(_, inputs, node) {
    const layout = matmulLayout(node, inputs);
    return { outputs: [{ dtype: 'float32', shape: layout.outShape }], resolved: layout };
  },
  cpu(layout, inputs) {
    const [a, b] = inputs as Tensor<'float32'>[];
    return [{ dtype: 'float32', shape: layout.outShape, data: matmulReference(layout, a.data, b.data, undefined) }];
  },
  gpu: lowerMatmul,
  macs: matmulMacs,
};

export const ops: AnyOpDefinition[] = [gemm, matmul];
