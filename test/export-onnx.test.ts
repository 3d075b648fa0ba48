/**
 * The ONNX export (src/export/): the protobuf writer against the reader; round trips (export,
 * re-import with importOnnx, the CPU reference on both with the same inputs: bitwise equal) for
 * every built-in model, every ONNX fixture the importer takes (the model fixtures, the op and
 * quantized ones), the tfjs fixtures and TFLite builder models; onnxruntime-web's wasm EP
 * (single-threaded) on exported segmentation graphs against the CPU reference of the wrapped
 * graph; the refusals; and `segwgpu export` (runExport, called directly: main.ts does not
 * register the command yet).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedError } from '../src/core/errors.js';
import { int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import { importOnnx } from '../src/import/onnx.js';
import { decodeModelProto } from '../src/import/onnx-proto.js';
import { ProtobufReader } from '../src/import/protobuf.js';
import { importTflite } from '../src/import/tflite.js';
import { importTfjs, readTfjsModelJson, tfjsWeightPaths } from '../src/import/tfjs.js';
import { readNpy } from '../src/io/npy.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { optimizeGraph } from '../src/passes/index.js';
import { resolveInputShapes } from '../src/shapes/infer.js';
import { GraphBuilder } from '../src/builders/graph-builder.js';
import { BUILTIN_MODELS } from '../src/api/builtin-models.js';
import { wrapForSegmentation, WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../src/segment/wrap.js';
import { alignedRowWords, packRgba } from '../src/segment/pack.js';
import { exportOnnx, exportOnnxModel, exportSegmentationOnnx, float32AtMost, type OnnxExport } from '../src/export/onnx-export.js';
import { ProtobufWriter } from '../src/export/protobuf-writer.js';
import { EXPORT, runExport } from '../src/cli/export-command.js';
import { parseCommand } from '../src/cli/args.js';
import { buildTflite, type ModelSpec } from './fixtures/tflite/builder.js';
import { paddedSoftmaxTfliteModel, sixtyFourths, smallTfliteModel } from './fixtures/tflite/small-model.js';
import { compareTensors } from './util/compare.js';
import { randomTensor, rng } from './util/random.js';

type Ort = typeof import('onnxruntime-web');
let ortModule: Ort | undefined;
/** onnxruntime-web's Node build (wasm EP), single-threaded as every test here runs it. */
async function ort(): Promise<Ort> {
  if (!ortModule) {
    ortModule = await import('onnxruntime-web');
    ortModule.env.wasm.numThreads = 1;
    ortModule.env.logLevel = 'error';
  }
  return ortModule;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Random inputs for a graph: float32 in [-1, 1), symbolic dims given by `sizes` (default 2). */
function randomInputs(graph: Graph, seed: number, sizes: Readonly<Record<string, number>> = {}): Record<string, Tensor> {
  return Object.fromEntries(graph.inputs.map((input, k) => [input.name, randomTensor(input.shape.map((d) => (typeof d === 'number' ? d : (sizes[d] ?? 2))), seed + k)]));
}

/** Same dtype, shape and every element (Object.is: -0 and NaN count). */
function expectSameValues(actual: Tensor, expected: Tensor, label: string): void {
  expect(actual.dtype, label).toBe(expected.dtype);
  expect(actual.shape, label).toEqual(expected.shape);
  const a = actual.data as ArrayLike<number | bigint>;
  const e = expected.data as ArrayLike<number | bigint>;
  let first = -1;
  let count = 0;
  for (let i = 0; i < e.length; i++) {
    if (!Object.is(a[i], e[i])) {
      count++;
      if (first < 0) first = i;
    }
  }
  expect(count, `${label}: ${count}/${e.length} elements differ, first at ${first}: ${a[first]} vs ${e[first]}`).toBe(0);
}

interface RoundTrip {
  readonly exported: OnnxExport;
  readonly back: Graph;
  /** The CPU reference's outputs of the original graph. */
  readonly outputs: Record<string, Tensor>;
}

/**
 * Exports, re-imports and runs both graphs on the CPU reference with the same inputs: every
 * output bitwise equal, except `inexact` outputs, which must agree to a few float32 ulps (see
 * where it is used). The decoded ModelProto is checked too: ir_version 8, opset 17 only.
 */
function roundTrip(graph: Graph, inputs: Readonly<Record<string, Tensor>>, inexact: readonly string[] = []): RoundTrip {
  const exported = exportOnnxModel(graph);
  const proto = decodeModelProto(exported.bytes);
  expect(proto.irVersion).toBe(8n);
  expect(proto.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 17n]]);
  expect(proto.graph!.node.every((n) => n.domain === '')).toBe(true);
  const back = importOnnx(exported.bytes, { name: graph.name });
  expect(back.inputs.map((i) => i.name)).toEqual(graph.inputs.map((i) => i.name));
  expect(back.outputs).toEqual(graph.outputs);
  const original = runGraphCpu(graph, inputs);
  const again = runGraphCpu(back, inputs);
  for (const output of graph.outputs) {
    if (inexact.includes(output)) {
      const c = compareTensors(again[output]!, original[output]!, { atol: 1e-6, rtol: 1e-6 });
      expect(c.ok, `${graph.name} '${output}': ${c.message}`).toBe(true);
    } else {
      expectSameValues(again[output]!, original[output]!, `${graph.name} '${output}'`);
    }
  }
  return { exported, back, outputs: original };
}

