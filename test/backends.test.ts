/**
 * The three backends hold to one another: every built-in model gives the same masks on webgpu
 * (segwgpu's kernels), wasm (the wrapped graph exported to ONNX on onnxruntime-web's wasm EP) and
 * cpu (the plain-TS reference). Also: what 'auto' chooses and says, the wasm backend's API
 * (prepare, video, concurrency, its refusals), and the CLI's --backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Segmenter, type BackendName, type RawImage, type SegmentationResult } from '../src/api/segmenter.js';
import { BUILTIN_MODEL_NAMES } from '../src/api/builtin-models.js';
import { setDefaultGpuContextProvider } from '../src/gpu/context.js';
import { nodeGpuContext } from '../src/node/gpu.js';
import { readNpy } from '../src/io/npy.js';
import { readFileSync } from 'node:fs';
import { readImageFile } from '../src/node/image.js';
import { testGpu } from './util/gpu.js';
import { rng } from './util/random.js';
import { segwgpu } from './util/run.js';

/** A photo-like test image: smooth gradients with noise, so class scores vary over it. */
function photo(width: number, height: number, seed: number): RawImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      data[i] = Math.min(255, (255 * x) / width + 40 * next());
      data[i + 1] = Math.min(255, (255 * y) / height + 40 * next());
      data[i + 2] = Math.min(255, 128 + 100 * Math.sin((x + y) / 7) + 20 * next());
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

/** `segwgpu validate`'s default atol: the confidences are in [0, 1]. */
const CONFIDENCE_ATOL = 1e-4;

/** Max |a - b| over every confidence mask, and the share of pixels whose category differs where the top two classes are clearly apart. */
function differences(a: SegmentationResult, b: SegmentationResult): { maxConfidence: number; categoryFlips: number; nearTies: number } {
  let maxConfidence = 0;
  a.confidenceMasks!.forEach((m, k) => m.forEach((v, i) => (maxConfidence = Math.max(maxConfidence, Math.abs(v - b.confidenceMasks![k]![i]!)))));
  let categoryFlips = 0;
  let nearTies = 0;
  const plane = a.width * a.height;
  for (let i = 0; i < plane; i++) {
    if (a.categoryMask![i] === b.categoryMask![i]) continue;
    // Where the winner's and the runner-up's confidences are within the tolerance, either may win.
    const scores = b.confidenceMasks!.map((m) => m[i]!).sort((x, y) => y - x);
    if (scores[0]! - scores[1]! <= 2 * CONFIDENCE_ATOL) nearTies++;
    else categoryFlips++;
  }
  return { maxConfidence, categoryFlips, nearTies };
}

describe('every built-in model gives the same masks on webgpu, wasm and cpu', () => {
  // For the random-weight models an odd size that is not the model's own (the pre- and
  // post-resizes are exercised too); the pretrained selfie models get a photo with a person.
  const synthetic = photo(45, 37, 7);
  const astronaut = readImageFile('assets/astronaut.png');
  const imageFor = (model: string): RawImage => (model.startsWith('selfie') ? astronaut : synthetic);
  const results: Record<string, Partial<Record<BackendName, SegmentationResult>>> = {};

  beforeAll(async () => {
    const device = (await testGpu()).device;
    for (const model of BUILTIN_MODEL_NAMES) {
      results[model] = {};
      for (const backend of ['webgpu', 'wasm', 'cpu'] as const) {
        const seg = await Segmenter.create({ model, backend, ...(backend === 'webgpu' && { device }) });
        try {
          results[model]![backend] = await seg.segment(imageFor(model));
        } finally {
          await seg.close();
        }
      }
    }
  }, 600_000);

  it.each(BUILTIN_MODEL_NAMES.flatMap((m) => (['webgpu', 'wasm'] as const).map((b) => [m, b] as const)))('%s on %s equals the CPU reference', (model, backend) => {
    const got = results[model]![backend]!;
    const reference = results[model]!.cpu!;
    expect(got.backend).toBe(backend);
    expect(reference.backend).toBe('cpu');
    expect(got.labels).toEqual(reference.labels);
    expect([got.width, got.height]).toEqual([imageFor(model).width, imageFor(model).height]);
    const d = differences(got, reference);
    expect(d.maxConfidence).toBeLessThanOrEqual(CONFIDENCE_ATOL);
    expect(d.categoryFlips).toBe(0);
    // A handful of near-ties at most (random-weight models have flat scores in places).
    expect(d.nearTies).toBeLessThanOrEqual(2);
    // Not one class everywhere: the comparison would be trivially equal.
    expect(new Set(reference.categoryMask).size).toBeGreaterThan(1);
  });
});

