/**
 * Quantized ONNX graphs end to end (test/fixtures/onnx/, from scripts/make_onnx_import_fixtures.py
 * with numpy references of the ONNX definitions): ISNet small's pattern (DynamicQuantizeLinear ->
 * ConvInteger -> Cast -> Mul -> Add), a QDQ graph and MatMulInteger, through `segwgpu run` on both
 * backends. onnxruntime-web (wasm) runs each fixture too, so the expectations have two independent
 * sources. The ops' own edges (ties, saturation, per-channel parameters) are in test/cases/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/core/tensor.js';
import { readNpy } from '../src/io/npy.js';
import { compareTensors } from './util/compare.js';
import { segwgpu } from './util/run.js';

const FIXTURES = 'test/fixtures/onnx';
const npy = (path: string): Tensor => readNpy(new Uint8Array(readFileSync(path)));
const exact = { atol: 0, rtol: 0 };

interface QuantizedFixture {
  readonly model: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** Output name -> expectation file and tolerance against it. */
  readonly outputs: Readonly<Record<string, { readonly file: string; readonly tolerance: { atol: number; rtol: number } }>>;
  readonly onnxType: Readonly<Record<string, 'uint8' | 'float32'>>;
}

const FIXTURE_LIST: readonly QuantizedFixture[] = [
  {
    model: 'isnet_int8',
    inputs: { x: 'isnet_int8_x' },
    // Every float step is one correctly rounded f32 operation in the graph's order: exact.
    outputs: { y: { file: 'isnet_int8_expected', tolerance: exact } },
    onnxType: { x: 'float32' },
  },
  {
    model: 'qdq',
    inputs: { x: 'qdq_x' },
    // y is a float32 Conv of dequantized values against a float64 sum of 36 products up to ~2.
    outputs: { xq: { file: 'qdq_expected_xq', tolerance: exact }, y: { file: 'qdq_expected_y', tolerance: { atol: 1e-4, rtol: 1e-5 } } },
    onnxType: { x: 'float32' },
  },
  {
    model: 'matmul_integer',
    inputs: { a: 'matmul_integer_a' },
    outputs: { y: { file: 'matmul_integer_expected', tolerance: exact } },
    onnxType: { a: 'uint8' },
  },
];

describe('quantized ONNX graphs (fixtures with numpy expectations)', () => {
  const work = mkdtempSync(join(tmpdir(), 'segwgpu-quantized-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const f of FIXTURE_LIST) {
    const model = join(FIXTURES, `${f.model}.onnx`);
    const inputArgs = Object.entries(f.inputs).flatMap(([name, file]) => ['--input', `${name}=${join(FIXTURES, `${file}.npy`)}`]);

    it.each(['webgpu', 'cpu'])(`${f.model}: segwgpu run --backend %s gives the expected values`, async (backend) => {
      const out = join(work, `${f.model}-${backend}`);
      const r = await segwgpu(['run', model, ...inputArgs, '--output-dir', out, '--backend', backend]);
      expect(r.code, r.stderr).toBe(0);
      for (const [name, { file, tolerance }] of Object.entries(f.outputs)) {
        const c = compareTensors(npy(join(out, `${name}.npy`)), npy(join(FIXTURES, `${file}.npy`)), tolerance);
        expect(c.ok, `${name}: ${c.message}`).toBe(true);
      }
    });

    it(`${f.model}: onnxruntime-web (wasm) agrees with the expectation`, async () => {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(readFileSync(model), { executionProviders: ['wasm'] });
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, file] of Object.entries(f.inputs)) {
        const t = npy(join(FIXTURES, `${file}.npy`));
        const data = f.onnxType[name] === 'uint8' ? Uint8Array.from(t.data as Int32Array) : (t.data as Float32Array);
        feeds[name] = new ort.Tensor(f.onnxType[name]!, data, [...t.shape]);
      }
      const results = await session.run(feeds);
      for (const [name, { file, tolerance }] of Object.entries(f.outputs)) {
        const expected = npy(join(FIXTURES, `${file}.npy`));
        const got = results[name]!;
        const data = expected.dtype === 'float32' ? Float32Array.from(got.data as Float32Array) : Int32Array.from(got.data as ArrayLike<number>);
        const c = compareTensors({ dtype: expected.dtype, shape: [...got.dims], data } as Tensor, expected, tolerance);
        expect(c.ok, `${name}: ${c.message}`).toBe(true);
      }
    });
  }
});
