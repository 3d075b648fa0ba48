/**
 * The PyTorch golden fixtures themselves (test/fixtures/golden/ops/, from
 * scripts/make_golden_ops.py). Their cases run in the kernel suite (test/suite.ts), in Node and in
 * Chromium: GPU against the CPU reference, and both against PyTorch at the fixture's tolerance.
 */
import { describe, expect, it } from 'vitest';
import { decodeGoldenTensor, goldenCaseFamilies, goldenFixtures } from './util/golden.js';

describe('golden fixtures', () => {
  it('decode little-endian float32 and int64', () => {
    // 1.5f = 0x3fc00000, -2f = 0xc0000000; 3n and -1n as int64.
    const f = decodeGoldenTensor({ dtype: 'float32', shape: [2], data: btoa('\x00\x00\xc0\x3f\x00\x00\x00\xc0') });
    expect(Array.from(f.data as Float32Array)).toEqual([1.5, -2]);
    const i = decodeGoldenTensor({ dtype: 'int64', shape: [2], data: btoa('\x03\x00\x00\x00\x00\x00\x00\x00' + '\xff'.repeat(8)) });
    expect(Array.from(i.data as BigInt64Array)).toEqual([3n, -1n]);
    expect(() => decodeGoldenTensor({ dtype: 'float32', shape: [3], data: btoa('\x00'.repeat(8)) })).toThrow(/needs 12 bytes/);
  });

  it('cover every kernel family', () => {
    const families = Object.keys(goldenCaseFamilies());
    for (const f of ['conv', 'convTranspose', 'maxPool', 'averagePool', 'maxUnpool', 'resize', 'roiAlign', 'softmax', 'argmax', 'activations', 'binary', 'concat', 'slice', 'pad', 'batchNormalization']) {
      expect(families, f).toContain(f);
    }
  });

  it('come from the generator script with a recorded PyTorch version', () => {
    for (const [family, f] of Object.entries(goldenFixtures)) {
      expect(f.generator, family).toBe('scripts/make_golden_ops.py');
      expect(f.torch, family).toMatch(/^\d+\.\d+/);
      expect(f.opset, family).toBe(17);
    }
  });
});
