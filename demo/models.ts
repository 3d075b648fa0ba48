/**
 * The models the demo offers: segwgpu's built-ins by name. The MediaPipe selfie segmenters are
 * pretrained (person / background); FCN-8s, SegNet and U-Net are built in TS with seeded random
 * weights (their masks show the pipeline working, not a meaningful segmentation). More models
 * plug in as further entries whose `source` is a URL, bytes or a prepared SegmentationModel.
 */
import type { ModelSource } from '../src/api/segmentation-model.js';
import { BUILTIN_MODELS, DEFAULT_MODEL as LIBRARY_DEFAULT } from '../src/api/builtin-models.js';

export interface DemoModel {
  readonly id: string;
  readonly label: string;
  readonly detail: string;
  /** What Segmenter.create({ model }) gets; absent: listed but not available in this build. */
  readonly source?: () => ModelSource | Promise<ModelSource>;
  readonly pretrained: boolean;
}

function builtin(id: string, label: string, pretrained: boolean): DemoModel {
  const entry = BUILTIN_MODELS[id];
  return { id, label, detail: entry ? entry.describe : 'not in this build', source: entry ? () => id : undefined, pretrained };
}

export const DEMO_MODELS: readonly DemoModel[] = [
  builtin('selfie', 'Selfie (MediaPipe)', true),
  builtin('selfie-landscape', 'Selfie landscape (MediaPipe)', true),
  builtin('segnet', 'SegNet · random weights', false),
  builtin('fcn8s', 'FCN-8s · random weights', false),
  builtin('unet', 'U-Net · random weights', false),
];

/** The library's default (the pretrained selfie segmenter): about 1.5 s a photo on SwiftShader. */
export const DEFAULT_MODEL = LIBRARY_DEFAULT;

export function findModel(id: string | null | undefined): DemoModel | undefined {
  return DEMO_MODELS.find((m) => m.id === id && m.source);
}
