/**
 * MatMulInteger (ONNX MatMulInteger-10): Y = (A - a_zero_point) x (B - b_zero_point) in int32,
 * with numpy.matmul's shapes (1-D operands promoted and their added dimension dropped, batch
 * dimensions broadcast), as gemm.ts's MatMul. Quantized tensors are int32 here (quantization.ts).
 * a_zero_point: a scalar, or one per row of A ([M], or [M, 1]); b_zero_point: a scalar, or one per
 * column of B ([N], or [1, N]). The batched N-D zero point forms are refused.
 *
 * CPU reference: the plain triple loop in int32 arithmetic (Math.imul, wrapping as the GPU's i32).
 * GPU: shaders/matmul-integer.wgsl, one invocation per 4 columns of a row. A constant B (known
 * when the plan is made) is packed 4 x 8 bits per u32 word by shaders/pack-u8x4.wgsl, a step that
 * reads only B, so the planner runs it once; whether its bytes are int8 or uint8 is read from its
 * values. A B computed at run time is read one i32 per element. The zero points are copied into
 * scratch buffers of their own (hoisted likewise when constant), so the matmul binds every value
 * once even when a_zero_point and b_zero_point name the same one.
 * Where the adapter's WGSL has packed_4x8_integer_dot_product (AdapterTraits.packedDot4x8; the
 * rule is src/ops/integer-dot.ts's usesPackedDot) and B is constant, the packed-dot kernel
 * instead: B packed along K with its column sums by shaders/matmul-integer-dot-pack.wgsl
 * (hoisted), A packed along K each run (shaders/integer-dot-pack.wgsl), then
 * shaders/matmul-integer-dot.wgsl, four products per dot4U8Packed, with the same results.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { AdapterTraits, BufferRef, GpuLowering, GpuStep } from '../gpu/step.js';
import { broadcastStrides } from './broadcast.js';
import { MAX_MATMUL_BATCH_RANK } from './gemm.js';
import { checkDtype, checkInputCount, copyStep, knownValue, noAttributes, requireInput, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';
import { activationPackSteps, packedDotKernel, usesPackedDot } from './integer-dot.js';
import packWgsl from '../../shaders/pack-u8x4.wgsl?raw';
import matmulIntegerWgsl from '../../shaders/matmul-integer.wgsl?raw';
import dotPackWgsl from '../../shaders/matmul-integer-dot-pack.wgsl?raw';
import matmulIntegerDotWgsl from '../../shaders/matmul-integer-dot.wgsl?raw';

interface ZeroPoint {
  /** 1 per tensor, else M (A's) or N (B's). */
  readonly count: number;
}

interface MatmulIntegerLayout {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batchShape: number[];
  /** In elements: whole matrices per step of each batch dimension, 0 where broadcast. */
  readonly aBatchStrides: number[];
  readonly bBatchStrides: number[];
  /** A's and B's batch strides in whole matrices (for the packed layouts: M * K4 and K4 * N words). */
  readonly aMatrixStrides: number[];
  readonly bMatrixStrides: number[];
  /** A's batch count as stored. */
  readonly aBatches: number;
  /** B's batch count as stored (its own batch dimensions, not the broadcast ones). */
  readonly bBatches: number;
  readonly aZeroPoint?: ZeroPoint;
  readonly bZeroPoint?: ZeroPoint;
  /** For a constant B: whether its bytes are int8 (true) or uint8; undefined when B is computed at run time. */
  readonly bSigned: boolean | undefined;
  readonly outShape: number[];
}

function numbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** B's byte type from its values: int8 if any is negative; refused if no 8-bit type holds them all. */
function bytesSigned(node: OpNode, b: Tensor): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of numbers(b)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const signed = lo < 0;
  if ((signed && (lo < -128 || hi > 127)) || hi > 255) {
    throw new InputError(node, 'B', `holds values in [${lo}, ${hi}], which neither int8 [-128, 127] nor uint8 [0, 255] holds (MatMulInteger takes 8-bit operands)`);
  }
  return signed;
}

