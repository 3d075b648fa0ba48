/**
 * The contract every op file in src/ops/ fulfils. An op is one ONNX operator (opset 17 semantics
 * unless its file says otherwise) and lives in one file: attribute parsing, shape rule, CPU
 * reference and GPU lowering. Executors never branch on op names; they ask the registry.
 */
import type { DType, Shape, Tensor } from '../core/tensor.js';
import type { NodeRef } from '../core/errors.js';
import type { Attributes } from '../ir/attributes.js';
import type { Graph } from '../ir/graph.js';
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

/**
 * What infer resolved for one node: the dtype and shape of every output the op produces (also
 * those the node leaves unnamed), and everything cpu and gpu need that the attributes alone do not
 * say (normalised axes, window geometry, constant inputs read): resolved once per node per plan.
 */
export interface Inference<R> {
  readonly outputs: ValueInfo[];
  readonly resolved: R;
}

/**
 * How an op maps the pixel grid of its image input (input 0) to its output's, per spatial axis,
 * for receptive fields and output strides (src/analysis/model-info.ts). Ops without the hook are
 * pointwise or joining: their output pixel sees what their inputs' pixels see.
 *  - 'window': each output pixel reads a kernel (dilated) of input pixels, strides apart (Conv,
 *    pools; a global pool is one window over the whole map);
 *  - 'transposed': the inverse, strides output pixels per input pixel (ConvTranspose, MaxUnpool);
 *  - 'scale': output pixels `factors` input pixels apart, nothing widened (Resize).
 */
export type SpatialMapping =
  | { readonly kind: 'window' | 'transposed'; readonly kernel: readonly number[]; readonly strides: readonly number[]; readonly dilations: readonly number[] }
  | { readonly kind: 'scale'; readonly factors: readonly number[] };

/**
 * How control-flow ops (If, Loop) infer and run their subgraphs. The layer that owns the registry
 * (shape inference, the CPU executor) passes one to infer and cpu: an op file cannot reach the
 * registry itself (src/ops/index.ts imports the op files). A subgraph's inputs are bound in order:
 * its formal inputs (graph.inputs), then its captures (graph.captures).
 */
export interface SubgraphRunner {
  /** Infos of the subgraph's outputs, values included where they are known. */
  infer(graph: Graph, inputs: readonly ValueInfo[], node: OpNode): ValueInfo[];
  /** The subgraph's outputs, computed on the CPU. */
  run(graph: Graph, inputs: readonly Tensor[], node: OpNode): Tensor[];
}

/**
 * One op: A is what parse makes of the node's attributes, R what infer resolves from them and the
 * input infos. Executors call parse once and infer once per node, then hand R to cpu and gpu, which
 * may trust it (infer validated everything).
 */
export interface OpDefinition<A = unknown, R = A> {
  /** The ONNX op type, e.g. 'Conv'. */
  readonly type: string;
  /** Validates and normalises attributes; throws AttributeError naming node, attribute and value. */
  parse(node: OpNode): A;
  /**
   * Output dtypes and shapes from input infos, and what was resolved on the way; throws
   * InputError/AttributeError for inputs that cannot work (wrong rank, channel mismatch, kernel
   * larger than the padded input...). Inputs that the op needs as constants (Resize sizes, Slice
   * starts) must carry `value`.
   */
  infer(attrs: A, inputs: readonly (ValueInfo | undefined)[], node: OpNode, subgraphs?: SubgraphRunner): Inference<R>;
  /** The CPU reference: plain, obviously-correct TS, independent of the GPU path. */
  cpu(resolved: R, inputs: readonly (Tensor | undefined)[], node: OpNode, subgraphs?: SubgraphRunner): Tensor[];
  /**
   * Optional: when the op only places its inputs side by side in its output, the element offset of
   * each input inside output 0. The planner may then let producers write straight into the
   * output (Concat along an axis with nothing but size-1 dimensions before it); it drops the
   * lowering's steps that read just one input, which must be that input's copy.
   */
  inPlaceOffsets?(resolved: R, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[]): number[] | undefined;
  /** The GPU lowering for the resolved node and its input/output infos. */
  gpu(resolved: R, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[], traits: AdapterTraits, node: OpNode): GpuLowering;
  /** Optional: multiply-accumulates per run, for model statistics (ops without one count none). */
  macs?(resolved: R, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[]): number;
  /** Optional: how the op maps input 0's pixel grid to its output's (see SpatialMapping). */
  spatial?(resolved: R, inputs: readonly (ValueInfo | undefined)[], outputs: readonly ValueInfo[]): SpatialMapping;
}

/** Erases the attribute type so definitions of different ops can sit in one registry. */
export type AnyOpDefinition = OpDefinition<any, any>;
