/**
 * The fuzz suite (issue 13): seeded mutations of real model, tensor and image files (truncated,
 * bit-flipped, bytes overwritten; for tfjs model.json also structural edits of the JSON) run
 * through the importers and shape inference. Each case must end in a result or a SegwgpuError
 * with a message; any other exception (a TypeError, a RangeError, "Cannot read properties of
 * undefined") is a defect. Some mutated files also go through the CLI, which must exit 0
 * or 2 and leave no file behind. Seeds are fixed: a failure names its seed and replays exactly.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { segwgpu } from './util/run.js';
import { rng } from './util/random.js';
import { SegwgpuError } from '../src/core/errors.js';
import type { Graph } from '../src/ir/graph.js';
import { importOnnx } from '../src/import/onnx.js';
import { importTflite } from '../src/import/tflite.js';
import { importTfjs } from '../src/import/tfjs.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { decodeImage, encodeRgbaPng } from '../src/node/image.js';
import { inferGraph, resolveInputShapes } from '../src/shapes/infer.js';
import { tensor, int64Tensor } from '../src/core/tensor.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => new Uint8Array(readFileSync(join(ROOT, path)));
const work = mkdtempSync(join(tmpdir(), 'segwgpu-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Mutation = (bytes: Uint8Array, next: () => number) => Uint8Array;

const int = (next: () => number, n: number) => Math.floor(next() * n);

const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, next) => b.slice(0, int(next, b.length)),
  flipBits: (b, next) => {
    const out = b.slice();
    const flips = 1 + int(next, 8);
    for (let i = 0; i < flips; i++) out[int(next, out.length)]! ^= 1 << int(next, 8);
    return out;
  },
  overwrite: (b, next) => {
    const out = b.slice();
    const at = int(next, out.length);
    const values = [0x00, 0xff, 0x7f, 0x80];
    for (let i = at; i < Math.min(out.length, at + 1 + int(next, 8)); i++) out[i] = values[int(next, values.length)]!;
    return out;
  },
  // Flips near the start, where headers, lengths and offsets live.
  flipHeader: (b, next) => {
    const out = b.slice();
    for (let i = 0; i < 3; i++) out[int(next, Math.min(64, out.length))]! ^= 1 << int(next, 8);
    return out;
  },
};

/** What a case ended in: 'ok', 'error' (a SegwgpuError), or the defect as text. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (e instanceof SegwgpuError && e.message.length > 0) return 'error';
    return `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`;
  }
}

/** Import, then shape inference at the model's own input shapes: as far as `info` goes. */
function throughInference(graph: Graph): void {
  inferGraph(graph, resolveInputShapes(graph));
}

interface Subject {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly run: (bytes: Uint8Array) => void;
}

function subjects(): Subject[] {
  const tfjsDir = 'test/fixtures/tfjs/conv';
  const tfjsJson = read(`${tfjsDir}/model.json`);
  const shardNames = (JSON.parse(new TextDecoder().decode(tfjsJson)) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  const shards = shardNames.map((p) => read(`${tfjsDir}/${p}`));
  const pixels = new Uint8ClampedArray(6 * 5 * 4).map((_, i) => (i * 37) & 255);
  const png = encodeRgbaPng({ width: 6, height: 5, data: pixels });
  const jpg = new Uint8Array(jpeg.encode({ width: 6, height: 5, data: Buffer.from(pixels) }, 90).data);
  return [
    { name: 'onnx unet', bytes: read('test/fixtures/models/unet.onnx'), run: (b) => throughInference(importOnnx(b, { name: 'unet.onnx' })) },
    { name: 'onnx isnet_int8', bytes: read('test/fixtures/onnx/isnet_int8.onnx'), run: (b) => throughInference(importOnnx(b, { name: 'isnet_int8.onnx' })) },
    { name: 'onnx shape_inputs', bytes: read('test/fixtures/onnx/shape_inputs.onnx'), run: (b) => void importOnnx(b, { name: 'shape_inputs.onnx' }) },
    {
      name: 'tflite selfie',
      bytes: read('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite'),
      run: (b) => throughInference(importTflite(b, { name: 'selfie.tflite' })),
    },
    { name: 'tfjs model.json', bytes: tfjsJson, run: (b) => throughInference(importTfjs(b, shards, { name: 'conv' })) },
    { name: 'tfjs shard', bytes: shards[0]!, run: (b) => throughInference(importTfjs(tfjsJson, [b, ...shards.slice(1)], { name: 'conv' })) },
    { name: 'npy f32', bytes: writeNpy(tensor([2, 3, 4], Array.from({ length: 24 }, (_, i) => i / 7))), run: (b) => void readNpy(b, 'x.npy') },
    { name: 'npy i64', bytes: writeNpy(int64Tensor([5], [1, -2, 3, 4, 5])), run: (b) => void readNpy(b, 'i.npy') },
    { name: 'png', bytes: png, run: (b) => void decodeImage(b, 'photo.png') },
    { name: 'jpeg', bytes: jpg, run: (b) => void decodeImage(b, 'photo.jpg') },
  ];
}

/** Structural edits of a tfjs model.json: keys removed, values of the wrong type, absurd numbers. */
function mutateJson(text: string, next: () => number): string {
  const root = JSON.parse(text) as unknown;
  const spots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        spots.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
        walk(child);
      }
    }
  };
  walk(root);
  const replacements: unknown[] = [null, -1, 0, 1e12, 'x', [], {}, true, 2 ** 31, '-7', [1e9, 1e9]];
  for (let i = 0, n = 1 + int(next, 3); i < n; i++) {
    const { parent, key } = spots[int(next, spots.length)]!;
    if (next() < 0.3 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string | number, unknown>)[key] = replacements[int(next, replacements.length)];
  }
  return JSON.stringify(root);
}

