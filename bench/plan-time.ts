/**
 * CPU-side plan time: layoutGraph (passes, shape inference, lowerings, lifetimes, arena offsets),
 * which is everything a plan decides before the first GPU object; pipeline compilation apart.
 * Models: the selfie model wrapped as Segmenter plans it (256x256 photo in, masks out) and the
 * 16-channel U-Net at 256x256 (bench/models/unet16_256.onnx), each under both adapter kinds'
 * lowerings. Also counts how often each op's parse and infer run per plan.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILTIN_MODELS } from '../src/api/builtin-models.js';
import { importOnnx } from '../src/import/onnx.js';
import type { Graph } from '../src/ir/graph.js';
import { allOps } from '../src/ops/index.js';
import { DEFAULT_LAYOUT_LIMITS, layoutGraph, planGraphAsync, planGraph } from '../src/plan/plan.js';
import type { GpuContext } from '../src/gpu/context.js';
import { wrapForSegmentation } from '../src/segment/wrap.js';

export interface PlanTimeRow {
  readonly model: string;
  readonly cpuLike: boolean;
  readonly nodes: number;
  readonly medianMs: number;
  readonly minMs: number;
  /** Calls per plan, summed over all nodes of the source graph. */
  readonly parseCalls: number;
  readonly inferCalls: number;
  /** planGraph on the adapter (GPU objects made, pipelines already compiled), when there is one. */
  readonly planMedianMs?: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function models(): Promise<{ name: string; graph: Graph }[]> {
  const selfie = await BUILTIN_MODELS.selfie!.load();
  const wrapped = wrapForSegmentation(selfie.graph, { imageWidth: 256, imageHeight: 256, rowWords: 256, mean: selfie.mean, std: selfie.std, output: selfie.output });
  const unet = importOnnx(readFileSync(`${ROOT}bench/models/unet16_256.onnx`), { name: 'unet16_256' });
  return [
    { name: 'selfie (wrapped, 256x256)', graph: wrapped },
    { name: 'unet16_256', graph: unet },
  ];
}

/** Counts parse/infer calls on every op definition while `f` runs. */
function counting<T>(f: () => T): { result: T; parse: number; infer: number } {
  let parse = 0;
  let infer = 0;
  const restore: (() => void)[] = [];
  for (const op of allOps as unknown as { parse: (...a: unknown[]) => unknown; infer: (...a: unknown[]) => unknown }[]) {
    const { parse: p, infer: i } = op;
    op.parse = (...a) => (parse++, p.apply(op, a));
    op.infer = (...a) => (infer++, i.apply(op, a));
    restore.push(() => Object.assign(op, { parse: p, infer: i }));
  }
  try {
    return { result: f(), parse, infer };
  } finally {
    for (const r of restore) r();
  }
}

const WARMUP = 10;

function median(times: number[]): number {
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** Median planGraph time once every pipeline of the plan is compiled (the device's kernel cache). */
async function planTimeOnGpu(ctx: GpuContext, graph: Graph, runs: number): Promise<number> {
  (await planGraphAsync(ctx, graph)).destroy();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const plan = planGraph(ctx, graph);
    times.push(performance.now() - t0);
    plan.destroy();
    await ctx.device.queue.onSubmittedWorkDone();
  }
  return median(times);
}

export async function benchPlanTime(runs = 40, ctx?: GpuContext): Promise<PlanTimeRow[]> {
  const rows: PlanTimeRow[] = [];
  for (const { name, graph } of await models()) {
    const planMedianMs = ctx ? await planTimeOnGpu(ctx, graph, Math.min(runs, 10)) : undefined;
    for (const cpuLike of [true, false]) {
      const limits = { ...DEFAULT_LAYOUT_LIMITS, traits: { cpuLike } };
      const counted = counting(() => layoutGraph(graph, {}, limits));
      const times: number[] = [];
      for (let r = 0; r < runs + WARMUP; r++) {
        const t0 = performance.now();
        layoutGraph(graph, {}, limits);
        if (r >= WARMUP) times.push(performance.now() - t0);
      }
      rows.push({
        model: name,
        cpuLike,
        nodes: graph.nodes.length,
        medianMs: median(times),
        minMs: times[0]!,
        parseCalls: counted.parse,
        inferCalls: counted.infer,
        ...(ctx && cpuLike === ctx.traits.cpuLike ? { planMedianMs } : {}),
      });
    }
  }
  return rows;
}

/** `npm run bench -- plan`: the table, on the process's dawn.node adapter when there is one. */
export async function planBench(runs: number): Promise<number> {
  const { nodeGpuContext } = await import('../src/node/gpu.js');
  const ctx = await nodeGpuContext().catch((e: Error) => {
    console.log(`no adapter (${e.message.split('\n')[0]}): layoutGraph only`);
    return undefined;
  });
  if (ctx) console.log(`adapter: ${ctx.adapterName}`);
  console.log(`median of ${Math.max(runs, 40)} layoutGraph runs after ${WARMUP} warm-up ones${ctx ? ', planGraph median of 10 with compiled pipelines' : ''}`);
  for (const r of await benchPlanTime(Math.max(runs, 40), ctx)) {
    const gpu = r.planMedianMs === undefined ? '' : `  planGraph ${r.planMedianMs.toFixed(2)} ms`;
    console.log(`${r.model.padEnd(28)} cpuLike=${String(r.cpuLike).padEnd(5)} nodes ${String(r.nodes).padStart(4)}  layout median ${r.medianMs.toFixed(2).padStart(7)} ms  min ${r.minMs.toFixed(2).padStart(7)} ms  parse ${r.parseCalls}  infer ${r.inferCalls}${gpu}`);
  }
  ctx?.device.destroy();
  return 0;
}
