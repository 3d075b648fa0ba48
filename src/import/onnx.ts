/**
 * ONNX importer: .onnx bytes -> segwgpu's graph IR (src/ir/graph.ts), with every node in the
 * opset-17 form that src/ops/ implements.
 *
 * - Parsing: segwgpu's own protobuf decoder (src/import/onnx-proto.ts), with int64 fields decoded
 *   exactly as bigint (int64 tensors keep them; attributes and dims must fit 2^53 and are
 *   refused, naming node and attribute, when they do not).
 * - Opsets: default-domain opsets SUPPORTED_OPSETS.min..max. Older forms are rewritten into
 *   opset-17 ones (src/import/onnx-normalize.ts). Nodes of other domains (com.microsoft...) and
 *   op types the registry lacks are refused in ONE error listing every such op type with the
 *   nodes that use it, before anything runs.
 * - Initializers: src/import/onnx-tensor.ts (dtype conversions, external data refused).
 * - Graph inputs that are also initializers are constants (not inputs). Input dims are numbers,
 *   or names for symbolic dims (dim_param; an unnamed unknown dim becomes '<input>.dim<i>').
 *   Input element types map like initializers': floats -> float32, INT64 -> int64, narrower
 *   integers and BOOL -> int32 (so a uint8 image input is fed as an int32 tensor).
 * - Nodes without a name are named '<OpType>_<index>' (index in the model's node list); repeated
 *   names get a '_<k>' suffix, so names are unique.
 * - Malformed or truncated bytes: "not an ONNX model: ...", with the byte offset and the field
 *   being read.
 */
import { AttributeError, SegwgpuError, UnsupportedError } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';
import { capturesOf, type Graph, type GraphInput, type GraphNode } from '../ir/graph.js';
import { UniqueNames } from '../ir/names.js';
import type { AttributeValue, Attributes } from '../ir/attributes.js';
import { findOp, supportedOpTypes } from '../ops/registry.js';
import { AttributeType, attributeTypeName, decodeModelProto, type AttributeProto, type GraphProto, type ModelProto, type TensorProto, type ValueInfoProto } from './onnx-proto.js';
import { ProtobufError } from './protobuf.js';
import { dataTypeName, int64ToSafeNumber, tensorFromProto } from './onnx-tensor.js';
import { normalizeNode, type ImportNode, type NormalizeContext } from './onnx-normalize.js';

/** Default-domain opsets the importer accepts (see the report on why below 11 is included). */
export const SUPPORTED_OPSETS = { min: 7, max: 20 } as const;

export interface ImportOnnxOptions {
  /** Names the model in error messages, e.g. its file name. Default 'ONNX model'. */
  readonly name?: string;
}

/**
 * Graph input element types -> what segwgpu feeds: floats as float32, INT64 as int64, the narrower
 * integers and BOOL as int32 (as initializers are converted), so callers pass e.g. uint8 images
 * as int32 tensors.
 */
const INPUT_DTYPES: Readonly<Record<number, DType>> = {
  1: 'float32', 10: 'float32', 11: 'float32', 16: 'float32',
  7: 'int64',
  6: 'int32', 2: 'int32', 3: 'int32', 4: 'int32', 5: 'int32', 9: 'int32',
};
const MAX_NAMES_PER_OP = 12;
const utf8 = new TextDecoder();

function decodeModel(bytes: Uint8Array, label: string): ModelProto & { graph: NonNullable<ModelProto['graph']> } {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new SegwgpuError(`${label}: not an ONNX model: the file is empty`);
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    const truncated = e.truncated ? ' (the file looks truncated)' : '';
    throw new SegwgpuError(`${label}: not an ONNX model: protobuf decoding failed${truncated}: ${e.message}`);
  }
  const { graph } = model;
  if (!graph) throw new SegwgpuError(`${label}: not an ONNX model: it has no graph`);
  return { ...model, graph };
}

function defaultOpset(model: ModelProto, label: string): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new SegwgpuError(`${label}: the model declares no default-domain (ai.onnx) opset; segwgpu needs opset ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}`);
  const version = int64ToSafeNumber(entry.version) ?? -1;
  if (version < SUPPORTED_OPSETS.min || version > SUPPORTED_OPSETS.max) {
    throw new SegwgpuError(
      `${label}: opset ${version} is not supported: segwgpu imports default-domain opsets ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}` +
        ` (convert it, e.g. onnx.version_converter.convert_version(model, 17))`,
    );
  }
  return version;
}

