/**
 * The tfjs graph-model file (model.json, `format: 'graph-model'`, as tensorflowjs_converter
 * writes it): its structure, checked as it is read, and the decoding of TensorFlow's GraphDef in
 * its protobuf-JSON form (node attributes, input references). No tensors here: the weights are in
 * tfjs-weights.ts, the op mapping in tfjs-ops.ts.
 *
 * The JSON mapping of a GraphDef, as tfjs-converter's operation_mapper.ts reads it:
 *   node: { name, op, input?: ['x', 'y:1', '^control'], attr?: { key: AttrValue } }
 *   AttrValue: s (base64 bytes), i (int64, often as a string), f (float, or 'NaN'/'Infinity'),
 *     b (bool), type ('DT_FLOAT' or its enum number), shape ({ dim: [{ size }], unknownRank }),
 *     list ({ s: [], i: [], f: [], b: [], type: [], shape: [] }), tensor, func.
 * Strings are compared case-insensitively where tfjs lowercases them (padding, fused_ops, modes).
 */
import { SegwgpuError } from '../core/errors.js';

/** One weight of the manifest (tfjs-core io/types.ts WeightsManifestEntry). */
export interface TfjsWeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number; readonly original_dtype?: string };
}

/** One group of weights, stored in the shards `paths` (relative to model.json) in order. */
export interface TfjsWeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightEntry[];
}

export interface TfjsAttrValue {
  readonly s?: string;
  readonly i?: string | number;
  readonly f?: string | number;
  readonly b?: boolean;
  readonly type?: string | number;
  readonly shape?: TfjsShapeProto;
  readonly list?: {
    readonly s?: readonly string[];
    readonly i?: readonly (string | number)[];
    readonly f?: readonly (string | number)[];
    readonly b?: readonly boolean[];
    readonly type?: readonly (string | number)[];
  };
  readonly tensor?: unknown;
  readonly func?: unknown;
}

export interface TfjsShapeProto {
  readonly dim?: readonly { readonly size?: string | number }[];
  readonly unknownRank?: boolean;
}

export interface TfjsNodeDef {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, TfjsAttrValue>>;
}

/** A signature entry: { name: 'input_1:0', dtype, tensorShape }. */
interface TfjsSignatureEntry {
  readonly name: string;
  readonly tensorShape?: TfjsShapeProto;
}

export interface TfjsModelJson {
  readonly format?: string;
  readonly modelTopology: { readonly node: readonly TfjsNodeDef[] };
  readonly weightsManifest: readonly TfjsWeightGroup[];
  readonly signature?: { readonly inputs?: Readonly<Record<string, TfjsSignatureEntry>>; readonly outputs?: Readonly<Record<string, TfjsSignatureEntry>> };
  readonly generatedBy?: string;
  readonly convertedBy?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether these bytes are a tfjs graph model's model.json (a JSON object with a modelTopology). */
export function isTfjsModelJson(bytes: Uint8Array): boolean {
  let first = 0;
  while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09)) first++;
  // A UTF-8 byte-order mark is allowed before the '{'.
  if (bytes[first] === 0xef && bytes[first + 1] === 0xbb && bytes[first + 2] === 0xbf) first += 3;
  if (bytes[first] !== 0x7b) return false;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isObject(json) && 'modelTopology' in json;
  } catch {
    return false;
  }
}

/**
 * model.json (text, bytes or already parsed) -> its structure, checked: a graph model (Layers
 * models are refused by name), nodes with names and ops, a weights manifest whose entries have
 * names, integer shapes and dtypes. Errors start with `label`.
 */
