/**
 * Dense prediction from a coarse fully convolutional network: the à trous algorithm (Long et al.,
 * "Fully Convolutional Networks for Semantic Segmentation", 2015, §3.2 "filter rarefaction"; Chen
 * et al.'s atrous convolution). A network whose strided convs and pools give an output of stride
 * f (one output pixel per f x f input pixels) becomes one whose output has stride 1:
 *
 *   every strided Conv / MaxPool / AveragePool on the way to the outputs takes stride 1, and every
 *   window op after it is dilated by the product S of the strides before it (in graph order, per
 *   spatial axis: S is 1 at the inputs and multiplies by each window's stride), its pads
 *   multiplied by S as well: a window of kernel k, stride s, dilation d, pads (b, e) reading a map
 *   of accumulated stride S becomes kernel k, stride 1, dilation d*S, pads (b*S, e*S).
 *
 * The rule, for ONNX (and PyTorch) padding, where each layer pads its own input. Per axis (H and W
 * alike), write the dense map D at layer l and the coarse one C. Let r = sum_l sigma_l * S_l be a
 * phase in [0, f), sigma_l in [0, s_l) the digit of r at strided layer l (S_l the stride product
 * before l, s_l its stride). Then, exactly (same taps, same padding, same divisors):
 *
 *   D[o*f + r] = the coarse network in which every strided layer l moves its windows sigma_l
 *                positions on (its begin pad b_l becomes b_l - sigma_l; past 0, its input is
 *                cropped by the rest), evaluated at o.
 *
 * (Induction over layers: the dense layer l, of dilation d*S_l, acts on each residue class mod S_l
 * of its input on its own, as the stride-1 coarse layer with pads (b, e) would; sampling that at
 * o*s_l + sigma_l is the strided layer with begin pad b - sigma_l; padding lies at the same taps
 * in both, because positions below 0 and at or past the end are padding in both.) So:
 *  - phase 0 is the coarse network itself: D[::f, ::f] == coarse output, for any padding. That is
 *    the defining property; tests check it.
 *  - the literal shift-and-stitch (the coarse network on the input shifted up-left by (dy, dx),
 *    x[:, :, dy:, dx:], output (o_y, o_x) placed at (o_y*f + dy, o_x*f + dx)) is exactly D when
 *    no window whose input stride is below f on an axis (the last strided window and all before
 *    it) pads at its begin (top, left) on that axis, and every node before the last stride is a
 *    window or one of the pointwise ops below. With such padding it is not D: at layer l the
 *    shifted network pads positions -floor(r / S_l)..-1 of its input, which are real pixels in D,
 *    so for generic weights the two differ in a band along the top and left border (8 pixels
 *    wide for the fixture in test/fixtures/dense/, recorded in its manifest). End padding, and
 *    any padding after the last stride, are free. shift-and-stitch.ts builds both forms.
 *  - sizes: with input length n, each dense layer changes the length by (b + e - (k - 1)*d)*S,
 *    stride 1 and no rounding, so the dense map has N = n - sum_l ((k_l - 1)*d_l - b_l - e_l)*S_l
 *    pixels and phase r holds ceil((N - r) / f) of them, the coarse network's size for that
 *    phase. Any input size works: nothing needs n divisible by f (where every window keeps the
 *    size at stride 1, b + e = (k - 1)*d, N = n).
 *
 * What the transformation takes (and refuses, naming the node):
 *  - window ops: Conv (also with the segwgpu fused activation and residual input R, which must be
 *    at the output's stride), ConvInteger, QLinearConv, MaxPool, AveragePool. auto_pad SAME_* on a
 *    strided window is refused (its pads depend on the input size modulo the stride: give explicit
 *    pads); on a stride-1 window after a stride it becomes the explicit pads it resolves to. VALID
 *    is pads 0. ceil_mode=1 on a strided pool (PyTorch's rule: a last window that would start in
 *    the end padding is dropped) becomes ceil_mode 0 with end pad min(e + s - 1, (k - 1)*d) (times
 *    S), which gives the same last windows on every phase; refused for AveragePool with
 *    count_include_pad=1, whose divisor would then count that extra padding. MaxPool's Indices
 *    output may not be read (dense indices are positions in another map).
 *  - pointwise ops after a stride: activations, unary and binary arithmetic (a constant operand
 *    must have extent 1 on both spatial axes), BatchNormalization, Cast, Identity, Dropout,
 *    Quantize/DequantizeLinear (scales per tensor or per channel), and Concat, Softmax, ArgMax
 *    along an axis that is not spatial. Inputs of one node must share one stride.
 *  - anything else after a stride is refused: ConvTranspose, Resize, MaxUnpool (upsampling),
 *    GlobalAveragePool and reductions (they pool the whole map, which the dense map holds f^2
 *    times over), Flatten, Reshape, Gemm, Slice, Pad, Transpose... Such a head is not made dense:
 *    the error says so, and `outputs` (CLI --output) picks the value the dense map is wanted for,
 *    the score map before an FCN's upsampling say; the graph is cut to what those values need.
 *    Nodes before the first stride (S = 1) are kept as they are, whatever they are.
 */
