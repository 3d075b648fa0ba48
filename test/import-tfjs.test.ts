/**
 * tfjs graph-model import (src/import/tfjs.ts): the fixtures of scripts/make_tfjs_fixtures.mjs
 * (hand-built model.json + shards, expected outputs computed by tfjs itself on its cpu backend)
 * through the CPU reference and the GPU plan; both interface layouts; weight decoding against
 * tfjs-core's own decodeWeights; StridedSlice against TensorFlow's rules; the errors for
 * malformed files, short shards and unsupported ops; the CLI and loading by URL with progress.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegwgpuError, UnsupportedError } from '../src/core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../src/core/tensor.js';
import { importTfjs, readTfjsModelJson, tfjsWeightPaths, type TfjsModelJson } from '../src/import/tfjs.js';
import { decodeTfjsWeights } from '../src/import/tfjs-weights.js';
import { resolveStridedSlice } from '../src/import/tfjs-strided-slice.js';
import { readNpy } from '../src/io/npy.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { runPlan } from '../src/exec/gpu.js';
import { planGraph } from '../src/plan/plan.js';
import { loadTfjsModel, resolveModel } from '../src/api/models.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { rng } from './util/random.js';
import { segwgpu } from './util/run.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/tfjs/', import.meta.url));

/** Files under `root` over HTTP on 127.0.0.1, with content-length (so downloads know their totals). */
async function serveFiles(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    try {
      const body = readFileSync(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)));
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((done) => server.close(() => done())) };
}
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly model: TfjsModelJson;
  readonly shards: Uint8Array[];
  readonly inputs: Record<string, Tensor>;
  readonly expected: (output: string) => Tensor;
}

function fixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const model = readTfjsModelJson(readFileSync(join(dir, 'model.json')), name);
  const inputs: Record<string, Tensor> = {};
  for (const file of readdirSync(dir)) {
    const m = /^input\.(.+)\.npy$/.exec(file);
    if (m) inputs[m[1]!] = readNpy(new Uint8Array(readFileSync(join(dir, file))));
  }
  return {
    name,
    dir,
    model,
    shards: tfjsWeightPaths(model).map((p) => new Uint8Array(readFileSync(join(dir, p)))),
    inputs,
    expected: (output) => readNpy(new Uint8Array(readFileSync(join(dir, `expected.${safeName(output)}.npy`)))),
  };
}

/** ONNX Transpose of host data: out.shape[i] = t.shape[perm[i]]. */
function transpose(t: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const outStrides = stridesOf(shape);
  const src = t.data as ArrayLike<number>;
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let from = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(rest / outStrides[d]!);
      rest -= coord * outStrides[d]!;
      from += coord * inStrides[perm[d]!]!;
    }
    out[i] = src[from]!;
  }
  return { dtype: 'float32', shape, data: out };
}

/** tfjs's float outputs against segwgpu's: f32 sums in other orders, values up to ~30 (Exp, Pow, Sum). */
const TOLERANCE = { atol: 1e-4, rtol: 1e-5 };
const PARITY_FIXTURES = ['conv', 'transpose_conv', 'resize_pool', 'join', 'slice_pad', 'elementwise', 'tanh_elu'];

