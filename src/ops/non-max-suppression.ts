/**
 * NonMaxSuppression-11: per batch and class, greedy non-maximum suppression of boxes by score.
 * Inputs: boxes [B, N, 4] (center_point_box 0: [y1, x1, y2, x2], either diagonal's corners;
 * 1: [x_center, y_center, width, height]), scores [B, C, N], and optional scalars
 * max_output_boxes_per_class (int64, default 0: nothing selected), iou_threshold (float, default
 * 0) and score_threshold (float, default: none). Output selected_indices int64 [count, 3] of
 * (batch, class, box), batch-major, then class, then in the order selected.
 * As onnxruntime's CPU kernel: a box is a candidate when its score is > score_threshold;
 * candidates go by decreasing score, ties to the lower box index; a box is suppressed by a
 * selected one when their IoU is > iou_threshold, and never when either box has zero area or
 * they do not overlap. IoU is computed in float64 from the float32 coordinates.
 *
 * The output's shape depends on the values, so boxes and scores must be known when the model is
 * planned (infer computes the output then, as a value the plan folds) and are refused otherwise,
 * naming the input. CPU reference only (src/ops/cpu-only.ts).
 */
import { AttributeError, InputError, ValueNeededError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { cpuOnly } from './cpu-only.js';
import { checkInputCount, knownValue, requireInput, requireKnownValue, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

interface NmsAttrs {
  readonly centerPointBox: boolean;
}

interface NmsInputs {
  readonly boxes: KnownValue;
  readonly scores: KnownValue;
  readonly maxPerClass: number;
  readonly iouThreshold: number;
  readonly scoreThreshold: number | undefined;
}

function scalarOf(node: OpNode, name: string, v: KnownValue | undefined, dtype: 'int64' | 'float32'): number | bigint | undefined {
  if (!v) return undefined;
  if (v.dtype !== dtype) throw new InputError(node, name, `has dtype ${v.dtype}; it must be ${dtype}`);
  if (!(v.shape.length === 0 || (v.shape.length === 1 && v.shape[0] === 1))) throw new InputError(node, name, `has shape [${v.shape.join('x')}]; it must be a scalar (or [1])`);
  return requireKnownValue(node, name, v, 'NonMaxSuppression reads it when the model is planned').data[0];
}

function inputsOf(node: OpNode, inputs: readonly (KnownValue | undefined)[]): NmsInputs {
  checkInputCount(node, inputs, 5);
  const boxes = requireInput(node, inputs, 0, 'boxes');
  const scores = requireInput(node, inputs, 1, 'scores');
  if (boxes.dtype !== 'float32') throw new InputError(node, 'boxes', `has dtype ${boxes.dtype}; only float32 is supported`);
  if (scores.dtype !== 'float32') throw new InputError(node, 'scores', `has dtype ${scores.dtype}; only float32 is supported`);
  if (boxes.shape.length !== 3 || boxes.shape[2] !== 4) throw new InputError(node, 'boxes', `has shape [${boxes.shape.join('x')}]; expected [batches, boxes, 4]`);
  if (scores.shape.length !== 3 || scores.shape[0] !== boxes.shape[0] || scores.shape[2] !== boxes.shape[1]) {
    throw new InputError(node, 'scores', `has shape [${scores.shape.join('x')}]; expected [${boxes.shape[0]}, classes, ${boxes.shape[1]}] for boxes of shape [${boxes.shape.join('x')}]`);
  }
  const max = scalarOf(node, 'max_output_boxes_per_class', inputs[2], 'int64') ?? 0n;
  const iou = Number(scalarOf(node, 'iou_threshold', inputs[3], 'float32') ?? 0);
  const score = scalarOf(node, 'score_threshold', inputs[4], 'float32');
  if (!(iou >= 0 && iou <= 1)) throw new InputError(node, 'iou_threshold', `is ${iou}; it must be in [0, 1]`);
  // Past 2^53 every box is allowed anyway: clamp (torchvision exports INT64_MAX-like limits).
  const maxPerClass = max > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Math.max(Number(max), 0);
  return { boxes, scores, maxPerClass, iouThreshold: iou, scoreThreshold: score === undefined ? undefined : Number(score) };
}

/** [ymin, xmin, ymax, xmax] of box i. */
function corners(data: Float32Array, at: number, center: boolean): [number, number, number, number] {
  const [a, b, c, d] = [data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!];
  if (center) return [b - d / 2, a - c / 2, b + d / 2, a + c / 2];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

function suppresses(p: number[], q: number[], threshold: number): boolean {
  const areaP = (p[2]! - p[0]!) * (p[3]! - p[1]!);
  const areaQ = (q[2]! - q[0]!) * (q[3]! - q[1]!);
  if (areaP <= 0 || areaQ <= 0) return false;
  const h = Math.min(p[2]!, q[2]!) - Math.max(p[0]!, q[0]!);
  const w = Math.min(p[3]!, q[3]!) - Math.max(p[1]!, q[1]!);
  if (h <= 0 || w <= 0) return false;
  const inter = h * w;
  return inter / (areaP + areaQ - inter) > threshold;
}

export function nonMaxSuppression(attrs: NmsAttrs, n: NmsInputs, boxes: Tensor<'float32'>, scores: Tensor<'float32'>): Tensor<'int64'> {
  const [batches, count] = [boxes.shape[0]!, boxes.shape[1]!];
  const classes = scores.shape[1]!;
  const selected: number[] = [];
  for (let b = 0; b < batches; b++) {
    const box = Array.from({ length: count }, (_, i) => corners(boxes.data, (b * count + i) * 4, attrs.centerPointBox));
    for (let c = 0; c < classes; c++) {
      if (n.maxPerClass === 0) continue;
      const s = (i: number) => scores.data[(b * classes + c) * count + i]!;
      const candidates = Array.from({ length: count }, (_, i) => i)
        .filter((i) => n.scoreThreshold === undefined || s(i) > n.scoreThreshold)
        .sort((i, j) => (s(i) !== s(j) ? s(j) - s(i) : i - j));
      const kept: number[] = [];
      for (const i of candidates) {
        if (kept.length >= n.maxPerClass) break;
        if (kept.some((k) => suppresses(box[k]!, box[i]!, n.iouThreshold))) continue;
        kept.push(i);
        selected.push(b, c, i);
      }
    }
  }
  return { dtype: 'int64', shape: [selected.length / 3, 3], data: BigInt64Array.from(selected, (v) => BigInt(v)) };
}

export const nonMaxSuppressionOp: OpDefinition<NmsAttrs> = {
  type: 'NonMaxSuppression',
  parse(node) {
    checkKnownAttributes(node, ['center_point_box']);
    const c = intAttr(node, 'center_point_box', 0);
    if (c !== 0 && c !== 1) throw new AttributeError(node, 'center_point_box', c, 'must be 0 ([y1, x1, y2, x2] corners) or 1 ([x_center, y_center, width, height])');
    return { centerPointBox: c === 1 };
  },
  infer(attrs, inputs, node) {
    const n = inputsOf(node, inputs);
    const boxes = knownValue(n.boxes);
    const scores = knownValue(n.scores);
    const why = (name: string) => `must be known when the model is planned: NonMaxSuppression's output shape [selected, 3] depends on the values of boxes and scores (${name} is computed at run time)`;
    if (!boxes) throw new ValueNeededError(node, 'boxes', why('boxes'), n.boxes);
    if (!scores) throw new ValueNeededError(node, 'scores', why('scores'), n.scores);
    const value = nonMaxSuppression(attrs, n, boxes as Tensor<'float32'>, scores as Tensor<'float32'>);
    return { outputs: [{ dtype: 'int64', shape: value.shape, value }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const n = inputsOf(node, inputs);
    return [nonMaxSuppression(attrs, n, n.boxes as Tensor<'float32'>, n.scores as Tensor<'float32'>)];
  },
  gpu: cpuOnly('NonMaxSuppression'),
};

export const ops: AnyOpDefinition[] = [nonMaxSuppressionOp];
