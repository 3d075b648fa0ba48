/**
 * Out-of-range runtime indices are errors on the GPU as on the CPU (src/ops/index-fault.ts):
 * Gather's indices, MaxUnpool's I and RoiAlign's batch_indices computed at run time are checked
 * by the kernels into a fault record read back with the outputs, and the run rejects with exactly
 * the CPU reference's message. In range, the GPU gives the CPU reference's output.
 */
import { describe, expect, it } from 'vitest';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import type { Attributes } from '../src/ir/attributes.js';
import { int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { InputError } from '../src/core/errors.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { prepareOpCallGpu, runOpGpu } from '../src/exec/run-op.js';
import { runOpCpu, type OpCall } from '../src/ops/call.js';
import { toGpuWords } from '../src/gpu/buffers.js';
import { compareTensors, type Tolerance } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const EXACT: Tolerance = { atol: 0, rtol: 0 };
// RoiAlign sums its samples in float64 on the CPU, in f32 on the GPU.
const ROI_ALIGN: Tolerance = { atol: 1e-5, rtol: 1e-5 };

function node(name: string, opType: string, inputs: string[], outputs: string[], attributes: Attributes = {}): GraphNode {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

/** What a call threw (sync or async), or undefined when it did not. */
async function errorOf(run: () => unknown): Promise<Error | undefined> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

function expectClose(actual: Tensor, expected: Tensor, tolerance: Tolerance): void {
  const cmp = compareTensors(actual, expected, tolerance);
  expect(cmp.ok, cmp.message).toBe(true);
}

// Gather along axis 1 of a [3x4] input with indices computed on the GPU: idx + 1.
const gatherGraph: Graph = {
  name: 'gather-shifted',
  opset: 17,
  inputs: [
    { name: 'x', dtype: 'float32', shape: [3, 4] },
    { name: 'idx', dtype: 'int64', shape: [5] },
  ],
  outputs: ['y'],
  initializers: new Map([['one', int64Tensor([1], [1])]]),
  nodes: [node('shift', 'Add', ['idx', 'one'], ['shifted']), node('pick', 'Gather', ['x', 'shifted'], ['y'], { axis: 1 })],
};

// MaxUnpool of a [1x1x2x2] input into [1x1x4x4], its indices a model input.
const unpoolGraph: Graph = {
  name: 'unpool',
  opset: 17,
  inputs: [
    { name: 'x', dtype: 'float32', shape: [1, 1, 2, 2] },
    { name: 'I', dtype: 'int64', shape: [1, 1, 2, 2] },
  ],
  outputs: ['y'],
  initializers: new Map(),
  nodes: [node('unpool', 'MaxUnpool', ['x', 'I'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] })],
};

// RoiAlign over a batch of 2, its batch indices a model input.
const roiGraph: Graph = {
  name: 'roi',
  opset: 17,
  inputs: [
    { name: 'X', dtype: 'float32', shape: [2, 2, 5, 5] },
    { name: 'batch', dtype: 'int64', shape: [2] },
  ],
  outputs: ['y'],
  initializers: new Map([['rois', tensor([2, 4], [0.5, 0.5, 3.5, 3.2, 1, 1.5, 4.5, 4])]]),
  nodes: [node('align', 'RoiAlign', ['X', 'rois', 'batch'], ['y'], { output_height: 2, output_width: 2, sampling_ratio: 2 })],
};

// Two Gathers in a chain, both with runtime indices: a fault in each names the first.
const chainGraph: Graph = {
  name: 'two-gathers',
  opset: 17,
  inputs: [
    { name: 'x', dtype: 'float32', shape: [3, 4] },
    { name: 'rows', dtype: 'int64', shape: [2] },
    { name: 'cols', dtype: 'int64', shape: [2] },
  ],
  outputs: ['y'],
  initializers: new Map(),
  nodes: [node('first', 'Gather', ['x', 'rows'], ['picked'], { axis: 0 }), node('second', 'Gather', ['picked', 'cols'], ['y'], { axis: 1 })],
};

interface GraphCase {
  readonly what: string;
  readonly graph: Graph;
  readonly good: readonly Record<string, Tensor>[];
  readonly bad: readonly { readonly what: string; readonly inputs: Record<string, Tensor>; readonly message: RegExp }[];
  readonly tolerance: Tolerance;
}

const gatherX = randomTensor([3, 4], 1);
const unpoolX = tensor([1, 1, 2, 2], [1.5, -2, 3.25, 4]);
const roiX = randomTensor([2, 2, 5, 5], 2);
const graphCases: GraphCase[] = [
  {
    what: 'Gather with indices computed at run time',
    graph: gatherGraph,
    // idx + 1 = [-4, 0, 1, 3, -2] and [3, 3, -1, 0, -4]: the whole range, negatives included.
    good: [
      { x: gatherX, idx: int64Tensor([5], [-5, -1, 0, 2, -3]) },
      { x: gatherX, idx: int64Tensor([5], [2, 2, -2, -1, -5]) },
    ],
    bad: [
      // idx + 1 = [1, 4, 2, 9, -8]: the first bad index in order is 4, the one the CPU names.
      { what: 'too big', inputs: { x: gatherX, idx: int64Tensor([5], [0, 3, 1, 8, -9]) }, message: /node 'pick' \(Gather\): input indices holds 4, out of range for axis 1 of size 4 \(allowed -4\.\.3\)/ },
      { what: 'too negative', inputs: { x: gatherX, idx: int64Tensor([5], [-5, 0, 0, -6, 0]) }, message: /holds -5, out of range/ },
    ],
    tolerance: EXACT,
  },
  {
    what: 'MaxUnpool with indices given at run time',
    graph: unpoolGraph,
    good: [
      { x: unpoolX, I: int64Tensor([1, 1, 2, 2], [0, 3, 9, 15]) },
      { x: unpoolX, I: int64Tensor([1, 1, 2, 2], [5, 6, 1, 12]) },
    ],
    bad: [
      { what: 'too big', inputs: { x: unpoolX, I: int64Tensor([1, 1, 2, 2], [0, 16, 3, 40]) }, message: /node 'unpool' \(MaxUnpool\): input I holds 16 at position \[0, 0, 0, 1\], outside the output of shape \[1x1x4x4\]/ },
      { what: 'negative', inputs: { x: unpoolX, I: int64Tensor([1, 1, 2, 2], [0, 1, -1, -7]) }, message: /holds -1 at position \[0, 0, 1, 0\]/ },
    ],
    tolerance: EXACT,
  },
  {
    what: 'RoiAlign with batch indices given at run time',
    graph: roiGraph,
    good: [
      { X: roiX, batch: int64Tensor([2], [1, 0]) },
      { X: roiX, batch: int64Tensor([2], [1, 1]) },
    ],
    bad: [
      { what: 'too big', inputs: { X: roiX, batch: int64Tensor([2], [0, 2]) }, message: /node 'align' \(RoiAlign\): input batch_indices has 2 for roi 1, outside the batch of X/ },
      { what: 'negative', inputs: { X: roiX, batch: int64Tensor([2], [-1, 5]) }, message: /has -1 for roi 0/ },
    ],
    tolerance: ROI_ALIGN,
  },
];

describe('out-of-range runtime indices in a plan', () => {
  for (const c of graphCases) {
    it(`${c.what}: in range the CPU reference's output, out of range its error; the next run is clean`, async () => {
      const ctx = await testGpu();
      const plan = planGraph(ctx, c.graph);
      try {
        for (const inputs of c.good) expectClose((await runPlan(plan, inputs)).outputs.y, runGraphCpu(c.graph, inputs).y, c.tolerance);
        for (const bad of c.bad) {
          const cpu = await errorOf(() => runGraphCpu(c.graph, bad.inputs));
          expect(cpu, bad.what).toBeInstanceOf(InputError);
          expect(cpu!.message, bad.what).toMatch(bad.message);
          const gpu = await errorOf(() => runPlan(plan, bad.inputs));
          expect(gpu, bad.what).toBeInstanceOf(InputError);
          expect(gpu!.message, bad.what).toBe(cpu!.message);
          // The fault record is cleared for the next run of the same plan.
          const after = c.good[0];
          expectClose((await runPlan(plan, after)).outputs.y, runGraphCpu(c.graph, after).y, c.tolerance);
        }
      } finally {
        plan.destroy();
      }
    });
  }

  it('a run whose results stay on the GPU (copyTo, nothing read back) is refused too', async () => {
    const ctx = await testGpu();
    const plan = planGraph(ctx, unpoolGraph);
    const target = ctx.device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    try {
      const bad = graphCases[1].bad[0].inputs;
      const cpu = await errorOf(() => runGraphCpu(unpoolGraph, bad));
      const gpu = await errorOf(() => runPlan(plan, bad, { outputs: [], copyTo: { y: target } }));
      expect(gpu?.message).toBe(cpu!.message);
      expect((await runPlan(plan, graphCases[1].good[0], { outputs: [], copyTo: { y: target } })).outputs).toEqual({});
    } finally {
      target.destroy();
      plan.destroy();
    }
  });

  it('when several nodes fault, the first in execution order is reported, as on the CPU', async () => {
    const ctx = await testGpu();
    const plan = planGraph(ctx, chainGraph);
    const x = randomTensor([3, 4], 3);
    try {
      const runs = [
        { rows: [2, -3], cols: [3, -4], fault: undefined },
        { rows: [3, 0], cols: [4, 0], fault: 'first' },
        { rows: [0, 1], cols: [1, -5], fault: 'second' },
      ];
      for (const r of runs) {
        const inputs = { x, rows: int64Tensor([2], r.rows), cols: int64Tensor([2], r.cols) };
        if (!r.fault) {
          expectClose((await runPlan(plan, inputs)).outputs.y, runGraphCpu(chainGraph, inputs).y, EXACT);
          continue;
        }
        const cpu = await errorOf(() => runGraphCpu(chainGraph, inputs));
        expect(cpu!.message).toMatch(new RegExp(`^node '${r.fault}' \\(Gather\\)`));
        const gpu = await errorOf(() => runPlan(plan, inputs));
        expect(gpu?.message).toBe(cpu!.message);
      }
    } finally {
      plan.destroy();
    }
  });

  it('of many bad indices across workgroups, the first in order is named, as the CPU scan names it', async () => {
    const ctx = await testGpu();
    const graph: Graph = { ...gatherGraph, inputs: [gatherGraph.inputs[0], { name: 'idx', dtype: 'int64', shape: [3000] }] };
    const plan = planGraph(ctx, graph);
    try {
      // Bad (after the +1) at positions 130, 1517 and 2999, each its own value; later ones fill more workgroups.
      const values = Array.from({ length: 3000 }, (_, i) => (i % 7) - 4); // -3..3 after the +1
      values[130] = 49;
      values[1517] = 59;
      values[2999] = -71;
      for (let i = 1600; i < 2900; i++) values[i] = 99;
      const inputs = { x: gatherX, idx: int64Tensor([3000], values) };
      const cpu = await errorOf(() => runGraphCpu(graph, inputs));
      expect(cpu!.message).toMatch(/holds 50, out of range/);
      expect((await errorOf(() => runPlan(plan, inputs)))?.message).toBe(cpu!.message);
    } finally {
      plan.destroy();
    }
  });

  it("constant indices are refused when the model is planned, with the CPU reference's message", async () => {
    const ctx = await testGpu();
    const graph: Graph = { ...gatherGraph, inputs: [gatherGraph.inputs[0]], initializers: new Map([['one', int64Tensor([1], [1])], ['idx', int64Tensor([2], [0, 5])]]) };
    const cpu = await errorOf(() => runGraphCpu(graph, { x: gatherX }));
    const gpu = await errorOf(() => planGraph(ctx, graph));
    expect(cpu!.message).toMatch(/holds 6, out of range for axis 1/);
    expect(gpu?.message).toBe(cpu!.message);
  });
});

describe('out-of-range indices in a single op', () => {
  const gather = (indices: number[]): OpCall => ({ opType: 'Gather', name: 'ga', attributes: { axis: 0 }, inputs: [gatherX, int64Tensor([indices.length], indices)] });
  const unpool = (indices: number[]): OpCall => ({ opType: 'MaxUnpool', name: 'un', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [unpoolX, int64Tensor([1, 1, 2, 2], indices)] });
  const roi = (batch: number[]): OpCall => ({ opType: 'RoiAlign', name: 'ra', attributes: { output_height: 2, output_width: 2 }, inputs: [roiX, roiGraph.initializers.get('rois')!, int64Tensor([2], batch)] });
  const calls = [
    { what: 'Gather', good: gather([2, -3, 0]), bad: gather([1, 3, -4]), indexInput: 1, tolerance: EXACT },
    { what: 'MaxUnpool', good: unpool([0, 3, 9, 15]), bad: unpool([0, 3, -2, 16]), indexInput: 1, tolerance: EXACT },
    { what: 'RoiAlign', good: roi([0, 1]), bad: roi([1, 2]), indexInput: 2, tolerance: ROI_ALIGN },
  ];

  for (const c of calls) {
    it(`${c.what} through runOpGpu: the CPU reference's output, or its error`, async () => {
      const ctx = await testGpu();
      expectClose((await runOpGpu(ctx, c.good))[0], runOpCpu(c.good)[0], c.tolerance);
      const cpu = await errorOf(() => runOpCpu(c.bad));
      expect(cpu).toBeInstanceOf(InputError);
      expect((await errorOf(() => runOpGpu(ctx, c.bad)))?.message).toBe(cpu!.message);
    });

    it(`${c.what} prepared once, run with indices written later: the fault record refuses the bad ones`, async () => {
      const ctx = await testGpu();
      const prepared = prepareOpCallGpu(ctx, c.good);
      const runWith = async (call: OpCall) => {
        const words = toGpuWords(call.inputs[c.indexInput]!);
        ctx.device.queue.writeBuffer(prepared.inputBuffers.get(c.indexInput)!, 0, words.buffer, words.byteOffset, words.byteLength);
        const encoder = ctx.device.createCommandEncoder();
        prepared.run(encoder);
        ctx.device.queue.submit([encoder.finish()]);
        return prepared.read();
      };
      try {
        const cpu = await errorOf(() => runOpCpu(c.bad));
        expect((await errorOf(() => runWith(c.bad)))?.message).toBe(cpu!.message);
        expectClose((await runWith(c.good))[0], runOpCpu(c.good)[0], c.tolerance);
      } finally {
        prepared.destroy();
      }
    });
  }
});