export function readTfjsModelJson(source: string | Uint8Array | object, label: string): TfjsModelJson {
  let json: unknown = source;
  if (typeof source === 'string' || source instanceof Uint8Array) {
    try {
      json = JSON.parse(typeof source === 'string' ? source : new TextDecoder().decode(source));
    } catch (e) {
      throw new SegwgpuError(`${label}: not a tfjs model.json: ${(e as Error).message}`);
    }
  }
  if (!isObject(json)) throw new SegwgpuError(`${label}: not a tfjs model.json: the file holds no JSON object`);
  const format = json.format;
  if (format === 'layers-model') throw new SegwgpuError(`${label}: a tfjs Layers model (format 'layers-model'); only graph models (format 'graph-model', tensorflowjs_converter --output_format=tfjs_graph_model) are supported`);
  if (format !== undefined && format !== 'graph-model') throw new SegwgpuError(`${label}: format '${String(format)}' is not a tfjs graph model ('graph-model')`);
  const topology = json.modelTopology;
  if (!isObject(topology) || !Array.isArray(topology.node)) throw new SegwgpuError(`${label}: not a tfjs graph model: modelTopology.node is missing (a graph model's model.json holds TensorFlow's GraphDef there)`);
  topology.node.forEach((n: unknown, i: number) => {
    if (!isObject(n) || typeof n.name !== 'string' || n.name === '' || typeof n.op !== 'string') throw new SegwgpuError(`${label}: modelTopology.node[${i}] has no name or op`);
    if (n.input !== undefined && (!Array.isArray(n.input) || n.input.some((x) => typeof x !== 'string'))) throw new SegwgpuError(`${label}: node '${n.name}' (${n.op}): input must be a list of node names`);
    if (n.attr !== undefined && !isObject(n.attr)) throw new SegwgpuError(`${label}: node '${n.name}' (${n.op}): attr must be an object`);
  });
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new SegwgpuError(`${label}: weightsManifest must be a list of weight groups`);
  manifest.forEach((g: unknown, gi: number) => {
    if (!isObject(g) || !Array.isArray(g.paths) || g.paths.some((p) => typeof p !== 'string') || !Array.isArray(g.weights)) {
      throw new SegwgpuError(`${label}: weightsManifest[${gi}] must have paths (shard file names) and weights`);
    }
    g.weights.forEach((w: unknown, wi: number) => {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape)) {
        throw new SegwgpuError(`${label}: weightsManifest[${gi}].weights[${wi}] must have a name, a shape and a dtype`);
      }
      if (w.shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
        throw new SegwgpuError(`${label}: weight '${w.name}' has shape ${JSON.stringify(w.shape)}; dimensions must be whole numbers >= 0`);
      }
      if (w.quantization !== undefined && (!isObject(w.quantization) || typeof w.quantization.dtype !== 'string')) {
        throw new SegwgpuError(`${label}: weight '${w.name}' has a quantization without a dtype`);
      }
    });
  });
  return { ...json, modelTopology: topology, weightsManifest: manifest } as unknown as TfjsModelJson;
}

/** The shard files the manifest names, in manifest order (all groups' paths concatenated). */
export function tfjsWeightPaths(model: TfjsModelJson): string[] {
  return model.weightsManifest.flatMap((g) => [...g.paths]);
}

/** 'conv:1' -> { node: 'conv', output: 1 }; 'conv' -> output 0. ('^conv', a control input, is not data.) */
export function parseInputRef(ref: string): { node: string; output: number } {
  const colon = ref.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(ref.slice(colon + 1))) return { node: ref.slice(0, colon), output: Number(ref.slice(colon + 1)) };
  return { node: ref, output: 0 };
}

/** The canonical key of a node output: 'conv' for output 0, 'conv:1' for the others. */
export function outputKey(node: string, output: number): string {
  return output === 0 ? node : `${node}:${output}`;
}

