/**
 * Fuses a skip connection into the Conv that feeds it: Add(Conv(...), R) -> Conv(..., R), Conv's
 * segwgpu residual input (src/ops/conv.ts), computed as act(conv + bias) + R in the conv's
 * epilogue. MobileNet and ResNet blocks end this way; the Add's own pass (read two tensors, write
 * one) goes away.
 *
 * Fuses only when the Conv's output has the Add as its single reader, R is a runtime float32
 * tensor of exactly the Add's output shape (no broadcasting; constants stay Adds, they would need
 * a broadcasting epilogue), and the Conv has no residual yet. Run after fuseActivation, so a Relu
 * between the Conv and the Add is already inside the Conv. The fused node takes the Add's place
 * in the node order, where R is known to be computed.
 */
import type { Shape } from '../tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { inferGraph } from '../plan/shapes.js';
import { consumersOf, hasSingleInternalUse, producersOf, sameShape } from './graph-util.js';

export function fuseResidualAdd(graph: Graph, inputShapes: ReadonlyMap<string, Shape>): Graph {
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
      const convOutput = add.inputs[side];
      const residual = add.inputs[1 - side];
      const conv = producers.get(convOutput);
      if (!conv || conv.opType !== 'Conv' || removed.has(conv) || (conv.inputs[3] ?? '') !== '') continue;
      if (!hasSingleInternalUse(graph, consumers, convOutput)) continue;
      const r = values.get(residual);
      const c = values.get(convOutput);
      if (!r || !c || r.value !== undefined || graph.initializers.has(residual)) continue;
      if (r.dtype !== 'float32' || !sameShape(r.shape, out.shape) || !sameShape(c.shape, out.shape)) continue;
      const inputs = [conv.inputs[0], conv.inputs[1], conv.inputs[2] ?? '', residual];
      replaced.set(add, { ...conv, inputs, outputs: [add.outputs[0]] });
      removed.add(conv);
      break;
    }
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
