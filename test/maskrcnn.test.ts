/**
 * torchvision's Mask R-CNN (a small one with seeded random weights: test/fixtures/maskrcnn/, made
 * by scripts/make_maskrcnn_fixtures.py with torch 1.13 / torchvision 0.14, ONNX opset 11) run whole
 * on the CPU reference and compared with torch's own outputs for the same image.
 * Tolerances: boxes 0.05 px, scores 1e-3 absolute, labels exact; masks (probabilities
 * [N, 1, H, W], pasted into the image) thresholded at 0.5 as torchvision's users do, each
 * detection's mask within IoU 0.99 of torch's.
 * Takes about 2.5 s on a 2-core machine (the graph folds to fixed shapes once the image is known).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/import/onnx.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { readNpy } from '../src/io/npy.js';
import type { Tensor } from '../src/core/tensor.js';
import { layoutGraph } from '../src/plan/plan.js';
import { segwgpu } from './util/run.js';

const dir = 'test/fixtures/maskrcnn';
const npy = (name: string): Tensor => readNpy(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.${name}.npy`)));
const floats = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** Intersection over union of the two masks' pixels >= 0.5 (1 when both are empty). */
function maskIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! >= 0.5;
    const y = b[i]! >= 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

describe('Mask R-CNN (torchvision) on the CPU reference', () => {
  it('gives torch\'s boxes, labels, scores and masks', () => {
    const graph = importOnnx(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.onnx`)));
    const out = runGraphCpu(graph, { [graph.inputs[0].name]: npy('input') });
    const [boxes, labels, scores, masks] = ['boxes', 'labels', 'scores', 'masks'].map(npy);

    expect(out.boxes.shape).toEqual(boxes.shape);
    expect(maxAbsDiff(floats(out.boxes), floats(boxes))).toBeLessThanOrEqual(0.05);
    expect(out.labels.dtype).toBe('int64');
    expect(floats(out.labels)).toEqual(floats(labels));
    expect(out.scores.shape).toEqual(scores.shape);
    expect(maxAbsDiff(floats(out.scores), floats(scores))).toBeLessThanOrEqual(1e-3);

    expect(out.masks.shape).toEqual(masks.shape);
    const [n, , h, w] = masks.shape;
    const plane = h * w;
    const ours = out.masks.data as Float32Array;
    const theirs = masks.data as Float32Array;
    for (let d = 0; d < n; d++) {
      const iou = maskIou(ours.subarray(d * plane, (d + 1) * plane), theirs.subarray(d * plane, (d + 1) * plane));
      expect(iou, `detection ${d}: mask IoU`).toBeGreaterThanOrEqual(0.99);
    }
  }, 120_000);

  it('runs through segwgpu run --backend cpu; a GPU plan is refused saying why and what runs it', async () => {
    const graph = importOnnx(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.onnx`)));
    expect(() => layoutGraph(graph, { inputValues: { [graph.inputs[0].name]: npy('input') } })).toThrow(
      /node '\/rpn\/NonZero' \(NonZero\): .*depends on the values of model input 'image' \(36864 values\), more than the 4096 a plan takes as constants\. .*run on the CPU reference for now \(segwgpu run --backend cpu\)/,
    );
    const outDir = `${tmpdir()}/segwgpu-maskrcnn-${process.pid}`;
    try {
      const r = await segwgpu(['run', `${dir}/maskrcnn_small.onnx`, '--input', `${dir}/maskrcnn_small.input.npy`, '--output-dir', outDir, '--backend', 'cpu']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wrote .*labels\.npy {2}int64 \[5\]/);
      const written = readNpy(new Uint8Array(readFileSync(`${outDir}/boxes.npy`)));
      expect(maxAbsDiff(floats(written), floats(npy('boxes')))).toBeLessThanOrEqual(0.05);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
