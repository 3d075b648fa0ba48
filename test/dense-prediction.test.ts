/**
 * Dense prediction (src/passes/dense-prediction.ts, shift-and-stitch.ts, src/cli/dense-command.ts)
 * on the fixture of scripts/make_dense_fixtures.py: a coarse FCN of output stride 4 and PyTorch's
 * dilated equivalent. à trous and shift-and-stitch (both forms) against PyTorch and each other,
 * on the CPU reference and the GPU; the defining property dense[::f, ::f] == coarse; input sizes
 * that f does not divide; the graphs that cannot be made dense; the CLI command.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../src/core/tensor.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import type { AttributeValue } from '../src/ir/attributes.js';
import { importOnnx } from '../src/import/onnx.js';
import { readNpy } from '../src/io/npy.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { planGraphAsync } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { analyseStrides, averagePoolsAsConvs, denseAtrous } from '../src/passes/dense-prediction.js';
import { shiftAndStitch, type ShiftMode } from '../src/passes/shift-and-stitch.js';
import { DENSE, runDense } from '../src/cli/dense-command.js';
import { parseCommand } from '../src/cli/args.js';
import { runGraphWasm } from '../src/api/wasm-graph.js';
import { compareTensors, type Tolerance } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const DIR = 'test/fixtures/dense';
const manifest = JSON.parse(readFileSync(join(DIR, 'dense.json'), 'utf8')) as {
  factor: [number, number];
  tolerance: Tolerance;
  dense_layers: { node: string; dilation: number; pads: number; stride: number }[];
};
const npy = (file: string): Tensor => readNpy(new Uint8Array(readFileSync(join(DIR, file))));
const coarse = importOnnx(new Uint8Array(readFileSync(join(DIR, 'coarse.onnx'))), { name: 'coarse' });
const CASES = {
  main: { input: npy('input.npy'), coarse: npy('coarse.expected.npy'), dense: npy('dense.expected.npy') },
  odd: { input: npy('odd.input.npy'), coarse: npy('odd.coarse.expected.npy'), dense: npy('odd.dense.expected.npy') },
};
const TORCH = manifest.tolerance;
/** Two engines computing the same sums in maybe another order. */
const SAME = { atol: 1e-5, rtol: 1e-5 };

function expectClose(actual: Tensor, expected: Tensor, tol: Tolerance): void {
  const c = compareTensors(actual, expected, tol);
  expect(c.ok, c.message).toBe(true);
}

function cpu(graph: Graph, x: Tensor): Tensor {
  return runGraphCpu(graph, { input: x })[graph.outputs[0]!]!;
}

/** t[..., oy::fy, ox::fx] of an NCHW tensor. */
function phaseOf(t: Tensor<'float32'> | Tensor, [fy, fx]: readonly number[], [oy, ox] = [0, 0]): Tensor {
  const [N, C, H, W] = t.shape as [number, number, number, number];
  const h = Math.ceil((H - oy) / fy);
  const w = Math.ceil((W - ox) / fx);
  const out = new Float32Array(N * C * h * w);
  let k = 0;
  for (let p = 0; p < N * C; p++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[k++] = (t.data as Float32Array)[(p * H + oy + y * fy) * W + ox + x * fx]!;
  return tensor([N, C, h, w], out);
}

/** The fixture graph with some nodes' attributes changed (opType too, to swap a pool). */
function variant(graph: Graph, change: (node: GraphNode) => Partial<GraphNode> | undefined): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, ...change(n) })) };
}
const attrs = (node: GraphNode, a: Record<string, AttributeValue>): Partial<GraphNode> => ({ attributes: { ...node.attributes, ...a } });
const shapesOf = (x: Tensor) => ({ input: x.shape });

describe('à trous (denseAtrous) on the PyTorch fixture', () => {
  const { graph: dense, factor } = denseAtrous(coarse);

  it('finds output stride 4 and rewrites the windows as PyTorch\'s dilated network has them', () => {
    expect(factor).toEqual(manifest.factor);
    const windows = dense.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'MaxPool');
    expect(windows.map((n) => [n.attributes.strides, n.attributes.dilations, (n.attributes.pads as number[])?.[0] ?? 0])).toEqual(
      manifest.dense_layers.map((l) => [[l.stride, l.stride], [l.dilation, l.dilation], l.pads]),
    );
    // Names kept, the coarse graph untouched.
    expect(dense.nodes.map((n) => n.name)).toEqual(coarse.nodes.map((n) => n.name));
    expect(coarse.nodes.find((n) => n.opType === 'MaxPool')!.attributes.strides).toEqual([2, 2]);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`equals PyTorch's dilated network on the CPU (${name}: ${c.input.shape.join('x')} -> ${c.dense.shape.join('x')})`, () => {
      expectClose(cpu(coarse, c.input), c.coarse, TORCH);
      const d = cpu(dense, c.input);
      expectClose(d, c.dense, TORCH);
      // The defining property: the coarse output is the dense one at stride f.
      expectClose(phaseOf(d, factor), cpu(coarse, c.input), SAME);
    });
  }
});