import { SegwgpuError, describeNode } from '../core/errors.js';
import { sizeOf, tensor, type Shape, type Tensor } from '../core/tensor.js';
import { topologicalOrder, withGraph, type Graph, type GraphNode } from '../ir/graph.js';
import type { Attributes } from '../ir/attributes.js';
import { UniqueNames } from '../ir/names.js';
import { intAttr } from '../ops/attributes.js';
import { parseWindowAttributes } from '../ops/spatial.js';
import { inferGraph, resolveInputShapes } from '../shapes/infer.js';
import { consumersOf, pruneInitializers } from './graph-util.js';

/** A stride per spatial axis, [H, W]. */
export type Stride = readonly [number, number];

export interface DenseOptions {
  /**
   * The values to make dense (default the graph's outputs); the graph is cut to the nodes they
   * need, so a head past them (an FCN's upsampling, a classifier) is left out.
   */
  readonly outputs?: readonly string[];
}

export interface DenseGraph {
  /** The dense graph: the same inputs, the chosen outputs under their names, at stride 1. */
  readonly graph: Graph;
  /** f per spatial axis [H, W]: the coarse outputs' stride, i.e. coarse == dense[::f_H, ::f_W]. */
  readonly factor: Stride;
}

/** A window op's geometry, pads resolved where they can be (explicit, VALID, or SAME at stride 1). */
export interface WindowGeometry {
  readonly strides: Stride;
  readonly dilations: Stride;
  readonly padsBegin: Stride;
  readonly padsEnd: Stride;
  /** The end pads of the stride-1 form: padsEnd, or more where ceil_mode adds last windows (per axis, before scaling by the input stride). */
  readonly denseEnd: Stride;
}

/** What the analysis found a node to be, relative to the pixel grid of the graph inputs. */
export type NodeRole =
  /** Reads no value derived from an input: computed once, shared. */
  | { readonly kind: 'constant' }
  /** Before any stride (every image input at stride 1) and not a strided window: kept as it is. `pointwise` says whether it is one of the ops listed above (the literal shift needs that). */
  | { readonly kind: 'unstrided'; readonly pointwise: boolean; readonly why?: string }
  | { readonly kind: 'window'; readonly inStride: Stride; readonly outStride: Stride; readonly window: WindowGeometry; readonly changed: boolean }
  | { readonly kind: 'pointwise'; readonly stride: Stride };

export interface StrideAnalysis {
  /** The graph cut to the chosen outputs, nodes in topological order. */
  readonly graph: Graph;
  /** Accumulated stride of every value derived from a graph input (constants have none). */
  readonly strides: ReadonlyMap<string, Stride>;
  /** Rank of the values the analysis could follow: every one at a stride above 1 (spatial axes are the last two). */
  readonly ranks: ReadonlyMap<string, number>;
  readonly roles: ReadonlyMap<GraphNode, NodeRole>;
  readonly factor: Stride;
}