/** Node by node, the re-imported graph has the original's nodes: op, inputs, outputs and attributes equal (Constant nodes are initializers now). */
function expectSameNodes(back: Graph, graph: Graph): void {
  const strip = (g: Graph) => g.nodes.filter((n) => n.opType !== 'Constant').map((n) => ({ name: n.name, opType: n.opType, inputs: n.inputs.filter((i, k) => i !== '' || n.inputs.slice(k).some((j) => j !== '')), outputs: n.outputs, attributes: n.attributes }));
  expect(strip(back)).toEqual(strip(graph));
}

const npy = (path: string): Tensor => readNpy(new Uint8Array(readFileSync(path)));

// ---------------------------------------------------------------------------------------------

describe('protobuf writer', () => {
  it('writes what the reader reads: varints (negative int64 as 10 bytes), floats, strings, packed lists, nested messages, large bytes', () => {
    const big = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const w = new ProtobufWriter()
      .int(1, 0)
      .int(2, 300)
      .int(3, -1)
      .int(4, 2n ** 63n - 1n)
      .int(5, -(2n ** 63n))
      .int(6, 2 ** 40)
      .float(7, 0.1)
      .string(8, 'héllo')
      .packedInts(9, [1, -2, 3n, 2 ** 35])
      .packedFloats(10, [1.5, -0, Infinity])
      .message(11, (m) => m.int(1, 7).bytes(2, big))
      .bytes(12, new Uint8Array(0));
    const bytes = w.finish();
    expect(bytes.length).toBe(w.length);
    const r = new ProtobufReader(bytes);
    const seen: Record<number, unknown> = {};
    r.fields({ name: 'Test', fields: {} }, (field, wire) => {
      if (field <= 6) seen[field] = r.int64(wire);
      else if (field === 7) seen[field] = r.float(wire);
      else if (field === 8) seen[field] = r.string(wire);
      else if (field === 9) r.repeatedInt64(wire, (seen[field] = [] as bigint[]) as bigint[]);
      else if (field === 10) r.repeatedFloat(wire, (seen[field] = [] as number[]) as number[]);
      else if (field === 11) {
        seen[field] = r.message(wire, (m) => {
          const inner: Record<number, unknown> = {};
          m.fields({ name: 'Inner', fields: {} }, (f, wt) => {
            inner[f] = f === 1 ? m.int64(wt) : Array.from(m.bytesField(wt));
            return true;
          });
          return inner;
        });
      } else seen[field] = Array.from(r.bytesField(wire));
      return true;
    });
    expect(seen).toEqual({
      1: 0n, 2: 300n, 3: -1n, 4: 2n ** 63n - 1n, 5: -(2n ** 63n), 6: 2n ** 40n,
      7: Math.fround(0.1), 8: 'héllo', 9: [1n, -2n, 3n, 2n ** 35n], 10: [1.5, -0, Infinity],
      11: { 1: 7n, 2: Array.from(big) }, 12: [],
    });
    // -1 as an int64 varint: ten bytes, the last 0x01.
    expect(Array.from(new ProtobufWriter().int(1, -1).finish())).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('refuses varints that are not integers or do not fit 64 bits', () => {
    expect(() => new ProtobufWriter().int(1, 0.5)).toThrow(/not a safe integer/);
    expect(() => new ProtobufWriter().int(1, 2n ** 64n)).toThrow(/does not fit 64 bits/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('round trips: export, re-import, the same CPU reference outputs bit for bit', () => {
  it.each(Object.keys(BUILTIN_MODELS))('built-in model %s, and onnxruntime runs it', async (name) => {
    const model = await BUILTIN_MODELS[name]!.load();
    const inputs = randomInputs(model.graph, 11);
    const { exported, outputs } = roundTrip(model.graph, inputs);
    expect(exported.inputs).toEqual(model.graph.inputs.map((i) => ({ name: i.name, type: 'float32', shape: i.shape })));
    await expectOrtMatchesCpu(exported, model.graph, inputs, { atol: 1e-4, rtol: 1e-4 }, outputs);
  }, 120_000);

  const MODEL_FIXTURES = readdirSync('test/fixtures/models').filter((f) => f.endsWith('.onnx'));
  it.each(MODEL_FIXTURES)('ONNX model fixture %s (and onnxruntime runs it)', async (file) => {
    const graph = importOnnx(new Uint8Array(readFileSync(join('test/fixtures/models', file))), { name: file });
    const inputs = { [graph.inputs[0]!.name]: npy(join('test/fixtures/models', file.replace(/\.onnx$/, '.input.npy'))) };
    const { back, exported, outputs } = roundTrip(graph, inputs);
    expectSameNodes(back, graph);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 1e-4, rtol: 1e-4 }, outputs);
  }, 60_000);

  // The op fixtures the importer takes (the others test its refusals); inputs from their .npy
  // files where they have them. Quantized: isnet_int8 (DynamicQuantizeLinear, ConvInteger), qdq
  // (QuantizeLinear to INT8, DequantizeLinear, an int32 bias), matmul_integer (a UINT8 input).
  const OP_FIXTURES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    'clip6.onnx': {}, 'fp16.onnx': {}, 'fp16_cast.onnx': { x: 'fp16_cast_x' }, 'initializers.onnx': {}, 'int64_big.onnx': {},
    'isnet_int8.onnx': { x: 'isnet_int8_x' }, 'qdq.onnx': { x: 'qdq_x' }, 'matmul_integer.onnx': { a: 'matmul_integer_a' },
    'legacy_opset9.onnx': {}, 'reduce_opset18.onnx': {}, 'resize10.onnx': {}, 'resize11.onnx': {},
    'softmax_opset11.onnx': { x: 'softmax_input' }, 'softmax_opset11_last_axis.onnx': { x: 'softmax_input' }, 'softmax_opset13.onnx': { x: 'softmax_input' },
    'torch_flatten_head_opset11.onnx': { x: 'torch_flatten_head_input' },
  };
  it.each(Object.keys(OP_FIXTURES))('ONNX op fixture %s (and onnxruntime runs it)', async (file) => {
    const graph = importOnnx(new Uint8Array(readFileSync(join('test/fixtures/onnx', file))), { name: file });
    const inputs = randomInputs(graph, 21);
    for (const [name, stem] of Object.entries(OP_FIXTURES[file]!)) inputs[name] = npy(join('test/fixtures/onnx', `${stem}.npy`));
    const { exported, back, outputs } = roundTrip(graph, inputs);
    if (file === 'fp16_cast.onnx') {
      // Cast to FLOAT16 keeps float32 storage here: exported as a Cast to FLOAT16 and one back to FLOAT.
      const casts = back.nodes.filter((n) => n.opType === 'Cast').map((n) => n.attributes.to);
      expect(casts.join()).toContain('10,1');
    } else expectSameNodes(back, graph);
    // Symbolic dims stay dim_params.
    for (const input of graph.inputs) expect(exported.inputs.find((i) => i.name === input.name)!.shape).toEqual(input.shape);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 1e-4, rtol: 1e-4 }, outputs);
  });

  it('quantized values get their 8-bit types back: the UINT8 input, the INT8 QuantizeLinear output', () => {
    const matmul = exportOnnxModel(importOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/matmul_integer.onnx'))));
    expect(matmul.inputs).toEqual([{ name: 'a', type: 'uint8', shape: [2, 3, 5] }]);
    expect(matmul.outputs).toEqual([{ name: 'y', type: 'int32', shape: [2, 3, 6] }]);
    const qdq = exportOnnxModel(importOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/qdq.onnx'))));
    expect(qdq.outputs.map((o) => [o.name, o.type])).toEqual([['xq', 'int8'], ['y', 'float32']]);
    // isnet_int8's first ConvInteger has UINT8 weights, its second INT8 ones (with a negative zero point), as the model wrote them.
    const isnet = decodeModelProto(exportOnnx(importOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/isnet_int8.onnx')))));
    const typeOf = (name: string) => isnet.graph!.initializer.find((t) => t.name === name)!.dataType;
    expect(isnet.graph!.node.filter((n) => n.opType === 'ConvInteger').map((n) => [typeOf(n.input[1]!), typeOf(n.input[3]!)])).toEqual([[2, 2], [3, 3]]);
  });

  it('symbolic dims: kept as dim_params, output dims that follow them unknown; inputShapes fixes them', () => {
    const graph = importOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/initializers.onnx')));
    expect(graph.inputs[0]!.shape).toEqual(['batch', 3]);
    const free = exportOnnxModel(graph);
    expect(free.inputs[0]!.shape).toEqual(['batch', 3]);
    expect(free.outputs[0]!.shape).toEqual([undefined, 3]);
    const fixed = exportOnnxModel(graph, { inputShapes: { x: [5, 3] } });
    expect(fixed.inputs[0]!.shape).toEqual([5, 3]);
    expect(fixed.outputs[0]!.shape).toEqual([5, 3]);
  });

  // The tfjs fixtures of test/import-tfjs.test.ts, both interface layouts. tfjs states LeakyRelu's
  // alpha in double precision (0.2); an ONNX FLOAT attribute holds Math.fround(0.2), so those
  // outputs move by an ulp or so (onnxruntime computes with the float32 alpha in any case).
  const TFJS = 'test/fixtures/tfjs';
  const TFJS_INEXACT: Readonly<Record<string, readonly string[]>> = { conv: ['leaky'], elementwise: ['leaky'] };
  it.each(readdirSync(TFJS).flatMap((name) => [[name, 'nhwc'], [name, 'nchw']] as const))('tfjs fixture %s (%s), and onnxruntime runs it', async (name, layout) => {
    const dir = join(TFJS, name);
    const model = readTfjsModelJson(readFileSync(join(dir, 'model.json')), name);
    const shards = tfjsWeightPaths(model).map((p) => new Uint8Array(readFileSync(join(dir, p))));
    const graph = importTfjs(model, shards, { name, layout });
    const inputs = randomInputs(graph, 31);
    const { back, exported, outputs } = roundTrip(graph, inputs, TFJS_INEXACT[name] ?? []);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 1e-4, rtol: 1e-4 }, outputs);
    // Where an attribute changed, it is its float32 rounding.
    const leaky = (g: Graph) => g.nodes.find((n) => n.opType === 'LeakyRelu' || n.attributes.activation === 'LeakyRelu');
    const before = leaky(graph);
    if (before) {
      const alpha = (n: GraphNode) => (n.opType === 'LeakyRelu' ? n.attributes.alpha : (n.attributes.activation_params as number[])[0]);
      const after = back.nodes.find((n) => n.opType === 'LeakyRelu' && n.name.startsWith(before.name));
      expect(after?.attributes.alpha).toBe(Math.fround(alpha(before) as number));
    }
  });

  it.each([
    ['the small NHWC model of test/import-tflite.test.ts', smallTfliteSpec],
    ['PAD, SOFTMAX, SUB with RELU_N1_TO_1, nearest resize, LEAKY_RELU, MEAN, DIV, RELU6', secondTfliteModel],
  ])('TFLite builder model: %s, and onnxruntime runs it', async (_label, make) => {
    const graph = importTflite(buildTflite(make()), { name: 'built.tflite' });
    const inputs = randomInputs(graph, 41);
    const { exported, outputs } = roundTrip(graph, inputs);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 1e-4, rtol: 1e-4 }, outputs);
  });

  it("segwgpu's own passes: a graph after optimizeGraph (activations fused into Conv by the passes) exports, expanded", async () => {
    const b = new GraphBuilder('fused', 3);
    let x = b.input('x', [1, 3, 12, 10]);
    x = b.relu(b.batchNorm(b.conv(x, 3, 8, 3, { pad: 1 }), 8));
    x = b.node('LeakyRelu', [b.conv(x, 8, 8, 3, { pad: 1 })], { alpha: 0.125 })[0]!;
    x = b.node('HardSigmoid', [b.conv(x, 8, 4, 1)], { alpha: 0.25, beta: 0.5 })[0]!;
    const graph = b.build([x]);
    const optimized = optimizeGraph(graph, resolveInputShapes(graph)).graph;
    expect(optimized.nodes.filter((n) => n.attributes.activation !== undefined).map((n) => n.attributes.activation)).toEqual(['Relu', 'LeakyRelu', 'HardSigmoid']);
    const inputs = randomInputs(graph, 51);
    const { back, exported, outputs } = roundTrip(optimized, inputs);
    expect(back.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'Conv', 'LeakyRelu', 'Conv', 'HardSigmoid']);
    await expectOrtMatchesCpu(exported, optimized, inputs, { atol: 1e-5, rtol: 1e-5 }, outputs);
  });

  it('the forms the ops accept beyond opset 17 become opset-17 ones (and onnxruntime agrees)', async () => {
    const graph = opsetFormsGraph();
    const inputs = { x: randomTensor([1, 2, 4, 6], 61, -3, 3) };
    const { exported } = roundTrip(graph, inputs);
    const proto = decodeModelProto(exported.bytes);
    const op = (name: string) => proto.graph!.node.find((n) => n.name === name)!;
    expect(op('clip').input.length).toBe(3); // min and max as inputs
    expect(op('sum').input.length).toBe(2); // ReduceSum axes as an input
    expect(op('mean').attribute.map((a) => a.name).sort()).toEqual(['axes', 'keepdims']);
    expect(op('max_all').opType).toBe('Identity'); // noop_with_empty_axes with no axes
    expect(op('pool').attribute.map((a) => a.name)).not.toContain('dilations');
    expect(proto.graph!.node.filter((n) => n.opType === 'Cast').length).toBeGreaterThanOrEqual(4);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 1e-5, rtol: 1e-5 });
  });
});

