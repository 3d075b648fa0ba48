/**
 * The contract every op file in src/ops/ fulfils. An op is one ONNX operator (opset 17 semantics
 * unless its file says otherwise) and lives in one file: attribute parsing, shape rule, CPU
 * reference and GPU lowering. Executors never branch on op names; they ask the registry.
 */
import type { DType, Shape, Tensor } from '../tensor.js';
import type { NodeRef } from '../errors.js';
import type { Kernel, UniformValues } from '../gpu/kernel.js';

export type AttributeValue = number | string | number[] | string[] | Tensor;
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** One node of a graph, or one op called on its own: its name and type label errors. */
export interface OpNode extends NodeRef {
  readonly attributes: Attributes;
  /**
   * The input value names, when the node is lowered inside a graph: a lowering reading one value
   * through two inputs must bind it once (the plan's arena bindings are all writable, and WebGPU
   * forbids overlapping writable bindings in one dispatch).
   */
  readonly inputs?: readonly string[];
}

/** What is known about a value before running: dtype, shape and, for constants, the data. */
export interface ValueInfo {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly value?: Tensor;
}

/** Which buffer a WGSL binding reads or writes. */
export type BufferRef =
  | { readonly input: number }
  | { readonly output: number }
  | { readonly temp: number };

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
}

/** What the plan knows about the adapter when it lowers an op (kernels choose variants by it). */
export interface AdapterTraits {
  /** True for CPU-like adapters (SwiftShader): register-blocked, unrolled kernels win there. */
  readonly cpuLike: boolean;
}

export interface OpDefinition<A = unknown> {
  /** The ONNX op type, e.g. 'Conv'. */
  readonly type: string;
  /** Validates and normalises attributes; throws AttributeError naming node, attribute and value. */
  parse(node: OpNode): A;
  /**
   * Output dtypes and shapes from input infos; throws InputError/AttributeError for inputs that
   * cannot work (wrong rank, channel mismatch, kernel larger than the padded input...). Inputs
   * that the op needs as constants (Resize sizes, Slice starts) must carry `value`.
   */
  infer(attrs: A, inputs: readonly (ValueInfo | undefined)[], node: OpNode): ValueInfo[];
  /** The CPU reference: plain, obviously-correct TS, independent of the GPU path. */
  cpu(attrs: A, inputs: readonly (Tensor | undefined)[], node: OpNode): Tensor[];
  /**
   * Optional: when the op only places its inputs side by side in its output, the element offset of
   * each input inside output 0. The planner may then let producers write straight into the
   * output (Concat along an axis with nothing but size-1 dimensions before it); it drops the
   * lowering's steps that read just one input, which must be that input's copy.
   */
  inPlaceOffsets?(attrs: A, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[]): number[] | undefined;
  /** The GPU lowering for known input/output infos (already validated by infer). */
  gpu(attrs: A, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[], traits: AdapterTraits, node: OpNode): GpuLowering;
}

/** Erases the attribute type so definitions of different ops can sit in one registry. */
export type AnyOpDefinition = OpDefinition<any>;
