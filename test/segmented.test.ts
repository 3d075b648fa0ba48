/**
 * Segmented GPU execution (src/exec/segmented.ts): graphs whose shapes follow from values
 * computed at run time, run as GPU segments split at host nodes. Checked against expected values
 * from numpy / torch (the control-flow fixtures of scripts/make_control_flow_fixtures.py) and
 * against the CPU reference on hand-built detection graphs; the report says where each node ran.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostOnlyError, ValueNeededError } from '../src/core/errors.js';
import { int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { needsSegments, SegmentedRunner } from '../src/exec/segmented.js';
import { liveGpuResources } from '../src/gpu/buffers.js';
import { importOnnx } from '../src/import/onnx.js';
import { readNpy } from '../src/io/npy.js';
import type { Attributes } from '../src/ir/attributes.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import { layoutGraph } from '../src/plan/plan.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const DIR = new URL('./fixtures/control-flow/', import.meta.url);
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

interface Case {
  readonly model: string;
  readonly label: string;
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
}
const cases: Case[] = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8'));

function expectMatches(actual: Tensor | undefined, expected: Tensor, what: string, tolerance = { atol: 1e-5, rtol: 1e-5 }): void {
  expect(actual, what).toBeDefined();
  expect(actual!.dtype, what).toBe(expected.dtype);
  const r = compareTensors(actual!, expected, tolerance);
  expect(r.ok, `${what}: ${r.message}`).toBe(true);
}

const total = (tally: Readonly<Record<string, number>>) => Object.values(tally).reduce((a, b) => a + b, 0);

describe('If and Loop on the GPU, bodies run segmented (numpy / torch expected values)', () => {
  for (const c of cases) {
    it(`${c.model} ${c.label}`, async () => {
      const graph = importOnnx(file(c.model), { name: c.model });
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, readNpy(file(f), f)]));
      const runner = new SegmentedRunner(await testGpu(), graph);
      try {
        const out = await runner.run(inputs);
        for (const [name, f] of Object.entries(c.outputs)) expectMatches(out[name], readNpy(file(f), f), `${c.model} ${c.label} ${name}`);
        const report = runner.lastReport!;
        // The control flow ran on the host, the arithmetic of its bodies (the model inputs' data) on the GPU.
        expect(total(report.hostNodes), JSON.stringify(report)).toBeGreaterThan(0);
        if (!['zero_trips', 'cond_false', 'no_trip', 'zero'].includes(c.label)) expect(report.segments, JSON.stringify(report)).toBeGreaterThan(0);
      } finally {
        runner.destroy();
      }
    });
  }
});

const graphNode = (name: string, opType: string, inputs: string[], outputs: string[], attributes: Attributes = {}): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes });

/**
 * A score map's detections: the scores above 0.5 (NonZero of a comparison, then Gather), doubled,
 * with their count, and the top 3 scores (TopK). 6000 scores: more than a plan takes as constants.
 */
const detections: Graph = {
  name: 'detections',
  opset: 17,
  inputs: [{ name: 'scores', dtype: 'float32', shape: [6000] }],
  outputs: ['kept', 'count', 'top', 'top_at'],
  initializers: new Map<string, Tensor>([
    ['half', tensor([], [0.5])],
    ['two', tensor([], [2])],
    ['axis0', int64Tensor([1], [0])],
    ['k', int64Tensor([1], [3])],
  ]),
  nodes: [
    graphNode('relu', 'Relu', ['scores'], ['r']),
    graphNode('above', 'Greater', ['r', 'half'], ['mask']),
    graphNode('find', 'NonZero', ['mask'], ['where']),
    graphNode('flat', 'Squeeze', ['where', 'axis0'], ['at']),
    graphNode('pick', 'Gather', ['r', 'at'], ['picked'], { axis: 0 }),
    graphNode('double', 'Mul', ['picked', 'two'], ['kept']),
    graphNode('shape', 'Shape', ['at'], ['count']),
    graphNode('best', 'TopK', ['r', 'k'], ['top', 'top_at']),
  ],
};

