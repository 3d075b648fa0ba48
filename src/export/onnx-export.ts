/**
 * IR -> ONNX: writes any segwgpu graph (from the ONNX, TFLite or tfjs importers, the TS builders,
 * or wrapForSegmentation) as a standard ModelProto that onnxruntime can run: ir_version 8, the
 * default domain at opset 17 (the IR's node semantics are opset-17 forms, whatever graph.opset
 * says), initializers as little-endian raw_data, graph inputs with their dtype and shape
 * (symbolic dims as dim_param) and outputs with the dtype and shape that shape inference gives.
 *
 * What the IR holds that ONNX has not is written in standard ops, exactly where it can be:
 * - Conv / ConvTranspose `activation` / `activation_params` (the TFLite and tfjs importers' fused
 *   epilogues, src/ops/activation-functions.ts): the conv, then Relu, Sigmoid, HardSigmoid,
 *   HardSwish, LeakyRelu or Clip (bounds as inputs).
 * - Other opsets' forms the ops also accept: Clip's min/max attributes become inputs; ReduceSum's
 *   axes attribute an input and ReduceMean/Max/Min's constant axes input the attribute;
 *   noop_with_empty_axes on ReduceMean/Max/Min (opset 18) the identity or nothing; Pad-18's axes
 *   input full-rank pads; Dropout's ratio and training_mode (inference) are dropped; AveragePool
 *   dilations of 1 (opset 19) dropped; Cast's saturate (float8 only) dropped.
 * - Dtypes: src/export/element-types.ts gives each value its ONNX element type (quantized
 *   tensors UINT8/INT8 again); constants are written in the type their reader needs and computed
 *   values get a Cast where an op's schema wants another one (int64 shapes and axes). Cast to
 *   FLOAT16 (float32 storage rounded to half in the IR) is a Cast to FLOAT16 and back to FLOAT;
 *   Cast to DOUBLE a Cast to FLOAT. QuantizeLinear / QLinearConv `output_dtype` become the type of
 *   the zero point (added as zeros where the node had none).
 * - segwgpu's own ops (domain ai.segwgpu, src/segment/wrap.ts): ImageToTensor becomes Slice,
 *   Cast, Transpose, Unsqueeze, Resize (linear, half_pixel, as its reference samples; skipped at
 *   equal sizes), Mul and Add; its packed RGBA input either stays int32 words, unpacked by
 *   BitShift and Mod (exportOnnx), or is taken as the RGBA bytes themselves, uint8 [H, W, 4]
 *   (exportSegmentationOnnx). Threshold becomes Squeeze, Greater (against the largest float32
 *   not above the threshold, so a threshold float32 cannot hold compares as the reference's
 *   double does) and Cast to INT64.
 * - Constant nodes become initializers.
 * The forms segwgpu's own passes fuse (src/passes: Conv's residual input R, Mul's addend C,
 * GlobalAveragePool's second input) are refused, naming the node: export the graph as imported,
 * before optimizeGraph. So is anything else without an exact ONNX opset-17 form. Every check runs
 * before any byte is written.
 */
import { SegwgpuError, UnsupportedError, describeNode } from '../core/errors.js';
import { integerValues, sizeOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { topologicalOrder, type Graph, type GraphNode } from '../ir/graph.js';
import type { AttributeValue } from '../ir/attributes.js';
import { UniqueNames } from '../ir/names.js';
import { MAX_F32, parseFusedActivation, type Activation } from '../ops/activation-functions.js';
import type { ValueInfo } from '../ops/types.js';
import { ShapeInference, resolveInputShapes, type InferredGraph } from '../shapes/infer.js';
import { CAST_OUTPUT_TYPE, DTYPE_ELEMENT_TYPE, ELEMENT_TYPE_NAMES, SAME_TYPE_INPUTS, assignElementTypes, isQuantizedInput } from './element-types.js';
import { ElementType, encodeOnnxModel, type ElementTypeCode, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto-writer.js';

/** The ModelProto ir_version written (ONNX 1.10+, which opset 17 needs at least). */
export const EXPORT_IR_VERSION = 8;
/** The default-domain opset written: the one whose forms the IR's nodes follow. */
export const EXPORT_OPSET = 17;

export interface ExportOnnxOptions {
  /**
   * Sizes for graph inputs with symbolic dimensions: the model is exported for them (those dims
   * are written as sizes). Without them symbolic dims stay dim_params, and output dims that
   * depend on them are written as unknown.
   */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
  /**
   * How the packed RGBA input of an ImageToTensor node is taken: 'packed-words' (default) keeps
   * the IR's int32 [H, row_words] input, each int32 four RGBA bytes little-endian; 'rgba-bytes'
   * takes those bytes as uint8 [H, W, 4] (rows must not be padded: row_words == W).
   */
  readonly imageInput?: 'packed-words' | 'rgba-bytes';
  /** The graph's name in the model; default the IR graph's. */
  readonly name?: string;
}

/** An exported graph input or output: its name, ONNX element type and shape (a dim: a size, a dim_param, or undefined when unknown). */
export interface ExportedValue {
  readonly name: string;
  readonly type: 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';
  readonly shape: readonly (number | string | undefined)[] | undefined;
}

export interface OnnxExport {
  readonly bytes: Uint8Array;
  /** The model's interface, which may differ from the IR graph's dtypes: a quantized input is uint8 or int8, an RGBA image uint8. */
  readonly inputs: readonly ExportedValue[];
  readonly outputs: readonly ExportedValue[];
}

const EXPORTED_TYPE_NAMES: Readonly<Record<number, ExportedValue['type']>> = {
  [ElementType.FLOAT]: 'float32', [ElementType.UINT8]: 'uint8', [ElementType.INT8]: 'int8', [ElementType.INT32]: 'int32', [ElementType.INT64]: 'int64',
};

/** Default-domain ops written as they are (attributes typed, inputs given the types their schema needs). */
const AS_IS = new Set([
  'Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Tanh', 'Elu',
  'Add', 'Sub', 'Div', 'Pow', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Exp', 'Log',
  'ArgMax', 'BatchNormalization', 'Concat', 'ConstantOfShape', 'ConvInteger', 'DynamicQuantizeLinear', 'Expand', 'Gather', 'Gemm',
  'MatMul', 'MatMulInteger', 'MaxPool', 'MaxUnpool', 'Range', 'Resize', 'RoiAlign', 'Shape', 'Slice', 'Softmax', 'Transpose',
  'Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze',
]);

/** Float-valued attributes (AttributeProto FLOAT); every other number is an INT. */
const FLOAT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  HardSigmoid: ['alpha', 'beta'], LeakyRelu: ['alpha'], Elu: ['alpha'], Gemm: ['alpha', 'beta'],
  BatchNormalization: ['epsilon', 'momentum'], Resize: ['cubic_coeff_a', 'extrapolation_value'], RoiAlign: ['spatial_scale'],
};

/** Inputs ONNX takes as int64 only, where the IR also accepts int32. */
const INT64_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1], Expand: [1], Squeeze: [1], Unsqueeze: [1], Pad: [1], Resize: [3], ConstantOfShape: [0], ReduceSum: [1], MaxUnpool: [1, 2], RoiAlign: [2],
};

