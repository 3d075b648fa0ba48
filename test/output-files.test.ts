/**
 * Issue 13's silent-wrong-answer and output-file defects: `validate` must fail on non-finite
 * differences (NaN compares false with everything, and an Inf in the reference made every error
 * "allowed"), and `run` must write one distinct, bounded file per graph output even where names
 * collide after sanitising or exceed a file system's name limit, all or nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { segwgpu } from './util/run.js';
import { bytes, messageField, stringField, varintField, type Field } from './util/protobuf-encode.js';
import { compareOutputs, elementDifference } from '../src/validate/compare.js';
import { MAX_FILE_STEM, outputFileStems, writeFilesAtomically } from '../src/node/files.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { tensor } from '../src/core/tensor.js';

const work = mkdtempSync(join(tmpdir(), 'segwgpu-outputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TOL = { atol: 1e-4, rtol: 1e-3 };

describe('non-finite values in comparisons', () => {
  it('the same non-finite value agrees; one side only, or opposite infinities, is an infinite difference', () => {
    expect(elementDifference(NaN, NaN)).toBe(0);
    expect(elementDifference(Infinity, Infinity)).toBe(0);
    expect(elementDifference(-Infinity, -Infinity)).toBe(0);
    expect(elementDifference(Infinity, -Infinity)).toBe(Infinity);
    expect(elementDifference(NaN, 1)).toBe(Infinity);
    expect(elementDifference(1, NaN)).toBe(Infinity);
    expect(elementDifference(1, Infinity)).toBe(Infinity);
    expect(elementDifference(1.5, -0.5)).toBe(2);
  });

  it('an Inf in the reference fails instead of widening the tolerance to infinity', () => {
    const c = compareOutputs(tensor([3], [1, 2, 3]), tensor([3], [1, Infinity, 3]), TOL);
    expect([c.withinTolerance, c.maxAbsError, c.worstAt]).toEqual([false, Infinity, [1]]);
    // The finite values set the magnitude, not the Inf.
    expect(c.magnitude).toBe(3);
  });

  it('a NaN on the GPU side where the reference is finite fails, and one where the reference has NaN too passes', () => {
    expect(compareOutputs(tensor([2], [NaN, 1]), tensor([2], [0, 1]), TOL).withinTolerance).toBe(false);
    expect(compareOutputs(tensor([2], [NaN, 1]), tensor([2], [NaN, 1]), TOL)).toMatchObject({ withinTolerance: true, maxAbsError: 0 });
    expect(compareOutputs(tensor([2], [-Infinity, 1]), tensor([2], [-Infinity, 1 + 1e-6]), TOL).withinTolerance).toBe(true);
  });
});

describe('output file names', () => {
  it('keeps plain names, and makes sanitised, case-only and over-long collisions distinct and bounded', () => {
    const long = 'x'.repeat(300);
    const names = ['y', 'a/b', 'a:b', 'Out', 'out', long, `${long}z`, '..', ''];
    const stems = outputFileStems(names);
    expect(stems[0]).toBe('y');
    expect(new Set(stems.map((s) => s.toLowerCase())).size).toBe(names.length);
    for (const s of stems) {
      expect(s.length).toBeLessThanOrEqual(MAX_FILE_STEM);
      expect(s).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(s).not.toMatch(/^\.*$/);
    }
    expect(stems[1]).toMatch(/^a_b-[0-9a-f]{8}$/);
    // The same names give the same files, run after run.
    expect(outputFileStems(names)).toEqual(stems);
  });

  it('a plain name equal to another output\'s hashed stem still gets its own file', () => {
    const [hashed] = outputFileStems(['a/b', 'a:b']);
    const stems = outputFileStems(['a/b', 'a:b', hashed!]);
    expect(new Set(stems).size).toBe(3);
  });

  it('writes nothing when one file of the set cannot be written', () => {
    const dir = join(work, 'partial');
    mkdirSync(dir);
    mkdirSync(join(dir, 'blocked.npy')); // a folder where a file should go: its rename fails
    const attempt = () =>
      writeFilesAtomically([
        { path: join(dir, 'first.npy'), bytes: new Uint8Array([1]) },
        { path: join(dir, 'blocked.npy'), bytes: new Uint8Array([2]) },
      ]);
    expect(attempt).toThrow(/cannot write output files/);
    expect(readdirSync(dir).sort()).toEqual(['blocked.npy']);
  });
});

/** A one-node ONNX model, y = Relu(x) twice, whose two outputs are named as given. */
function twoOutputModel(first: string, second: string): Uint8Array {
  const valueInfo = (field: number, name: string): Field =>
    messageField(field, stringField(1, name), messageField(2, messageField(1, varintField(1, 1), messageField(2, messageField(1, varintField(1, 2)), messageField(1, varintField(1, 3))))));
  const relu = (output: string, name: string): Field => messageField(1, stringField(1, 'x'), stringField(2, output), stringField(3, name), stringField(4, 'Relu'));
  return bytes(
    varintField(1, 8),
    messageField(7, relu(first, 'r0'), relu(second, 'r1'), stringField(2, 'two-outputs'), valueInfo(11, 'x'), valueInfo(12, first), valueInfo(12, second)),
    messageField(8, stringField(1, ''), varintField(2, 17)),
  );
}

describe('segwgpu run with awkward output names', () => {
  it('writes one file per output when the names collide after sanitising and when one is too long for a file name', async () => {
    const long = `scores/${'head.'.repeat(80)}out`;
    for (const [first, second] of [['a/b', 'a:b'], ['mask', long]] as const) {
      const dir = join(work, `run-${first.length}-${second.length}`);
      mkdirSync(dir);
      const model = join(dir, 'model.onnx');
      writeFileSync(model, twoOutputModel(first, second));
      const input = join(dir, 'x.npy');
      writeFileSync(input, writeNpy(tensor([2, 3], [-1, 2, -3, 4, -5, 6])));
      const out = join(dir, 'out');
      const r = await segwgpu(['run', model, '--input', `x=${input}`, '--output-dir', out, '--backend', 'cpu']);
      expect(r.code, r.stderr).toBe(0);
      const files = readdirSync(out).sort();
      expect(files.length).toBe(2);
      for (const f of files) {
        expect(f.length).toBeLessThanOrEqual(MAX_FILE_STEM + 4);
        expect(Array.from(readNpy(new Uint8Array(readFileSync(join(out, f)))).data as Float32Array)).toEqual([0, 2, 0, 4, 0, 6]);
      }
      // Each renamed file says which output it holds.
      expect(r.stdout).toContain(`(output '${second}')`);
      expect(existsSync(join(out, 'x.npy'))).toBe(false);
    }
  });
});

describe('segwgpu validate --expected with non-finite values', () => {
  it('an expected file holding Inf is out of tolerance, exit 1', async () => {
    const dir = join(work, 'validate-inf');
    mkdirSync(dir);
    const model = join(dir, 'model.onnx');
    writeFileSync(model, twoOutputModel('y0', 'y1'));
    const input = join(dir, 'x.npy');
    writeFileSync(input, writeNpy(tensor([2, 3], [-1, 2, -3, 4, -5, 6])));
    const expected = join(dir, 'garbage.npy');
    writeFileSync(expected, writeNpy(tensor([2, 3], [0, Infinity, 0, 4, 0, 6])));
    const r = await segwgpu(['validate', model, '--input', `x=${input}`, '--expected', `y0=${expected}`]);
    expect(r.stdout).toMatch(/OUT OF TOLERANCE/);
    expect(r.stdout).not.toMatch(/all outputs within tolerance/);
    expect(r.code).toBe(1);
  });
});
