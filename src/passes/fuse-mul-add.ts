/**
 * Fuses Add(Mul(A, B), C) into Mul(A, B, C), Mul's segwgpu addend (src/ops/arith.ts): one pass
 * instead of two where a squeeze-and-excitation scale (A times a per-channel B) meets a skip
 * connection, as in MediaPipe's selfie decoder. Fuses only when the product has the Add as its
 * single reader, is float32 of the Add's output shape, and C is a runtime tensor of that shape
 * (constants stay Adds). The fused node takes the Add's place in the node order, where C is
 * computed, and keeps the Mul's name.
 */
import type { Shape } from '../tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { inferGraph } from '../plan/shapes.js';
import { consumersOf, hasSingleInternalUse, producersOf, sameShape } from './graph-util.js';

export function fuseMulAdd(graph: Graph, inputShapes: ReadonlyMap<string, Shape>): Graph {
  const { values } = inferGraph(graph, inputShapes);
  const consumers = consumersOf(graph);
  const producers = producersOf(graph);

  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const add of graph.nodes) {
    if (add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) continue;
    const out = values.get(add.outputs[0]);
    if (!out || out.dtype !== 'float32') continue;
    for (const side of [0, 1]) {
      const product = add.inputs[side];
      const addend = add.inputs[1 - side];
      const mul = producers.get(product);
      if (!mul || mul.opType !== 'Mul' || mul.domain !== '' || mul.inputs.length !== 2 || removed.has(mul)) continue;
      if (!hasSingleInternalUse(graph, consumers, product)) continue;
      const c = values.get(addend);
      const p = values.get(product);
      if (!c || !p || c.value !== undefined || graph.initializers.has(addend)) continue;
      if (c.dtype !== 'float32' || !sameShape(c.shape, out.shape) || !sameShape(p.shape, out.shape)) continue;
      replaced.set(add, { ...mul, inputs: [...mul.inputs, addend], outputs: [add.outputs[0]] });
      removed.add(mul);
      break;
    }
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
