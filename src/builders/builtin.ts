/**
 * Models built into segwgpu by name, built in TS with seeded random weights: they exercise the
 * whole pipeline without any download (real pretrained weights arrive with the TFLite importer).
 */
import type { Graph } from '../ir/graph.js';
import { buildFcn } from './fcn.js';
import { buildSegNet } from './segnet.js';
import { buildUNet } from './unet.js';

export const BUILT_GRAPHS: Readonly<Record<string, { describe: string; build: () => Graph }>> = {
  unet: { describe: 'U-Net, 4 levels, 16 base channels, 21 classes, 256x256 input (random weights)', build: () => buildUNet({ depth: 4, baseWidth: 16, classes: 21, height: 256, width: 256, batchNorm: true }) },
  fcn8s: { describe: 'FCN-8s, small VGG-style backbone, 21 classes, 128x128 input (random weights)', build: () => buildFcn({ variant: '8s', classes: 21, height: 128, width: 128 }) },
  segnet: { describe: 'SegNet, 3 levels, 16 base channels, 21 classes, 128x128 input (random weights)', build: () => buildSegNet({ depth: 3, baseWidth: 16, classes: 21, height: 128, width: 128 }) },
};
