/**
 * .npy reading and writing: files numpy wrote (test/fixtures/onnx/npy/, made by
 * scripts/make_onnx_import_fixtures.py), hand-built headers for the error paths, round trips, and
 * the atomic file writer.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { readNpyFile, writeNpyFile } from '../src/node/npy-file.js';
import { int32Tensor, int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';

function npyFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/onnx/npy/${name}`, import.meta.url)));
}

/** A .npy file from a header dict and raw data bytes (version 1.0 unless told). */
function handMade(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const header = `${dict}${' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(data, prefix + header.length);
  return out;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error was raised');
}

describe('reading files numpy wrote', () => {
  it('float32, in a 1.0 and a 2.0 header', () => {
    const expected = tensor([2, 3], [1.5, -2, 0.1, 3e38, -0, 7]);
    expect(readNpy(npyFixture('f4.npy'))).toEqual(expected);
    expect(npyFixture('f4_v2.npy')[6]).toBe(2);
    expect(readNpy(npyFixture('f4_v2.npy'))).toEqual(expected);
  });

  it("'<f8' converts to float32", () => {
    // -1e300 overflows float32 to -Infinity; 1e-50 underflows to 0.
    expect(readNpy(npyFixture('f8.npy'))).toEqual(tensor([4], [0.1, -Infinity, 0, 2.5]));
  });

  it("'<i8' stays exact int64, '<i4' int32, '|u1' and '|b1' widen to int32", () => {
    const i8 = readNpy(npyFixture('i8.npy'));
    expect(i8.dtype).toBe('int64');
    expect(Array.from(i8.data as BigInt64Array)).toEqual([2n ** 62n + 1n, -5n, 0n]);
    expect(readNpy(npyFixture('i4.npy'))).toEqual(int32Tensor([2, 1, 1], [-7, 8]));
    expect(readNpy(npyFixture('u1.npy'))).toEqual(int32Tensor([3], [0, 200, 255]));
    expect(readNpy(npyFixture('b1.npy'))).toEqual(int32Tensor([3], [1, 0, 1]));
  });

  it('a 0-d array', () => {
    expect(readNpy(npyFixture('scalar.npy'))).toEqual(tensor([], [3.5]));
  });

  it('refuses Fortran order and big-endian data, naming what is wrong', () => {
    expect(errorOf(() => readNpy(npyFixture('fortran.npy'), 'fortran.npy'))).toMatch(/^fortran\.npy: .*shape \(2, 3\) is in Fortran order; segwgpu reads C order only/);
    expect(errorOf(() => readNpy(npyFixture('big_endian.npy')))).toMatch(/dtype '>f4' is not supported \(big-endian/);
  });
});

describe('hand-made headers', () => {
  it('reads a 2.0 header with a 4-byte length', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    expect(readNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data, 2))).toEqual(tensor([3], [1, 2, 3]));
  });

  it('accepts Fortran order for 1-D data (the same bytes)', () => {
    const data = new Uint8Array(new Int32Array([4, 5]).buffer);
    expect(readNpy(handMade("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", data))).toEqual(int32Tensor([2], [4, 5]));
  });

  it('refuses unknown dtypes, bad magic, unknown versions and truncated data', () => {
    expect(errorOf(() => readNpy(handMade("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8))))).toMatch(
      /dtype '<c8' is not supported; supported: <f4, <f8, <i8, <i4/,
    );
    expect(errorOf(() => readNpy(new TextEncoder().encode('PK\u0003\u0004 not numpy at all'), 'x.npz'))).toMatch(/^x\.npz: not a \.npy file/);
    const v9 = handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4));
    v9[6] = 9;
    expect(errorOf(() => readNpy(v9))).toMatch(/format version 9\.0 is not supported/);
    expect(errorOf(() => readNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(8))))).toMatch(
      /truncated: shape \(4\) of '<f4' needs 16 bytes, the file has 8/,
    );
    expect(errorOf(() => readNpy(handMade("{'descr': '<f4', 'shape': (4,), }", new Uint8Array(16))))).toMatch(/no valid 'fortran_order'/);
  });
});

describe('writing', () => {
  it('writes a 1.0 header numpy reads: magic, version, 64-byte alignment, dict', () => {
    const bytes = writeNpy(tensor([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(bytes.length).toBe(10 + headerLength + 24);
    const oneD = new TextDecoder().decode(writeNpy(int64Tensor([3], [1, 2, 3])).subarray(10, 74));
    expect(oneD).toContain("'descr': '<i8'");
    expect(oneD).toContain("'shape': (3,)");
    expect(new TextDecoder().decode(writeNpy(int32Tensor([], [1])).subarray(10, 74))).toContain("'descr': '<i4', 'fortran_order': False, 'shape': ()");
  });

  it('round-trips float32, int32 and int64 (beyond 2^53), scalars and empty tensors', () => {
    const tensors: Tensor[] = [
      tensor([2, 1, 3], [0.5, -1e-30, 3e38, -0, 1, 2]),
      int32Tensor([4], [-(2 ** 31), 2 ** 31 - 1, 0, 7]),
      int64Tensor([2, 2], [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -3n]),
      tensor([], [42]),
      tensor([0, 5], []),
    ];
    for (const t of tensors) expect(readNpy(writeNpy(t))).toEqual(t);
  });

  it('switches to a 2.0 header when the header does not fit 64 KiB', () => {
    const t = tensor(new Array<number>(25_000).fill(1), [9]);
    const bytes = writeNpy(t);
    expect(bytes[6]).toBe(2);
    expect(readNpy(bytes)).toEqual(t);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segwgpu-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically and reads back, leaving no temporary files', async () => {
    const path = join(dir, 'labels.npy');
    const labels = int64Tensor([2, 2], [0, 1, 20, 3]);
    await writeNpyFile(path, labels);
    await writeNpyFile(path, labels); // replaces the existing file
    expect(await readNpyFile(path)).toEqual(labels);
    expect(readdirSync(dir)).toEqual(['labels.npy']);
  });

  it('reports a failed write and leaves nothing behind', async () => {
    await expect(writeNpyFile(join(dir, 'no-such-folder', 'x.npy'), tensor([1], [1]))).rejects.toThrow(/cannot write .*no-such-folder.*x\.npy/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
