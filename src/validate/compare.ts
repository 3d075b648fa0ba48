/**
 * Output comparison for `segwgpu validate`: max absolute error, max error relative to the output's
 * magnitude (max |reference|), and for class-score maps ([N, K, H, W], K > 1) the fraction of
 * pixels whose argmax over K agrees. Within tolerance when maxAbs <= atol + rtol * magnitude.
 */
import type { Tensor } from '../core/tensor.js';

export interface OutputComparison {
  readonly shapeMatches: boolean;
  readonly maxAbsError: number;
  /** maxAbsError / max |reference|. */
  readonly maxRelError: number;
  readonly magnitude: number;
  /** Where the largest error is, as coordinates. */
  readonly worstAt: readonly number[];
  readonly argmaxAgreement?: number;
  readonly withinTolerance: boolean;
}

function coordsOf(index: number, shape: readonly number[]): number[] {
  const coords: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return coords;
}

function argmaxAgreement(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): number {
  const [n, k, h, w] = shape;
  const plane = h * w;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < plane; p++) {
      let ba = 0;
      let bb = 0;
      for (let c = 1; c < k; c++) {
        const at = (i * k + c) * plane + p;
        if (a[at] > a[(i * k + ba) * plane + p]) ba = c;
        if (b[at] > b[(i * k + bb) * plane + p]) bb = c;
      }
      if (ba === bb) agree++;
    }
  }
  return agree / (n * plane);
}

export function compareOutputs(actual: Tensor, reference: Tensor, tolerance: { atol: number; rtol: number }): OutputComparison {
  if (actual.shape.join('x') !== reference.shape.join('x')) {
    return { shapeMatches: false, maxAbsError: Infinity, maxRelError: Infinity, magnitude: 0, worstAt: [], withinTolerance: false };
  }
  const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  const r = Array.from(reference.data as ArrayLike<number | bigint>, Number);
  let maxAbs = 0;
  let worst = 0;
  let magnitude = 0;
  for (let i = 0; i < r.length; i++) {
    const d = elementDifference(a[i], r[i]);
    if (d > maxAbs) {
      maxAbs = d;
      worst = i;
    }
    // Only finite references set the scale: an Inf in the reference must not make every error allowed.
    if (Number.isFinite(r[i])) magnitude = Math.max(magnitude, Math.abs(r[i]));
  }
  const isScores = reference.dtype === 'float32' && reference.shape.length === 4 && reference.shape[1] > 1;
  const integer = reference.dtype !== 'float32';
  const allowed = integer ? 0 : tolerance.atol + tolerance.rtol * magnitude;
  return {
    shapeMatches: true,
    maxAbsError: maxAbs,
    maxRelError: magnitude > 0 ? maxAbs / magnitude : maxAbs,
    magnitude,
    worstAt: coordsOf(worst, reference.shape),
    argmaxAgreement: isScores ? argmaxAgreement(a, r, reference.shape) : undefined,
    withinTolerance: Number.isFinite(maxAbs) && maxAbs <= allowed,
  };
}

/**
 * |a - r|, with the non-finite cases defined: the same non-finite value on both sides (NaN and
 * NaN, +Inf and +Inf) agrees (0); a non-finite value on one side only, or Infs of opposite sign,
 * is an infinite difference, never within any tolerance. (a - r alone gives NaN there, and every
 * comparison with NaN is false, so NaN errors would slip through a `<=` test.)
 */
export function elementDifference(a: number, r: number): number {
  if (Number.isFinite(a) && Number.isFinite(r)) return Math.abs(a - r);
  if (Object.is(a, r) || (Number.isNaN(a) && Number.isNaN(r))) return 0;
  return Infinity;
}
