/**
 * Instance segmentation through the Segmenter and `segwgpu segment`: the Mask R-CNN fixture
 * (test/fixtures/maskrcnn/, scripts/make_maskrcnn_fixtures.py) on a photo, its instances against
 * torch's outputs for that photo (pixels / 255, as the Segmenter feeds a detection model): boxes
 * within 0.05 px, labels equal, scores within 1e-3, mask IoU >= 0.99 per detection.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Segmenter, type Instance, type RawImage } from '../src/api/segmenter.js';
import type { Tensor } from '../src/core/tensor.js';
import { readNpy } from '../src/io/npy.js';
import type { Graph } from '../src/ir/graph.js';
import { readImageFile } from '../src/node/image.js';
import { categoryMaskOf, detectionOutputsOf, resizeRgba } from '../src/segment/instances.js';
import { testGpu } from './util/gpu.js';
import { segwgpu } from './util/run.js';
import { maskIou } from './util/masks.js';

const dir = 'test/fixtures/maskrcnn';
const model = `${dir}/maskrcnn_small.onnx`;
const torch = (name: string): Tensor => readNpy(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.photo.${name}.npy`)));
const numbers = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);
const photo = (): RawImage => readImageFile(`${dir}/maskrcnn_small.photo.png`);

/** torch's bilinear interpolation (align_corners=False) by a whole factor, written out: source x = (x + 0.5) / f - 0.5, clamped at the edges. */
function upsampleBilinear(plane: Float32Array, w: number, h: number, f: number): Float32Array {
  const out = new Float32Array(w * f * h * f);
  const tap = (i: number, n: number): [number, number, number] => {
    const s = Math.max((i + 0.5) / f - 0.5, 0);
    const i0 = Math.min(Math.floor(s), n - 1);
    return [i0, Math.min(i0 + 1, n - 1), s - i0];
  };
  for (let y = 0; y < h * f; y++) {
    const [y0, y1, ly] = tap(y, h);
    for (let x = 0; x < w * f; x++) {
      const [x0, x1, lx] = tap(x, w);
      const v = (yy: number, xx: number) => plane[yy * w + xx]!;
      out[y * w * f + x] = (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
    }
  }
  return out;
}

/** Torch's detections on the photo, scaled by (sx, sy) (an image of another size than the model's input). */
function expectTorchInstances(instances: readonly Instance[] | undefined, scale = 1): void {
  const [boxes, labels, scores, masks] = ['boxes', 'labels', 'scores', 'masks'].map(torch) as [Tensor, Tensor, Tensor, Tensor];
  expect(instances).toBeDefined();
  expect(instances!.length).toBe(scores.shape[0]);
  const [, , h, w] = masks.shape as [number, number, number, number];
  instances!.forEach((instance, d) => {
    const want = numbers(boxes).slice(4 * d, 4 * d + 4).map((v) => v * scale);
    instance.box.forEach((v, k) => expect(Math.abs(v - want[k]!), `detection ${d} box[${k}]`).toBeLessThanOrEqual(0.05 * scale));
    expect(instance.label).toBe(numbers(labels)[d]);
    expect(instance.labelName).toBe(['background', 'person', 'rocket'][instance.label]);
    expect(Math.abs(instance.score - numbers(scores)[d]!)).toBeLessThanOrEqual(1e-3);
    // torch's mask at the image's size: F.interpolate(mode='bilinear', align_corners=False).
    const plane = (masks.data as Float32Array).subarray(d * w * h, (d + 1) * w * h);
    const theirs = scale === 1 ? plane : upsampleBilinear(plane, w, h, scale);
    expect(maskIou(instance.mask!, theirs), `detection ${d} mask IoU`).toBeGreaterThanOrEqual(0.99);
  });
}

const labels = ['background', 'person', 'rocket'];

describe('Segmenter: instances of a detection model (Mask R-CNN)', () => {
  it("webgpu (GPU segments split at host nodes) and the CPU reference give torch's instances", async () => {
    const device = (await testGpu()).device;
    for (const options of [{ device }, { backend: 'cpu' as const }]) {
      const seg = await Segmenter.create({ model, labels, ...options });
      try {
        expect(seg.model.output).toBe('instances');
        const result = await seg.segment(photo());
        expectTorchInstances(result.instances);
        expect(result.confidenceMasks).toBeUndefined();
        // The category mask: per pixel, the label of the best-scoring instance covering it.
        expect(result.categoryMask).toEqual(categoryMaskOf(result.instances!, 128, 96));
        expect(new Set(result.categoryMask)).toEqual(new Set([0, ...result.instances!.map((i) => i.label)]));
      } finally {
        await seg.close();
      }
    }
  }, 120_000);

  it('an image of another size than a fixed-size model takes: resized in, boxes and masks mapped back', async () => {
    const small = photo();
    // Twice the size, each pixel repeated: the bilinear halving gives the photo back exactly.
    const big = { width: 256, height: 192, data: new Uint8ClampedArray(256 * 192 * 4) };
    for (let y = 0; y < 192; y++) for (let x = 0; x < 256; x++) big.data.set(small.data.subarray(4 * ((y >> 1) * 128 + (x >> 1)), 4 * ((y >> 1) * 128 + (x >> 1)) + 4), 4 * (y * 256 + x));
    expect(resizeRgba(big.data, 256, 192, 128, 96)).toEqual(new Uint8ClampedArray(small.data));
    const seg = await Segmenter.create({ model, labels, device: (await testGpu()).device });
    try {
      const result = await seg.segment(big);
      expect(result.width).toBe(256);
      expect(result.instances![0]!.mask!.length).toBe(256 * 192);
      expectTorchInstances(result.instances, 2);
    } finally {
      await seg.close();
    }
  }, 120_000);

  it('refuses what a detection model cannot do, saying why', async () => {
    const device = (await testGpu()).device;
    await expect(Segmenter.create({ model, backend: 'wasm' })).rejects.toThrow(/backend 'wasm' cannot run model .*a detection model \(the ONNX export does not write its If\/Loop control flow yet\); use 'webgpu'/);
    await expect(Segmenter.create({ model, device, tile: { height: 64, width: 64 } })).rejects.toThrow(/is a detection model: its detections are not per pixel, so it is not tiled/);
    await expect(Segmenter.create({ model: 'segnet', device, output: 'instances' })).rejects.toThrow(/output 'instances' needs a detection model \(outputs boxes, labels, scores and masks.*\); model 'segnet' outputs/);
    const seg = await Segmenter.create({ model, device });
    try {
      await expect(seg.segment(photo(), { keepOnGpu: true })).rejects.toThrow(/keepOnGpu keeps mask planes on the GPU; a detection model gives instances/);
      // Without labels, classes are named by index.
      expect((await seg.segment(photo())).instances![0]!.labelName).toMatch(/^class \d$/);
    } finally {
      await seg.close();
    }
  }, 120_000);

  it('tells a detection model by its outputs: named, or four of torch numbered ones from a [3, H, W] image', () => {
    const g = (outputs: string[], inputShape: (number | string)[]): Graph => ({ name: 'g', opset: 11, inputs: [{ name: 'image', dtype: 'float32', shape: inputShape }], outputs, initializers: new Map(), nodes: [] });
    expect(detectionOutputsOf(g(['boxes', 'labels', 'scores', 'masks'], [3, 'h', 'w']))).toEqual({ boxes: 'boxes', labels: 'labels', scores: 'scores', masks: 'masks' });
    expect(detectionOutputsOf(g(['3111', '3112', '3113', '3114'], [3, 'h', 'w']))).toEqual({ boxes: '3111', labels: '3112', scores: '3113', masks: '3114' });
    expect(detectionOutputsOf(g(['3111', '3112', '3113', '3114'], [1, 3, 'h', 'w']))).toBeUndefined();
    expect(detectionOutputsOf(g(['out'], [1, 3, 224, 224]))).toBeUndefined();
  });
});

describe('segwgpu segment with a detection model', () => {
  it('draws each instance in its own colour, writes the instance map and the list', async () => {
    const out = mkdtempSync(join(tmpdir(), 'segwgpu-instances-'));
    try {
      const r = await segwgpu(['segment', `${dir}/maskrcnn_small.photo.png`, '--model', model, '--out', join(out, 'p.png'), '--min-score', '0.38']);
      expect(r.code, r.stderr).toBe(0);
      const scores = numbers(torch('scores'));
      const kept = scores.filter((s) => s >= 0.38).length;
      expect(r.stdout).toContain(`instances: ${kept} scoring >= 0.38 (of ${scores.length} detections)`);
      const listed = JSON.parse(readFileSync(join(out, 'p.instances.json'), 'utf8'));
      expect(listed.instances.length).toBe(kept);
      listed.instances.forEach((i: { box: number[]; label: number; score: number }, d: number) => {
        i.box.forEach((v, k) => expect(Math.abs(v - numbers(torch('boxes'))[4 * d + k]!)).toBeLessThanOrEqual(0.05));
        expect(i.label).toBe(numbers(torch('labels'))[d]);
      });
      for (const f of ['p.png', 'p.mask.png']) expect(existsSync(join(out, f)), f).toBe(true);
      // The instance map: one colour per instance kept, plus black.
      const map = readImageFile(join(out, 'p.mask.png'));
      const colours = new Set<number>();
      for (let p = 0; p < 128 * 96; p++) colours.add((map.data[4 * p]! << 16) | (map.data[4 * p + 1]! << 8) | map.data[4 * p + 2]!);
      expect(colours.size).toBe(kept + 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
