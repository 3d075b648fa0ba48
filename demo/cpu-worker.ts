/**
 * The "validate" switch: the CPU reference of the very graph the Segmenter plans (the model wrapped
 * with the same pre/post-processing), run off the main thread, and its comparison with the GPU's
 * masks. Plain-TS reference kernels are slow (seconds to tens of seconds); a worker keeps the page
 * responsive meanwhile.
 */
import { runGraphCpu } from '../src/exec/cpu.js';
import { compareOutputs } from '../src/validate/compare.js';
import { wrapForSegmentation, WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../src/segment/wrap.js';
import { alignedRowWords, packRgba } from '../src/segment/pack.js';
import type { SegmentationModel } from '../src/api/models.js';
import type { ValidateRequest, ValidateResponse } from './validation.js';

// The CLI's `segwgpu validate` defaults: max |gpu - cpu| <= atol + rtol * max |cpu|.
const TOLERANCE = { atol: 1e-4, rtol: 1e-3 };

function validate(request: ValidateRequest): ValidateResponse {
  const { width, height, pixels, gpuConfidence, gpuCategory, classes } = request;
  const model = request.model as SegmentationModel;
  const rowWords = alignedRowWords(width);
  const graph = wrapForSegmentation(model.graph, { imageWidth: width, imageHeight: height, rowWords, mean: model.mean, std: model.std, output: model.output });
  const t0 = performance.now();
  const reference = runGraphCpu(graph, { [WRAPPED_IMAGE_INPUT]: packRgba(pixels, width, height, rowWords) });
  const cpuMs = performance.now() - t0;
  const cpuConfidence = reference[WRAPPED_CONFIDENCE];
  const cmp = compareOutputs({ dtype: 'float32', shape: [1, classes, height, width], data: gpuConfidence }, cpuConfidence, TOLERANCE);
  const [, k, y, x] = cmp.worstAt;
  const plane = width * height;
  const cpuCategory = reference[WRAPPED_CATEGORY].data as BigInt64Array;
  let agree = 0;
  for (let i = 0; i < plane; i++) if (Number(cpuCategory[i]) === gpuCategory[i]) agree++;
  const cpuData = cpuConfidence.data as Float32Array;
  const at = k * plane + y * width + x;
  return {
    id: request.id,
    cpuMs,
    maxAbsError: cmp.maxAbsError,
    allowed: TOLERANCE.atol + TOLERANCE.rtol * cmp.magnitude,
    withinTolerance: cmp.withinTolerance,
    worst: { x, y, k, gpu: gpuConfidence[at], cpu: cpuData[at] },
    categoryAgreement: agree / plane,
    disagreeing: plane - agree,
  };
}

self.onmessage = (event: MessageEvent<ValidateRequest>) => {
  try {
    self.postMessage(validate(event.data));
  } catch (e) {
    self.postMessage({ id: event.data.id, error: (e as Error).message } satisfies Partial<ValidateResponse>);
  }
};