/** A zero point: a scalar, or one per index of `extent` in the accepted shapes. */
function zeroPointOf(node: OpNode, name: string, v: KnownValue | undefined, extent: number, perIndexShapes: readonly Shape[], what: string): ZeroPoint | undefined {
  if (!v) return undefined;
  checkDtype(node, name, v, ['int32']);
  if (sizeOf(v.shape) === 1 && v.shape.length <= 1) return { count: 1 };
  if (perIndexShapes.some((s) => s.join('x') === v.shape.join('x'))) return { count: extent };
  throw new InputError(node, name, `has shape [${v.shape.join('x')}]; expected a scalar (per tensor) or ${perIndexShapes.map((s) => `[${s.join('x')}]`).join(' or ')} (one per ${what})`);
}

function layoutOf(node: OpNode, inputs: readonly (KnownValue | undefined)[]): MatmulIntegerLayout {
  checkInputCount(node, inputs, 4);
  const a = requireInput(node, inputs, 0, 'A');
  const b = requireInput(node, inputs, 1, 'B');
  checkDtype(node, 'A', a, ['int32']);
  checkDtype(node, 'B', b, ['int32']);
  if (a.shape.length === 0) throw new InputError(node, 'A', 'is a scalar; MatMulInteger needs at least 1-D operands');
  if (b.shape.length === 0) throw new InputError(node, 'B', 'is a scalar; MatMulInteger needs at least 1-D operands');
  const aMat: Shape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bMat: Shape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const M = aMat[aMat.length - 2]!;
  const K = aMat[aMat.length - 1]!;
  const KB = bMat[bMat.length - 2]!;
  const N = bMat[bMat.length - 1]!;
  if (K !== KB) throw new InputError(node, 'B', `of shape [${b.shape.join('x')}] does not match A of shape [${a.shape.join('x')}]: inner dimensions ${K} vs ${KB}`);
  const aBatch = aMat.slice(0, -2);
  const bBatch = bMat.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  if (rank > MAX_MATMUL_BATCH_RANK) throw new InputError(node, 'A', `has ${rank} batch dimensions; at most ${MAX_MATMUL_BATCH_RANK} are supported`);
  const batchShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = aBatch[aBatch.length - rank + i] ?? 1;
    const db = bBatch[bBatch.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InputError(node, 'B', `of shape [${b.shape.join('x')}] does not broadcast against A of shape [${a.shape.join('x')}] (batch dimension ${i}: ${da} vs ${db})`);
    }
    batchShape.push(da === 1 ? db : da);
  }
  const aZeroPoint = zeroPointOf(node, 'a_zero_point', inputs[2], M, [[M], [M, 1]], `row of A (M = ${M})`);
  const bZeroPoint = zeroPointOf(node, 'b_zero_point', inputs[3], N, [[N], [1, N]], `column of B (N = ${N})`);
  const bValue = knownValue(b);
  return {
    M,
    N,
    K,
    batchShape,
    aBatchStrides: broadcastStrides(aBatch, batchShape).map((s) => s * M * K),
    bBatchStrides: broadcastStrides(bBatch, batchShape).map((s) => s * K * N),
    aMatrixStrides: broadcastStrides(aBatch, batchShape),
    bMatrixStrides: broadcastStrides(bBatch, batchShape),
    aBatches: sizeOf(aBatch),
    bBatches: sizeOf(bBatch),
    aZeroPoint,
    bZeroPoint,
    bSigned: bValue ? bytesSigned(node, bValue) : undefined,
    outShape: [...batchShape, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])],
  };
}

