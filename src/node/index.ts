/** segwgpu in Node: the dawn.node adapter (SwiftShader found by itself), image and file helpers. */
export * from '../index.js';
export { nodeGpuContext, MISSING_ADAPTER_HELP } from './gpu.js';
export { readImageFile, decodeImage, encodeRgbaPng } from './image.js';
export { loadModelFile } from './model-file.js';
export { readNpy, writeNpy } from '../io/npy.js';