describe('tfjs import: fixtures against tfjs (cpu backend)', () => {
  for (const name of PARITY_FIXTURES) {
    it(`${name}: the CPU reference and the GPU plan match tfjs, NHWC interface`, async () => {
      const f = fixture(name);
      const graph = importTfjs(f.model, f.shards, { name });
      // The model's own interface: NHWC inputs as declared, outputs named after their nodes.
      for (const input of graph.inputs) expect(input.shape).toEqual(f.inputs[input.name]!.shape);
      const cpu = runGraphCpu(graph, f.inputs);
      const ctx = await testGpu();
      const plan = planGraph(ctx, graph);
      try {
        const gpu = (await runPlan(plan, f.inputs)).outputs;
        for (const output of graph.outputs) {
          const expected = f.expected(output);
          const c = compareTensors(cpu[output]!, expected, TOLERANCE);
          expect(c.ok, `${name} cpu '${output}': ${c.message}`).toBe(true);
          const g = compareTensors(gpu[output]!, expected, TOLERANCE);
          expect(g.ok, `${name} gpu '${output}': ${g.message}`).toBe(true);
        }
      } finally {
        plan.destroy();
      }
    });

    it(`${name}: the NCHW interface gives the same values, with no Transposes at the ends`, () => {
      const f = fixture(name);
      const graph = importTfjs(f.model, f.shards, { name, layout: 'nchw' });
      const toNchw = (t: Tensor) => (t.shape.length === 4 ? transpose(t, [0, 3, 1, 2]) : t);
      const cpu = runGraphCpu(graph, Object.fromEntries(Object.entries(f.inputs).map(([k, t]) => [k, toNchw(t)])));
      for (const output of graph.outputs) {
        const c = compareTensors(cpu[output]!, toNchw(f.expected(output)), TOLERANCE);
        expect(c.ok, `${name} nchw '${output}': ${c.message}`).toBe(true);
      }
    });
  }

  it('keeps NHWC at the ends with one Transpose in and out, and converts weights to ONNX layouts', () => {
    const f = fixture('conv');
    const graph = importTfjs(f.model, f.shards, { name: 'conv' });
    expect(graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 9, 11, 3] }]);
    expect(graph.outputs).toEqual(['dilated', 'leaky', 'prelu', 'sigmoid', 'plain_dw', 'bias_only']);
    const transposes = graph.nodes.filter((n) => n.opType === 'Transpose');
    // One into NCHW after the input, one back per rank-4 output.
    expect(transposes.map((n) => n.inputs[0])[0]).toBe('x');
    expect(transposes.map((n) => n.outputs[0])).toEqual(['x/nchw', ...graph.outputs]);
    expect(transposes[0]!.attributes.perm).toEqual([0, 3, 1, 2]);
    expect(transposes.slice(1).every((n) => (n.attributes.perm as number[]).join() === '0,2,3,1')).toBe(true);

    const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
    // _FusedConv2D 3x3 stride 2 SAME on 9x11: out 5x6, totals max(4*2+3-9, 0) = 2 and max(5*2+3-11, 0) = 2 -> [1, 1, 1, 1]; Relu6 fused as Clip.
    expect(node('conv1').attributes).toMatchObject({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 1, activation: 'Clip', activation_params: [0, 6] });
    // Depthwise with multiplier 2: group = C, weights [C*m, 1, kH, kW].
    expect(node('dw1').attributes).toMatchObject({ group: 8, activation: 'Relu' });
    expect(graph.initializers.get(node('dw1').inputs[1]!)!.shape).toEqual([16, 1, 3, 3]);
    // Conv2D + BiasAdd: the bias folds into the Conv (three inputs), no Add left for it.
    expect(node('pw1/conv').inputs.length).toBe(3);
    expect(graph.nodes.some((n) => n.name === 'pw1')).toBe(false);
    // EXPLICIT padding [[0, 0], [1, 2], [2, 1], [0, 0]] -> ONNX [top, left, bottom, right].
    expect(node('dilated/conv').attributes).toMatchObject({ pads: [1, 2, 2, 1], dilations: [2, 2] });
    // The float16-quantized HWIO filter, OIHW in the IR: element (o, i, y, x) is filter[y][x][i][o].
    const weights = decodeTfjsWeights(f.model, f.shards, 'conv');
    const hwio = weights.get('conv1/filter') as Tensor<'float32'>;
    const oihw = graph.initializers.get(node('conv1').inputs[1]!) as Tensor<'float32'>;
    expect(oihw.shape).toEqual([8, 3, 3, 3]);
    for (const [o, i, y, x] of [[0, 0, 0, 0], [7, 2, 1, 0], [3, 1, 2, 2]] as const) {
      expect(oihw.data[((o * 3 + i) * 3 + y) * 3 + x]).toBe(hwio.data[((y * 3 + x) * 3 + i) * 8 + o]);
    }
  });

  it('folds Shape -> StridedSlice -> Pack -> Reshape into a constant shape, and Transpose into layouts', () => {
    const f = fixture('slice_pad');
    const graph = importTfjs(f.model, f.shards, { name: 'slice_pad' });
    for (const folded of ['flatten/shape', 'flatten/batch', 'flatten/packed', 'transpose/nchw', 'transpose/back']) expect(graph.nodes.some((n) => n.name === folded)).toBe(false);
    const flatten = graph.nodes.find((n) => n.name === 'flatten')!;
    expect(flatten.opType).toBe('Reshape');
    expect(Array.from(graph.initializers.get(flatten.inputs[1]!)!.data as BigInt64Array, Number)).toEqual([1, 210]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('tfjs import: weights as tfjs decodes them', () => {
  it('float32, int32, bool and float16 / uint8 / uint16 quantized weights agree with tfjs-core decodeWeights bit for bit', async () => {
    const next = rng(41);
    const specs = [
      { name: 'f32', shape: [3, 5], dtype: 'float32' },
      { name: 'i32', shape: [7], dtype: 'int32' },
      { name: 'flag', shape: [5], dtype: 'bool' },
      { name: 'half', shape: [2, 9], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'u8', shape: [11], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.0123, min: -1.57 } },
      { name: 'u16', shape: [6], dtype: 'float32', quantization: { dtype: 'uint16', scale: 3.1e-5, min: -0.7 } },
      { name: 'u8_int', shape: [9], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.37, min: -20 } },
      { name: 'scalar', shape: [], dtype: 'float32' },
    ];
    const sizes: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };
    const parts = specs.map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const bytes = new Uint8Array(n * sizes[s.quantization?.dtype ?? s.dtype]!);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      // Halves with exponent 31 are Inf/NaN: keep them finite (NaN != NaN would fail the check below).
      if (s.quantization?.dtype === 'float16') for (let i = 1; i < bytes.length; i += 2) bytes[i] = bytes[i]! & 0xbb;
      if (s.dtype === 'float32' && !s.quantization) new Float32Array(bytes.buffer).forEach((_, i, a) => (a[i] = next() * 8 - 4));
      if (s.dtype === 'bool') bytes.forEach((_, i) => (bytes[i] = i % 3 === 0 ? 0 : i));
      return bytes;
    });
    const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (stream.set(p, at), at + p.length), 0);
    const model = readTfjsModelJson({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: specs }] }, 'weights');
    // Split the stream inside a weight, as tfjs's shards may be.
    const ours = decodeTfjsWeights(model, [stream.subarray(0, 37), stream.subarray(37)], 'weights');
    const theirs = tf.io.decodeWeights(stream.slice().buffer, specs as tf.io.WeightsManifestEntry[]);
    for (const s of specs) {
      const a = ours.get(s.name) as Tensor;
      const b = theirs[s.name]!;
      expect(a.shape).toEqual(b.shape);
      const expected = Array.from(await b.data(), Number);
      // bool: tfjs keeps the bytes; segwgpu holds 0/1.
      expect(Array.from(a.data as ArrayLike<number>), s.name).toEqual(s.dtype === 'bool' ? expected.map((v) => (v ? 1 : 0)) : expected);
    }
  });

  const tiny = (weights: unknown[], paths = ['w.bin']) => ({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths, weights }] });
  it('refuses short shards, unknown dtypes and quantizations, and missing quantization metadata, naming the weight', () => {
    const model = (weights: unknown[], paths?: string[]) => readTfjsModelJson(tiny(weights, paths), 'm');
    const w = { name: 'kernel', shape: [2, 3], dtype: 'float32' };
    expect(() => decodeTfjsWeights(model([w]), new Uint8Array(20), 'm')).toThrow("m: weight 'kernel' (float32 [2x3]) needs bytes 0 to 24 of the weight data, but the weight data (w.bin) holds 20 bytes; a shard is missing or short");
    expect(() => decodeTfjsWeights(model([w, { ...w, name: 'bias', shape: [4] }], ['a.bin', 'b.bin']), [new Uint8Array(24), new Uint8Array(8)], 'm')).toThrow(
      "m: weight 'bias' (float32 [4]) needs bytes 24 to 40 of the weight data, but the shards hold 32 bytes (a.bin: 24, b.bin: 8); a shard is missing or short",
    );
    expect(() => decodeTfjsWeights(model([w], ['a.bin', 'b.bin']), [new Uint8Array(24)], 'm')).toThrow('m: 1 weight shard given, but the manifest names 2 (a.bin, b.bin)');
    expect(() => decodeTfjsWeights(model([{ ...w, dtype: 'float64' }]), new Uint8Array(48), 'm')).toThrow("m: weight 'kernel' has dtype 'float64'; tfjs weights are float32, int32, bool, string, complex64");
    expect(() => decodeTfjsWeights(model([{ ...w, quantization: { dtype: 'int4' } }]), new Uint8Array(48), 'm')).toThrow("m: weight 'kernel' has quantization dtype 'int4'; tfjs knows uint8, uint16, float16");
    expect(() => decodeTfjsWeights(model([{ ...w, quantization: { dtype: 'uint8', min: 0 } }]), new Uint8Array(48), 'm')).toThrow("m: weight 'kernel' is quantized as uint8 but its quantization has no numeric scale and min");
    expect(() => decodeTfjsWeights(model([{ ...w, dtype: 'int32', quantization: { dtype: 'float16' } }]), new Uint8Array(48), 'm')).toThrow("m: weight 'kernel' is int32 quantized as float16, which tfjs cannot decode");
    expect(() => readTfjsModelJson(tiny([{ ...w, shape: [2, -1] }]), 'm')).toThrow("m: weight 'kernel' has shape [2,-1]; dimensions must be whole numbers >= 0");
  });

  it('reads past string weights (length-prefixed) and refuses a node that uses one', () => {
    const strings = new Uint8Array([2, 0, 0, 0, 104, 105, 0, 0, 0, 0]);
    const float = new Uint8Array(Float32Array.of(1.5).buffer);
    const model = readTfjsModelJson(
      {
        format: 'graph-model',
        modelTopology: { node: [{ name: 'words', op: 'Const' }, { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '2' }] } } } }, { name: 'y', op: 'Mul', input: ['x', 'scale'] }, { name: 'scale', op: 'Const' }, { name: 'z', op: 'Identity', input: ['words'] }] },
        weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'words', shape: [2], dtype: 'string' }, { name: 'scale', shape: [], dtype: 'float32' }] }],
        signature: { outputs: { 'y:0': { name: 'y:0' } } },
      },
      'm',
    );
    const weights = decodeTfjsWeights(model, new Uint8Array([...strings, ...float]), 'm');
    expect(weights.get('words')).toEqual({ unusable: 'a string tensor' });
    expect((weights.get('scale') as Tensor).data).toEqual(Float32Array.of(1.5));
    // Only 'y' is an output: the string constant is never read.
    const graph = importTfjs(model, new Uint8Array([...strings, ...float]), { name: 'm' });
    expect(graph.outputs).toEqual(['y']);
    const both = { ...model, signature: { outputs: { 'y:0': { name: 'y:0' }, 'z:0': { name: 'z:0' } } } };
    expect(() => importTfjs(both, new Uint8Array([...strings, ...float]), { name: 'm' })).toThrow("m: node 'words' (Const): its weight is a string tensor, which segwgpu cannot compute with");
  });
});

