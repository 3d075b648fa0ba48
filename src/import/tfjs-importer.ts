/**
 * The state of one tfjs import (tfjs.ts drives it, tfjs-ops.ts maps each TensorFlow op through it):
 * TensorFlow values and their IR names and layouts, and the emission of IR nodes.
 *
 * Layout. TensorFlow values are NHWC; the IR is NCHW. As in the TFLite importer, every value
 * carries a permutation `perm` (IR axis i holds TensorFlow axis perm[i], ONNX Transpose's
 * convention): rank-4 activations live as NCHW ([0, 3, 1, 2]), the rest in TensorFlow order,
 * and an op that needs another layout gets a Transpose (made once per value and layout).
 *
 * Shapes and constants. The IR node for each op is parsed and inferred through the op registry
 * (src/ops/<op>.ts) as soon as it is emitted, so the importer knows every value's shape (a tfjs
 * model.json declares none) exactly as the plan will. A node whose inputs are all constants is
 * computed at once with the op's CPU reference and becomes a constant instead of a node: weight
 * layout changes (HWIO -> OIHW), Shape -> StridedSlice -> Pack chains and constant arithmetic
 * all fold at import, and only constants that nodes read become initializers.
 */
import { SegwgpuError, UnsupportedError, describeNode } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import type { GraphInput, GraphNode } from '../ir/graph.js';
import { UniqueNames } from '../ir/names.js';
import type { AttributeValue, Attributes } from '../ir/attributes.js';
import { findOp } from '../ops/registry.js';
import type { ValueInfo } from '../ops/types.js';
import type { TfjsAttributes } from './tfjs-graph.js';
import type { TfjsWeight } from './tfjs-weights.js';

/** IR axis i holds TensorFlow axis perm[i]. */
export type Perm = readonly number[];
export const NCHW: Perm = [0, 3, 1, 2];

export const identityPerm = (rank: number): Perm => Array.from({ length: rank }, (_, i) => i);
export const samePerm = (a: Perm, b: Perm): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
/** The layout a value of this TensorFlow rank takes unless an op says otherwise. */
export const defaultPerm = (rank: number): Perm => (rank === 4 ? NCHW : identityPerm(rank));
/** Names a layout in invented value names. */
const layoutLabel = (perm: Perm): string => (samePerm(perm, NCHW) ? 'nchw' : perm.length === 4 && samePerm(perm, identityPerm(4)) ? 'nhwc' : `perm_${perm.join('')}`);

/** The layout of graph inputs and outputs of a rank. */
export const interfacePerm = (rank: number, layout: 'nhwc' | 'nchw'): Perm => (layout === 'nchw' ? defaultPerm(rank) : identityPerm(rank));

/** A TensorFlow value as the IR holds it. */
export interface TfValue {
  readonly name: string;
  readonly perm: Perm;
}

/** One TensorFlow node, as the op rules read it. */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs as output keys ('conv', 'split:1'); control inputs dropped. */
  readonly inputs: readonly string[];
  readonly attrs: TfjsAttributes;
}

/** How the imported graph meets its callers: rank-4 inputs and outputs in NHWC (the model's own) or NCHW. */
export type InterfaceLayout = 'nhwc' | 'nchw';

export class TfjsImporter {
  readonly nodes: GraphNode[] = [];
  readonly graphInputs: GraphInput[] = [];
  private readonly infos = new Map<string, ValueInfo>();
  private readonly valueNames = new UniqueNames();
  private readonly nodeNames = new UniqueNames();
  /** TensorFlow output key -> its IR value. */
  private readonly values = new Map<string, TfValue>();
  /** IR value -> how many TensorFlow output keys it stands for (more than one through aliases). */
  private readonly keyCounts = new Map<string, number>();
  /** `${irName}|${perm}` -> the IR name of that value in that layout. */
  private readonly converted = new Map<string, string>();
  /** The node being mapped, for error messages. */
  current: TfNode | undefined;

  constructor(
    readonly label: string,
    readonly weights: ReadonlyMap<string, TfjsWeight>,
    /** How many times each TensorFlow output key is read (by mapped nodes and as a graph output). */
    readonly uses: ReadonlyMap<string, number>,
    /** TensorFlow output keys that are graph outputs; each gets its key as its IR name. */
    readonly outputs: ReadonlySet<string>,
    readonly interfaceLayout: InterfaceLayout,
    /** Placeholder name -> its static TensorFlow shape (unknown dims resolved by the caller). */
    readonly inputShapes: ReadonlyMap<string, readonly number[]>,
  ) {
    for (const key of outputs) this.valueNames.reserve(key);
  }