describe('shift-and-stitch on the PyTorch fixture', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`per-stride shifts equal PyTorch's dilated network and à trous (${name}: ${c.input.shape.join('x')})`, () => {
      const { graph, factor } = shiftAndStitch(coarse, { inputShapes: shapesOf(c.input) });
      expect(factor).toEqual([4, 4]);
      expect(graph.outputs).toEqual(['output']);
      const stitched = cpu(graph, c.input);
      expectClose(stitched, c.dense, TORCH);
      expectClose(stitched, cpu(denseAtrous(coarse).graph, c.input), SAME);
      // The branches are the coarse network: (0, 0) is its own output.
      expectClose(phaseOf(stitched, factor), c.coarse, TORCH);
    });
  }

  it('builds a tree of runs: nothing before the first stride is computed twice, then 4 and 16 copies', () => {
    const { graph } = shiftAndStitch(coarse, { inputShapes: shapesOf(CASES.main.input) });
    const count = (op: string) => graph.nodes.filter((n) => n.opType === op).length;
    expect(count('Conv')).toBe(1 + 4 + 16);
    expect(count('MaxPool')).toBe(4 + 16);
    expect(count('Add')).toBe(4);
    // 13 = 4 + 3 + 3 + 3: the later branches are padded to 4, interlaced to 16 and cut to 13.
    expect(count('Pad')).toBe(15);
    expect(graph.nodes.at(-1)!.opType).toBe('Slice');
    expect(new Set(graph.nodes.map((n) => n.name)).size).toBe(graph.nodes.length);
  });

  it("refuses the literal input shift where conv1 pads before the last stride, naming the node and pads", () => {
    expect(() => shiftAndStitch(coarse, { shifts: 'input', inputShapes: shapesOf(CASES.main.input) })).toThrow(
      /node '\/conv1\/Conv' \(Conv\) pads \[1, 1\] at its top\/left before the last stride.*shifts 'per-stride' is exact/,
    );
  });

  it('without early padding the literal input shift, per-stride shifts and à trous agree, and coarse == dense[::4, ::4]', () => {
    // conv1 and conv2 unpadded (valid): the literal method is exact; the score conv keeps pads 1.
    const valid = variant(coarse, (n) => (n.name === '/conv1/Conv' || n.name === '/conv2/Conv' ? attrs(n, { pads: [0, 0, 0, 0] }) : undefined));
    // The residual Add needs conv2 to keep the size: crop its skip to match.
    const x = CASES.odd.input;
    const inputShapes = shapesOf(x);
    const skipFixed = withCroppedSkip(valid);
    const atrous = cpu(denseAtrous(skipFixed).graph, x);
    for (const shifts of ['input', 'per-stride'] as ShiftMode[]) {
      expectClose(cpu(shiftAndStitch(skipFixed, { shifts, inputShapes }).graph, x), atrous, SAME);
    }
    expectClose(phaseOf(atrous, [4, 4]), cpu(skipFixed, x), SAME);
    const { graph } = shiftAndStitch(skipFixed, { shifts: 'input', inputShapes });
    // 16 whole copies of the four convs (conv1, conv2, the skip's crop, score).
    expect(graph.nodes.filter((n) => n.opType === 'Conv').length).toBe(4 * 16);
  });

  it('the literal input shift takes pointwise ops before the strides, and refuses ops that move pixels there', () => {
    const skipFixed = withCroppedSkip(variant(coarse, (n) => (n.name === '/conv1/Conv' || n.name === '/conv2/Conv' ? attrs(n, { pads: [0, 0, 0, 0] }) : undefined)));
    const x = CASES.main.input;
    const before = (node: GraphNode, more: [string, Tensor][]): Graph => ({
      ...skipFixed,
      nodes: [node, ...skipFixed.nodes.map((n) => (n.inputs[0] === 'input' ? { ...n, inputs: ['pre', ...n.inputs.slice(1)] } : n))],
      initializers: new Map([...skipFixed.initializers, ...more]),
    });
    const mean = before({ name: 'mean', opType: 'Sub', domain: '', inputs: ['input', 'rgb'], outputs: ['pre'], attributes: {} }, [['rgb', tensor([1, 3, 1, 1], [0.5, -0.25, 0.125])]]);
    expectClose(cpu(shiftAndStitch(mean, { shifts: 'input', inputShapes: shapesOf(x) }).graph, x), cpu(denseAtrous(mean).graph, x), SAME);
    const pads = { dtype: 'int64', shape: [8], data: BigInt64Array.of(0n, 0n, 1n, 1n, 0n, 0n, 1n, 1n) } as Tensor;
    const padded = before({ name: 'border', opType: 'Pad', domain: '', inputs: ['input', 'border/pads'], outputs: ['pre'], attributes: { mode: 'reflect' } }, [['border/pads', pads]]);
    expect(() => shiftAndStitch(padded, { shifts: 'input', inputShapes: shapesOf(x) })).toThrow(/node 'border' \(Pad\) comes before the last stride and does not commute with shifting the input \(Pad moves pixels/);
    // Before the first stride anything goes for à trous and per-stride shifts.
    expectClose(cpu(shiftAndStitch(padded, { inputShapes: shapesOf(x) }).graph, x), cpu(denseAtrous(padded).graph, x), SAME);
  });
});

