/** The benchmarks in Node on dawn.node: kernels, the ONNX models (segwgpu and ORT's wasm EP), the selfie photo. */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { nodeGpuContext } from '../src/node/gpu.js';
import { runKernelBench, type KernelBenchReport } from './kernels.js';
import { benchModel, loadModelAssets, type ModelResult, type Ort } from './models.js';
import { benchSelfie, SELFIE_BENCH } from './mediapipe.js';
import { ROOT, selection, type Options } from './options.js';
import type { BenchEnvironment } from './report.js';

/** What a runner measured, and the pages or parts that failed. */
export interface RunnerResult {
  readonly env: BenchEnvironment;
  readonly kernels?: KernelBenchReport;
  readonly models?: ModelResult[];
  readonly errors: string[];
}

export async function runInNode(o: Options): Promise<RunnerResult> {
  const ctx = await nodeGpuContext();
  const runtime = `node ${process.version} dawn.node`;
  console.log(`segwgpu benchmark in Node ${process.version} on dawn.node, adapter ${ctx.adapterName}`);
  let env: BenchEnvironment = { runtime: 'node', adapter: ctx.adapterName, browserVersion: runtime, node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length };
  let kernels: KernelBenchReport | undefined;
  if (o.what !== 'models') {
    console.log(`kernels: median of ${o.runs} after 1 warm-up`);
    kernels = await runKernelBench(ctx, { runs: o.runs, filter: o.filter, runtime, log: (l) => console.log(l) });
  }
  let models: ModelResult[] | undefined;
  if (o.what !== 'kernels') {
    let ort: Ort | undefined;
    if (o.engines.includes('ort-wasm')) {
      ort = (await import('onnxruntime-web')) as Ort;
      const threads = o.ortThreads > 0 ? o.ortThreads : 1;
      ort.env.wasm.numThreads = threads;
      env = { ...env, ortVersion: ort.env.versions?.web, ortThreads: threads, ortModule: 'onnxruntime-web (Node build)' };
    }
    models = [];
    const { specs, selfie } = selection(o.models);
    for (const spec of specs) {
      console.log(`model ${spec.name}: ${spec.description}`);
      const assets = await loadModelAssets(spec, async (p) => new Uint8Array(await readFile(join(ROOT, p))));
      models.push(
        await benchModel(
          assets,
          { segwgpuCtx: o.engines.includes('segwgpu') ? ctx : undefined, ort, ortProviders: ['wasm'] },
          { runs: o.runs, bigRuns: o.bigRuns, profile: o.profile, log: (l) => console.log(`  ${l}`) },
        ),
      );
    }
    if (selfie && o.engines.includes('segwgpu')) {
      console.log(`${SELFIE_BENCH}: photo in, masks out (segwgpu only: MediaPipe needs a browser)`);
      const { readImageFile } = await import('../src/node/image.js');
      const photo = readImageFile(join(ROOT, o.photo));
      models.push(
        ...(await benchSelfie({
          image: photo,
          photo: o.photo,
          width: photo.width,
          height: photo.height,
          modelBytes: async (m) => statSync(join(ROOT, m.file)).size,
          engines: o.engines,
          device: ctx.device,
          nodeNote: "MediaPipe not run: --node has no browser (its solution needs the DOM and WebGL); raw RGBA pixels in, the process's dawn.node device",
          options: { runs: o.runs, log: (l) => console.log(`  ${l}`) },
        })),
      );
    }
  }
  return { env, kernels, models, errors: [] };
}