const SEGWGPU_DOMAIN = 'ai.segwgpu';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A refusal naming the node and why it has no exact ONNX form. */
function refuse(node: GraphNode, why: string): never {
  throw new UnsupportedError(`export: ${describeNode(node)}: ${why}`);
}

// ---------------------------------------------------------------------------------------------
// Shape inference for the export: concrete shapes, or probe sizes for symbolic dims.

/** Sizes tried for symbolic dims, in pairs: two inferences tell the output dims that depend on them. */
const PROBE_SIZES = [256, 384, 128, 192, 64, 96, 32, 48, 16, 24, 8, 12, 1, 2];

interface ExportInference {
  /** One inference per probe (one when every input is concrete). */
  readonly probes: readonly InferredGraph[];
  /** Input dims as the exported model declares them. */
  readonly inputDims: ReadonlyMap<string, readonly (number | string)[]>;
}

function inferForExport(graph: Graph, options: ExportOnnxOptions): ExportInference {
  const infer = (shapes: ReadonlyMap<string, Shape>) => new ShapeInference(shapes).infer(graph);
  const symbolic = graph.inputs.filter((i) => i.shape.some((d) => typeof d !== 'number' || d < 1));
  if (options.inputShapes || symbolic.length === 0) {
    const shapes = resolveInputShapes(graph, options.inputShapes ?? {});
    return { probes: [infer(shapes)], inputDims: shapes };
  }
  const probes: InferredGraph[] = [];
  let firstError: unknown;
  for (const size of PROBE_SIZES) {
    const shapes = new Map(graph.inputs.map((i) => [i.name, i.shape.map((d) => (typeof d === 'number' && d > 0 ? d : size))]));
    try {
      probes.push(infer(shapes));
    } catch (e) {
      if (!(e instanceof SegwgpuError)) throw e;
      firstError ??= e;
      continue;
    }
    if (probes.length === 2) break;
  }
  if (probes.length === 0) {
    const names = symbolic.map((i) => `'${i.name}' [${i.shape.join('x')}]`).join(', ');
    throw new SegwgpuError(`export: graph ${graph.name}: inputs ${names} have symbolic dimensions and shape inference fails at every probe size (${(firstError as Error).message}); give inputShapes`);
  }
  return { probes, inputDims: new Map(graph.inputs.map((i) => [i.name, i.shape])) };
}

/** Output dims every probe agrees on; undefined where they differ (the dim follows a symbolic one). */
function agreedShape(probes: readonly InferredGraph[], value: string): (number | undefined)[] | undefined {
  const shapes = probes.map((p) => p.values.get(value)?.shape);
  const [first] = shapes;
  if (!first || shapes.some((s) => !s || s.length !== first.length)) return undefined;
  return first.map((d, i) => (shapes.every((s) => s![i] === d) ? d : undefined));
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join('x') !== b.shape.join('x')) return false;
  return (a.data as ArrayLike<number | bigint>).length === (b.data as ArrayLike<number | bigint>).length && Array.prototype.every.call(a.data, (v: number | bigint, i: number) => Object.is(v, (b.data as ArrayLike<number | bigint>)[i]));
}

// ---------------------------------------------------------------------------------------------
// Tensor bytes

function littleEndianBytes(data: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(4 * i, v, true));
  else data.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

const INTEGER_RANGES: Readonly<Record<number, readonly [number, number]>> = {
  [ElementType.UINT8]: [0, 255], [ElementType.INT8]: [-128, 127], [ElementType.INT32]: [-(2 ** 31), 2 ** 31 - 1], [ElementType.UINT32]: [0, 2 ** 32 - 1],
};

