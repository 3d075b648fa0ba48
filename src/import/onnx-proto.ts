/**
 * The ONNX protobuf messages segwgpu reads, and their decoder (on src/import/protobuf.ts).
 *
 * Field numbers are onnx/onnx.proto's (IR version 8 / opset-17 era; later versions only add
 * fields, which are skipped like any field not listed here: doc strings, metadata, training
 * info, functions, type protos of sequences/maps...). Interfaces use camelCase names for the
 * proto's snake_case fields; errors name fields as the proto spells them.
 *
 * - int64 fields (dims, int64_data, attribute i/ints, opset versions, ir_version) are bigint, exact.
 * - bytes fields (raw_data, attribute s/strings) are views into the model bytes, not copies;
 *   string fields are decoded as UTF-8.
 * - Absent scalars read as protobuf's defaults (0, 0n, '', empty); absent messages are
 *   undefined, and so are the oneof members of Dimension (dim_value / dim_param), whose presence
 *   matters.
 * - A repeated message field appends; a singular message field given twice keeps the last one
 *   (protobuf would merge the two; ONNX writers never repeat them).
 */
import { ProtobufReader, type MessageSchema } from './protobuf.js';

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

const ATTRIBUTE_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(AttributeType).map(([name, code]) => [code, name]));

/** An attribute type's name ('INTS'), or its number when the schema has no such type. */
export function attributeTypeName(type: number): string {
  return ATTRIBUTE_TYPE_NAMES[type] ?? String(type);
}

/** TensorProto.DataLocation. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface ModelProto {
  irVersion: bigint;
  opsetImport: readonly OperatorSetIdProto[];
  graph?: GraphProto;
}

export interface OperatorSetIdProto {
  /** '' (or 'ai.onnx') for the default domain. */
  domain: string;
  version: bigint;
}

export interface GraphProto {
  node: readonly NodeProto[];
  name: string;
  initializer: readonly TensorProto[];
  sparseInitializer: readonly SparseTensorProto[];
  input: readonly ValueInfoProto[];
  output: readonly ValueInfoProto[];
}

export interface NodeProto {
  input: readonly string[];
  output: readonly string[];
  name: string;
  opType: string;
  domain: string;
  attribute: readonly AttributeProto[];
}

export interface AttributeProto {
  name: string;
  /** An AttributeType; which of the value fields below holds the value. */
  type: number;
  f: number;
  i: bigint;
  /** UTF-8 bytes (a view into the model). */
  s: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  floats: readonly number[];
  ints: readonly bigint[];
  strings: readonly Uint8Array[];
  tensors: readonly TensorProto[];
  graphs: readonly GraphProto[];
  sparseTensors: readonly SparseTensorProto[];
}

export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
}

/** Only tensor types are read; a sequence, map, optional or sparse tensor type leaves tensorType undefined. */
export interface TypeProto {
  tensorType?: TypeProtoTensor;
}

export interface TypeProtoTensor {
  /** A TensorProto.DataType. */
  elemType: number;
  /** Undefined when not even the rank is known. */
  shape?: TensorShapeProto;
}

export interface TensorShapeProto {
  dim: readonly TensorShapeDimension[];
}

/** A oneof: a known size, a symbolic name, or neither (unknown). */
export interface TensorShapeDimension {
  dimValue?: bigint;
  dimParam?: string;
}

export interface TensorProto {
  dims: readonly bigint[];
  /** A TensorProto.DataType (src/import/onnx-tensor.ts names them). */
  dataType: number;
  segment?: TensorSegment;
  floatData: readonly number[];
  /** INT32, and also INT8/UINT8/INT16/UINT16/BOOL/FLOAT16/BFLOAT16 values, one per element. */
  int32Data: readonly number[];
  int64Data: readonly bigint[];
  doubleData: readonly number[];
  name: string;
  /** Little-endian element bytes: a view into the model, at any alignment. */
  rawData: Uint8Array;
  externalData: readonly StringStringEntryProto[];
  /** A DataLocation. */
  dataLocation: number;
}

export interface TensorSegment {
  begin: bigint;
  end: bigint;
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims: readonly bigint[];
}

export interface StringStringEntryProto {
  key: string;
  value: string;
}

