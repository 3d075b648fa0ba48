/**
 * The contract every op file in src/ops/ fulfils. An op is one ONNX operator (opset 17 semantics
 * unless its file says otherwise) and lives in one file: attribute parsing, shape rule, CPU
 * reference and GPU lowering. Executors never branch on op names; they ask the registry.
 */
import type { DType, Shape, Tensor } from '../core/tensor.js';
import type { NodeRef } from '../core/errors.js';
import type { Attributes } from '../ir/attributes.js';
import type { AdapterTraits, GpuLowering } from '../gpu/step.js';

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