/** conv2 unpadded shrinks its map by 2: the residual reads the pool output cropped by 1 on each side. */
function withCroppedSkip(graph: Graph): Graph {
  const add = graph.nodes.find((n) => n.opType === 'Add')!;
  const skip = add.inputs[1]!;
  const initializers = new Map(graph.initializers);
  initializers.set('skip/starts', { dtype: 'int64', shape: [2], data: BigInt64Array.of(1n, 1n) });
  initializers.set('skip/ends', { dtype: 'int64', shape: [2], data: BigInt64Array.of(-1n, -1n) });
  initializers.set('skip/axes', { dtype: 'int64', shape: [2], data: BigInt64Array.of(2n, 3n) });
  // A Slice after a stride is refused, so the crop is a 3x3 valid conv that picks the centre.
  const channels = graph.initializers.get('conv2.weight')!.shape[0]!;
  const w = new Float32Array(channels * channels * 9);
  for (let c = 0; c < channels; c++) w[(c * channels + c) * 9 + 4] = 1;
  initializers.set('skip/centre', tensor([channels, channels, 3, 3], w));
  const crop: GraphNode = { name: 'skip/crop', opType: 'Conv', domain: '', inputs: [skip, 'skip/centre'], outputs: ['skip/cropped'], attributes: { kernel_shape: [3, 3] } };
  const nodes = graph.nodes.flatMap((n) => (n === add ? [crop, { ...n, inputs: [n.inputs[0]!, 'skip/cropped'] }] : [n]));
  return { ...graph, nodes, initializers };
}

