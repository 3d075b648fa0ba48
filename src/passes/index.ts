/** The standard pass pipeline, in order; each pass is IR -> IR and tested on its own. */
import type { Shape } from '../core/tensor.js';
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