function matmulIntegerCpu(l: MatmulIntegerLayout, inputs: readonly (Tensor | undefined)[]): Int32Array {
  const { M, N, K, batchShape } = l;
  const a = inputs[0]!.data as Int32Array;
  const b = inputs[1]!.data as Int32Array;
  const aZero = inputs[2]?.data as Int32Array | undefined;
  const bZero = inputs[3]?.data as Int32Array | undefined;
  const batches = sizeOf(batchShape);
  const batchStrides = stridesOf(batchShape);
  const out = new Int32Array(batches * M * N);
  for (let bi = 0; bi < batches; bi++) {
    let aBase = 0;
    let bBase = 0;
    for (let d = 0; d < batchShape.length; d++) {
      const coord = Math.floor(bi / batchStrides[d]!) % batchShape[d]!;
      aBase += coord * l.aBatchStrides[d]!;
      bBase += coord * l.bBatchStrides[d]!;
    }
    for (let m = 0; m < M; m++) {
      const az = aZero ? aZero[l.aZeroPoint!.count === 1 ? 0 : m]! : 0;
      for (let n = 0; n < N; n++) {
        const bz = bZero ? bZero[l.bZeroPoint!.count === 1 ? 0 : n]! : 0;
        let sum = 0;
        for (let k = 0; k < K; k++) sum = (sum + Math.imul(a[aBase + m * K + k]! - az, b[bBase + k * N + n]! - bz)) | 0;
        out[(bi * M + m) * N + n] = sum;
      }
    }
  }
  return out;
}

function lowerMatmulInteger(l: MatmulIntegerLayout, node: OpNode, traits: AdapterTraits): GpuLowering {
  return usesPackedDot(traits, 'matmul') && l.bSigned !== undefined ? lowerMatmulIntegerDot(l, l.bSigned) : lowerMatmulIntegerScalar(l, node);
}

/** The zero points, copied into scratch words of their own (hoisted when constant): one per row / column, or one. */
function zeroPointScratch(l: MatmulIntegerLayout, temps: number[], steps: GpuStep[]): { aZero: BufferRef; bZero: BufferRef } {
  const scratch = (zeroPoint: ZeroPoint | undefined, input: number, label: string): BufferRef => {
    const buffer = { temp: temps.push(4 * (zeroPoint?.count ?? 1)) - 1 };
    const copy = zeroPoint && copyStep(zeroPoint.count, { input }, buffer, label);
    if (copy) steps.push(copy);
    return buffer;
  };
  return { aZero: scratch(l.aZeroPoint, 2, 'MatMulInteger a_zero_point copy'), bZero: scratch(l.bZeroPoint, 3, 'MatMulInteger b_zero_point copy') };
}

function lowerMatmulIntegerScalar(l: MatmulIntegerLayout, node: OpNode): GpuLowering {
  const { M, N, K } = l;
  const columnTiles = Math.ceil(N / 4);
  const total = sizeOf(l.batchShape) * M * columnTiles;
  if (total === 0) return { steps: [] };
  const temps: number[] = [];
  const steps: GpuStep[] = [];
  const scratch = (bytes: number): BufferRef => ({ temp: temps.push(bytes) - 1 });
  const packed = l.bSigned !== undefined;
  const K4 = Math.ceil(K / 4);
  let b: BufferRef = { input: 1 };
  if (packed) {
    const words = l.bBatches * K4 * N;
    b = scratch(4 * Math.max(1, words));
    if (words > 0) {
      steps.push({
        kernel: wgslKernel('pack-u8x4', packWgsl),
        params: { total: words, K, N, K4 },
        bindings: { b: { input: 1 }, packed: b },
        invocations: words,
        label: 'MatMulInteger B pack',
      });
    }
  } else if (node.inputs !== undefined && node.inputs[1] === node.inputs[0]) {
    // A times itself: one value may not be bound twice (both bindings are writable).
    b = scratch(4 * l.bBatches * K * N);
    const copy = copyStep(l.bBatches * K * N, { input: 1 }, b, 'MatMulInteger B copy');
    if (copy) steps.push(copy);
  }
  const { aZero, bZero } = zeroPointScratch(l, temps, steps);
  steps.push({
    kernel: wgslKernel('matmul-integer', matmulIntegerWgsl),
    params: {
      total,
      M,
      N,
      K,
      columnTiles,
      batchRank: l.batchShape.length,
      bPacked: packed ? 1 : 0,
      bSignMask: l.bSigned ? 0x80 : 0,
      hasAZero: l.aZeroPoint ? 1 : 0,
      hasBZero: l.bZeroPoint ? 1 : 0,
      aZeroStride: l.aZeroPoint && l.aZeroPoint.count > 1 ? 1 : 0,
      bZeroStride: l.bZeroPoint && l.bZeroPoint.count > 1 ? 1 : 0,
      batchShape: l.batchShape,
      aBatchStrides: l.aBatchStrides,
      bBatchStrides: packed ? l.bMatrixStrides.map((s) => s * K4 * N) : l.bBatchStrides,
    },
    bindings: { a: { input: 0 }, b, aZero, bZero, y: { output: 0 } },
    invocations: total,
  });
  return { temps, steps };
}

