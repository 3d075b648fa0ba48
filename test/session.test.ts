/**
 * The Segmenter as one segmentation session: both backends give the same masks, labels line up
 * with the masks, video frames reuse their arrays, progress reports real phases, built-in models
 * are recognised by their bytes, plans evicted mid-run survive their runs, bad options are refused
 * before any work.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Segmenter, type RawImage } from '../src/api/segmenter.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { compareOutputs } from '../src/validate/compare.js';
import { testGpu } from './util/gpu.js';
import { DeviceLostError } from '../src/core/errors.js';
import { setDefaultGpuContextProvider } from '../src/gpu/context.js';
import { nodeGpuContext } from '../src/node/gpu.js';
import { rng } from './util/random.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELFIE_FILE = join(ROOT, 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite');
const work = mkdtempSync(join(tmpdir(), 'segwgpu-session-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function photo(width: number, height: number, seed: number): RawImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.floor(next() * 256);
  return { data, width, height };
}

const device = async () => (await testGpu()).device;

describe('backends', () => {
  it("'cpu' (the reference) and 'webgpu' give the same masks for the same wrapped graph", async () => {
    const gpu = await Segmenter.create({ model: 'segnet', device: await device() });
    const cpu = await Segmenter.create({ model: 'segnet', backend: 'cpu' });
    try {
      expect([gpu.backend, cpu.backend]).toEqual(['webgpu', 'cpu']);
      expect(cpu.adapterName).toBe('cpu reference');
      const im = photo(19, 13, 11);
      const [g, c] = [await gpu.segment(im), await cpu.segment(im)];
      expect(c.labels).toEqual(g.labels);
      const plane = 19 * 13;
      const stack = (masks: Float32Array[]) => ({ dtype: 'float32' as const, shape: [masks.length, plane], data: Float32Array.from(masks.flatMap((m) => Array.from(m))) });
      const cmp = compareOutputs(stack(g.confidenceMasks!), stack(c.confidenceMasks!), { atol: 1e-4, rtol: 1e-3 });
      expect(cmp.withinTolerance, `max abs ${cmp.maxAbsError}`).toBe(true);
      let agree = 0;
      for (let i = 0; i < plane; i++) if (g.categoryMask![i] === c.categoryMask![i]) agree++;
      expect(agree / plane).toBeGreaterThanOrEqual(0.99);
    } finally {
      gpu.close();
      cpu.close();
    }
  });

  it('profiles per node on both backends: one timing per node the backend runs', async () => {
    const gpu = await Segmenter.create({ model: 'segnet', device: await device() });
    const cpu = await Segmenter.create({ model: 'segnet', backend: 'cpu' });
    try {
      const im = photo(16, 16, 12);
      const { nodes } = await gpu.prepare(16, 16);
      const g = await gpu.segment(im, { profile: true });
      if (gpu.canProfile) {
        expect(g.timings!.map((t) => t.node)).toEqual(nodes.map((n) => n.name));
        expect(g.timings!.every((t) => t.ms >= 0)).toBe(true);
      }
      const c = await cpu.segment(im, { profile: true });
      expect(c.timings!.length).toBeGreaterThan(10);
      expect(c.timings!.some((t) => t.opType === 'Conv')).toBe(true);
      expect((await gpu.segment(im)).timings).toBeUndefined();
    } finally {
      gpu.close();
      cpu.close();
    }
  });

  it('refuses keepOnGpu on the CPU backend, and a device with it', async () => {
    const cpu = await Segmenter.create({ model: 'segnet', backend: 'cpu' });
    await expect(cpu.segment(photo(8, 8, 1), { keepOnGpu: true })).rejects.toThrow(/keepOnGpu needs the 'webgpu' backend/);
    cpu.close();
    await expect(Segmenter.create({ model: 'segnet', backend: 'cpu', device: await device() })).rejects.toThrow(/a device was given, but backend 'cpu' uses none/);
  });
});

describe('labels', () => {
  it('name every confidence mask and category value: 21 classes for a logits model', async () => {
    const seg = await Segmenter.create({ model: 'segnet', device: await device() });
    try {
      const labels = seg.getLabels();
      expect(labels.length).toBe(21);
      expect(labels[0]).toBe('class 0');
      const r = await seg.segment(photo(9, 7, 2));
      expect(r.labels).toEqual(labels);
      expect(r.confidenceMasks!.length).toBe(labels.length);
      expect(Math.max(...r.categoryMask!)).toBeLessThan(labels.length);
    } finally {
      seg.close();
    }
  });

  it("give a probability model two masks, background = 1 - person, and the category mask is person > 0.5", async () => {
    const seg = await Segmenter.create({ model: 'selfie', device: await device() });
    try {
      expect(seg.getLabels()).toEqual(['background', 'person']);
      const r = await seg.segment(photo(30, 20, 3));
      const [background, person] = r.confidenceMasks!;
      for (let i = 0; i < 600; i++) {
        expect(Math.abs(background![i]! + person![i]! - 1)).toBeLessThanOrEqual(1e-7);
        expect(r.categoryMask![i]).toBe(person![i]! > 0.5 ? 1 : 0);
      }
      // On the GPU the buffer holds the one plane the model outputs, and says which label it is.
      const onGpu = await seg.segment(photo(30, 20, 3), { keepOnGpu: true });
      expect(onGpu.gpu!.planeLabels).toEqual(['person']);
      expect(onGpu.gpu!.confidence!.size).toBe(4 * 600);
      onGpu.gpu!.confidence!.destroy();
      onGpu.gpu!.category!.destroy();
    } finally {
      seg.close();
    }
  });

  it('take names from the caller, and refuse a list of the wrong length naming both counts', async () => {
    const names = Array.from({ length: 21 }, (_, k) => `voc-${k}`);
    const seg = await Segmenter.create({ model: 'segnet', device: await device(), labels: names });
    expect(seg.getLabels()).toEqual(names);
    seg.close();
    await expect(Segmenter.create({ model: 'segnet', device: await device(), labels: ['a', 'b', 'c'] })).rejects.toThrow(/3 labels given, but model 'segnet' has 21 classes/);
  });
});

describe('video mode', () => {
  it('reuses the arrays of a size from frame to frame, with each frame its own correct masks', async () => {
    const seg = await Segmenter.create({ model: 'segnet', device: await device() });
    try {
      const frames = [photo(24, 16, 21), photo(24, 16, 22), photo(24, 16, 23)];
      const stills = [];
      for (const f of frames) stills.push(await seg.segment(f));
      const first = await seg.segmentForVideo(frames[0]!, 0);
      const firstCategory = first.categoryMask!;
      const firstMask = first.confidenceMasks![5]!;
      expect(Array.from(firstCategory)).toEqual(Array.from(stills[0]!.categoryMask!));
      for (let k = 1; k < frames.length; k++) {
        const r = await seg.segmentForVideo(frames[k]!, 33 * k);
        expect(r.timestampMs).toBe(33 * k);
        // The same arrays, overwritten with this frame's masks.
        expect(r.categoryMask).toBe(firstCategory);
        expect(r.confidenceMasks![5]!.buffer).toBe(firstMask.buffer);
        expect(Array.from(r.categoryMask!)).toEqual(Array.from(stills[k]!.categoryMask!));
        expect(r.confidenceMasks![5]).toEqual(stills[k]!.confidenceMasks![5]);
      }
      // A frame of another size gets its own session and arrays.
      const other = await seg.segmentForVideo(photo(10, 12, 24), 200);
      expect([other.width, other.height]).toEqual([10, 12]);
      expect(other.categoryMask!.length).toBe(120);
    } finally {
      seg.close();
    }
  });

  it('refuses frames out of order and timestamps that are not numbers', async () => {
    const seg = await Segmenter.create({ model: 'segnet', device: await device() });
    try {
      await seg.segmentForVideo(photo(8, 8, 1), 100);
      expect(() => seg.segmentForVideo(photo(8, 8, 1), 100)).toThrow(/timestamp 100 ms is not after the previous frame's 100 ms/);
      expect(() => seg.segmentForVideo(photo(8, 8, 1), Number.NaN)).toThrow(/timestampMs must be a finite number/);
    } finally {
      seg.close();
    }
  });

  it('reuses the uploaded pixels of raw frames too: a frame does not see the previous one', async () => {
    // The selfie model (bilinear pre-resize) at a width that is not a multiple of 64: padded rows.
    const seg = await Segmenter.create({ model: 'selfie', device: await device(), outputCategoryMask: false });
    try {
      const a = photo(70, 40, 31);
      const b = photo(70, 40, 32);
      const stillB = (await seg.segment(b)).confidenceMasks![1]!;
      await seg.segmentForVideo(a, 1);
      const videoB = (await seg.segmentForVideo(b, 2)).confidenceMasks![1]!;
      expect(videoB).toEqual(stillB);
    } finally {
      seg.close();
    }
  });
});

describe('progress and warm-up', () => {
  it('reports the download, the import, every pipeline compiled (k of n) and the first run, once per size', async () => {
    const events: SegmenterProgress[] = [];
    const seg = await Segmenter.create({ model: SELFIE_FILE, device: await device(), onProgress: (p) => events.push(p) });
    try {
      expect(events.map((e) => e.phase)).toEqual(['download', 'import']);
      expect(events[0]).toEqual({ phase: 'download', loadedBytes: 249024, totalBytes: 249024 });
      expect(events[1]).toMatchObject({ phase: 'import', format: 'tflite', bytes: 249024 });
      events.length = 0;
      // Kernels are shared with earlier plans on this device, so `total` counts what is left to
      // compile (possibly 0; the next test counts on a fresh device).
      await seg.segment(photo(33, 21, 4));
      const compile = events.filter((e): e is Extract<SegmenterProgress, { phase: 'compile' }> => e.phase === 'compile');
      expect(compile.length).toBeGreaterThanOrEqual(1);
      const total = compile[0]!.total;
      expect(compile.map((e) => e.compiled)).toEqual(Array.from({ length: total + 1 }, (_, k) => k));
      expect(compile.every((e) => e.total === total && e.width === 33 && e.height === 21)).toBe(true);
      expect(events.filter((e) => e.phase === 'first-run')).toEqual([{ phase: 'first-run', width: 33, height: 21 }]);
      expect(events.at(-1)!.phase).toBe('first-run');
      events.length = 0;
      await seg.segment(photo(33, 21, 5));
      expect(events).toEqual([]);
    } finally {
      seg.close();
    }
  });

  it('counts real compilations on a fresh device: the selfie plan compiles more than one pipeline', async () => {
    const { nodeGpuContext } = await import('../src/node/gpu.js');
    const fresh = await nodeGpuContext();
    const totals: number[] = [];
    const seg = await Segmenter.create({ model: 'selfie', device: fresh.device, onProgress: (p) => p.phase === 'compile' && totals.push(p.total) });
    try {
      await seg.prepare(64, 64);
      expect(totals[0]).toBeGreaterThan(5);
    } finally {
      seg.close();
      fresh.device.destroy();
    }
  });

  it('prepare() plans, compiles and runs once, so the first segment() at that size reports nothing', async () => {
    const events: SegmenterProgress[] = [];
    const seg = await Segmenter.create({ model: 'segnet', device: await device(), onProgress: (p) => events.push(p) });
    try {
      const { nodes } = await seg.prepare(27, 18);
      expect(nodes.length).toBeGreaterThan(5);
      expect(nodes.some((n) => n.opType === 'MaxUnpool')).toBe(true);
      expect(events.filter((e) => e.phase === 'first-run').length).toBe(1);
      events.length = 0;
      await seg.segment(photo(27, 18, 6));
      expect(events).toEqual([]);
      await expect(seg.prepare(0, 10)).rejects.toThrow(/width and height must be whole numbers >= 1, got 0x10/);
    } finally {
      seg.close();
    }
  });
});

describe('model sources', () => {
  it('recognises a built-in model passed as bytes, or as a path in Node, and gives it the built-in settings', async () => {
    const bytes = new Uint8Array(readFileSync(SELFIE_FILE));
    for (const source of [bytes, SELFIE_FILE, new URL(`file://${SELFIE_FILE}`)]) {
      const seg = await Segmenter.create({ model: source, device: await device() });
      expect(seg.model.builtin).toBe('selfie');
      expect([seg.model.output, seg.model.mean, seg.model.std]).toEqual(['probability', [0, 0, 0], [1, 1, 1]]);
      expect(seg.getLabels()).toEqual(['background', 'person']);
      seg.close();
    }
  });

  it('gives other files the documented defaults (ImageNet mean/std, logits): a copy with one byte more is not the built-in', async () => {
    const grown = new Uint8Array(readFileSync(SELFIE_FILE).length + 1);
    grown.set(readFileSync(SELFIE_FILE));
    const path = join(work, 'not-quite-selfie.tflite');
    writeFileSync(path, grown);
    const seg = await Segmenter.create({ model: path, device: await device(), outputCategoryMask: false });
    expect(seg.model.builtin).toBeUndefined();
    expect([seg.model.output, seg.model.mean, seg.model.std]).toEqual(['logits', [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]]);
    seg.close();
    // Said explicitly, the settings are the caller's.
    const told = await Segmenter.create({ model: path, device: await device(), output: 'probability', mean: [0, 0, 0], std: [1, 1, 1], labels: ['background', 'person'] });
    expect(told.getLabels()).toEqual(['background', 'person']);
    told.close();
  });

  it('names a model file that cannot be read', async () => {
    await expect(Segmenter.create({ model: join(work, 'missing.onnx'), device: await device() })).rejects.toThrow(/cannot read model file '.*missing\.onnx': ENOENT/);
  });

  it('defaults to the selfie model', async () => {
    const seg = await Segmenter.create({ device: await device() });
    expect(seg.model.builtin).toBe('selfie');
    seg.close();
  });
});

describe('device loss', () => {
  it('a Segmenter on its own device makes a new one after the loss and segments as before', async () => {
    setDefaultGpuContextProvider(nodeGpuContext);
    const seg = await Segmenter.create({ model: 'segnet' });
    try {
      const before = await seg.segment(photo(12, 9, 7));
      const device = (seg as unknown as { backendImpl: { ctx: { device: GPUDevice } } }).backendImpl.ctx.device;
      device.destroy();
      expect((await device.lost).reason).toBe('destroyed');
      const after = await seg.segment(photo(12, 9, 7));
      expect(after.categoryMask).toEqual(before.categoryMask);
      expect((seg as unknown as { backendImpl: { ctx: { device: GPUDevice } } }).backendImpl.ctx.device).not.toBe(device);
    } finally {
      seg.close();
    }
  });

  it('on the caller\'s device: every later call rejects with a DeviceLostError naming the reason', async () => {
    const { device } = await nodeGpuContext();
    const seg = await Segmenter.create({ model: 'segnet', device });
    try {
      await seg.segment(photo(12, 9, 7));
      device.destroy();
      await device.lost;
      for (let i = 0; i < 2; i++) {
        const e = await seg.segment(photo(12, 9, 7)).then(() => undefined, (err: unknown) => err as Error);
        expect(e).toBeInstanceOf(DeviceLostError);
        expect(e!.message).toMatch(/^the GPU device was lost \(reason 'destroyed'.*\); this Segmenter runs on the device you passed: request a new device and create a new Segmenter on it$/);
      }
      await expect(seg.prepare(10, 10)).rejects.toBeInstanceOf(DeviceLostError);
    } finally {
      seg.close();
    }
  });
});

describe('cache and options', () => {
  it('keeps an evicted plan alive until its runs end (maxCachedPlans: 1, concurrent sizes)', async () => {
    const seg = await Segmenter.create({ model: 'segnet', device: await device(), maxCachedPlans: 1 });
    try {
      const sizes = [
        [12, 9],
        [15, 11],
        [9, 14],
        [12, 9],
      ] as const;
      const results = await Promise.all(sizes.map(([w, h], i) => seg.segment(photo(w, h, 40 + i))));
      results.forEach((r, i) => expect([r.width, r.height, r.categoryMask!.length]).toEqual([sizes[i]![0], sizes[i]![1], sizes[i]![0] * sizes[i]![1]]));
      // And the results are right: the same as one at a time.
      for (const [i, [w, h]] of sizes.entries()) expect((await seg.segment(photo(w, h, 40 + i))).categoryMask).toEqual(results[i]!.categoryMask);
    } finally {
      seg.close();
    }
  });

  it('50 concurrent calls over more sizes than the cache holds equal the same calls one at a time', async () => {
    const sizes = [
      [12, 9],
      [15, 11],
      [9, 14],
      [10, 10],
      [13, 8],
    ] as const;
    const calls = Array.from({ length: 50 }, (_, i) => ({ size: sizes[(i * 7) % sizes.length]!, seed: 100 + (i % 13) }));
    const concurrentSeg = await Segmenter.create({ model: 'segnet', device: await device(), maxCachedPlans: 2 });
    const sequentialSeg = await Segmenter.create({ model: 'segnet', device: await device(), maxCachedPlans: 8 });
    try {
      const concurrent = await Promise.all(calls.map(({ size: [w, h], seed }) => concurrentSeg.segment(photo(w, h, seed))));
      for (const [i, { size: [w, h], seed }] of calls.entries()) {
        const one = await sequentialSeg.segment(photo(w, h, seed));
        expect(concurrent[i]!.categoryMask, `call ${i} (${w}x${h})`).toEqual(one.categoryMask);
        expect(concurrent[i]!.confidenceMasks, `call ${i} (${w}x${h})`).toEqual(one.confidenceMasks);
      }
    } finally {
      concurrentSeg.close();
      sequentialSeg.close();
    }
  });

  it('refuses bad options before loading anything, naming the option and value', async () => {
    await expect(Segmenter.create({ model: 'segnet', backend: 'gpu' as never })).rejects.toThrow(/backend must be one of 'auto', 'webgpu', 'wasm', 'cpu', got 'gpu'/);
    await expect(Segmenter.create({ model: 'segnet', maxCachedPlans: 0 })).rejects.toThrow(/maxCachedPlans must be a whole number >= 1, got 0/);
  });
});
