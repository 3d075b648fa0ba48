/**
 * The ops Mask R-CNN's ONNX export needs beyond the segmentation models' (issue 15): comparisons
 * and logic, Where, variadic Min/Max (CPU reference and GPU), and the data-dependent ops (TopK,
 * NonZero, NonMaxSuppression, ScatterElements, Split, ReduceProd: CPU reference; their expected
 * values were computed with numpy / torch 1.13 and are written out below).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostOnlyError, ValueNeededError } from '../src/core/errors.js';
import type { Attributes } from '../src/ir/attributes.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { topK } from '../src/ops/topk.js';
import { nonZero } from '../src/ops/nonzero.js';
import { nonMaxSuppressionOp } from '../src/ops/non-max-suppression.js';
import { split } from '../src/ops/split.js';
import type { OpNode } from '../src/ops/types.js';
import { int32Tensor, int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { runOpCpu, type OpCall } from '../src/ops/call.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { findOp } from '../src/ops/registry.js';
import { compareTensors, type Tolerance } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const EXACT: Tolerance = { atol: 0, rtol: 0 };

function expectClose(actual: Tensor, expected: Tensor, tolerance: Tolerance = EXACT): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  // NaN agrees only with NaN (compareTensors counts any NaN as an error): compare where they sit,
  // then the rest.
  if (expected.dtype === 'float32' && actual.dtype === 'float32') {
    const nans = (t: Tensor) => Array.from(t.data as Float32Array, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
    expect(nans(actual)).toEqual(nans(expected));
    const zeroed = (t: Tensor): Tensor => ({ ...t, data: (t.data as Float32Array).map((v) => (Number.isNaN(v) ? 0 : v)) }) as Tensor;
    [actual, expected] = [zeroed(actual), zeroed(expected)];
  }
  const cmp = compareTensors(actual, expected, tolerance);
  expect(cmp.ok, cmp.message).toBe(true);
}

function errorOf(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

function expectError(call: OpCall, ...patterns: RegExp[]): void {
  const e = errorOf(() => runOpCpu(call));
  expect(e, 'expected an error').toBeDefined();
  for (const p of patterns) expect(e!.message).toMatch(p);
}

/** Integers in [lo, hi] as a tensor of the dtype, from a seed. */
function randomInts(shape: number[], seed: number, lo: number, hi: number, dtype: 'int32' | 'int64' = 'int32'): Tensor {
  const f = randomTensor(shape, seed, 0, 1);
  const v = Array.from(f.data, (x) => lo + Math.floor(x * (hi - lo + 1)));
  return dtype === 'int32' ? int32Tensor(shape, v) : int64Tensor(shape, v);
}

const NAN = Number.NaN;

function node(name: string, opType: string, attributes: Attributes = {}): OpNode {
  return { name, opType, attributes };
}

