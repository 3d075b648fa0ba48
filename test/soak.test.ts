/**
 * Leaks (issue 13): Segmenters created, used and closed 3000 times, and 3000 segment() calls on
 * one Segmenter (the first 1000 of each a warm-up), leave no GPU buffer or texture alive (counted
 * where segwgpu creates them: src/gpu/buffers.ts liveGpuResources) and resident memory flat.
 *
 * The model is tiny (a 1x1 conv, 3 -> 2 classes) and the images small, so the 3000-odd runs take
 * seconds on SwiftShader and what is measured is segwgpu's bookkeeping, not the kernels'.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Segmenter, type RawImage } from '../src/api/segmenter.js';
import type { SegmentationModel } from '../src/api/segmentation-model.js';
import { tensor } from '../src/core/tensor.js';
import { liveGpuResources } from '../src/gpu/buffers.js';
import { setDefaultGpuContextProvider } from '../src/gpu/context.js';
import { nodeGpuContext } from '../src/node/gpu.js';
import { testGpu } from './util/gpu.js';
import { rng } from './util/random.js';

const tinyModel: SegmentationModel = {
  graph: {
    name: 'tiny',
    opset: 17,
    inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 'H', 'W'] }],
    outputs: ['logits'],
    initializers: new Map([
      ['w', tensor([2, 3, 1, 1], [1, -1, 0.5, -0.5, 1, 0.25])],
      ['b', tensor([2], [0.1, -0.1])],
    ]),
    nodes: [{ name: 'classify', opType: 'Conv', domain: '', inputs: ['image', 'w', 'b'], outputs: ['logits'], attributes: {} }],
  },
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  output: 'logits',
  labels: ['a', 'b'],
};

function photo(width: number, height: number, seed: number): RawImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.floor(next() * 256);
  return { data, width, height };
}

const MiB = 1024 * 1024;

// Dawn frees a native object (bind group, command buffer, pipeline layout) when V8 collects its
// JS wrapper, and V8 does not see that native memory, so without collections RSS climbs with
// garbage that is not a leak, and its high-water mark stays in RSS (the allocator keeps the
// pages). So the soaks collect every 100 calls and measure after a full collection.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function residentAfterGc(): Promise<number> {
  // The wrappers' finalizers run in later tasks, and free what they hold there.
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().rss;
}
/**
 * Resident memory may move this much over a measured soak once warm (allocator noise: measured
 * growth 0.2-4 MiB over 2000 calls with the collections below); a leak of 12 KiB per call over
 * 2000 calls exceeds it.
 */
const RSS_BOUND = 24 * MiB;

describe('soak', () => {
  it('creates, segments and closes 3000 Segmenters on one device: live GPU buffers back at the baseline, RSS flat', async () => {
    const { device } = await testGpu();
    const image = photo(8, 6, 1);
    const reference = await Segmenter.create({ model: tinyModel, device });
    const expected = (await reference.segment(image)).categoryMask;
    await reference.close();
    const baseline = liveGpuResources();
    expect(baseline).toEqual({ buffers: 0, textures: 0, bufferBytes: 0 });
    const cycle = async (i: number) => {
      if (i % 100 === 0) collectGarbage();
      const seg = await Segmenter.create({ model: tinyModel, device });
      const result = await seg.segment(image);
      await seg.close();
      if (i % 97 === 0) expect(result.categoryMask).toEqual(expected);
    };
    for (let i = 0; i < 1000; i++) await cycle(i);
    expect(liveGpuResources()).toEqual(baseline);
    // Then 2000 more, measured: the first thousand also fill the allocators (Dawn's, V8's).
    const rssAfterWarmup = await residentAfterGc();
    for (let i = 0; i < 2000; i++) await cycle(i);
    expect(liveGpuResources()).toEqual(baseline);
    const growth = (await residentAfterGc()) - rssAfterWarmup;
    console.log(`2000 create/segment/close after 1000: RSS grew ${(growth / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
    expect(growth).toBeLessThan(RSS_BOUND);
  });

  it('Segmenters on their own devices free everything they made when closed', async () => {
    setDefaultGpuContextProvider(nodeGpuContext);
    const baseline = liveGpuResources();
    for (let i = 0; i < 10; i++) {
      const seg = await Segmenter.create({ model: tinyModel });
      await seg.segment(photo(7, 5, i));
      expect(liveGpuResources().buffers).toBeGreaterThan(baseline.buffers);
      await seg.close();
      expect(liveGpuResources()).toEqual(baseline);
    }
  });

  it('3000 segment() calls on one Segmenter (three sizes, two cached plans, kept-on-GPU and reused arrays): no growth', async () => {
    const { device } = await testGpu();
    const baseline = liveGpuResources();
    const seg = await Segmenter.create({ model: tinyModel, device, maxCachedPlans: 2 });
    const sizes = [
      [8, 6],
      [5, 9],
      [11, 4],
    ] as const;
    const images = sizes.map(([w, h], k) => photo(w, h, 10 + k));
    const expected = await Promise.all(images.map(async (img) => (await seg.segment(img)).categoryMask));
    // After each round the cache holds the same two sizes, so the live count must repeat exactly.
    const round = async (r: number) => {
      if (r % 33 === 0) collectGarbage();
      for (let k = 0; k < images.length; k++) {
        const mode = (r + k) % 3;
        if (mode === 0) {
          expect((await seg.segment(images[k])).categoryMask).toEqual(expected[k]);
        } else if (mode === 1) {
          const { categoryMask } = await seg.segmentForVideo(images[k], r);
          expect(categoryMask).toEqual(expected[k]);
        } else {
          const kept = await seg.segment(images[k], { keepOnGpu: true });
          expect(kept.gpu?.category).toBeDefined();
          kept.gpu?.category?.destroy();
          kept.gpu?.confidence?.destroy();
        }
      }
    };
    const calls = (rounds: number) => rounds * images.length;
    // Warm-up: about a thousand calls, as above, before memory is measured.
    for (let r = 0; r < 334; r++) await round(r);
    const liveAfterWarmup = liveGpuResources();
    const rssAfterWarmup = await residentAfterGc();
    let r = 334;
    for (; calls(r - 334) < 2000; r++) await round(r);
    // End at the same round position as the warm-up did: rounds r and 334 alike modulo 3.
    while (r % 3 !== 334 % 3) await round(r++);
    expect(liveGpuResources()).toEqual(liveAfterWarmup);
    const growth = (await residentAfterGc()) - rssAfterWarmup;
    console.log(`${calls(r - 334)} segment() calls after ${calls(334)}: RSS grew ${(growth / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
    expect(growth).toBeLessThan(RSS_BOUND);
    await seg.close();
    expect(liveGpuResources()).toEqual(baseline);
  });
});
