/**
 * What an op's GPU lowering is made of: data only (kernels, uniform values, which buffer each
 * binding takes), so ops never touch a GPUDevice and the planner decides where every buffer lives.
 */
import type { SegwgpuError } from '../core/errors.js';
import type { Kernel, UniformValues } from './kernel.js';

/**
 * Which buffer a WGSL binding reads or writes. `fault` is the node's index fault record
 * (shaders/index-fault.wgsl): where a kernel notes an out-of-range runtime index, which it cannot
 * raise; the runtime gives each node that binds one its own record, zeroes it before every run and
 * reads it back with the outputs (src/ops/index-fault.ts).
 */
export type BufferRef =
  | { readonly input: number }
  | { readonly output: number }
  | { readonly temp: number }
  | { readonly fault: true };

/** What a node's index fault record holds after a run that met out-of-range indices. */
export interface IndexFault {
  /** How many bad indices the kernel met (at least 1). */
  readonly count: number;
  /** The flat position of the first one in the indices tensor: the one a CPU scan reports. */
  readonly position: number;
  /** The index found there. */
  readonly value: number;
}

/** One compute dispatch. */
export interface GpuStep {
  readonly kernel: Kernel;
  /** Values for the kernel's uniform struct, by WGSL member name; checked against reflection. */
  readonly params: UniformValues;
  /** Storage bindings by WGSL variable name. */
  readonly bindings: Readonly<Record<string, BufferRef>>;
  /** Total invocations; the runtime folds them into a legal 1D/2D/3D workgroup grid. */
  readonly invocations: number;
  readonly label?: string;
}

export interface GpuLowering {
  /** Scratch buffers used only inside this op, in bytes. */
  readonly temps?: readonly number[];
  readonly steps: readonly GpuStep[];
  /**
   * Where a step binds the fault record: the error the op's CPU reference raises for that bad
   * index, made by the same function, so the GPU and the CPU refuse a run with the same words.
   */
  readonly faultError?: (fault: IndexFault) => SegwgpuError;
}

/** What the plan knows about the adapter when it lowers an op (kernels choose variants by it). */
export interface AdapterTraits {
  /** True for CPU-like adapters (SwiftShader): register-blocked, unrolled kernels win there. */
  readonly cpuLike: boolean;
  /**
   * Not the adapter's but the plan's, for one node (src/plan/kernel-sharing.ts): the conv
   * kernels' register tile (tm pixels x 4 tn4 channels) instead of pickConvTiling's, so a small
   * conv runs on a variant the plan compiles anyway.
   */
  readonly convTiling?: { readonly tm: number; readonly tn4: number };
  /**
   * Winograd convolution for 3x3 stride-1 convs (src/ops/conv-winograd.ts): undefined for the
   * automatic rule, 'off' for direct convolution only, 2 or 4 to force F(2x2) or F(4x4) wherever
   * the shape allows (tests, benchmarks, the CLI's --winograd).
   */
  readonly winograd?: 'off' | 2 | 4;
  /**
   * The adapter's WGSL has packed_4x8_integer_dot_product (dot4U8Packed: four 8-bit products
   * summed per call), so ConvInteger, QLinearConv and MatMulInteger may take their packed-dot
   * kernels (src/ops/integer-dot.ts). Absent means no.
   */
  readonly packedDot4x8?: boolean;
  /**
   * Integer convs and matmuls: undefined for the automatic rule (integer-dot.ts usesPackedDot),
   * 'scalar' for the scalar kernels only, 'packed' for the packed-dot kernels wherever
   * packedDot4x8 allows them (tests, benchmarks).
   */
  readonly integerDot?: 'scalar' | 'packed';
}

/**
 * Whether a step can run once, ahead of every run (weight repacking): it reads only constant
 * inputs and writes only scratch. A fault record belongs to each run, so a step writing one never
 * runs ahead. `isConstantInput` says which of the node's inputs are constants.
 */
export function runsAhead(step: GpuStep, isConstantInput: (input: number) => boolean): boolean {
  const refs = Object.values(step.bindings);
  const reads = refs.filter((r): r is { input: number } => 'input' in r);
  return reads.length > 0 && reads.every((r) => isConstantInput(r.input)) && refs.every((r) => !('output' in r) && !('fault' in r));
}