describe('comparisons and logic (CPU reference)', () => {
  const a = tensor([2, 3], [1, 2, 3, NAN, -1, 0]);
  const b = tensor([3], [2, 2, 2]);
  const cases: [string, number[]][] = [
    ['Equal', [0, 1, 0, 0, 0, 0]],
    ['Less', [1, 0, 0, 0, 1, 1]],
    ['Greater', [0, 0, 1, 0, 0, 0]],
    ['LessOrEqual', [1, 1, 0, 0, 1, 1]],
    ['GreaterOrEqual', [0, 1, 1, 0, 0, 0]],
  ];
  for (const [op, want] of cases) {
    it(`${op}: broadcast [2x3] against [3], NaN false`, () => {
      expectClose(runOpCpu({ opType: op, inputs: [a, b] })[0]!, int32Tensor([2, 3], want));
    });
  }
  it('Equal on int64, NaN not equal to itself', () => {
    expectClose(runOpCpu({ opType: 'Equal', inputs: [int64Tensor([3], [5n, -1n, 2n ** 40n]), int64Tensor([1], [5n])] })[0]!, int32Tensor([3], [1, 0, 0]));
    expectClose(runOpCpu({ opType: 'Equal', inputs: [tensor([1], [NAN]), tensor([1], [NAN])] })[0]!, int32Tensor([1], [0]));
  });
  it('And, Or, Xor, Not on BOOL (int32 0/1)', () => {
    const p = int32Tensor([4], [0, 0, 1, 1]);
    const q = int32Tensor([4], [0, 1, 0, 1]);
    expectClose(runOpCpu({ opType: 'And', inputs: [p, q] })[0]!, int32Tensor([4], [0, 0, 0, 1]));
    expectClose(runOpCpu({ opType: 'Or', inputs: [p, q] })[0]!, int32Tensor([4], [0, 1, 1, 1]));
    expectClose(runOpCpu({ opType: 'Xor', inputs: [p, q] })[0]!, int32Tensor([4], [0, 1, 1, 0]));
    expectClose(runOpCpu({ opType: 'Not', inputs: [p] })[0]!, int32Tensor([4], [1, 1, 0, 0]));
  });
  it('refuses mixed dtypes, float logic, shapes that do not broadcast', () => {
    expectError({ opType: 'Less', name: 'lt', inputs: [tensor([2], [1, 2]), int64Tensor([2], [1, 2])] }, /lt/, /Less/, /B/, /int64/);
    expectError({ opType: 'And', name: 'and0', inputs: [tensor([2], [1, 0]), int32Tensor([2], [1, 0])] }, /and0/, /A/, /float32/, /BOOL/);
    expectError({ opType: 'Not', name: 'n', inputs: [tensor([2], [1, 0])] }, /n/, /X/, /float32/);
    expectError({ opType: 'Greater', name: 'gt', inputs: [tensor([2, 3], new Float32Array(6)), tensor([2], [1, 2])] }, /gt/, /\[2\]/, /\[2x3\]/);
  });
});

describe('Where and Min/Max (CPU reference)', () => {
  it('Where broadcasts condition, X and Y', () => {
    const cond = int32Tensor([2, 1], [1, 0]);
    const x = tensor([3], [1, 2, 3]);
    const y = tensor([1], [-1]);
    expectClose(runOpCpu({ opType: 'Where', inputs: [cond, x, y] })[0]!, tensor([2, 3], [1, 2, 3, -1, -1, -1]));
    expectClose(runOpCpu({ opType: 'Where', inputs: [int32Tensor([2], [0, 1]), int64Tensor([2], [7, 8]), int64Tensor([2], [9, 10])] })[0]!, int64Tensor([2], [9, 8]));
  });
  it('Where refuses a float condition and mismatched X/Y dtypes', () => {
    expectError({ opType: 'Where', name: 'w', inputs: [tensor([1], [1]), tensor([1], [1]), tensor([1], [1])] }, /w/, /condition/, /float32/);
    expectError({ opType: 'Where', name: 'w', inputs: [int32Tensor([1], [1]), tensor([1], [1]), int64Tensor([1], [1])] }, /w/, /Y/, /int64/);
  });
  it('Min/Max: variadic, broadcasting, NaN propagates', () => {
    const a = tensor([2, 2], [1, 5, NAN, -2]);
    const b = tensor([2], [3, 0]);
    const c = tensor([1], [2]);
    expectClose(runOpCpu({ opType: 'Max', inputs: [a, b, c] })[0]!, tensor([2, 2], [3, 5, NAN, 2]));
    expectClose(runOpCpu({ opType: 'Min', inputs: [a, b, c] })[0]!, tensor([2, 2], [1, 0, NAN, -2]));
    expectClose(runOpCpu({ opType: 'Min', inputs: [a] })[0]!, a);
    expectClose(runOpCpu({ opType: 'Max', inputs: [int64Tensor([3], [1, -4, 9]), int64Tensor([1], [2])] })[0]!, int64Tensor([3], [2, 2, 9]));
  });
  it('Min/Max refuse no inputs and mixed dtypes', () => {
    expectError({ opType: 'Max', name: 'mx', inputs: [] }, /mx/, /data_0/, /missing/);
    expectError({ opType: 'Min', name: 'mn', inputs: [tensor([1], [1]), int64Tensor([1], [1])] }, /mn/, /data_1/, /int64/);
  });
});

