/** Half-precision numbers as the importers meet them (ONNX FLOAT16 tensors, TFLite float16 weights). */

/** IEEE 754 binary16 bits -> number (exact: every half is a float32 and a double). */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
