/**
 * The one comparison every numeric test uses. Floats: |actual - expected| <= atol + rtol*|expected|
 * element by element. Integer tensors (indices, labels): exact. Returns a report rather than
 * throwing so the same helper serves vitest and the in-browser runner.
 */
import type { Tensor } from '../../src/core/tensor.js';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export interface Comparison {
  readonly ok: boolean;
  readonly message: string;
  readonly maxAbsError: number;
}

function fmtIndex(i: number, shape: readonly number[]): string {
  const coords: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `[${coords.join(', ')}]`;
}

export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance): Comparison {
  if (actual.shape.join('x') !== expected.shape.join('x')) {
    return { ok: false, message: `shape [${actual.shape.join('x')}] != expected [${expected.shape.join('x')}]`, maxAbsError: Infinity };
  }
  const integer = expected.dtype !== 'float32';
  if (integer && actual.dtype === 'float32') return { ok: false, message: `dtype float32 != expected ${expected.dtype}`, maxAbsError: Infinity };
  const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  const e = Array.from(expected.data as ArrayLike<number | bigint>, Number);
  let maxAbs = 0;
  let worst = -1;
  let bad = 0;
  let firstBad = -1;
  for (let i = 0; i < e.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    const allowed = integer ? 0 : tol.atol + tol.rtol * Math.abs(e[i]);
    if (!(diff <= allowed)) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
    if (!(diff <= maxAbs)) {
      maxAbs = Number.isNaN(diff) ? Infinity : diff;
      worst = i;
    }
  }
  if (bad === 0) return { ok: true, message: `max abs error ${maxAbs.toExponential(2)}`, maxAbsError: maxAbs };
  return {
    ok: false,
    maxAbsError: maxAbs,
    message:
      `${bad}/${e.length} elements out of tolerance (${integer ? 'exact' : `atol ${tol.atol}, rtol ${tol.rtol}`}); ` +
      `first at ${fmtIndex(firstBad, expected.shape)}: got ${a[firstBad]}, expected ${e[firstBad]}; ` +
      `max abs error ${maxAbs} at ${fmtIndex(worst, expected.shape)}`,
  };
}