describe('comparisons, logic, Where, Min/Max: GPU = CPU reference', () => {
  const a = randomInts([2, 3, 5], 1, -3, 3, 'int32');
  const ff = (t: Tensor) => tensor(t.shape, Float32Array.from(t.data as Int32Array, Number));
  const fa = ff(a);
  const fb = tensor([3, 1], [0, NAN, -1]);
  const calls: [string, OpCall][] = [
    ...(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual'] as const).flatMap((op): [string, OpCall][] => [
      [`${op} float with NaN`, { opType: op, inputs: [fa, fb] }],
      [`${op} int64`, { opType: op, inputs: [randomInts([4, 1, 3], 2, -2, 2, 'int64'), randomInts([5, 3], 3, -2, 2, 'int64')] }],
    ]),
    ...(['And', 'Or', 'Xor'] as const).map((op): [string, OpCall] => [op, { opType: op, inputs: [randomInts([2, 3, 4], 4, 0, 1), randomInts([3, 1], 5, 0, 1)] }]),
    ['Not', { opType: 'Not', inputs: [randomInts([7, 9], 6, 0, 1)] }],
    ['Where float', { opType: 'Where', inputs: [randomInts([2, 1, 5], 7, 0, 1), randomTensor([3, 5], 8), randomTensor([2, 3, 1], 9)] }],
    ['Where int64', { opType: 'Where', inputs: [randomInts([6], 10, 0, 1), randomInts([6], 11, -9, 9, 'int64'), int64Tensor([1], [-100])] }],
    ['Max of 2', { opType: 'Max', inputs: [randomTensor([4, 5], 12), tensor([5], [0, NAN, 0.5, -0.5, 1])] }],
    ['Min of 4', { opType: 'Min', inputs: [randomTensor([4, 5], 13), randomTensor([5], 14), randomTensor([4, 1], 15), randomTensor([1], 16)] }],
    ['Max of 1', { opType: 'Max', inputs: [randomTensor([3, 3], 17)] }],
    ['Min int32', { opType: 'Min', inputs: [randomInts([3, 4], 18, -50, 50), randomInts([4], 19, -50, 50), randomInts([3, 1], 20, -50, 50)] }],
  ];
  for (const [name, call] of calls) {
    it(name, async () => {
      const ctx = await testGpu();
      const want = runOpCpu(call);
      const got = await runOpGpu(ctx, call);
      expectClose(got[0]!, want[0]!);
    });
  }
});

// Expected values from torch 1.13 / numpy (scripts/make_maskrcnn_fixtures.py, op_cases).
const fixture = JSON.parse(readFileSync(new URL('./fixtures/maskrcnn/detection_ops.json', import.meta.url), 'utf8'));

describe('TopK (CPU reference)', () => {
  const x = tensor(fixture.topk.shape, fixture.topk.x);
  for (const c of fixture.topk.cases) {
    it(`torch.topk: axis ${c.axis}, k ${c.k}, largest ${c.largest}`, () => {
      const [values, indices] = runOpCpu({ opType: 'TopK', attributes: { axis: c.axis, largest: c.largest }, inputs: [x, int64Tensor([1], [c.k])] });
      expectClose(values!, tensor(c.shape, c.values));
      expectClose(indices!, int64Tensor(c.shape, c.indices));
    });
  }
  it('hand-worked: ties to the lower index, NaN the largest', () => {
    const t = tensor([6], [2, NAN, 5, 2, 5, -1]);
    const [v, i] = runOpCpu({ opType: 'TopK', inputs: [t, int64Tensor([1], [4])] });
    expectClose(v!, tensor([4], [NAN, 5, 5, 2]));
    expectClose(i!, int64Tensor([4], [1, 2, 4, 0]));
    const [vs, is] = runOpCpu({ opType: 'TopK', attributes: { largest: 0 }, inputs: [t, int64Tensor([1], [3])] });
    expectClose(vs!, tensor([3], [-1, 2, 2]));
    expectClose(is!, int64Tensor([3], [5, 0, 3]));
    const [vi] = runOpCpu({ opType: 'TopK', inputs: [int64Tensor([4], [3, 9, 9, 1]), int64Tensor([1], [2])] });
    expectClose(vi!, int64Tensor([2], [9, 9]));
  });
  it('refuses k out of range, a bad flag, a run-time k', () => {
    expectError({ opType: 'TopK', name: 'tk', inputs: [tensor([3], [1, 2, 3]), int64Tensor([1], [4])] }, /tk/, /TopK/, /K/, /4/, /\[0, 3\]/);
    expectError({ opType: 'TopK', name: 'tk', attributes: { largest: 2 }, inputs: [tensor([3], [1, 2, 3]), int64Tensor([1], [1])] }, /tk/, /largest/, /0 or 1/);
    const e = errorOf(() => topK.infer(topK.parse(node('tk', 'TopK')), [{ dtype: 'float32', shape: [3] }, { dtype: 'int64', shape: [1] }], node('tk', 'TopK')));
    expect(e).toBeInstanceOf(ValueNeededError);
    expect(e!.message).toMatch(/tk.*K.*output shape depends on k/);
  });
  it('has no GPU kernel: planning one says so, naming the node', () => {
    const n = node('tk', 'TopK');
    const info = [{ dtype: 'float32' as const, shape: [3] }, { dtype: 'int64' as const, shape: [1], value: int64Tensor([1], [2]) }];
    const { outputs, resolved } = topK.infer(topK.parse(n), info, n);
    const e = errorOf(() => topK.gpu(resolved, info, outputs, {} as never, n));
    expect(e).toBeInstanceOf(HostOnlyError);
    expect(e!.message).toMatch(/tk.*TopK has no GPU kernel.*segmented.*CPU reference/);
  });
});

