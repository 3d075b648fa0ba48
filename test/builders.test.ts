/** The TS model builders: structure and shapes, and GPU plan against the CPU executor. */
import { describe, expect, it } from 'vitest';
import { buildFcn } from '../src/builders/fcn.js';
import { buildSegNet } from '../src/builders/segnet.js';
import { buildUNet } from '../src/builders/unet.js';
import { convolutionalize } from '../src/builders/convolutionalize.js';
import type { Graph } from '../src/ir/graph.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { runPlan } from '../src/exec/gpu.js';
import { planGraph } from '../src/plan/plan.js';
import { GraphBuilder } from '../src/builders/graph-builder.js';
import { compareOutputs } from '../src/validate/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

async function gpuMatchesCpu(graph: Graph, shape: number[]): Promise<number[]> {
  const input = randomTensor(shape, 5, 0, 1);
  const cpu = runGraphCpu(graph, { input });
  const plan = planGraph(await testGpu(), graph);
  const gpu = (await runPlan(plan, { input })).outputs;
  plan.destroy();
  const out = graph.outputs[0];
  const c = compareOutputs(gpu[out], cpu[out], { atol: 1e-4, rtol: 1e-3 });
  expect(c.withinTolerance, `max abs ${c.maxAbsError} of magnitude ${c.magnitude}`).toBe(true);
  expect(c.magnitude).toBeGreaterThan(0);
  return [...cpu[out].shape];
}

const count = (g: Graph, op: string) => g.nodes.filter((n) => n.opType === op).length;

describe('builders', () => {
  it('FCN-8s: pad-100 backbone, two skip fusions with crops, output at the input size', async () => {
    const g = buildFcn({ variant: '8s', classes: 3, height: 40, width: 52, stageWidths: [4, 4, 8, 8, 8], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 16 });
    expect(count(g, 'ConvTranspose')).toBe(3);
    expect(count(g, 'Slice')).toBe(3);
    expect(count(g, 'Add')).toBe(2);
    expect(await gpuMatchesCpu(g, [1, 3, 40, 52])).toEqual([1, 3, 40, 52]);
  });

  it('FCN-32s and FCN-16s produce maps at the input size', async () => {
    for (const variant of ['32s', '16s'] as const) {
      const g = buildFcn({ variant, classes: 2, height: 33, width: 35, stageWidths: [4, 4, 4, 4, 4], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 8 });
      expect(await gpuMatchesCpu(g, [1, 3, 33, 35])).toEqual([1, 2, 33, 35]);
    }
  });

  it('U-Net: transposed-conv upsampling with concatenated skips ("same" padding)', async () => {
    const g = buildUNet({ depth: 3, baseWidth: 4, classes: 3, height: 24, width: 16, batchNorm: true });
    expect(count(g, 'Concat')).toBe(2);
    expect(count(g, 'ConvTranspose')).toBe(2);
    expect(await gpuMatchesCpu(g, [1, 3, 24, 16])).toEqual([1, 3, 24, 16]);
  });

  it('U-Net: a config without its numbers (a plain-JS caller) is refused, naming the field', () => {
    const bad = (config: Record<string, unknown>) => () => buildUNet(config as never);
    expect(bad({ classes: 2, height: 32, width: 32 })).toThrow('U-Net: depth must be a whole number >= 1, got undefined');
    expect(bad({ depth: 3, classes: 2, height: 32, width: 32 })).toThrow('U-Net: baseWidth must be a whole number >= 1, got undefined');
    expect(bad({ depth: 3, baseWidth: 4.5, classes: 2, height: 32, width: 32 })).toThrow('U-Net: baseWidth must be a whole number >= 1, got 4.5');
    expect(bad({ depth: 3, baseWidth: 4, classes: 2, height: 32, width: 32, inputChannels: 0 })).toThrow('U-Net: inputChannels must be a whole number >= 1, got 0');
  });

  it("U-Net: the paper's unpadded form crops the skips", async () => {
    const g = buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 28, width: 28, padding: 'valid' });
    expect(count(g, 'Slice')).toBe(1);
    // 28 -> 24 -> pool 12 -> 8 -> up 16 -> 12
    expect(await gpuMatchesCpu(g, [1, 3, 28, 28])).toEqual([1, 2, 12, 12]);
  });

  it('SegNet: unpooling with the encoder indices round-trips odd sizes', async () => {
    const g = buildSegNet({ depth: 3, baseWidth: 4, classes: 3, height: 23, width: 30 });
    expect(count(g, 'MaxUnpool')).toBe(3);
    expect(await gpuMatchesCpu(g, [1, 3, 23, 30])).toEqual([1, 3, 23, 30]);
  });
});

describe('convolutionalize', () => {
  // A tiny classifier: conv -> relu -> maxpool -> Flatten -> Gemm -> Relu -> Gemm (8x8 inputs).
  function classifier(): Graph {
    const b = new GraphBuilder('classifier', 3);
    const x = b.input('input', [1, 3, 8, 8]);
    let y = b.relu(b.conv(x, 3, 4, 3, { pad: 1 }));
    y = b.maxPool(y, 2, 2)[0];
    y = b.node('Flatten', [y], { axis: 1 })[0];
    y = b.node('Gemm', [y, b.weights('fc1', [10, 64], 64), b.smallValues('fc1b', [10], 0.1)], { transB: 1 })[0];
    y = b.relu(y);
    y = b.node('Gemm', [y, b.weights('fc2', [10, 5], 10), b.smallValues('fc2b', [5], 0.1)], { alpha: 0.5, beta: 2 })[0];
    return b.build([y]);
  }

  it("reproduces the classifier's logits on an input of its own size", () => {
    const g = classifier();
    const fcn = convolutionalize(g, { input: [1, 3, 8, 8] });
    expect(fcn.nodes.some((n) => n.opType === 'Gemm' || n.opType === 'Flatten')).toBe(false);
    const input = randomTensor([1, 3, 8, 8], 9);
    const logits = runGraphCpu(g, { input })[g.outputs[0]];
    const map = runGraphCpu(fcn, { input })[fcn.outputs[0]];
    expect(map.shape).toEqual([1, 5, 1, 1]);
    const c = compareOutputs({ ...map, shape: [1, 5] }, logits, { atol: 1e-5, rtol: 1e-5 });
    expect(c.withinTolerance, `max abs ${c.maxAbsError}`).toBe(true);
  });

  it('yields a class heatmap on a larger input, on the GPU as on the CPU', async () => {
    const fcn = convolutionalize(classifier(), { input: [1, 3, 8, 8] });
    const input = randomTensor([1, 3, 20, 16], 10);
    const cpu = runGraphCpu(fcn, { input })[fcn.outputs[0]];
    // 20x16 -> pool 10x8 -> 4x4 window: 7x5 positions
    expect(cpu.shape).toEqual([1, 5, 7, 5]);
    const plan = planGraph(await testGpu(), fcn, { inputShapes: { input: [1, 3, 20, 16] } });
    const gpu = (await runPlan(plan, { input })).outputs[fcn.outputs[0]];
    plan.destroy();
    expect(compareOutputs(gpu, cpu, { atol: 1e-5, rtol: 1e-4 }).withinTolerance).toBe(true);
  });
});
