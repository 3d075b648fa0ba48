/**
 * torchvision's Mask R-CNN (a small one with seeded random weights: test/fixtures/maskrcnn/, made
 * by scripts/make_maskrcnn_fixtures.py with torch 1.13 / torchvision 0.14, ONNX opset 11) run whole
 * on the CPU reference and compared with torch's own outputs for the same image.
 * Tolerances: boxes 0.05 px, scores 1e-3 absolute, labels exact; masks (probabilities
 * [N, 1, H, W], pasted into the image) thresholded at 0.5 as torchvision's users do, each
 * detection's mask within IoU 0.99 of torch's.
 * Takes about 2.5 s on a 2-core machine (the graph folds to fixed shapes once the image is known).
 * On webgpu it runs in GPU segments split at host nodes (src/exec/segmented.ts), with the same
 * tolerances against torch.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/import/onnx.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { readNpy } from '../src/io/npy.js';
import type { Tensor } from '../src/core/tensor.js';
import { layoutGraph } from '../src/plan/plan.js';
import { segwgpu } from './util/run.js';
import { maskIou } from './util/masks.js';
import { testGpu } from './util/gpu.js';
import { needsSegments, SegmentedRunner } from '../src/exec/segmented.js';

const dir = 'test/fixtures/maskrcnn';
const npy = (name: string): Tensor => readNpy(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.${name}.npy`)));
const floats = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** Expects torch's detections: boxes within 0.05 px, labels equal, scores within 1e-3, mask IoU >= 0.99 each. */
function expectTorchDetections(out: Record<string, Tensor>): void {
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
}

const loadModel = () => importOnnx(new Uint8Array(readFileSync(`${dir}/maskrcnn_small.onnx`)));

