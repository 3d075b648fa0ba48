/**
 * Every op's kernel against its CPU reference over its attribute grid (test/cases/), in Node, under
 * both adapter kinds' lowerings: the variants a CPU-like adapter gets (register-blocked, unrolled)
 * and those a GPU gets, whichever adapter runs the tests (any adapter runs either correctly; only
 * their speed differs).
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../src/gpu/context.js';
import { allSuiteCases } from './suite.js';
import { checkCase, checkInvalidCase } from './util/cases.js';
import { testGpu } from './util/gpu.js';

/** The test device, lowering as if its adapter were (or were not) CPU-like. */
async function gpuLowering(cpuLike: boolean): Promise<GpuContext> {
  const ctx = await testGpu();
  return { ...ctx, traits: { ...ctx.traits, cpuLike } };
}

const entries = allSuiteCases();

for (const cpuLike of [true, false]) {
  describe(cpuLike ? 'CPU-like adapter variants' : 'GPU variants', () => {
    for (const entry of entries) {
      if (entry.kind !== 'valid') continue;
      it(entry.id, async () => {
        const result = await checkCase(await gpuLowering(cpuLike), entry.c);
        expect(result.ok, result.message).toBe(true);
      });
    }
  });
}

describe('refused calls', () => {
  for (const entry of entries) {
    if (entry.kind !== 'invalid') continue;
    it(entry.id, () => {
      const result = checkInvalidCase(entry.c);
      expect(result.ok, result.message).toBe(true);
    });
  }
});
