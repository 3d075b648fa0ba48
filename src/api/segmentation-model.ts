/** What the Segmenter needs to know about a model besides its graph, and where a model comes from. */
import type { Graph } from '../ir/graph.js';

export interface SegmentationModel {
  readonly graph: Graph;
  /** Per-channel mean/std applied to pixels scaled to [0, 1]: (pixel / 255 - mean) / std. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /**
   * Class scores (softmax over classes for confidences), one foreground probability, or
   * instances: a detection model's boxes, labels, scores and masks (torchvision's Mask R-CNN;
   * src/segment/instances.ts), taken for a model file whose outputs are those.
   */
  readonly output: 'logits' | 'probability' | 'instances';
  /**
   * One name per class, in the order of the confidence masks (for a one-channel probability
   * model: background, then the foreground; for instances, by label index). Default: 'class 0',
   * 'class 1', ...
   */
  readonly labels?: readonly string[];
  /** The built-in model this is, when it is one (by name or recognised by its bytes). */
  readonly builtin?: string;
}

/**
 * A built-in model's name; a URL (fetched, with progress) or, in Node, a file path (ONNX, TFLite,
 * or a tfjs graph model's model.json, whose weight shards are read from beside it); the model
 * file's bytes (ONNX or TFLite, told by their content); or a prepared SegmentationModel.
 */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array | SegmentationModel;

/** The defaults for models that are not built in: torchvision's (ImageNet) normalisation, logits. */
export const DEFAULT_MODEL_SETTINGS = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  output: 'logits',
} as const satisfies Pick<SegmentationModel, 'mean' | 'std' | 'output'>;
