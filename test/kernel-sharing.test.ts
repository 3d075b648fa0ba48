/**
 * Kernel sharing (src/plan/kernel-sharing.ts): on a CPU-like adapter, convs whose direct variant
 * can run on kernels the plan compiles anyway (Winograd F(2x2)) take them, so that variant is never
 * compiled; never where it would add a kernel, with the rule forced, or on other adapters. The
 * plans' outputs stay the CPU reference's (the GPU model tests run these plans).
 */
import { describe, expect, it } from 'vitest';
import { buildUNet } from '../src/builders/unet.js';
import { DEFAULT_LAYOUT_LIMITS, layoutGraph, type LayoutLimits, type PlanOptions } from '../src/plan/plan.js';
import type { Graph } from '../src/ir/graph.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { planGraphAsync } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const cpuLike: LayoutLimits = { ...DEFAULT_LAYOUT_LIMITS, traits: { cpuLike: true } };

/** Per Conv node, the kernel names of its lowering; and the distinct kernel sources of the plan. */
function kernelsOf(graph: Graph, limits: LayoutLimits, options: PlanOptions = {}) {
  const layout = layoutGraph(graph, options, limits);
  const convs = layout.lowerings.filter((l) => l.node.opType === 'Conv').map((l) => l.lowering.steps.map((s) => s.kernel.name));
  const sources = new Set(layout.lowerings.flatMap((l) => l.lowering.steps.map((s) => s.kernel.source)));
  return { convs, distinct: sources.size };
}

const usesDirect = (names: readonly string[]) => names.some((n) => n.startsWith('conv['));

describe('kernel sharing', () => {
  // 8 -> 16 -> 32 -> 64 channels: the shallow convs are below Winograd's 32 channels, the deep ones not.
  const unet = buildUNet({ depth: 4, baseWidth: 8, classes: 3, height: 64, width: 64 });

  it('a U-Net compiles no direct 3x3 variant: its shallow convs take the deep ones\' Winograd kernels', () => {
    const shared = kernelsOf(unet, cpuLike);
    expect(shared.convs.filter(usesDirect)).toEqual([]);
    // Other adapters keep the per-conv rule: the shallow convs stay direct there.
    const ruleOnly = kernelsOf(unet, DEFAULT_LAYOUT_LIMITS);
    expect(ruleOnly.convs.some(usesDirect)).toBe(true);
  });

  it("the classifier's 1x1 conv (3 channels) takes the 8x8 tile the Winograd GEMMs compile, not a 8x4 of its own", () => {
    const { convs } = kernelsOf(unet, cpuLike);
    const classifier = convs.at(-1)!;
    expect(classifier).toContain('conv1x1[tm=8,tn=8,vec4,act=Clip]');
    expect(convs.slice(0, -1).some((names) => names.includes('conv1x1[tm=8,tn=8,vec4,act=Clip]'))).toBe(true);
    // Where no other conv compiles a 1x1 tile, the classifier keeps its own (sharing never adds a
    // kernel); and 2 channels would pay 4x their work in an 8-channel tile (the limit is 3x).
    const heavy = kernelsOf(buildUNet({ depth: 2, baseWidth: 4, classes: 3, height: 32, width: 32 }), cpuLike).convs.at(-1)!;
    expect(heavy.some((n) => n.startsWith('conv1x1[tm=8,tn=4'))).toBe(true);
    const twoClasses = kernelsOf(buildUNet({ depth: 4, baseWidth: 8, classes: 2, height: 64, width: 64 }), cpuLike).convs.at(-1)!;
    expect(twoClasses.some((n) => n.startsWith('conv1x1[tm=8,tn=4'))).toBe(true);
  });

  it('keeps direct convs where no Winograd kernel is planned, and where the rule is forced', () => {
    // Every conv below 32 channels: no Winograd kernel in the plan to share.
    const narrow = buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 32, width: 32 });
    expect(kernelsOf(narrow, cpuLike).convs.filter(usesDirect).length).toBeGreaterThan(0);
    expect(kernelsOf(unet, cpuLike, { winograd: 'off' }).convs.every((names) => !names.some((n) => n.startsWith('winograd')))).toBe(true);
  });

  it('the shared plan gives the CPU reference\'s output on the GPU', async () => {
    const ctx = await testGpu();
    const input = randomTensor([1, 3, 64, 64], 3);
    const plan = await planGraphAsync({ ...ctx, traits: { ...ctx.traits, cpuLike: true } }, unet);
    try {
      const got = (await runPlan(plan, { input })).outputs;
      const want = runGraphCpu(unet, { input });
      for (const name of unet.outputs) {
        const r = compareTensors(got[name]!, want[name]!, { atol: 1e-4, rtol: 1e-4 });
        expect(r.ok, r.message).toBe(true);
      }
    } finally {
      plan.destroy();
    }
  });
});
