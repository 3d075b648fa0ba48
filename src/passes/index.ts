/** The standard pass pipeline, in order; each pass is IR -> IR and tested on its own. */
import { ValueNeededError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { ShapeInference, type InferredGraph } from '../shapes/infer.js';
import type { Graph } from '../ir/graph.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { foldConstants } from './fold-constants.js';
import { fuseActivation } from './fuse-activation.js';
import { fuseMulAdd } from './fuse-mul-add.js';
import { fusePooledAdd } from './fuse-pooled-add.js';
import { fuseResidualAdd } from './fuse-residual-add.js';
import { removeIdentity } from './remove-identity.js';

export { foldBatchNorm, foldConstants, fuseActivation, fuseMulAdd, fusePooledAdd, fuseResidualAdd, removeIdentity };

export interface PassOptions {
  /** Fold BatchNormalization into Conv, fuse activations and skip-connection Adds into it, Mul-then-Add, and pooled Adds (on by default). */
  readonly fuse?: boolean;
}

/**
 * The passes in order, and the final graph as inferred (the plan takes it from here: nothing is
 * parsed or inferred again). `keep`: values the caller will read (keepValues) besides the
 * outputs; no pass fuses them away (they count as outputs while the passes run). `shapes`: bare
 * input shapes, or the plan's ShapeInference to share what it resolves.
 */
export function optimizeGraph(graph: Graph, shapes: ReadonlyMap<string, Shape> | ShapeInference, options: PassOptions = {}, keep: readonly string[] = []): InferredGraph {
  const inference = ShapeInference.of(shapes);
  const extra = keep.filter((v) => !graph.outputs.includes(v));
  if (extra.length > 0) {
    const widened = optimizeGraph({ ...graph, outputs: [...graph.outputs, ...extra] }, inference, options);
    return { ...widened, graph: { ...widened.graph, outputs: graph.outputs } };
  }
  let g = removeIdentity(graph);
  g = foldConstants(g, inference);
  if (options.fuse !== false) {
    g = foldBatchNorm(g);
    g = fuseActivation(g);
    g = fuseResidualAdd(g, inference);
    g = fuseMulAdd(g, inference);
    g = fusePooledAdd(g, inference);
  }
  return inference.infer(g);
}

/** Model inputs larger than this are never made plan constants (their values do not decide shapes in sane models). */
export const MAX_PLANNED_INPUT_ELEMENTS = 4096;

/**
 * optimizeGraph for a model whose inputs may fix shapes (a Reshape's shape, Resize's sizes,
 * MaxUnpool's output_shape given as model inputs, as ONNX allows): `candidates` are input values
 * the caller has (all of a run's inputs, say). The inputs shape inference asks for become
 * constants of the plan, so it is made for their values; every other input stays a run-time
 * input. `plannedValues` says which: a run must give those same values (checkRunInputs).
 */
export function optimizeForInputs(
  graph: Graph,
  inputShapes: ReadonlyMap<string, Shape>,
  options: PassOptions = {},
  keep: readonly string[] = [],
  candidates: Readonly<Record<string, Tensor>> = {},
): { inferred: InferredGraph; plannedValues: ReadonlyMap<string, Tensor> } {
  const planned = new Map<string, Tensor>();
  for (;;) {
    try {
      return { inferred: optimizeGraph(graph, new ShapeInference(inputShapes, planned), options, keep), plannedValues: planned };
    } catch (e) {
      if (!(e instanceof ValueNeededError) || e.modelInputs.length === 0) throw e;
      const usable = e.modelInputs.filter((name) => candidates[name] !== undefined && sizeOf(candidates[name]!.shape) <= MAX_PLANNED_INPUT_ELEMENTS);
      const tooLarge = e.modelInputs.filter((name) => candidates[name] !== undefined && !usable.includes(name));
      if (tooLarge.length > 0) {
        // The values were given, but a plan made for one image's values is no plan: say so.
        const sizes = tooLarge.map((name) => `'${name}' (${sizeOf(candidates[name]!.shape)} values)`).join(', ');
        // Still a ValueNeededError: the CPU executor then runs the graph node by node.
        throw new ValueNeededError(
          e.node,
          e.input,
          `${e.reason}; that depends on the values of model input ${sizes}, more than the ${MAX_PLANNED_INPUT_ELEMENTS} a plan takes as constants. ` +
            'Shapes that follow from an image (NonZero, NonMaxSuppression, TopK over detections) need the model run segmented: GPU segments split where the host reads such values (SegmentedRunner; segwgpu run does so)',
          undefined,
          tooLarge,
          e.reason,
        );
      }
      // Each round makes at least one more input a plan constant, so this ends.
      if (usable.length < e.modelInputs.length) throw e;
      for (const name of usable) planned.set(name, candidates[name]!);
    }
  }
}
