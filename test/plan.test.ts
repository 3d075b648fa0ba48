import { describe, expect, it } from 'vitest';
import type { Graph } from '../src/ir/graph.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { tensor } from '../src/core/tensor.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

// y = ((x + c1) * x) + c2: a chain with a value (x) read twice, constants, and arena reuse.
const chain: Graph = {
  name: 'chain',
  opset: 17,
  inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }],
  outputs: ['y'],
  initializers: new Map([
    ['c1', tensor([3], [1, 2, 3])],
    ['c2', tensor([1], [0.5])],
  ]),
  nodes: [
    { name: 'add1', opType: 'Add', domain: '', inputs: ['x', 'c1'], outputs: ['t1'], attributes: {} },
    { name: 'mul', opType: 'Mul', domain: '', inputs: ['t1', 'x'], outputs: ['t2'], attributes: {} },
    { name: 'add2', opType: 'Add', domain: '', inputs: ['t2', 'c2'], outputs: ['y'], attributes: {} },
  ],
};

describe('graph plan', () => {
  it('runs a small graph on the GPU and matches hand-worked values and the CPU executor', async () => {
    const ctx = await testGpu();
    const plan = planGraph(ctx, chain, { inputShapes: { x: [2, 3] } });
    const x = tensor([2, 3], [0, 1, 2, -1, -2, -3]);
    const { outputs } = await runPlan(plan, { x });
    // (0+1)*0+.5, (1+2)*1+.5, (2+3)*2+.5, (-1+1)*-1+.5, (-2+2)*-2+.5, (-3+3)*-3+.5
    const expected = tensor([2, 3], [0.5, 3.5, 10.5, 0.5, 0.5, 0.5]);
    expect(compareTensors(outputs.y, expected, { atol: 0, rtol: 0 }).ok).toBe(true);
    expect(compareTensors(runGraphCpu(chain, { x }).y, expected, { atol: 0, rtol: 0 }).ok).toBe(true);
    expect(plan.peakBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
    plan.destroy();
  });

  it('gives the same results run after run, and for concurrent runs', async () => {
    const ctx = await testGpu();
    const plan = planGraph(ctx, chain, { inputShapes: { x: [5, 3] } });
    const xs = [randomTensor([5, 3], 1), randomTensor([5, 3], 2), randomTensor([5, 3], 3)];
    const results = await Promise.all(xs.map((x) => runPlan(plan, { x })));
    results.forEach((r, i) => {
      const cmp = compareTensors(r.outputs.y, runGraphCpu(chain, { x: xs[i] }).y, { atol: 1e-6, rtol: 1e-6 });
      expect(cmp.ok, cmp.message).toBe(true);
    });
    plan.destroy();
  });

  it('refuses bad inputs before any GPU work, naming them', async () => {
    const ctx = await testGpu();
    expect(() => planGraph(ctx, chain)).toThrow(/input 'x' has symbolic shape \[Nx3\]/);
    expect(() => planGraph(ctx, chain, { inputShapes: { x: [2, 4] } })).toThrow(/input 'x': dimension 1 is 4, the model fixes it to 3/);
    const plan = planGraph(ctx, chain, { inputShapes: { x: [2, 3] } });
    expect(() => runPlan(plan, { x: tensor([3, 3], new Float32Array(9)) })).toThrow(/input 'x' has shape \[3x3\], the plan was made for \[2x3\]/);
    expect(() => runPlan(plan, {})).toThrow(/input 'x' is missing/);
    plan.destroy();
  });
});

describe('in-place Concat', () => {
  it("lets the U-Net's upsampling write into the concat output, copying only the skip, with unchanged results", async () => {
    const { buildUNet } = await import('../src/builders/unet.js');
    const { layoutGraph } = await import('../src/plan/plan.js');
    const unet = buildUNet({ depth: 3, baseWidth: 4, classes: 2, height: 32, width: 32 });
    const layout = layoutGraph(unet);
    const concats = layout.lowerings.filter((l) => l.node.opType === 'Concat');
    expect(concats.length).toBe(2);
    for (const c of concats) {
      // Input 1 (the ConvTranspose output, made just before) is in place; input 0 (the skip) is copied.
      expect(layout.aliases.get(c.node.inputs[1])).toEqual({ base: c.node.outputs[0], byteOffset: 4 * layout.values.get(c.node.inputs[0])!.shape.reduce((a, b) => a * b, 1) });
      expect(layout.aliases.has(c.node.inputs[0])).toBe(false);
      expect(c.lowering.steps.length).toBe(1);
    }
    const input = randomTensor([1, 3, 32, 32], 4);
    const plan = planGraph(await testGpu(), unet);
    const gpu = (await runPlan(plan, { input })).outputs[unet.outputs[0]];
    plan.destroy();
    const cmp = compareTensors(gpu, runGraphCpu(unet, { input })[unet.outputs[0]], { atol: 1e-4, rtol: 1e-4 });
    expect(cmp.ok, cmp.message).toBe(true);
  });
});

describe('fused residual (Add into the Conv epilogue)', () => {
  // y = conv(x) + x in three kernel families, the residual being the conv's own input: the
  // kernel reads it through x (one value, one binding), and z = y * y reads one value twice.
  function selfResidual(): Graph {
    return {
      name: 'self-residual',
      opset: 17,
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 8, 6, 8] }],
      outputs: ['z'],
      initializers: new Map([
        ['wd', randomTensor([8, 1, 3, 3], 31)],
        ['w1', randomTensor([8, 8, 1, 1], 32)],
        ['w3', randomTensor([8, 8, 3, 3], 33)],
        ['b3', randomTensor([8], 34)],
      ]),
      nodes: [
        { name: 'dw', opType: 'Conv', domain: '', inputs: ['x', 'wd'], outputs: ['d'], attributes: { group: 8, pads: [1, 1, 1, 1], activation: 'Relu' } },
        { name: 'add_dw', opType: 'Add', domain: '', inputs: ['x', 'd'], outputs: ['a'], attributes: {} },
        { name: 'pw', opType: 'Conv', domain: '', inputs: ['a', 'w1'], outputs: ['p'], attributes: {} },
        { name: 'add_pw', opType: 'Add', domain: '', inputs: ['p', 'a'], outputs: ['b'], attributes: {} },
        { name: 'c3', opType: 'Conv', domain: '', inputs: ['b', 'w3', 'b3'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1] } },
        { name: 'add_c3', opType: 'Add', domain: '', inputs: ['c', 'b'], outputs: ['y'], attributes: {} },
        { name: 'square', opType: 'Mul', domain: '', inputs: ['y', 'y'], outputs: ['z'], attributes: {} },
      ],
    };
  }

  it('fuses every Add, reads the residual through x, and matches the CPU executor', async () => {
    const graph = selfResidual();
    const plan = planGraph(await testGpu(), graph);
    const kernels = plan.nodes.map((n) => n.steps.at(-1)!.compiled.kernel.name);
    expect(plan.nodes.map((n) => n.node.opType)).toEqual(['Conv', 'Conv', 'Conv', 'Mul']);
    expect(kernels.slice(0, 3).every((k) => k.includes('residual=input'))).toBe(true);
    expect(kernels[1]).toContain('vec4');
    // Mul(y, y): the second read goes through a copy, made just before.
    expect(plan.nodes[3].steps.map((s) => s.compiled.kernel.name)).toEqual(['strided-copy', 'binary-broadcast']);
    const x = randomTensor([2, 8, 6, 8], 35);
    const gpu = (await runPlan(plan, { x })).outputs.z;
    plan.destroy();
    const cmp = compareTensors(gpu, runGraphCpu(graph, { x }, { fuse: false }).z, { atol: 1e-4, rtol: 1e-4 });
    expect(cmp.ok, cmp.message).toBe(true);
  });
});