function decodeBase64(text: string): string | undefined {
  let bytes: string;
  try {
    bytes = atob(text);
  } catch {
    return undefined;
  }
  // UTF-8 strings (node names in attributes are ASCII in practice).
  return new TextDecoder().decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

const toNumber = (v: string | number): number => (typeof v === 'number' ? v : Number(v));

/**
 * Reads one node's attributes with tfjs-converter's defaults and decoding rules. model.json is
 * untrusted JSON: every accessor checks the type it reads, so a malformed attribute is a
 * SegwgpuError naming the node and attribute, never a TypeError.
 */
export class TfjsAttributes {
  constructor(
    private readonly attr: Readonly<Record<string, TfjsAttrValue>>,
    private readonly where: string,
  ) {}

  has(name: string): boolean {
    return this.attr[name] !== undefined;
  }

  private fail(name: string, why: string): never {
    throw new SegwgpuError(`${this.where}: attribute ${name} ${why}`);
  }

  /** The attribute's value object, or undefined when absent; anything but an object is refused. */
  private value(name: string): TfjsAttrValue | undefined {
    const a = (this.attr as Record<string, unknown>)[name];
    if (a === undefined) return undefined;
    if (!isObject(a)) this.fail(name, `is ${JSON.stringify(a)}; expected an AttrValue object`);
    return a as TfjsAttrValue;
  }

  private decoded(name: string, text: unknown): string {
    if (typeof text !== 'string') this.fail(name, `holds ${JSON.stringify(text)}; expected a base64 string`);
    const s = decodeBase64(text);
    if (s === undefined) this.fail(name, `holds '${text.slice(0, 40)}', which is not base64`);
    return s;
  }

  private number(name: string, raw: unknown): number {
    if (typeof raw !== 'number' && typeof raw !== 'string') this.fail(name, `is ${JSON.stringify(raw)}; expected a number`);
    const v = toNumber(raw);
    if (!Number.isFinite(v)) this.fail(name, `is ${String(raw)}; expected a finite number`);
    return v;
  }

  private list(name: string): Record<string, unknown> | undefined {
    const a = this.value(name);
    if (a === undefined || a.list === undefined) return undefined;
    if (!isObject(a.list)) this.fail(name, `has list ${JSON.stringify(a.list)}; expected an object`);
    return a.list;
  }

  private listItems(name: string, list: Record<string, unknown> | undefined, key: string): unknown[] {
    const items = list?.[key];
    if (items === undefined) return [];
    if (!Array.isArray(items)) this.fail(name, `has list.${key} ${JSON.stringify(items)}; expected an array`);
    return items;
  }

  /** A string attribute (base64 in the JSON), as written; `fallback` when absent. */
  string(name: string, fallback?: string): string | undefined {
    const a = this.value(name);
    if (a === undefined || a.s === undefined) return fallback;
    return this.decoded(name, a.s);
  }

  strings(name: string): string[] {
    return this.listItems(name, this.list(name), 's').map((s) => this.decoded(name, s));
  }

  int(name: string, fallback: number): number {
    const a = this.value(name);
    if (a === undefined) return fallback;
    const raw = a.i ?? a.f;
    if (raw === undefined) return fallback;
    return this.number(name, raw);
  }

  float(name: string, fallback: number): number {
    const a = this.value(name);
    if (a === undefined) return fallback;
    const raw = a.f ?? a.i;
    return raw === undefined ? fallback : this.number(name, raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const a = this.value(name);
    if (a === undefined || a.b === undefined) return fallback;
    if (typeof a.b !== 'boolean') this.fail(name, `is ${JSON.stringify(a.b)}; expected true or false`);
    return a.b;
  }

  /** A list of ints (or floats), e.g. strides [1, 2, 2, 1]; `fallback` when absent. */
  ints(name: string, fallback?: number[]): number[] | undefined {
    const a = this.value(name);
    if (a === undefined) return fallback;
    const list = this.list(name);
    const floats = this.listItems(name, list, 'f');
    const items = floats.length ? floats : this.listItems(name, list, 'i');
    return items.map((v) => this.number(name, v));
  }

  /** A dtype attribute as TensorFlow names it ('DT_FLOAT'); numbers are the DataType enum. */
  dtype(name: string): string | undefined {
    const t = this.value(name)?.type;
    if (t === undefined) return undefined;
    if (typeof t !== 'number' && typeof t !== 'string') this.fail(name, `has type ${JSON.stringify(t)}; expected a DataType name or number`);
    return typeof t === 'number' ? (DATA_TYPE_NAMES[t] ?? `DataType ${t}`) : t;
  }

  /** A shape attribute: its dims (-1 unknown), or undefined when absent or of unknown rank. */
  shape(name: string): number[] | undefined {
    const s = this.value(name)?.shape;
    if (s === undefined) return undefined;
    if (!isObject(s)) this.fail(name, `has shape ${JSON.stringify(s)}; expected a TensorShapeProto object`);
    return shapeOfProto(s as TfjsShapeProto);
  }
}

/** TensorFlow's DataType enum, the values models use (tensorflow/core/framework/types.proto). */
const DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'DT_FLOAT', 2: 'DT_DOUBLE', 3: 'DT_INT32', 4: 'DT_UINT8', 5: 'DT_INT16', 6: 'DT_INT8', 7: 'DT_STRING',
  9: 'DT_INT64', 10: 'DT_BOOL', 19: 'DT_HALF',
};

export function shapeOfProto(s: TfjsShapeProto): number[] | undefined {
  if (s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => (d.size === undefined ? -1 : toNumber(d.size)));
}