describe('other windows and padding forms', () => {
  const x = CASES.odd.input;
  const inputShapes = shapesOf(x);
  const check = (graph: Graph): void => {
    const { graph: dense, factor } = denseAtrous(graph);
    const d = cpu(dense, x);
    expectClose(phaseOf(d, factor), cpu(graph, x), SAME);
    expectClose(cpu(shiftAndStitch(graph, { inputShapes }).graph, x), d, SAME);
  };

  for (const countIncludePad of [0, 1]) {
    it(`AveragePool 3x3 stride 2 pads 1 (count_include_pad=${countIncludePad}) as the second pool: dilated, with its divisors`, () => {
      check(variant(coarse, (n) => (n.name === '/MaxPool_1' ? { opType: 'AveragePool', attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: countIncludePad } } : undefined)));
    });
  }

  it('a strided conv with asymmetric pads, a 2x1 stride and a pool with begin pads larger than the shift', () => {
    check(
      variant(coarse, (n) => {
        if (n.name === '/conv2/Conv') return attrs(n, { strides: [2, 1], pads: [0, 1, 2, 1] });
        if (n.name === '/MaxPool_1') return attrs(n, { kernel_shape: [3, 3], strides: [1, 2], pads: [2, 1, 0, 1] });
        if (n.name === '/Add') return { opType: 'Relu', inputs: [n.inputs[0]!] };
        return undefined;
      }),
    );
  });

  it('auto_pad SAME_UPPER on a stride-1 conv after a stride becomes its resolved pads, scaled', () => {
    const same = variant(coarse, (n) => (n.name === '/conv2/Conv' ? { attributes: { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' } } : undefined));
    const conv2 = denseAtrous(same).graph.nodes.find((n) => n.name === '/conv2/Conv')!;
    expect(conv2.attributes).toMatchObject({ pads: [2, 2, 2, 2], dilations: [2, 2], strides: [1, 1] });
    expect(conv2.attributes.auto_pad).toBeUndefined();
    expectClose(cpu(denseAtrous(same).graph, x), CASES.odd.dense, TORCH);
  });

  it('ceil_mode pools (MaxPool, AveragePool without count_include_pad) become stride-1 pools with a longer end pad', () => {
    // 17 columns: ceil_mode gives 9 then 5 columns where floor gives 8 then 4.
    const ceil = variant(coarse, (n) => (n.opType === 'MaxPool' ? attrs(n, { ceil_mode: 1 }) : undefined));
    expect(cpu(ceil, x).shape).toEqual([1, 5, 5, 5]);
    check(ceil);
    const pool2 = denseAtrous(ceil).graph.nodes.find((n) => n.name === '/MaxPool_1')!;
    expect(pool2.attributes).toMatchObject({ ceil_mode: 0, strides: [1, 1], dilations: [2, 2], pads: [0, 0, 2, 2] });
    const validInputs = withCroppedSkip(variant(ceil, (n) => (n.name === '/conv1/Conv' || n.name === '/conv2/Conv' ? attrs(n, { pads: [0, 0, 0, 0] }) : undefined)));
    expectClose(cpu(shiftAndStitch(validInputs, { shifts: 'input', inputShapes }).graph, x), cpu(denseAtrous(validInputs).graph, x), SAME);
    check(variant(coarse, (n) => (n.name === '/MaxPool_1' ? { opType: 'AveragePool', attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 } } : undefined)));
  });

  it('FCN-32s (the model fixture: conv1 padded 100, ceil_mode pools) up to its score map, before the upsampling head', async () => {
    const fcn = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/fcn32s.onnx')), { name: 'fcn32s' });
    expect(() => denseAtrous(fcn)).toThrow(/node '\/upscore\/ConvTranspose' \(ConvTranspose\) reads '\/score_fr\/Conv_output_0', a map at output stride 32x32/);
    const { graph, factor } = denseAtrous(fcn, { outputs: ['/score_fr/Conv_output_0'] });
    expect(factor).toEqual([32, 32]);
    expect(graph.nodes.some((n) => n.opType === 'ConvTranspose' || n.opType === 'Slice')).toBe(false);
    // conv1's pad 100 makes 262 x 262 maps; 7x7 fc6 dilated by 32 leaves 70 x 70 (the GPU, for time).
    const input = readNpy(new Uint8Array(readFileSync('test/fixtures/models/fcn32s.input.npy')));
    const plan = await planGraphAsync(await testGpu(), graph);
    try {
      const d = (await runPlan(plan, { input })).outputs['/score_fr/Conv_output_0']!;
      expect(d.shape).toEqual([1, 5, 70, 70]);
      const coarseScores = runGraphCpu({ ...fcn, outputs: ['/score_fr/Conv_output_0'] }, { input })['/score_fr/Conv_output_0']!;
      expectClose(phaseOf(d, factor), coarseScores, { atol: 1e-4, rtol: 1e-4 });
    } finally {
      plan.destroy();
    }
  });

  it('a graph without strides is its own dense graph (factor 1)', () => {
    const flat = variant(coarse, (n) => (n.opType === 'MaxPool' ? attrs(n, { strides: [1, 1] }) : undefined));
    expect(denseAtrous(flat).factor).toEqual([1, 1]);
    expect(shiftAndStitch(flat, { inputShapes }).graph.nodes).toEqual(flat.nodes);
  });
});

describe('graphs that cannot be made dense are refused, naming the node', () => {
  const { initializers } = coarse;
  const upTo = (extra: GraphNode[], output: string, more: [string, Tensor][] = []): Graph => ({
    ...coarse,
    nodes: [...coarse.nodes, ...extra],
    outputs: [output],
    initializers: new Map([...initializers, ...more]),
  });
  const node = (name: string, opType: string, inputs: string[], a: Record<string, AttributeValue> = {}, outputs = [`${name}_out`]): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes: a });

  it('upsampling (ConvTranspose) inside the strided part; the outputs option stops before it', () => {
    const up = upTo([node('up', 'ConvTranspose', ['output', 'upw'], { strides: [4, 4], kernel_shape: [4, 4] })], 'up_out', [['upw', randomTensor([5, 5, 4, 4], 1)]]);
    expect(() => denseAtrous(up)).toThrow(/node 'up' \(ConvTranspose\) reads 'output', a map at output stride 4x4: ConvTranspose resamples the pixel grid.*outputs option, CLI --output/);
    expect(denseAtrous(up, { outputs: ['output'] }).graph.nodes.map((n) => n.name)).toEqual(coarse.nodes.map((n) => n.name));
  });

  it('global pooling, Flatten + Gemm heads', () => {
    expect(() => denseAtrous(upTo([node('gap', 'GlobalAveragePool', ['output'])], 'gap_out'))).toThrow(/node 'gap' \(GlobalAveragePool\).*pools the whole map/);
    const head = upTo([node('flat', 'Flatten', ['output']), node('fc', 'Gemm', ['flat_out', 'fcw'])], 'fc_out', [['fcw', randomTensor([80, 3], 2)]]);
    expect(() => denseAtrous(head)).toThrow(/node 'flat' \(Flatten\).*turns pixels into features/);
  });

  it('a constant that varies over the pixel grid, a spatial softmax, mixed strides', () => {
    expect(() => denseAtrous(upTo([node('bias', 'Add', ['output', 'map'])], 'bias_out', [['map', randomTensor([1, 5, 4, 4], 3)]]))).toThrow(
      /node 'bias' \(Add\).*constant 'map' of shape \[1x5x4x4\], which varies over the pixel grid/,
    );
    expect(() => denseAtrous(upTo([node('sm', 'Softmax', ['output'])], 'sm_out'))).toThrow(/node 'sm' \(Softmax\).*works along axis -1, a spatial axis/);
    // Along channels they are pointwise: class labels [N, H, W] (int64, rank 3) stitch too.
    const labels = upTo([node('sm', 'Softmax', ['output'], { axis: 1 }), node('am', 'ArgMax', ['sm_out'], { axis: 1, keepdims: 0 })], 'am_out');
    const x = CASES.odd.input;
    const dense = runGraphCpu(denseAtrous(labels).graph, { input: x }).am_out!;
    expect(dense.shape).toEqual([1, 15, 14]);
    expectClose(runGraphCpu(shiftAndStitch(labels, { inputShapes: shapesOf(x) }).graph, { input: x }).am_out!, dense, SAME);
    const mixed = upTo([node('mix', 'Concat', ['/MaxPool_output_0', '/MaxPool_1_output_0'], { axis: 1 })], 'mix_out');
    expect(() => denseAtrous(mixed)).toThrow(/node 'mix' \(Concat\) reads '\/MaxPool_output_0' at output stride 2x2 and '\/MaxPool_1_output_0' at 4x4/);
  });

  it('SAME padding on a strided window; ceil_mode on a strided AveragePool that counts padding', () => {
    const cip = variant(coarse, (n) => (n.name === '/MaxPool_1' ? { opType: 'AveragePool', attributes: { ...n.attributes, ceil_mode: 1, count_include_pad: 1 } } : undefined));
    expect(() => denseAtrous(cip)).toThrow(/node '\/MaxPool_1' \(AveragePool\) has ceil_mode=1 and count_include_pad=1 with strides=\[2, 2\]/);
    const same = variant(coarse, (n) => (n.name === '/MaxPool' ? { attributes: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' } } : undefined));
    expect(() => denseAtrous(same)).toThrow(/node '\/MaxPool' \(MaxPool\) has auto_pad='SAME_UPPER' with strides=\[2, 2\]: its pads depend on the input size/);
  });

  it("MaxPool's Indices read after a stride; an output the graph does not compute", () => {
    const pool = coarse.nodes.find((n) => n.name === '/MaxPool_1')!;
    const withIndices = { ...variant(coarse, (n) => (n === pool ? { outputs: [n.outputs[0]!, 'idx'] } : undefined)), outputs: ['output', 'idx'] };
    expect(() => denseAtrous(withIndices)).toThrow(/node '\/MaxPool_1' \(MaxPool\) has its Indices output 'idx' read/);
    expect(() => denseAtrous(coarse, { outputs: ['nope'] })).toThrow(/output 'nope' is not a value the graph computes/);
  });

  it('shift-and-stitch needs a concrete input size', () => {
    expect(() => shiftAndStitch(coarse)).toThrow(/input 'input' has symbolic shape \[1x3xHxW\]; give a concrete one/);
  });
});

describe('the analysis', () => {
  it('records each value\'s accumulated stride', () => {
    const a = analyseStrides(coarse);
    expect(a.strides.get('input')).toEqual([1, 1]);
    expect(a.strides.get('/MaxPool_output_0')).toEqual([2, 2]);
    expect(a.strides.get('/Add_output_0')).toEqual([2, 2]);
    expect(a.strides.get('output')).toEqual([4, 4]);
  });
});

describe('on the GPU', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`à trous and shift-and-stitch run on the GPU as on the CPU (${name}: ${c.input.shape.join('x')})`, async () => {
      const ctx = await testGpu();
      for (const graph of [denseAtrous(coarse).graph, shiftAndStitch(coarse, { inputShapes: shapesOf(c.input) }).graph]) {
        const plan = await planGraphAsync(ctx, graph, { inputShapes: shapesOf(c.input) });
        try {
          const gpu = (await runPlan(plan, { input: c.input })).outputs.output!;
          expectClose(gpu, cpu(graph, c.input), { atol: 1e-4, rtol: 1e-4 });
          expectClose(gpu, c.dense, { atol: Math.max(TORCH.atol, 1e-4), rtol: 1e-4 });
        } finally {
          plan.destroy();
        }
      }
    });
  }
});

