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

const f32Bits = new Uint32Array(1);
const f32View = new Float32Array(f32Bits.buffer);

/**
 * The float32 `v` rounded to the nearest binary16 value (ties to even), as a number: what a
 * Cast to FLOAT16 keeps. Overflow (|v| >= 65520, halfway past the largest half, 65504) gives
 * +-Infinity, values below half the smallest subnormal (2^-25) give +-0, NaN stays NaN.
 */
export function roundToFloat16(v: number): number {
  f32View[0] = v;
  const bits = f32Bits[0]!;
  const a = f32View[0]!;
  if (!Number.isFinite(a)) return a;
  const magnitude = Math.abs(a);
  if (magnitude >= 65520) return a > 0 ? Infinity : -Infinity;
  // The spacing of halves around the value: 2^(e - 10) for normal halves (e >= -14), 2^-24 below.
  const exponent = ((bits >>> 23) & 0xff) - 127;
  const quantum = 2 ** (Math.max(exponent, -14) - 10);
  const steps = magnitude / quantum; // exact: a power-of-two division of a float32
  let n = Math.floor(steps);
  const rest = steps - n;
  if (rest > 0.5 || (rest === 0.5 && n % 2 === 1)) n += 1;
  const rounded = n * quantum;
  return a < 0 || Object.is(a, -0) ? -rounded : rounded;
}