describe('NonZero (CPU reference)', () => {
  it('numpy.nonzero, NaN counts as non-zero', () => {
    const x = tensor(fixture.nonzero.shape, fixture.nonzero.x.map((v: number | null) => v ?? NAN));
    const want = fixture.nonzero.indices as number[][];
    expectClose(runOpCpu({ opType: 'NonZero', inputs: [x] })[0]!, int64Tensor([2, want[0]!.length], want.flat()));
    expectClose(runOpCpu({ opType: 'NonZero', inputs: [int32Tensor([3], [0, 0, 0])] })[0]!, int64Tensor([1, 0], []));
    expectClose(runOpCpu({ opType: 'NonZero', inputs: [int64Tensor([], [7])] })[0]!, int64Tensor([0, 1], []));
  });
  it('needs its input when the model is planned (the output shape depends on it)', () => {
    const n = node('nz', 'NonZero');
    const e = errorOf(() => nonZero.infer(null, [{ dtype: 'int32', shape: [4, 5] }], n));
    expect(e).toBeInstanceOf(ValueNeededError);
    expect(e!.message).toMatch(/nz.*NonZero.*input X.*\[2, count\].*20 values/);
    const known = nonZero.infer(null, [{ dtype: 'int32', shape: [2], value: int32Tensor([2], [0, 4]) }], n);
    expect(known.outputs[0]!.shape).toEqual([1, 1]);
    expect(Array.from(known.outputs[0]!.value!.data as BigInt64Array)).toEqual([1n]);
  });
});

