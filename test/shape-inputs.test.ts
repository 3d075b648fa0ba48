/**
 * Model inputs that fix shapes (ONNX lets a Reshape's shape, Resize's scales or sizes, MaxUnpool's
 * output_shape... be model inputs): plans are made for their values, on the CPU executor and on
 * the GPU, and give what the op gives with the same values as constants (runOpCpu); a plan made
 * without them says which input and how to give it; a run with other values is refused.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../src/io/npy.js';
import { segwgpu } from './util/run.js';
import { int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { runPlan } from '../src/exec/gpu.js';
import { PlanCache } from '../src/exec/plan-cache.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import { runOpCpu } from '../src/ops/call.js';
import { layoutGraph, planGraph } from '../src/plan/plan.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

interface ShapeInputCase {
  readonly name: string;
  readonly opType: string;
  readonly attributes?: GraphNode['attributes'];
  /** Input slots in ONNX order: a tensor fed as a model input named by its key, or '' for none. */
  readonly inputs: readonly ([string, Tensor] | '')[];
  /** Which of them are the shape-fixing ones (the others are plain data). */
  readonly fixing: readonly string[];
}

const x4 = randomTensor([1, 2, 4, 6], 1);

// MaxUnpool's inputs come from a MaxPool of a known tensor (valid indices).
const [pooled, indices] = runOpCpu({ opType: 'MaxPool', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [randomTensor([1, 2, 4, 4], 2)] });

const CASES: readonly ShapeInputCase[] = [
  { name: 'Reshape shape', opType: 'Reshape', inputs: [['x', x4], ['shape', int64Tensor([3], [2, 6, -1])]], fixing: ['shape'] },
  { name: 'Resize scales (linear)', opType: 'Resize', attributes: { mode: 'linear' }, inputs: [['x', x4], '', ['scales', tensor([4], [1, 1, 2, 1.5])]], fixing: ['scales'] },
  { name: 'Resize sizes (nearest)', opType: 'Resize', inputs: [['x', x4], '', '', ['sizes', int64Tensor([4], [1, 2, 7, 5])]], fixing: ['sizes'] },
  {
    name: 'MaxUnpool output_shape',
    opType: 'MaxUnpool',
    attributes: { kernel_shape: [2, 2], strides: [2, 2] },
    inputs: [['x', pooled!], ['indices', indices!], ['output_shape', int64Tensor([4], [1, 2, 5, 5])]],
    fixing: ['output_shape'],
  },
  {
    name: 'Slice starts, ends, axes, steps',
    opType: 'Slice',
    inputs: [['x', x4], ['starts', int64Tensor([2], [1, -1])], ['ends', int64Tensor([2], [4, 0])], ['axes', int64Tensor([2], [2, 3])], ['steps', int64Tensor([2], [2, -2])]],
    fixing: ['starts', 'ends', 'axes', 'steps'],
  },
  { name: 'Pad pads and value', opType: 'Pad', inputs: [['x', x4], ['pads', int64Tensor([8], [0, 0, 1, 2, 0, 1, 0, 1])], ['value', tensor([], [0.5])]], fixing: ['pads', 'value'] },
  { name: 'Expand shape', opType: 'Expand', inputs: [['x', randomTensor([3, 1], 3)], ['shape', int64Tensor([3], [2, 3, 4])]], fixing: ['shape'] },
  { name: 'Unsqueeze axes', opType: 'Unsqueeze', inputs: [['x', x4], ['axes', int64Tensor([2], [0, 5])]], fixing: ['axes'] },
  { name: 'ReduceMean axes', opType: 'ReduceMean', inputs: [['x', x4], ['axes', int64Tensor([2], [1, 3])]], fixing: ['axes'] },
  { name: 'Clip min and max', opType: 'Clip', inputs: [['x', x4], ['min', tensor([], [-0.25])], ['max', tensor([], [0.5])]], fixing: ['min', 'max'] },
  // Outputs that are all plan-time values: the plan has no step, the output is a constant.
  { name: 'ConstantOfShape input', opType: 'ConstantOfShape', attributes: { value: tensor([1], [2.5]) }, inputs: [['shape', int64Tensor([2], [3, 4])]], fixing: ['shape'] },
  { name: 'Range start, limit, delta', opType: 'Range', inputs: [['start', int64Tensor([], [7])], ['limit', int64Tensor([], [-2])], ['delta', int64Tensor([], [-3])]], fixing: ['start', 'limit', 'delta'] },
];

