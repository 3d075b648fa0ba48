/** Every op family's cases, for the Node suite and the in-browser runner alike. */
import type { InvalidCase, OpCase } from '../util/cases.js';
import * as binary from './binary.cases.js';

export const families: Record<string, { cases: OpCase[]; invalidCases: InvalidCase[] }> = {
  binary,
};
