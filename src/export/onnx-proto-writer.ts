/**
 * Writes an ONNX ModelProto (onnx.proto) from a plain description of the model: the other half
 * of src/import/onnx-proto.ts, whose field numbers these mirror (onnx.proto's own names, so the
 * two can be read side by side). Only what the exporter writes is here: tensors as raw_data
 * (little-endian), tensor types with shapes, nodes with typed attributes, one graph.
 */
import { ProtobufWriter } from './protobuf-writer.js';

/** TensorProto.DataType, for the element types the exporter writes. */
export const ElementType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, UINT32: 12 } as const;

export type ElementTypeCode = (typeof ElementType)[keyof typeof ElementType];

/** One initializer, or a TENSOR attribute's value: its element bytes, already little-endian. */
export interface OnnxTensor {
  readonly name: string;
  readonly elementType: ElementTypeCode;
  readonly dims: readonly number[];
  readonly rawData: Uint8Array;
}

/** An attribute with its AttributeProto type (ONNX tells INT from FLOAT by the type, not the value). */
export type OnnxAttribute =
  | { readonly name: string; readonly type: 'float'; readonly value: number }
  | { readonly name: string; readonly type: 'int'; readonly value: number | bigint }
  | { readonly name: string; readonly type: 'string'; readonly value: string }
  | { readonly name: string; readonly type: 'tensor'; readonly value: OnnxTensor }
  | { readonly name: string; readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly name: string; readonly type: 'strings'; readonly value: readonly string[] };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** '' for the default domain. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
}

/** A graph input or output: its element type and shape where known (a dim: a size, a symbolic name, or undefined for unknown). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elementType?: ElementTypeCode;
  readonly shape?: readonly (number | string | undefined)[];
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly graph: {
    readonly name: string;
    readonly nodes: readonly OnnxNode[];
    readonly initializers: readonly OnnxTensor[];
    readonly inputs: readonly OnnxValueInfo[];
    readonly outputs: readonly OnnxValueInfo[];
  };
}

// Field numbers, by the names onnx.proto gives them (as in src/import/onnx-proto.ts).
const MODEL = { ir_version: 1, producer_name: 2, graph: 7, opset_import: 8 } as const;
const OPERATOR_SET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, op_type: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, strings: 9, type: 20 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensor_type: 1 } as const;
const TYPE_TENSOR = { elem_type: 1, shape: 2 } as const;
const TENSOR_SHAPE = { dim: 1 } as const;
const DIMENSION = { dim_value: 1, dim_param: 2 } as const;
const TENSOR = { dims: 1, data_type: 2, name: 8, raw_data: 9 } as const;

/** AttributeProto.AttributeType. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

const utf8 = new TextEncoder();

function writeTensor(w: ProtobufWriter, t: OnnxTensor): void {
  w.packedInts(TENSOR.dims, t.dims);
  w.int(TENSOR.data_type, t.elementType);
  if (t.name) w.string(TENSOR.name, t.name);
  // raw_data is written even when empty: a tensor of no elements still has its data field.
  w.bytes(TENSOR.raw_data, t.rawData);
}

function writeAttribute(w: ProtobufWriter, a: OnnxAttribute): void {
  w.string(ATTRIBUTE.name, a.name);
  w.int(ATTRIBUTE.type, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case 'float':
      w.float(ATTRIBUTE.f, a.value);
      return;
    case 'int':
      w.int(ATTRIBUTE.i, a.value);
      return;
    case 'string':
      w.string(ATTRIBUTE.s, a.value);
      return;
    case 'tensor':
      w.message(ATTRIBUTE.t, (m) => writeTensor(m, a.value));
      return;
    case 'floats':
      w.packedFloats(ATTRIBUTE.floats, a.value);
      return;
    case 'ints':
      w.packedInts(ATTRIBUTE.ints, a.value);
      return;
    case 'strings':
      for (const s of a.value) w.bytes(ATTRIBUTE.strings, utf8.encode(s));
      return;
  }
}

function writeNode(w: ProtobufWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  if (n.name) w.string(NODE.name, n.name);
  w.string(NODE.op_type, n.opType);
  if (n.domain) w.string(NODE.domain, n.domain);
  for (const a of n.attributes) w.message(NODE.attribute, (m) => writeAttribute(m, a));
}

function writeValueInfo(w: ProtobufWriter, v: OnnxValueInfo): void {
  w.string(VALUE_INFO.name, v.name);
  if (v.elementType === undefined) return;
  const { elementType, shape } = v;
  w.message(VALUE_INFO.type, (type) =>
    type.message(TYPE.tensor_type, (tensor) => {
      tensor.int(TYPE_TENSOR.elem_type, elementType);
      if (!shape) return;
      tensor.message(TYPE_TENSOR.shape, (s) => {
        for (const d of shape) {
          s.message(TENSOR_SHAPE.dim, (dim) => {
            if (typeof d === 'number') dim.int(DIMENSION.dim_value, d);
            else if (typeof d === 'string') dim.string(DIMENSION.dim_param, d);
          });
        }
      });
    }),
  );
}

/** The model's .onnx bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtobufWriter();
  w.int(MODEL.ir_version, model.irVersion);
  w.string(MODEL.producer_name, model.producerName);
  for (const o of model.opsets) {
    w.message(MODEL.opset_import, (m) => {
      if (o.domain) m.string(OPERATOR_SET_ID.domain, o.domain);
      m.int(OPERATOR_SET_ID.version, o.version);
    });
  }
  const g = model.graph;
  w.message(MODEL.graph, (m) => {
    for (const n of g.nodes) m.message(GRAPH.node, (x) => writeNode(x, n));
    m.string(GRAPH.name, g.name);
    for (const t of g.initializers) m.message(GRAPH.initializer, (x) => writeTensor(x, t));
    for (const v of g.inputs) m.message(GRAPH.input, (x) => writeValueInfo(x, v));
    for (const v of g.outputs) m.message(GRAPH.output, (x) => writeValueInfo(x, v));
  });
  return w.finish();
}