describe('onnxruntime-web', () => {
  it('runs both dense graphs, exported as standard ONNX, to PyTorch\'s dense map', async () => {
    const c = CASES.odd;
    for (const graph of [denseAtrous(coarse).graph, shiftAndStitch(coarse, { inputShapes: shapesOf(c.input) }).graph]) {
      expectClose((await runGraphWasm(graph, { input: c.input })).outputs.output!, c.dense, TORCH);
    }
  });
});

describe('segwgpu dense (runDense)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segwgpu-dense-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (argv: string[]) => runDense(parseCommand(DENSE, argv));

  for (const method of ['atrous', 'shift-and-stitch']) {
    it(`--method ${method} writes an ONNX model that computes PyTorch's dense map`, async () => {
      const out = join(dir, `${method}.onnx`);
      const argv = [join(DIR, 'coarse.onnx'), '--out', out, '--method', method, ...(method === 'atrous' ? [] : ['--input-shape', 'input=1x3x18x17'])];
      expect(await run(argv)).toBe(0);
      const graph = importOnnx(new Uint8Array(readFileSync(out)), { name: method });
      expectClose(cpu(graph, CASES.odd.input), CASES.odd.dense, TORCH);
    });
  }

  it('writes dilated AveragePools as depthwise convs (opset 17 has no AveragePool dilations)', async () => {
    const avg = variant(coarse, (n) => (n.name === '/MaxPool_1' ? { opType: 'AveragePool', attributes: { kernel_shape: [2, 2], strides: [2, 2], count_include_pad: 1 } } : undefined));
    const { graph } = denseAtrous(avg);
    const x = CASES.odd.input;
    const asConvs = averagePoolsAsConvs(graph, { input: x.shape });
    expect(asConvs.nodes.filter((n) => n.opType === 'AveragePool').length).toBe(0);
    expectClose(cpu(asConvs, x), cpu(graph, x), SAME);
    const padded = variant(graph, (n) => (n.opType === 'AveragePool' ? attrs(n, { count_include_pad: 0, pads: [1, 1, 1, 1] }) : undefined));
    expect(() => averagePoolsAsConvs(padded, { input: x.shape })).toThrow(/node '\/MaxPool_1' \(AveragePool\).*count_include_pad=0 and pads/);
  });

  it('refuses a bad --method and a missing --out', async () => {
    await expect(run([join(DIR, 'coarse.onnx'), '--out', join(dir, 'x.onnx'), '--method', 'zoom'])).rejects.toThrow(/--method.*atrous.*shift-and-stitch/);
    await expect(run([join(DIR, 'coarse.onnx')])).rejects.toThrow(/--out <file.onnx> is required/);
  });
});
