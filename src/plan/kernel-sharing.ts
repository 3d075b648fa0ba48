/**
 * Kernel sharing: a plan's first run pays for compiling every distinct kernel variant it uses, and
 * on a CPU-like adapter (SwiftShader JIT-compiles the register-blocked, fully unrolled kernels) that
 * is most of the first run: U-Net 16ch 256x256 compiled 11 variants in 1.6 s (2.7 s serial) for a
 * 1.75 s warm run, the direct 3x3 conv variant alone 1.2 s.
 *
 * The Winograd rule (pickWinogradTile) chooses per conv: F(2x2) from 32 channels, where it is
 * faster; direct below. So a U-Net compiles both the direct kernel (its 16-channel convs) and the
 * Winograd kernels (the deeper ones). When every conv of a direct variant can take F(2x2) on
 * kernels the plan compiles anyway, those convs take it: the direct variant is not compiled at
 * all. F(2x2) is as accurate as direct convolution (conv-winograd.ts has the figures), and below
 * 32 channels about as fast (3->16 @256x256: 55.6 ms direct, 79.5 F(2x2); 16->16: 130 / 125).
 * Measured on the U-Net 256 (dawn.node, SwiftShader): first run 3.56 s -> 3.03 s, warm 1.79 s ->
 * 1.68 s.
 *
 * Then a conv alone in using its kernel variant (the classifier's few-channel 1x1 conv and its 8x4
 * tile) takes a tile another conv compiles, where that costs little (shareSmallConvTiles).
 *
 * Only where the rule is automatic (PlanOptions.winograd 'auto') and the adapter is CPU-like (a
 * real GPU compiles in milliseconds; its rule stands as measured there).
 */
import type { AdapterTraits, GpuLowering } from '../gpu/step.js';
import type { GraphNode } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import type { NodeInference } from '../shapes/infer.js';

/** Per node, the traits to lower it with (absent: the plan's own). */
export function sharedKernelTraits(order: readonly GraphNode[], nodes: ReadonlyMap<GraphNode, NodeInference>, traits: AdapterTraits): Map<GraphNode, AdapterTraits> {
  const overrides = new Map<GraphNode, AdapterTraits>();
  if (!traits.cpuLike || traits.winograd !== undefined) return overrides;
  const lower = (node: GraphNode, t: AdapterTraits): GpuLowering => {
    const { resolved, inputs, outputs } = nodes.get(node)!;
    return getOp(node).gpu(resolved, inputs, outputs, t, node);
  };
  const sources = (l: GpuLowering) => l.steps.map((s) => s.kernel.source);
  const convs = order.filter((n) => n.opType === 'Conv' && n.domain === '');
  if (convs.length < 2) return overrides;
  const planned = new Map(convs.map((n) => [n, lower(n, traits)]));
  const isDirect = (l: GpuLowering) => l.steps.some((s) => s.kernel.name.startsWith('conv['));
  const inPlan = new Set(convs.flatMap((n) => sources(planned.get(n)!)));
  // Each direct variant, with the convs that use it.
  const byVariant = new Map<string, GraphNode[]>();
  for (const n of convs) {
    const direct = planned.get(n)!.steps.find((s) => s.kernel.name.startsWith('conv['));
    if (direct) byVariant.set(direct.kernel.source, [...(byVariant.get(direct.kernel.source) ?? []), n]);
  }
  const winograd: AdapterTraits = { ...traits, winograd: 2 };
  for (const users of byVariant.values()) {
    const alternatives = users.map((n) => lower(n, winograd));
    // Every user must leave the direct variant, for kernels the plan compiles anyway.
    const shared = alternatives.every((l) => !isDirect(l) && sources(l).every((s) => inPlan.has(s)));
    if (shared) for (const n of users) overrides.set(n, winograd);
  }
  shareSmallConvTiles(convs, nodes, traits, overrides, lower);
  return overrides;
}

/** Register tiles a small conv may take instead of its own (the CPU-like tiles of pickConvTiling). */
const TILES = [
  { tm: 8, tn4: 2 },
  { tm: 8, tn4: 1 },
  { tm: 4, tn4: 2 },
  { tm: 4, tn4: 1 },
] as const;

/**
 * A conv that alone in the plan uses its kernel variant (the classifier's 16 -> 3 1x1 conv, whose
 * 8x4 tile no other conv has: 123 ms of SwiftShader's JIT) takes another conv's tile instead, when
 * that costs little: at most 3x its own multiply-adds (padded channels), and under 1% of the
 * plan's conv work.
 */
function shareSmallConvTiles(
  convs: readonly GraphNode[],
  nodes: ReadonlyMap<GraphNode, NodeInference>,
  traits: AdapterTraits,
  overrides: Map<GraphNode, AdapterTraits>,
  lower: (node: GraphNode, t: AdapterTraits) => GpuLowering,
): void {
  const traitsOf = (n: GraphNode) => overrides.get(n) ?? traits;
  const lowered = new Map(convs.map((n) => [n, lower(n, traitsOf(n))]));
  const macsOf = (n: GraphNode) => {
    const { resolved, inputs, outputs } = nodes.get(n)!;
    return getOp(n).macs?.(resolved, inputs, outputs) ?? 0;
  };
  const total = convs.reduce((sum, n) => sum + macsOf(n), 0);
  for (const node of convs) {
    const own = lowered.get(node)!.steps.map((s) => s.kernel.source);
    const others = new Set(convs.filter((n) => n !== node).flatMap((n) => lowered.get(n)!.steps.map((s) => s.kernel.source)));
    if (own.every((s) => others.has(s))) continue;
    const { outputs } = nodes.get(node)!;
    const channels = outputs[0]!.shape[1] ?? 1;
    const macs = macsOf(node);
    for (const tile of TILES) {
      const padded = Math.ceil(channels / (4 * tile.tn4)) * 4 * tile.tn4;
      const extra = (macs * padded) / channels - macs;
      if (padded > 3 * channels || extra > 0.01 * total) continue;
      const t = { ...traitsOf(node), convTiling: tile };
      let alternative: GpuLowering;
      try {
        alternative = lower(node, t);
      } catch {
        continue;
      }
      // Fewer kernels of its own, and none that it did not compile already.
      const alone = (sources: readonly string[]) => new Set(sources.filter((s) => !others.has(s)));
      const altAlone = alone(alternative.steps.map((s) => s.kernel.source));
      if ([...altAlone].every((s) => own.includes(s)) && altAlone.size < alone(own).size) {
        overrides.set(node, t);
        lowered.set(node, alternative);
        break;
      }
    }
  }
}
