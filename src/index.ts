/**
 * segwgpu's public API (browser and bundlers). Node-only helpers (dawn.node adapter, files) are in
 * 'segwgpu/node'.
 */
export { Segmenter } from './api/segmenter.js';
export type { BackendName, ImageSource, RawImage, SegmenterOptions, SegmentOptions, SegmentationResult } from './api/segmenter.js';
export { resolveModel, importModelBytes, loadTfjsModel } from './api/models.js';
export type { ModelSettings, LoadTfjsModelOptions } from './api/models.js';
export { fetchWithProgress, fetchAllWithProgress } from './api/progress.js';
export type { ProgressCallback, SegmenterProgress } from './api/progress.js';
export { DEFAULT_MODEL_SETTINGS } from './api/segmentation-model.js';
export type { ModelSource, SegmentationModel } from './api/segmentation-model.js';
export { SegwgpuError, AttributeError, InputError, UnsupportedError, DeviceLostError } from './core/errors.js';
export { SizeLimitError, MAX_VALUE_ELEMENTS, MAX_HOST_VALUE_ELEMENTS, MAX_IMAGE_PIXELS } from './core/limits.js';
export { tensor, int32Tensor, int64Tensor, zeros, sizeOf } from './core/tensor.js';
export type { Tensor, DType, Shape } from './core/tensor.js';
export type { Graph, GraphNode, GraphInput } from './ir/graph.js';
export { importOnnx } from './import/onnx.js';
export { importTflite } from './import/tflite.js';
export { importTfjs, isTfjsModelJson, readTfjsModelJson, tfjsWeightPaths, supportedTfjsOps } from './import/tfjs.js';
export type { ImportTfjsOptions, TfjsModelJson, TfjsWeightData } from './import/tfjs.js';
export { browserGpuContext, createGpuContext, createGpuContextForDevice } from './gpu/context.js';
export { liveGpuResources, type LiveGpuResources } from './gpu/buffers.js';
export { GpuOperationError } from './gpu/error-scopes.js';
export type { GpuContext } from './gpu/context.js';
export { planGraph, planGraphAsync, layoutGraph } from './plan/plan.js';
export type { GraphPlan, PlanOptions } from './plan/plan.js';
export { runPlan } from './exec/gpu.js';
export { PlanCache, type PlanCacheOptions } from './exec/plan-cache.js';
export type { RunOptions, RunResult, NodeTiming } from './exec/gpu.js';
export { runGraphCpu } from './exec/cpu.js';
export { runOpCpu } from './ops/call.js';
export type { OpCall } from './ops/call.js';
export { runOpGpu } from './exec/run-op.js';
export { supportedOpTypes } from './ops/registry.js';
export { optimizeGraph } from './passes/index.js';
export { buildFcn } from './builders/fcn.js';
export { buildUNet } from './builders/unet.js';
export { buildSegNet } from './builders/segnet.js';
export { convolutionalize } from './builders/convolutionalize.js';
export { compareOutputs } from './validate/compare.js';
export { wrapForSegmentation, WRAPPED_IMAGE_INPUT, WRAPPED_CONFIDENCE, WRAPPED_CATEGORY } from './segment/wrap.js';
export { packRgba, alignedRowWords } from './segment/pack.js';
export { classColor, colorizeCategories, overlayCategories } from './segment/images.js';
export { blurRgba, blendByConfidence, coverRgba } from './segment/effects.js';
export { BUILTIN_MODELS, BUILTIN_MODEL_NAMES, DEFAULT_MODEL, recognizeBuiltinModel } from './api/builtin-models.js';
export type { BuiltinModel } from './api/builtin-models.js';
