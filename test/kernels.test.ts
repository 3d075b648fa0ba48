/** Every op's kernel against its CPU reference over its attribute grid (test/cases/), in Node. */
import { expect, it } from 'vitest';
import { allSuiteCases } from './suite.js';
import { checkCase, checkInvalidCase } from './util/cases.js';
import { testGpu } from './util/gpu.js';

for (const entry of allSuiteCases()) {
  it(entry.id, async () => {
    const result = entry.kind === 'valid' ? await checkCase(await testGpu(), entry.c) : checkInvalidCase(entry.c);
    expect(result.ok, result.message).toBe(true);
  });
}
