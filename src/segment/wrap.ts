/**
 * Wraps a segmentation model into an image-in, masks-out graph so pre- and post-processing run on
 * the GPU with the model: packed RGBA8 pixels unpacked, resized bilinearly to the model's input size
 * and normalised by mean/std in one pass (ImageToTensor); after the model, bilinear resize of the
 * scores back to the image size, then confidence masks and the category mask:
 *  - 'logits' models ([1, K, h, w] class scores): softmax over K, argmax over K;
 *  - 'probability' models ([1, 1, h, w], e.g. a person probability): the probability itself, and
 *    category 1 where it exceeds 0.5 (the Threshold op; a tie goes to background).
 * Either mask can be left out (categoryMask / confidenceMasks: false), and its ops with it.
 * One plan, one readback.
 */
import { SegwgpuError } from '../core/errors.js';
import { int64Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { inferGraph, resolveInputShapes } from '../shapes/infer.js';

export interface SegmentationWrapOptions {
  /** Image size the plan is made for. */
  readonly imageHeight: number;
  readonly imageWidth: number;
  /** Words per row of the packed RGBA input (>= imageWidth; 256-byte aligned rows for texture copies). */
  readonly rowWords?: number;
  /** Per-channel mean and std applied to pixel values scaled to [0, 1]. */
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  /**
   * What the model outputs: class logits (default) or a single foreground probability.
   * 'instances' (a detection model's boxes and masks) has no score map to wrap: refused.
   */
  readonly output?: 'logits' | 'probability' | 'instances';
  /** Which masks the graph outputs (both by default); at least one. Leaving one out drops its ops. */
  readonly categoryMask?: boolean;
  readonly confidenceMasks?: boolean;
}

// The wrapper's own values carry a prefix no exporter writes, so a model's 'image', 'category' or
// 'confidence' (common names) cannot collide with them.
const WRAPPER_PREFIX = 'segwgpu/';
export const WRAPPED_IMAGE_INPUT = `${WRAPPER_PREFIX}image`;
export const WRAPPED_CONFIDENCE = `${WRAPPER_PREFIX}confidence`;
export const WRAPPED_CATEGORY = `${WRAPPER_PREFIX}category`;
const WRAPPED_SCORES = `${WRAPPER_PREFIX}scores`;
const WRAPPED_SIZE = `${WRAPPER_PREFIX}size`;

/** The wrapped graph's resized class scores ([1, K, H, W], K = 1 for probability models). */
export function scoresOf(wrapped: Graph): string {
  const resize = wrapped.nodes.find((n) => n.name === 'post/resize');
  if (!resize) throw new SegwgpuError(`segment: graph ${wrapped.name} was not made by wrapForSegmentation`);
  return resize.outputs[0];
}

/** The model's one image input, checked to be [1x3xHxW]. */
function imageInputOf(model: Graph): Graph['inputs'][number] {
  if (model.inputs.length !== 1) throw new SegwgpuError(`segment: model ${model.name} has ${model.inputs.length} inputs; a segmentation model takes one image`);
  const input = model.inputs[0]!;
  const [n, c] = input.shape;
  if (input.shape.length !== 4 || c !== 3) throw new SegwgpuError(`segment: model input '${input.name}' has shape [${input.shape.join('x')}]; expected [1x3xHxW]`);
  if (n !== 1 && typeof n === 'number') throw new SegwgpuError(`segment: model input '${input.name}' has batch ${n}; expected 1`);
  return input;
}

/** The model's class-score shape [1, K, h, w] at an input size (its own where fixed). */
function scoreShapeOf(model: Graph, imageHeight: number, imageWidth: number): { shape: readonly number[]; modelH: number; modelW: number } {
  const input = imageInputOf(model);
  const [, , h, w] = input.shape;
  const modelH = typeof h === 'number' ? h : imageHeight;
  const modelW = typeof w === 'number' ? w : imageWidth;
  const logits = model.outputs[0]!;
  const shape = inferGraph(model, resolveInputShapes(model, { [input.name]: [1, 3, modelH, modelW] })).values.get(logits)!.shape;
  if (shape.length !== 4) throw new SegwgpuError(`segment: model output '${logits}' has shape [${shape.join('x')}]; expected class scores [1xKxhxw]`);
  return { shape, modelH, modelW };
}

/**
 * How many score channels K the model outputs (1 for a probability model), inferred at its own
 * input size, or at 256x256 where its input size is symbolic.
 */
export function scoreChannelsOf(model: Graph): number {
  return scoreShapeOf(model, 256, 256).shape[1]!;
}

export function wrapForSegmentation(model: Graph, options: SegmentationWrapOptions): Graph {
  if (options.output === 'instances') {
    throw new SegwgpuError(`segment: model ${model.name} is a detection model (boxes, labels, scores, masks): it has no class-score map to wrap into masks; the Segmenter runs it for instances`);
  }
  const input = imageInputOf(model);
  const reserved = [...model.inputs.map((i) => i.name), ...model.initializers.keys(), ...model.nodes.flatMap((n) => n.outputs)].find((name) => name.startsWith(WRAPPER_PREFIX));
  if (reserved !== undefined) throw new SegwgpuError(`segment: model ${model.name} has a value named '${reserved}'; names starting with '${WRAPPER_PREFIX}' are segwgpu's own (rename it)`);
  const { shape: scoreShape, modelH, modelW } = scoreShapeOf(model, options.imageHeight, options.imageWidth);
  const mean = options.mean ?? [0, 0, 0];
  const std = options.std ?? [1, 1, 1];
  const rowWords = options.rowWords ?? options.imageWidth;
  const pre: GraphNode[] = [
    {
      name: 'pre/unpack',
      opType: 'ImageToTensor',
      domain: 'ai.segwgpu',
      inputs: [WRAPPED_IMAGE_INPUT],
      outputs: [input.name],
      // Unpack, resize to the model's input (bilinear, half-pixel) and normalise,
      // (pixel / 255 - mean) / std as one multiply-add per channel, in one pass.
      attributes: {
        width: options.imageWidth,
        out_height: modelH,
        out_width: modelW,
        scale: std.map((s) => 1 / (255 * s)),
        bias: mean.map((m, i) => -m / std[i]),
      },
    },
  ];
  const logits = model.outputs[0]!;
  const classes = scoreShape[1]!;
  const kind = options.output ?? 'logits';
  if (kind === 'probability' && classes !== 1) throw new SegwgpuError(`segment: a probability model must output [1x1xhxw], '${logits}' is [${scoreShape.join('x')}]`);
  const wantsCategory = options.categoryMask ?? true;
  const wantsConfidence = options.confidenceMasks ?? true;
  if (!wantsCategory && !wantsConfidence) throw new SegwgpuError('segment: asked for neither the category mask nor the confidence masks');
  const post: GraphNode[] = [
    {
      name: 'post/resize',
      opType: 'Resize',
      domain: '',
      inputs: [logits, '', '', WRAPPED_SIZE],
      // A probability model's resized output is its confidence mask as it is.
      outputs: [kind === 'logits' ? WRAPPED_SCORES : WRAPPED_CONFIDENCE],
      attributes: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
    },
  ];
  if (kind === 'logits') {
    if (wantsConfidence) post.push({ name: 'post/softmax', opType: 'Softmax', domain: '', inputs: [WRAPPED_SCORES], outputs: [WRAPPED_CONFIDENCE], attributes: { axis: 1 } });
    // Argmax of the scores equals argmax of their softmax, so the category mask needs no softmax.
    if (wantsCategory) post.push({ name: 'post/argmax', opType: 'ArgMax', domain: '', inputs: [WRAPPED_SCORES], outputs: [WRAPPED_CATEGORY], attributes: { axis: 1, keepdims: 0 } });
  } else if (wantsCategory) {
    post.push({ name: 'post/threshold', opType: 'Threshold', domain: 'ai.segwgpu', inputs: [WRAPPED_CONFIDENCE], outputs: [WRAPPED_CATEGORY], attributes: { threshold: 0.5 } });
  }
  const initializers = new Map(model.initializers);
  initializers.set(WRAPPED_SIZE, int64Tensor([4], [1, classes, options.imageHeight, options.imageWidth]));
  return {
    ...model,
    name: `${model.name}+segment`,
    inputs: [{ name: WRAPPED_IMAGE_INPUT, dtype: 'int32', shape: [options.imageHeight, rowWords] }],
    outputs: [...(wantsConfidence ? [WRAPPED_CONFIDENCE] : []), ...(wantsCategory ? [WRAPPED_CATEGORY] : [])],
    initializers,
    nodes: [...pre, ...model.nodes, ...post],
  };
}