describe("backend 'wasm'", () => {
  let seg: Segmenter;
  beforeAll(async () => {
    seg = await Segmenter.create({ model: 'segnet', backend: 'wasm' });
  });
  afterAll(() => seg.close());

  it('names onnxruntime-web as its engine and cannot profile', () => {
    expect(seg.backend).toBe('wasm');
    expect(seg.backendReason).toBe("backend 'wasm' asked for");
    expect(seg.adapterName).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ wasm EP, 1 thread$/);
    expect(seg.canProfile).toBe(false);
  });

  it('prepare() lists the exported nodes; video frames and concurrent calls give each their own masks', async () => {
    const { nodes } = await seg.prepare(31, 19);
    expect(nodes[0]!.opType).toBe('ImageToTensor');
    expect(nodes.at(-1)!.opType).toBe('Cast');
    const frames = [photo(31, 19, 1), photo(31, 19, 2), photo(31, 19, 3)];
    const alone: SegmentationResult[] = [];
    for (const f of frames) alone.push(await seg.segment(f));
    const together = await Promise.all(frames.map((f) => seg.segment(f)));
    together.forEach((r, i) => expect(r.categoryMask).toEqual(alone[i]!.categoryMask));
    expect(alone[0]!.categoryMask).not.toEqual(alone[1]!.categoryMask);
    for (let i = 0; i < frames.length; i++) {
      const r = await seg.segmentForVideo(frames[i]!, 1000 + i);
      expect(r.categoryMask).toEqual(alone[i]!.categoryMask);
      expect(r.timestampMs).toBe(1000 + i);
    }
  });

  it('refuses keepOnGpu, a device, and a module that is not onnxruntime-web', async () => {
    await expect(seg.segment(photo(8, 8, 1), { keepOnGpu: true })).rejects.toThrow("segment: keepOnGpu needs the 'webgpu' backend; this Segmenter runs on onnxruntime-web's wasm EP");
    const device = (await testGpu()).device;
    await expect(Segmenter.create({ model: 'segnet', backend: 'wasm', device })).rejects.toThrow("a device was given, but backend 'wasm' uses none");
    await expect(Segmenter.create({ model: 'segnet', backend: 'wasm', ort: { InferenceSession: {} } })).rejects.toThrow("option 'ort' is not onnxruntime-web's module");
    await expect(Segmenter.create({ model: 'segnet', backend: 'wasm', wasmThreads: 0 })).rejects.toThrow('wasmThreads must be a whole number >= 1, got 0');
    await expect(Segmenter.create({ model: 'segnet', backend: 'gpu' as never })).rejects.toThrow("backend must be one of 'auto', 'webgpu', 'wasm', 'cpu', got 'gpu'");
  });
});

