/**
 * Shape inference (src/shapes/infer.ts) as plans use it: each node parsed once and inferred once
 * across the passes and the plan, and inputs that fix a shape refused by name when not constant.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../src/api/builtin-models.js';
import { buildUNet } from '../src/builders/unet.js';
import type { Graph } from '../src/ir/graph.js';
import { allOps } from '../src/ops/index.js';
import { DEFAULT_LAYOUT_LIMITS, layoutGraph } from '../src/plan/plan.js';
import { wrapForSegmentation } from '../src/segment/wrap.js';

/** Calls of parse and infer per node object while `f` runs. */
function countCalls(f: () => void): { parse: Map<object, number>; infer: Map<object, number> } {
  const parse = new Map<object, number>();
  const infer = new Map<object, number>();
  const count = (calls: Map<object, number>, node: object) => calls.set(node, (calls.get(node) ?? 0) + 1);
  const originals = allOps.map((op) => ({ op, parse: op.parse, infer: op.infer }));
  // A definition may serve several op types: wrap each once.
  for (const { op, parse: parseOf, infer: inferOf } of originals.filter((o, i) => originals.findIndex((p) => p.op === o.op) === i)) {
    const mutable = op as { parse: typeof op.parse; infer: typeof op.infer };
    mutable.parse = (node) => (count(parse, node), parseOf.call(op, node));
    mutable.infer = (attrs, inputs, node) => (count(infer, node), inferOf.call(op, attrs, inputs, node));
  }
  try {
    f();
  } finally {
    for (const { op, parse: parseOf, infer: inferOf } of originals) Object.assign(op, { parse: parseOf, infer: inferOf });
  }
  return { parse, infer };
}

async function models(): Promise<[string, Graph][]> {
  const selfie = await BUILTIN_MODELS.selfie!.load();
  return [
    ['U-Net with batch norm (folded and fused by the passes)', buildUNet({ depth: 2, baseWidth: 4, classes: 3, height: 32, width: 32, batchNorm: true })],
    ['selfie, wrapped for segmentation (residual, pooled and mul-add fusions)', wrapForSegmentation(selfie.graph, { imageWidth: 64, imageHeight: 48, rowWords: 64, mean: selfie.mean, std: selfie.std, output: selfie.output })],
  ];
}

describe('a plan parses and infers each node once', () => {
  it.each([true, false])('on both adapter kinds (cpuLike %s)', async (cpuLike) => {
    for (const [name, graph] of await models()) {
      let layout: ReturnType<typeof layoutGraph> | undefined;
      const calls = countCalls(() => {
        layout = layoutGraph(graph, {}, { ...DEFAULT_LAYOUT_LIMITS, traits: { cpuLike } });
      });
      const parsedTwice = [...calls.parse.values()].filter((n) => n > 1).length;
      const inferredTwice = [...calls.infer.values()].filter((n) => n > 1).length;
      expect({ name, parsedTwice, inferredTwice }).toEqual({ name, parsedTwice: 0, inferredTwice: 0 });
      // Every planned node was parsed and inferred (the counts see the plan's own nodes).
      for (const node of layout!.order) {
        expect(calls.parse.get(node), `${name}: ${node.name}`).toBe(1);
        expect(calls.infer.get(node), `${name}: ${node.name}`).toBe(1);
      }
      // The passes rewrote something, so the once-per-node rule was tested across passes.
      expect(calls.parse.size).toBeGreaterThan(layout!.order.length);
    }
  });
});

describe('inputs that fix a shape must be known when the model is planned', () => {
  // One graph input feeds what should be a constant: the op refuses it by name, before any GPU work.
  const cases: [string, Graph['nodes'][number], string][] = [
    ['Reshape shape', { name: 'r', opType: 'Reshape', domain: '', inputs: ['x', 'given'], outputs: ['y'], attributes: {} }, "node 'r' (Reshape): input shape must be a constant"],
    ['Resize sizes', { name: 'up', opType: 'Resize', domain: '', inputs: ['x', '', '', 'given'], outputs: ['y'], attributes: { mode: 'linear' } }, "node 'up' (Resize): input sizes must be a constant"],
    ['MaxUnpool output_shape', { name: 'un', opType: 'MaxUnpool', domain: '', inputs: ['x', 'idx', 'given'], outputs: ['y'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } }, "node 'un' (MaxUnpool): input output_shape must be a constant"],
  ];
  it.each(cases)('%s', (_, node, message) => {
    const graph: Graph = {
      name: 'shape-from-input',
      opset: 17,
      inputs: [
        { name: 'x', dtype: 'float32', shape: [1, 1, 2, 2] },
        { name: 'idx', dtype: 'int64', shape: [1, 1, 2, 2] },
        { name: 'given', dtype: 'int64', shape: [4] },
      ].filter((i) => node.inputs.includes(i.name)) as Graph['inputs'],
      outputs: ['y'],
      initializers: new Map(),
      nodes: [node],
    };
    expect(() => layoutGraph(graph)).toThrow(`${message} (an initializer, or computable from constants and input shapes when the model is planned)`);
  });
});