// ---------------------------------------------------------------------------------------------

/** Runs the export on onnxruntime-web (inputs converted to the exported types) and compares with the CPU reference of `graph`. */
async function expectOrtMatchesCpu(
  exported: OnnxExport,
  graph: Graph,
  inputs: Readonly<Record<string, Tensor>>,
  tolerance: { atol: number; rtol: number },
  reference?: Readonly<Record<string, Tensor>>,
): Promise<void> {
  const o = await ort();
  const session = await o.InferenceSession.create(exported.bytes, { executionProviders: ['wasm'] });
  try {
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const input of exported.inputs) {
      const t = inputs[input.name]!;
      const data =
        input.type === 'uint8' ? Uint8Array.from(t.data as Int32Array) : input.type === 'int8' ? Int8Array.from(t.data as Int32Array) : (t.data as Float32Array | Int32Array | BigInt64Array);
      feeds[input.name] = new o.Tensor(input.type, data, [...t.shape]);
    }
    const results = await session.run(feeds);
    const expected = reference ?? runGraphCpu(graph, inputs);
    for (const name of graph.outputs) {
      const got = results[name]!;
      const e = expected[name]!;
      const data = e.dtype === 'float32' ? (got.data as Float32Array) : e.dtype === 'int64' ? (got.data as BigInt64Array) : Int32Array.from(got.data as ArrayLike<number>);
      const c = compareTensors({ dtype: e.dtype, shape: [...got.dims], data } as Tensor, e, tolerance);
      expect(c.ok, `${graph.name} '${name}' on onnxruntime: ${c.message}`).toBe(true);
    }
  } finally {
    await session.release();
  }
}

