/**
 * Resize, ONNX opset 17 semantics (the inputs X, roi, scales, sizes are the same from opset 11 on,
 * so opset 11 and 13 models read the same way). Only the last two axes (H, W of NCHW) may change:
 * every leading axis must keep scale 1 / its size. Any rank >= 1 works; rank 1 resizes its one axis.
 *
 * Supported: mode 'nearest' and 'linear' (bilinear over H and W);
 * coordinate_transformation_mode half_pixel (default), pytorch_half_pixel, align_corners,
 * asymmetric, tf_half_pixel_for_nn; nearest_mode round_prefer_floor (default), round_prefer_ceil,
 * floor, ceil. cubic_coeff_a, exclude_outside and extrapolation_value are accepted and validated but
 * change nothing for these modes (exclude_outside cannot move a linear result: the neighbours it
 * would drop are edge copies of kept ones). Unsupported, with an AttributeError: mode 'cubic',
 * coordinate_transformation_mode 'tf_crop_and_resize' and 'half_pixel_symmetric' (opset 19).
 * The opset-18 attributes (antialias, axes, keep_aspect_ratio_policy) are not known here.
 *
 * Inputs: scales (float32) or sizes (int64), exactly one of them non-empty (opset 11 models pass an
 * empty tensor for the unused one); it must be a constant, because the output shape and the
 * kernel's uniforms come from it. roi is ignored (it only matters for tf_crop_and_resize).
 *
 * Arithmetic follows onnxruntime's formulas (upsamplebase.h), in f32 throughout; the CPU reference
 * rounds every step to f32 too, so reference and kernel pick the same nearest pixel on exact and
 * near ties (in float64, 3 / f32(0.6) is 4.9999998 and floors to 4; in f32 it is 5, as in
 * onnxruntime):
 *   - output length with scales: floor(f32(in * scale)); with sizes: as given.
 *   - the scale in the coordinate transform: the given scale; with sizes, f32(out / in).
 *   - x_original (f32, evaluated left to right):
 *       half_pixel           (x + 0.5) / scale - 0.5
 *       pytorch_half_pixel   out > 1 ? (x + 0.5) / scale - 0.5 : 0
 *       align_corners        out == 1 ? 0 : x * (in - 1) / (out - 1)   (out: the integer length)
 *       asymmetric           x / scale
 *       tf_half_pixel_for_nn (x + 0.5) / scale
 *   - nearest: round x_original by nearest_mode, then clamp the index into [0, in - 1].
 *   - linear: clamp x_original into [0, in - 1]; interpolate between floor and floor + 1 (itself
 *     clamped), as onnxruntime and the ONNX reference (edge padding) do. A tap of weight 0 adds
 *     nothing, so an output on an input sample is that sample and non-finite values follow the
 *     rule in shaders/common.wgsl: an output is NaN when a tap it weighs is NaN or its taps hold
 *     both infinities, else +-Inf when one is infinite, whatever the order of the lerps. (torch's
 *     bilinear weighs a weight-0 neighbour at the top/left border, so a non-finite one makes NaN
 *     there; this is the one place it differs.)
 * Note: the ONNX reference and ONNX shape inference compute floor(in * scale) in float64, so for
 * scales such as 0.7 (f32 0.699999988) and in = 10 they give 6 where onnxruntime's kernel and
 * PyTorch give 7; we give 7.
 *
 * Checked against onnxruntime-node 1.30 (CPU) over 8,200 one-axis configurations (lengths 1..13,
 * 13 sizes and 13 scales, every mode): linear agrees within 2e-6 wherever the length changes.
 * Known differences, where we keep the spec's formula:
 *   - when an output length equals the input length, onnxruntime copies the input; the spec still
 *     applies the transform (a scale of 1.25 on a length-2 axis, or tf_half_pixel_for_nn, which
 *     shifts by half a pixel even at scale 1);
 *   - nearest coordinates within one f32 ulp of a .5 tie (e.g. 2 / f32(4/7) = 3.4999998): that
 *     onnxruntime build rounds some of them as exact ties (25 of the 6,500 nearest configurations).
 *
 * PyTorch F.interpolate equivalences (scale_factor or size, recompute_scale_factor unset; the
 * PyTorch golden fixtures in test/fixtures/golden/ops/resize.json pass with these):
 *   bilinear align_corners=False == linear + half_pixel (pytorch_half_pixel differs only for out 1);
 *   bilinear align_corners=True  == linear + align_corners;
 *   nearest                      == nearest + asymmetric + floor;
 *   nearest-exact                == nearest + half_pixel + round_prefer_ceil (PyTorch takes
 *     floor((x + 0.5) * in/out), which rounds x_original's halves up).
 * PyTorch multiplies by in/out where ONNX divides by the scale, so the two can pick different
 * pixels where x_original lands within an f32 rounding of a tie.
 *
 * GPU: exact power-of-two factors (x1, x2, x4 per axis; every coordinate mode but align_corners)
 * take a generated integer-scale kernel with the weights as literals (see integerScaleKernel);
 * everything else takes shaders/resize.wgsl, 4 outputs of a row per invocation, shapes and
 * scales as uniforms and the modes as per-variant constants.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { formatShape, numberValues, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, floatAttr, intAttr, stringAttr } from './attributes.js';
import { requireKnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import type { GpuStep } from '../gpu/step.js';
import { integerScaleKernel, resizeKernel, type CoordinateMode, type IntegerScales, type NearestMode, type ResizeModes, type ResizeTile } from './resize-kernels.js';

const MODES = ['nearest', 'linear', 'cubic'] as const;
const COORDINATE_MODES = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
  'tf_crop_and_resize',
  'half_pixel_symmetric',
] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

/** Parsed attributes: the modes (cubic and tf_crop_and_resize are refused by parse). */
export type ResizeAttrs = ResizeModes;

