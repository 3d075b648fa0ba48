/**
 * The "validate" switch: a Segmenter on the CPU backend, which runs the plain-TS reference of the
 * very graph the GPU Segmenter plans (the model wrapped with the same pre/post-processing), off
 * the main thread, and the comparison of its masks with the GPU's. Reference kernels are slow
 * (seconds to tens of seconds); a worker keeps the page responsive meanwhile.
 */
import { Segmenter } from '../src/api/segmenter.js';
import { compareOutputs } from '../src/validate/compare.js';
import type { ValidateRequest, ValidateResponse } from './validation.js';

// The CLI's `segwgpu validate` defaults: max |gpu - cpu| <= atol + rtol * max |cpu|.
const TOLERANCE = { atol: 1e-4, rtol: 1e-3 };

async function validate(request: ValidateRequest): Promise<ValidateResponse> {
  const { width, height, pixels, labels, gpuConfidence, gpuCategory } = request;
  // Both masks, as the page's GPU Segmenter makes them: the same wrapped graph on both sides.
  const reference = await Segmenter.create({ model: request.model, backend: 'cpu', outputCategoryMask: true, outputConfidenceMasks: true });
  try {
    const t0 = performance.now();
    const cpu = await reference.segment({ data: pixels, width, height });
    const cpuMs = performance.now() - t0;
    if (cpu.labels.join('\n') !== labels.join('\n')) {
      throw new Error(`the CPU reference's labels (${cpu.labels.join(', ')}) are not the GPU's (${labels.join(', ')})`);
    }
    const plane = width * height;
    // Every label's mask (for a probability model its background, 1 - p, as well as p).
    const cpuConfidence = new Float32Array(labels.length * plane);
    cpu.confidenceMasks!.forEach((mask, k) => cpuConfidence.set(mask, k * plane));
    const shape = [1, labels.length, height, width];
    const cmp = compareOutputs({ dtype: 'float32', shape, data: gpuConfidence }, { dtype: 'float32', shape, data: cpuConfidence }, TOLERANCE);
    const [, k, y, x] = cmp.worstAt;
    const cpuCategory = cpu.categoryMask!;
    let agree = 0;
    for (let i = 0; i < plane; i++) if (cpuCategory[i] === gpuCategory[i]) agree++;
    const at = k * plane + y * width + x;
    return {
      id: request.id,
      cpuMs,
      maxAbsError: cmp.maxAbsError,
      allowed: TOLERANCE.atol + TOLERANCE.rtol * cmp.magnitude,
      withinTolerance: cmp.withinTolerance,
      worst: { x, y, k, gpu: gpuConfidence[at], cpu: cpuConfidence[at] },
      categoryAgreement: agree / plane,
      disagreeing: plane - agree,
    };
  } finally {
    reference.close();
  }
}

self.onmessage = async (event: MessageEvent<ValidateRequest>) => {
  try {
    self.postMessage(await validate(event.data));
  } catch (e) {
    self.postMessage({ id: event.data.id, error: (e as Error).message } satisfies Partial<ValidateResponse>);
  }
};