/** Random RGBA bytes, the alpha bytes included (ImageToTensor must ignore them). */
function randomRgba(width: number, height: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: width * height * 4 }, () => Math.floor(next() * 256));
}

/**
 * The exported segmentation graph on onnxruntime against the CPU reference of the wrapped graph:
 * confidences within 1e-5; the category equal wherever the two best classes are more than 1e-5
 * apart (the 0.5 threshold for a probability), and such near-ties must be rare.
 */
async function expectSegmentationMatches(wrapped: Graph, bytes: Uint8Array, feed: (o: Ort) => InstanceType<Ort['Tensor']>, packed: Tensor, probability: boolean): Promise<void> {
  const o = await ort();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  let results;
  try {
    results = await session.run({ [WRAPPED_IMAGE_INPUT]: feed(o) });
  } finally {
    await session.release();
  }
  const reference = runGraphCpu(wrapped, { [WRAPPED_IMAGE_INPUT]: packed });
  const confidence = reference[WRAPPED_CONFIDENCE] as Tensor<'float32'>;
  const gotConfidence = results[WRAPPED_CONFIDENCE]!;
  expect([...gotConfidence.dims]).toEqual(confidence.shape);
  const c = compareTensors({ dtype: 'float32', shape: confidence.shape, data: gotConfidence.data as Float32Array }, confidence, { atol: 1e-5, rtol: 0 });
  expect(c.ok, `confidence: ${c.message}`).toBe(true);
  const category = reference[WRAPPED_CATEGORY] as Tensor<'int64'>;
  const gotCategory = results[WRAPPED_CATEGORY]!;
  expect(gotCategory.type).toBe('int64');
  expect([...gotCategory.dims]).toEqual(category.shape);
  const got = gotCategory.data as BigInt64Array;
  const [, classes, height, width] = confidence.shape as [number, number, number, number];
  const pixels = height * width;
  let nearTies = 0;
  for (let p = 0; p < pixels; p++) {
    let margin: number;
    if (probability) margin = Math.abs(confidence.data[p]! - 0.5);
    else {
      const scores = Array.from({ length: classes }, (_, k) => confidence.data[k * pixels + p]!).sort((a, b) => b - a);
      margin = scores[0]! - scores[1]!;
    }
    if (margin <= 1e-5) nearTies++;
    else if (got[p] !== category.data[p]) expect.fail(`category differs at pixel ${p}: ${got[p]} vs ${category.data[p]} (margin ${margin})`);
  }
  expect(nearTies).toBeLessThan(pixels / 1000);
}

