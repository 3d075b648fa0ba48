/** The Segmenter API in Node (dawn.node device): masks, concurrency, keepOnGpu, close, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Segmenter, type RawImage, type SegmentationResult } from '../src/api/segmenter.js';
import { testGpu } from './util/gpu.js';
import { rng } from './util/random.js';

function photo(width: number, height: number, seed: number): RawImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.floor(next() * 256);
  return { data, width, height };
}

async function readBuffer(device: GPUDevice, buffer: GPUBuffer): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}

describe('Segmenter', () => {
  let seg: Segmenter;
  beforeAll(async () => {
    seg = await Segmenter.create({ model: 'segnet', device: (await testGpu()).device });
  });
  afterAll(() => seg.close());

  it('returns a category mask and per-class confidences at the input size', async () => {
    const r = await seg.segment(photo(37, 23, 1));
    expect([r.width, r.height]).toEqual([37, 23]);
    expect(r.categoryMask!.length).toBe(37 * 23);
    expect(r.confidenceMasks!.length).toBe(21);
    for (let p = 0; p < 37 * 23; p += 97) {
      const scores = r.confidenceMasks!.map((m) => m[p]);
      expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      // The category is the most confident class.
      expect(scores[r.categoryMask![p]]).toBe(Math.max(...scores));
    }
  });

  it('gives the same results for concurrent calls as for sequential ones', async () => {
    const images = [photo(20, 16, 2), photo(33, 17, 3), photo(20, 16, 4)];
    const sequential: SegmentationResult[] = [];
    for (const im of images) sequential.push(await seg.segment(im));
    const concurrent = await Promise.all(images.map((im) => seg.segment(im)));
    concurrent.forEach((r, i) => {
      expect(r.categoryMask).toEqual(sequential[i].categoryMask);
      expect(r.confidenceMasks![3]).toEqual(sequential[i].confidenceMasks![3]);
    });
  });

  it('keeps masks on the GPU when asked, with the same contents', async () => {
    const device = (await testGpu()).device;
    const im = photo(24, 18, 5);
    const onCpu = await seg.segment(im);
    const onGpu = await seg.segment(im, { keepOnGpu: true });
    expect(onGpu.categoryMask).toBeUndefined();
    const labels = new Int32Array(await readBuffer(device, onGpu.gpu!.category!));
    expect(Array.from(labels)).toEqual(Array.from(onCpu.categoryMask!));
    const confidence = new Float32Array(await readBuffer(device, onGpu.gpu!.confidence!));
    expect(confidence.subarray(0, 24 * 18)).toEqual(onCpu.confidenceMasks![0]);
    onGpu.gpu!.category!.destroy();
    onGpu.gpu!.confidence!.destroy();
  });

  it('returns only the masks asked for, with the same values as both together', async () => {
    const device = (await testGpu()).device;
    const im = photo(21, 19, 7);
    const both = await seg.segment(im);
    const categoryOnly = await Segmenter.create({ model: 'segnet', device, outputConfidenceMasks: false });
    const confidenceOnly = await Segmenter.create({ model: 'segnet', device, outputCategoryMask: false });
    try {
      const c = await categoryOnly.segment(im);
      expect(c.confidenceMasks).toBeUndefined();
      expect(c.categoryMask).toEqual(both.categoryMask);
      const f = await confidenceOnly.segment(im);
      expect(f.categoryMask).toBeUndefined();
      expect(f.confidenceMasks).toEqual(both.confidenceMasks);
      // Neither mask's ops are in a plan that does not output it.
      const ops = async (s: Segmenter) => (await s.prepare(21, 19)).nodes.map((n) => n.opType);
      expect(await ops(categoryOnly)).not.toContain('Softmax');
      expect(await ops(confidenceOnly)).not.toContain('ArgMax');
      const onGpu = await confidenceOnly.segment(im, { keepOnGpu: true });
      expect(onGpu.gpu!.category).toBeUndefined();
      expect(new Float32Array(await readBuffer(device, onGpu.gpu!.confidence!)).subarray(0, 21 * 19)).toEqual(both.confidenceMasks![0]);
      onGpu.gpu!.confidence!.destroy();
    } finally {
      categoryOnly.close();
      confidenceOnly.close();
    }
  });

  it('drops the threshold of a probability model when only its confidence is asked for', async () => {
    const device = (await testGpu()).device;
    const selfie = await Segmenter.create({ model: 'selfie', device, outputCategoryMask: false });
    try {
      expect((await selfie.prepare(16, 12)).nodes.map((n) => n.opType)).not.toContain('Threshold');
      const r = await selfie.segment(photo(16, 12, 8));
      expect(r.categoryMask).toBeUndefined();
      // Aligned with the labels: background, then the person (the model's one output plane).
      expect(r.labels).toEqual(['background', 'person']);
      expect(r.confidenceMasks!.length).toBe(2);
      expect(r.confidenceMasks![1].length).toBe(16 * 12);
    } finally {
      selfie.close();
    }
  });

  it('refuses to output no mask at all', async () => {
    await expect(Segmenter.create({ model: 'segnet', device: (await testGpu()).device, outputCategoryMask: false, outputConfidenceMasks: false })).rejects.toThrow(
      /outputCategoryMask and outputConfidenceMasks are both false/,
    );
  });

  it('refuses raw pixels of the wrong length, naming the sizes', async () => {
    await expect(seg.segment({ data: new Uint8ClampedArray(10), width: 4, height: 4 })).rejects.toThrow(/holds 10 bytes, expected 4x4x4 RGBA bytes/);
  });

  it('refuses calls after close', async () => {
    const other = await Segmenter.create({ model: 'segnet', device: (await testGpu()).device });
    other.close();
    await expect(other.segment(photo(8, 8, 6))).rejects.toThrow(/Segmenter.segment: the segmenter was closed/);
  });

  it('names an unknown built-in model and lists the known ones', async () => {
    await expect(Segmenter.create({ model: 'nope', device: (await testGpu()).device })).rejects.toThrow(/unknown built-in model 'nope' \(built-in: selfie, selfie-landscape, unet, fcn8s, segnet\)/);
  });
});
