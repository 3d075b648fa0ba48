/** Deterministic test data: a small seeded PRNG (mulberry32), so every run sees the same tensors. */
import { sizeOf, type Shape, type Tensor } from '../../src/core/tensor.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi). */
export function randomTensor(shape: Shape, seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  const next = rng(seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  return { dtype: 'float32', shape: [...shape], data };
}

/** Values drawn from a small set, so max-style ops meet ties (first-maximum rules get tested). */
export function tiedTensor(shape: Shape, seed: number, levels = 4): Tensor<'float32'> {
  const next = rng(seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * levels) - levels / 2;
  return { dtype: 'float32', shape: [...shape], data };
}
