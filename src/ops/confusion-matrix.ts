/**
 * ConfusionMatrix (segwgpu's own op, domain ai.segwgpu): the counts behind segmentation metrics
 * (src/analysis/segmentation-metrics.ts, `segwgpu eval`). Inputs `truth` and `prediction`, integer
 * label tensors (int32 or int64) of one shape, any rank; attributes `classes` (required, >= 1) and
 * `ignore_index` (optional). Output [classes, classes] int32: counts[t][p] is how many positions
 * hold truth label t and predicted label p (rows truth, columns prediction), what numpy gives as
 * np.bincount(classes * t[keep] + p[keep], minlength=classes**2).reshape(classes, classes).
 *
 * Positions whose truth equals ignore_index are left out, their prediction unread. The ignore
 * label marks the truth only: a prediction equal to it is counted like any other (so out of range
 * unless ignore_index is a class). Any other label outside [0, classes), in the truth or the
 * prediction, is an error (LabelRangeError, labelOutOfRange, one text everywhere) naming the input,
 * the value and its position: the first in a row-major scan, the truth before the prediction at
 * each position. The CPU reference raises it as it scans; the GPU kernel, which cannot raise,
 * records it in the node's index fault record (src/ops/index-fault.ts, read back with the outputs,
 * and the run is refused with the same error) and skips that position.
 *
 * Labels are not checked in infer() even when they are known (a single-op call): they are what the
 * op counts, not what shapes its output, and checking them there would scan on the CPU every label
 * the GPU is about to count.
 *
 * Output int32: counts never exceed the positions of one tensor, and every tensor that fits one
 * storage binding has fewer than 2^31 elements (src/core/tensor.ts). The GPU holds integers as i32
 * words, so an int64 output would be the same words widened on readback, promising a range it does
 * not have. Callers summing many tensors (a data set) add the matrices on the host, in doubles.
 *
 * GPU: shaders/confusion-matrix.wgsl in three steps: zero the counts, count one position per
 * invocation with atomicAdd on the output, then copy the first bad label into the fault record.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { formatShape, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { indexFaultKernel } from './index-fault.js';
import { checkDtype, checkInputCount, coordinatesOf, requireInput, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import confusionMatrixWgsl from '../../shaders/confusion-matrix.wgsl?raw';

export interface ConfusionMatrixAttrs {
  readonly classes: number;
  /** Truth label to leave out; undefined: none is. */
  readonly ignoreIndex: number | undefined;
}

/** Which input a label comes from, by its ONNX-style name. */
export type LabelInput = 'truth' | 'prediction';

/** A label outside [0, classes) that is not the truth's ignore label: where it is and what it holds. */
export class LabelRangeError extends InputError {
  override name = 'LabelRangeError';
  constructor(
    node: OpNode,
    readonly input: LabelInput,
    readonly value: number,
    /** Its position in the input, row-major coordinates ([y, x] for an [H, W] label map). */
    readonly coordinates: readonly number[],
    readonly classes: number,
    readonly ignoreIndex: number | undefined,
  ) {
    const ignored =
      input === 'truth'
        ? ignoreIndex === undefined ? ' (no ignore_index is set)' : ` and is not ignore_index ${ignoreIndex}`
        : ignoreIndex === undefined ? '' : ' (ignore_index leaves out truth positions only)';
    super(node, input, `holds ${value} at position [${coordinates.join(', ')}], outside the classes 0..${classes - 1} (classes=${classes})${ignored}`);
  }
}