function graphInput(v: ValueInfoProto, label: string): GraphInput {
  const name = v.name;
  const tensorType = v.type?.tensorType;
  if (!tensorType) throw new SegwgpuError(`${label}: graph input '${name}' is not a tensor (sequences, maps and optionals are not supported)`);
  const dtype = INPUT_DTYPES[tensorType.elemType];
  if (!dtype) throw new SegwgpuError(`${label}: graph input '${name}' has element type ${dataTypeName(tensorType.elemType)}; segwgpu accepts float (FLOAT, FLOAT16, BFLOAT16, DOUBLE: fed as float32), INT64, and INT32/INT16/UINT16/INT8/UINT8/BOOL (fed as int32) inputs`);
  if (!tensorType.shape) throw new SegwgpuError(`${label}: graph input '${name}' has no shape (not even its rank); segwgpu needs at least the rank`);
  const shape = tensorType.shape.dim.map((d, i): number | string => {
    if (d.dimValue !== undefined) {
      const n = int64ToSafeNumber(d.dimValue);
      if (n === undefined || n < 0) throw new SegwgpuError(`${label}: graph input '${name}' dimension ${i} is ${d.dimValue}, not a valid size`);
      return n;
    }
    return d.dimParam ? d.dimParam : `${name}.dim${i}`;
  });
  return { name, dtype, shape };
}

/** One attribute in segwgpu's form; GRAPH-typed attributes are reported by the caller. */
function convertAttribute(node: ImportNode, a: AttributeProto, label: string): AttributeValue {
  const name = a.name;
  const checkedInt = (v: bigint): number => {
    const n = int64ToSafeNumber(v);
    if (n === undefined) throw new AttributeError(node, name, v, 'is beyond 2^53, which segwgpu cannot hold exactly');
    return n;
  };
  switch (a.type) {
    case AttributeType.FLOAT:
      return a.f;
    case AttributeType.INT:
      return checkedInt(a.i);
    case AttributeType.STRING:
      return utf8.decode(a.s);
    case AttributeType.TENSOR:
      if (!a.t) throw new AttributeError(node, name, undefined, 'is a TENSOR attribute without a tensor');
      return tensorFromProto(a.t, `${label}: node '${node.name}' (${node.opType}) attribute ${name}`);
    case AttributeType.FLOATS:
      return [...a.floats];
    case AttributeType.INTS:
      return a.ints.map(checkedInt);
    case AttributeType.STRINGS:
      return a.strings.map((s) => utf8.decode(s));
    default:
      throw new AttributeError(node, name, `<${attributeTypeName(a.type)}>`, 'has an attribute type segwgpu does not support');
  }
}

function hasSubgraph(node: ImportNode): boolean {
  return [...node.raw.values()].some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS);
}

/** Where each quantizing op's zero point sits among its inputs: its element type is the output's. */
const ZERO_POINT_INPUT: Readonly<Record<string, number>> = { QuantizeLinear: 2, QLinearConv: 7 };

/**
 * Records, as the `output_dtype` attribute (src/ops/quantization.ts), the ONNX element type of each
 * quantizing node's zero point: segwgpu holds UINT8 and INT8 values alike as int32, so the type
 * that fixes the saturation range would otherwise be lost at import. Types come from initializers,
 * graph inputs, Constant nodes and the outputs of the ops whose output type is fixed (Cast,
 * DynamicQuantizeLinear, an earlier QuantizeLinear). A zero point of unknown type leaves the op to
 * tell it from the values (a negative one means INT8).
 */
function recordQuantizedOutputTypes(nodes: readonly ImportNode[], initializers: readonly TensorProto[], inputs: readonly ValueInfoProto[]): void {
  const elementTypes = new Map<string, number>();
  for (const t of initializers) elementTypes.set(t.name, t.dataType);
  for (const v of inputs) if (v.type?.tensorType) elementTypes.set(v.name, v.type.tensorType.elemType);
  for (const n of nodes) {
    if (n.domain !== '') continue;
    const out = n.outputs[0];
    const zeroPointIndex = ZERO_POINT_INPUT[n.opType];
    if (zeroPointIndex !== undefined) {
      const zeroPointType = elementTypes.get(n.inputs[zeroPointIndex] ?? '');
      const given = n.raw.get('output_dtype');
      const type = given && given.type === AttributeType.INT ? Number(given.i) : zeroPointType;
      if (type !== undefined && !given) n.set.output_dtype = type;
      if (out) elementTypes.set(out, type ?? 2);
    } else if (n.opType === 'DynamicQuantizeLinear') {
      if (out) elementTypes.set(out, 2);
      if (n.outputs[2]) elementTypes.set(n.outputs[2], 2);
    } else if (n.opType === 'Cast') {
      const to = n.raw.get('to');
      if (out && to && to.type === AttributeType.INT) elementTypes.set(out, Number(to.i));
    } else if (n.opType === 'Constant') {
      const value = n.raw.get('value');
      if (out && value && value.type === AttributeType.TENSOR && value.t) elementTypes.set(out, value.t.dataType);
    }
  }
}

