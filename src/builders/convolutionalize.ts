/**
 * "Convolutionalization" (Long et al., section 3.1): a classifier's Flatten + fully connected head
 * becomes convolutions, so the network slides over inputs larger than it was trained on and
 * yields a class heatmap. The first Gemm after Flatten of a [C, H, W] map becomes an HxW Conv
 * (its weight rows reshaped to [C, H, W]); later Gemms become 1x1 Convs. On an input of the
 * classifier's own size the result is the classifier's logits as a [N, K, 1, 1] map.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Shape, Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { inferGraph, resolveInputShapes } from '../shapes/infer.js';
import { consumersOf, pruneInitializers } from '../passes/graph-util.js';

function gemmAsConvWeight(node: GraphNode, w: Tensor, spatial: [number, number, number]): Tensor<'float32'> {
  const transB = node.attributes.transB === 1;
  const alpha = typeof node.attributes.alpha === 'number' ? node.attributes.alpha : 1;
  const [kIn, kOut] = transB ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
  const [c, h, wd] = spatial;
  if (kIn !== c * h * wd) throw new SegwgpuError(`convolutionalize: Gemm '${node.name}' takes ${kIn} features, the map feeding it has ${c}x${h}x${wd}`);
  const src = w.data as Float32Array;
  const out = new Float32Array(kOut * kIn);
  for (let o = 0; o < kOut; o++) for (let k = 0; k < kIn; k++) out[o * kIn + k] = alpha * (transB ? src[o * kIn + k] : src[k * kOut + o]);
  return { dtype: 'float32', shape: [kOut, c, h, wd], data: out };
}

export function convolutionalize(graph: Graph, classifierInputShapes: Readonly<Record<string, Shape>>): Graph {
  const { values } = inferGraph(graph, resolveInputShapes(graph, classifierInputShapes));
  const consumers = consumersOf(graph);
  const initializers = new Map(graph.initializers);
  const replaced = new Map<GraphNode, GraphNode | null>();
  const renamed = new Map<string, string>();
  let converted = 0;
  for (const flatten of graph.nodes) {
    if (flatten.opType !== 'Flatten' && flatten.opType !== 'Reshape') continue;
    const inShape = values.get(flatten.inputs[0])?.shape;
    if (!inShape || inShape.length !== 4) continue;
    let features = flatten.outputs[0];
    let spatial: [number, number, number] = [inShape[1], inShape[2], inShape[3]];
    let current: string = flatten.inputs[0];
    replaced.set(flatten, null);
    // Walk the head: Gemm, optionally followed by pointwise ops, then the next Gemm...
    for (;;) {
      const next = consumers.get(features) ?? [];
      if (next.length !== 1) break;
      const node = next[0];
      if (node.opType === 'Gemm') {
        if (node.attributes.transA === 1) throw new SegwgpuError(`convolutionalize: Gemm '${node.name}' has transA=1, which a convolution cannot express`);
        const w = initializers.get(node.inputs[1]);
        if (!w) throw new SegwgpuError(`convolutionalize: Gemm '${node.name}' has no constant weight`);
        const convW = gemmAsConvWeight(node, w, spatial);
        const wName = `${node.name}/conv_weight`;
        initializers.set(wName, convW);
        const inputs = [current, wName];
        const bias = node.inputs[2] ? initializers.get(node.inputs[2]) : undefined;
        if (node.inputs[2] && !bias) throw new SegwgpuError(`convolutionalize: Gemm '${node.name}' has a non-constant bias`);
        if (bias) {
          const beta = typeof node.attributes.beta === 'number' ? node.attributes.beta : 1;
          const bName = `${node.name}/conv_bias`;
          initializers.set(bName, { dtype: 'float32', shape: [convW.shape[0]], data: Float32Array.from(bias.data as Float32Array, (v) => beta * v) });
          inputs.push(bName);
        }
        replaced.set(node, { name: node.name, opType: 'Conv', domain: '', inputs, outputs: node.outputs, attributes: { kernel_shape: [spatial[1], spatial[2]] } });
        spatial = [convW.shape[0], 1, 1];
        converted++;
      } else if (node.inputs.length === 1 || node.opType === 'Dropout') {
        replaced.set(node, { ...node, inputs: node.inputs.map((i) => (i === features ? current : i)) });
      } else {
        break;
      }
      current = node.outputs[0];
      features = node.outputs[0];
    }
    renamed.set(flatten.outputs[0], flatten.inputs[0]);
    break;
  }
  if (converted === 0) throw new SegwgpuError(`convolutionalize: no Flatten + Gemm head found in ${graph.name}`);
  const nodes = graph.nodes
    .map((n) => (replaced.has(n) ? replaced.get(n) : n))
    .filter((n): n is GraphNode => n !== null && n !== undefined)
    .map((n) => ({ ...n, inputs: n.inputs.map((i) => renamed.get(i) ?? i) }));
  const inputs = graph.inputs.map((i) => ({ ...i, shape: i.shape.map((d, k) => (k >= 2 ? `${i.name}_dim${k}` : d)) }));
  return pruneInitializers({ ...graph, name: `${graph.name}_convolutionalized`, inputs, nodes, initializers });
}