/** `t`'s elements as ONNX element type `type`, little-endian; refused (naming `what`) where a value does not fit. */
function rawDataAs(t: Tensor, type: ElementTypeCode, what: string): Uint8Array {
  const typeName = ELEMENT_TYPE_NAMES[type] ?? String(type);
  if (type === ElementType.FLOAT) {
    if (t.dtype !== 'float32') throw new SegwgpuError(`export: ${what} is ${t.dtype}, but is needed as FLOAT`);
    return littleEndianBytes(t.data as Float32Array);
  }
  if (t.dtype === 'float32') throw new SegwgpuError(`export: ${what} is float32, but is needed as ${typeName}`);
  if (type === ElementType.INT64) return littleEndianBytes(t.dtype === 'int64' ? (t.data as BigInt64Array) : BigInt64Array.from(t.data as Int32Array, (v) => BigInt(v)));
  if (type === ElementType.INT32 && t.dtype === 'int32') return littleEndianBytes(t.data as Int32Array);
  const range = INTEGER_RANGES[type];
  if (!range) throw new SegwgpuError(`export: ${what} cannot be written as ${typeName}`);
  const values = integerValues(t);
  const bad = values.find((v) => v < range[0] || v > range[1]);
  if (bad !== undefined) throw new SegwgpuError(`export: ${what} holds ${bad}, outside ${typeName}'s range [${range[0]}, ${range[1]}]`);
  if (type === ElementType.INT32) return littleEndianBytes(Int32Array.from(values));
  if (type === ElementType.UINT32) return littleEndianBytes(Int32Array.from(values, (v) => v | 0));
  return type === ElementType.UINT8 ? Uint8Array.from(values) : new Uint8Array(Int8Array.from(values).buffer);
}

function onnxTensor(name: string, t: Tensor, type: ElementTypeCode, what: string): OnnxTensor {
  return { name, elementType: type, dims: t.shape, rawData: rawDataAs(t, type, what) };
}

const f32Scalar = (v: number): Tensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });
const int64Vector = (values: readonly number[]): Tensor => ({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });

// ---------------------------------------------------------------------------------------------
// The export

interface NewConstant {
  readonly tensor: Tensor;
  readonly type: ElementTypeCode;
}

class OnnxExporter {
  readonly nodes: OnnxNode[] = [];
  /** Constants the exporter adds or converts, by their (fresh) names. */
  readonly added = new Map<string, NewConstant>();
  /** Graph inputs whose declared type or shape the export changes (the RGBA image). */
  readonly inputOverrides = new Map<string, OnnxValueInfo>();
  private readonly converted = new Map<string, string>();
  private readonly valueNames = new UniqueNames();
  private readonly nodeNames = new UniqueNames();
  private readonly consumers = new Map<string, GraphNode[]>();

  constructor(
    private readonly graph: Graph,
    private readonly inference: ExportInference,
    /** Initializers and Constant node outputs. */
    readonly constants: ReadonlyMap<string, Tensor>,
    readonly types: ReadonlyMap<string, ElementTypeCode>,
    private readonly options: ExportOnnxOptions,
  ) {
    for (const i of graph.inputs) this.valueNames.reserve(i.name);
    for (const name of graph.initializers.keys()) this.valueNames.reserve(name);
    for (const n of graph.nodes) {
      this.nodeNames.reserve(n.name);
      for (const v of [...n.inputs, ...n.outputs]) if (v !== '') this.valueNames.reserve(v);
      for (const v of n.inputs) if (v !== '') this.consumers.set(v, [...(this.consumers.get(v) ?? []), n]);
    }
  }

  info(value: string): ValueInfo {
    const info = this.inference.probes[0]!.values.get(value);
    if (!info) throw new SegwgpuError(`export: value '${value}' has no inferred type`);
    return info;
  }

  dtypeOf(value: string): DType {
    return this.info(value).dtype;
  }

  typeOf(value: string): ElementTypeCode {
    return this.types.get(value) ?? DTYPE_ELEMENT_TYPE[this.dtypeOf(value)];
  }

  /** A value's tensor when it is the same whatever the input sizes: a constant, or computed from constants only. */
  constantValue(value: string): Tensor | undefined {
    const c = this.constants.get(value);
    if (c) return c;
    const found = this.inference.probes.map((p) => p.values.get(value)?.value);
    const [first] = found;
    return first && found.every((t) => t && sameTensor(t, first)) ? first : undefined;
  }

  freshValue(base: string): string {
    return this.valueNames.fresh(base);
  }

  /** Adds a constant of type `type` (default the tensor's dtype) and returns its name. */
  addConstant(base: string, tensor: Tensor, type: ElementTypeCode = DTYPE_ELEMENT_TYPE[tensor.dtype]): string {
    const name = this.valueNames.fresh(base);
    this.added.set(name, { tensor, type });
    return name;
  }

  /** Emits one node; `name` is kept as given (an IR node's own name) or made fresh from `base`. */
  emit(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly OnnxAttribute[], name: { readonly exact: string } | { readonly base: string }): void {
    const trimmed = [...inputs];
    while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
    const nodeName = 'exact' in name ? name.exact : this.nodeNames.fresh(name.base);
    this.nodes.push({ name: nodeName, opType, domain: '', inputs: trimmed, outputs, attributes });
  }

