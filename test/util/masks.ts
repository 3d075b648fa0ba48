/** Comparing confidence masks (MediaPipe parity, the installed package's results). */

/** Mean |a - b|, max |a - b|, and the IoU of {a > 0.5} and {b > 0.5} (1 when both are empty). */
export function compareMasks(a: Float32Array, b: Float32Array): { meanAbsDiff: number; iou: number; maxAbsDiff: number } {
  if (a.length !== b.length) throw new Error(`compareMasks: masks of ${a.length} and ${b.length} pixels`);
  let sum = 0;
  let max = 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    max = Math.max(max, d);
    const pa = a[i]! > 0.5;
    const pb = b[i]! > 0.5;
    if (pa && pb) inter++;
    if (pa || pb) union++;
  }
  return { meanAbsDiff: sum / a.length, iou: union === 0 ? 1 : inter / union, maxAbsDiff: max };
}

/** IoU of {a >= 0.5} and {b >= 0.5}, torchvision's mask threshold (1 when both are empty). */
export function maskIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! >= 0.5;
    const y = b[i]! >= 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
