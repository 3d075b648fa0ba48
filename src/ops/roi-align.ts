/**
 * RoiAlign, ONNX opset 17 semantics (RoiAlign-16). Opset 10 had no coordinate_transformation_mode
 * and behaved as 'output_half_pixel'; an importer of opset-10 models sets that attribute.
 *
 * Inputs: X [N, C, H, W] float32, rois [R, 4] float32 as (x1, y1, x2, y2) in the input image's
 * coordinates, batch_indices [R] int64 (int32 accepted). Output [R, C, output_height, output_width].
 * Attributes: mode avg|max, output_height / output_width (default 1), sampling_ratio (0: adaptive,
 * ceil(roi_size / output_size) per ROI and axis), spatial_scale (default 1),
 * coordinate_transformation_mode half_pixel (default) | output_half_pixel.
 *
 * The computation follows the ONNX reference (onnx/reference/ops/op_roi_align.py), which is
 * onnxruntime's roialign.cc and torchvision's roi_align:
 *   - roi start/end = coordinate * spatial_scale, minus 0.5 for half_pixel (torchvision
 *     aligned=True); output_half_pixel does not shift and forces the roi to at least 1x1
 *     (aligned=False). A malformed half_pixel roi (x2 < x1) keeps its negative size: the adaptive
 *     grid is then empty and the output 0.
 *   - each output bin is sampled on a grid_h x grid_w grid at the sub-cell centres
 *     y = start_h + ph * bin_h + (iy + 0.5) * bin_h / grid_h (x likewise).
 *   - a sample with y < -1, y > H, x < -1 or x > W contributes nothing (all four weights 0);
 *     otherwise y, x are clamped to >= 0 and, past the last row/column, to H-1 / W-1, and the four
 *     neighbours get the bilinear weights.
 *   - avg: the sum of the bilinear samples divided by max(grid_h * grid_w, 1).
 *   - max: CHOICE, following the ONNX reference and onnxruntime exactly: per sample the MAX OF THE
 *     FOUR WEIGHTED CORNER TERMS max(w1*v1, w2*v2, w3*v3, w4*v4), then the max over the samples of
 *     the bin (the first sample starts the running max; a bin without samples gives 0). This is not
 *     the max of bilinearly interpolated values (which torchvision has no op for); models exported
 *     to ONNX are run with onnxruntime's behaviour, so that is the one matched here.
 * All ROI geometry (start, size, bin size, adaptive grid, sample positions) is computed in f32 as in
 * onnxruntime, on the CPU too (Math.fround), so the adaptive grid count ceil(roi / out) agrees with
 * the GPU when roi / out is (nearly) an integer; sums and products of values are float64 on the CPU.
 *
 * Validation: batch_indices must lie in [0, N), as onnxruntime requires: an InputError naming the
 * roi and the value (batchIndexOutOfRange, one text everywhere) when the model is planned for
 * constant ones and in cpu(). On the GPU, batch indices computed at run time are checked into the
 * node's index fault record (read back with the outputs, src/ops/index-fault.ts: the run is refused
 * with the same error); the kernel writes zeros for such a roi rather than read out of bounds.
 *
 * GPU: shaders/roi-align.wgsl, one invocation per output element (roi, c, ph, pw), which walks
 * its bin's sampling grid.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { formatShape, numberValues, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { indexFaultKernel, indexFaultValueStep } from './index-fault.js';
import { checkKnownAttributes, floatAttr, intAttr, stringAttr } from './attributes.js';
import { knownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import roiAlignWgsl from '../../shaders/roi-align.wgsl?raw';

type Mode = 'avg' | 'max';
type CoordinateMode = 'half_pixel' | 'output_half_pixel';

interface RoiAlignAttrs {
  readonly mode: Mode;
  readonly coordinateMode: CoordinateMode;
  readonly outputHeight: number;
  readonly outputWidth: number;
  readonly samplingRatio: number;
  readonly spatialScale: number;
}

type Info = ValueInfo | Tensor;

const f32 = Math.fround;

/** The error for batch index `value` of roi `roi`: for constants, in cpu(), and for a GPU fault record. */
function batchIndexOutOfRange(node: OpNode, value: number, roi: number, xShape: Shape): InputError {
  return new InputError(node, 'batch_indices', `has ${value} for roi ${roi}, outside the batch of X (${formatShape(xShape)}: allowed 0..${xShape[0] - 1})`);
}