// Field numbers, by the names onnx.proto gives them.
const MODEL = { name: 'ModelProto', fields: { ir_version: 1, opset_import: 8, graph: 7 } } as const satisfies MessageSchema;
const OPERATOR_SET_ID = { name: 'OperatorSetIdProto', fields: { domain: 1, version: 2 } } as const satisfies MessageSchema;
const GRAPH = { name: 'GraphProto', fields: { node: 1, name: 2, initializer: 5, sparse_initializer: 15, input: 11, output: 12 } } as const satisfies MessageSchema;
const NODE = { name: 'NodeProto', fields: { input: 1, output: 2, name: 3, op_type: 4, domain: 7, attribute: 5 } } as const satisfies MessageSchema;
const ATTRIBUTE = {
  name: 'AttributeProto',
  fields: { name: 1, type: 20, f: 2, i: 3, s: 4, t: 5, g: 6, sparse_tensor: 22, floats: 7, ints: 8, strings: 9, tensors: 10, graphs: 11, sparse_tensors: 23 },
} as const satisfies MessageSchema;
const VALUE_INFO = { name: 'ValueInfoProto', fields: { name: 1, type: 2 } } as const satisfies MessageSchema;
const TYPE = { name: 'TypeProto', fields: { tensor_type: 1 } } as const satisfies MessageSchema;
const TYPE_TENSOR = { name: 'TypeProto.Tensor', fields: { elem_type: 1, shape: 2 } } as const satisfies MessageSchema;
const TENSOR_SHAPE = { name: 'TensorShapeProto', fields: { dim: 1 } } as const satisfies MessageSchema;
const DIMENSION = { name: 'TensorShapeProto.Dimension', fields: { dim_value: 1, dim_param: 2 } } as const satisfies MessageSchema;
const TENSOR = {
  name: 'TensorProto',
  fields: {
    dims: 1, data_type: 2, segment: 3, float_data: 4, int32_data: 5, int64_data: 7, name: 8, raw_data: 9, double_data: 10,
    external_data: 13, data_location: 14,
  },
} as const satisfies MessageSchema;
const SEGMENT = { name: 'TensorProto.Segment', fields: { begin: 1, end: 2 } } as const satisfies MessageSchema;
const SPARSE_TENSOR = { name: 'SparseTensorProto', fields: { values: 1, indices: 2, dims: 3 } } as const satisfies MessageSchema;
const STRING_STRING_ENTRY = { name: 'StringStringEntryProto', fields: { key: 1, value: 2 } } as const satisfies MessageSchema;

const EMPTY_BYTES = new Uint8Array(0);

/**
 * Every list field starts as this one frozen empty list and gets an array of its own at its first
 * value: most lists stay empty (an attribute fills one of its six), and a model has many messages.
 */
const NONE: readonly never[] = Object.freeze([]);

function own<T>(list: readonly T[]): T[] {
  return list === NONE ? [] : (list as T[]);
}