/** Op types segwgpu cannot run ('domain.OpType', with notes) -> the nodes that use them. */
export type UnsupportedOps = ReadonlyMap<string, readonly string[]>;

/**
 * The graph of an ONNX model after normalisation, with the op types segwgpu lacks listed rather
 * than refused (`checkOps: false`): for inspecting models and for tests of the rewrites. Running
 * such a graph fails at its first unsupported node, so use importOnnx() to run models.
 */
export function importOnnxGraph(bytes: Uint8Array, options: ImportOnnxOptions & { readonly checkOps?: boolean } = {}): { graph: Graph; unsupported: UnsupportedOps } {
  const label = options.name ?? 'ONNX model';
  const model = decodeModel(bytes, label);
  const opset = defaultOpset(model, label);
  const g = model.graph;

  const initializers = graphInitializers(g, label, '');
  const inputs = g.input.filter((v) => !initializers.has(v.name)).map((v) => graphInput(v, label));
  const outputs = graphOutputs(g, label, '');

  // Value and node names (of every subgraph too), so rules can invent fresh ones.
  const values = new UniqueNames();
  for (const name of [...initializers.keys(), ...inputs.map((i) => i.name)]) values.reserve(name);
  reserveValueNames(g, values);
  const scope: ModelScope = { label, opset, values, nodeNames: new UniqueNames(), unsupported: new Map() };
  const { nodes, newInitializers } = importNodes(g, initializers, outputs, scope, new Set(), '');
  if (options.checkOps !== false && scope.unsupported.size > 0) throw unsupportedError(label, scope.unsupported);

  for (const [name, t] of newInitializers) initializers.set(name, t);
  return { graph: { name: g.name || options.name || 'model', opset, inputs, outputs, initializers, nodes }, unsupported: scope.unsupported };
}

/** What every graph of one model shares while it is imported. */
interface ModelScope {
  readonly label: string;
  readonly opset: number;
  readonly values: UniqueNames;
  readonly nodeNames: UniqueNames;
  /** Op types segwgpu lacks ('domain.OpType (notes)') -> the nodes using them, subgraphs included. */
  readonly unsupported: Map<string, string[]>;
}

function graphInitializers(g: GraphProto, label: string, where: string): Map<string, Tensor> {
  if (g.sparseInitializer.length > 0) {
    throw new SegwgpuError(`${label}: ${where}sparse initializers ('${g.sparseInitializer[0].values?.name ?? '?'}'...) are not supported; densify them`);
  }
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer) {
    const name = t.name;
    if (name === '') throw new SegwgpuError(`${label}: ${where}an initializer has no name`);
    if (initializers.has(name)) throw new SegwgpuError(`${label}: ${where}initializer '${name}' is defined twice`);
    initializers.set(name, tensorFromProto(t, `${label}: ${where}initializer '${name}'`));
  }
  return initializers;
}

function graphOutputs(g: GraphProto, label: string, where: string): string[] {
  return g.output.map((v, i) => {
    if (!v.name) throw new SegwgpuError(`${label}: ${where}graph output ${i} has no name`);
    return v.name;
  });
}

function reserveValueNames(g: GraphProto, values: UniqueNames): void {
  for (const v of [...g.input, ...g.output]) if (v.name !== '') values.reserve(v.name);
  for (const t of g.initializer) values.reserve(t.name);
  for (const n of g.node) {
    for (const v of [...n.input, ...n.output]) if (v !== '') values.reserve(v);
    for (const a of n.attribute) if (a.g) reserveValueNames(a.g, values);
  }
}

/** Every value a graph's nodes read, its subgraphs' reads included (they count as uses). */
function readsOf(g: GraphProto, into: Set<string>): Set<string> {
  for (const v of g.output) into.add(v.name);
  for (const n of g.node) {
    for (const v of n.input) if (v !== '') into.add(v);
    for (const a of n.attribute) if (a.g) readsOf(a.g, into);
  }
  return into;
}

