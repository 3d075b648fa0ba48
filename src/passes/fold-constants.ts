/**
 * Constant folding for concrete input shapes: every node whose outputs inference could compute on
 * the CPU (all inputs constant, or a shape query like Shape) is replaced by initializers. This
 * removes the shape subgraphs torch.onnx.export emits (Shape, Gather, Unsqueeze, Concat, Slice,
 * Cast, Constant, ...) so the GPU plan sees static shapes only.
 */
import type { Graph } from '../ir/graph.js';
import { ShapeInference, type ShapeSource } from '../shapes/infer.js';
import { pruneInitializers } from './graph-util.js';

export function foldConstants(graph: Graph, shapes: ShapeSource): Graph {
  const { order, values } = ShapeInference.of(shapes).infer(graph);
  const initializers = new Map(graph.initializers);
  const nodes = order.filter((node) => {
    const outputs = node.outputs.filter((o) => o !== '');
    const constant = outputs.length > 0 && outputs.every((o) => values.get(o)?.value !== undefined);
    if (!constant) return true;
    for (const o of outputs) initializers.set(o, values.get(o)!.value!);
    return false;
  });
  return pruneInitializers({ ...graph, nodes, initializers });
}
