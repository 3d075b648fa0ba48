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

/**
 * Instance segmentation: the test suite's torchvision Mask R-CNN (seeded random weights, 3.6 MB,
 * test/fixtures/maskrcnn/), served with the page; its boxes and masks show the pipeline (GPU
 * segments split at NonZero, TopK, NMS and control flow on the host), not real objects.
 */
const MASK_RCNN_URL = new URL('../test/fixtures/maskrcnn/maskrcnn_small.onnx', import.meta.url);

async function fetchModel(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export const DEMO_MODELS: readonly DemoModel[] = [
  builtin('selfie', 'Selfie (MediaPipe)', true),
  builtin('selfie-landscape', 'Selfie landscape (MediaPipe)', true),
  builtin('segnet', 'SegNet · random weights', false),
  builtin('fcn8s', 'FCN-8s · random weights', false),
  builtin('unet', 'U-Net · random weights', false),
  {
    id: 'maskrcnn',
    label: 'Mask R-CNN · random weights (instances)',
    detail: "torchvision's Mask R-CNN (resnet18 stages, 32-channel FPN) at 128x96, seeded random weights: instances with boxes, labels, scores and masks",
    source: () => fetchModel(MASK_RCNN_URL),
    pretrained: false,
  },
];

/** The library's default (the pretrained selfie segmenter): about 1.5 s a photo on SwiftShader. */
export const DEFAULT_MODEL = LIBRARY_DEFAULT;

export function findModel(id: string | null | undefined): DemoModel | undefined {
  return DEMO_MODELS.find((m) => m.id === id && m.source);
}
