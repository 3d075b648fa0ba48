/**
 * Memory planning: every non-constant tensor of a plan gets an offset in one arena buffer, reused
 * by lifetime. Offsets are assigned greedily, largest tensor first, at the lowest offset that no
 * tensor with an overlapping lifetime occupies (the strategy TFLite's arena planner uses); this
 * lands close to the lower bound, the largest sum of simultaneously live tensors.
 */
export interface Lifetime {
  readonly id: string;
  readonly bytes: number;
  /** First step that writes it (-1: uploaded before the first step). */
  readonly first: number;
  /** Last step that reads it (inclusive). */
  readonly last: number;
}

export interface MemoryPlan {
  readonly offsets: ReadonlyMap<string, number>;
  /** Arena size: the planned peak. */
  readonly peakBytes: number;
  /** The largest sum of simultaneously live tensors: no plan can use less. */
  readonly lowerBoundBytes: number;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export function planMemory(lifetimes: readonly Lifetime[], alignment: number): MemoryPlan {
  const placed: { l: Lifetime; offset: number; end: number }[] = [];
  const offsets = new Map<string, number>();
  const bySize = [...lifetimes].sort((a, b) => b.bytes - a.bytes || a.first - b.first);
  for (const l of bySize) {
    const conflicts = placed
      .filter((p) => p.l.first <= l.last && l.first <= p.l.last)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + l.bytes <= c.offset) break;
      offset = Math.max(offset, alignUp(c.end, alignment));
    }
    placed.push({ l, offset, end: offset + l.bytes });
    offsets.set(l.id, offset);
  }
  const peakBytes = placed.reduce((m, p) => Math.max(m, p.end), 0);
  const steps = new Set<number>();
  for (const l of lifetimes) steps.add(l.first).add(l.last);
  let lowerBoundBytes = 0;
  for (const t of steps) {
    let live = 0;
    for (const l of lifetimes) if (l.first <= t && t <= l.last) live += l.bytes;
    lowerBoundBytes = Math.max(lowerBoundBytes, live);
  }
  return { offsets, peakBytes, lowerBoundBytes };
}
