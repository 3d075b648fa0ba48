/**
 * The ONNX importer on small hand-built models (test/fixtures/onnx/, made by
 * scripts/make_onnx_import_fixtures.py with onnx/numpy/torch), and the plan-time glue ops
 * (Shape, Constant, ConstantOfShape, Range) whose outputs exported graphs fold before running.
 * Graphs are run here with a minimal interpreter over the ops' CPU references; expected values
 * come from numpy/torch (.npy files written by the fixture script) or are worked by hand.
 * Encodings the fixtures do not show (packed vs unpacked fields, unknown fields, odd offsets)
 * are built byte by byte with test/util/protobuf-encode.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx, importOnnxGraph, SUPPORTED_OPSETS } from '../src/import/onnx.js';
import { readNpy } from '../src/io/npy.js';
import { topologicalOrder, type Graph, type GraphNode } from '../src/ir/graph.js';
import { runOpCpu } from '../src/ops/call.js';
import { findOp } from '../src/ops/registry.js';
import { int32Tensor, int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { compareTensors } from './util/compare.js';
import { bytes, lenField, messageField, packedVarints, stringField, varintField, type Field } from './util/protobuf-encode.js';

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/onnx/${name}`, import.meta.url)));
}

function load(name: string): Graph {
  return importOnnx(fixture(name), { name });
}

/** Runs a graph node by node with the CPU references; returns every value. */
function runGraphCpu(graph: Graph, feeds: Record<string, Tensor>): Map<string, Tensor> {
  const values = new Map<string, Tensor>([...graph.initializers, ...Object.entries(feeds)]);
  for (const node of topologicalOrder(graph)) {
    const inputs = node.inputs.map((v) => (v === '' ? undefined : values.get(v)));
    const outputs = runOpCpu({ opType: node.opType, name: node.name, attributes: node.attributes, inputs });
    node.outputs.forEach((name, i) => name !== '' && values.set(name, outputs[i]));
  }
  return values;
}