  /** "<label>: node 'x' (Conv2D): why". */
  fail(why: string, Kind: typeof SegwgpuError = SegwgpuError): never {
    const c = this.current;
    throw new Kind(`${this.label}: ${c ? `node '${c.name}' (${c.op}): ` : ''}${why}`);
  }

  // ---- values

  info(name: string): ValueInfo {
    const info = this.infos.get(name);
    if (!info) throw new Error(`tfjs import: IR value '${name}' has no info`);
    return info;
  }

  /** The TensorFlow shape of a value. */
  shapeOf(v: TfValue): number[] {
    const ir = this.info(v.name).shape;
    const shape = new Array<number>(ir.length);
    v.perm.forEach((tfAxis, i) => (shape[tfAxis] = ir[i]!));
    return shape;
  }

  isConstant(v: TfValue): boolean {
    return this.info(v.name).value !== undefined;
  }

  /** A constant's data in TensorFlow layout, or undefined for values computed at run time. */
  constantOf(v: TfValue): Tensor | undefined {
    if (!this.isConstant(v)) return undefined;
    return this.info(this.layout(v, identityPerm(v.perm.length))).value;
  }

  /** Data input k of the current node. */
  input(node: TfNode, k: number, what: string): TfValue {
    const key = node.inputs[k];
    if (key === undefined) this.fail(`input ${k} (${what}) is missing (the node has ${node.inputs.length} inputs)`);
    const v = this.values.get(key);
    if (!v) this.fail(`input ${k} (${what}) reads '${key}', which its node does not produce`);
    return v;
  }

  /** Input k's constant data (TensorFlow layout); an error naming the input when it is computed at run time. */
  constantInput(node: TfNode, k: number, what: string): Tensor {
    const t = this.constantOf(this.input(node, k, what));
    if (!t) this.fail(`input ${k} (${what}, '${node.inputs[k]}') must be a constant: segwgpu fixes shapes when it plans a model`);
    return t;
  }

  /** Input k as a list of integers (axes, sizes, paddings). */
  constantInts(node: TfNode, k: number, what: string): number[] {
    const t = this.constantInput(node, k, what);
    if (t.dtype === 'float32') this.fail(`input ${k} (${what}) must be an integer tensor`);
    return Array.from(t.data as ArrayLike<number | bigint>, Number);
  }

  /** Declares TensorFlow output `k` of `node` produced as IR value `name` in layout `perm`. */
  private register(node: TfNode, k: number, v: TfValue): void {
    const key = k === 0 ? node.name : `${node.name}:${k}`;
    if (this.values.has(key)) this.fail(`output ${k} is produced twice`);
    this.values.set(key, v);
    this.keyCounts.set(v.name, (this.keyCounts.get(v.name) ?? 0) + 1);
  }

  /** How many TensorFlow output keys an IR value stands for. */
  keysOf(name: string): number {
    return this.keyCounts.get(name) ?? 0;
  }

  /**
   * A fresh IR name for output k of `node` in layout `perm`, registered as that output. A graph
   * output produced in its interface layout takes its output name (its key); in another layout
   * it gets a suffix, and the Transpose made for the output takes the name.
   */
  define(node: TfNode, k: number, perm: Perm): string {
    const key = k === 0 ? node.name : `${node.name}:${k}`;
    const output = this.outputs.has(key);
    const name = output && samePerm(interfacePerm(perm.length, this.interfaceLayout), perm) ? key : this.valueNames.fresh(output ? `${key}/${layoutLabel(perm)}` : key);
    this.register(node, k, { name, perm });
    return name;
  }

  /** Output k of `node` is an existing value (Identity, a layout-only Transpose, a folded bias). */
  alias(node: TfNode, k: number, v: TfValue): void {
    this.register(node, k, v);
  }

  /** A graph input (a Placeholder): rank 4 in the interface layout, other ranks as they are. */
  defineInput(node: TfNode, tfShape: readonly number[]): void {
    const perm = interfacePerm(tfShape.length, this.interfaceLayout);
    const name = this.define(node, 0, perm);
    const shape = perm.map((p) => tfShape[p]!);
    this.infos.set(name, { dtype: 'float32', shape });
    this.graphInputs.push({ name, dtype: 'float32', shape });
  }

  /** A constant in TensorFlow layout (a Const node's weight). */
  defineConstant(node: TfNode, k: number, t: Tensor): void {
    const name = this.define(node, k, identityPerm(t.shape.length));
    this.infos.set(name, { dtype: t.dtype, shape: t.shape, value: t });
  }

  fresh(base: string): string {
    return this.valueNames.fresh(base);
  }

  /** A constant made by the importer (sizes, pads, axes); `int64` data for the IR's shape inputs. */
  constant(base: string, t: Tensor): string {
    const name = this.valueNames.fresh(base);
    this.infos.set(name, { dtype: t.dtype, shape: t.shape, value: t });
    return name;
  }

