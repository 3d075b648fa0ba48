/**
 * A tfjs graph model's weights: the manifest's entries decoded from the shard bytes exactly as
 * tfjs-core decodes them (io/io_utils.ts decodeWeights, which tf.loadGraphModel's HTTP and
 * file loaders call on every group's shards joined into one buffer, weights read in order):
 *   - float32, int32: little-endian 4-byte values; bool: one byte each (segwgpu holds it as int32 0/1);
 *   - quantization 'float16' (float32 weights only): IEEE half -> float32, exact;
 *   - quantization 'uint8' / 'uint16': float32 weights are f32(q * scale + min) (computed in
 *     double, then stored as float32, as tfjs writes into a Float32Array); int32 weights are
 *     Math.round(q * scale + min);
 *   - string: per element a little-endian uint32 length and that many bytes; complex64: 8 bytes.
 *     Both are read past (their sizes count) but cannot be used: a node reading one is refused.
 * All shards of all groups, concatenated in manifest order, are one byte stream. A manifest that
 * needs more bytes than the shards hold, an unknown dtype or quantization, or quantization
 * metadata missing is an error naming the weight (and the shards).
 */
import { SegwgpuError } from '../core/errors.js';
import { float16ToNumber } from '../core/float16.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { tfjsWeightPaths, type TfjsModelJson, type TfjsWeightEntry } from './tfjs-graph.js';

/** A weight segwgpu cannot compute with (strings, complex numbers): refused when a node uses it. */
export interface UnusableWeight {
  readonly unusable: string;
}

export type TfjsWeight = Tensor | UnusableWeight;

/** The weight data: one byte stream (every shard joined in manifest order), or the shards themselves in that order. */
export type TfjsWeightData = Uint8Array | readonly Uint8Array[];

const BYTES_PER_VALUE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, float16: 2, uint8: 1, uint16: 2 };
const WEIGHT_DTYPES = ['float32', 'int32', 'bool', 'string', 'complex64'];
const QUANTIZATION_DTYPES = ['uint8', 'uint16', 'float16'];

function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function describeEntry(w: TfjsWeightEntry): string {
  return `${w.quantization ? `${w.dtype} quantized as ${w.quantization.dtype}` : w.dtype} [${w.shape.join('x')}]`;
}

/**
 * Decodes every weight of the manifest; weights of one name given twice keep the last (as tfjs's
 * name -> tensor map does).
 */
export function decodeTfjsWeights(model: TfjsModelJson, data: TfjsWeightData, label: string): Map<string, TfjsWeight> {
  const paths = tfjsWeightPaths(model);
  if (!(data instanceof Uint8Array) && data.length !== paths.length) {
    throw new SegwgpuError(`${label}: ${data.length} weight shard${data.length === 1 ? '' : 's'} given, but the manifest names ${paths.length} (${paths.join(', ') || 'none'})`);
  }
  const bytes = data instanceof Uint8Array ? data : join(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shards = () => {
    if (data instanceof Uint8Array) return `the weight data (${paths.join(', ') || 'no shards named'}) holds ${bytes.length} bytes`;
    return `the shards hold ${bytes.length} bytes (${paths.map((p, i) => `${p}: ${data[i]!.length}`).join(', ')})`;
  };
  const need = (w: TfjsWeightEntry, offset: number, length: number) => {
    if (offset + length > bytes.length) {
      throw new SegwgpuError(`${label}: weight '${w.name}' (${describeEntry(w)}) needs bytes ${offset} to ${offset + length} of the weight data, but ${shards()}; a shard is missing or short`);
    }
  };
  const weights = new Map<string, TfjsWeight>();
  let offset = 0;
  for (const group of model.weightsManifest) {
    for (const w of group.weights) {
      const n = sizeOf(w.shape);
      const q = w.quantization;
      if (!WEIGHT_DTYPES.includes(w.dtype)) throw new SegwgpuError(`${label}: weight '${w.name}' has dtype '${w.dtype}'; tfjs weights are ${WEIGHT_DTYPES.join(', ')}`);
      if (q) {
        if (!QUANTIZATION_DTYPES.includes(q.dtype)) throw new SegwgpuError(`${label}: weight '${w.name}' has quantization dtype '${q.dtype}'; tfjs knows ${QUANTIZATION_DTYPES.join(', ')}`);
        if (q.dtype === 'float16' ? w.dtype !== 'float32' : w.dtype !== 'float32' && w.dtype !== 'int32') {
          throw new SegwgpuError(`${label}: weight '${w.name}' is ${w.dtype} quantized as ${q.dtype}, which tfjs cannot decode (float16 holds float32 weights; uint8/uint16 hold float32 or int32)`);
        }
        if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
          throw new SegwgpuError(`${label}: weight '${w.name}' is quantized as ${q.dtype} but its quantization has no numeric scale and min`);
        }
      }
      if (w.dtype === 'string') {
        let length = 0;
        for (let i = 0; i < n; i++) {
          need(w, offset + length, 4);
          length += 4 + view.getUint32(offset + length, true);
        }
        need(w, offset, length);
        weights.set(w.name, { unusable: 'a string tensor' });
        offset += length;
        continue;
      }
      const width = BYTES_PER_VALUE[q ? q.dtype : w.dtype]!;
      need(w, offset, n * width);
      weights.set(w.name, w.dtype === 'complex64' ? { unusable: 'a complex64 tensor' } : decodeWeight(w, view, offset, n));
      offset += n * width;
    }
  }
  return weights;
}

function decodeWeight(w: TfjsWeightEntry, view: DataView, offset: number, n: number): Tensor {
  const shape = [...w.shape];
  const q = w.quantization;
  if (q?.dtype === 'float16') {
    return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => float16ToNumber(view.getUint16(offset + 2 * i, true))) };
  }
  if (q) {
    const read = q.dtype === 'uint8' ? (i: number) => view.getUint8(offset + i) : (i: number) => view.getUint16(offset + 2 * i, true);
    const scale = q.scale!;
    const min = q.min!;
    if (w.dtype === 'int32') return { dtype: 'int32', shape, data: Int32Array.from({ length: n }, (_, i) => Math.round(read(i) * scale + min)) };
    return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => read(i) * scale + min) };
  }
  switch (w.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + 4 * i, true)) };
    case 'int32':
      return { dtype: 'int32', shape, data: Int32Array.from({ length: n }, (_, i) => view.getInt32(offset + 4 * i, true)) };
    default:
      // bool: tfjs keeps the bytes (Uint8Array); segwgpu has no bool dtype, so 0/1 as int32.
      return { dtype: 'int32', shape, data: Int32Array.from({ length: n }, (_, i) => (view.getUint8(offset + i) ? 1 : 0)) };
  }
}