describe('onnxruntime-web (wasm EP) runs the exported segmentation graph like the CPU reference', () => {
  const CASES = [
    { model: 'selfie', width: 256, height: 256, why: 'probability output at the model size (no pre-resize)' },
    { model: 'selfie', width: 217, height: 301, why: 'probability output, an odd size (pre-resize down and up)' },
    { model: 'segnet', width: 128, height: 128, why: 'logits at the model size' },
    { model: 'fcn8s', width: 131, height: 97, why: 'logits, an odd size different from the model size' },
  ] as const;

  it.each(CASES)('$model at $width x $height: $why', async ({ model: name, width, height }) => {
    const model = await BUILTIN_MODELS[name]!.load();
    const wrapped = wrapForSegmentation(model.graph, { imageHeight: height, imageWidth: width, rowWords: width, mean: model.mean, std: model.std, output: model.output });
    const rgba = randomRgba(width, height, width * height);
    const packed = packRgba(rgba, width, height, width);
    await expectSegmentationMatches(wrapped, exportSegmentationOnnx(wrapped), (o) => new o.Tensor('uint8', rgba, [height, width, 4]), packed, model.output === 'probability');
  }, 60_000);

  it('the RGBA bytes interface: uint8 [H, W, 4] in, named as the wrapped input; confidence float32 and category int64 out', async () => {
    const model = await BUILTIN_MODELS.segnet!.load();
    const wrapped = wrapForSegmentation(model.graph, { imageHeight: 50, imageWidth: 70, rowWords: 70, mean: model.mean, std: model.std });
    const exported = exportOnnxModel(wrapped, { imageInput: 'rgba-bytes' });
    expect(exported.inputs).toEqual([{ name: WRAPPED_IMAGE_INPUT, type: 'uint8', shape: [50, 70, 4] }]);
    expect(exported.outputs).toEqual([
      { name: WRAPPED_CONFIDENCE, type: 'float32', shape: [1, 21, 50, 70] },
      { name: WRAPPED_CATEGORY, type: 'int64', shape: [1, 50, 70] },
    ]);
    expect(Array.from(exportSegmentationOnnx(wrapped))).toEqual(Array.from(exported.bytes));
  });

  it('exportOnnx keeps the packed int32 words as the input, rows padded or not, unpacked by BitShift and Mod', async () => {
    const model = await BUILTIN_MODELS.selfie!.load();
    const [width, height] = [83, 61];
    const rowWords = alignedRowWords(width);
    const wrapped = wrapForSegmentation(model.graph, { imageHeight: height, imageWidth: width, rowWords, mean: model.mean, std: model.std, output: 'probability' });
    const packed = packRgba(randomRgba(width, height, 7), width, height, rowWords);
    const exported = exportOnnxModel(wrapped);
    expect(exported.inputs).toEqual([{ name: WRAPPED_IMAGE_INPUT, type: 'int32', shape: [height, rowWords] }]);
    await expectSegmentationMatches(wrapped, exported.bytes, (o) => new o.Tensor('int32', packed.data as Int32Array, [height, rowWords]), packed, true);
  }, 60_000);

  it("Threshold's rule: strictly greater (a tie is background, NaN too); a threshold float32 cannot hold compares as the reference's double does", async () => {
    const x = tensor([1, 1, 1, 7], [0.5, Math.fround(0.1), 0.1 + 1e-9, 0.09999999, NaN, 0.7, -0]);
    for (const threshold of [0.5, 0.1, -0.1, 0, -1e-50, 1e39, NaN]) {
      const graph = thresholdGraph(threshold);
      await expectOrtMatchesCpu(exportOnnxModel(graph), graph, { p: x }, { atol: 0, rtol: 0 });
    }
    // fround(0.1) > 0.1, so the reference counts x = fround(0.1) as above 0.1; a tie at 0.5 is background.
    expect(Array.from(runGraphCpu(thresholdGraph(0.1), { p: x }).mask!.data as BigInt64Array)).toEqual([1n, 1n, 1n, 0n, 0n, 1n, 0n]);
    expect(Array.from(runGraphCpu(thresholdGraph(0.5), { p: x }).mask!.data as BigInt64Array)).toEqual([0n, 0n, 0n, 0n, 0n, 1n, 0n]);
    expect([0.1, -0.1, 0, -1e-50, 1e39, 0.5].map(float32AtMost)).toEqual([0.09999999403953552, Math.fround(-0.1), 0, -(2 ** -149), 3.4028234663852886e38, 0.5]);
  });

  it('quantized fixtures: onnxruntime on the export gives the CPU reference (the uint8 input fed as bytes)', async () => {
    for (const [file, inputs, tolerance] of [
      ['isnet_int8', { x: 'isnet_int8_x' }, { atol: 0, rtol: 0 }],
      ['qdq', { x: 'qdq_x' }, { atol: 1e-4, rtol: 1e-5 }],
      ['matmul_integer', { a: 'matmul_integer_a' }, { atol: 0, rtol: 0 }],
    ] as const) {
      const graph = importOnnx(new Uint8Array(readFileSync(`test/fixtures/onnx/${file}.onnx`)), { name: file });
      const values = Object.fromEntries(Object.entries(inputs).map(([name, stem]) => [name, npy(`test/fixtures/onnx/${stem}.npy`)]));
      await expectOrtMatchesCpu(exportOnnxModel(graph), graph, values, tolerance);
    }
  });

  it('quantized types chosen from the graph: an INT8 output_dtype without a zero point, an INT8 zero point for an int32 input, QLinearConv', async () => {
    const graph = quantizedGraph();
    const exported = exportOnnxModel(graph);
    expect(exported.inputs.map((i) => [i.name, i.type])).toEqual([['x', 'float32'], ['a', 'int8'], ['image', 'float32']]);
    expect(exported.outputs.map((o) => [o.name, o.type])).toEqual([['q2', 'int8'], ['y', 'float32'], ['mm', 'int32'], ['conv_q', 'uint8'], ['conv', 'float32']]);
    const inputs = { x: randomTensor([1, 6], 71, -20, 20), a: { dtype: 'int32' as const, shape: [2, 3], data: Int32Array.of(-128, -3, 0, 5, 17, 127) }, image: randomTensor([1, 2, 5, 5], 72) };
    roundTrip(graph, inputs);
    await expectOrtMatchesCpu(exported, graph, inputs, { atol: 0, rtol: 0 });
  });
});