describe('detections: NonZero, Gather and TopK between GPU segments', () => {
  it('one plan cannot hold the graph; the segmented run equals the CPU reference', async () => {
    const scores = randomTensor([6000], 7);
    let refusal: unknown;
    try {
      layoutGraph(detections, { inputValues: { scores } });
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(ValueNeededError);
    expect(needsSegments(refusal)).toBe(true);
    expect((refusal as Error).message).toMatch(/node 'find' \(NonZero\).*'scores' \(6000 values\).*run segmented/);

    const runner = new SegmentedRunner(await testGpu(), detections);
    try {
      const want = runGraphCpu(detections, { scores });
      const got = await runner.run({ scores });
      for (const name of detections.outputs) expectMatches(got[name], want[name]!, name, { atol: 0, rtol: 0 });
      expect(Number(got.count!.data[0])).toBeGreaterThan(100);
      const report = runner.lastReport!;
      // The arithmetic on the GPU; NonZero and TopK, which have no GPU kernel, on the host.
      for (const op of ['Relu', 'Greater', 'Gather', 'Mul']) expect(report.gpuNodes[op], `${op}: ${JSON.stringify(report)}`).toBe(1);
      for (const op of ['NonZero', 'TopK']) expect(report.gpuNodes[op], op).toBeUndefined();
      expect(report.plansMade).toBeGreaterThan(0);

      // Other scores, other counts: a new plan for the segment after NonZero, the first reused.
      const other = randomTensor([6000], 8);
      const again = await runner.run({ scores: other });
      const wantOther = runGraphCpu(detections, { scores: other });
      for (const name of detections.outputs) expectMatches(again[name], wantOther[name]!, `second run ${name}`, { atol: 0, rtol: 0 });
      expect(runner.lastReport!.plansMade).toBeLessThan(report.plansMade);
      // The same scores again: every plan reused.
      await runner.run({ scores: other });
      expect(runner.lastReport!.plansMade).toBe(0);
    } finally {
      runner.destroy();
    }
  });

  it('no detection at all: empty outputs, as the CPU reference gives', async () => {
    const scores = tensor([6000], new Float32Array(6000).fill(-1));
    const runner = new SegmentedRunner(await testGpu(), detections);
    try {
      const got = await runner.run({ scores });
      const want = runGraphCpu(detections, { scores });
      expect(got.kept!.shape).toEqual([0]);
      for (const name of detections.outputs) expectMatches(got[name], want[name]!, name, { atol: 0, rtol: 0 });
    } finally {
      runner.destroy();
    }
  });

  it('a host-only op with plannable shapes (TopK of a fixed k) also needs segments', () => {
    const topOnly: Graph = { ...detections, outputs: ['top'], nodes: detections.nodes.filter((n) => ['relu', 'best'].includes(n.name)) };
    let refusal: unknown;
    try {
      layoutGraph(topOnly);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(HostOnlyError);
    expect(needsSegments(refusal)).toBe(true);
    expect((refusal as Error).message).toMatch(/node 'best' \(TopK\): TopK has no GPU kernel.*segmented/);
  });

  it('bad inputs are refused before any GPU work, naming the input', async () => {
    const runner = new SegmentedRunner(await testGpu(), detections);
    const before = liveGpuResources().buffers;
    try {
      await expect(runner.run({})).rejects.toThrow("input 'scores' is missing");
      await expect(runner.run({ scores: int64Tensor([6000], new Array(6000).fill(1)) })).rejects.toThrow("input 'scores' has dtype int64, the model expects float32");
      await expect(runner.run({ scores: tensor([5999], new Float32Array(5999)) })).rejects.toThrow(/input 'scores': dimension 0 is 5999, the model fixes it to 6000/);
      await expect(runner.run({ scores: randomTensor([6000], 1), extra: tensor([1], [1]) })).rejects.toThrow("'extra' is not an input of the model (inputs: scores)");
      expect(liveGpuResources().buffers).toBe(before);
    } finally {
      runner.destroy();
    }
  });
});

describe('an empty batch through the network (a mask head when nothing was detected)', () => {
  // The detections' 2x2 patches from a table (Gather of rows), as a batch [n, 1, 2, 2], through a
  // 1x1 Conv and a Relu: with no detection, n = 0 and every value is empty, as in torch.
  const patches: Graph = {
    name: 'patches',
    opset: 17,
    inputs: [
      { name: 'scores', dtype: 'float32', shape: [6000] },
      { name: 'table', dtype: 'float32', shape: [6000, 4] },
    ],
    outputs: ['out'],
    initializers: new Map<string, Tensor>([
      ['half', tensor([], [0.5])],
      ['axis0', int64Tensor([1], [0])],
      ['batch', int64Tensor([4], [-1, 1, 2, 2])],
      ['w', tensor([3, 1, 1, 1], [1, -2, 0.5])],
      ['b', tensor([3], [0.1, 0.2, -0.3])],
    ]),
    nodes: [
      graphNode('above', 'Greater', ['scores', 'half'], ['mask']),
      graphNode('find', 'NonZero', ['mask'], ['where']),
      graphNode('flat', 'Squeeze', ['where', 'axis0'], ['at']),
      graphNode('rows', 'Gather', ['table', 'at'], ['picked'], { axis: 0 }),
      graphNode('as_batch', 'Reshape', ['picked', 'batch'], ['x']),
      graphNode('conv', 'Conv', ['x', 'w', 'b'], ['y'], { kernel_shape: [1, 1] }),
      graphNode('relu', 'Relu', ['y'], ['out']),
    ],
  };

  it('equals the CPU reference with detections and with none', async () => {
    const runner = new SegmentedRunner(await testGpu(), patches);
    try {
      for (const scores of [randomTensor([6000], 11), tensor([6000], new Float32Array(6000).fill(0))]) {
        const inputs = { scores, table: randomTensor([6000, 4], 12) };
        const want = runGraphCpu(patches, inputs);
        const got = await runner.run(inputs);
        expectMatches(got.out, want.out!, 'out');
        expect(got.out!.shape.slice(1)).toEqual([3, 2, 2]);
        // With detections the Conv runs on the GPU; with none there is nothing to run.
        expect(runner.lastReport!.gpuNodes.Conv).toBe(got.out!.shape[0]! > 0 ? 1 : undefined);
      }
      expect(runner.lastReport!.gpuNodes.Conv).toBeUndefined();
    } finally {
      runner.destroy();
    }
  });
});
