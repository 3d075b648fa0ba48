/**
 * NumPy .npy files <-> Tensors, in memory (no Node APIs: the browser bundle uses this too; file
 * helpers live in src/node/npy-file.ts).
 *
 * Reading: format versions 1.0, 2.0 and 3.0 (3.0 only differs by a UTF-8 header), C order only
 * (Fortran order is refused for rank >= 2; for rank <= 1 the two orders are the same bytes).
 * dtypes:
 *   '<f4' -> float32;  '<f8' -> float32 (converted, like the rest of segwgpu);
 *   '<i8' -> int64 (BigInt64Array, exact);  '<i4' -> int32;
 *   '|u1', '|i1', '<u2', '<i2', '|b1' -> int32 (widened; label maps stay integers).
 *   Big-endian ('>f4'...) and other dtypes are refused, naming the dtype.
 * Writing: float32 as '<f4', int32 as '<i4', int64 as '<i8'; version 1.0 headers (2.0 when the
 * header would not fit 64 KiB), padded with spaces so the data starts at a multiple of 64 bytes.
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Reader {
  readonly bytes: number;
  readonly dtype: Tensor['dtype'];
  readonly read: (view: DataView, i: number) => number | bigint;
}

const READERS: Readonly<Record<string, Reader>> = {
  '<f4': { bytes: 4, dtype: 'float32', read: (v, i) => v.getFloat32(4 * i, true) },
  '<f8': { bytes: 8, dtype: 'float32', read: (v, i) => v.getFloat64(8 * i, true) },
  '<i8': { bytes: 8, dtype: 'int64', read: (v, i) => v.getBigInt64(8 * i, true) },
  '<i4': { bytes: 4, dtype: 'int32', read: (v, i) => v.getInt32(4 * i, true) },
  '<i2': { bytes: 2, dtype: 'int32', read: (v, i) => v.getInt16(2 * i, true) },
  '<u2': { bytes: 2, dtype: 'int32', read: (v, i) => v.getUint16(2 * i, true) },
  '|i1': { bytes: 1, dtype: 'int32', read: (v, i) => v.getInt8(i) },
  '|u1': { bytes: 1, dtype: 'int32', read: (v, i) => v.getUint8(i) },
  '|b1': { bytes: 1, dtype: 'int32', read: (v, i) => (v.getUint8(i) ? 1 : 0) },
};

export const SUPPORTED_NPY_DTYPES = Object.keys(READERS);

/** A value of the header dict: 'descr', 'fortran_order' and 'shape'. */
function headerField(header: string, key: string, pattern: string, label: string): RegExpExecArray {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*${pattern}`).exec(header);
  if (!m) throw new SegwgpuError(`${label}: .npy header has no valid '${key}' (header: ${header.trim()})`);
  return m;
}

/** Parses a .npy file. `label` names it in errors (e.g. its path). */
export function readNpy(bytes: Uint8Array, label = '.npy data'): Tensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SegwgpuError(`${label}: not a .npy file (it does not start with \\x93NUMPY)`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new SegwgpuError(`${label}: .npy file is truncated inside its header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new SegwgpuError(`${label}: .npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new SegwgpuError(`${label}: .npy file is truncated inside its header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = headerField(header, 'descr', `['"]([^'"]*)['"]`, label)[1];
  const fortran = headerField(header, 'fortran_order', '(True|False)', label)[1] === 'True';
  const shapeText = headerField(header, 'shape', '\\(([^)]*)\\)', label)[1];
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new SegwgpuError(`${label}: .npy shape (${shapeText}) has an invalid dimension '${s}'`);
      return n;
    });
  const reader = READERS[descr];
  if (!reader) {
    const endian = descr.startsWith('>') ? ' (big-endian: re-save it little-endian, e.g. a.astype(a.dtype.newbyteorder("<")))' : '';
    throw new SegwgpuError(`${label}: .npy dtype '${descr}' is not supported${endian}; supported: ${SUPPORTED_NPY_DTYPES.join(', ')}`);
  }
  if (fortran && shape.length > 1) {
    throw new SegwgpuError(`${label}: .npy array of shape (${shape.join(', ')}) is in Fortran order; segwgpu reads C order only (save np.ascontiguousarray(a))`);
  }
  const n = sizeOf(shape);
  const needed = n * reader.bytes;
  if (bytes.length - dataStart < needed) {
    throw new SegwgpuError(`${label}: .npy data is truncated: shape (${shape.join(', ')}) of '${descr}' needs ${needed} bytes, the file has ${bytes.length - dataStart}`);
  }
  // A copy at offset 0 of its own buffer: the data may start at any offset of the caller's
  // buffer (and Node's Buffer.slice would return a view into a shared pool, not a copy).
  const data = new Uint8Array(needed);
  data.set(bytes.subarray(dataStart, dataStart + needed));
  const dataView = new DataView(data.buffer);
  if (reader.dtype === 'float32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = reader.read(dataView, i) as number;
    return { dtype: 'float32', shape, data: out };
  }
  if (reader.dtype === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = reader.read(dataView, i) as number;
    return { dtype: 'int32', shape, data: out };
  }
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = reader.read(dataView, i) as bigint;
  return { dtype: 'int64', shape, data: out };
}

const WRITE_DESCR: Readonly<Record<Tensor['dtype'], string>> = { float32: '<f4', int32: '<i4', int64: '<i8' };

/** Serialises a tensor as a .npy file (C order, little-endian). */
export function writeNpy(t: Tensor): Uint8Array {
  if (t.data.length !== sizeOf(t.shape)) throw new SegwgpuError(`writeNpy: shape [${t.shape.join('x')}] holds ${sizeOf(t.shape)} elements but the data has ${t.data.length}`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${WRITE_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Version 1.0 has a 2-byte header length; 2.0 a 4-byte one. Pad so magic + length + header
  // (ending in '\n') is a multiple of 64 bytes, as numpy does.
  let prefix = 10;
  let padded = pad(dict, prefix);
  if (padded.length > 0xffff) {
    prefix = 12;
    padded = pad(dict, prefix);
  }
  const itemBytes = t.dtype === 'int64' ? 8 : 4;
  const out = new Uint8Array(prefix + padded.length + t.data.length * itemBytes);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  const at = prefix + padded.length;
  const n = t.data.length;
  if (t.dtype === 'float32') for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, (t.data as Float32Array)[i], true);
  else if (t.dtype === 'int32') for (let i = 0; i < n; i++) view.setInt32(at + 4 * i, (t.data as Int32Array)[i], true);
  else for (let i = 0; i < n; i++) view.setBigInt64(at + 8 * i, (t.data as BigInt64Array)[i], true);
  return out;
}

function pad(dict: string, prefix: number): string {
  const unpadded = prefix + dict.length + 1;
  return dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
}