  /** The type ONNX's schema needs for input `index` of `node`. */
  private requiredType(node: GraphNode, index: number): ElementTypeCode {
    const value = node.inputs[index]!;
    const actual = this.typeOf(value);
    const same = SAME_TYPE_INPUTS[node.opType];
    if ((node.opType === 'Cast' && index === 0) || isQuantizedInput(node.opType, index) || (same && (same === 'all' || same.includes(index)))) return actual;
    if (INT64_INPUTS[node.opType]?.includes(index)) return ElementType.INT64;
    if (node.opType === 'Slice' && index >= 1) {
      // starts, ends, axes and steps share one type (Tind): int64 if any is.
      return node.inputs.slice(1).some((v) => v !== '' && this.typeOf(v) === ElementType.INT64) ? ElementType.INT64 : ElementType.INT32;
    }
    return DTYPE_ELEMENT_TYPE[this.dtypeOf(value)];
  }

  /** Input `index` of `node` as a value of the type its schema needs: itself, a converted constant, or a Cast of it. */
  input(node: GraphNode, index: number, type?: ElementTypeCode): string {
    const value = node.inputs[index] ?? '';
    if (value === '') return '';
    return this.as(value, type ?? this.requiredType(node, index), node);
  }

  /** `value` as type `type`. */
  as(value: string, type: ElementTypeCode, node: GraphNode): string {
    const actual = this.typeOf(value);
    if (actual === type) return value;
    const key = `${value}\u0000${type}`;
    const done = this.converted.get(key);
    if (done) return done;
    const typeName = (ELEMENT_TYPE_NAMES[type] ?? String(type)).toLowerCase();
    let name: string;
    const constant = this.constants.get(value);
    if (constant) {
      name = this.valueNames.fresh(`${value}/${typeName}`);
      // Checked against the type's range now, so a value that does not fit fails before writing.
      rawDataAs(constant, type, `constant '${value}' (read by ${describeNode(node)})`);
      this.added.set(name, { tensor: constant, type });
    } else {
      name = this.valueNames.fresh(`${value}/${typeName}`);
      this.emit('Cast', [value], [name], [{ name: 'to', type: 'int', value: type }], { base: `${value}/cast_${typeName}` });
    }
    this.converted.set(key, name);
    return name;
  }

  /** The node's attributes with their AttributeProto types, leaving out `skip`. */
  attributes(node: GraphNode, skip: readonly string[] = []): OnnxAttribute[] {
    const floats = FLOAT_ATTRIBUTES[node.opType] ?? [];
    const out: OnnxAttribute[] = [];
    for (const [name, value] of Object.entries(node.attributes)) {
      if (skip.includes(name)) continue;
      out.push(typedAttribute(node, name, value, floats.includes(name)));
    }
    return out;
  }

  /** Constants that a node produces in the export (graph outputs that are constants): not initializers. */
  readonly produced = new Set<string>();

  /** Every node, in order. */
  exportNodes(order: readonly GraphNode[]): void {
    // A graph output that is a constant becomes an Identity of a copy, first, so that a node
    // produces every output and the nodes reading it still find it.
    for (const out of this.graph.outputs) {
      const c = this.constants.get(out);
      if (!c || this.produced.has(out)) continue;
      this.produced.add(out);
      const source = this.addConstant(`${out}/constant`, c, this.typeOf(out));
      this.emit('Identity', [source], [out], [], { base: `${out}/identity` });
    }
    for (const node of order) this.exportNode(node);
  }

  private exportNode(node: GraphNode): void {
    if (node.domain === SEGWGPU_DOMAIN) {
      if (node.opType === 'ImageToTensor') return this.imageToTensor(node);
      if (node.opType === 'Threshold') return this.threshold(node);
    }
    if (node.domain !== '') refuse(node, `op ${node.domain}.${node.opType} has no ONNX form (segwgpu exports default-domain opset-${EXPORT_OPSET} ops, and writes ${SEGWGPU_DOMAIN} ImageToTensor and Threshold in them)`);
    const exact = { exact: node.name };
    const inputs = () => node.inputs.map((_, i) => this.input(node, i));
    switch (node.opType) {
      case 'Constant':
        return; // an initializer (see exportOnnxModel)
      case 'Conv':
      case 'ConvTranspose':
        return this.convolution(node);
      case 'Mul':
        if ((node.inputs[2] ?? '') !== '') refuse(node, "has a third input C, segwgpu's fused Add (src/passes/fuse-mul-add.ts): export the graph before optimizeGraph");
        return this.emit('Mul', inputs(), node.outputs, this.attributes(node), exact);
      case 'GlobalAveragePool':
        if (node.inputs.slice(1).some((v) => v !== '')) refuse(node, "has a second input, segwgpu's fused Add (src/passes/fuse-pooled-add.ts): export the graph before optimizeGraph");
        return this.emit('GlobalAveragePool', [this.input(node, 0)], node.outputs, this.attributes(node), exact);
      case 'AveragePool': {
        const dilations = node.attributes.dilations;
        if (Array.isArray(dilations) && dilations.some((d) => d !== 1)) refuse(node, `attribute dilations=[${dilations.join(', ')}] needs AveragePool-19 (opset 19); segwgpu exports opset ${EXPORT_OPSET}`);
        return this.emit('AveragePool', inputs(), node.outputs, this.attributes(node, ['dilations']), exact);
      }
      case 'Clip':
        return this.clip(node);
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceMin':
      case 'ReduceSum':
        return this.reduce(node);
      case 'Pad':
        return this.pad(node);
      case 'Cast':
        return this.cast(node);
      case 'Dropout':
        // Inference: the identity whatever ratio says (segwgpu refuses training_mode=1); the
        // inputs are dropped, since training_mode is BOOL in ONNX and int32 here.
        return this.emit('Dropout', [this.input(node, 0)], node.outputs.slice(0, 1), this.attributes(node), exact);
      case 'QuantizeLinear':
        return this.quantizeLinear(node);
      case 'DequantizeLinear':
        return this.emit('DequantizeLinear', inputs(), node.outputs, this.attributes(node, ['block_size']), exact);
      case 'QLinearConv':
        return this.qlinearConv(node);
      default:
        if (!AS_IS.has(node.opType)) refuse(node, `segwgpu knows no ONNX opset-${EXPORT_OPSET} form of op ${node.opType}`);
        return this.emit(node.opType, inputs(), node.outputs, this.attributes(node), exact);
    }
  }