/** The case as a one-node graph whose inputs are all model inputs. */
function graphOf(c: ShapeInputCase): { graph: Graph; feeds: Record<string, Tensor> } {
  const feeds = Object.fromEntries(c.inputs.filter((i): i is [string, Tensor] => i !== ''));
  const graph: Graph = {
    name: c.name,
    opset: 17,
    inputs: Object.entries(feeds).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    outputs: ['y'],
    initializers: new Map(),
    nodes: [{ name: 'op', opType: c.opType, domain: '', inputs: c.inputs.map((i) => (i === '' ? '' : i[0])), outputs: ['y'], attributes: c.attributes ?? {} }],
  };
  return { graph, feeds };
}

describe('model inputs that fix shapes', () => {
  it.each(CASES)('$name: the plan is made for their values, CPU and GPU give the op\'s output', async (c) => {
    const { graph, feeds } = graphOf(c);
    const [expected] = runOpCpu({ opType: c.opType, name: 'op', attributes: c.attributes, inputs: c.inputs.map((i) => (i === '' ? undefined : i[1])) });
    const cpu = runGraphCpu(graph, feeds).y!;
    expect(compareTensors(cpu, expected!, { atol: 0, rtol: 0 }).ok).toBe(true);
    const plan = planGraph(await testGpu(), graph, { inputValues: feeds });
    try {
      expect([...plan.plannedValues.keys()].sort()).toEqual([...c.fixing].sort());
      const { outputs } = await runPlan(plan, feeds);
      const r = compareTensors(outputs.y!, expected!, { atol: 1e-6, rtol: 1e-6 });
      expect(r.ok, r.message).toBe(true);
    } finally {
      plan.destroy();
    }
  });

  it('without their values, planning names the op, the input it feeds and the model input to give', () => {
    const { graph } = graphOf(CASES[3]!);
    expect(() => layoutGraph(graph)).toThrow(
      "node 'op' (MaxUnpool): input output_shape must be a constant (an initializer, or computable from constants and input shapes when the model is planned): its values fix the output buffer; it is computed at run time from model input 'output_shape': give its values when planning (PlanOptions.inputValues; segwgpu run and validate pass the input files') and the plan is made for them",
    );
  });

  it('traces a value computed from model inputs through other nodes, and leaves data inputs alone', () => {
    // Reshape(x, Concat(batch, rest)): batch and rest are model inputs; x stays a run-time input.
    const graph: Graph = {
      name: 'traced',
      opset: 17,
      inputs: [
        { name: 'x', dtype: 'float32', shape: [1, 2, 4, 6] },
        { name: 'batch', dtype: 'int64', shape: [1] },
        { name: 'rest', dtype: 'int64', shape: [2] },
      ],
      outputs: ['y'],
      initializers: new Map(),
      nodes: [
        { name: 'join', opType: 'Concat', domain: '', inputs: ['batch', 'rest'], outputs: ['shape'], attributes: { axis: 0 } },
        { name: 'r', opType: 'Reshape', domain: '', inputs: ['x', 'shape'], outputs: ['y'], attributes: {} },
      ],
    };
    expect(() => layoutGraph(graph)).toThrow(/from model inputs 'batch', 'rest': give their values when planning/);
    const feeds = { x: x4, batch: int64Tensor([1], [2]), rest: int64Tensor([2], [4, 6]) };
    const layout = layoutGraph(graph, { inputValues: feeds });
    expect([...layout.plannedValues.keys()].sort()).toEqual(['batch', 'rest']);
    expect(runGraphCpu(graph, feeds).y!.shape).toEqual([2, 4, 6]);
  });

  it('refuses a run whose shape-fixing values differ from the plan\'s, saying why', async () => {
    const { graph, feeds } = graphOf(CASES[0]!);
    const plan = planGraph(await testGpu(), graph, { inputValues: feeds });
    try {
      // Refused before any GPU work, as every bad run input is (runPlan checks synchronously).
      expect(() => runPlan(plan, { ...feeds, shape: int64Tensor([3], [6, 2, -1]) })).toThrow(
        "input 'shape' is [6, 2, -1], the plan was made for [2, 6, -1]: its values fix shapes in this model, so each value needs its own plan (make one with inputValues)",
      );
    } finally {
      plan.destroy();
    }
  });
});

