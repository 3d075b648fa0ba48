/**
 * Real models web apps ship, which their licences keep out of this repository: fetched by
 * `node scripts/fetch-external-models.mjs` into external/ (git-ignored). Every test here skips
 * when its model is absent (as in CI).
 *
 * ISNet medium and small (@imgly/background-removal-data 1.4.5, AGPL-3.0): medium an fp16 graph,
 * small dynamically quantized (DynamicQuantizeLinear + ConvInteger, 119 each); 1x3x1024x1024 in,
 * a foreground probability out. Run as @imgly/background-removal runs them (1024x1024 bilinear,
 * (x - 128) / 256), on segwgpu's GPU plan and on onnxruntime-web's wasm EP with the same input:
 * the probabilities agree within 0.01 (medium) / 0.02 (small) on average and the masks (>= 0.5)
 * with IoU >= 0.99 / 0.98. Minutes each on SwiftShader (about 160 GMAC per run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { runPlan } from '../src/exec/gpu.js';
import { importOnnx } from '../src/import/onnx.js';
import { readImageFile } from '../src/node/image.js';
import { runOpCpu } from '../src/ops/call.js';
import { planGraphAsync } from '../src/plan/plan.js';
import { testGpu } from './util/gpu.js';

const PHOTO = 'assets/astronaut.png';

/** @imgly's pre-processing: the photo resized bilinearly to 1024x1024, (x - 128) / 256, NCHW. */
function isnetInput(): Tensor<'float32'> {
  const photo = readImageFile(PHOTO);
  const { width, height } = photo;
  const planes = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) planes[c * width * height + i] = (photo.data[4 * i + c]! - 128) / 256;
  const [resized] = runOpCpu({
    opType: 'Resize',
    attributes: { mode: 'linear' },
    inputs: [tensor([1, 3, height, width], planes), undefined, undefined, { dtype: 'int64', shape: [4], data: BigInt64Array.from([1n, 3n, 1024n, 1024n]) }],
  });
  return resized as Tensor<'float32'>;
}

const ISNET = [
  { name: 'medium', file: 'external/imgly/isnet-medium.onnx', kind: 'fp16', meanAbs: 0.01, iou: 0.99 },
  { name: 'small', file: 'external/imgly/isnet-small.onnx', kind: 'int8', meanAbs: 0.02, iou: 0.98 },
] as const;

for (const model of ISNET) {
  describe.skipIf(!existsSync(model.file))(`ISNet ${model.name} (external/imgly, ${model.kind})`, () => {
    it(`matches onnxruntime-web wasm on a photo: mean |diff| <= ${model.meanAbs}, IoU of the >= 0.5 masks >= ${model.iou}`, async () => {
      const bytes = new Uint8Array(readFileSync(model.file));
      const graph = importOnnx(bytes, { name: `isnet-${model.name}` });
      const inputName = graph.inputs[0]!.name;
      const outputName = graph.outputs[0]!;
      const input = isnetInput();

      const plan = await planGraphAsync(await testGpu(), graph, {});
      let ours: Float32Array;
      try {
        ours = (await runPlan(plan, { [inputName]: input })).outputs[outputName]!.data as Float32Array;
      } finally {
        plan.destroy();
      }

      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'] });
      const result = await session.run({ [inputName]: new ort.Tensor('float32', input.data, input.shape as number[]) });
      const theirs = result[outputName]!.data as Float32Array;
      await session.release();

      expect(ours.length).toBe(theirs.length);
      let sum = 0;
      let both = 0;
      let either = 0;
      for (let i = 0; i < ours.length; i++) {
        sum += Math.abs(ours[i]! - theirs[i]!);
        const a = ours[i]! >= 0.5;
        const b = theirs[i]! >= 0.5;
        if (a && b) both++;
        if (a || b) either++;
      }
      const meanAbs = sum / ours.length;
      const iou = either === 0 ? 1 : both / either;
      console.log(`ISNet ${model.name} vs onnxruntime-web wasm: mean |diff| ${meanAbs.toExponential(2)}, IoU ${iou.toFixed(4)}, foreground ${((100 * either) / ours.length).toFixed(1)}%`);
      expect(meanAbs).toBeLessThanOrEqual(model.meanAbs);
      expect(iou).toBeGreaterThanOrEqual(model.iou);
    }, 1_800_000);
  });
}
