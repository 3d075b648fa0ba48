import { describe, expect, it } from 'vitest';
import { planMemory, type Lifetime } from '../src/plan/memory.js';

function overlaps(a: Lifetime, b: Lifetime): boolean {
  return a.first <= b.last && b.first <= a.last;
}

describe('planMemory', () => {
  it('reuses memory of tensors whose lifetimes do not overlap (hand-worked chain)', () => {
    // a -> b -> c -> d, each read only by the next step: two buffers' worth suffice.
    const lifetimes: Lifetime[] = [
      { id: 'a', bytes: 1024, first: -1, last: 0 },
      { id: 'b', bytes: 1024, first: 0, last: 1 },
      { id: 'c', bytes: 1024, first: 1, last: 2 },
      { id: 'd', bytes: 1024, first: 2, last: 3 },
    ];
    const plan = planMemory(lifetimes, 256);
    expect(plan.lowerBoundBytes).toBe(2048);
    expect(plan.peakBytes).toBe(2048);
    expect(plan.offsets.get('a')).not.toBe(plan.offsets.get('b'));
    expect(plan.offsets.get('a')).toBe(plan.offsets.get('c'));
  });

  it('never overlaps tensors that are live together, and respects alignment', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const lifetimes: Lifetime[] = Array.from({ length: 60 }, (_, i) => {
      const first = Math.floor(rand() * 40) - 1;
      return { id: `t${i}`, bytes: 16 * (1 + Math.floor(rand() * 500)), first, last: first + Math.floor(rand() * 10) };
    });
    const plan = planMemory(lifetimes, 256);
    for (const a of lifetimes) {
      const oa = plan.offsets.get(a.id)!;
      expect(oa % 256).toBe(0);
      for (const b of lifetimes) {
        if (a === b || !overlaps(a, b)) continue;
        const ob = plan.offsets.get(b.id)!;
        expect(oa + a.bytes <= ob || ob + b.bytes <= oa, `${a.id} and ${b.id} overlap in memory`).toBe(true);
      }
    }
    expect(plan.peakBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
  });
});
