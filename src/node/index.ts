/**
 * segwgpu in Node: everything 'segwgpu' has, plus the dawn.node adapter (SwiftShader found by
 * itself on machines without a GPU), image and file helpers. Importing this module makes
 * nodeGpuContext the device a Segmenter uses when it is given none.
 */
import { setDefaultGpuContextProvider } from '../gpu/context.js';
import { nodeGpuContext } from './gpu.js';

export * from '../index.js';
export { nodeGpuContext, MISSING_ADAPTER_HELP } from './gpu.js';
export { readImageFile, decodeImage, encodeRgbaPng, encodeGrayPng } from './image.js';
export type { RgbaImage } from './image.js';
export { loadModelFile } from './model-file.js';
export { readNpy, writeNpy } from '../io/npy.js';

setDefaultGpuContextProvider(nodeGpuContext);
