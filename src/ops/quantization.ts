/**
 * The integer vocabulary of ONNX's quantized ops (src/ops/quantize.ts, conv-integer.ts,
 * matmul-integer.ts), written once: the 8- and 16-bit element types a quantized value may have,
 * their saturation ranges, and rounding half to even, the spec's rule wherever a float becomes one.
 *
 * Quantized tensors travel as int32 here: importers widen UINT8/INT8 (and 16-bit) tensors exactly
 * (src/import/onnx-tensor.ts), and on the GPU each element is one i32 word, except constant weights,
 * which the integer kernels keep packed 4 x 8 bits per u32. What the element type was matters where
 * a value is produced (the range it saturates to), so the ONNX importer records the element type of
 * each QuantizeLinear / QLinearConv zero point in the node's `output_dtype` attribute (QuantizeLinear
 * 21 has that attribute; for QLinearConv it is segwgpu's); without one, a zero point holding a
 * negative value means int8, and uint8 otherwise (the spec's default).
 */
import { AttributeError, InputError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { intAttr } from './attributes.js';
import { knownValue, type KnownValue } from './kit.js';
import type { OpNode } from './types.js';

export interface QuantizedType {
  /** ONNX TensorProto.DataType code. */
  readonly code: number;
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

export const QUANTIZED_TYPES: Readonly<Record<number, QuantizedType>> = {
  2: { code: 2, name: 'UINT8', min: 0, max: 255 },
  3: { code: 3, name: 'INT8', min: -128, max: 127 },
  4: { code: 4, name: 'UINT16', min: 0, max: 65535 },
  5: { code: 5, name: 'INT16', min: -32768, max: 32767 },
};

export const UINT8 = QUANTIZED_TYPES[2]!;
export const INT8 = QUANTIZED_TYPES[3]!;

/**
 * The element type a node's quantized output saturates to: its `output_dtype` attribute (0 or
 * absent: from the zero point), else told from a constant zero point's values, else UINT8.
 */
export function quantizedOutputType(node: OpNode, zeroPoint: KnownValue | undefined): QuantizedType {
  const code = intAttr(node, 'output_dtype', 0);
  if (code !== 0) {
    const type = QUANTIZED_TYPES[code];
    if (!type) throw new AttributeError(node, 'output_dtype', code, 'is not a quantized element type segwgpu supports (2 UINT8, 3 INT8, 4 UINT16, 5 INT16)');
    return type;
  }
  const zp = knownValue(zeroPoint);
  if (zp && Array.from(zp.data as ArrayLike<number | bigint>).some((v) => Number(v) < 0)) return INT8;
  return UINT8;
}

/** Rounds to the nearest integer, ties to even: ONNX's rounding for every quantizing op (WGSL round() is the same). */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function saturate(x: number, type: QuantizedType): number {
  return Math.min(type.max, Math.max(type.min, x));
}

/**
 * A scale or zero point: one value for the whole tensor (shape [] or [1]), or one per index of
 * `axis` (a 1-D tensor of that axis's size). Returns how many there are (1 or the axis size).
 */
export function quantizationParameterCount(node: OpNode, name: string, v: KnownValue, inputShape: readonly number[], axis: number): number {
  if (v.shape.length === 0 || (v.shape.length === 1 && v.shape[0] === 1)) return 1;
  if (v.shape.length === 1 && v.shape[0] === inputShape[axis]) return v.shape[0]!;
  throw new InputError(
    node,
    name,
    `has shape [${v.shape.join('x')}]; expected a scalar (per tensor) or [${inputShape[axis]}] (one per index of axis ${axis}, the input being [${inputShape.join('x')}])`,
  );
}

/** A zero point's values as numbers, checked against the element type's range. */
export function zeroPointValues(node: OpNode, name: string, t: Tensor, type: QuantizedType): number[] {
  if (t.dtype === 'float32') throw new InputError(node, name, `has dtype float32; a zero point is an integer (${type.name})`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => {
    const n = Number(v);
    if (n < type.min || n > type.max) throw new InputError(node, name, `holds ${n}, outside ${type.name}'s range [${type.min}, ${type.max}]`);
    return n;
  });
}