function nodeNamed(graph: Graph, name: string): GraphNode {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node '${name}' in [${graph.nodes.map((n) => n.name).join(', ')}]`);
  return node;
}

function expectClose(actual: Tensor, expected: Tensor, atol = 1e-6, rtol = 1e-6): void {
  const r = compareTensors(actual, expected, { atol, rtol });
  expect(r.ok, r.message).toBe(true);
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error was raised');
}

describe('initializers', () => {
  const graph = load('initializers.onnx');
  const init = (name: string) => {
    const t = graph.initializers.get(name);
    if (!t) throw new Error(`no initializer ${name}`);
    return t;
  };

  it('reads raw_data and typed fields to the same tensors', () => {
    for (const kind of ['f32', 'f64', 'i64', 'i32', 'i8', 'u8', 'bool']) {
      const raw = init(`${kind}_raw`);
      const typed = init(`${kind}_typed`);
      expect(typed.dtype, kind).toBe(raw.dtype);
      expect(typed.shape, kind).toEqual(raw.shape);
      expect(Array.from(typed.data as ArrayLike<number | bigint>), kind).toEqual(Array.from(raw.data as ArrayLike<number | bigint>));
    }
  });

  it('maps element types and values', () => {
    expect(init('f32_raw')).toEqual(tensor([2, 3], [1.5, -2, 3.25, 0, 1e-3, -7]));
    // DOUBLE becomes float32.
    expect(init('f64_raw')).toEqual(tensor([3], [0.1, -1e10, 2.5]));
    expect(init('i64_raw')).toEqual(int64Tensor([3], [1, -2, 3]));
    expect(init('i32_raw')).toEqual(int32Tensor([1, 2], [-5, 6]));
    // INT8 / UINT8 / BOOL / INT16 widen to int32.
    expect(init('i8_raw')).toEqual(int32Tensor([3], [-128, 127, -1]));
    expect(init('u8_raw')).toEqual(int32Tensor([3], [0, 255, 7]));
    expect(init('bool_raw')).toEqual(int32Tensor([3], [1, 0, 1]));
    expect(init('i16_raw')).toEqual(int32Tensor([2], [-300, 300]));
    expect(init('scalar_raw')).toEqual(tensor([], [4]));
    expect(init('empty_raw')).toEqual(tensor([0, 3], []));
  });

  it('treats graph inputs that are initializers as constants, keeps symbolic dims, names unnamed nodes', () => {
    expect(graph.opset).toBe(17);
    expect(graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
    expect(graph.outputs).toEqual(['y']);
    expect(graph.nodes.map((n) => n.name)).toEqual(['Add_0']);
    expect(graph.initializers.has('bias')).toBe(true);
    const out = runGraphCpu(graph, { x: tensor([2, 3], [1, 2, 3, 4, 5, 6]) }).get('y')!;
    expect(out).toEqual(tensor([2, 3], [11, 22, 33, 14, 25, 36]));
  });

  it('converts FLOAT16 (raw and int32_data) and BFLOAT16 to float32', () => {
    const g = load('fp16.onnx');
    // 0.1 in half precision is 1638/16384 = 0.0999755859375; 2^-24 is the smallest subnormal.
    const expected = tensor([6], [1, -2.5, 65504, 2 ** -24, 0.0999755859375, -0]);
    expect(g.initializers.get('h_raw')).toEqual(expected);
    expect(g.initializers.get('h_typed')).toEqual(expected);
    expect(g.initializers.get('bf16_raw')).toEqual(tensor([3], [1, -3, 0.15625]));
  });

  it('keeps int64 values beyond 2^53 exact (raw and int64_data)', () => {
    const g = load('int64_big.onnx');
    const expected = [2n ** 53n + 1n, -(2n ** 60n) - 3n, 2n ** 63n - 1n, -(2n ** 63n)];
    // Also straight from a Node Buffer, whose slice() is a view, not a copy: raw_data must still be copied.
    const fromBuffer = importOnnx(readFileSync(new URL('./fixtures/onnx/int64_big.onnx', import.meta.url)));
    for (const graph of [g, fromBuffer]) {
      for (const name of ['big_raw', 'big_typed']) {
        const t = graph.initializers.get(name)!;
        expect(t.dtype).toBe('int64');
        expect(Array.from(t.data as BigInt64Array)).toEqual(expected);
      }
    }
  });

  it('refuses an integer attribute beyond 2^53, naming node and attribute', () => {
    const message = errorOf(() => load('big_attribute.onnx'));
    expect(message).toMatch(/node 'flat' \(Flatten\)/);
    expect(message).toMatch(/attribute axis=9007199254740993/);
    expect(message).toMatch(/2\^53/);
  });

  it('refuses external data with the re-save advice', () => {
    expect(errorOf(() => load('external_data.onnx'))).toContain(
      "initializer 'conv.weight' uses external data (file 'weights.bin'); segwgpu needs a self-contained .onnx: re-save it with all tensors embedded",
    );
  });

  it('refuses unsupported element types, naming the initializer and the type', () => {
    const message = errorOf(() => load('bad_dtype.onnx'));
    expect(message).toMatch(/initializer 'counts'/);
    expect(message).toMatch(/UINT64 \(13\)/);
  });
});

describe('unsupported ops', () => {
  it('lists every unsupported op type with its nodes in one error', () => {
    const message = errorOf(() => load('unsupported_ops.onnx'));
    expect(message).toMatch(/^unsupported_ops\.onnx: 5 op types are not supported by segwgpu/);
    expect(message).toContain("Einsum: node 'einsum_1'");
    expect(message).toContain("LpNormalization: nodes 'lpnorm_a', 'lpnorm_b'");
    expect(message).toContain("Mod: node 'Mod_4'");
    expect(message).toContain("com.microsoft.FusedConv: node 'fused'");
    expect(message).toContain("Scan (has subgraphs): node 'scan'");
    expect(message).toMatch(/Supported \(default ONNX domain\): .*Relu/);
    expect(message).not.toMatch(/'relu'/);
  });

  it('importOnnxGraph lists them instead, for inspection', () => {
    const { graph, unsupported } = importOnnxGraph(fixture('unsupported_ops.onnx'), { checkOps: false });
    expect([...unsupported.keys()].sort()).toEqual(['Einsum', 'LpNormalization', 'Mod', 'Scan (has subgraphs)', 'com.microsoft.FusedConv'].sort());
    expect(unsupported.get('LpNormalization')).toEqual(['lpnorm_a', 'lpnorm_b']);
    expect(nodeNamed(graph, 'einsum_1').attributes.equation).toBe('i,i->i');
  });
});

describe('opsets', () => {
  it(`refuses opsets outside ${SUPPORTED_OPSETS.min}..${SUPPORTED_OPSETS.max}, giving the range`, () => {
    for (const name of ['opset21.onnx', 'opset6.onnx']) {
      const message = errorOf(() => load(name));
      expect(message).toMatch(/opset (21|6) is not supported/);
      expect(message).toContain(`opsets ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}`);
    }
  });

  it('Softmax before opset 13 normalises over the flattened trailing block, from 13 over one axis', () => {
    const x = readNpy(fixture('softmax_input.npy'));
    const g11 = load('softmax_opset11.onnx');
    const g13 = load('softmax_opset13.onnx');
    expect(g11.nodes.map((n) => n.opType)).toEqual(['Flatten', 'Softmax', 'Shape', 'Reshape']);
    expect(nodeNamed(g11, 'sm/flatten').attributes).toEqual({ axis: 1 });
    expect(nodeNamed(g11, 'sm').attributes).toEqual({ axis: 1 });
    expect(g13.nodes.map((n) => n.opType)).toEqual(['Softmax']);
    const y11 = runGraphCpu(g11, { x }).get('y')!;
    const y13 = runGraphCpu(g13, { x }).get('y')!;
    expectClose(y11, readNpy(fixture('softmax11_expected.npy')));
    expectClose(y13, readNpy(fixture('softmax13_expected.npy')));
    expect(compareTensors(y11, y13, { atol: 1e-3, rtol: 0 }).ok).toBe(false);
  });

  it('Softmax axis -1 before opset 13 needs no coercion', () => {
    const g = load('softmax_opset11_last_axis.onnx');
    expect(g.nodes.map((n) => [n.opType, n.attributes])).toEqual([['Softmax', { axis: -1 }]]);
  });

  it('Clip-6 attributes become inputs', () => {
    const g = load('clip6.onnx');
    const both = nodeNamed(g, 'clip_both');
    const maxOnly = nodeNamed(g, 'clip_max');
    expect(both.attributes).toEqual({});
    expect(both.inputs.length).toBe(3);
    expect(g.initializers.get(both.inputs[1])).toEqual(tensor([], [-1]));
    expect(g.initializers.get(both.inputs[2])).toEqual(tensor([], [2]));
    expect(maxOnly.inputs[1]).toBe('');
    expect(g.initializers.get(maxOnly.inputs[2])).toEqual(tensor([], [1.5]));
    const y = runGraphCpu(g, { x: tensor([5], [-3, -1, 0.5, 1.7, 5]) }).get('y')!;
    expect(y).toEqual(tensor([5], [-1, -1, 0.5, 1.5, 1.5]));
  });

  it('opset 9 forms: Upsample, Slice-1, Pad-2, Squeeze/Unsqueeze attributes, Dropout-7 mask', () => {
    const { graph: g } = importOnnxGraph(fixture('legacy_opset9.onnx'), { checkOps: false });
    const up = nodeNamed(g, 'up');
    expect(up.opType).toBe('Resize');
    expect(up.inputs).toEqual(['x', '', 'scales']);
    expect(up.attributes).toEqual({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    const slice = nodeNamed(g, 'slice');
    expect(slice.attributes).toEqual({});
    const [starts, ends, axes] = slice.inputs.slice(1).map((v) => g.initializers.get(v)!);
    expect(starts).toEqual(int64Tensor([1], [1]));
    expect(Array.from(ends.data as BigInt64Array)).toEqual([2n ** 63n - 1n]);
    expect(axes).toEqual(int64Tensor([1], [3]));
    const pad = nodeNamed(g, 'pad');
    expect(pad.attributes).toEqual({});
    expect(g.initializers.get(pad.inputs[1])).toEqual(int64Tensor([8], [0, 0, 1, 1, 0, 0, 1, 1]));
    expect(g.initializers.get(pad.inputs[2])).toEqual(tensor([], [0.5]));
    for (const name of ['unsqueeze', 'squeeze']) {
      const n = nodeNamed(g, name);
      expect(n.attributes).toEqual({});
      expect(g.initializers.get(n.inputs[1])).toEqual(int64Tensor([1], [0]));
    }
    const drop = nodeNamed(g, 'drop');
    expect(drop.outputs).toEqual(['y']);
    expect(drop.attributes).toEqual({});
    // Run it: [[1,2],[3,4]] upsampled x2 (nearest, floor) -> [[1,1,2,2],[1,1,2,2],[3,3,4,4],[3,3,4,4]];
    // columns 1.. -> [[1,2,2],[1,2,2],[3,4,4],[3,4,4]]; padded by 1 all round with 0.5.
    const y = runGraphCpu(load('legacy_opset9.onnx'), { x: tensor([1, 1, 2, 2], [1, 2, 3, 4]) }).get('y')!;
    const p = 0.5;
    expect(y).toEqual(
      tensor([1, 1, 6, 5], [p, p, p, p, p, p, 1, 2, 2, p, p, 1, 2, 2, p, p, 3, 4, 4, p, p, 3, 4, 4, p, p, p, p, p, p]),
    );
  });

  it('Resize-10 takes Upsample sampling; Resize-11 placeholders become omitted inputs', () => {
    const r10 = nodeNamed(importOnnxGraph(fixture('resize10.onnx'), { checkOps: false }).graph, 'rs');
    expect(r10.inputs).toEqual(['x', '', 'scales']);
    expect(r10.attributes).toEqual({ mode: 'linear', coordinate_transformation_mode: 'asymmetric' });
    const r11 = nodeNamed(importOnnxGraph(fixture('resize11.onnx'), { checkOps: false }).graph, 'rs');
    expect(r11.inputs).toEqual(['x', '', '', 'sizes']);
    expect(r11.attributes).toEqual({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    // Linear, asymmetric: output column j samples input column j/2 (clamped at the edge), rows alike.
    const y10 = runGraphCpu(load('resize10.onnx'), { x: tensor([1, 1, 2, 2], [1, 2, 3, 4]) }).get('y')!;
    expect(y10).toEqual(tensor([1, 1, 4, 4], [1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4]));
    // Nearest, asymmetric, floor, sizes [1,1,4,6]: out[i][j] = x[floor(i/2)][floor(j/2)].
    const y11 = runGraphCpu(load('resize11.onnx'), { x: tensor([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]) }).get('y')!;
    expect(y11).toEqual(tensor([1, 1, 4, 6], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]));
  });

  it('ReduceMean-18 constant axes input becomes the attribute', () => {
    const g = load('reduce_opset18.onnx');
    const gap = nodeNamed(g, 'gap');
    expect(gap.inputs).toEqual(['x']);
    expect(gap.attributes).toEqual({ keepdims: 1, axes: [2, 3] });
    const y = runGraphCpu(g, { x: tensor([1, 2, 2, 2], [1, 2, 3, 4, -1, -1, -1, 3]) }).get('y')!;
    expect(y).toEqual(tensor([1, 2, 1, 1], [2.5, 0]));
  });

  it('a PyTorch export at opset 11 (x.view(n, -1) shape subgraph, Gemm, Sub/Div, Transpose) matches torch', () => {
    const g = load('torch_flatten_head_opset11.onnx');
    expect(g.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3, 2, 2] }]);
    const unsqueeze = g.nodes.find((n) => n.opType === 'Unsqueeze')!;
    expect(g.initializers.get(unsqueeze.inputs[1])).toEqual(int64Tensor([1], [0]));
    const y = runGraphCpu(g, { x: readNpy(fixture('torch_flatten_head_input.npy')) }).get('y')!;
    expectClose(y, readNpy(fixture('torch_flatten_head_expected.npy')), 1e-6, 1e-5);
  });
});

describe('malformed files', () => {
  it('refuses a truncated file', () => {
    const bytes = fixture('torch_flatten_head_opset11.onnx');
    const message = errorOf(() => importOnnx(bytes.subarray(0, Math.floor(bytes.length / 2)), { name: 'half.onnx' }));
    expect(message).toMatch(/^half\.onnx: not an ONNX model: /);
    expect(message).toMatch(/truncated/);
  });

  it('refuses bytes that are not a model', () => {
    expect(errorOf(() => importOnnx(new TextEncoder().encode('{"this": "is json"}')))).toMatch(/not an ONNX model/);
    expect(errorOf(() => importOnnx(new Uint8Array(0)))).toMatch(/not an ONNX model: the file is empty/);
    expect(errorOf(() => importOnnx(readFileSync(new URL('./fixtures/onnx/softmax_input.npy', import.meta.url))))).toMatch(/not an ONNX model/);
  });
});

// onnx.proto field numbers, for models built byte by byte.
const onnxModel = (...graph: Field[]) => bytes(varintField(1, 8), messageField(7, ...graph), messageField(8, stringField(1, ''), varintField(2, 17)));
const FLOAT = 1, INT8 = 3, INT64 = 7;
const ATTRIBUTE_INTS = 7;
/** A graph input: ValueInfoProto { name, type { tensor_type { elem_type, shape { dim... } } } }. */
const graphInput = (name: string, dims: Field[][]) =>
  messageField(11, stringField(1, name), messageField(2, messageField(1, varintField(1, FLOAT), messageField(2, ...dims.map((d) => messageField(1, ...d))))));
const graphOutput = (name: string) => messageField(12, stringField(1, name));

describe('decoding the protobuf (src/import/onnx-proto.ts)', () => {
  it('reads dims, int64_data and INTS packed or unpacked alike, skips unknown fields, keeps symbolic and unknown dims', () => {
    const docString = (field: number) => stringField(field, 'ignored');
    const bytesOfModel = onnxModel(
      // Node 'perm_packed': Transpose, perm packed; node 'perm_unpacked': perm one varint each, plus a doc_string and a future field.
      messageField(1, stringField(1, 'x'), stringField(2, 't1'), stringField(3, 'perm_packed'), stringField(4, 'Transpose'),
        messageField(5, stringField(1, 'perm'), varintField(20, ATTRIBUTE_INTS), packedVarints(8, [1, 0]), varintField(99, 1))),
      messageField(1, stringField(1, 't1'), stringField(2, 't2'), stringField(3, 'perm_unpacked'), stringField(4, 'Transpose'), docString(6),
        messageField(5, stringField(1, 'perm'), varintField(20, ATTRIBUTE_INTS), varintField(8, 1), varintField(8, 0))),
      messageField(1, stringField(1, 't2'), stringField(1, 'shape_a'), stringField(2, 'y'), stringField(3, 'reshape'), stringField(4, 'Reshape')),
      docString(10),
      // shape_a: dims unpacked, int64_data packed; shape_b: dims packed, int64_data unpacked (and -1, ten bytes); metadata_props (16, newer) skipped.
      messageField(5, varintField(1, 2), varintField(2, INT64), stringField(8, 'shape_a'), packedVarints(7, [3, 2]), docString(12)),
      messageField(5, packedVarints(1, [2]), varintField(2, INT64), stringField(8, 'shape_b'), varintField(7, -1), varintField(7, 2),
        messageField(16, stringField(1, 'k'), stringField(2, 'v'))),
      graphInput('x', [[stringField(2, 'n')], [], [varintField(1, 3)]]),
      graphOutput('y'),
      // value_info (13) is not read.
      messageField(13, stringField(1, 't1')),
    );
    const { graph } = importOnnxGraph(Uint8Array.from([...bytesOfModel, ...messageField(14, stringField(1, 'meta'), stringField(2, 'data'))]), { checkOps: false });
    expect(graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['n', 'x.dim1', 3] }]);
    expect(nodeNamed(graph, 'perm_packed').attributes).toEqual({ perm: [1, 0] });
    expect(nodeNamed(graph, 'perm_unpacked').attributes).toEqual({ perm: [1, 0] });
    expect(graph.initializers.get('shape_a')).toEqual(int64Tensor([2], [3, 2]));
    expect(graph.initializers.get('shape_b')).toEqual(int64Tensor([2], [-1, 2]));
  });

  it('reads raw_data at an odd offset, into memory of the tensor\'s own; negative int32_data values', () => {
    const weights = new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer);
    const model = onnxModel(
      messageField(5, varintField(1, 3), varintField(2, FLOAT), stringField(8, 'w'), lenField(9, weights)),
      // INT8 -128 and 5 in int32_data: -128 is a ten-byte varint.
      messageField(5, varintField(1, 2), varintField(2, INT8), stringField(8, 'small'), packedVarints(5, [-128, 5])),
    );
    const at = model.findIndex((_, i) => weights.every((b, k) => model[i + k] === b));
    expect(at % 4).not.toBe(0);
    const graph = importOnnx(model);
    expect(graph.initializers.get('w')).toEqual(tensor([3], [1.5, -2, 3.25]));
    expect(graph.initializers.get('small')).toEqual(int32Tensor([2], [-128, 5]));
    model.fill(0);
    expect(graph.initializers.get('w')).toEqual(tensor([3], [1.5, -2, 3.25]));
  });

  it('names the field path and byte offset of truncated data', () => {
    const model = onnxModel(messageField(5, varintField(1, 4), varintField(2, FLOAT), stringField(8, 'w'), lenField(9, new Uint8Array(16))));
    const message = errorOf(() => importOnnx(model.subarray(0, model.length - 20), { name: 'cut.onnx' }));
    expect(message).toMatch(/^cut\.onnx: not an ONNX model: protobuf decoding failed \(the file looks truncated\): ModelProto\.graph, at byte 3: /);
    // Bytes: 08 08 (ir_version), 3a <graph length> at 2-3, 2a <initializer length> at 4-5. An initializer claiming
    // 100 bytes more than its graph holds overruns the graph, not the data: the path names both.
    const inner = new Uint8Array(model);
    inner[5] += 100;
    expect(errorOf(() => importOnnx(inner))).toMatch(/ModelProto\.graph > GraphProto\.initializer, at byte 5: the length of an embedded message is \d+ bytes, but only \d+ remain before the end of its enclosing message/);
  });
});

describe('plan-time glue ops (no GPU kernel: their outputs are known when the model is planned)', () => {
  const cpu = (opType: string, inputs: (Tensor | undefined)[], attributes = {}) => runOpCpu({ opType, inputs, attributes })[0];

  it('Shape with start/end (Shape-15)', () => {
    const x = tensor([2, 3, 5, 7], new Float32Array(210));
    expect(cpu('Shape', [x])).toEqual(int64Tensor([4], [2, 3, 5, 7]));
    expect(cpu('Shape', [x], { start: 1, end: -1 })).toEqual(int64Tensor([2], [3, 5]));
    expect(cpu('Shape', [x], { start: -10, end: 10 })).toEqual(int64Tensor([4], [2, 3, 5, 7]));
    expect(cpu('Shape', [x], { start: 3, end: 1 })).toEqual(int64Tensor([0], []));
  });

  it('Constant in every supported form', () => {
    expect(cpu('Constant', [], { value: int32Tensor([2], [4, 5]) })).toEqual(int32Tensor([2], [4, 5]));
    expect(cpu('Constant', [], { value_float: 1.5 })).toEqual(tensor([], [1.5]));
    expect(cpu('Constant', [], { value_floats: [1.5, -2] })).toEqual(tensor([2], [1.5, -2]));
    expect(cpu('Constant', [], { value_int: -3 })).toEqual(int64Tensor([], [-3]));
    expect(cpu('Constant', [], { value_ints: [1, 2, 3] })).toEqual(int64Tensor([3], [1, 2, 3]));
    expect(errorOf(() => cpu('Constant', [], { value_string: 'a' }))).toMatch(/Constant.*value_string='a'.*not supported/);
    expect(errorOf(() => cpu('Constant', [], { value_int: 1, value_float: 2 }))).toMatch(/exactly one/);
  });

  it('ConstantOfShape (default float 0, typed value, scalar shape)', () => {
    expect(cpu('ConstantOfShape', [int64Tensor([2], [2, 3])])).toEqual(tensor([2, 3], [0, 0, 0, 0, 0, 0]));
    expect(cpu('ConstantOfShape', [int64Tensor([1], [3])], { value: int64Tensor([1], [7]) })).toEqual(int64Tensor([3], [7, 7, 7]));
    expect(cpu('ConstantOfShape', [int64Tensor([0], [])], { value: tensor([1], [2.5]) })).toEqual(tensor([], [2.5]));
    expect(errorOf(() => cpu('ConstantOfShape', [int64Tensor([2], [2, -1])]))).toMatch(/ConstantOfShape.*input.*negative/);
  });

  it('Range for int64, int32 and float32, counting down, and empty', () => {
    const i64 = (v: number) => int64Tensor([], [v]);
    expect(cpu('Range', [i64(1), i64(10), i64(3)])).toEqual(int64Tensor([3], [1, 4, 7]));
    expect(cpu('Range', [i64(5), i64(-1), i64(-2)])).toEqual(int64Tensor([3], [5, 3, 1]));
    expect(cpu('Range', [i64(3), i64(3), i64(1)])).toEqual(int64Tensor([0], []));
    expect(cpu('Range', [int32Tensor([], [0]), int32Tensor([], [4]), int32Tensor([], [2])])).toEqual(int32Tensor([2], [0, 2]));
    expect(cpu('Range', [tensor([], [0.5]), tensor([], [2]), tensor([], [0.5])])).toEqual(tensor([3], [0.5, 1, 1.5]));
    expect(errorOf(() => cpu('Range', [i64(0), i64(3), i64(0)]))).toMatch(/Range.*input delta is 0/);
    expect(errorOf(() => cpu('Range', [i64(0), tensor([], [3]), i64(1)]))).toMatch(/Range.*input limit.*float32/);
  });

  it('infer() gives their values, and gpu() refuses naming the node', () => {
    const def = findOp('Shape')!;
    const node = { name: 'shape_of_x', opType: 'Shape', attributes: {} };
    const attrs = def.parse(node);
    const { outputs: [info], resolved } = def.infer(attrs, [{ dtype: 'float32', shape: [1, 3, 8, 8] }], node);
    expect(info!.value).toEqual(int64Tensor([4], [1, 3, 8, 8]));
    expect(errorOf(() => def.gpu(resolved, [{ dtype: 'float32', shape: [1, 3, 8, 8] }], [info!], { cpuLike: true }, node))).toMatch(
      /node 'shape_of_x' \(Shape\): Shape has no GPU kernel: it runs at plan time/,
    );
  });
});
