/**
 * ONNX TensorProto -> segwgpu Tensor, and the int64 plumbing the importer needs.
 *
 * int64 stays exact: protobufjs is configured (configureInt64) to decode 64-bit fields as `Long`
 * objects, which become BigInt64Array elements for int64 tensors and checked numbers for
 * attributes and dims. Element types map as follows:
 *   FLOAT -> float32; FLOAT16, BFLOAT16, DOUBLE -> float32 (converted);
 *   INT64 -> int64; INT32 -> int32; INT8, UINT8, INT16, UINT16, BOOL -> int32 (widened);
 *   anything else (STRING, UINT32, UINT64, COMPLEX*, float8...) -> an error naming the tensor.
 * Data comes from raw_data (little-endian bytes, copied into aligned memory) or from the typed
 * fields (float_data, double_data, int32_data, int64_data). External data is refused.
 */
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { SegwgpuError } from '../errors.js';
import { sizeOf, type Tensor } from '../tensor.js';

const { onnx } = onnxProto;
export { onnx };
export type { OnnxTypes };

let int64Configured = false;

/**
 * Makes protobufjs decode int64 fields as Long (exact) rather than as lossy JS numbers. In Node,
 * protobufjs finds its own copy of `long` by a dynamic require; browser bundles cannot, so we hand
 * it the one we import. Must run before decoding, and onnx-proto must share this protobufjs
 * instance (checked after decoding by isExactInt64).
 */
export function configureInt64(): void {
  if (int64Configured) return;
  protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
  protobuf.configure();
  int64Configured = true;
}

/** True when a decoded int64 field arrived as a Long (not as a possibly rounded number). */
export function isExactInt64(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'high' in v && 'low' in v;
}

/** A decoded int64 field (Long, or a plain number for small values written by other encoders) as bigint. */
export function int64ToBigInt(v: number | Long | { low: number; high: number } | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** A decoded int64 field as a number, or undefined when it is beyond 2^53 (not exactly representable). */
export function int64ToSafeNumber(v: number | Long | { low: number; high: number } | null | undefined): number | undefined {
  const big = int64ToBigInt(v);
  const n = Number(big);
  return Number.isSafeInteger(n) && BigInt(n) === big ? n : undefined;
}

export const DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64',
  8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64',
  15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1',
};

export function dataTypeName(code: number | null | undefined): string {
  return `${DATA_TYPE_NAMES[code ?? 0] ?? 'unknown'} (${code ?? 0})`;
}

/** IEEE 754 half precision bits -> number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits -> number (the top half of a float32). */
function bfloat16ToNumber(h: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (h & 0xffff) << 16);
  return view.getFloat32(0);
}

/** How each supported element type is stored: bytes per element in raw_data, the result dtype, and readers. */
interface ElementFormat {
  readonly bytes: number;
  readonly dtype: Tensor['dtype'];
  readonly fromRaw: (view: DataView, i: number) => number | bigint;
  /** Typed field holding the values when raw_data is empty. */
  readonly field: 'floatData' | 'doubleData' | 'int32Data' | 'int64Data';
  readonly fromField: (v: number | Long) => number | bigint;
}

const asNumber = (v: number | Long) => v as number;
const FORMATS: Readonly<Record<number, ElementFormat>> = {
  1: { bytes: 4, dtype: 'float32', fromRaw: (d, i) => d.getFloat32(4 * i, true), field: 'floatData', fromField: asNumber },
  11: { bytes: 8, dtype: 'float32', fromRaw: (d, i) => d.getFloat64(8 * i, true), field: 'doubleData', fromField: asNumber },
  10: { bytes: 2, dtype: 'float32', fromRaw: (d, i) => float16ToNumber(d.getUint16(2 * i, true)), field: 'int32Data', fromField: (v) => float16ToNumber(v as number) },
  16: { bytes: 2, dtype: 'float32', fromRaw: (d, i) => bfloat16ToNumber(d.getUint16(2 * i, true)), field: 'int32Data', fromField: (v) => bfloat16ToNumber(v as number) },
  7: { bytes: 8, dtype: 'int64', fromRaw: (d, i) => d.getBigInt64(8 * i, true), field: 'int64Data', fromField: (v) => int64ToBigInt(v) },
  6: { bytes: 4, dtype: 'int32', fromRaw: (d, i) => d.getInt32(4 * i, true), field: 'int32Data', fromField: asNumber },
  3: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => d.getInt8(i), field: 'int32Data', fromField: asNumber },
  2: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => d.getUint8(i), field: 'int32Data', fromField: asNumber },
  9: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => (d.getUint8(i) ? 1 : 0), field: 'int32Data', fromField: (v) => ((v as number) ? 1 : 0) },
  5: { bytes: 2, dtype: 'int32', fromRaw: (d, i) => d.getInt16(2 * i, true), field: 'int32Data', fromField: asNumber },
  4: { bytes: 2, dtype: 'int32', fromRaw: (d, i) => d.getUint16(2 * i, true), field: 'int32Data', fromField: asNumber },
};