describe('NonMaxSuppression (CPU reference)', () => {
  const boxes = tensor(fixture.nms.boxes_shape, fixture.nms.boxes);
  const scores = tensor(fixture.nms.scores_shape, fixture.nms.scores);
  for (const c of fixture.nms.cases) {
    it(`torchvision.ops.nms per class: max ${c.max_output_boxes_per_class}, iou ${c.iou_threshold}, score ${c.score_threshold}`, () => {
      const inputs = [boxes, scores, int64Tensor([1], [c.max_output_boxes_per_class]), tensor([1], [c.iou_threshold]), c.score_threshold === null ? undefined : tensor([1], [c.score_threshold])];
      const sel = c.selected as number[][];
      expectClose(runOpCpu({ opType: 'NonMaxSuppression', inputs })[0]!, int64Tensor([sel.length, 3], sel.flat()));
    });
  }
  it('hand-worked: the ONNX spec\'s center_point_box example, flipped corners, no max means none', () => {
    // onnx/backend/test/case/node/nonmaxsuppression.py, center_point_box and flipped_coordinates.
    const centers = tensor([1, 6, 4], [0.5, 0.5, 1, 1, 0.5, 0.6, 1, 1, 0.5, 0.4, 1, 1, 0.5, 10.5, 1, 1, 0.5, 10.6, 1, 1, 0.5, 100.5, 1, 1]);
    const s = tensor([1, 1, 6], [0.9, 0.75, 0.6, 0.95, 0.5, 0.3]);
    const args = [int64Tensor([1], [3]), tensor([1], [0.5]), tensor([1], [0])];
    expectClose(runOpCpu({ opType: 'NonMaxSuppression', attributes: { center_point_box: 1 }, inputs: [centers, s, ...args] })[0]!, int64Tensor([3, 3], [0, 0, 3, 0, 0, 0, 0, 0, 5]));
    const flipped = tensor([1, 6, 4], [1, 1, 0, 0, 0, 0.1, 1, 1.1, 0, 0.9, 1, -0.1, 0, 10, 1, 11, 1, 10.1, 0, 11.1, 1, 101, 0, 100]);
    expectClose(runOpCpu({ opType: 'NonMaxSuppression', inputs: [flipped, s, ...args] })[0]!, int64Tensor([3, 3], [0, 0, 3, 0, 0, 0, 0, 0, 5]));
    expectClose(runOpCpu({ opType: 'NonMaxSuppression', inputs: [flipped, s] })[0]!, int64Tensor([0, 3], []));
  });
  it('refuses bad shapes and attributes, and run-time boxes when planning', () => {
    expectError({ opType: 'NonMaxSuppression', name: 'nms', inputs: [tensor([1, 2, 4], new Float32Array(8)), tensor([1, 1, 3], new Float32Array(3))] }, /nms/, /scores/, /\[1x1x3\]/, /\[1, classes, 2\]/);
    expectError({ opType: 'NonMaxSuppression', name: 'nms', attributes: { center_point_box: 2 }, inputs: [] }, /nms/, /center_point_box/);
    expectError({ opType: 'NonMaxSuppression', name: 'nms', inputs: [tensor([1, 1, 4], [0, 0, 1, 1]), tensor([1, 1, 1], [1]), int64Tensor([1], [1]), tensor([1], [1.5])] }, /iou_threshold/, /1\.5/);
    const n = node('nms', 'NonMaxSuppression');
    const e = errorOf(() => nonMaxSuppressionOp.infer({ centerPointBox: false }, [{ dtype: 'float32', shape: [1, 5, 4] }, { dtype: 'float32', shape: [1, 1, 5], value: tensor([1, 1, 5], new Float32Array(5)) }], n));
    expect(e).toBeInstanceOf(ValueNeededError);
    expect(e!.message).toMatch(/nms.*input boxes.*\[selected, 3\]/);
  });
});

describe('ScatterElements (CPU reference)', () => {
  const sc = fixture.scatter;
  const data = tensor(sc.data_shape, sc.data);
  it('torch.scatter along axis 0', () => {
    const call: OpCall = { opType: 'ScatterElements', attributes: { axis: 0 }, inputs: [data, int64Tensor(sc.shape0, sc.index0), tensor(sc.shape0, sc.updates0)] };
    expectClose(runOpCpu(call)[0]!, tensor(sc.data_shape, sc.scatter0));
  });
  it('torch.scatter_add along axis 1 (reduction add, repeated indices)', () => {
    const call: OpCall = { opType: 'ScatterElements', attributes: { axis: 1, reduction: 'add' }, inputs: [data, int64Tensor(sc.shape1, sc.index1), tensor(sc.shape1, sc.updates1)] };
    expectClose(runOpCpu(call)[0]!, tensor(sc.data_shape, sc.add1), { atol: 1e-6, rtol: 1e-6 });
  });
  it('hand-worked: the ONNX spec example with a negative index; mul, max, min', () => {
    // onnx: data [[1, 2, 3, 4, 5]], indices [[1, -3]] (axis 1), updates [[1.1, 2.1]] -> [[1, 1.1, 2.1, 4, 5]]
    const d = tensor([1, 5], [1, 2, 3, 4, 5]);
    const i = int64Tensor([1, 2], [1, -3]);
    const u = tensor([1, 2], [1.1, 2.1]);
    expectClose(runOpCpu({ opType: 'ScatterElements', attributes: { axis: 1 }, inputs: [d, i, u] })[0]!, tensor([1, 5], [1, 1.1, 2.1, 4, 5]));
    const ii = int64Tensor([1, 2], [1, 1]);
    const uu = tensor([1, 2], [3, 0.5]);
    expectClose(runOpCpu({ opType: 'ScatterElements', attributes: { axis: 1, reduction: 'mul' }, inputs: [d, ii, uu] })[0]!, tensor([1, 5], [1, 3, 3, 4, 5]));
    expectClose(runOpCpu({ opType: 'ScatterElements', attributes: { axis: 1, reduction: 'max' }, inputs: [d, ii, uu] })[0]!, tensor([1, 5], [1, 3, 3, 4, 5]));
    expectClose(runOpCpu({ opType: 'ScatterElements', attributes: { axis: 1, reduction: 'min' }, inputs: [d, ii, uu] })[0]!, tensor([1, 5], [1, 0.5, 3, 4, 5]));
  });
  it('refuses an index out of range, a bad reduction, mismatched updates', () => {
    const d = tensor([2, 2], [1, 2, 3, 4]);
    expectError({ opType: 'ScatterElements', name: 'sc', inputs: [d, int64Tensor([1, 2], [0, 2]), tensor([1, 2], [0, 0])] }, /sc/, /indices/, /holds 2 at \[0, 1\]/, /\[-2, 1\]/);
    expectError({ opType: 'ScatterElements', name: 'sc', attributes: { reduction: 'avg' }, inputs: [d, int64Tensor([1, 2], [0, 0]), tensor([1, 2], [0, 0])] }, /sc/, /reduction/, /avg/);
    expectError({ opType: 'ScatterElements', name: 'sc', inputs: [d, int64Tensor([1, 2], [0, 0]), tensor([2, 1], [0, 0])] }, /sc/, /updates/, /\[2x1\]/);
  });
});