describe('tfjs import: StridedSlice as TensorFlow resolves it', () => {
  const spec = (begin: number[], end: number[], strides: number[], masks: Partial<Record<'beginMask' | 'endMask' | 'ellipsisMask' | 'newAxisMask' | 'shrinkAxisMask', number>> = {}) => ({
    begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, ...masks,
  });
  it('x[:, ::-2, 1:, 2] on [1, 6, 7, 5]: reversed, masked and shrunk together (where tfjs-backend-cpu 4.22 errs)', () => {
    const r = resolveStridedSlice([1, 6, 7, 5], spec([0, 0, 1, 2], [0, 0, 0, 3], [1, -2, 1, 1], { beginMask: 0b0011, endMask: 0b0111, shrinkAxisMask: 0b1000 }), 'ss');
    expect(r.outputShape).toEqual([1, 3, 6]);
    expect(r.axes).toEqual([
      { begin: 0, end: 1, stride: 1, size: 1 },
      { begin: 5, end: -1, stride: -2, size: 3 },
      { begin: 1, end: 7, stride: 1, size: 6 },
      { begin: 2, end: 3, stride: 1, size: 1 },
    ]);
    expect(r.reshapes).toBe(true);
  });
  it('an ellipsis with new axes after it, out-of-range bounds clamped, and the errors TensorFlow gives', () => {
    expect(resolveStridedSlice([2, 3, 4], spec([0, 0, -100], [0, 0, 100], [1, 1, 1], { ellipsisMask: 1, newAxisMask: 2 }), 'ss').outputShape).toEqual([2, 3, 1, 4]);
    expect(resolveStridedSlice([5], spec([4], [-100], [-1]), 'ss').axes[0]).toEqual({ begin: 4, end: -1, stride: -1, size: 5 });
    expect(() => resolveStridedSlice([5], spec([0], [5], [0]), 'ss')).toThrow('ss: strides[0] is 0');
    expect(() => resolveStridedSlice([5], spec([5], [6], [1], { shrinkAxisMask: 1 }), 'ss')).toThrow('ss: index 5 is out of bounds for axis 0 of size 5');
    expect(() => resolveStridedSlice([5, 2], spec([0, 0], [1, 1], [1, 1], { ellipsisMask: 3 }), 'ss')).toThrow('more than one ellipsis');
  });
});

