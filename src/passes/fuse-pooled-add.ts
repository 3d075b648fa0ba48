/**
 * Fuses GlobalAveragePool(Add(A, B)) into GlobalAveragePool(A, B), the pool's segwgpu second input
 * (src/ops/average-pool.ts: the mean of A + B): a squeeze-and-excitation block that pools a skip
 * connection's sum (MediaPipe's selfie decoder) reads both tensors once instead of writing their
 * sum and reading it back. Fuses only when the sum has the pool as its single reader and A and B
 * are float32 of the sum's shape (no broadcasting). The fused pool keeps its place and name.
 */
import type { Graph, GraphNode } from '../ir/graph.js';
import { ShapeInference, type ShapeSource } from '../shapes/infer.js';
import { consumersOf, hasSingleInternalUse, producersOf, sameShape } from './graph-util.js';

export function fusePooledAdd(graph: Graph, shapes: ShapeSource): Graph {
  const { values } = ShapeInference.of(shapes).infer(graph);
  const consumers = consumersOf(graph);
  const producers = producersOf(graph);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const pool of graph.nodes) {
    if (pool.opType !== 'GlobalAveragePool' || pool.domain !== '' || pool.inputs.length !== 1) continue;
    const sum = pool.inputs[0];
    const add = producers.get(sum);
    if (!add || add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2 || !hasSingleInternalUse(graph, consumers, sum)) continue;
    const [a, b, s] = [values.get(add.inputs[0]), values.get(add.inputs[1]), values.get(sum)];
    if (!a || !b || !s || s.dtype !== 'float32' || a.dtype !== 'float32' || b.dtype !== 'float32') continue;
    if (!sameShape(a.shape, s.shape) || !sameShape(b.shape, s.shape)) continue;
    replaced.set(pool, { ...pool, inputs: [add.inputs[0], add.inputs[1]] });
    removed.add(add);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