  /** Conv / ConvTranspose, with a fused activation as a node after it. */
  private convolution(node: GraphNode): void {
    if (node.opType === 'Conv' && (node.inputs[3] ?? '') !== '') {
      refuse(node, "has a fourth input R, segwgpu's fused residual Add (src/passes/fuse-residual-add.ts): export the graph before optimizeGraph");
    }
    const activation = parseFusedActivation(node);
    const inputs = node.inputs.slice(0, 3).map((_, i) => this.input(node, i));
    const attributes = this.attributes(node, ['activation', 'activation_params']);
    const out = node.outputs[0]!;
    if (activation.kind === 'None') return this.emit(node.opType, inputs, node.outputs, attributes, { exact: node.name });
    const pre = this.freshValue(`${out}/pre_activation`);
    this.emit(node.opType, inputs, [pre], attributes, { exact: node.name });
    this.activation(node, activation, pre, out);
  }

  /** A fused epilogue as its standalone op (the same formula: src/ops/activation-functions.ts). */
  private activation(node: GraphNode, a: Activation, x: string, out: string): void {
    const base = { base: `${node.name}/${a.kind.toLowerCase()}` };
    switch (a.kind) {
      case 'HardSigmoid':
        return this.emit('HardSigmoid', [x], [out], [{ name: 'alpha', type: 'float', value: a.alpha }, { name: 'beta', type: 'float', value: a.beta }], base);
      case 'LeakyRelu':
        return this.emit('LeakyRelu', [x], [out], [{ name: 'alpha', type: 'float', value: a.alpha }], base);
      case 'Clip':
        return this.emit('Clip', [x, ...this.clipBounds(node, a.alpha, a.beta)], [out], [], base);
      case 'Relu':
      case 'Sigmoid':
      case 'HardSwish':
        return this.emit(a.kind, [x], [out], [], base);
      default:
        refuse(node, `fused activation '${a.kind}' has no standalone form here`);
    }
  }

  /** Clip's min and max inputs; a bound at the largest finite f32 is ONNX's default and left out. */
  private clipBounds(node: GraphNode, min: number, max: number): string[] {
    const bound = (v: number, which: string, unbounded: boolean) => (unbounded ? '' : this.addConstant(`${node.name}/${which}`, f32Scalar(v)));
    return [bound(min, 'min', min <= -MAX_F32), bound(max, 'max', max >= MAX_F32)];
  }

  /** Clip: the opset-6 min/max attributes become inputs. */
  private clip(node: GraphNode): void {
    const { min, max } = node.attributes;
    if (min === undefined && max === undefined) return this.emit('Clip', node.inputs.map((_, i) => this.input(node, i)), node.outputs, [], { exact: node.name });
    const bounds = this.clipBounds(node, typeof min === 'number' ? min : -MAX_F32, typeof max === 'number' ? max : MAX_F32);
    this.emit('Clip', [this.input(node, 0), ...bounds], node.outputs, [], { exact: node.name });
  }

  /** ReduceSum takes axes as an input at opset 13+, ReduceMean/Max/Min as an attribute (until 18). */
  private reduce(node: GraphNode): void {
    const exact = { exact: node.name };
    const axesInput = node.inputs[1] ?? '';
    const noop = Number(node.attributes.noop_with_empty_axes ?? 0) === 1;
    if (node.opType === 'ReduceSum') {
      const axesAttribute = node.attributes.axes;
      const axes = axesInput !== '' ? this.input(node, 1) : Array.isArray(axesAttribute) && axesAttribute.length > 0 ? this.addConstant(`${node.name}/axes`, int64Vector(axesAttribute as number[])) : '';
      return this.emit('ReduceSum', [this.input(node, 0), axes], node.outputs, this.attributes(node, ['axes']), exact);
    }
    let axes = node.attributes.axes as number[] | undefined;
    if (axesInput !== '') {
      const value = this.constantValue(axesInput);
      if (!value) refuse(node, `input axes ('${axesInput}') is computed at run time; ${node.opType}-13 (opset ${EXPORT_OPSET}) takes axes as an attribute, so they must be constants`);
      axes = integerValues(value);
    }
    if ((axes ?? []).length === 0 && noop) return this.emit('Identity', [this.input(node, 0)], node.outputs, [], exact);
    const attributes = this.attributes(node, ['axes', 'noop_with_empty_axes']);
    if (axes && axes.length > 0) attributes.push({ name: 'axes', type: 'ints', value: axes });
    this.emit(node.opType, [this.input(node, 0)], node.outputs, attributes, exact);
  }

