/**
 * Half precision as fp16 models need it: the rounding a Cast to FLOAT16 applies (src/core/float16.ts)
 * on the edges compareTensors cannot see (infinities, NaN, signed zeros), on the CPU and bit for
 * bit on the GPU (shaders/cast.wgsl), and the decoding importers use.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../src/io/npy.js';
import { compareTensors } from './util/compare.js';
import { segwgpu } from './util/run.js';
import { float16ToNumber, roundToFloat16 } from '../src/core/float16.js';
import { tensor } from '../src/core/tensor.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { runOpCpu } from '../src/ops/call.js';
import { testGpu } from './util/gpu.js';

// Inputs and what a Cast to FLOAT16 makes of them (IEEE 754 binary16, round to nearest even).
const EDGES: [number, number][] = [
  [65519.99, 65504], // below the halfway point 65520
  [65520, Infinity], // halfway to 65536, which does not exist: overflow
  [-1e10, -Infinity],
  [Infinity, Infinity],
  [-Infinity, -Infinity],
  [-0, -0],
  [-(2 ** -26), -0], // below half the smallest subnormal: a signed zero
  [2 ** -14, 2 ** -14], // the smallest normal half
  [2 ** -14 - 2 ** -25, 2 ** -14], // largest subnormal + half a step: tie, to the even (normal) one
  [3 * 2 ** -25, 2 ** -23], // 1.5 subnormal steps: tie, to the even count (2)
];

describe('Cast to FLOAT16', () => {
  it('rounds the edges on the CPU: overflow to infinity, signed zeros, subnormal ties to even', () => {
    for (const [v, want] of EDGES) expect([v, roundToFloat16(v)]).toEqual([v, want]);
    expect(roundToFloat16(NaN)).toBeNaN();
    // Every half is its own rounding, and decodes to itself.
    for (let h = 0; h < 0x10000; h += 7) {
      const value = float16ToNumber(h);
      if (!Number.isNaN(value)) expect(Object.is(roundToFloat16(value), value)).toBe(true);
    }
  });

  it('gives the same bits on the GPU as on the CPU, edges and NaN included', async () => {
    const x = tensor([EDGES.length + 1], [...EDGES.map(([v]) => v), NaN]);
    const call = { opType: 'Cast', attributes: { to: 10 }, inputs: [x] };
    const [cpu] = runOpCpu(call);
    const [gpu] = await runOpGpu(await testGpu(), call);
    const bits = (t: typeof cpu) => Array.from(new Uint32Array((t!.data as Float32Array).slice().buffer)).map((b) => b.toString(16));
    // NaN payloads may differ; the rest must match bit for bit (the sign of zero too).
    const cpuBits = bits(cpu).slice(0, EDGES.length);
    expect(bits(gpu).slice(0, EDGES.length)).toEqual(cpuBits);
    expect(Number.isNaN((gpu!.data as Float32Array)[EDGES.length])).toBe(true);
  });
});

describe('an fp16 graph (test/fixtures/onnx/fp16_cast.onnx: Cast to FLOAT16, Relu, Cast to FLOAT)', () => {
  const FIXTURES = 'test/fixtures/onnx';
  const model = join(FIXTURES, 'fp16_cast.onnx');
  const work = mkdtempSync(join(tmpdir(), 'segwgpu-fp16-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)));

  it.each(['webgpu', 'cpu'])('segwgpu run --backend %s gives numpy\'s float16 values exactly', async (backend) => {
    const out = join(work, backend);
    const r = await segwgpu(['run', model, '--input', `x=${join(FIXTURES, 'fp16_cast_x.npy')}`, '--output-dir', out, '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
    const c = compareTensors(npy(join(out, 'y.npy')), npy(join(FIXTURES, 'fp16_cast_expected.npy')), { atol: 0, rtol: 0 });
    expect(c.ok, c.message).toBe(true);
  });

  it('segwgpu info says which precision the plan computes in', async () => {
    const r = await segwgpu(['info', model]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^precision: float32 compute and storage; 1 Cast to FLOAT16 round values to half precision there/m);
  });
});
