/**
 * ONNX TensorProto -> segwgpu Tensor, and the int64 plumbing the importer needs.
 *
 * int64 stays exact: the decoder (src/import/onnx-proto.ts) gives 64-bit fields as bigint, which
 * become BigInt64Array elements for int64 tensors and checked numbers for attributes and dims.
 * Element types map as follows:
 *   FLOAT -> float32; FLOAT16, BFLOAT16, DOUBLE -> float32 (converted);
 *   INT64 -> int64; INT32 -> int32; INT8, UINT8, INT16, UINT16, BOOL -> int32 (widened);
 *   anything else (STRING, UINT32, UINT64, COMPLEX*, float8...) -> an error naming the tensor.
 * Data comes from raw_data (little-endian bytes) or from the typed fields (float_data,
 * double_data, int32_data, int64_data). Tensors never share memory with the model bytes: FLOAT,
 * INT32 and INT64 raw_data is copied once into memory of the tensor's own (aligned, and safe from
 * the caller reusing or transferring the model's buffer); converted types are read straight
 * from the model bytes into the result. External data is refused.
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { float16ToNumber } from '../core/float16.js';
import { DataLocation, type TensorProto } from './onnx-proto.js';

/** A decoded int64 field as a number, or undefined when it is beyond 2^53 (not exactly representable). */
export function int64ToSafeNumber(v: bigint): number | undefined {
  // Every bigint within +-(2^53 - 1) converts exactly; every other one converts to an unsafe number.
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
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

const bfloat16Bits = new Uint32Array(1);
const bfloat16Value = new Float32Array(bfloat16Bits.buffer);

/** bfloat16 bits -> number (the top half of a float32). */
function bfloat16ToNumber(h: number): number {
  bfloat16Bits[0] = (h & 0xffff) << 16;
  return bfloat16Value[0];
}

/** How each supported element type is stored: bytes per element in raw_data, the result dtype, and readers. */
interface ElementFormat {
  readonly bytes: number;
  readonly dtype: Tensor['dtype'];
  /** Element i of little-endian raw_data. */
  readonly fromRaw: (view: DataView, i: number) => number | bigint;
  /** The typed array raw_data's bytes already are (on little-endian machines), so one copy makes the tensor. */
  readonly sameLayout?: Float32ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor;
  /** Typed field holding the values when raw_data is empty, and how one of its values converts. */
  readonly field: 'floatData' | 'doubleData' | 'int32Data' | 'int64Data';
  readonly fromField?: (v: number) => number;
}

const FORMATS: Readonly<Record<number, ElementFormat>> = {
  1: { bytes: 4, dtype: 'float32', fromRaw: (d, i) => d.getFloat32(4 * i, true), sameLayout: Float32Array, field: 'floatData' },
  11: { bytes: 8, dtype: 'float32', fromRaw: (d, i) => d.getFloat64(8 * i, true), field: 'doubleData' },
  10: { bytes: 2, dtype: 'float32', fromRaw: (d, i) => float16ToNumber(d.getUint16(2 * i, true)), field: 'int32Data', fromField: float16ToNumber },
  16: { bytes: 2, dtype: 'float32', fromRaw: (d, i) => bfloat16ToNumber(d.getUint16(2 * i, true)), field: 'int32Data', fromField: bfloat16ToNumber },
  7: { bytes: 8, dtype: 'int64', fromRaw: (d, i) => d.getBigInt64(8 * i, true), sameLayout: BigInt64Array, field: 'int64Data' },
  6: { bytes: 4, dtype: 'int32', fromRaw: (d, i) => d.getInt32(4 * i, true), sameLayout: Int32Array, field: 'int32Data' },
  3: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => d.getInt8(i), field: 'int32Data' },
  2: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => d.getUint8(i), field: 'int32Data' },
  9: { bytes: 1, dtype: 'int32', fromRaw: (d, i) => (d.getUint8(i) ? 1 : 0), field: 'int32Data', fromField: (v) => (v ? 1 : 0) },
  5: { bytes: 2, dtype: 'int32', fromRaw: (d, i) => d.getInt16(2 * i, true), field: 'int32Data' },
  4: { bytes: 2, dtype: 'int32', fromRaw: (d, i) => d.getUint16(2 * i, true), field: 'int32Data' },
};

export const SUPPORTED_TENSOR_TYPES = 'FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT64, INT32, INT16, UINT16, INT8, UINT8, BOOL';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Dims of a tensor or shape as numbers; `what` names it in errors. */
export function dimsOf(dims: readonly bigint[], what: string): number[] {
  return dims.map((d, i) => {
    const n = int64ToSafeNumber(d);
    if (n === undefined || n < 0) throw new SegwgpuError(`${what}: dimension ${i} is ${d}, not a valid size`);
    return n;
  });
}

/**
 * Converts one TensorProto (an initializer, or a TENSOR attribute) to a Tensor.
 * `what` names it in errors, e.g. "initializer 'conv1.weight'".
 */
export function tensorFromProto(t: TensorProto, what: string): Tensor {
  if (t.dataLocation === DataLocation.EXTERNAL) {
    const location = t.externalData.find((e) => e.key === 'location')?.value;
    throw new SegwgpuError(
      `${what} uses external data (file ${location ? `'${location}'` : 'unknown'}); segwgpu needs a self-contained .onnx: re-save it with all tensors embedded ` +
        `(e.g. onnx.save(onnx.load(path), out_path, save_as_external_data=False))`,
    );
  }
  if (t.segment) throw new SegwgpuError(`${what} is a segmented tensor, which segwgpu does not support`);
  const format = FORMATS[t.dataType];
  if (!format) throw new SegwgpuError(`${what} has element type ${dataTypeName(t.dataType)}, which segwgpu does not support (supported: ${SUPPORTED_TENSOR_TYPES})`);
  const shape = dimsOf(t.dims, what);
  const n = sizeOf(shape);
  const raw = t.rawData;
  if (raw.length > 0) {
    if (raw.length !== n * format.bytes) {
      throw new SegwgpuError(`${what}: raw_data holds ${raw.length} bytes, but shape [${shape.join('x')}] of ${dataTypeName(t.dataType)} needs ${n * format.bytes}`);
    }
    if (LITTLE_ENDIAN && format.sameLayout) {
      // A copy (the Uint8Array constructor always copies; a Node Buffer's slice() would not).
      return { dtype: format.dtype, shape, data: new format.sameLayout(new Uint8Array(raw).buffer, 0, n) } as Tensor;
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return { dtype: format.dtype, shape, data: filled(format.dtype, n, (i) => format.fromRaw(view, i)) } as Tensor;
  }
  const field = t[format.field];
  if (field.length !== n) {
    throw new SegwgpuError(`${what}: ${fieldName(format.field)} holds ${field.length} values, but shape [${shape.join('x')}] needs ${n}`);
  }
  const convert = format.fromField;
  const data = convert ? filled(format.dtype, n, (i) => convert(field[i] as number)) : filled(format.dtype, n, (i) => field[i]);
  return { dtype: format.dtype, shape, data } as Tensor;
}

/** A new array of `dtype` with element i = at(i). */
function filled(dtype: Tensor['dtype'], n: number, at: (i: number) => number | bigint): Tensor['data'] {
  if (dtype === 'int64') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = at(i) as bigint;
    return out;
  }
  const out = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = at(i) as number;
  return out;
}

function fieldName(field: ElementFormat['field']): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
