/** The benchmarks in Node on dawn.node: kernels, the ONNX models (segwgpu and ORT's WebGPU and wasm EPs), the selfie photo. */
import fs, { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeGpuContext } from '../src/node/gpu.js';
import { runKernelBench, type KernelBenchReport } from './kernels.js';
import { benchModel, loadModelAssets, TINY_MODEL, type ModelResult, type Ort, type OrtOptions } from './models.js';
import { absentResult, benchIsnet, type ExternalSpec } from './external-models.js';
import { benchSelfie, SELFIE_BENCH } from './mediapipe.js';
import { ORT_DIST, ROOT, selection, type Options } from './options.js';
import { prepareOrtWebgpuInNode } from './ort-node-webgpu.js';
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
    const ortProviders = (['webgpu', 'wasm'] as const).filter((ep) => o.engines.includes(`ort-${ep}`));
    let ort: Ort | undefined;
    let captureOutput: OrtOptions['captureConsole'];
    // segwgpu-wasm runs on ORT's wasm EP too: it needs ORT loaded even without an ort-* engine.
    const segwgpuWasm = o.engines.includes('segwgpu-wasm');
    if (ortProviders.length > 0 || segwgpuWasm) {
      captureOutput = hookRuntimeOutput();
      const loaded = await loadOrt(o, ortProviders);
      ort = loaded.ort;
      const threads = o.ortThreads > 0 ? o.ortThreads : 1;
      ort.env.wasm.numThreads = threads;
      env = { ...env, ortVersion: ort.env.versions?.web, ortThreads: threads, ortModule: loaded.module };
      const eps = [...ortProviders, ...(segwgpuWasm && !ortProviders.includes('wasm') ? ['wasm (segwgpu-wasm)'] : [])];
      console.log(`onnxruntime-web ${ort.env.versions?.web}: ${loaded.module}, ${eps.join(' and ')} EP${eps.length > 1 ? 's' : ''}, ${threads} wasm thread(s)`);
    }
    models = [];
    const { specs, selfie, external } = selection(o.models);
    for (const spec of specs) {
      console.log(`model ${spec.name}: ${spec.description}`);
      const assets = await loadModelAssets(spec, async (p) => new Uint8Array(await readFile(join(ROOT, p))));
      models.push(
        await benchModel(
          assets,
          { segwgpuCtx: o.engines.includes('segwgpu') ? ctx : undefined, segwgpuWasm, ort, ortProviders, captureConsole: captureOutput },
          { runs: o.runs, bigRuns: o.bigRuns, profile: o.profile, winograd: o.winograd, log: (l) => console.log(`  ${l}`) },
        ),
      );
    }
    for (const spec of external) {
      const result = await benchExternalInNode(spec, o, ctx, { ort, ortProviders, captureConsole: captureOutput });
      models.push(result.model);
      if (result.tfjsVersion) env = { ...env, tfjsVersion: result.tfjsVersion };
    }
    if (selfie && (o.engines.includes('segwgpu') || segwgpuWasm)) {
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
          ort,
          nodeNote: "MediaPipe not run: --node has no browser (its solution needs the DOM and WebGL); raw RGBA pixels in, the process's dawn.node device",
          options: { runs: o.runs, log: (l) => console.log(`  ${l}`) },
        })),
      );
    }
  }
  return { env, kernels, models, errors: [] };
}

/**
 * onnxruntime-web for the ORT engines asked for. With ort-webgpu, one browser build serves both
 * EPs, as in the page: dist/<--ort-bundle> (default ort.min.mjs, what the page imports), on
 * dawn.node through bench/ort-node-webgpu.ts. With ort-wasm alone, the Node build (what
 * `import 'onnxruntime-web'` gives in Node: dist/ort.node.min.mjs, the wasm EP only). `module`
 * names the build for the report.
 */
async function loadOrt(o: Options, providers: readonly ('webgpu' | 'wasm')[]): Promise<{ ort: Ort; module: string }> {
  if (!providers.includes('webgpu')) return { ort: (await import('onnxruntime-web')) as Ort, module: 'onnxruntime-web (Node build)' };
  await prepareOrtWebgpuInNode();
  const ort = (await import(pathToFileURL(join(ORT_DIST, o.ortBundle)).href)) as Ort;
  return { ort, module: `onnxruntime-web/dist/${o.ortBundle} on dawn.node` };
}

/**
 * What ORT's wasm runtime printed while a capture ran (its warning that nodes left the WebGPU EP,
 * its verbose node placements), for bench/models.ts as bench/browser/page.ts gives the page's.
 * In Node its threaded emscripten build prints with fs.writeSync(1 | 2, line), not through the
 * console, so that is what is hooked (once, before ORT loads; lines kept only while a capture
 * runs), and its terminal colour codes are dropped.
 */