describe('Mask R-CNN (torchvision) on the CPU reference', () => {
  it('gives torch\'s boxes, labels, scores and masks', () => {
    const graph = loadModel();
    expectTorchDetections(runGraphCpu(graph, { [graph.inputs[0].name]: npy('input') }));
  }, 120_000);

  it('runs through segwgpu run --backend cpu', async () => {
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

describe('Mask R-CNN (torchvision) on webgpu, in GPU segments split at host nodes', () => {
  it('one plan cannot hold it, saying why and what runs it', () => {
    const graph = loadModel();
    let refusal: unknown;
    try {
      layoutGraph(graph, { inputValues: { [graph.inputs[0].name]: npy('input') } });
    } catch (e) {
      refusal = e;
    }
    expect(needsSegments(refusal)).toBe(true);
    expect((refusal as Error).message).toMatch(
      /node '\/rpn\/NonZero' \(NonZero\): .*depends on the values of model input 'image' \(36864 values\), more than the 4096 a plan takes as constants\. .*need the model run segmented/,
    );
  });

  it("gives torch's boxes, labels, scores and masks, with the network's heavy ops on the GPU", async () => {
    const graph = loadModel();
    const runner = new SegmentedRunner(await testGpu(), graph);
    try {
      expectTorchDetections(await runner.run({ [graph.inputs[0].name]: npy('input') }));
      const report = runner.lastReport!;
      const ops = (tally: Readonly<Record<string, number>>) => Object.keys(tally);
      // Backbone, FPN, RPN head, box head, RoIAlign and mask head: every Conv, ConvTranspose and
      // Gemm on the GPU, RoIAlign wherever a level has boxes (an empty level has nothing to pool).
      const counts = (op: string) => graph.nodes.filter((n) => n.opType === op).length;
      for (const op of ['Conv', 'ConvTranspose', 'Gemm']) expect(report.gpuNodes[op], op).toBe(counts(op));
      expect(report.gpuNodes.RoiAlign).toBeGreaterThanOrEqual(2);
      for (const op of ['Conv', 'ConvTranspose', 'Gemm']) {
        expect(ops(report.hostNodes)).not.toContain(op);
        expect(ops(report.foldedNodes)).not.toContain(op);
      }
      // Control flow on the host; the paste-masks Loop's body (a Resize per detection) on the GPU.
      expect(report.hostNodes.Loop).toBe(1);
      expect(report.gpuNodes.Resize).toBeGreaterThanOrEqual(5);
      expect(report.plansMade).toBe(report.segments);

      // The same image again: every segment's plan reused, the same detections.
      expectTorchDetections(await runner.run({ [graph.inputs[0].name]: npy('input') }));
      expect(runner.lastReport!.plansMade).toBe(0);
    } finally {
      runner.destroy();
    }
  }, 240_000);

  it('runs through segwgpu run and validate (webgpu, the default backend)', async () => {
    const outDir = `${tmpdir()}/segwgpu-maskrcnn-gpu-${process.pid}`;
    try {
      const r = await segwgpu(['run', `${dir}/maskrcnn_small.onnx`, '--input', `${dir}/maskrcnn_small.input.npy`, '--output-dir', outDir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/run in \d+ GPU segments split at host nodes: \d+ nodes on the GPU, \d+ on the host \(.*ScatterElements 4.*\)/);
      expect(r.stdout).toMatch(/wrote .*labels\.npy {2}int64 \[5\]/);
      const read = (name: string) => readNpy(new Uint8Array(readFileSync(`${outDir}/${name}.npy`)));
      expect(maxAbsDiff(floats(read('boxes')), floats(npy('boxes')))).toBeLessThanOrEqual(0.05);
      expect(floats(read('labels'))).toEqual(floats(npy('labels')));
      const v = await segwgpu(['validate', `${dir}/maskrcnn_small.onnx`, '--input', `${dir}/maskrcnn_small.input.npy`, '--expected', `scores=${dir}/maskrcnn_small.scores.npy`]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(v.stdout).toMatch(/output 'scores' webgpu vs expected: .* -> ok/);
      expect(v.stdout).toMatch(/validate: all outputs within tolerance/);
      const perNode = await segwgpu(['validate', `${dir}/maskrcnn_small.onnx`, '--input', `${dir}/maskrcnn_small.input.npy`, '--per-node']);
      expect(perNode.code).toBe(2);
      expect(perNode.stderr).toMatch(/--per-node compares the nodes of one GPU plan; this model runs in GPU segments/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 240_000);
});

// torchvision's own maskrcnn_resnet50_fpn (random weights, 176 MB): made on demand by
// `scripts/make_maskrcnn_fixtures.py --resnet50` into the git-ignored test/fixtures/large/.
const large = 'test/fixtures/large/maskrcnn_resnet50';
describe.skipIf(!existsSync(`${large}.onnx`))('torchvision maskrcnn_resnet50_fpn on webgpu (made on demand)', () => {
  it("gives torch's boxes, labels, scores and masks", async () => {
    const read = (name: string): Tensor => readNpy(new Uint8Array(readFileSync(`${large}.${name}.npy`)));
    const graph = importOnnx(new Uint8Array(readFileSync(`${large}.onnx`)));
    const runner = new SegmentedRunner(await testGpu(), graph);
    try {
      const out = await runner.run({ [graph.inputs[0].name]: read('input') });
      expect(out.boxes.shape).toEqual(read('boxes').shape);
      expect(maxAbsDiff(floats(out.boxes), floats(read('boxes')))).toBeLessThanOrEqual(0.05);
      expect(floats(out.labels)).toEqual(floats(read('labels')));
      expect(maxAbsDiff(floats(out.scores), floats(read('scores')))).toBeLessThanOrEqual(1e-3);
      const [n, , h, w] = read('masks').shape;
      for (let d = 0; d < n; d++) {
        const plane = h * w;
        const iou = maskIou((out.masks.data as Float32Array).subarray(d * plane, (d + 1) * plane), (read('masks').data as Float32Array).subarray(d * plane, (d + 1) * plane));
        expect(iou, `detection ${d}: mask IoU`).toBeGreaterThanOrEqual(0.99);
      }
    } finally {
      runner.destroy();
    }
  }, 300_000);
});