describe('segwgpu run and validate with a shape-fixing model input (test/fixtures/onnx/shape_inputs.onnx)', () => {
  // MaxPool -> MaxUnpool whose output_shape is a model input; the expectation is numpy's
  // (scripts/make_onnx_import_fixtures.py).
  const FIXTURES = 'test/fixtures/onnx';
  const model = join(FIXTURES, 'shape_inputs.onnx');
  const inputs = ['--input', `x=${join(FIXTURES, 'shape_inputs_x.npy')}`, '--input', `output_shape=${join(FIXTURES, 'shape_inputs_output_shape.npy')}`];
  const work = mkdtempSync(join(tmpdir(), 'segwgpu-shape-inputs-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const expected = readNpy(new Uint8Array(readFileSync(join(FIXTURES, 'shape_inputs_expected.npy'))));

  it.each(['webgpu', 'cpu'])('run --backend %s writes numpy\'s output', async (backend) => {
    const out = join(work, backend);
    const r = await segwgpu(['run', model, ...inputs, '--output-dir', out, '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['y.npy']);
    const y = readNpy(new Uint8Array(readFileSync(join(out, 'y.npy'))));
    expect(compareTensors(y, expected, { atol: 0, rtol: 0 }).ok).toBe(true);
  });

  it('validate passes against it', async () => {
    const r = await segwgpu(['validate', model, ...inputs, '--expected', `y=${join(FIXTURES, 'shape_inputs_expected.npy')}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('PlanCache: plans keyed by input shapes and the values of inputs that fix shapes', () => {
  it('makes a plan per shape and per shape value, reuses them, and gives each run its own result', async () => {
    // Reshape(x, shape), both model inputs, x of any 4-D shape.
    const fixed = graphOf(CASES[0]!).graph;
    const graph: Graph = { ...fixed, inputs: fixed.inputs.map((i) => (i.name === 'x' ? { ...i, shape: ['n', 'c', 'h', 'w'] } : i)) };
    const cache = new PlanCache(await testGpu(), graph, { maxPlans: 2 });
    try {
      const runs: [Tensor, Tensor][] = [
        [x4, int64Tensor([3], [2, 6, -1])],
        [x4, int64Tensor([3], [6, 2, -1])], // same shapes, other values: a second plan
        [x4, int64Tensor([3], [2, 6, -1])], // the first again: reused
        [randomTensor([1, 1, 2, 3], 9), int64Tensor([3], [3, 2, 1])], // other shapes: a third, evicting the least recent
        [x4, int64Tensor([3], [2, 6, -1])], // still cached (used more recently than the second)
      ];
      const made: number[] = [];
      for (const [x, shape] of runs) {
        const { outputs } = await cache.run({ x, shape });
        const [expected] = runOpCpu({ opType: 'Reshape', inputs: [x, shape] });
        expect(compareTensors(outputs.y!, expected!, { atol: 0, rtol: 0 }).ok).toBe(true);
        made.push(cache.plansMade);
      }
      expect(made).toEqual([1, 2, 2, 3, 3]);
    } finally {
      cache.destroy();
    }
  });

  it('does not keep a plan that cannot be made, and says why each time', async () => {
    const { graph } = graphOf(CASES[0]!);
    const cache = new PlanCache(await testGpu(), graph);
    const bad = { x: x4, shape: int64Tensor([3], [5, 5, -1]) };
    await expect(cache.run(bad)).rejects.toThrow(/Reshape/);
    await expect(cache.run(bad)).rejects.toThrow(/Reshape/);
    expect(cache.plansMade).toBe(2);
    cache.destroy();
  });
});