/**
 * Decodes a serialized ModelProto (a .onnx file). Throws ProtobufError on truncated or malformed
 * bytes, naming the byte offset and the message.field path where decoding stopped.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  return decodeModel(new ProtobufReader(bytes));
}

function decodeModel(r: ProtobufReader): ModelProto {
  const m: ModelProto = { irVersion: 0n, opsetImport: NONE };
  const f = MODEL.fields;
  r.fields(MODEL, (field, wire) => {
    switch (field) {
      case f.ir_version: m.irVersion = r.int64(wire); return true;
      case f.opset_import: (m.opsetImport = own(m.opsetImport)).push(r.message(wire, decodeOperatorSetId)); return true;
      case f.graph: m.graph = r.message(wire, decodeGraph); return true;
      default: return false;
    }
  });
  return m;
}

function decodeOperatorSetId(r: ProtobufReader): OperatorSetIdProto {
  const m: OperatorSetIdProto = { domain: '', version: 0n };
  const f = OPERATOR_SET_ID.fields;
  r.fields(OPERATOR_SET_ID, (field, wire) => {
    switch (field) {
      case f.domain: m.domain = r.string(wire); return true;
      case f.version: m.version = r.int64(wire); return true;
      default: return false;
    }
  });
  return m;
}

function decodeGraph(r: ProtobufReader): GraphProto {
  const g: GraphProto = { node: NONE, name: '', initializer: NONE, sparseInitializer: NONE, input: NONE, output: NONE };
  const f = GRAPH.fields;
  r.fields(GRAPH, (field, wire) => {
    switch (field) {
      case f.node: (g.node = own(g.node)).push(r.message(wire, decodeNode)); return true;
      case f.name: g.name = r.string(wire); return true;
      case f.initializer: (g.initializer = own(g.initializer)).push(r.message(wire, decodeTensor)); return true;
      case f.sparse_initializer: (g.sparseInitializer = own(g.sparseInitializer)).push(r.message(wire, decodeSparseTensor)); return true;
      case f.input: (g.input = own(g.input)).push(r.message(wire, decodeValueInfo)); return true;
      case f.output: (g.output = own(g.output)).push(r.message(wire, decodeValueInfo)); return true;
      default: return false;
    }
  });
  return g;
}

function decodeNode(r: ProtobufReader): NodeProto {
  const n: NodeProto = { input: NONE, output: NONE, name: '', opType: '', domain: '', attribute: NONE };
  const f = NODE.fields;
  r.fields(NODE, (field, wire) => {
    switch (field) {
      case f.input: (n.input = own(n.input)).push(r.string(wire)); return true;
      case f.output: (n.output = own(n.output)).push(r.string(wire)); return true;
      case f.name: n.name = r.string(wire); return true;
      case f.op_type: n.opType = r.string(wire); return true;
      case f.domain: n.domain = r.string(wire); return true;
      case f.attribute: (n.attribute = own(n.attribute)).push(r.message(wire, decodeAttribute)); return true;
      default: return false;
    }
  });
  return n;
}

function decodeAttribute(r: ProtobufReader): AttributeProto {
  const a: AttributeProto = {
    name: '', type: 0, f: 0, i: 0n, s: EMPTY_BYTES, floats: NONE, ints: NONE, strings: NONE, tensors: NONE, graphs: NONE, sparseTensors: NONE,
  };
  const f = ATTRIBUTE.fields;
  r.fields(ATTRIBUTE, (field, wire) => {
    switch (field) {
      case f.name: a.name = r.string(wire); return true;
      case f.type: a.type = r.int32(wire); return true;
      case f.f: a.f = r.float(wire); return true;
      case f.i: a.i = r.int64(wire); return true;
      case f.s: a.s = r.bytesField(wire); return true;
      case f.t: a.t = r.message(wire, decodeTensor); return true;
      case f.g: a.g = r.message(wire, decodeGraph); return true;
      case f.sparse_tensor: a.sparseTensor = r.message(wire, decodeSparseTensor); return true;
      case f.floats: r.repeatedFloat(wire, (a.floats = own(a.floats))); return true;
      case f.ints: r.repeatedInt64(wire, (a.ints = own(a.ints))); return true;
      case f.strings: (a.strings = own(a.strings)).push(r.bytesField(wire)); return true;
      case f.tensors: (a.tensors = own(a.tensors)).push(r.message(wire, decodeTensor)); return true;
      case f.graphs: (a.graphs = own(a.graphs)).push(r.message(wire, decodeGraph)); return true;
      case f.sparse_tensors: (a.sparseTensors = own(a.sparseTensors)).push(r.message(wire, decodeSparseTensor)); return true;
      default: return false;
    }
  });
  return a;
}

function decodeValueInfo(r: ProtobufReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  const f = VALUE_INFO.fields;
  r.fields(VALUE_INFO, (field, wire) => {
    switch (field) {
      case f.name: v.name = r.string(wire); return true;
      case f.type: v.type = r.message(wire, decodeType); return true;
      default: return false;
    }
  });
  return v;
}

function decodeType(r: ProtobufReader): TypeProto {
  const t: TypeProto = {};
  r.fields(TYPE, (field, wire) => {
    if (field !== TYPE.fields.tensor_type) return false;
    t.tensorType = r.message(wire, decodeTypeTensor);
    return true;
  });
  return t;
}

function decodeTypeTensor(r: ProtobufReader): TypeProtoTensor {
  const t: TypeProtoTensor = { elemType: 0 };
  const f = TYPE_TENSOR.fields;
  r.fields(TYPE_TENSOR, (field, wire) => {
    switch (field) {
      case f.elem_type: t.elemType = r.int32(wire); return true;
      case f.shape: t.shape = r.message(wire, decodeTensorShape); return true;
      default: return false;
    }
  });
  return t;
}

function decodeTensorShape(r: ProtobufReader): TensorShapeProto {
  const s: TensorShapeProto = { dim: NONE };
  r.fields(TENSOR_SHAPE, (field, wire) => {
    if (field !== TENSOR_SHAPE.fields.dim) return false;
    (s.dim = own(s.dim)).push(r.message(wire, decodeDimension));
    return true;
  });
  return s;
}

function decodeDimension(r: ProtobufReader): TensorShapeDimension {
  const d: TensorShapeDimension = {};
  const f = DIMENSION.fields;
  r.fields(DIMENSION, (field, wire) => {
    // A oneof: the member given last wins.
    switch (field) {
      case f.dim_value: d.dimValue = r.int64(wire); d.dimParam = undefined; return true;
      case f.dim_param: d.dimParam = r.string(wire); d.dimValue = undefined; return true;
      default: return false;
    }
  });
  return d;
}

function decodeTensor(r: ProtobufReader): TensorProto {
  const t: TensorProto = {
    dims: NONE, dataType: 0, floatData: NONE, int32Data: NONE, int64Data: NONE, doubleData: NONE, name: '', rawData: EMPTY_BYTES,
    externalData: NONE, dataLocation: DataLocation.DEFAULT,
  };
  const f = TENSOR.fields;
  r.fields(TENSOR, (field, wire) => {
    switch (field) {
      case f.dims: r.repeatedInt64(wire, (t.dims = own(t.dims))); return true;
      case f.data_type: t.dataType = r.int32(wire); return true;
      case f.segment: t.segment = r.message(wire, decodeSegment); return true;
      case f.float_data: r.repeatedFloat(wire, (t.floatData = own(t.floatData))); return true;
      case f.int32_data: r.repeatedInt32(wire, (t.int32Data = own(t.int32Data))); return true;
      case f.int64_data: r.repeatedInt64(wire, (t.int64Data = own(t.int64Data))); return true;
      case f.name: t.name = r.string(wire); return true;
      case f.raw_data: t.rawData = r.bytesField(wire); return true;
      case f.double_data: r.repeatedDouble(wire, (t.doubleData = own(t.doubleData))); return true;
      case f.external_data: (t.externalData = own(t.externalData)).push(r.message(wire, decodeStringStringEntry)); return true;
      case f.data_location: t.dataLocation = r.int32(wire); return true;
      default: return false;
    }
  });
  return t;
}

function decodeSegment(r: ProtobufReader): TensorSegment {
  const s: TensorSegment = { begin: 0n, end: 0n };
  const f = SEGMENT.fields;
  r.fields(SEGMENT, (field, wire) => {
    switch (field) {
      case f.begin: s.begin = r.int64(wire); return true;
      case f.end: s.end = r.int64(wire); return true;
      default: return false;
    }
  });
  return s;
}

function decodeSparseTensor(r: ProtobufReader): SparseTensorProto {
  const s: SparseTensorProto = { dims: NONE };
  const f = SPARSE_TENSOR.fields;
  r.fields(SPARSE_TENSOR, (field, wire) => {
    switch (field) {
      case f.values: s.values = r.message(wire, decodeTensor); return true;
      case f.indices: s.indices = r.message(wire, decodeTensor); return true;
      case f.dims: r.repeatedInt64(wire, (s.dims = own(s.dims))); return true;
      default: return false;
    }
  });
  return s;
}

function decodeStringStringEntry(r: ProtobufReader): StringStringEntryProto {
  const e: StringStringEntryProto = { key: '', value: '' };
  const f = STRING_STRING_ENTRY.fields;
  r.fields(STRING_STRING_ENTRY, (field, wire) => {
    switch (field) {
      case f.key: e.key = r.string(wire); return true;
      case f.value: e.value = r.string(wire); return true;
      default: return false;
    }
  });
  return e;
}