/** The error for a bad label: raised by the CPU scan, and made from a GPU fault record. */
function labelOutOfRange(node: OpNode, attrs: ConfusionMatrixAttrs, input: LabelInput, value: number, position: number, shape: Shape): LabelRangeError {
  return new LabelRangeError(node, input, value, coordinatesOf(position, shape), attrs.classes, attrs.ignoreIndex);
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

function checkInputs(node: OpNode, inputs: readonly (KnownValue | undefined)[]): { truth: KnownValue; prediction: KnownValue } {
  checkInputCount(node, inputs, 2);
  const truth = requireInput(node, inputs, 0, 'truth');
  const prediction = requireInput(node, inputs, 1, 'prediction');
  checkDtype(node, 'truth', truth, ['int32', 'int64']);
  checkDtype(node, 'prediction', prediction, ['int32', 'int64']);
  if (formatShape(truth.shape) !== formatShape(prediction.shape)) {
    throw new InputError(node, 'prediction', `has shape ${formatShape(prediction.shape)}; it must have truth's shape ${formatShape(truth.shape)}`);
  }
  // The GPU's fault record keeps 2 * position + input in one u32 (shaders/confusion-matrix.wgsl).
  if (sizeOf(truth.shape) > I32_MAX) throw new InputError(node, 'truth', `has shape ${formatShape(truth.shape)}, more than 2^31 - 1 labels`);
  return { truth, prediction };
}

const confusionMatrix: OpDefinition<ConfusionMatrixAttrs> = {
  type: 'ConfusionMatrix',
  parse(node) {
    checkKnownAttributes(node, ['classes', 'ignore_index']);
    const classes = intAttr(node, 'classes');
    if (classes < 1) throw new AttributeError(node, 'classes', classes, 'must be at least 1');
    const ignore = node.attributes['ignore_index'] === undefined ? undefined : intAttr(node, 'ignore_index');
    if (ignore !== undefined && (ignore < I32_MIN || ignore > I32_MAX)) throw new AttributeError(node, 'ignore_index', ignore, 'must fit in 32 bits, as the labels do on the GPU');
    return { classes, ignoreIndex: ignore };
  },
  infer(attrs, inputs, node) {
    checkInputs(node, inputs);
    return { outputs: [{ dtype: 'int32', shape: [attrs.classes, attrs.classes] }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    checkInputs(node, inputs);
    const [truth, prediction] = inputs as [Tensor, Tensor];
    const { classes, ignoreIndex } = attrs;
    const t = truth.data as ArrayLike<number | bigint>;
    const p = prediction.data as ArrayLike<number | bigint>;
    const counts = new Int32Array(classes * classes);
    for (let i = 0; i < t.length; i++) {
      const label = Number(t[i]);
      if (label === ignoreIndex) continue;
      if (!(label >= 0 && label < classes)) throw labelOutOfRange(node, attrs, 'truth', label, i, truth.shape);
      const predicted = Number(p[i]);
      if (!(predicted >= 0 && predicted < classes)) throw labelOutOfRange(node, attrs, 'prediction', predicted, i, truth.shape);
      counts[label * classes + predicted]++;
    }
    return [{ dtype: 'int32', shape: [classes, classes], data: counts }];
  },
  gpu(attrs, inputs, _outputs, _traits, node) {
    const shape = (inputs[0] as ValueInfo).shape;
    const total = sizeOf(shape);
    const cells = attrs.classes * attrs.classes;
    const kernel = indexFaultKernel('confusion-matrix', confusionMatrixWgsl);
    const params = (phase: number, invocations: number) => ({
      total: invocations,
      phase,
      classes: attrs.classes,
      hasIgnore: attrs.ignoreIndex === undefined ? 0 : 1,
      ignoreIndex: attrs.ignoreIndex ?? 0,
    });
    const bindings = { truth: { input: 0 }, prediction: { input: 1 }, counts: { output: 0 }, fault: { fault: true as const } };
    return {
      steps: [
        { kernel, label: 'confusion-matrix zero', params: params(0, cells), bindings, invocations: cells },
        { kernel, label: 'confusion-matrix count', params: params(1, total), bindings, invocations: total },
        { kernel, label: 'confusion-matrix fault value', params: params(2, 1), bindings, invocations: 1 },
      ],
      // The record's position is 2 * (flat position) + (0 truth, 1 prediction): see the WGSL.
      faultError: (fault) => labelOutOfRange(node, attrs, fault.position % 2 === 0 ? 'truth' : 'prediction', fault.value, Math.floor(fault.position / 2), shape),
    };
  },
};

export const ops: AnyOpDefinition[] = [confusionMatrix];
