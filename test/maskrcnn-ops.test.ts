/**
 * The fixes that running torchvision's Mask R-CNN export whole on the CPU reference needed
 * (issue 15; the model itself: test/maskrcnn.test.ts): ReduceMax/ReduceMin of int64 and int32 shape
 * values, and RoiAlign before opset 16 imported as 'output_half_pixel' (torchvision's
 * aligned=False). Cast to BOOL is a data-driven case (test/cases/shape-ops.cases.ts, GPU too).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../src/core/errors.js';
import { int32Tensor, int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { importOnnx } from '../src/import/onnx.js';
import { normalizeNode, type ImportNode, type NormalizeContext } from '../src/import/onnx-normalize.js';
import type { Graph } from '../src/ir/graph.js';
import { runOpCpu, type OpCall } from '../src/ops/call.js';
import { findOp } from '../src/ops/registry.js';

const values = (t: Tensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

function only(call: OpCall): Tensor {
  const [y] = runOpCpu(call);
  return y;
}

describe('ReduceMax / ReduceMin of integers (CPU reference)', () => {
  // [[3, -7, 5], [2, 9, -1]]; values past 2^53 keep their exact int64 value.
  const big = 2n ** 62n + 1n;
  const x64 = int64Tensor([2, 3], [3n, -7n, 5n, 2n, big, -1n]);

  it('int64 over an axis keeps int64 and exact values', () => {
    const y = only({ opType: 'ReduceMax', attributes: { axes: [1], keepdims: 0 }, inputs: [x64] });
    expect(y.dtype).toBe('int64');
    expect(y.shape).toEqual([2]);
    expect(Array.from(y.data as BigInt64Array)).toEqual([5n, big]);
    const m = only({ opType: 'ReduceMin', attributes: { axes: [0] }, inputs: [x64] });
    expect(m.shape).toEqual([1, 3]);
    expect(Array.from(m.data as BigInt64Array)).toEqual([2n, -7n, -1n]);
  });

  it('int64 over every axis (torchvision reduces the image sizes so), and noop_with_empty_axes', () => {
    const y = only({ opType: 'ReduceMin', attributes: { keepdims: 0 }, inputs: [int64Tensor([2], [128, 96])] });
    expect(y.shape).toEqual([]);
    expect(Array.from(y.data as BigInt64Array)).toEqual([96n]);
    const same = only({ opType: 'ReduceMax', attributes: { noop_with_empty_axes: 1 }, inputs: [x64, int64Tensor([0], [])] });
    expect(Array.from(same.data as BigInt64Array)).toEqual(Array.from(x64.data as BigInt64Array));
  });

  it('int32', () => {
    const x = int32Tensor([2, 2], [-2147483648, 4, 2147483647, -3]);
    const y = only({ opType: 'ReduceMax', attributes: { axes: [-1] }, inputs: [x] });
    expect(y.dtype).toBe('int32');
    expect(values(y)).toEqual([4, 2147483647]);
    expect(values(only({ opType: 'ReduceMin', attributes: { axes: [0], keepdims: 0 }, inputs: [x] }))).toEqual([-2147483648, -3]);
  });

  it('ReduceMean and ReduceSum of int64 are still refused, naming the node, input and dtype', () => {
    for (const opType of ['ReduceMean', 'ReduceSum']) {
      expect(() => runOpCpu({ opType, name: 'r', inputs: [x64] })).toThrow(/'r'.*input data.*int64/);
    }
  });

  it('the GPU lowering refuses integers by name (shaders/reduce.wgsl is float32 only)', () => {
    const def = findOp('ReduceMax')!;
    const node = { name: 'rmax', opType: 'ReduceMax', domain: '', inputs: ['x'], outputs: ['y'], attributes: { axes: [0] } };
    const x = { dtype: 'int64' as const, shape: [4] };
    const attrs = def.parse(node as never);
    const { resolved, outputs } = def.infer(attrs, [x], node as never);
    expect(outputs[0]).toEqual({ dtype: 'int64', shape: [1] });
    let error: unknown;
    try {
      def.gpu(resolved, [x], outputs, { cpuLike: true } as never, node as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(/rmax.*ReduceMax of int64.*float32 only/);
  });

  it('float32 is unchanged', () => {
    const y = only({ opType: 'ReduceMax', attributes: { axes: [1], keepdims: 0 }, inputs: [tensor([2, 2], [1, NaN, -2, -5])] });
    expect(values(y)).toEqual([NaN, -2]);
  });
});

describe('RoiAlign before opset 16', () => {
  const context = (opset: number): NormalizeContext => ({
    opset,
    addInitializer: () => '',
    freshValue: (b) => b,
    freshNodeName: (b) => b,
    constantValue: () => undefined,
    isUsed: () => true,
  });
  const roiAlign = (): ImportNode => ({ name: 'roi', opType: 'RoiAlign', domain: '', inputs: ['x', 'rois', 'batch'], outputs: ['y'], raw: new Map(), set: {} });

  it("is 'output_half_pixel' (RoiAlign-10's only behaviour); from 16 the default stays", () => {
    for (const opset of [10, 11, 15]) {
      const [node] = normalizeNode(roiAlign(), context(opset));
      expect(node.set.coordinate_transformation_mode).toBe('output_half_pixel');
    }
    const [node] = normalizeNode(roiAlign(), context(16));
    expect(node.set.coordinate_transformation_mode).toBeUndefined();
  });

  it("torchvision's Mask R-CNN export (opset 11) imports its RoiAligns so", () => {
    const graph = importOnnx(new Uint8Array(readFileSync('test/fixtures/maskrcnn/maskrcnn_small.onnx')));
    const modes: unknown[] = [];
    const walk = (g: Graph): void => {
      for (const n of g.nodes) {
        if (n.opType === 'RoiAlign') modes.push(n.attributes.coordinate_transformation_mode);
        for (const a of Object.values(n.attributes)) if (a && typeof a === 'object' && 'nodes' in a) walk(a as Graph);
      }
    };
    walk(graph);
    expect(modes.length).toBeGreaterThan(0);
    expect(new Set(modes)).toEqual(new Set(['output_half_pixel']));
  });
});