describe("backend 'auto'", () => {
  beforeAll(() => setDefaultGpuContextProvider(nodeGpuContext));

  it('takes wasm where the only adapter is a software one, and says so', async () => {
    const seg = await Segmenter.create({ model: 'selfie', backend: 'auto' });
    try {
      expect(seg.backend).toBe('wasm');
      expect(seg.backendReason).toMatch(/^auto: wasm, because the only WebGPU adapter is a software one \(.*swiftshader.*\), where onnxruntime-web's wasm EP is faster$/i);
      const r = await seg.segment(photo(40, 30, 3));
      expect(r.backend).toBe('wasm');
    } finally {
      await seg.close();
    }
  });

  it('falls back to the software adapter when the wasm backend cannot load, and says why', async () => {
    const seg = await Segmenter.create({ model: 'selfie', backend: 'auto', ort: {} });
    try {
      expect(seg.backend).toBe('webgpu');
      expect(seg.backendReason).toMatch(/^auto: WebGPU on a software adapter \(.*\), because the wasm backend is unavailable \(Segmenter.create: option 'ort' is not onnxruntime-web's module/);
      expect((await seg.segment(photo(40, 30, 3))).backend).toBe('webgpu');
    } finally {
      await seg.close();
    }
  });

  it('runs on the device it is given', async () => {
    const seg = await Segmenter.create({ model: 'selfie', backend: 'auto', device: (await testGpu()).device });
    try {
      expect(seg.backend).toBe('webgpu');
      expect(seg.backendReason).toBe('auto: a GPUDevice was given, so WebGPU on it');
    } finally {
      await seg.close();
    }
  });
});

describe('CLI --backend', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segwgpu-backends-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['wasm', 'auto'] as const)('segment --backend %s writes the picture and the mask, naming the engine', async (backend) => {
    const out = join(dir, `${backend}.png`);
    const r = await segwgpu(['segment', 'assets/astronaut.png', '--out', out, '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backend: wasm \(onnxruntime-web \d+\.\d+\.\d+ wasm EP, 1 thread\)$/m);
    if (backend === 'auto') expect(r.stdout).toMatch(/^backend chosen by auto: wasm, because the only WebGPU adapter is a software one/m);
    expect(r.stdout).toMatch(/foreground \(person\): (\d+\.\d)% of pixels/);
    expect(readdirSync(dir).filter((f) => f.startsWith(backend))).toEqual([`${backend}.mask.png`, `${backend}.png`]);
  });

  it('run --backend wasm writes what the CPU reference writes (U-Net fixture)', async () => {
    const outputs: Record<string, Float32Array> = {};
    for (const backend of ['wasm', 'cpu']) {
      const outDir = join(dir, `run-${backend}`);
      const r = await segwgpu(['run', 'test/fixtures/models/unet.onnx', '--input', 'test/fixtures/models/unet.input.npy', '--output-dir', outDir, '--backend', backend]);
      expect(r.code, r.stderr).toBe(0);
      if (backend === 'wasm') expect(r.stdout).toMatch(/^backend: wasm \(onnxruntime-web \d+\.\d+\.\d+ wasm EP, 1 thread\(s\)\), session [\d.]+ ms, run [\d.]+ ms$/m);
      outputs[backend] = readNpy(new Uint8Array(readFileSync(join(outDir, 'output.npy')))).data as Float32Array;
    }
    const expected = readNpy(new Uint8Array(readFileSync('test/fixtures/models/unet.expected.npy'))).data as Float32Array;
    expect(outputs.wasm!.length).toBe(expected.length);
    let maxVsCpu = 0;
    let maxVsTorch = 0;
    for (let i = 0; i < expected.length; i++) {
      maxVsCpu = Math.max(maxVsCpu, Math.abs(outputs.wasm![i]! - outputs.cpu![i]!));
      maxVsTorch = Math.max(maxVsTorch, Math.abs(outputs.wasm![i]! - expected[i]!));
    }
    expect(maxVsCpu).toBeLessThanOrEqual(1e-4);
    expect(maxVsTorch).toBeLessThanOrEqual(1e-4);
  });

  it('refuses an unknown backend before reading anything', async () => {
    const r = await segwgpu(['segment', 'assets/astronaut.png', '--out', join(dir, 'x.png'), '--backend', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/segment: --backend must be auto or webgpu or wasm or cpu, got 'gpu'/);
  });
});