/**
 * One graph's nodes in segwgpu's form: normalised, checked against the registry (what is
 * missing goes to scope.unsupported), attributes converted, subgraphs imported with their
 * captures appended to their node's inputs. `outer`: the names enclosing graphs define.
 */
function importNodes(
  g: GraphProto,
  initializers: ReadonlyMap<string, Tensor>,
  outputs: readonly string[],
  scope: ModelScope,
  outer: ReadonlySet<string>,
  namePrefix: string,
): { nodes: GraphNode[]; newInitializers: Map<string, Tensor> } {
  const { label, opset, values, nodeNames } = scope;
  const used = readsOf(g, new Set<string>(outputs));
  const rawNodes: ImportNode[] = g.node.map((n, index) => {
    const opType = n.opType;
    if (opType === '') throw new SegwgpuError(`${label}: not an ONNX model: ${namePrefix ? `subgraph ${namePrefix.slice(0, -1)}: ` : ''}node ${index} has no op type`);
    const raw = new Map<string, AttributeProto>();
    for (const a of n.attribute) raw.set(a.name, a);
    const domain = n.domain === 'ai.onnx' ? '' : n.domain;
    return { name: n.name, opType, domain, inputs: [...n.input], outputs: [...n.output], raw, set: {} };
  });
  // Given names first, so invented ones ('<OpType>_<index>') never take a name the model uses.
  for (const n of rawNodes) if (n.name !== '') n.name = nodeNames.fresh(n.name);
  rawNodes.forEach((n, index) => {
    if (n.name === '') n.name = nodeNames.fresh(`${namePrefix}${n.opType}_${index}`);
  });

  recordQuantizedOutputTypes(rawNodes, g.initializer, g.input);

  // Constants that rules may need to read: initializers and Constant nodes' values.
  const constantNodes = new Map<string, ImportNode>();
  for (const n of rawNodes) if (n.opType === 'Constant' && n.domain === '' && n.outputs[0]) constantNodes.set(n.outputs[0], n);
  const producers = new Map<string, string>();
  for (const n of rawNodes) for (const o of n.outputs) if (o !== '' && n.domain === '') producers.set(o, n.opType);
  const newInitializers = new Map<string, Tensor>();
  const ctx: NormalizeContext = {
    opset,
    addInitializer(base, t) {
      const name = values.fresh(base);
      newInitializers.set(name, t);
      return name;
    },
    freshValue: (base) => values.fresh(base),
    freshNodeName: (base) => nodeNames.fresh(base),
    constantValue(name) {
      const init = initializers.get(name) ?? newInitializers.get(name);
      if (init) return init;
      const c = constantNodes.get(name);
      const value = c?.raw.get('value');
      if (value && value.type === AttributeType.TENSOR && value.t) return tensorFromProto(value.t, `${label}: node '${c!.name}' (Constant) attribute value`);
      const ints = c?.raw.get('value_ints');
      if (ints && ints.type === AttributeType.INTS) return { dtype: 'int64', shape: [ints.ints.length], data: BigInt64Array.from(ints.ints) };
      return undefined;
    },
    isUsed: (name) => used.has(name),
    producerOpType: (name) => producers.get(name),
  };

  // Other domains are never normalised: they are refused below.
  const nodes = rawNodes.flatMap((n) => (n.domain === '' ? normalizeNode(n, ctx) : [n]));

  // Everything this model needs that segwgpu lacks, by op type.
  const unsupportedNodes = new Set<ImportNode>();
  for (const n of nodes) {
    if (n.domain === '' && findOp(n.opType)) continue;
    const subgraph = hasSubgraph(n);
    unsupportedNodes.add(n);
    const key = `${n.domain ? `${n.domain}.` : ''}${n.opType}${n.from ? ` (from ${n.from})` : ''}${subgraph ? ' (has subgraphs)' : ''}`;
    const list = scope.unsupported.get(key) ?? [];
    list.push(n.name);
    scope.unsupported.set(key, list);
  }

  // What this graph's subgraphs may read: what enclosing graphs and this one define.
  const visible = new Set<string>([...outer, ...initializers.keys(), ...newInitializers.keys(), ...g.input.map((v) => v.name)]);
  for (const n of nodes) for (const o of n.outputs) if (o !== '') visible.add(o);

  const graphNodes: GraphNode[] = nodes.map((n) => {
    const attributes: Record<string, AttributeValue> = {};
    for (const [name, a] of n.raw) {
      if (unsupportedNodes.has(n)) {
        // Nodes segwgpu cannot run keep what converts (for inspection); subgraphs are left out.
        if (a.type === AttributeType.GRAPH) continue;
        try {
          attributes[name] = convertAttribute(n, a, label);
        } catch {
          /* left out */
        }
      } else if (a.type === AttributeType.GRAPH) {
        if (!a.g) throw new AttributeError(n, name, undefined, 'is a GRAPH attribute without a graph');
        attributes[name] = importSubgraph(a.g, n, name, scope, visible);
      } else {
        attributes[name] = convertAttribute(n, a, label);
      }
    }
    Object.assign(attributes, n.set);
    // Captured outer values follow the ONNX inputs (see Graph.captures).
    const inputs = [...n.inputs, ...capturesOf({ attributes })];
    return { name: n.name, opType: n.opType, domain: n.domain, inputs, outputs: n.outputs, attributes: attributes as Attributes };
  });
  return { nodes: graphNodes, newInitializers };
}

