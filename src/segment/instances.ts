/**
 * Instance segmentation models (torchvision's Mask R-CNN as exported to ONNX): how to tell one,
 * its image input, and its outputs as instances.
 *
 * torchvision's detection models take the image as float [3, H, W] (or a batch of one,
 * [1, 3, H, W]) with values in [0, 1], normalise and resize it inside the graph, and give
 * `boxes` [n, 4] (x1, y1, x2, y2 in the input's pixels), `labels` [n] (int64, 0 is background),
 * `scores` [n] (best first) and `masks` [n, 1, H, W] (each detection's probabilities, pasted into
 * the image). A model is taken for one when its outputs are named so, or when it has four
 * outputs of those kinds in that order (an export that kept torch's numbered names).
 */
import { SegwgpuError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import { classColor, overlayCategories } from './images.js';

/** One detected object: where, what, how sure, and which pixels. */
export interface Instance {
  /** [x1, y1, x2, y2] in the image's pixels (x to the right, y down). */
  readonly box: readonly [number, number, number, number];
  /** The class index the model gives (torchvision: 0 is background, so objects are >= 1). */
  readonly label: number;
  /** The class's name: the model's labels where given, else 'class <label>'. */
  readonly labelName: string;
  readonly score: number;
  /** Per pixel of the image (row-major, width x height), the probability it is this object; absent for a model without masks. */
  readonly mask?: Float32Array;
}

/** Where a detection model's outputs are, by role. */
export interface DetectionOutputs {
  readonly boxes: string;
  readonly labels: string;
  readonly scores: string;
  readonly masks?: string;
}

/** The detection outputs of a model, or undefined for a model that is not a detection model. */
export function detectionOutputsOf(graph: Graph): DetectionOutputs | undefined {
  const named = (role: string) => graph.outputs.find((o) => o === role);
  if (named('boxes') && named('labels') && named('scores')) return { boxes: 'boxes', labels: 'labels', scores: 'scores', ...(named('masks') && { masks: 'masks' }) };
  // Torch's numbered names: four outputs from an image input of rank 3 (torchvision's list of images).
  const input = graph.inputs[0];
  if (graph.outputs.length === 4 && graph.inputs.length === 1 && input?.dtype === 'float32' && input.shape.length === 3) {
    const [boxes, labels, scores, masks] = graph.outputs as [string, string, string, string];
    return { boxes, labels, scores, masks };
  }
  return undefined;
}

/** The image size a detection model takes: its input's, or undefined where rows and columns are symbolic (any size). */
export function detectionInputSize(graph: Graph): { width: number; height: number } | undefined {
  const input = graph.inputs[0]!;
  const shape = input.shape;
  if (!(shape.length === 3 || (shape.length === 4 && (shape[0] === 1 || typeof shape[0] !== 'number')))) {
    throw new SegwgpuError(`model '${graph.name}': a detection model takes one image, [3, H, W] or [1, 3, H, W]; its input '${input.name}' is [${shape.join('x')}]`);
  }
  const [c, h, w] = shape.slice(-3);
  if (typeof c === 'number' && c !== 3) throw new SegwgpuError(`model '${graph.name}': input '${input.name}' has ${c} channels; a detection model takes RGB (3)`);
  return typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? { width: w, height: h } : undefined;
}

/**
 * RGBA pixels as the model's input: RGB / 255, planar, [3, H, W] or [1, 3, H, W] as the model
 * declares (torchvision normalises inside the model; mean and std apply on top when given).
 */
export function detectionInputTensor(graph: Graph, rgba: ArrayLike<number>, width: number, height: number, mean: readonly number[] = [0, 0, 0], std: readonly number[] = [1, 1, 1]): Tensor<'float32'> {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) data[c * plane + i] = (rgba[4 * i + c]! / 255 - mean[c]!) / std[c]!;
  }
  const shape = graph.inputs[0]!.shape.length === 4 ? [1, 3, height, width] : [3, height, width];
  return { dtype: 'float32', shape, data };
}

/**
 * Interleaved pixels (`channels` per pixel) resampled bilinearly, half-pixel centres, edges
 * clamped (as Resize's 'half_pixel' linear mode), into `out` of toWidth x toHeight.
 */
function resizeBilinear<T extends { [i: number]: number; readonly length: number }>(src: ArrayLike<number>, width: number, height: number, channels: number, toWidth: number, toHeight: number, out: T): T {
  const source = (to: number, from: number, i: number) => {
    const s = Math.min(Math.max((i + 0.5) * (from / to) - 0.5, 0), from - 1);
    const lo = Math.floor(s);
    return [lo, Math.min(lo + 1, from - 1), s - lo] as const;
  };
  for (let y = 0; y < toHeight; y++) {
    const [y0, y1, fy] = source(toHeight, height, y);
    for (let x = 0; x < toWidth; x++) {
      const [x0, x1, fx] = source(toWidth, width, x);
      for (let c = 0; c < channels; c++) {
        const at = (yy: number, xx: number) => src[(yy * width + xx) * channels + c]!;
        out[(y * toWidth + x) * channels + c] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      }
    }
  }
  return out;
}

/** RGBA pixels resized to another size (an image to a fixed-size model's input). */
export function resizeRgba(rgba: ArrayLike<number>, width: number, height: number, toWidth: number, toHeight: number): Uint8ClampedArray {
  return resizeBilinear(rgba, width, height, 4, toWidth, toHeight, new Uint8ClampedArray(toWidth * toHeight * 4));
}