const CASES_PER_MUTATION = 24;

describe('fuzzed inputs end in a result or a SegwgpuError', () => {
  for (const subject of subjects()) {
    it(`${subject.name}: ${Object.keys(MUTATIONS).length * CASES_PER_MUTATION} mutated files`, () => {
      const defects: string[] = [];
      for (const [mutationName, mutate] of Object.entries(MUTATIONS)) {
        for (let seed = 1; seed <= CASES_PER_MUTATION; seed++) {
          const next = rng(seed * 7919 + subject.name.length);
          const result = outcome(() => subject.run(mutate(subject.bytes, next)));
          if (result !== 'ok' && result !== 'error') defects.push(`${mutationName} seed ${seed}: ${result}`);
        }
      }
      expect(defects, defects.join('\n\n')).toEqual([]);
    });
  }

  it('tfjs model.json with structural edits: 200 cases', () => {
    const tfjsDir = 'test/fixtures/tfjs/conv';
    const text = new TextDecoder().decode(read(`${tfjsDir}/model.json`));
    const shardNames = (JSON.parse(text) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
    const shards = shardNames.map((p) => read(`${tfjsDir}/${p}`));
    const defects: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const mutated = mutateJson(text, rng(seed));
      const result = outcome(() => throughInference(importTfjs(mutated, shards, { name: 'conv' })));
      if (result !== 'ok' && result !== 'error') defects.push(`seed ${seed}: ${result}`);
    }
    expect(defects, defects.join('\n\n')).toEqual([]);
  });
});

describe('fuzzed files through the CLI', () => {
  it('info on mutated ONNX models and run on truncated .npy inputs exit 0 or 2, with no file left behind', async () => {
    const dir = join(work, 'cli');
    mkdirSync(dir);
    const onnx = read('test/fixtures/models/unet.onnx');
    const problems: string[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const next = rng(seed);
      const names = Object.keys(MUTATIONS);
      const model = MUTATIONS[names[seed % names.length]!]!(onnx, next);
      const file = join(dir, `m${seed}.onnx`);
      writeFileSync(file, model);
      const r = await segwgpu(['info', file]);
      if (r.code !== 0 && r.code !== 2) problems.push(`info seed ${seed}: exit ${r.code}: ${r.stderr}`);
      if (r.code === 2 && !/^segwgpu: .+\n$/.test(r.stderr)) problems.push(`info seed ${seed}: stderr not one 'segwgpu:' line: ${r.stderr}`);
    }
    const npy = read('test/fixtures/models/unet.input.npy');
    const out = join(dir, 'out');
    for (let seed = 1; seed <= 4; seed++) {
      const file = join(dir, `x${seed}.npy`);
      writeFileSync(file, MUTATIONS.truncate!(npy, rng(seed)));
      const r = await segwgpu(['run', join(ROOT, 'test/fixtures/models/unet.onnx'), '--input', file, '--output-dir', out, '--backend', 'cpu']);
      if (r.code !== 2) problems.push(`run seed ${seed}: exit ${r.code}: ${r.stderr}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(readdirSync(dir).filter((f) => f === 'out' || f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});
