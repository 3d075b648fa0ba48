/**
 * npm run bench -- <what> [--runs N] [--filter TEXT]
 *   kernels   per-kernel median time, GFLOP/s and GB/s, against the adapter's matmul ceiling (Node, dawn.node)
 * Results go to bench/results/<what>-<date>.json, labelled with the adapter.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { nodeGpuContext } from '../src/node/gpu.js';
import { runKernelBench } from './kernels.js';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const what = args[0] && !args[0].startsWith('--') ? args[0] : 'kernels';
  const runs = Number(flag(args, '--runs') ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${flag(args, '--runs')}`);
  if (what !== 'kernels') throw new Error(`unknown benchmark '${what}' (available: kernels)`);
  const ctx = await nodeGpuContext();
  console.log(`segwgpu kernel benchmark on ${ctx.adapterName} (Node ${process.version}, dawn.node); median of ${runs} runs`);
  const report = await runKernelBench(ctx, { runs, filter: flag(args, '--filter'), runtime: `node ${process.version} dawn.node`, log: (l) => console.log(l) });
  console.log(`matmul ceiling: ${report.ceilingGflops.toFixed(2)} GFLOP/s`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/kernels-${report.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
  // Written whole then renamed, so an interrupted run leaves no half-written report.
  writeFileSync(new URL(file.href + '.tmp'), JSON.stringify(report, null, 2));
  renameSync(new URL(file.href + '.tmp'), file);
  console.log(`wrote ${file.pathname}`);
  process.exit(0);
}

main().catch((e) => {
  console.error(`segwgpu bench: ${(e as Error).message}`);
  process.exit(2);
});