function hookRuntimeOutput(): NonNullable<OrtOptions['captureConsole']> {
  let capturing: string[] | undefined;
  const original = fs.writeSync;
  (fs as { writeSync: typeof fs.writeSync }).writeSync = function (this: unknown, fd: number, ...rest: unknown[]) {
    const text = rest[0];
    if (capturing && (fd === 1 || fd === 2) && typeof text === 'string') capturing.push(...text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean));
    return (original as (...args: unknown[]) => number).call(fs, fd, ...rest);
  } as typeof fs.writeSync;
  return async <T>(fn: () => Promise<T>) => {
    const lines: string[] = [];
    capturing = lines;
    try {
      return { value: await fn(), lines };
    } finally {
      capturing = undefined;
    }
  };
}

/**
 * One external model in Node: ISNet on segwgpu (dawn.node) and ORT's EPs; a tfjs model on
 * segwgpu and tfjs's cpu backend, which reads the same files through an IOHandler (timed as its
 * load, as segwgpu's loadTfjsModel reads them from the path).
 */
async function benchExternalInNode(
  spec: ExternalSpec,
  o: Options,
  ctx: Awaited<ReturnType<typeof nodeGpuContext>>,
  { ort, ortProviders, captureConsole }: { ort?: Ort; ortProviders: readonly ('webgpu' | 'wasm')[]; captureConsole?: OrtOptions['captureConsole'] },
): Promise<{ model: ModelResult; tfjsVersion?: string }> {
  const path = join(ROOT, spec.file);
  if (!existsSync(path)) {
    const absent = absentResult(spec);
    console.log(`model ${spec.name}: not run, ${absent.skipped}`);
    return { model: absent };
  }
  console.log(`model ${spec.name}: ${spec.description}`);
  const { readImageFile } = await import('../src/node/image.js');
  const photo = readImageFile(join(ROOT, o.photo));
  const segwgpuCtx = o.engines.includes('segwgpu') ? ctx : undefined;
  const log = (l: string) => console.log(`  ${l}`);
  if (spec.kind === 'isnet') {
    const [onnx, tiny] = await Promise.all([readFile(path), readFile(join(ROOT, TINY_MODEL))]);
    const model = await benchIsnet({ spec, onnx: new Uint8Array(onnx), tiny: new Uint8Array(tiny), photo, photoPath: o.photo, segwgpuCtx, ort, ortProviders, captureConsole, options: { runs: o.runs, bigRuns: o.bigRuns, profile: o.profile, log } });
    return { model };
  }
  const { readTfjsModelJson, tfjsWeightPaths } = await import('../src/import/tfjs.js');
  const shardPaths = tfjsWeightPaths(readTfjsModelJson(await readFile(path, 'utf8'), spec.name)).map((p) => join(dirname(path), p));
  const modelBytes = shardPaths.reduce((n, p) => n + statSync(p).size, statSync(path).size);
  const { benchTfjsModel, loadTfjs } = await import('./tfjs.js');
  let tfjs: Awaited<ReturnType<typeof loadTfjs>> | undefined;
  let tfjsError: { engine: 'tfjs-cpu'; error: string } | undefined;
  if (o.engines.includes('tfjs-cpu')) {
    try {
      tfjs = await loadTfjs('cpu');
      log(`tfjs ${tfjs.version}, ${tfjs.backend}`);
    } catch (e) {
      tfjsError = { engine: 'tfjs-cpu', error: `backend start failed: ${(e as Error).message}` };
    }
  }
  // tfjs-core has no file:// loader without tfjs-node: the same files, read when tfjs loads.
  const tfjsSource = {
    async load() {
      const json = JSON.parse(await readFile(path, 'utf8')) as { modelTopology: object; weightsManifest: { weights: unknown[] }[]; format?: string; generatedBy?: string; convertedBy?: string | null };
      const shards = await Promise.all(shardPaths.map((p) => readFile(p)));
      const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
      shards.reduce((at, s) => (weightData.set(s, at), at + s.length), 0);
      return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy };
    },
  };
  const model = await benchTfjsModel({ spec, source: path, tfjsSource: tfjsSource as Parameters<typeof benchTfjsModel>[0]['tfjsSource'], modelBytes, photo, photoPath: o.photo, segwgpuCtx, tfjs, tfjsError, options: { runs: o.runs, log } });
  return { model, tfjsVersion: tfjs?.version };
}