  ints64(base: string, values: readonly number[]): string {
    return this.constant(base, { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, BigInt) });
  }

  scalar(value: number): string {
    return this.constant(`const_${value}`, { dtype: 'float32', shape: [], data: Float32Array.of(value) });
  }

  /**
   * The IR name of `v` in layout `perm`: itself, or a Transpose of it (folded for constants),
   * made once per value and layout.
   */
  layout(v: TfValue, perm: Perm): string {
    if (v.perm.length !== perm.length) this.fail(`a value of rank ${v.perm.length} is used where rank ${perm.length} is needed`);
    if (samePerm(v.perm, perm)) return v.name;
    const key = `${v.name}|${perm.join(',')}`;
    const done = this.converted.get(key);
    if (done) return done;
    // From layout v.perm to perm: IR axis i takes the old IR axis holding TensorFlow axis perm[i].
    const step = perm.map((p) => v.perm.indexOf(p));
    const name = this.valueNames.fresh(`${v.name}/${layoutLabel(perm)}`);
    this.emit(`${v.name}/transpose`, 'Transpose', [v.name], [name], { perm: step });
    this.converted.set(key, name);
    return name;
  }

  // ---- nodes

  /**
   * Emits one IR node (or, when every input is a constant, computes it on the CPU and records its
   * outputs as constants). Its outputs' shapes are known afterwards. Errors of the op's parse
   * and shape rule name the TensorFlow node being mapped.
   */
  emit(nameBase: string, opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, AttributeValue> = {}): void {
    const def = findOp(opType);
    if (!def) this.fail(`needs IR op ${opType}, which segwgpu's op registry lacks`, UnsupportedError);
    const node: GraphNode = { name: this.nodeNames.fresh(nameBase), opType, domain: '', inputs: [...inputs], outputs: [...outputs], attributes: attributes as Attributes };
    const infos = inputs.map((n) => (n === '' ? undefined : this.info(n)));
    let outInfos: ValueInfo[];
    let folded: readonly Tensor[] | undefined;
    try {
      const attrs: unknown = def.parse(node);
      const inferred = def.infer(attrs, infos, node);
      outInfos = inferred.outputs;
      const given = infos.filter((i): i is ValueInfo => i !== undefined);
      if (outInfos.every((o) => o.value !== undefined)) folded = outInfos.map((o) => o.value!);
      else if (given.length > 0 && given.every((i) => i.value !== undefined)) folded = def.cpu(inferred.resolved, infos.map((i) => i?.value), node);
    } catch (e) {
      if (!(e instanceof SegwgpuError)) throw e;
      // The op's message names the IR node; the TensorFlow node it maps is named first.
      const own = `${describeNode(node)}: `;
      const why = e.message.startsWith(own) ? e.message.slice(own.length) : e.message;
      this.fail(`as IR ${opType}${node.name === this.current?.name ? '' : ` '${node.name}'`}: ${why}`, e instanceof UnsupportedError ? UnsupportedError : SegwgpuError);
    }
    if (folded) {
      outputs.forEach((o, i) => o !== '' && this.infos.set(o, { dtype: folded[i]!.dtype, shape: folded[i]!.shape, value: folded[i]! }));
      return;
    }
    outputs.forEach((o, i) => o !== '' && this.infos.set(o, outInfos[i]!));
    this.nodes.push(node);
  }

  /** The IR node producing a value, when it is a node (not a constant or an input). */
  producerOf(name: string): { node: GraphNode; index: number } | undefined {
    for (let i = this.nodes.length - 1; i >= 0; i--) if (this.nodes[i]!.outputs.includes(name)) return { node: this.nodes[i]!, index: i };
    return undefined;
  }

  /** Replaces an emitted node (a bias folded into a Conv); its outputs keep their shapes. */
  replaceNode(index: number, node: GraphNode): void {
    this.nodes[index] = node;
  }

  /** Whether an IR value is read by any emitted node. */
  isRead(name: string): boolean {
    return this.nodes.some((n) => n.inputs.includes(name));
  }

  /** The constants emitted nodes read: the graph's initializers, in first-use order. */
  initializers(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        const value = i === '' ? undefined : this.infos.get(i)?.value;
        if (value && !out.has(i)) out.set(i, value);
      }
    }
    return out;
  }

  /** The TensorFlow output key's value, if produced. */
  valueOf(key: string): TfValue | undefined {
    return this.values.get(key);
  }

  /** How many elements a value has. */
  sizeOf(v: TfValue): number {
    return sizeOf(this.info(v.name).shape);
  }
}