/** One probability plane resampled to the image's size. */
function resizePlane(plane: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (width === toWidth && height === toHeight) return plane.slice();
  return resizeBilinear(plane, width, height, 1, toWidth, toHeight, new Float32Array(toWidth * toHeight));
}

/**
 * The model's outputs as instances in the image's pixels. `modelSize`: the size the model saw
 * (the image resized to a fixed-size model's input); boxes are scaled and masks resampled back.
 */
export function instancesOf(
  outputs: Readonly<Record<string, Tensor>>,
  roles: DetectionOutputs,
  image: { width: number; height: number },
  modelSize: { width: number; height: number },
  labelNames: readonly string[] = [],
): Instance[] {
  const boxes = outputs[roles.boxes]!;
  const labels = outputs[roles.labels]!;
  const scores = outputs[roles.scores]!;
  const masks = roles.masks ? outputs[roles.masks] : undefined;
  const n = scores.shape[0] ?? 0;
  const check = (t: Tensor | undefined, role: string, want: (s: readonly number[]) => boolean, form: string) => {
    if (t && !want(t.shape)) throw new SegwgpuError(`detection output '${role}' is [${t.shape.join('x')}]; expected ${form} for ${n} detections`);
  };
  check(scores, roles.scores, (s) => s.length === 1, '[n]');
  check(boxes, roles.boxes, (s) => s.length === 2 && s[0] === n && s[1] === 4, '[n, 4]');
  check(labels, roles.labels, (s) => s.length === 1 && s[0] === n, '[n]');
  check(masks, roles.masks ?? 'masks', (s) => s.length === 4 && s[0] === n && s[1] === 1 && s[2] === modelSize.height && s[3] === modelSize.width, `[n, 1, ${modelSize.height}, ${modelSize.width}]`);
  const sx = image.width / modelSize.width;
  const sy = image.height / modelSize.height;
  const plane = modelSize.width * modelSize.height;
  const result: Instance[] = [];
  for (let d = 0; d < n; d++) {
    const b = Array.from({ length: 4 }, (_, k) => Number(boxes.data[4 * d + k]));
    const label = Number(labels.data[d]);
    const mask = masks && resizePlane((masks.data as Float32Array).subarray(d * plane, (d + 1) * plane), modelSize.width, modelSize.height, image.width, image.height);
    result.push({
      box: [b[0]! * sx, b[1]! * sy, b[2]! * sx, b[3]! * sy],
      label,
      labelName: labelNames[label] ?? `class ${label}`,
      score: Number(scores.data[d]),
      ...(mask && { mask }),
    });
  }
  return result;
}

/**
 * Per pixel, the label of the best-scoring instance whose mask covers it (probability >= 0.5),
 * 0 where none does: the instances as a category mask. Labels above 255 do not fit: undefined.
 */
export function categoryMaskOf(instances: readonly Instance[], width: number, height: number): Uint8Array | undefined {
  if (instances.some((i) => i.label > 255 || i.label < 0 || !i.mask)) return undefined;
  const out = new Uint8Array(width * height);
  const best = new Float32Array(width * height).fill(-Infinity);
  for (const instance of instances) {
    const mask = instance.mask!;
    for (let p = 0; p < out.length; p++) {
      if (mask[p]! >= 0.5 && instance.score > best[p]!) {
        best[p] = instance.score;
        out[p] = instance.label;
      }
    }
  }
  return out;
}

/** Per pixel, 1 + the index of the best-scoring instance covering it (0: none), for drawing each in its own colour. */
export function instanceMapOf(instances: readonly Instance[], width: number, height: number): Uint16Array {
  const out = new Uint16Array(width * height);
  const best = new Float32Array(width * height).fill(-Infinity);
  instances.forEach((instance, k) => {
    const mask = instance.mask;
    if (!mask) return;
    for (let p = 0; p < out.length; p++) {
      if (mask[p]! >= 0.5 && instance.score > best[p]!) {
        best[p] = instance.score;
        out[p] = k + 1;
      }
    }
  });
  return out;
}

/**
 * The photo with each instance tinted in its own colour (the best-scoring one where they
 * overlap) and its box outlined in that colour: instance k gets palette colour k + 1.
 */
export function drawInstances(photo: Uint8ClampedArray, instances: readonly Instance[], width: number, height: number): Uint8ClampedArray {
  const out = overlayCategories(photo, instanceMapOf(instances, width, height), width, height);
  instances.forEach((instance, k) => {
    const [r, g, b] = classColor(k + 1);
    const clampX = (v: number) => Math.min(width - 1, Math.max(0, Math.round(v)));
    const clampY = (v: number) => Math.min(height - 1, Math.max(0, Math.round(v)));
    const [x1, y1, x2, y2] = [clampX(instance.box[0]), clampY(instance.box[1]), clampX(instance.box[2]), clampY(instance.box[3])];
    const put = (x: number, y: number) => out.set([r, g, b, 255], 4 * (y * width + x));
    for (let x = x1; x <= x2; x++) {
      put(x, y1);
      put(x, y2);
    }
    for (let y = y1; y <= y2; y++) {
      put(x1, y);
      put(x2, y);
    }
  });
  return out;
}