/** The packed-dot lowering: B and its column sums packed once, A packed per run, one dot4U8Packed GEMM. */
function lowerMatmulIntegerDot(l: MatmulIntegerLayout, bSigned: boolean): GpuLowering {
  const { M, N, K } = l;
  const columnTiles = Math.ceil(N / 4);
  const total = sizeOf(l.batchShape) * M * columnTiles;
  if (total === 0) return { steps: [] };
  const temps: number[] = [];
  const steps: GpuStep[] = [];
  const scratch = (bytes: number): { temp: number } => ({ temp: temps.push(bytes) - 1 });
  const K4 = Math.ceil(K / 4);
  const words = l.bBatches * K4 * N;
  const sums = l.bBatches * N;
  const b = scratch(4 * (words + sums));
  steps.push({
    kernel: wgslKernel('matmul-integer-dot-pack', dotPackWgsl),
    params: { total: words + sums, words, K, N, K4, flip: bSigned ? 128 : 0 },
    bindings: { b: { input: 1 }, packed: b },
    invocations: words + sums,
    label: 'MatMulInteger B pack (packed dot)',
  });
  const { aZero, bZero } = zeroPointScratch(l, temps, steps);
  const a = scratch(4 * Math.max(1, l.aBatches * M * K4));
  const negative = scratch(4);
  steps.push(
    ...activationPackSteps({
      values: { input: 0 },
      zeroPoint: aZero,
      hasZeroPoint: l.aZeroPoint !== undefined,
      packed: a,
      negative,
      rows: l.aBatches * M,
      length: K,
      inner: 1,
      zeroPointPeriod: M,
      zeroPointPerRow: (l.aZeroPoint?.count ?? 1) > 1,
      label: 'MatMulInteger',
    }),
  );
  steps.push({
    kernel: packedDotKernel(wgslKernel('matmul-integer-dot', matmulIntegerDotWgsl)),
    params: {
      total,
      M,
      N,
      K4,
      columnTiles,
      batchRank: l.batchShape.length,
      sumsOffset: words,
      bFlip: bSigned ? 128 : 0,
      hasAZero: l.aZeroPoint ? 1 : 0,
      hasBZero: l.bZeroPoint ? 1 : 0,
      aZeroStride: l.aZeroPoint && l.aZeroPoint.count > 1 ? 1 : 0,
      bZeroStride: l.bZeroPoint && l.bZeroPoint.count > 1 ? 1 : 0,
      batchShape: l.batchShape,
      aBatchStrides: l.aMatrixStrides.map((s) => s * M * K4),
      bBatchStrides: l.bMatrixStrides,
    },
    bindings: { a, b, aZero, bZero, negative, y: { output: 0 } },
    invocations: total,
  });
  return { temps, steps };
}

const matmulInteger: OpDefinition<null, MatmulIntegerLayout> = {
  type: 'MatMulInteger',
  parse: noAttributes,
  infer(_, inputs, node) {
    const layout = layoutOf(node, inputs);
    return { outputs: [{ dtype: 'int32', shape: layout.outShape }], resolved: layout };
  },
  cpu(layout, inputs) {
    return [{ dtype: 'int32', shape: layout.outShape, data: matmulIntegerCpu(layout, inputs) }];
  },
  gpu: (layout, _inputs, _outputs, traits, node) => lowerMatmulInteger(layout, node, traits),
  macs: (l) => sizeOf(l.batchShape) * l.M * l.N * l.K,
};

export const ops: readonly AnyOpDefinition[] = [matmulInteger];
