/** Every op's kernel against its CPU reference over its attribute grid (test/cases/), in Node. */
import { describe, expect, it } from 'vitest';
import { families } from './cases/index.js';
import { checkCase, checkInvalidCase } from './util/cases.js';
import { testGpu } from './util/gpu.js';

for (const [family, { cases, invalidCases }] of Object.entries(families)) {
  describe(family, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const result = await checkCase(await testGpu(), c);
        expect(result.ok, result.message).toBe(true);
      });
    }
    for (const c of invalidCases) {
      it(`rejects: ${c.name}`, () => {
        const result = checkInvalidCase(c);
        expect(result.ok, result.message).toBe(true);
      });
    }
  });
}
