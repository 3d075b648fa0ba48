/**
 * Control flow (If, Loop) on the CPU reference: ONNX models built by
 * scripts/make_control_flow_fixtures.py (onnx.helper, and a torch.jit.script module exported at
 * opset 11) with expected outputs from numpy/torch (test/fixtures/control-flow/cases.json).
 * Also: subgraph import (captures, malformed subgraphs), shape rules, passes on graphs with
 * subgraphs, and the GPU planner's refusal.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueNeededError } from '../src/core/errors.js';
import type { Tensor } from '../src/core/tensor.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { importOnnx } from '../src/import/onnx.js';
import { readNpy } from '../src/io/npy.js';
import { capturesOf, isGraphAttribute, type Graph, type GraphNode } from '../src/ir/graph.js';
import { optimizeGraph } from '../src/passes/index.js';
import { layoutGraph } from '../src/plan/plan.js';
import { ShapeInference, inferGraph } from '../src/shapes/infer.js';
import { compareTensors } from './util/compare.js';

const DIR = new URL('./fixtures/control-flow/', import.meta.url);
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const load = (name: string): Graph => importOnnx(file(name), { name });

interface Case {
  readonly model: string;
  readonly label: string;
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
}
const cases: Case[] = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8'));

function feeds(c: Case): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, readNpy(file(f), f)]));
}

function expectMatches(actual: Tensor | undefined, expected: Tensor, what: string): void {
  expect(actual, what).toBeDefined();
  const r = compareTensors(actual!, expected, { atol: 1e-5, rtol: 1e-5 });
  expect(r.ok, `${what}: ${r.message}`).toBe(true);
}

const node = (g: Graph, name: string): GraphNode => g.nodes.find((n) => n.name === name)!;

describe('control flow on the CPU reference (numpy / torch expected values)', () => {
  for (const c of cases) {
    it(`${c.model} ${c.label}`, () => {
      const graph = load(c.model);
      const out = runGraphCpu(graph, feeds(c));
      for (const [name, f] of Object.entries(c.outputs)) expectMatches(out[name], readNpy(file(f), f), `${c.model} ${c.label} ${name}`);
    });
  }

  it('the fixtures cover both branches, zero trips, while loops, nesting and a torch export', () => {
    const labels = cases.map((c) => `${c.model} ${c.label}`);
    for (const want of ['if_outer.onnx then', 'if_outer.onnx else', 'loop_scan.onnx zero_trips', 'loop_while.onnx no_trip', 'loop_nested_if.onnx five', 'torch_script_loop.onnx six']) {
      expect(labels).toContain(want);
    }
  });
});

describe('subgraph import', () => {
  it('a branch is a Graph attribute whose outer reads are captures, appended to the node inputs', () => {
    const g = load('if_outer.onnx');
    const n = node(g, 'branch');
    const then = n.attributes.then_branch;
    expect(isGraphAttribute(then)).toBe(true);
    expect((then as Graph).captures).toEqual(['x', 'y']);
    expect((then as Graph).initializers.has('k_then')).toBe(true);
    expect(capturesOf(n)).toEqual(['x', 'y']);
    expect(n.inputs).toEqual(['c', 'x', 'y']);
  });

  it('an output that names an outer value is a capture; nested captures reach the outermost graph', () => {
    const pick = node(load('if_shapes.onnx'), 'pick');
    expect((pick.attributes.else_branch as Graph).captures).toEqual(['x']);
    const loop = node(load('loop_nested_if.onnx'), 'outer_loop');
    const body = loop.attributes.body as Graph;
    expect(body.captures).toEqual(['two_i', 'u']);
    expect(loop.inputs).toEqual(['M', '', 'acc0', 'two_i', 'u']);
    const inner = body.nodes.find((n) => n.opType === 'If')!;
    expect(inner.inputs).toEqual(['early', 'acc_in', 'u']);
  });

  it('refuses a subgraph reading a value no enclosing graph defines, naming node and attribute', () => {
    // if_outer with its else branch's 'y' read renamed to an undefined value, byte for byte.
    const bytes = file('if_outer.onnx');
    const text = Buffer.from(bytes);
    const at = text.indexOf(Buffer.from('\x12\x05e_out'));
    expect(at).toBeGreaterThan(0);
    // The Sub node's second input 'y' (field 1, length 1) sits just before its output.
    const patched = Buffer.from(text);
    expect(patched[at - 1]).toBe('y'.charCodeAt(0));
    patched[at - 1] = 'q'.charCodeAt(0);
    expect(() => importOnnx(new Uint8Array(patched), { name: 'bad.onnx' })).toThrow(
      "bad.onnx: node 'branch' (If) attribute else_branch: the subgraph reads 'q', which neither it nor an enclosing graph defines",
    );
  });
});

describe('malformed subgraphs', () => {
  const x = { name: 'x', dtype: 'float32' as const, shape: [2] };
  const branch = (name: string, outputs: string[], inputs: Graph['inputs'] = []): Graph => ({
    name, opset: 17, inputs, outputs, initializers: new Map(), nodes: [], captures: ['x'],
  });
  const withNode = (n: GraphNode): Graph => ({ name: 'm', opset: 17, inputs: [{ name: 'c', dtype: 'int32', shape: [] }, x], outputs: n.outputs.slice(0, 1), initializers: new Map(), nodes: [n] });
  const shapes = new Map([['c', []], ['x', [2]]]);

  it('If branches with different output counts or with inputs are refused, naming node and branch', () => {
    const uneven = withNode({ name: 'iff', opType: 'If', domain: '', inputs: ['c', 'x'], outputs: ['z'], attributes: { then_branch: branch('t', ['x']), else_branch: branch('e', ['x', 'x']) } });
    expect(() => inferGraph(uneven, shapes)).toThrow("node 'iff' (If): attribute else_branch='<graph 'e'>' has 2 outputs, then_branch has 1");
    const takes = withNode({ name: 'iff', opType: 'If', domain: '', inputs: ['c', 'x'], outputs: ['z'], attributes: { then_branch: branch('t', ['x'], [x]), else_branch: branch('e', ['x']) } });
    expect(() => inferGraph(takes, shapes)).toThrow(/node 'iff' \(If\): attribute then_branch=.* declares inputs \('x'\); an If branch takes none/);
    const missing = withNode({ name: 'iff', opType: 'If', domain: '', inputs: ['c'], outputs: ['z'], attributes: { then_branch: 3 } });
    expect(() => inferGraph(missing, shapes)).toThrow(/node 'iff' \(If\): attribute then_branch=3 must be a graph/);
  });

  it('a Loop body with the wrong inputs is refused, naming node and body', () => {
    const body: Graph = { name: 'b', opset: 17, inputs: [{ name: 'i', dtype: 'int64', shape: [] }], outputs: ['i'], initializers: new Map(), nodes: [] };
    const g = withNode({ name: 'lp', opType: 'Loop', domain: '', inputs: ['', 'c', 'x'], outputs: ['z'], attributes: { body } });
    expect(() => inferGraph(g, shapes)).toThrow("node 'lp' (Loop): attribute body='<graph 'b'>' has 1 inputs; it must take iteration_num, cond and the node's 1 loop-carried value(s)");
  });
});

describe('shape rules', () => {
  it('If infers without the condition when both branches agree', () => {
    const g = load('if_outer.onnx');
    const { values } = inferGraph(g, new Map([['c', []], ['x', [2, 3]], ['y', [2, 3]]]));
    expect(values.get('z')!.shape).toEqual([2, 3]);
  });

  it('If whose branches differ in shape needs the condition, traced to the model input', () => {
    const g = load('if_shapes.onnx');
    let error: unknown;
    try {
      inferGraph(g, new Map([['s', []], ['x', [2, 3]]]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueNeededError);
    expect(String(error)).toContain("node 'pick' (If): input cond decides the output shapes (output 0 is float32 [3x2] from then_branch, float32 [2x3] from else_branch)");
    expect((error as ValueNeededError).modelInputs).toEqual(['s']);
  });

  it('Loop with a trip count that is not known needs it for its scan outputs', () => {
    const g = load('loop_scan.onnx');
    expect(() => inferGraph(g, new Map([['M', []], ['c0', []], ['a0', [3]], ['w', [3]]]))).toThrow(/node 'loop' \(Loop\): input M decides the length of the scan outputs/);
  });

  it('a data-dependent output shape on inputs too large to plan for: evaluated node by node', () => {
    const x = { dtype: 'float32' as const, shape: [100, 50], data: new Float32Array(5000).map((_, i) => i) };
    const g = load('if_shapes.onnx');
    // x has 5000 elements: more than a plan takes as a constant, so the graph runs unplanned.
    const big: Graph = { ...g, inputs: g.inputs.map((i) => (i.name === 'x' ? { ...i, shape: [100, 50] } : i)) };
    const s = { dtype: 'float32' as const, shape: [], data: Float32Array.of(1) };
    const out = runGraphCpu(big, { s, x });
    expect(out.z!.shape).toEqual([50, 100]);
    expect(out.z!.data[1]).toBe(50);
  });
});

describe('passes on graphs with subgraphs', () => {
  it('Identity removal and pruning keep the values subgraphs read', () => {
    const g = load('loop_nested_if.onnx');
    const m = { dtype: 'int64' as const, shape: [], data: BigInt64Array.of(5n) };
    const { graph } = optimizeGraph(g, new ShapeInference(new Map([['M', []], ['acc0', [2]], ['u', [2]]]), new Map([['M', m]])));
    // two_i is read only inside the body: it must survive as an initializer.
    expect(graph.initializers.has('two_i')).toBe(true);
  });

  it('an If with a known condition and runtime captures stays, inferred from its branch; a constant one folds away', () => {
    const g = load('if_outer.onnx');
    const c = { dtype: 'int32' as const, shape: [], data: Int32Array.of(0) };
    const x = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    const fixed: Graph = { ...g, inputs: g.inputs.filter((i) => i.name !== 'c'), initializers: new Map([...g.initializers, ['c', c]]) };
    const { graph, values } = optimizeGraph(fixed, new Map([['x', [2, 3]], ['y', [2, 3]]]));
    expect(graph.nodes.map((n) => n.opType)).toEqual(['If']);
    expect(values.get('z')!.shape).toEqual([2, 3]);
    const constant: Graph = { ...g, inputs: [], initializers: new Map([...g.initializers, ['c', c], ['x', x], ['y', x]]) };
    const folded = optimizeGraph(constant, new Map()).graph;
    expect(folded.nodes).toEqual([]);
    expect(Array.from(folded.initializers.get('z')!.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('GPU', () => {
  it('the planner refuses If/Loop: they run on the host', () => {
    expect(() => layoutGraph(load('if_outer.onnx'))).toThrow(/node 'branch' \(If\): If\/Loop run on the host/);
  });
});
