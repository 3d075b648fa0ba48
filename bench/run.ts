/**
 * npm run bench -- [all|kernels|models|plan] [options]
 *
 *   all (default)  kernels, then models
 *   kernels        per-kernel median GPU time (timestamp queries), GFLOP/s and GB/s, against the
 *                  adapter's matmul ceiling (bench/kernels.ts)
 *   models         per-model first-run and warm latency on segwgpu and on onnxruntime-web (WebGPU
 *                  EP and wasm EP) with the same .onnx files (bench/models.ts), and `selfie`: photo in,
 *                  masks out, segwgpu's Segmenter against MediaPipe's own solution (bench/mediapipe.ts);
 *                  the external models (fetched into external/): ISNet against ORT, tfjs graph
 *                  models against tfjs (bench/external-models.ts, bench/tfjs.ts)
 *   plan           CPU-side plan time (passes, shapes, lowerings, memory: layoutGraph) of the selfie
 *                  model and U-Net 256 under both adapter kinds, and planGraph with its pipelines
 *                  compiled, with parse/infer calls per plan (bench/plan-time.ts); Node only
 *
 * Where: --browser (default) headless system Chromium through puppeteer (WebGPU on SwiftShader
 * unless --real-gpu), pages served by a vite dev server on 127.0.0.1; --node: Node on dawn.node
 * (ORT there: a browser build of onnxruntime-web for its WebGPU EP on dawn.node, see
 * bench/ort-node-webgpu.ts; the Node build when only its wasm EP runs).
 *
 * Options: `npm run bench -- --help` (the BENCH spec below), bench/README.md.
 *
 * Results: <out>/<what>-<runtime>-<date>.json and .html (written atomically), and a text table.
 */
import { runInBrowser } from './browser-runner.js';
import { runInNode } from './node-runner.js';
import { parseOptions, UsageError } from './options.js';
import { planBench } from './plan-time.js';
import { textReport, writeResults, type BenchResults } from './report.js';

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.what === 'plan') return planBench(o.runs);
  const started = performance.now();
  const date = new Date().toISOString();
  const { env, kernels, models, errors } = o.runtime === 'node' ? await runInNode(o) : await runInBrowser(o);
  const results: BenchResults = {
    tool: 'segwgpu-bench',
    version: 1,
    date,
    what: o.what,
    environment: env,
    options: { runs: o.runs, bigRuns: o.bigRuns, filter: o.filter, models: o.models, engines: o.engines, profile: o.profile, ortThreads: o.ortThreads, ortBundle: o.ortBundle, realGpu: o.realGpu, photo: o.photo },
    kernels,
    models,
    errors: errors.length > 0 ? errors : undefined,
    elapsedS: (performance.now() - started) / 1000,
  };
  console.log(`\n${textReport(results)}\n`);
  const files = writeResults(results, o.out);
  console.log(`wrote ${files.json}\nwrote ${files.html}`);
  // segwgpu failing (or leaving the PyTorch tolerance) is a failure; ORT rows are information.
  const bad = (models ?? []).flatMap((m) => m.engines.filter((e) => e.engine === 'segwgpu' && (e.error || e.withinTolerance === false)).map(() => m.model));
  if (bad.length > 0) console.error(`segwgpu failed or left tolerance on: ${bad.join(', ')}`);
  return bad.length > 0 || errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`segwgpu bench: ${(e as Error).message}`);
    if (e instanceof UsageError && !(e as Error).message.includes('--help')) console.error('(npm run bench -- --help lists the options)');
    process.exit(2);
  },
);