describe('Split and ReduceProd', () => {
  const x = randomTensor([2, 7, 3], 21);
  it('Split by sizes, num_outputs and output count (CPU = numpy.split)', () => {
    const parts = runOpCpu({ opType: 'Split', attributes: { axis: 1 }, inputs: [x, int64Tensor([3], [2, 0, 5])] });
    expect(parts.map((p) => p.shape)).toEqual([[2, 2, 3], [2, 0, 3], [2, 5, 3]]);
    const at = (t: Tensor, i: number, j: number, k: number) => (t.data as Float32Array)[(i * t.shape[1]! + j) * 3 + k];
    expect(at(parts[2]!, 1, 4, 2)).toBe(at(x, 1, 6, 2));
    expect(at(parts[0]!, 1, 1, 0)).toBe(at(x, 1, 1, 0));
    const even = runOpCpu({ opType: 'Split', attributes: { axis: -1, num_outputs: 2 }, inputs: [x] });
    expect(even.map((p) => p.shape)).toEqual([[2, 7, 2], [2, 7, 1]]);
    const n = { ...node('sp', 'Split', { axis: 0 }), outputs: ['a', 'b'] };
    const inferred = split.infer(split.parse(n), [{ dtype: 'float32', shape: [4, 3] }], n);
    expect(inferred.outputs.map((o) => o.shape)).toEqual([[2, 3], [2, 3]]);
  });
  it('Split refuses sizes that do not sum to the axis', () => {
    expectError({ opType: 'Split', name: 'sp', attributes: { axis: 1 }, inputs: [x, int64Tensor([2], [3, 3])] }, /sp/, /split/, /sums to 6/, /7/);
  });
  it('Split: GPU = CPU reference', async () => {
    const ctx = await testGpu();
    for (const call of [
      { opType: 'Split', attributes: { axis: 1 }, inputs: [x, int64Tensor([3], [2, 1, 4])] },
      { opType: 'Split', attributes: { axis: 0, num_outputs: 2 }, inputs: [randomInts([5, 4], 22, -9, 9, 'int64')] },
    ] as OpCall[]) {
      const want = runOpCpu(call);
      const got = await runOpGpu(ctx, call);
      want.forEach((w, i) => expectClose(got[i]!, w));
    }
  });
  it('ReduceProd: numpy.prod over axes, int64 shapes, keepdims', () => {
    expectClose(runOpCpu({ opType: 'ReduceProd', attributes: { axes: [1], keepdims: 0 }, inputs: [tensor([2, 3], [1, 2, 3, -1, 0.5, 4])] })[0]!, tensor([2], [6, -2]));
    expectClose(runOpCpu({ opType: 'ReduceProd', attributes: { keepdims: 0 }, inputs: [int64Tensor([4], [2, 3, 7, 5])] })[0]!, int64Tensor([], [210]));
    expectClose(runOpCpu({ opType: 'ReduceProd', inputs: [int64Tensor([2, 2], [2, 3, 7, 5]), int64Tensor([1], [0])] })[0]!, int64Tensor([1, 2], [14, 15]));
    expectError({ opType: 'ReduceProd', name: 'rp', attributes: { axes: [2] }, inputs: [tensor([2], [1, 2])] }, /rp/, /axes/, /axis 2/);
  });
});