// ---------------------------------------------------------------------------------------------

describe('tfjs import: malformed and unsupported models', () => {
  const base = () => fixture('conv');
  /** The conv fixture's model.json with some nodes changed. */
  const edited = (edit: (nodes: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[]) => void): TfjsModelJson => {
    const model = JSON.parse(JSON.stringify(base().model)) as TfjsModelJson & { modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] } };
    edit(model.modelTopology.node);
    return model;
  };
  const find = (nodes: { name: string }[], name: string) => nodes.find((n) => n.name === name)! as { name: string; op: string; input?: string[]; attr?: Record<string, unknown> };

  it('refuses files that are not tfjs graph models, naming the problem', () => {
    expect(() => importTfjs('{"format": "graph-model"', [], { name: 'bad.json' })).toThrow(/^bad\.json: not a tfjs model\.json: /);
    expect(() => importTfjs('[1, 2]', [], { name: 'bad.json' })).toThrow('bad.json: not a tfjs model.json: the file holds no JSON object');
    expect(() => importTfjs({ format: 'layers-model', modelTopology: {} } as unknown as TfjsModelJson, [], { name: 'keras' })).toThrow("keras: a tfjs Layers model (format 'layers-model'); only graph models");
    expect(() => importTfjs({ format: 'graph-model' } as TfjsModelJson, [], { name: 'empty' })).toThrow('empty: not a tfjs graph model: modelTopology.node is missing');
    expect(() => importTfjs({ format: 'graph-model', modelTopology: { node: [{ op: 'Relu' }] } } as unknown as TfjsModelJson, [], { name: 'm' })).toThrow('m: modelTopology.node[0] has no name or op');
  });

  it('names a node input that names no node, a Const without a weight, and duplicate node names', () => {
    const f = base();
    const dangling = edited((nodes) => (find(nodes, 'leaky').input![0] = 'pw1_typo'));
    expect(() => importTfjs(dangling, f.shards, { name: 'conv' })).toThrow("conv: node 'leaky' (_FusedConv2D) reads 'pw1_typo', but the graph has no node 'pw1_typo'");
    const control = edited((nodes) => find(nodes, 'leaky').input!.push('^nowhere:0'));
    expect(() => importTfjs(control, f.shards, { name: 'conv' })).toThrow("conv: node 'leaky' (_FusedConv2D) reads '^nowhere:0', but the graph has no node 'nowhere'");
    const noWeight = edited((nodes) => (find(nodes, 'dilated/y').name = 'dilated/why'));
    expect(() => importTfjs(noWeight, f.shards, { name: 'conv' })).toThrow("conv: node 'dilated' (AddV2) reads 'dilated/y', but the graph has no node 'dilated/y'");
    const renamed = edited((nodes) => {
      find(nodes, 'dilated/y').name = 'dilated/why';
      find(nodes, 'dilated').input![1] = 'dilated/why';
    });
    expect(() => importTfjs(renamed, f.shards, { name: 'conv' })).toThrow("conv: node 'dilated/why' (Const): no weight named 'dilated/why' in the weights manifest");
    const twice = edited((nodes) => nodes.push({ ...find(nodes, 'leaky') }));
    expect(() => importTfjs(twice, f.shards, { name: 'conv' })).toThrow("conv: two nodes are named 'leaky'");
  });

  it('names the weight and the shards when a shard is short or missing', () => {
    const f = base();
    const short = f.shards.map((s, i) => (i === f.shards.length - 1 ? s.subarray(0, s.length - 3) : s));
    expect(() => importTfjs(f.model, short, { name: 'conv' })).toThrow(/^conv: weight 'bias_only\/bias' \(float32 \[3\]\) needs bytes \d+ to \d+ of the weight data, but the shards hold \d+ bytes \(group1-shard1of2\.bin: 500, group1-shard2of2\.bin: 444, group2-shard1of2\.bin: 64, group2-shard2of2\.bin: \d+\); a shard is missing or short$/);
    expect(() => importTfjs(f.model, f.shards.slice(0, 3), { name: 'conv' })).toThrow('conv: 3 weight shards given, but the manifest names 4 (group1-shard1of2.bin, group1-shard2of2.bin, group2-shard1of2.bin, group2-shard2of2.bin)');
  });

  it('refuses every unsupported op in ONE error, with the nodes using each, before building anything', () => {
    const model = edited((nodes) => {
      find(nodes, 'leaky').op = 'NonMaxSuppressionV5';
      find(nodes, 'sigmoid').op = 'NonMaxSuppressionV5';
      find(nodes, 'plain_dw').op = 'Cumsum';
      find(nodes, 'prelu').attr!.data_format = { s: btoa('NCHW') };
      find(nodes, 'bias_only').attr!.fused_ops = { list: { s: [btoa('FusedBatchNorm'), btoa('Relu')] } };
      find(nodes, 'dw1').attr!.fused_ops = { list: { s: [btoa('BiasAdd'), btoa('Tanh')] } };
    });
    let error: Error | undefined;
    try {
      // No shards at all: the op check comes first.
      importTfjs(model, [], { name: 'conv' });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(UnsupportedError);
    const message = error!.message;
    expect(message).toMatch(/^conv: 5 tfjs op types are not supported by segwgpu: /);
    expect(message).toContain("NonMaxSuppressionV5: nodes 'leaky', 'sigmoid'");
    expect(message).toContain("Cumsum: node 'plain_dw'");
    expect(message).toContain("_FusedConv2D with data_format NCHW (segwgpu imports NHWC graphs, as tensorflowjs_converter writes them): node 'prelu'");
    expect(message).toContain("_FusedConv2D with fused_ops [FusedBatchNorm, Relu] (tfjs refuses FusedBatchNorm here too): node 'bias_only'");
    expect(message).toContain("FusedDepthwiseConv2dNative with fused_ops [BiasAdd, Tanh]: node 'dw1'");
    expect(message).toMatch(/Supported: .*Conv2DBackpropInput.*StridedSlice/);
  });

  it('refuses MirrorPad SYMMETRIC by name', () => {
    const f = fixture('slice_pad');
    const model = JSON.parse(JSON.stringify(f.model)) as TfjsModelJson;
    (model.modelTopology.node.find((n) => n.name === 'mirror')!.attr as Record<string, unknown>).mode = { s: btoa('SYMMETRIC') };
    expect(() => importTfjs(model, f.shards, { name: 'slice_pad' })).toThrow("slice_pad: 1 tfjs op type is not supported by segwgpu: MirrorPad with mode SYMMETRIC (segwgpu's Pad has reflect, not symmetric): node 'mirror'");
  });

  it('needs static input shapes: an unknown batch is 1, other unknown dimensions need inputShapes', () => {
    const f = base();
    const withShape = (dims: string[]) =>
      edited((nodes) => {
        find(nodes, 'x').attr!.shape = { shape: { dim: dims.map((size) => ({ size })) } };
      });
    expect(importTfjs(withShape(['-1', '9', '11', '3']), f.shards).inputs[0]!.shape).toEqual([1, 9, 11, 3]);
    expect(() => importTfjs(withShape(['1', '-1', '-1', '3']), f.shards, { name: 'conv' })).toThrow("conv: input 'x' has shape [1x-1x-1x3] with unknown dimensions; give a static one (inputShapes)");
    const g = importTfjs(withShape(['1', '-1', '-1', '3']), f.shards, { name: 'conv', inputShapes: { x: [1, 9, 11, 3] } });
    const cpu = runGraphCpu(g, f.inputs);
    expect(compareTensors(cpu['leaky']!, f.expected('leaky'), TOLERANCE).ok).toBe(true);
    expect(() => importTfjs(f.model, f.shards, { name: 'conv', inputShapes: { x: [1, 8, 11, 3] } })).toThrow("conv: the shape given for input 'x' [1x8x11x3] does not fit the declared [1x9x11x3]");
    expect(() => importTfjs(f.model, f.shards, { name: 'conv', inputShapes: { y: [1] } })).toThrow("conv: an input shape is given for 'y', which is not an input of the model (inputs: x)");
  });

  it('errors of the IR ops name the TensorFlow node', () => {
    const f = base();
    const model = edited((nodes) => (find(nodes, 'leaky').attr!.strides = { list: { i: ['1', '2', '1'] } }));
    expect(() => importTfjs(model, f.shards, { name: 'conv' })).toThrow("conv: node 'leaky' (_FusedConv2D): attribute strides [1, 2, 1] must be [1, h, w, 1] with h, w >= 1");
    // An IR op's own check (a VALID window larger than the input), prefixed with the TensorFlow node.
    const pools = fixture('resize_pool');
    const tooBig = JSON.parse(JSON.stringify(pools.model)) as TfjsModelJson;
    (tooBig.modelTopology.node.find((n) => n.name === 'max_valid')!.attr as Record<string, unknown>).ksize = { list: { i: ['1', '9', '3', '1'] } };
    expect(() => importTfjs(tooBig, pools.shards, { name: 'resize_pool' })).toThrow(/^resize_pool: node 'max_valid' \(MaxPool\): as IR MaxPool: attribute kernel_shape=\[9, 3\] /);
    try {
      importTfjs(tooBig, pools.shards, { name: 'resize_pool' });
    } catch (e) {
      expect(e).toBeInstanceOf(SegwgpuError);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('tfjs models through the CLI and by URL', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'segwgpu-tfjs-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`segwgpu run <dir>/model.json --backend ${backend} writes tfjs's outputs (NHWC)`, async () => {
      const f = fixture('transpose_conv');
      const out = join(work, `run-${backend}`);
      const r = await segwgpu(['run', join(f.dir, 'model.json'), '--input', `x=${join(f.dir, 'input.x.npy')}`, '--output-dir', out, '--backend', backend]);
      expect(r.code, r.stderr).toBe(0);
      for (const output of ['up3', 'up2', 'valid', 'same_even', 'explicit']) {
        const c = compareTensors(readNpy(new Uint8Array(readFileSync(join(out, `${output}.npy`)))), f.expected(output), TOLERANCE);
        expect(c.ok, `${output}: ${c.message}`).toBe(true);
      }
    });
  }

  it('segwgpu info reads model.json with its shards; a missing shard is named', async () => {
    const f = fixture('conv');
    const info = await segwgpu(['info', join(f.dir, 'model.json')]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('model: conv (opset 17)');
    expect(info.stdout).toContain('input  x: float32 [1x9x11x3]');
    const broken = join(work, 'broken');
    cpSync(f.dir, broken, { recursive: true });
    rmSync(join(broken, 'group2-shard1of2.bin'));
    const r = await segwgpu(['validate', join(broken, 'model.json'), '--input', join(f.dir, 'input.x.npy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/segwgpu: cannot read weight shard of .*broken\/model\.json '.*broken\/group2-shard1of2\.bin': ENOENT/);
  });

  it('loadTfjsModel and resolveModel fetch the shards beside model.json, reporting bytes across all of them', async () => {
    const server = await serveFiles(FIXTURES);
    try {
      const f = fixture('conv');
      const total = readFileSync(join(f.dir, 'model.json')).length + f.shards.reduce((n, s) => n + s.length, 0);
      const events: SegmenterProgress[] = [];
      const graph = await loadTfjsModel(`${server.url}conv/model.json`, { onProgress: (p) => events.push(p) });
      expect(graph.name).toBe('conv');
      const downloads = events.filter((e): e is Extract<SegmenterProgress, { phase: 'download' }> => e.phase === 'download');
      expect(downloads.at(-1)).toEqual({ phase: 'download', loadedBytes: total, totalBytes: total });
      expect(downloads.map((d) => d.loadedBytes)).toEqual([...downloads.map((d) => d.loadedBytes)].sort((a, b) => a - b));
      expect(events.at(-1)).toEqual({ phase: 'import', format: 'tfjs', bytes: total });
      const c = compareTensors(runGraphCpu(graph, f.inputs)['leaky']!, f.expected('leaky'), TOLERANCE);
      expect(c.ok, c.message).toBe(true);

      // For a Segmenter: NCHW at the ends, the defaults for unknown models unless told.
      const model = await resolveModel(new URL('conv/model.json', server.url), { mean: [0, 0, 0], std: [1, 1, 1] });
      expect(model.graph.inputs[0]!.shape).toEqual([1, 3, 9, 11]);
      expect(model.mean).toEqual([0, 0, 0]);
      expect(model.output).toBe('logits');

      await expect(loadTfjsModel(`${server.url}nowhere/model.json`)).rejects.toThrow(/cannot fetch model http:\/\/127\.0\.0\.1:\d+\/nowhere\/model\.json: HTTP 404/);
    } finally {
      await server.close();
    }
  });

  it('a missing shard is named by its URL, or by its path for a model read from disk', async () => {
    const broken = join(work, 'served');
    cpSync(join(FIXTURES, 'conv'), join(broken, 'conv'), { recursive: true });
    rmSync(join(broken, 'conv', 'group1-shard2of2.bin'));
    const server = await serveFiles(broken);
    try {
      await expect(loadTfjsModel(`${server.url}conv/model.json`)).rejects.toThrow(/cannot fetch weight shard http:\/\/127\.0\.0\.1:\d+\/conv\/group1-shard2of2\.bin: HTTP 404/);
    } finally {
      await server.close();
    }
    // By path (Node), the same folder on disk.
    await expect(loadTfjsModel(join(broken, 'conv', 'model.json'))).rejects.toThrow(/cannot read weight shard file '.*served\/conv\/group1-shard2of2\.bin': ENOENT/);
    const whole = await loadTfjsModel(join(FIXTURES, 'conv', 'model.json'), { layout: 'nchw' });
    expect(whole.inputs[0]!.shape).toEqual([1, 3, 9, 11]);
  });

  it('a model.json given as bytes is refused with what to do instead', async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'conv', 'model.json')));
    await expect(resolveModel(bytes)).rejects.toThrow('model is a tfjs graph model (model.json) whose weights are in group1-shard1of2.bin, group1-shard2of2.bin, group2-shard1of2.bin, group2-shard2of2.bin: load it by its URL or path');
  });
});
