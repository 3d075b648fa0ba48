import type { InvalidCase, OpCase } from '../util/cases.js';

// Placeholder until this op family lands.
export const cases: OpCase[] = [];
export const invalidCases: InvalidCase[] = [];