export const SUPPORTED_TENSOR_TYPES = 'FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT64, INT32, INT16, UINT16, INT8, UINT8, BOOL';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Dims of a tensor or shape as numbers; `what` names it in errors. */
export function dimsOf(dims: readonly (number | Long)[] | null | undefined, what: string): number[] {
  return (dims ?? []).map((d, i) => {
    const n = int64ToSafeNumber(d);
    if (n === undefined || n < 0) throw new SegwgpuError(`${what}: dimension ${i} is ${int64ToBigInt(d)}, not a valid size`);
    return n;
  });
}

/**
 * Converts one TensorProto (an initializer, or a TENSOR attribute) to a Tensor.
 * `what` names it in errors, e.g. "initializer 'conv1.weight'".
 */
export function tensorFromProto(t: OnnxTypes.ITensorProto, what: string): Tensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new SegwgpuError(
      `${what} uses external data (file ${location ? `'${location}'` : 'unknown'}); segwgpu needs a self-contained .onnx: re-save it with all tensors embedded ` +
        `(e.g. onnx.save(onnx.load(path), out_path, save_as_external_data=False))`,
    );
  }
  if (t.segment) throw new SegwgpuError(`${what} is a segmented tensor, which segwgpu does not support`);
  const format = FORMATS[t.dataType ?? 0];
  if (!format) throw new SegwgpuError(`${what} has element type ${dataTypeName(t.dataType)}, which segwgpu does not support (supported: ${SUPPORTED_TENSOR_TYPES})`);
  const shape = dimsOf(t.dims, what);
  const n = sizeOf(shape);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  let values: ArrayLike<number | bigint>;
  if (raw) {
    if (raw.length !== n * format.bytes) {
      throw new SegwgpuError(`${what}: raw_data holds ${raw.length} bytes, but shape [${shape.join('x')}] of ${dataTypeName(t.dataType)} needs ${n * format.bytes}`);
    }
    // A copy: the decoded bytes are a view into the model file at any alignment.
    const bytes = new Uint8Array(raw);
    if (LITTLE_ENDIAN && t.dataType === 1) return { dtype: 'float32', shape, data: new Float32Array(bytes.buffer, 0, n) };
    if (LITTLE_ENDIAN && t.dataType === 7) return { dtype: 'int64', shape, data: new BigInt64Array(bytes.buffer, 0, n) };
    if (LITTLE_ENDIAN && t.dataType === 6) return { dtype: 'int32', shape, data: new Int32Array(bytes.buffer, 0, n) };
    const view = new DataView(bytes.buffer);
    const out: (number | bigint)[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = format.fromRaw(view, i);
    values = out;
  } else {
    const field = (t[format.field] ?? []) as (number | Long)[];
    if (field.length !== n) {
      throw new SegwgpuError(`${what}: ${fieldName(format.field)} holds ${field.length} values, but shape [${shape.join('x')}] needs ${n}`);
    }
    values = field.map(format.fromField);
  }
  if (format.dtype === 'float32') return { dtype: 'float32', shape, data: Float32Array.from(values as ArrayLike<number>) };
  if (format.dtype === 'int32') return { dtype: 'int32', shape, data: Int32Array.from(values as ArrayLike<number>) };
  return { dtype: 'int64', shape, data: BigInt64Array.from(values as ArrayLike<bigint>) };
}

function fieldName(field: ElementFormat['field']): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
