/**
 * Folds an inference BatchNormalization into the Conv that feeds it (when that Conv's output has no
 * other reader and both have constant parameters):
 *   s = scale / sqrt(var + eps);  W'[co] = W[co] * s[co];  B'[co] = (B[co] - mean[co]) * s[co] + beta[co]
 */
import type { Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { consumersOf, hasSingleInternalUse, pruneInitializers } from './graph-util.js';

function f32(t: Tensor | undefined): Float32Array | undefined {
  return t && t.dtype === 'float32' ? (t.data as Float32Array) : undefined;
}

export function foldBatchNorm(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const producer = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const initializers = new Map(graph.initializers);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.filter((o) => o !== '').length !== 1) continue;
    const conv = producer.get(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || replaced.has(conv) || conv.attributes.activation !== undefined) continue;
    if (!hasSingleInternalUse(graph, consumers, conv.outputs[0])) continue;
    const w = initializers.get(conv.inputs[1]);
    const [scale, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => f32(initializers.get(n)));
    const bias = conv.inputs[2] ? f32(initializers.get(conv.inputs[2])) : undefined;
    if (!w || w.dtype !== 'float32' || !scale || !beta || !mean || !variance || (conv.inputs[2] && !bias)) continue;
    const cout = w.shape[0];
    if (scale.length !== cout) continue;
    const eps = typeof bn.attributes.epsilon === 'number' ? bn.attributes.epsilon : 1e-5;
    const perOut = w.data.length / cout;
    const newW = new Float32Array(w.data.length);
    const newB = new Float32Array(cout);
    for (let co = 0; co < cout; co++) {
      const s = scale[co] / Math.sqrt(variance[co] + eps);
      for (let k = 0; k < perOut; k++) newW[co * perOut + k] = (w.data as Float32Array)[co * perOut + k] * s;
      newB[co] = ((bias?.[co] ?? 0) - mean[co]) * s + beta[co];
    }
    const wName = `${conv.name}/folded_bn_weight`;
    const bName = `${conv.name}/folded_bn_bias`;
    initializers.set(wName, { dtype: 'float32', shape: w.shape, data: newW });
    initializers.set(bName, { dtype: 'float32', shape: [cout], data: newB });
    replaced.set(conv, { ...conv, inputs: [conv.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    removed.add(bn);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return pruneInitializers({ ...graph, nodes, initializers });
}