const WINDOW_OPS = new Set(['Conv', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool']);
const POOLS = new Set(['MaxPool', 'AveragePool']);
/** Ops that compute each pixel from the same pixel of their inputs (broadcasting constants). */
const UNARY = new Set([
  'Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'LeakyRelu', 'Tanh', 'Elu',
  'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Exp', 'Log',
  'Cast', 'Identity', 'Dropout', 'BatchNormalization', 'QuantizeLinear', 'DequantizeLinear',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow']);
const AXIS_OPS = new Set(['Concat', 'Softmax', 'ArgMax']);

/** Why an op cannot follow a stride, for the error. */
function grid(opType: string): string {
  if (['ConvTranspose', 'Resize', 'Upsample', 'MaxUnpool', 'RoiAlign'].includes(opType)) return `${opType} resamples the pixel grid (upsampling inside the strided part)`;
  if (opType.startsWith('Global') || opType.startsWith('Reduce')) return `${opType} pools the whole map, which the dense map holds f x f times over`;
  if (['Flatten', 'Reshape', 'Gemm', 'MatMul', 'Squeeze', 'Unsqueeze'].includes(opType)) return `${opType} turns pixels into features (a classifier head)`;
  if (['Slice', 'Pad', 'Transpose', 'Gather', 'Expand'].includes(opType)) return `${opType} moves pixels, by coarse-grid offsets the dense grid does not share`;
  return `${opType} is not an op the dense transformation knows to act pixel by pixel`;
}

const fmt = (s: Stride): string => `${s[0]}x${s[1]}`;
const isOne = (s: Stride): boolean => s[0] === 1 && s[1] === 1;
const sameStride = (a: Stride, b: Stride): boolean => a[0] === b[0] && a[1] === b[1];

function refuse(node: GraphNode, why: string): never {
  throw new SegwgpuError(`dense prediction: ${describeNode(node)} ${why}`);
}

/** The shape of a constant value, where the graph says it without running anything. */
function constantShape(graph: Graph, producers: ReadonlyMap<string, GraphNode>, name: string): Shape | undefined {
  const init = graph.initializers.get(name);
  if (init) return init.shape;
  const node = producers.get(name);
  if (!node || node.opType !== 'Constant') return undefined;
  const a = node.attributes;
  if (a.value !== undefined && typeof a.value === 'object' && !Array.isArray(a.value)) return (a.value as Tensor).shape;
  if (a.value_float !== undefined || a.value_int !== undefined) return [];
  const list = a.value_floats ?? a.value_ints;
  return Array.isArray(list) ? [list.length] : undefined;
}

/** The kernel's spatial size: kernel_shape, or the weight's (input 1) shape. */
function kernelOf(graph: Graph, producers: ReadonlyMap<string, GraphNode>, node: GraphNode): number[] | undefined {
  const given = node.attributes.kernel_shape;
  if (Array.isArray(given)) return given as number[];
  const w = constantShape(graph, producers, node.opType === 'QLinearConv' ? node.inputs[3] : node.inputs[1]);
  return w && w.length === 4 ? [w[2]!, w[3]!] : undefined;
}

function windowGeometry(graph: Graph, producers: ReadonlyMap<string, GraphNode>, node: GraphNode, inStride: Stride): { window: WindowGeometry; changed: boolean } {
  const attrs = parseWindowAttributes(node);
  const two = (v: number[] | undefined, name: string, fallback: number): Stride => {
    if (v === undefined) return [fallback, fallback];
    if (v.length !== 2) refuse(node, `has ${name}=[${v.join(', ')}]: only 2D windows (NCHW) can be made dense`);
    return [v[0]!, v[1]!];
  };
  const strides = two(attrs.strides, 'strides', 1);
  const dilations = two(attrs.dilations, 'dilations', 1);
  const changed = !isOne(strides) || !isOne(inStride);
  let padsBegin: Stride = [0, 0];
  let padsEnd: Stride = [0, 0];
  if (attrs.pads) {
    if (attrs.pads.length !== 4) refuse(node, `has pads=[${attrs.pads.join(', ')}]: only 2D windows (NCHW) can be made dense`);
    padsBegin = [attrs.pads[0]!, attrs.pads[1]!];
    padsEnd = [attrs.pads[2]!, attrs.pads[3]!];
  }
  if (attrs.autoPad === 'SAME_UPPER' || attrs.autoPad === 'SAME_LOWER') {
    if (!isOne(strides)) {
      refuse(node, `has auto_pad='${attrs.autoPad}' with strides=[${strides.join(', ')}]: its pads depend on the input size modulo the stride, so no fixed dense pads match them; give the model explicit pads`);
    }
    const kernel = kernelOf(graph, producers, node);
    if (!kernel) refuse(node, `has auto_pad='${attrs.autoPad}' and no kernel_shape or constant weight to resolve it from`);
    // Stride 1: total padding (k - 1) * d whatever the input size, split as the spec says.
    const total = [0, 1].map((a) => (kernel[a]! - 1) * dilations[a]!);
    const begin = total.map((t) => (attrs.autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    padsBegin = [begin[0]!, begin[1]!];
    padsEnd = [total[0]! - begin[0]!, total[1]! - begin[1]!];
  }
  // ceil_mode (PyTorch's rule, src/ops/spatial.ts): a strided pool's windows on one residue
  // class are those starting at u - b, u <= min(n + b + e + s - 1 - k', n + b - 1) for an input of
  // n, k' the dilated kernel: the same for every class, and what a stride-1 window of end pad
  // min(e + s - 1, k' - 1), ceil_mode 0, gives. Only where padding taps do not count: MaxPool, or
  // AveragePool without count_include_pad (with it, the extra end pad would count in the divisor).
  let denseEnd = padsEnd;
  if (changed && POOLS.has(node.opType) && !isOne(strides) && intAttr(node, 'ceil_mode', 0) === 1) {
    if (node.opType === 'AveragePool' && intAttr(node, 'count_include_pad', 0) === 1) {
      refuse(node, `has ceil_mode=1 and count_include_pad=1 with strides=[${strides.join(', ')}]: its last windows divide by the taps inside the end padding only, which no dense window of fixed pads does; export the model with ceil_mode=0`);
    }
    const kernel = kernelOf(graph, producers, node)!;
    denseEnd = [0, 1].map((a) => (strides[a] === 1 ? padsEnd[a]! : Math.min(padsEnd[a]! + strides[a]! - 1, (kernel[a]! - 1) * dilations[a]!))) as unknown as Stride;
  }
  return { window: { strides, dilations, padsBegin, padsEnd, denseEnd }, changed };
}

/** Checks a pointwise op after a stride; returns its output rank, or the reason it is not pointwise. */
function pointwiseRank(
  graph: Graph,
  producers: ReadonlyMap<string, GraphNode>,
  node: GraphNode,
  imageInputs: readonly string[],
  ranks: ReadonlyMap<string, number | undefined>,
): number | string {
  if (node.domain !== '') return `${node.domain}.${node.opType} is not an op the dense transformation knows to act pixel by pixel`;
  const op = node.opType;
  const imageRanks = imageInputs.map((i) => ranks.get(i));
  if (imageRanks.some((r) => r === undefined)) return `${op} reads a value of unknown rank`;
  let rank = Math.max(...(imageRanks as number[]));
  const constants = node.inputs.filter((i) => i !== '' && !imageInputs.includes(i));
  const axisOf = (fallback: number): number | string => {
    const raw = intAttr(node, 'axis', fallback);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis < 0 || axis >= rank) return `has axis=${raw}, out of range for rank ${rank}`;
    return axis >= rank - 2 ? `works along axis ${raw}, a spatial axis` : axis;
  };
  if (UNARY.has(op)) {
    if (node.inputs[0] === '' || !imageInputs.includes(node.inputs[0]!) || imageInputs.length !== 1) return `${op} reads the image only through its first input`;
    if (op === 'Dropout' && node.outputs[1]) return 'Dropout: its mask output is not supported here';
    if (op === 'QuantizeLinear' || op === 'DequantizeLinear') {
      const perChannel = constants.some((c) => (constantShape(graph, producers, c) ?? [2]).some((d) => d !== 1));
      if (perChannel) {
        const axis = axisOf(1);
        if (typeof axis === 'string') return `${op} ${axis}`;
      }
    }
    return rank;
  }
  if (BINARY.has(op)) {
    for (const c of constants) {
      const shape = constantShape(graph, producers, c);
      if (!shape) return `${op} reads '${c}', a computed constant whose shape is not known before running (it must not vary over the pixel grid)`;
      rank = Math.max(rank, shape.length);
      if (shape.slice(-2).some((d) => d !== 1)) return `${op} reads constant '${c}' of shape [${shape.join('x')}], which varies over the pixel grid; the dense map has other pixels`;
    }
    return rank;
  }
  if (AXIS_OPS.has(op)) {
    if (op === 'Concat' && constants.length > 0) return `Concat joins constant '${constants[0]}' to image maps; its pixels would be the coarse grid's`;
    const axis = axisOf(op === 'Softmax' ? -1 : op === 'ArgMax' ? 0 : 1);
    if (typeof axis === 'string') return `${op} ${axis}`;
    return op === 'ArgMax' && intAttr(node, 'keepdims', 1) === 0 ? rank - 1 : rank;
  }
  return grid(op);
}

/** The nodes the chosen outputs need, the graph cut to them. */
function cutTo(graph: Graph, outputs: readonly string[]): Graph {
  const order = topologicalOrder(graph);
  const producers = new Map<string, GraphNode>();
  for (const n of order) for (const o of n.outputs) if (o !== '') producers.set(o, n);
  const known = new Set([...graph.inputs.map((i) => i.name), ...producers.keys()]);
  for (const o of outputs) {
    if (!known.has(o)) throw new SegwgpuError(`dense prediction: output '${o}' is not a value the graph computes (outputs: ${graph.outputs.join(', ')})`);
  }
  const needed = new Set<GraphNode>();
  const visit = (value: string): void => {
    const n = producers.get(value);
    if (!n || needed.has(n)) return;
    needed.add(n);
    for (const i of n.inputs) if (i !== '') visit(i);
  };
  outputs.forEach(visit);
  return pruneInitializers(withGraph(graph, { nodes: order.filter((n) => needed.has(n)), outputs: [...outputs] }));
}

/**
 * The accumulated stride of every value on the way to the outputs, and what each node is to the
 * dense transformation; refuses (naming the node) what cannot be made dense. Shared by
 * denseAtrous and shiftAndStitch (shift-and-stitch.ts).
 */
export function analyseStrides(source: Graph, options: DenseOptions = {}): StrideAnalysis {
  const graph = cutTo(source, options.outputs ?? source.outputs);
  const producers = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o !== '') producers.set(o, n);
  const consumers = consumersOf(graph);
  const strides = new Map<string, Stride>(graph.inputs.map((i) => [i.name, [1, 1] as Stride]));
  const ranks = new Map<string, number>(graph.inputs.map((i) => [i.name, i.shape.length]));
  const roles = new Map<GraphNode, NodeRole>();
  for (const node of graph.nodes) {
    const imageInputs = node.inputs.filter((i) => i !== '' && strides.has(i));
    const named = node.outputs.filter((o) => o !== '');
    if (imageInputs.length === 0) {
      roles.set(node, { kind: 'constant' });
      continue;
    }
    if (node.domain === '' && WINDOW_OPS.has(node.opType)) {
      const x = node.inputs[0]!;
      const inStride = strides.get(x);
      if (!inStride) refuse(node, `reads the image through input ${imageInputs[0]}, not its data input X`);
      const { window, changed } = windowGeometry(graph, producers, node, inStride);
      const outStride: Stride = [inStride[0] * window.strides[0], inStride[1] * window.strides[1]];
      for (const [k, i] of node.inputs.entries()) {
        if (k === 0 || !strides.has(i)) continue;
        if (!(node.opType === 'Conv' && k === 3)) refuse(node, `reads '${i}', derived from the image, as input ${k}: only X (and a fused residual R) may be`);
        if (!sameStride(strides.get(i)!, outStride)) refuse(node, `adds residual '${i}' at stride ${fmt(strides.get(i)!)} to an output at stride ${fmt(outStride)}`);
      }
      if (changed && node.opType === 'MaxPool' && node.outputs[1] && ((consumers.get(node.outputs[1])?.length ?? 0) > 0 || graph.outputs.includes(node.outputs[1]))) {
        refuse(node, `has its Indices output '${node.outputs[1]}' read: dense indices would be positions in another map`);
      }
      roles.set(node, { kind: 'window', inStride, outStride, window, changed });
      for (const o of named) strides.set(o, outStride);
      for (const o of named) ranks.set(o, 4);
      continue;
    }
    const stride = strides.get(imageInputs[0]!)!;
    const other = imageInputs.find((i) => !sameStride(strides.get(i)!, stride));
    if (other) refuse(node, `reads '${imageInputs[0]}' at output stride ${fmt(stride)} and '${other}' at ${fmt(strides.get(other)!)}: the dense maps of the two have no common grid`);
    const rank = pointwiseRank(graph, producers, node, imageInputs, ranks);
    if (isOne(stride)) {
      roles.set(node, typeof rank === 'number' ? { kind: 'unstrided', pointwise: true } : { kind: 'unstrided', pointwise: false, why: rank });
      if (typeof rank === 'number') for (const o of named) ranks.set(o, rank);
    } else {
      if (typeof rank === 'string') {
        const value = imageInputs[0]!;
        refuse(node, `reads '${value}', a map at output stride ${fmt(stride)}: ${rank}. Make the graph dense up to a value before it (outputs option, CLI --output)`);
      }
      roles.set(node, { kind: 'pointwise', stride });
      for (const o of named) ranks.set(o, rank);
    }
    for (const o of named) strides.set(o, stride);
  }
  const outStrides = graph.outputs.map((o) => strides.get(o));
  const constantOut = graph.outputs.find((_, k) => outStrides[k] === undefined);
  if (constantOut !== undefined) throw new SegwgpuError(`dense prediction: output '${constantOut}' does not depend on any input; there is no map to make dense`);
  const factor = outStrides[0]!;
  const mixed = graph.outputs.findIndex((_, k) => !sameStride(outStrides[k]!, factor));
  if (mixed >= 0) {
    throw new SegwgpuError(
      `dense prediction: outputs have different strides (${graph.outputs.map((o, k) => `'${o}' ${fmt(outStrides[k]!)}`).join(', ')}); make them dense one stride at a time (outputs option, CLI --output)`,
    );
  }
  for (const o of graph.outputs) if (!isOne(factor) && ranks.get(o) === undefined) ranks.set(o, 4);
  return { graph, strides, ranks, roles, factor };
}

/** A window node's attributes with new strides, dilations and explicit pads (auto_pad dropped). */
export function withWindow(node: GraphNode, strides: Stride, dilations: Stride, padsBegin: Stride, padsEnd: Stride): Attributes {
  const { auto_pad: _autoPad, ...rest } = node.attributes;
  return { ...rest, strides: [...strides], dilations: [...dilations], pads: [padsBegin[0], padsBegin[1], padsEnd[0], padsEnd[1]] };
}

/**
 * The dense (stride 1) graph of a coarse FCN by the à trous rule (file comment): strides removed,
 * every later window dilated and padded by the stride so far. Node and value names are kept; the
 * returned factor is the coarse outputs' stride f, and coarse == dense[..., ::f_H, ::f_W].
 */
export function denseAtrous(graph: Graph, options: DenseOptions = {}): DenseGraph {
  const analysis = analyseStrides(graph, options);
  const nodes = analysis.graph.nodes.map((node) => {
    const role = analysis.roles.get(node)!;
    if (role.kind !== 'window' || !role.changed) return node;
    const { window: w, inStride: S } = role;
    const scaled = (v: Stride): Stride => [v[0] * S[0], v[1] * S[1]];
    const attributes = withWindow(node, [1, 1], scaled(w.dilations), scaled(w.padsBegin), scaled(w.denseEnd));
    return { ...node, attributes: attributes.ceil_mode === undefined ? attributes : { ...attributes, ceil_mode: 0 } };
  });
  return { graph: withGraph(analysis.graph, { nodes }), factor: analysis.factor };
}

/**
 * Dilated AveragePools as depthwise Convs of weight 1/(k_H*k_W), for the ONNX export (opset 17's
 * AveragePool-11 has no dilations; AveragePool-19 added them): exact where every window divides
 * by the full kernel, i.e. count_include_pad=1 or no padding, and ceil_mode=0 or stride 1 (each
 * window then lies inside the padded extent). Others are refused, naming the node. `inputShapes`
 * gives the channel counts (the graph's own shapes where it fixes them).
 */
export function averagePoolsAsConvs(graph: Graph, inputShapes: Readonly<Record<string, Shape>> = {}): Graph {
  const dilated = (n: GraphNode) => n.opType === 'AveragePool' && n.domain === '' && Array.isArray(n.attributes.dilations) && (n.attributes.dilations as number[]).some((d) => d !== 1);
  if (!graph.nodes.some(dilated)) return graph;
  const { values } = inferGraph(graph, resolveInputShapes(graph, inputShapes));
  const names = new UniqueNames();
  for (const name of graph.initializers.keys()) names.reserve(name);
  for (const n of graph.nodes) for (const o of n.outputs) names.reserve(o);
  const initializers = new Map(graph.initializers);
  const nodes = graph.nodes.map((node) => {
    if (!dilated(node)) return node;
    const a = node.attributes;
    const pads = (a.pads as number[] | undefined) ?? [0, 0, 0, 0];
    const strided = Array.isArray(a.strides) && (a.strides as number[]).some((s) => s !== 1);
    if (a.auto_pad !== undefined && a.auto_pad !== 'NOTSET' && a.auto_pad !== 'VALID') refuse(node, `has auto_pad='${String(a.auto_pad)}' and dilations: give explicit pads to write it as a Conv`);
    if (intAttr(node, 'count_include_pad', 0) === 0 && pads.some((p) => p !== 0) && a.auto_pad !== 'VALID') {
      refuse(node, `has dilations=[${(a.dilations as number[]).join(', ')}] with count_include_pad=0 and pads [${pads.join(', ')}]: its border windows divide by fewer taps, which no ONNX opset-17 op writes exactly (AveragePool-19 would)`);
    }
    if (strided && intAttr(node, 'ceil_mode', 0) === 1) refuse(node, 'has dilations and ceil_mode=1 with a stride: its last windows divide by fewer taps');
    const kernel = a.kernel_shape as number[];
    const channels = values.get(node.inputs[0]!)!.shape[1]!;
    const weight = names.fresh(`${node.name}/mean_weight`);
    initializers.set(weight, tensorOf([channels, 1, kernel[0]!, kernel[1]!], 1 / (kernel[0]! * kernel[1]!)));
    const { count_include_pad: _c, ceil_mode: _m, auto_pad: _p, ...window } = a;
    return { ...node, opType: 'Conv', inputs: [node.inputs[0]!, weight], attributes: { ...window, pads: a.auto_pad === 'VALID' ? [0, 0, 0, 0] : pads, group: channels } };
  });
  return withGraph(graph, { nodes, initializers });
}

function tensorOf(shape: Shape, fill: number): Tensor {
  return tensor(shape, new Float32Array(sizeOf(shape)).fill(fill));
}