  /** Pad-13: Pad-18's axes input becomes full-rank pads. */
  private pad(node: GraphNode): void {
    const exact = { exact: node.name };
    const axesInput = node.inputs[3] ?? '';
    const inputs = [this.input(node, 0), this.input(node, 1), this.input(node, 2)];
    if (axesInput !== '') {
      const rank = this.info(node.inputs[0]!).shape.length;
      const pads = this.constantValue(node.inputs[1] ?? '');
      const axesValue = this.constantValue(axesInput);
      if (!pads || !axesValue) refuse(node, `inputs pads and axes must be constants to be written as Pad-13's full-rank pads (opset ${EXPORT_OPSET})`);
      const given = integerValues(pads);
      const axes = integerValues(axesValue).map((a) => (a < 0 ? a + rank : a));
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, k) => {
        full[a] = given[k]!;
        full[rank + a] = given[axes.length + k]!;
      });
      inputs[1] = this.addConstant(`${node.name}/pads`, int64Vector(full));
    }
    this.emit('Pad', inputs, node.outputs, this.attributes(node), exact);
  }

  /** Cast: FLOAT16 as a round trip through half (the IR keeps the rounded value in float32), DOUBLE as FLOAT. */
  private cast(node: GraphNode): void {
    const to = Number(node.attributes.to);
    const x = this.input(node, 0);
    const out = node.outputs[0]!;
    if (to === ElementType.FLOAT16) {
      const half = this.freshValue(`${out}/float16`);
      this.emit('Cast', [x], [half], [{ name: 'to', type: 'int', value: ElementType.FLOAT16 }], { exact: node.name });
      return this.emit('Cast', [half], [out], [{ name: 'to', type: 'int', value: ElementType.FLOAT }], { base: `${node.name}/float32` });
    }
    const type = CAST_OUTPUT_TYPE[to];
    if (type === undefined) refuse(node, `attribute to=${to} is not a type segwgpu casts to`);
    this.emit('Cast', [x], node.outputs, [{ name: 'to', type: 'int', value: type }], { exact: node.name });
  }

  /** QuantizeLinear-13: the output type is the zero point's; `output_dtype` (opset 21) goes. */
  private quantizeLinear(node: GraphNode): void {
    const inputs = node.inputs.map((_, i) => this.input(node, i));
    const type = this.typeOf(node.outputs[0]!);
    if (inputs.length < 3 || inputs[2] === '') {
      // No zero point means UINT8 in ONNX: another type needs an explicit zero point (zeros, of the scale's shape).
      if (type !== ElementType.UINT8) inputs[2] = this.zeros(node, this.info(node.inputs[1]!).shape, type, 'y_zero_point');
    }
    this.emit('QuantizeLinear', inputs, node.outputs, this.attributes(node, ['output_dtype', 'saturate', 'block_size']), { exact: node.name });
  }

  /** QLinearConv: its y_zero_point (required, as in ONNX) has the output's type; `output_dtype` is segwgpu's record of it. */
  private qlinearConv(node: GraphNode): void {
    this.emit('QLinearConv', node.inputs.map((_, i) => this.input(node, i)), node.outputs, this.attributes(node, ['output_dtype']), { exact: node.name });
  }

  private zeros(node: GraphNode, shape: Shape, type: ElementTypeCode, what: string): string {
    return this.addConstant(`${node.name}/${what}`, { dtype: 'int32', shape: [...shape], data: new Int32Array(sizeOf(shape)) }, type);
  }

  /**
   * ImageToTensor: RGB of packed RGBA pixels -> [1, 3, H, W] float, resized (linear, half_pixel:
   * its reference's taps, clamped at the edges) and scaled: x * scale[c] + bias[c].
   */
  private imageToTensor(node: GraphNode): void {
    const input = node.inputs[0] ?? '';
    const declared = this.graph.inputs.find((i) => i.name === input);
    if (!declared) refuse(node, `input '${input}' is not a graph input; segwgpu exports ImageToTensor only on the graph's packed image input`);
    const [height, rowWords] = declared.shape;
    if (typeof height !== 'number' || typeof rowWords !== 'number') refuse(node, `input '${input}' has symbolic shape [${declared.shape.join('x')}]; give inputShapes`);
    const width = Number(node.attributes.width);
    const outHeight = Number(node.attributes.out_height ?? height);
    const outWidth = Number(node.attributes.out_width ?? width);
    const scale = (node.attributes.scale as number[] | undefined) ?? [1, 1, 1];
    const bias = (node.attributes.bias as number[] | undefined) ?? [0, 0, 0];
    const out = node.outputs[0]!;
    const step = (what: string) => this.freshValue(`${out}/${what}`);
    const named = (what: string) => ({ base: `${node.name}/${what}` });
    const axesConst = (what: string, values: number[]) => this.addConstant(`${node.name}/${what}`, int64Vector(values));

    let rgb: string; // float [H, W, 3]
    if (this.options.imageInput === 'rgba-bytes') {
      if (rowWords !== width) refuse(node, `the packed image rows hold ${rowWords} words for ${width} pixels; RGBA bytes (uint8 [H, W, 4]) need unpadded rows: wrap the model with rowWords = imageWidth`);
      const others = (this.consumers.get(input) ?? []).filter((n) => n !== node);
      if (others.length > 0) refuse(node, `input '${input}' is also read by ${describeNode(others[0]!)}; as RGBA bytes it can feed only ImageToTensor`);
      this.inputOverrides.set(input, { name: input, elementType: ElementType.UINT8, shape: [height, width, 4] });
      const bytes = step('rgb_bytes');
      this.emit('Slice', [input, axesConst('rgb_starts', [0]), axesConst('rgb_ends', [3]), axesConst('rgb_axes', [2])], [bytes], [], named('slice_rgb'));
      rgb = step('rgb');
      this.emit('Cast', [bytes], [rgb], [{ name: 'to', type: 'int', value: ElementType.FLOAT }], named('to_float'));
    } else {
      // Each int32 word holds R, G, B, A in its bytes from the lowest: as uint32 (the same bits),
      // byte c is (word >> 8c) mod 256.
      const words = step('words');
      this.emit('Cast', [input], [words], [{ name: 'to', type: 'int', value: ElementType.UINT32 }], named('to_uint32'));
      const column = step('words_column');
      this.emit('Unsqueeze', [words, axesConst('column_axes', [2])], [column], [], named('column'));
      const shifts = this.addConstant(`${node.name}/shifts`, { dtype: 'int32', shape: [3], data: Int32Array.of(0, 8, 16) }, ElementType.UINT32);
      const shifted = step('shifted');
      this.emit('BitShift', [column, shifts], [shifted], [{ name: 'direction', type: 'string', value: 'RIGHT' }], named('shift'));
      const byteMask = this.addConstant(`${node.name}/byte_range`, { dtype: 'int32', shape: [], data: Int32Array.of(256) }, ElementType.UINT32);
      const channels = step('channels');
      this.emit('Mod', [shifted, byteMask], [channels], [], named('low_byte'));
      let pixels = channels;
      if (rowWords !== width) {
        pixels = step('pixels');
        this.emit('Slice', [channels, axesConst('row_starts', [0]), axesConst('row_ends', [width]), axesConst('row_axes', [1])], [pixels], [], named('unpad_rows'));
      }
      rgb = step('rgb');
      this.emit('Cast', [pixels], [rgb], [{ name: 'to', type: 'int', value: ElementType.FLOAT }], named('to_float'));
    }
    const planes = step('planes');
    this.emit('Transpose', [rgb], [planes], [{ name: 'perm', type: 'ints', value: [2, 0, 1] }], named('to_planes'));
    let nchw = step('nchw');
    this.emit('Unsqueeze', [planes, axesConst('batch_axes', [0])], [nchw], [], named('batch'));
    if (outHeight !== height || outWidth !== width) {
      const resized = step('resized');
      const sizes = axesConst('sizes', [1, 3, outHeight, outWidth]);
      this.emit('Resize', [nchw, '', '', sizes], [resized], [{ name: 'mode', type: 'string', value: 'linear' }, { name: 'coordinate_transformation_mode', type: 'string', value: 'half_pixel' }], named('resize'));
      nchw = resized;
    }
    const perChannel = (what: string, v: readonly number[]) => this.addConstant(`${node.name}/${what}`, { dtype: 'float32', shape: [1, 3, 1, 1], data: Float32Array.from(v) });
    const scaled = step('scaled');
    this.emit('Mul', [nchw, perChannel('scale', scale)], [scaled], [], named('scale'));
    this.emit('Add', [scaled, perChannel('bias', bias)], [out], [], { exact: node.name });
  }

  /**
   * Threshold: x > t for [N, 1, ...] -> [N, ...] int64. The reference compares in double
   * precision; for every float32 x, x > t exactly when x > c, c the largest float32 <= t (no
   * float32 lies in (c, t]), so one Greater with c decides as the reference does, NaN included.
   */
  private threshold(node: GraphNode): void {
    const t = Number(node.attributes.threshold ?? 0.5);
    const out = node.outputs[0]!;
    const squeezed = this.freshValue(`${out}/squeezed`);
    this.emit('Squeeze', [this.input(node, 0), this.addConstant(`${node.name}/axes`, int64Vector([1]))], [squeezed], [], { base: `${node.name}/squeeze` });
    const above = this.freshValue(`${out}/above`);
    this.emit('Greater', [squeezed, this.addConstant(`${node.name}/threshold`, f32Scalar(float32AtMost(t)))], [above], [], { base: `${node.name}/compare` });
    this.emit('Cast', [above], [out], [{ name: 'to', type: 'int', value: ElementType.INT64 }], { exact: node.name });
  }
}