/**
 * A subgraph (If's branches, Loop's body) as a Graph: its formal inputs (types as declared, or
 * float32 [] where the model leaves them out: the op binds actual values), its initializers, and
 * as captures the outer values it reads, each of which must be defined by an enclosing graph.
 */
function importSubgraph(g: GraphProto, node: ImportNode, attribute: string, scope: ModelScope, visible: ReadonlySet<string>): Graph {
  const { label } = scope;
  const where = `node '${node.name}' (${node.opType}) attribute ${attribute}: `;
  const initializers = graphInitializers(g, label, where);
  const inputs = g.input.filter((v) => !initializers.has(v.name)).map((v, i): GraphInput => {
    if (!v.name) throw new SegwgpuError(`${label}: ${where}subgraph input ${i} has no name`);
    const tensorType = v.type?.tensorType;
    if (v.type && !tensorType) throw new SegwgpuError(`${label}: ${where}subgraph input '${v.name}' is not a tensor (sequences, maps and optionals are not supported)`);
    const dtype = (tensorType && INPUT_DTYPES[tensorType.elemType]) || 'float32';
    const shape = tensorType?.shape?.dim.map((d, k) => (d.dimValue !== undefined ? (int64ToSafeNumber(d.dimValue) ?? -1) : d.dimParam || `${v.name}.dim${k}`)) ?? [];
    return { name: v.name, dtype, shape };
  });
  const outputs = graphOutputs(g, label, where);
  const own = new Set<string>([...initializers.keys(), ...inputs.map((i) => i.name)]);
  const { nodes, newInitializers } = importNodes(g, initializers, outputs, scope, new Set([...visible, ...own]), `${node.name}/${attribute}/`);
  for (const [name, t] of newInitializers) {
    initializers.set(name, t);
    own.add(name);
  }
  for (const n of nodes) for (const o of n.outputs) if (o !== '') own.add(o);
  const captures: string[] = [];
  for (const name of [...nodes.flatMap((n) => n.inputs), ...outputs]) {
    if (name === '' || own.has(name) || captures.includes(name)) continue;
    if (!visible.has(name)) throw new SegwgpuError(`${label}: ${where}the subgraph reads '${name}', which neither it nor an enclosing graph defines`);
    captures.push(name);
  }
  return { name: g.name || `${node.name}.${attribute}`, opset: scope.opset, inputs, outputs, initializers, nodes, captures };
}

/**
 * Imports an ONNX model. Refuses, in one UnsupportedError, every op type segwgpu cannot run
 * (listing the nodes that use each), and any other problem with a SegwgpuError naming it.
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Graph {
  return importOnnxGraph(bytes, { ...options, checkOps: true }).graph;
}

function unsupportedError(label: string, unsupported: UnsupportedOps): UnsupportedError {
  const parts = [...unsupported].map(([op, names]) => {
    const shown = names.slice(0, MAX_NAMES_PER_OP).map((s) => `'${s}'`).join(', ');
    const more = names.length > MAX_NAMES_PER_OP ? ` and ${names.length - MAX_NAMES_PER_OP} more` : '';
    return `${op}: node${names.length > 1 ? 's' : ''} ${shown}${more}`;
  });
  return new UnsupportedError(
    `${label}: ${unsupported.size} op type${unsupported.size > 1 ? 's are' : ' is'} not supported by segwgpu: ${parts.join('; ')}. ` +
      `Supported (default ONNX domain): ${supportedOpTypes().join(', ')}`,
  );
}
