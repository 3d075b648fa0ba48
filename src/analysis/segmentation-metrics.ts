/**
 * Segmentation metrics from confusion matrices (rows truth, columns prediction), as numpy
 * computes them from `c = np.bincount(K * t + p, minlength=K * K).reshape(K, K)`:
 *
 *   iou           = np.diag(c) / (c.sum(0) + c.sum(1) - np.diag(c))   # TP / (TP + FP + FN)
 *   miou          = np.nanmean(iou)
 *   pixelAccuracy = np.diag(c).sum() / c.sum()
 *
 * A class absent from both the truth and the prediction has IoU 0 / 0: NaN in numpy, null here
 * (JSON has no NaN), and mIoU averages over the other classes, numpy's nanmean convention. A class
 * in the truth that is never predicted (or predicted but never true) has IoU 0 and counts. With no
 * pixel counted at all, mIoU and pixel accuracy are null too.
 *
 * The counts come from the ConfusionMatrix op (src/ops/confusion-matrix.ts) on the GPU or its CPU
 * reference, one label map at a time, summed here in doubles (exact to 2^53 pixels). Every
 * division is the one numpy does on the same integers, and the mean sums the IoUs in numpy's
 * pairwise order, so the figures equal numpy's to the last bit.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { GpuContext } from '../gpu/context.js';
import { runOpGpu } from '../exec/run-op.js';
import { runOpCpu, type OpCall } from '../ops/call.js';

export interface SegmentationMetrics {
  /** Per class TP / (TP + FP + FN); null where that is 0 / 0 (a class absent from truth and prediction). */
  readonly iou: (number | null)[];
  /** The mean of the non-null IoUs (np.nanmean); null when every IoU is null. */
  readonly miou: number | null;
  /** Correctly labelled pixels over all counted pixels (ignored ones are not counted); null for none. */
  readonly pixelAccuracy: number | null;
  /** counts[truth][prediction]. */
  readonly confusion: number[][];
}

export interface ConfusionOptions {
  readonly classes: number;
  /** A truth label to leave out (the prediction at those pixels is not read). */
  readonly ignoreIndex?: number;
  /** Names the op in errors (the label map, say). */
  readonly name?: string;
}

/** A classes x classes matrix of zeros, to sum label maps into. */
export function emptyConfusion(classes: number): number[][] {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

/** Adds the op's [K, K] counts into `into` (K x K). */
export function addConfusion(into: number[][], counts: Tensor): void {
  const k = into.length;
  if (counts.shape.length !== 2 || counts.shape[0] !== k || counts.shape[1] !== k) {
    throw new SegwgpuError(`addConfusion: counts of shape [${counts.shape.join('x')}] do not fit a ${k}x${k} matrix`);
  }
  const data = counts.data as ArrayLike<number | bigint>;
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) into[t]![p]! += Number(data[t * k + p]);
}

/**
 * The ConfusionMatrix op on one pair of label tensors: on the GPU when a context is given, else
 * the CPU reference. Labels outside [0, classes) throw LabelRangeError (src/ops/confusion-matrix.ts).
 */
export async function countConfusion(truth: Tensor, prediction: Tensor, options: ConfusionOptions, ctx?: GpuContext): Promise<Tensor> {
  const call: OpCall = {
    opType: 'ConfusionMatrix',
    name: options.name,
    attributes: { classes: options.classes, ...(options.ignoreIndex !== undefined && { ignore_index: options.ignoreIndex }) },
    inputs: [truth, prediction],
  };
  const [counts] = ctx ? await runOpGpu(ctx, call) : runOpCpu(call);
  return counts!;
}

/**
 * A sum in numpy's order (pairwise_sum in numpy/core/src/umath/loops_utils.h.src, which np.sum
 * and np.mean use on a contiguous float64 vector): under 8 values one after another; up to 128,
 * eight running sums combined as a tree; beyond, the two halves (split at a multiple of 8) summed
 * so and added.
 */
export function numpySum(values: readonly number[], start = 0, n = values.length): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  if (n <= 128) {
    const r = values.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    let sum = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(values, start, half) + numpySum(values, start + half, n - half);
}

/** IoU per class, mIoU and pixel accuracy of a confusion matrix (numpy's arithmetic, see above). */
export function segmentationMetrics(confusion: readonly (readonly number[])[]): SegmentationMetrics {
  const k = confusion.length;
  const truthTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predictedTotals = Array.from({ length: k }, (_, p) => confusion.reduce((a, row) => a + row[p]!, 0));
  const iou = confusion.map((row, c) => {
    const union = truthTotals[c]! + predictedTotals[c]! - row[c]!;
    return union === 0 ? null : row[c]! / union;
  });
  const present = iou.filter((v) => v !== null).length;
  // np.nanmean: the NaNs become zeros in place, the whole vector is summed, then divided by the count.
  const miou = present === 0 ? null : numpySum(iou.map((v) => v ?? 0)) / present;
  const correct = confusion.reduce((a, row, c) => a + row[c]!, 0);
  const total = truthTotals.reduce((a, b) => a + b, 0);
  return { iou, miou, pixelAccuracy: total === 0 ? null : correct / total, confusion: confusion.map((row) => [...row]) };
}

/**
 * The metrics as one line of JSON, `{"iou": [...], "miou": x, "pixelAccuracy": x, "confusion":
 * [[...]]}`, keys in that order, spaced as Python's json.dumps spaces them; null for NaN.
 */
export function metricsJson(m: SegmentationMetrics): string {
  const list = (values: readonly (number | null)[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  return `{"iou": ${list(m.iou)}, "miou": ${JSON.stringify(m.miou)}, "pixelAccuracy": ${JSON.stringify(m.pixelAccuracy)}, "confusion": [${m.confusion.map(list).join(', ')}]}`;
}