/** Validates the three inputs and returns the output shape. */
function checkInputs(attrs: RoiAlignAttrs, inputs: readonly (Info | undefined)[], node: OpNode): number[] {
  const [x, rois, batchIndices] = inputs;
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (!rois) throw new InputError(node, 'rois', 'is missing');
  if (!batchIndices) throw new InputError(node, 'batch_indices', 'is missing');
  if (inputs.length > 3) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of RoiAlign (X, rois, batch_indices)');
  if (x.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${x.dtype}; only float32 is supported`);
  if (x.shape.length !== 4) throw new InputError(node, 'X', `has shape ${formatShape(x.shape)}; RoiAlign needs a rank-4 NCHW input`);
  if (x.shape.some((d) => d < 1)) throw new InputError(node, 'X', `has shape ${formatShape(x.shape)}; every axis must be at least 1`);
  if (rois.dtype !== 'float32') throw new InputError(node, 'rois', `has dtype ${rois.dtype}; it must be float32 like X`);
  if (rois.shape.length !== 2 || rois.shape[1] !== 4) {
    throw new InputError(node, 'rois', `has shape ${formatShape(rois.shape)}; it must be [num_rois, 4] with (x1, y1, x2, y2) rows`);
  }
  if (batchIndices.dtype === 'float32') throw new InputError(node, 'batch_indices', 'has dtype float32; it must be int64');
  if (batchIndices.shape.length !== 1) throw new InputError(node, 'batch_indices', `has shape ${formatShape(batchIndices.shape)}; it must be [num_rois]`);
  const numRois = rois.shape[0];
  if (batchIndices.shape[0] !== numRois) {
    throw new InputError(node, 'batch_indices', `has ${batchIndices.shape[0]} entries but rois has ${numRois} rows; there must be one batch index per roi`);
  }
  const known = knownValue(batchIndices);
  if (known) {
    const batch = x.shape[0];
    numberValues(known).forEach((b, r) => {
      if (!Number.isInteger(b) || b < 0 || b >= batch) throw batchIndexOutOfRange(node, b, r, x.shape);
    });
  }
  return [numRois, x.shape[1], attrs.outputHeight, attrs.outputWidth];
}

/** One ROI's geometry along one axis, in f32 like onnxruntime. */
interface AxisGeometry {
  readonly start: number;
  readonly bin: number;
  /** Samples per bin along this axis; zero or negative for an empty (malformed) roi. */
  readonly grid: number;
}

function axisGeometry(attrs: RoiAlignAttrs, c1: number, c2: number, outLen: number): AxisGeometry {
  const offset = attrs.coordinateMode === 'half_pixel' ? 0.5 : 0;
  const start = f32(f32(c1 * attrs.spatialScale) - offset);
  const end = f32(f32(c2 * attrs.spatialScale) - offset);
  let size = f32(end - start);
  if (attrs.coordinateMode === 'output_half_pixel') size = Math.max(size, 1);
  const bin = f32(size / outLen);
  const grid = attrs.samplingRatio > 0 ? attrs.samplingRatio : Math.ceil(f32(size / outLen));
  return { start, bin, grid };
}

/** Sample position i of bin p along an axis: start + p * bin + (i + 0.5) * bin / grid, in f32. */
function samplePosition(g: AxisGeometry, p: number, i: number): number {
  return f32(f32(g.start + f32(p * g.bin)) + f32(f32((i + 0.5) * g.bin) / g.grid));
}

/** The four bilinear taps of the ONNX reference, or null for a sample outside [-1, H] x [-1, W]. */
function bilinearTaps(y: number, x: number, height: number, width: number): { pos: number[]; w: number[] } | null {
  if (y < -1 || y > height || x < -1 || x > width) return null;
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let yLow = Math.floor(y);
  let xLow = Math.floor(x);
  let yHigh: number;
  let xHigh: number;
  if (yLow >= height - 1) {
    yHigh = yLow = height - 1;
    y = yLow;
  } else {
    yHigh = yLow + 1;
  }
  if (xLow >= width - 1) {
    xHigh = xLow = width - 1;
    x = xLow;
  } else {
    xHigh = xLow + 1;
  }
  const ly = y - yLow;
  const lx = x - xLow;
  const hy = 1 - ly;
  const hx = 1 - lx;
  return {
    pos: [yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh],
    w: [hy * hx, hy * lx, ly * hx, ly * lx],
  };
}

function roiAlignCpu(attrs: RoiAlignAttrs, x: Tensor<'float32'>, rois: Tensor<'float32'>, batchIndices: number[], outShape: number[]): Tensor<'float32'> {
  const [numRois, channels, outH, outW] = outShape;
  const [, , height, width] = x.shape;
  const out = new Float32Array(sizeOf(outShape));
  for (let r = 0; r < numRois; r++) {
    const [x1, y1, x2, y2] = rois.data.subarray(r * 4, r * 4 + 4);
    const gy = axisGeometry(attrs, y1, y2, outH);
    const gx = axisGeometry(attrs, x1, x2, outW);
    const count = Math.max(gy.grid * gx.grid, 1);
    for (let c = 0; c < channels; c++) {
      const plane = (batchIndices[r] * channels + c) * height * width;
      for (let ph = 0; ph < outH; ph++) {
        for (let pw = 0; pw < outW; pw++) {
          let sum = 0;
          let max = 0;
          let first = true;
          for (let iy = 0; iy < gy.grid; iy++) {
            const sy = samplePosition(gy, ph, iy);
            for (let ix = 0; ix < gx.grid; ix++) {
              const sx = samplePosition(gx, pw, ix);
              const taps = bilinearTaps(sy, sx, height, width);
              // An outside sample has all weights 0: it adds 0 to the sum and offers 0 to the max.
              const terms = taps ? taps.w.map((w, k) => w * x.data[plane + taps.pos[k]]) : [0, 0, 0, 0];
              sum += terms[0] + terms[1] + terms[2] + terms[3];
              const sampleMax = Math.max(...terms);
              max = first ? sampleMax : Math.max(max, sampleMax);
              first = false;
            }
          }
          out[((r * channels + c) * outH + ph) * outW + pw] = attrs.mode === 'avg' ? sum / count : max;
        }
      }
    }
  }
  return { dtype: 'float32', shape: outShape, data: out };
}

const roiAlign: OpDefinition<RoiAlignAttrs> = {
  type: 'RoiAlign',
  parse(node) {
    checkKnownAttributes(node, ['coordinate_transformation_mode', 'mode', 'output_height', 'output_width', 'sampling_ratio', 'spatial_scale']);
    const mode = stringAttr(node, 'mode', ['avg', 'max'] as const, 'avg');
    const coordinateMode = stringAttr(node, 'coordinate_transformation_mode', ['half_pixel', 'output_half_pixel'] as const, 'half_pixel');
    const outputHeight = intAttr(node, 'output_height', 1);
    const outputWidth = intAttr(node, 'output_width', 1);
    const samplingRatio = intAttr(node, 'sampling_ratio', 0);
    const spatialScale = f32(floatAttr(node, 'spatial_scale', 1));
    if (outputHeight < 1) throw new AttributeError(node, 'output_height', outputHeight, 'must be at least 1');
    if (outputWidth < 1) throw new AttributeError(node, 'output_width', outputWidth, 'must be at least 1');
    if (samplingRatio < 0) throw new AttributeError(node, 'sampling_ratio', samplingRatio, 'must not be negative (0 means adaptive)');
    if (!(spatialScale > 0) || !Number.isFinite(spatialScale)) throw new AttributeError(node, 'spatial_scale', spatialScale, 'must be positive and finite');
    return { mode, coordinateMode, outputHeight, outputWidth, samplingRatio, spatialScale };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: 'float32', shape: checkInputs(attrs, inputs, node) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const outShape = checkInputs(attrs, inputs, node);
    const [x, rois, batchIndices] = inputs as [Tensor<'float32'>, Tensor<'float32'>, Tensor];
    return [roiAlignCpu(attrs, x, rois, numberValues(batchIndices), outShape)];
  },
  gpu(attrs, inputs, outputs, _traits, node) {
    const x = inputs[0] as ValueInfo;
    const total = sizeOf(outputs[0].shape);
    return {
      steps: [
        {
          kernel: indexFaultKernel('roi-align', roiAlignWgsl),
          params: {
            total,
            batch: x.shape[0],
            channels: x.shape[1],
            height: x.shape[2],
            width: x.shape[3],
            outH: attrs.outputHeight,
            outW: attrs.outputWidth,
            samplingRatio: attrs.samplingRatio,
            isMax: attrs.mode === 'max',
            halfPixel: attrs.coordinateMode === 'half_pixel',
            spatialScale: attrs.spatialScale,
          },
          bindings: { x: { input: 0 }, rois: { input: 1 }, batchIndices: { input: 2 }, y: { output: 0 }, fault: { fault: true } },
          invocations: total,
        },
        indexFaultValueStep({ input: 2 }),
      ],
      faultError: (fault) => batchIndexOutOfRange(node, fault.value, fault.position, x.shape),
    };
  },
};

export const ops: AnyOpDefinition[] = [roiAlign];