describe('the Mask R-CNN fixture (test/fixtures/maskrcnn/maskrcnn_small.onnx)', () => {
  it('uses no op type segwgpu lacks but the control-flow ones (If, Loop)', () => {
    // The manifest's histogram counts the nodes inside If/Loop bodies too.
    const manifest = JSON.parse(readFileSync(new URL('./fixtures/maskrcnn/maskrcnn_small.json', import.meta.url), 'utf8'));
    const missing = Object.keys(manifest.op_types).filter((op) => !findOp(op) && op !== 'If' && op !== 'Loop');
    expect(missing).toEqual([]);
  });
});

describe('data-dependent shapes in a graph', () => {
  // The detections of a score map: NonZero(Greater(scores, 0.5)), then TopK of the scores.
  const graphNode = (name: string, opType: string, inputs: string[], outputs: string[], attributes: Attributes = {}): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes });
  const graph: Graph = {
    name: 'detections',
    opset: 17,
    inputs: [{ name: 'scores', dtype: 'float32', shape: [2, 3] }],
    outputs: ['where', 'top', 'top_i'],
    initializers: new Map<string, Tensor>([['half', tensor([], [0.5])], ['k', int64Tensor([1], [2])]]),
    nodes: [
      graphNode('above', 'Greater', ['scores', 'half'], ['mask']),
      graphNode('find', 'NonZero', ['mask'], ['where']),
      graphNode('best', 'TopK', ['scores', 'k'], ['top', 'top_i'], { axis: 1 }),
    ],
  };
  const scores = tensor([2, 3], [0.9, 0.1, 0.6, 0.2, 0.7, 0.3]);

  it('runs on the CPU reference, the shapes planned from the input values', () => {
    const out = runGraphCpu(graph, { scores });
    expectClose(out.where!, int64Tensor([2, 3], [0, 0, 1, 0, 2, 1]));
    expectClose(out.top!, tensor([2, 2], [0.9, 0.6, 0.7, 0.3]));
    expectClose(out.top_i!, int64Tensor([2, 2], [0, 2, 1, 2]));
  });

  it('planning for the GPU without the values names NonZero, its input and the model input to give', async () => {
    const ctx = await testGpu();
    const e = errorOf(() => planGraph(ctx, graph));
    expect(e).toBeInstanceOf(ValueNeededError);
    expect(e!.message).toMatch(/find.*NonZero.*input X.*'scores'.*inputValues/);
  });
});

describe('one value read through two inputs, in a GPU plan', () => {
  const graphNode = (name: string, opType: string, inputs: string[], outputs: string[]): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes: {} });
  const graph: Graph = {
    name: 'self',
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 5] }],
    outputs: ['eq', 'w', 'mx', 'both'],
    initializers: new Map<string, Tensor>([['zero', tensor([], [0])]]),
    nodes: [
      graphNode('nx', 'Neg', ['x'], ['n']),
      graphNode('self_eq', 'Equal', ['n', 'n'], ['eq']),
      graphNode('pos', 'Greater', ['n', 'zero'], ['c']),
      graphNode('self_where', 'Where', ['c', 'n', 'n'], ['w']),
      graphNode('self_max', 'Max', ['n', 'n', 'n'], ['mx']),
      graphNode('self_and', 'And', ['c', 'c'], ['both']),
    ],
  };
  it('GPU = CPU reference', async () => {
    const ctx = await testGpu();
    const x = randomTensor([2, 5], 30);
    const plan = planGraph(ctx, graph);
    const got = (await runPlan(plan, { x })).outputs;
    const want = runGraphCpu(graph, { x });
    for (const name of graph.outputs) expectClose(got[name]!, want[name]!);
  });
});