/** The largest float32 <= t (NaN for NaN): fround(t), or the float32 below it where fround rounded up. */
export function float32AtMost(t: number): number {
  const c = Math.fround(t);
  if (!(c > t)) return c;
  const bits = new Int32Array(Float32Array.of(c).buffer);
  // One step toward -Infinity: a positive float's bits down by one, a negative one's magnitude up; below +-0 is -2^-149.
  if (c === 0) bits[0] = 0x80000001 | 0;
  else bits[0] = c > 0 ? bits[0]! - 1 : bits[0]! + 1;
  return new Float32Array(bits.buffer)[0]!;
}

/** One IR attribute as an AttributeProto; `float`: the op's schema makes it FLOAT(S) rather than INT(S). */
function typedAttribute(node: GraphNode, name: string, value: AttributeValue, float: boolean): OnnxAttribute {
  const notInteger = (v: unknown) => {
    throw new UnsupportedError(`export: ${describeNode(node)}: attribute ${name}=${String(v)} is not an integer, and ${node.opType}'s ${name} is not a float attribute in ONNX`);
  };
  if (typeof value === 'number') {
    if (float) return { name, type: 'float', value };
    if (!Number.isSafeInteger(value)) notInteger(value);
    return { name, type: 'int', value };
  }
  if (typeof value === 'string') return { name, type: 'string', value };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      if (value.length > 0) return { name, type: 'strings', value: value as string[] };
    } else if (value.every((v) => typeof v === 'number')) {
      const numbers = value as number[];
      if (float) return { name, type: 'floats', value: numbers };
      const bad = numbers.find((v) => !Number.isSafeInteger(v));
      if (bad !== undefined) notInteger(`[${numbers.join(', ')}]`);
      return { name, type: 'ints', value: numbers };
    }
    if (value.length === 0) return { name, type: float ? 'floats' : 'ints', value: [] };
    throw new UnsupportedError(`export: ${describeNode(node)}: attribute ${name} mixes numbers and strings`);
  }
  const t = value as Tensor;
  return { name, type: 'tensor', value: onnxTensor('', t, DTYPE_ELEMENT_TYPE[t.dtype], `${describeNode(node)} attribute ${name}`) };
}

