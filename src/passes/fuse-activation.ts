/**
 * Fuses a pointwise activation into the Conv or ConvTranspose feeding it, as their segwgpu
 * extension attributes `activation` / `activation_params` (the form of onnxruntime's
 * com.microsoft FusedConv). Clip fuses only with constant min/max.
 */
import { integerValues, numberValues, type Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { MAX_F32 } from '../ops/activation-functions.js';
import { consumersOf, hasSingleInternalUse, pruneInitializers } from './graph-util.js';

function scalar(t: Tensor | undefined): number | undefined {
  if (!t || t.shape.reduce((a, b) => a * b, 1) !== 1) return undefined;
  return t.dtype === 'float32' ? numberValues(t)[0] : integerValues(t)[0];
}

/** The fused-activation attributes for `node`, or undefined when it cannot fuse. */
function activationOf(node: GraphNode, graph: Graph): { activation: string; activation_params: number[] } | undefined {
  const a = node.attributes;
  const num = (name: string, fallback: number) => (typeof a[name] === 'number' ? (a[name] as number) : fallback);
  switch (node.opType) {
    case 'Relu':
    case 'Sigmoid':
    case 'HardSwish':
      return { activation: node.opType, activation_params: [] };
    case 'HardSigmoid':
      return { activation: 'HardSigmoid', activation_params: [num('alpha', 0.2), num('beta', 0.5)] };
    case 'LeakyRelu':
      return { activation: 'LeakyRelu', activation_params: [num('alpha', 0.01)] };
    case 'Clip': {
      const lo = node.inputs[1] ? scalar(graph.initializers.get(node.inputs[1])) : -MAX_F32;
      const hi = node.inputs[2] ? scalar(graph.initializers.get(node.inputs[2])) : MAX_F32;
      if (lo === undefined || hi === undefined) return undefined;
      return { activation: 'Clip', activation_params: [lo, hi] };
    }
    default:
      return undefined;
  }
}

export function fuseActivation(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const conv of graph.nodes) {
    if ((conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose') || conv.domain !== '' || conv.attributes.activation !== undefined) continue;
    if (!hasSingleInternalUse(graph, consumers, conv.outputs[0])) continue;
    const next = consumers.get(conv.outputs[0])![0];
    if (next.inputs[0] !== conv.outputs[0]) continue;
    const fused = activationOf(next, graph);
    if (!fused) continue;
    replaced.set(conv, { ...conv, attributes: { ...conv.attributes, ...fused }, outputs: [next.outputs[0]] });
    removed.add(next);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return pruneInitializers({ ...graph, nodes });
}