describe('GPU errors per run', () => {
  it('reports a GPU error on the run that caused it, not on a run of another plan in flight at the same time', async () => {
    const ctx = await testGpu();
    const broken = planGraph(ctx, { ...chain, name: 'broken' }, { inputShapes: { x: [2, 3] } });
    const healthy = planGraph(ctx, { ...chain, name: 'healthy' }, { inputShapes: { x: [2, 3] } });
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    // The broken plan's arena is gone: its submit fails validation. Interleave runs of both.
    broken.arena.destroy();
    const runs = [runPlan(healthy, { x }), runPlan(broken, { x }), runPlan(healthy, { x }), runPlan(broken, { x })];
    const settled = await Promise.allSettled(runs);
    const expected = [2.5, 8.5, 18.5, 20.5, 35.5, 54.5]; // ((x + [1,2,3]) * x) + 0.5
    for (const i of [0, 2]) {
      expect(settled[i].status).toBe('fulfilled');
      const y = (settled[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof runPlan>>>).value.outputs.y;
      expect(Array.from(y.data as Float32Array)).toEqual(expected);
    }
    for (const i of [1, 3]) {
      expect(settled[i].status).toBe('rejected');
      expect(String((settled[i] as PromiseRejectedResult).reason)).toMatch(/GpuOperationError: WebGPU validation error while running broken: .*arena/s);
    }
    healthy.destroy();
    broken.destroy();
  });
});
