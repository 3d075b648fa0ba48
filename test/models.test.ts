/**
 * Whole models from PyTorch (test/fixtures/models/, scripts/make_model_fixtures.py) through the
 * segwgpu command line: `run` on both backends matches PyTorch within 1e-3 of the output's
 * magnitude, `validate` passes, and fails (exit 1, naming the output) on a perturbed expectation;
 * `info` reports the planned peak against its lower bound.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { segwgpu } from './util/run.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { compareOutputs } from '../src/validate/compare.js';

const FIXTURES = 'test/fixtures/models';
const MODELS = ['unet', 'unet_unfolded', 'unet_opset11', 'fcn8s', 'fcn16s', 'fcn32s', 'segnet', 'segnet_odd'];
const work = mkdtempSync(join(tmpdir(), 'segwgpu-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)));

describe.each(MODELS)('model fixture %s', (name) => {
  const model = join(FIXTURES, `${name}.onnx`);
  const input = `input=${join(FIXTURES, `${name}.input.npy`)}`;
  const expected = npy(join(FIXTURES, `${name}.expected.npy`));

  it.each(['webgpu', 'cpu'])('segwgpu run --backend %s matches PyTorch', async (backend) => {
    const out = join(work, `${name}-${backend}`);
    const r = await segwgpu(['run', model, '--input', input, '--output-dir', out, '--backend', backend]);
    expect(r.code, r.stderr).toBe(0);
    if (backend === 'webgpu') expect(r.stdout).toMatch(/adapter: /);
    expect(readdirSync(out)).toEqual(['output.npy']);
    const c = compareOutputs(npy(join(out, 'output.npy')), expected, { atol: 0, rtol: 1e-3 });
    expect(c.withinTolerance, `max abs ${c.maxAbsError} vs magnitude ${c.magnitude}`).toBe(true);
  });

  it('segwgpu validate passes against the PyTorch output', async () => {
    const r = await segwgpu(['validate', model, '--input', input, '--expected', `output=${join(FIXTURES, `${name}.expected.npy`)}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/validate: all outputs within tolerance/);
  });
});

describe('segwgpu validate', () => {
  it('exits 1 and names the output when the expected file is perturbed', async () => {
    const e = npy(join(FIXTURES, 'fcn8s.expected.npy'));
    const data = Float32Array.from(e.data as Float32Array);
    data[1234] += 0.5;
    const perturbed = join(work, 'perturbed.npy');
    writeFileSync(perturbed, writeNpy({ ...e, data }));
    const r = await segwgpu(['validate', join(FIXTURES, 'fcn8s.onnx'), '--input', `input=${join(FIXTURES, 'fcn8s.input.npy')}`, '--expected', `output=${perturbed}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/output 'output' webgpu vs expected: .*OUT OF TOLERANCE/);
    expect(r.stdout).toMatch(/validate: FAILED/);
  });

  it('--per-node reports that every node is within tolerance', async () => {
    const r = await segwgpu(['validate', join(FIXTURES, 'segnet.onnx'), '--input', `input=${join(FIXTURES, 'segnet.input.npy')}`, '--per-node']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/per-node: all \d+ nodes within tolerance/);
  });

  it('exits 2 with a clear message on a missing input file', async () => {
    const r = await segwgpu(['validate', join(FIXTURES, 'unet.onnx'), '--input', `input=${join(work, 'nope.npy')}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read input file for 'input' '.*nope\.npy': ENOENT/);
  });
});

describe('segwgpu run', () => {
  it('refuses a wrongly shaped input before writing anything', async () => {
    const out = join(work, 'bad-shape');
    const bad = join(work, 'bad.npy');
    writeFileSync(bad, writeNpy({ dtype: 'float32', shape: [1, 3, 32, 64], data: new Float32Array(3 * 32 * 64) }));
    const r = await segwgpu(['run', join(FIXTURES, 'unet.onnx'), '--input', `input=${bad}`, '--output-dir', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input 'input': dimension 2 is 32, the model fixes it to 64/);
    expect(() => readdirSync(out)).toThrow();
  });
});

describe('segwgpu info', () => {
  it('reads TFLite models too (told apart by their bytes)', async () => {
    const r = await segwgpu(['info', 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/output \S+: float32 \[1x1x256x256\]/);
  });

  it('exits 2 naming a file that is not a model', async () => {
    const bad = join(work, 'bad.onnx');
    writeFileSync(bad, 'garbage\n');
    const r = await segwgpu(['info', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.onnx: not an ONNX model/);
  });

  it('prints shapes, MACs, receptive fields and a U-Net peak within 1.1x of its lower bound', async () => {
    const r = await segwgpu(['info', join(FIXTURES, 'unet.onnx')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/output output: float32 \[1x3x64x64\]/);
    expect(r.stdout).toMatch(/MACs: \d+/);
    const m = /planned peak activation memory: .* \((\d+) bytes\); lower bound .* \((\d+) bytes\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [peak, bound] = [Number(m![1]), Number(m![2])];
    expect(peak).toBeGreaterThanOrEqual(bound);
    expect(peak / bound).toBeLessThanOrEqual(1.1);
  });
});