/**
 * Writes the graph as an ONNX model and says what its interface is (element types may differ
 * from the IR's: see ExportedValue). Throws, before writing anything, a SegwgpuError (an
 * UnsupportedError for what has no exact ONNX form) naming the node and why.
 */
export function exportOnnxModel(graph: Graph, options: ExportOnnxOptions = {}): OnnxExport {
  const order = topologicalOrder(graph);
  for (const node of order) {
    if (node.domain !== '' && node.domain !== SEGWGPU_DOMAIN) refuse(node, `op ${node.domain}.${node.opType} has no ONNX form (segwgpu writes only default-domain ops)`);
    if ((node.opType === 'QuantizeLinear' || node.opType === 'QLinearConv') && [4, 5].includes(Number(node.attributes.output_dtype ?? 0))) {
      refuse(node, `its 16-bit output (output_dtype ${Number(node.attributes.output_dtype)}) needs QuantizeLinear-21 (opset 21); segwgpu exports opset ${EXPORT_OPSET}, where quantized tensors are UINT8 or INT8`);
    }
  }
  const inference = inferForExport(graph, options);
  const probe = inference.probes[0]!;
  const constants = new Map<string, Tensor>(graph.initializers);
  for (const node of order) {
    if (node.opType !== 'Constant' || node.domain !== '') continue;
    const value = probe.values.get(node.outputs[0] ?? '')?.value;
    if (value) constants.set(node.outputs[0]!, value);
  }
  const types = assignElementTypes({ nodes: order, dtypeOf: (v) => probe.values.get(v)!.dtype, constants });
  const exporter = new OnnxExporter(graph, inference, constants, types, options);
  exporter.exportNodes(order);

  // Initializers: the constants the written nodes read, in the type the analysis gave them, then the added ones.
  const read = new Set(exporter.nodes.flatMap((n) => n.inputs));
  const initializers: OnnxTensor[] = [];
  for (const [name, t] of constants) {
    if (read.has(name) && !exporter.added.has(name) && !exporter.produced.has(name)) initializers.push(onnxTensor(name, t, exporter.typeOf(name), `constant '${name}'`));
  }
  for (const [name, c] of exporter.added) if (read.has(name)) initializers.push(onnxTensor(name, c.tensor, c.type, `constant '${name}'`));

  const inputs: OnnxValueInfo[] = graph.inputs.map((i) => exporter.inputOverrides.get(i.name) ?? { name: i.name, elementType: types.get(i.name) ?? DTYPE_ELEMENT_TYPE[i.dtype], shape: inference.inputDims.get(i.name) });
  const outputs: OnnxValueInfo[] = graph.outputs.map((o) => ({ name: o, elementType: exporter.typeOf(o), shape: agreedShape(inference.probes, o) }));
  const bytes = encodeOnnxModel({
    irVersion: EXPORT_IR_VERSION,
    opsets: [{ domain: '', version: EXPORT_OPSET }],
    producerName: 'segwgpu',
    graph: { name: options.name ?? graph.name, nodes: exporter.nodes, initializers, inputs, outputs },
  });
  const exported = (v: OnnxValueInfo): ExportedValue => ({ name: v.name, type: EXPORTED_TYPE_NAMES[v.elementType!]!, shape: v.shape });
  return { bytes, inputs: inputs.map(exported), outputs: outputs.map(exported) };
}

/** The graph as .onnx bytes (exportOnnxModel, without the interface description). */
export function exportOnnx(graph: Graph, options: ExportOnnxOptions = {}): Uint8Array {
  return exportOnnxModel(graph, options).bytes;
}

/**
 * A graph made by wrapForSegmentation (src/segment/wrap.ts) as .onnx bytes: its image input,
 * named as in the wrapped graph, takes the photo's RGBA bytes as they are, uint8 [H, W, 4] (the
 * same bytes the packed int32 words hold, so a caller passes pixels without a copy; the graph
 * must be wrapped with rowWords = imageWidth); its outputs are the wrapped graph's (confidence
 * float32, category int64).
 */
export function exportSegmentationOnnx(wrapped: Graph, options: Omit<ExportOnnxOptions, 'imageInput'> = {}): Uint8Array {
  if (!wrapped.nodes.some((n) => n.domain === SEGWGPU_DOMAIN && n.opType === 'ImageToTensor')) {
    throw new SegwgpuError(`export: graph ${wrapped.name} has no ImageToTensor node: it was not made by wrapForSegmentation (export a plain model with exportOnnx)`);
  }
  return exportOnnx(wrapped, { ...options, imageInput: 'rgba-bytes' });
}