// ---------------------------------------------------------------------------------------------

describe('refusals: what has no exact ONNX opset-17 form fails before anything is written, naming the node', () => {
  const one = (node: Partial<GraphNode> & Pick<GraphNode, 'opType' | 'inputs'>, initializers: [string, Tensor][] = []): Graph => ({
    name: 'refused', opset: 17, inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }], outputs: ['y'], initializers: new Map(initializers),
    nodes: [{ name: 'the_node', domain: '', outputs: ['y'], attributes: {}, ...node }],
  });
  const w = tensor([2, 2, 1, 1], [1, 0, 0, 1]);

  it.each([
    ['a fused residual input (passes)', one({ opType: 'Conv', inputs: ['x', 'w', '', 'x'] }, [['w', w]]), /node 'the_node' \(Conv\): has a fourth input R, segwgpu's fused residual Add/],
    ["Mul's fused addend (passes)", one({ opType: 'Mul', inputs: ['x', 'x', 'x'] }), /node 'the_node' \(Mul\): has a third input C/],
    ["GlobalAveragePool's fused Add (passes)", one({ opType: 'GlobalAveragePool', inputs: ['x', 'x'] }), /node 'the_node' \(GlobalAveragePool\): has a second input/],
    ['another domain', one({ opType: 'FusedConv', domain: 'com.microsoft', inputs: ['x'] }), /node 'the_node' \(FusedConv\): op com.microsoft.FusedConv has no ONNX form/],
    ['AveragePool dilations (opset 19)', one({ opType: 'AveragePool', inputs: ['x'], attributes: { kernel_shape: [2, 2], dilations: [2, 2] } }), /node 'the_node' \(AveragePool\): attribute dilations=\[2, 2\] needs AveragePool-19/],
    ['a non-integer INT attribute', one({ opType: 'Dropout', inputs: ['x'], attributes: { seed: 1.5 } }), /node 'the_node' \(Dropout\): attribute seed=1.5 is not an integer/],
  ])('%s', (_label, graph, message) => {
    let error: unknown;
    try {
      exportOnnx(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(message);
  });

  it('a 16-bit QuantizeLinear (opset 21), and an int32 computed value where ConvInteger needs 8 bits', () => {
    const q: Graph = {
      name: 'q16', opset: 21, inputs: [{ name: 'x', dtype: 'float32', shape: [4] }], outputs: ['q'], initializers: new Map([['s', tensor([], [0.5])]]),
      nodes: [{ name: 'quantize16', opType: 'QuantizeLinear', domain: '', inputs: ['x', 's'], outputs: ['q'], attributes: { output_dtype: 4 } }],
    };
    expect(() => exportOnnx(q)).toThrow(/node 'quantize16' \(QuantizeLinear\): its 16-bit output \(output_dtype 4\) needs QuantizeLinear-21/);
    const c: Graph = {
      name: 'convint', opset: 17, inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 3, 3] }], outputs: ['y'],
      initializers: new Map([['w', { dtype: 'int32', shape: [1, 1, 1, 1], data: Int32Array.of(2) }]]),
      nodes: [
        { name: 'to_int', opType: 'Cast', domain: '', inputs: ['x'], outputs: ['xi'], attributes: { to: 6 } },
        { name: 'conv', opType: 'ConvInteger', domain: '', inputs: ['xi', 'w'], outputs: ['y'], attributes: {} },
      ],
    };
    expect(() => exportOnnx(c)).toThrow(/node 'conv' \(ConvInteger\) reads values 'xi'.* as a quantized \(8-bit\) tensor, but node 'to_int' \(Cast\) makes it INT32/);
  });

  it('RGBA bytes need unpadded rows; exportSegmentationOnnx needs a wrapped graph', async () => {
    const model = await BUILTIN_MODELS.segnet!.load();
    const padded = wrapForSegmentation(model.graph, { imageHeight: 20, imageWidth: 30, rowWords: 64 });
    expect(() => exportSegmentationOnnx(padded)).toThrow(/node 'pre\/unpack' \(ImageToTensor\): the packed image rows hold 64 words for 30 pixels; RGBA bytes .* need unpadded rows/);
    expect(() => exportSegmentationOnnx(model.graph)).toThrow(/has no ImageToTensor node: it was not made by wrapForSegmentation/);
  });

  it('a graph whose shapes need input values (MaxUnpool output_shape from an input): the inference error, naming the node', () => {
    const graph = importOnnx(new Uint8Array(readFileSync('test/fixtures/onnx/shape_inputs.onnx')));
    expect(() => exportOnnx(graph)).toThrow(/node 'unpool' \(MaxUnpool\): input output_shape must be a constant/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('segwgpu export', () => {
  const work = mkdtempSync(join(tmpdir(), 'segwgpu-export-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const run = (argv: string[]) => runExport(parseCommand(EXPORT, argv));

  it('writes a model file as ONNX that imports back to the same outputs', async () => {
    const out = join(work, 'segnet.onnx');
    expect(await run(['test/fixtures/models/segnet.onnx', '--out', out])).toBe(0);
    const original = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/segnet.onnx')));
    const back = importOnnx(new Uint8Array(readFileSync(out)));
    const input = npy('test/fixtures/models/segnet.input.npy');
    expectSameValues(runGraphCpu(back, { input }).output!, runGraphCpu(original, { input }).output!, 'segnet');
  });

  it('--segment WxH writes the segmentation graph with the model settings (selfie: probability, RGB in [0, 1])', async () => {
    const out = join(work, 'selfie-segment.onnx');
    expect(await run(['selfie', '--segment', '40x30', '--out', out])).toBe(0);
    const model = await BUILTIN_MODELS.selfie!.load();
    const wrapped = wrapForSegmentation(model.graph, { imageWidth: 40, imageHeight: 30, rowWords: 40, mean: model.mean, std: model.std, output: 'probability' });
    expect(Array.from(readFileSync(out))).toEqual(Array.from(exportSegmentationOnnx(wrapped)));
    // A model file with settings given.
    const custom = join(work, 'segnet-segment.onnx');
    expect(await run(['test/fixtures/models/segnet.onnx', '--segment', '64x48', '--mean', '0.5,0.5,0.5', '--std', '0.25,0.25,0.25', '--out', custom])).toBe(0);
    const segnet = importOnnx(new Uint8Array(readFileSync('test/fixtures/models/segnet.onnx')), { name: 'segnet.onnx' });
    const expected = wrapForSegmentation(segnet, { imageWidth: 64, imageHeight: 48, rowWords: 64, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    const proto = decodeModelProto(new Uint8Array(readFileSync(custom)));
    expect(proto.graph!.input.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([[WRAPPED_IMAGE_INPUT, 2]]);
    expect(proto.graph!.output.map((o) => o.name)).toEqual(expected.outputs);
    const scale = proto.graph!.initializer.find((t) => t.name === 'pre/unpack/scale')!;
    expect(Array.from(new Float32Array(new Uint8Array(scale.rawData).buffer))).toEqual([1, 1, 1].map(() => Math.fround(1 / (255 * 0.25))));
  });

  it('usage errors name the option, and write nothing', async () => {
    const out = join(work, 'never.onnx');
    await expect(run(['selfie', '--out', join(work, 'x.png')])).rejects.toThrow(/--out must name a \.onnx file/);
    await expect(run(['selfie'])).rejects.toThrow(/--out <file\.onnx> is required/);
    await expect(run(['selfie', '--segment', '640', '--out', out])).rejects.toThrow(/--segment takes an image size WxH in pixels like 640x480, got '640'/);
    await expect(run(['selfie', '--mean', '0,0,0', '--out', out])).rejects.toThrow(/--mean applies to the segmentation graph: give --segment WxH too/);
    await expect(run(['no-such-model', '--out', out])).rejects.toThrow(/'no-such-model' is neither a model file nor a built-in model/);
    expect(readdirSync(work)).not.toContain('never.onnx');
  });
});

// ---------------------------------------------------------------------------------------------
// Graphs

function thresholdGraph(threshold: number): Graph {
  return {
    name: 'threshold', opset: 17, inputs: [{ name: 'p', dtype: 'float32', shape: [1, 1, 1, 7] }], outputs: ['mask'], initializers: new Map(),
    nodes: [{ name: 'post/threshold', opType: 'Threshold', domain: 'ai.segwgpu', inputs: ['p'], outputs: ['mask'], attributes: { threshold } }],
  };
}

/** Forms the IR's ops accept that opset 17 writes otherwise (see the file comment of src/export/onnx-export.ts). */
function opsetFormsGraph(): Graph {
  const node = (name: string, opType: string, inputs: string[], outputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes });
  const int32 = (values: number[]): Tensor => ({ dtype: 'int32', shape: [values.length], data: Int32Array.from(values) });
  return {
    name: 'forms', opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 6] }],
    outputs: ['clipped', 'sum', 'mean', 'max_all', 'padded', 'half', 'double', 'dropped', 'pooled', 'flat', 'reshaped'],
    initializers: new Map<string, Tensor>([
      ['mean_axes', int64Tensor([2], [2, 3])],
      ['pads', int64Tensor([4], [1, 0, 2, 1])],
      ['pad_axes', int32([-1, 2])],
      ['ratio', tensor([], [0.5])],
      ['training', { dtype: 'int32', shape: [], data: Int32Array.of(0) }],
      ['flat_shape', int32([1, -1])],
      ['minus_one', int32([-1])],
    ]),
    nodes: [
      node('clip', 'Clip', ['x'], ['clipped'], { min: -1, max: 2 }),
      node('sum', 'ReduceSum', ['x'], ['sum'], { axes: [1], keepdims: 0 }),
      node('mean', 'ReduceMean', ['x', 'mean_axes'], ['mean'], { keepdims: 1 }),
      node('max_all', 'ReduceMax', ['x'], ['max_all'], { noop_with_empty_axes: 1 }),
      node('pad', 'Pad', ['x', 'pads', '', 'pad_axes'], ['padded'], { mode: 'reflect' }),
      node('half', 'Cast', ['x'], ['half'], { to: 10 }),
      node('double', 'Cast', ['x'], ['double'], { to: 11 }),
      node('dropout', 'Dropout', ['x', 'ratio', 'training'], ['dropped'], { seed: 3 }),
      node('pool', 'AveragePool', ['x'], ['pooled'], { kernel_shape: [2, 2], dilations: [1, 1] }),
      // An int32 constant shape (written as INT64) and a computed int32 one (a Cast to INT64).
      node('flatten', 'Reshape', ['x', 'flat_shape'], ['flat']),
      node('shape', 'Shape', ['x'], ['shape64'], { start: 1, end: 2 }),
      node('shape32', 'Cast', ['shape64'], ['shape32'], { to: 6 }),
      node('target', 'Concat', ['shape32', 'minus_one'], ['target'], { axis: 0 }),
      node('reshape', 'Reshape', ['x', 'target'], ['reshaped_2d']),
      node('unsqueeze', 'Unsqueeze', ['reshaped_2d', 'mean_axes'], ['reshaped']),
    ],
  };
}

/**
 * QuantizeLinear to INT8 (output_dtype, no zero point) -> Reshape -> DequantizeLinear; a
 * MatMulInteger on an int32 input whose zero point is negative (so the input is INT8); and a
 * QLinearConv on UINT8 activations (zero points 128 and 100) with per-channel INT8 weights.
 */
function quantizedGraph(): Graph {
  const int32 = (shape: number[], values: number[]): Tensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });
  const next = rng(81);
  const weights = int32([3, 2, 3, 3], Array.from({ length: 54 }, () => Math.floor(next() * 255) - 127));
  const node = (name: string, opType: string, inputs: string[], outputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({ name, opType, domain: '', inputs, outputs, attributes });
  return {
    name: 'quantized', opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 6] }, { name: 'a', dtype: 'int32', shape: [2, 3] }, { name: 'image', dtype: 'float32', shape: [1, 2, 5, 5] }],
    outputs: ['q2', 'y', 'mm', 'conv_q', 'conv'],
    initializers: new Map<string, Tensor>([
      ['scale', tensor([], [0.125])],
      ['shape', int64Tensor([2], [2, 3])],
      ['a_zero', int32([], [-3])],
      ['b', int32([3, 2], [-7, 3, 100, -128, 0, 55])],
      ['x_scale', tensor([], [0.0078125])],
      ['x_zero', int32([], [128])],
      ['w', weights],
      ['w_scale', tensor([3], [0.01, 0.02, 0.015])],
      ['w_zero', int32([3], [0, 0, 0])],
      ['y_scale', tensor([], [0.05])],
      ['y_zero', int32([], [100])],
      ['bias', int32([3], [-40, 7, 300])],
    ]),
    nodes: [
      node('quantize', 'QuantizeLinear', ['x', 'scale'], ['q'], { output_dtype: 3 }),
      node('reshape', 'Reshape', ['q', 'shape'], ['q2']),
      node('dequantize', 'DequantizeLinear', ['q2', 'scale'], ['y']),
      node('matmul', 'MatMulInteger', ['a', 'b', 'a_zero'], ['mm']),
      node('quantize_image', 'QuantizeLinear', ['image', 'x_scale', 'x_zero'], ['image_q']),
      node('qconv', 'QLinearConv', ['image_q', 'x_scale', 'x_zero', 'w', 'w_scale', 'w_zero', 'y_scale', 'y_zero', 'bias'], ['conv_q'], { pads: [1, 1, 1, 1] }),
      node('dequantize_conv', 'DequantizeLinear', ['conv_q', 'y_scale', 'y_zero'], ['conv']),
    ],
  };
}

/** The small NHWC model of test/import-tflite.test.ts, with seeded weights. */
function smallTfliteSpec(): ModelSpec {
  const data = (shape: number[], seed: number) => randomTensor(shape, seed).data as Float32Array;
  return smallTfliteModel({ w1: sixtyFourths(4 * 3 * 2 * 3, 12), b1: data([4], 13), dww: data([1, 3, 3, 8], 14), dwb: data([8], 15), addc: data([8], 16), tw: data([2, 3, 3, 8], 17), tb: data([2], 18) });
}

/** The second model of test/import-tflite.test.ts, with its seeded constant. */
function secondTfliteModel(): ModelSpec {
  return paddedSoftmaxTfliteModel(randomTensor([4], 32).data as Float32Array);
}
