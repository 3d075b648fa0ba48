/**
 * The whole kernel suite as one list with stable ids, shared by the Node tests and the browser
 * page: hand-written case grids (test/cases/) and PyTorch golden fixtures (test/fixtures/golden/).
 */
import { families } from './cases/index.js';
import { goldenCaseFamilies } from './util/golden.js';
import type { InvalidCase, OpCase } from './util/cases.js';

export type SuiteEntry =
  | { readonly id: string; readonly kind: 'valid'; readonly c: OpCase }
  | { readonly id: string; readonly kind: 'invalid'; readonly c: InvalidCase };

export function allSuiteCases(): SuiteEntry[] {
  const entries: SuiteEntry[] = [];
  for (const [family, { cases, invalidCases }] of Object.entries(families)) {
    for (const c of cases) entries.push({ id: `${family} > ${c.name}`, kind: 'valid', c });
    for (const c of invalidCases) entries.push({ id: `${family} > rejects: ${c.name}`, kind: 'invalid', c });
  }
  for (const [family, cases] of Object.entries(goldenCaseFamilies())) {
    for (const c of cases) entries.push({ id: `golden ${family} > ${c.name}`, kind: 'valid', c });
  }
  return entries;
}
