import { describe, expect, it } from 'vitest';
import type { Graph } from '../src/ir/graph.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { tensor } from '../src/tensor.js';
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
    const { preloadShaders, allShaderNames } = await import('../src/gpu/shaders.js');
    await preloadShaders(await allShaderNames());
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