/** The resolved geometry: input and output shapes, and the f32 scales of the two resized axes. */
interface ResizeGeometry {
  readonly outShape: number[];
  /** Product of every axis but the last two. */
  readonly planes: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  readonly scaleH: number;
  readonly scaleW: number;
}

const f32 = Math.fround;

type Info = ValueInfo | Tensor;

/** Present and non-empty (opset 11 passes an empty tensor for the unused one of scales/sizes). */
function given(v: Info | undefined): v is Info {
  return v !== undefined && sizeOf(v.shape) > 0;
}

const AXIS_NAMES_4D = ['N', 'C', 'H', 'W'];

function axisName(axis: number, rank: number): string {
  return rank === 4 ? `${axis} (${AXIS_NAMES_4D[axis]})` : `${axis}`;
}

function resolveGeometry(node: OpNode, inputs: readonly (Info | undefined)[]): ResizeGeometry {
  const [x, , scales, sizes] = inputs;
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (inputs.length > 4) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of Resize (X, roi, scales, sizes)');
  if (x.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${x.dtype}; only float32 is supported`);
  const inShape = x.shape;
  const rank = inShape.length;
  if (rank < 1) throw new InputError(node, 'X', 'is a scalar; Resize needs at least one axis');
  if (inShape.some((d) => d < 1)) throw new InputError(node, 'X', `has shape ${formatShape(inShape)}; every axis must be at least 1`);
  const hasScales = given(scales);
  const hasSizes = given(sizes);
  if (hasScales && hasSizes) {
    throw new InputError(node, 'scales', `and sizes are both given (${formatShape(scales.shape)} and ${formatShape(sizes.shape)}); exactly one of them may be non-empty`);
  }

  let outShape: number[];
  let scaleOf: (axis: number) => number;
  if (hasScales) {
    if (scales.dtype !== 'float32') throw new InputError(node, 'scales', `has dtype ${scales.dtype}; it must be float32`);
    checkListShape(node, 'scales', scales.shape, rank);
    const t = requireKnownValue(node, 'scales', scales, 'they fix the output shape');
    const values = numberValues(t);
    values.forEach((s, axis) => {
      if (!(s > 0) || !Number.isFinite(s)) throw new InputError(node, 'scales', `=[${values.join(', ')}] has ${s} for axis ${axisName(axis, rank)}; scales must be positive and finite`);
    });
    // onnxruntime: static_cast<int64_t>(scale * in), a float product, truncated.
    outShape = inShape.map((d, axis) => Math.floor(f32(d * values[axis])));
    outShape.forEach((o, axis) => {
      if (o < 1) throw new InputError(node, 'scales', `=[${values.join(', ')}] gives an empty output along axis ${axisName(axis, rank)} (${inShape[axis]} * ${values[axis]} < 1)`);
    });
    values.forEach((s, axis) => {
      if (axis < rank - 2 && s !== 1) {
        throw new InputError(node, 'scales', `=[${values.join(', ')}] resizes axis ${axisName(axis, rank)}; only the last two (spatial) axes can be resized, so the others need scale 1`);
      }
    });
    scaleOf = (axis) => f32(values[axis]);
  } else if (hasSizes) {
    if (sizes.dtype === 'float32') throw new InputError(node, 'sizes', 'has dtype float32; it must be int64');
    checkListShape(node, 'sizes', sizes.shape, rank);
    const t = requireKnownValue(node, 'sizes', sizes, 'they fix the output shape');
    const values = numberValues(t);
    values.forEach((o, axis) => {
      if (!(o >= 1)) throw new InputError(node, 'sizes', `=[${values.join(', ')}] has ${o} for axis ${axisName(axis, rank)}; sizes must be at least 1`);
      if (axis < rank - 2 && o !== inShape[axis]) {
        throw new InputError(node, 'sizes', `=[${values.join(', ')}] changes axis ${axisName(axis, rank)} from ${inShape[axis]} to ${o}; only the last two (spatial) axes can be resized`);
      }
    });
    outShape = values;
    // onnxruntime: static_cast<float>(out) / static_cast<float>(in).
    scaleOf = (axis) => f32(values[axis] / inShape[axis]);
  } else {
    throw new InputError(node, 'scales', 'and sizes are both missing or empty; exactly one of them must be given');
  }
  const hAxis = rank - 2;
  const wAxis = rank - 1;
  return {
    outShape,
    planes: sizeOf(inShape.slice(0, Math.max(0, rank - 2))),
    inH: hAxis >= 0 ? inShape[hAxis] : 1,
    inW: inShape[wAxis],
    outH: hAxis >= 0 ? outShape[hAxis] : 1,
    outW: outShape[wAxis],
    scaleH: hAxis >= 0 ? scaleOf(hAxis) : 1,
    scaleW: scaleOf(wAxis),
  };
}

function checkListShape(node: OpNode, name: string, shape: Shape, rank: number): void {
  if (shape.length !== 1 || shape[0] !== rank) {
    throw new InputError(node, name, `has shape ${formatShape(shape)}; it must be a list of ${rank} values, one per axis of X`);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU reference. Coordinates are computed in f32 (Math.fround after every operation) as in
// onnxruntime; the interpolation itself is done in float64.

function sourceCoordinate(mode: CoordinateMode, xOut: number, scale: number, lenIn: number, lenOut: number): number {
  switch (mode) {
    case 'half_pixel':
      return f32(f32((xOut + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel':
      return lenOut > 1 ? f32(f32((xOut + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return lenOut === 1 ? 0 : f32(f32(xOut * (lenIn - 1)) / (lenOut - 1));
    case 'asymmetric':
      return f32(xOut / scale);
    case 'tf_half_pixel_for_nn':
      return f32((xOut + 0.5) / scale);
  }
}

function nearestIndex(mode: NearestMode, c: number, lenIn: number): number {
  const lower = Math.floor(c);
  const frac = c - lower;
  let i: number;
  switch (mode) {
    case 'round_prefer_floor':
      i = frac > 0.5 ? lower + 1 : lower;
      break;
    case 'round_prefer_ceil':
      i = frac >= 0.5 ? lower + 1 : lower;
      break;
    case 'floor':
      i = lower;
      break;
    case 'ceil':
      i = Math.ceil(c);
      break;
  }
  return Math.min(Math.max(i, 0), lenIn - 1);
}

/** The two neighbours and the weight of the upper one, for linear interpolation along one axis. */
function linearTaps(c: number, lenIn: number): { i0: number; i1: number; t: number } {
  const clamped = Math.min(Math.max(c, 0), lenIn - 1);
  const i0 = Math.floor(clamped);
  const i1 = Math.min(i0 + 1, lenIn - 1);
  return { i0, i1, t: clamped - i0 };
}

/** (1 - t) * a + t * b, where a tap of weight 0 adds nothing (so 0 * Inf does not make a NaN). */
function lerpTaps(a: number, b: number, t: number): number {
  return t === 0 ? a : (1 - t) * a + t * b;
}

function resizeCpu(attrs: ResizeAttrs, x: Tensor<'float32'>, g: ResizeGeometry): Tensor<'float32'> {
  const out = new Float32Array(sizeOf(g.outShape));
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  for (let plane = 0; plane < g.planes; plane++) {
    for (let oy = 0; oy < g.outH; oy++) {
      const cy = sourceCoordinate(attrs.coordinateMode, oy, g.scaleH, g.inH, g.outH);
      for (let ox = 0; ox < g.outW; ox++) {
        const cx = sourceCoordinate(attrs.coordinateMode, ox, g.scaleW, g.inW, g.outW);
        const at = (iy: number, ix: number): number => x.data[plane * inPlane + iy * g.inW + ix];
        let value: number;
        if (attrs.mode === 'nearest') {
          value = at(nearestIndex(attrs.nearestMode, cy, g.inH), nearestIndex(attrs.nearestMode, cx, g.inW));
        } else {
          const ty = linearTaps(cy, g.inH);
          const tx = linearTaps(cx, g.inW);
          const top = lerpTaps(at(ty.i0, tx.i0), at(ty.i0, tx.i1), tx.t);
          const bottom = lerpTaps(at(ty.i1, tx.i0), at(ty.i1, tx.i1), tx.t);
          value = lerpTaps(top, bottom, ty.t);
        }
        out[plane * outPlane + oy * g.outW + ox] = value;
      }
    }
  }
  return { dtype: 'float32', shape: g.outShape, data: out };
}

// ---------------------------------------------------------------------------------------------
// GPU fast path: power-of-two integer scales (the x2 upsampling of segmentation decoders).
//
// When an axis grows by an exact factor s in {1, 2, 4} (out = s * in and the f32 scale is s), the
// source coordinate of output s*j + r is j + d_r, where d_r depends on the residue r only and is
// exact in f32 (s is a power of two):
//   half_pixel, pytorch_half_pixel   (r + 0.5) / s - 0.5     (pytorch's out == 1 case is s = in = 1,
//                                                             where both give 0)
//   asymmetric                       r / s
//   tf_half_pixel_for_nn             (r + 0.5) / s
// (align_corners maps x * (in - 1) / (out - 1), which depends on the lengths: general kernel.)
// Since j + d_r is exact, its floor, fraction and rounding are j plus those of d_r, and d_r lies in
// (-1, 1). So linear output s*j + r is (1 - |d_r|) * x[j] + |d_r| * x[j + sign(d_r)], the
// neighbour clamped into the image (clamping the coordinate, as the spec does, gives the same
// pixel: both weights then fall on it); nearest output s*j + r is x[clamp(j + round(d_r))]. The
// weights |d_r| and 1 - |d_r| (0.25 and 0.75 for x2) are exact, and a result at the border is the
// border pixel within an ulp (an infinite one exactly: the weighted sum, unlike
// x[j] + w * (x[j'] - x[j]), never computes inf - inf from one infinite pixel).
//
// One invocation reads a TH x TW tile of input pixels plus the one-pixel halo its taps reach and
// writes the sH*TH x sW*TW outputs it covers: first the vertical lerps over the tile's columns,
// then the horizontal ones, all unrolled by the generator with the weights as literals, so there
// is no per-output coordinate arithmetic or division. With W a multiple of TW (4), the input and
// output rows are read and written as vec4s.

/**
 * 2 x 4 input pixels (16 outputs at x2): on SwiftShader, about 25% faster than 1 x 4 on the selfie
 * model's decoder shapes and as quick to compile; 4 x 8 was another 10-20% faster but compiled
 * 2-3x slower.
 */
const DEFAULT_TILE: ResizeTile = { rows: 2, cols: 4 };
const FAST_SCALES = [1, 2, 4];
/** Coordinates stay exact in f32 while (out + 0.5) needs at most 24 significant bits. */
const FAST_MAX_LENGTH = 2 ** 22;

/** The fast path's factors, or undefined when the general kernel must run. A pure function of attributes and shapes. */
function integerScales(attrs: ResizeAttrs, g: ResizeGeometry): IntegerScales | undefined {
  if (attrs.coordinateMode === 'align_corners') return undefined;
  const factor = (lenIn: number, lenOut: number, scale: number) =>
    FAST_SCALES.find((s) => scale === s && lenOut === s * lenIn && lenOut < FAST_MAX_LENGTH);
  const h = factor(g.inH, g.outH, g.scaleH);
  const w = factor(g.inW, g.outW, g.scaleW);
  return h !== undefined && w !== undefined ? { h, w } : undefined;
}

function integerScaleStep(attrs: ResizeAttrs, g: ResizeGeometry, planes: number, scales: IntegerScales, tile: ResizeTile): GpuStep {
  const vec4 = tile.cols % 4 === 0 && g.inW % tile.cols === 0;
  const tilesX = Math.ceil(g.inW / tile.cols);
  const tilesY = Math.ceil(g.inH / tile.rows);
  const total = planes * tilesY * tilesX;
  return {
    kernel: integerScaleKernel(attrs, scales, tile, vec4),
    params: { total, inH: g.inH, inW: g.inW, outH: g.outH, outW: g.outW, tilesX, tilesY },
    bindings: { x: { input: 0 }, y: { output: 0 } },
    invocations: total,
  };
}

/** Output rows per invocation of the general kernel (ROWS in shaders/resize.wgsl). */
const RESIZE_ROWS = 4;

/** What Resize's infer resolves: its modes and the geometry read from scales or sizes. */
interface ResolvedResize {
  readonly attrs: ResizeAttrs;
  readonly geometry: ResizeGeometry;
}

const resize: OpDefinition<ResizeAttrs, ResolvedResize> = {
  type: 'Resize',
  parse(node) {
    checkKnownAttributes(node, ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value']);
    const mode = stringAttr(node, 'mode', MODES, 'nearest');
    if (mode === 'cubic') throw new AttributeError(node, 'mode', mode, "is not supported (supported: 'nearest', 'linear')");
    const coordinateMode = stringAttr(node, 'coordinate_transformation_mode', COORDINATE_MODES, 'half_pixel');
    if (coordinateMode === 'tf_crop_and_resize') {
      throw new AttributeError(node, 'coordinate_transformation_mode', coordinateMode, 'is not supported (it needs the roi input and extrapolation; supported: half_pixel, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn)');
    }
    if (coordinateMode === 'half_pixel_symmetric') {
      throw new AttributeError(node, 'coordinate_transformation_mode', coordinateMode, 'is an opset-19 mode and is not supported (this Resize follows opset 17)');
    }
    const nearestMode = stringAttr(node, 'nearest_mode', NEAREST_MODES, 'round_prefer_floor');
    floatAttr(node, 'cubic_coeff_a', -0.75);
    floatAttr(node, 'extrapolation_value', 0);
    const excludeOutside = intAttr(node, 'exclude_outside', 0);
    if (excludeOutside !== 0 && excludeOutside !== 1) throw new AttributeError(node, 'exclude_outside', excludeOutside, 'must be 0 or 1');
    return { mode, coordinateMode, nearestMode };
  },
  infer(attrs, inputs, node) {
    const geometry = resolveGeometry(node, inputs);
    return { outputs: [{ dtype: 'float32', shape: geometry.outShape }], resolved: { attrs, geometry } };
  },
  cpu({ attrs, geometry }, inputs) {
    return [resizeCpu(attrs, inputs[0] as Tensor<'float32'>, geometry)];
  },
  gpu({ attrs, geometry: g }, _inputs, outputs) {
    const planes = sizeOf(outputs[0].shape) / (g.outH * g.outW);
    const scales = integerScales(attrs, g);
    if (scales) return { steps: [integerScaleStep(attrs, g, planes, scales, DEFAULT_TILE)] };
    const total = planes * Math.ceil(g.outH / RESIZE_ROWS) * Math.ceil(g.outW / 4);
    // Rows a multiple of 4 long: every run of 4 is whole and 4-aligned, stored as one vec4.
    const vec4Rows = g.outW % 4 === 0;
    return {
      steps: [
        {
          kernel: resizeKernel(attrs, vec4Rows),
          params: {
            total,
            inH: g.inH,
            inW: g.inW,
            outH: g.outH,
            outW: g.outW,
            scaleH: g.scaleH,
            scaleW: g.scaleW,
          },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
  spatial: ({ geometry: g }) => ({ kind: 'scale', factors: [g.inH / g.outH, g.inW / g.outW] }),
};

export const ops: AnyOpDefinition[] = [resize];
