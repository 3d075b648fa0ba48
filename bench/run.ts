/**
 * npm run bench -- [all|kernels|models] [options]
 *
 *   all (default)  kernels, then models
 *   kernels        per-kernel median GPU time (timestamp queries), GFLOP/s and GB/s, against the
 *                  adapter's matmul ceiling (bench/kernels.ts)
 *   models         per-model first-run and warm latency on segwgpu and on onnxruntime-web (WebGPU
 *                  EP and wasm EP) with the same .onnx files (bench/models.ts), and `selfie`: photo in,
 *                  masks out, segwgpu's Segmenter against MediaPipe's own solution (bench/mediapipe.ts)
 *
 * Where: --browser (default) headless system Chromium through puppeteer (WebGPU on SwiftShader
 * unless --real-gpu), pages served by a vite dev server on 127.0.0.1; --node: Node on dawn.node
 * (ORT there is onnxruntime-web's Node build: wasm EP only).
 *
 * Options: `npm run bench -- --help` (the BENCH spec below), bench/README.md.
 *
 * Results: <out>/<what>-<runtime>-<date>.json and .html (written atomically), and a text table.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeGpuContext } from '../src/node/gpu.js';
import { runKernelBench, type KernelBenchReport } from './kernels.js';
import { benchModel, loadModelAssets, selectModels, type EngineName, type ModelResult, type Ort, type ModelSpec } from './models.js';
import { benchSelfie, SELFIE_BENCH, SELFIE_PHOTO } from './mediapipe.js';
import { textReport, writeResults, type BenchEnvironment, type BenchResults } from './report.js';
import type { PageConfig, PageState } from './browser/page.js';
import { booleanValue, commandHelp, parseCommand, stringValue, type CommandSpec, type ParsedCommand } from '../src/cli/args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
const ALL_ENGINES: readonly EngineName[] = ['segwgpu', 'ort-webgpu', 'ort-wasm', 'mediapipe-webgl', 'mediapipe-cpu'];
const MEDIAPIPE_PACKAGE = join(ROOT, 'node_modules', '@mediapipe', 'selfie_segmentation');
/** Chromium flags MediaPipe needs for WebGL on a machine without a GPU (as scripts/make_mediapipe_references.ts). */
const WEBGL_SWIFTSHADER_FLAGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/** The ONNX models of --models, and whether the selfie benchmark is in it (all when not given). */
function selection(models?: readonly string[]): { specs: ModelSpec[]; selfie: boolean } {
  if (!models) return { specs: selectModels(), selfie: true };
  const onnx = models.filter((m) => m !== SELFIE_BENCH);
  return { specs: onnx.length > 0 ? selectModels(onnx) : [], selfie: models.includes(SELFIE_BENCH) };
}

interface Options {
  what: 'all' | 'kernels' | 'models';
  runtime: 'chromium' | 'node';
  runs: number;
  bigRuns: number;
  filter?: string;
  models?: string[];
  /** The selfie benchmark's photo, relative to the repository root. */
  photo: string;
  engines: EngineName[];
  profile: boolean;
  ortThreads: number;
  ortBundle: string;
  out: string;
  realGpu: boolean;
}

const BENCH: CommandSpec = {
  name: 'bench',
  invocation: 'npm run bench --',
  positionals: '[all|kernels|models]',
  positionalCount: [0, 1],
  brief: 'kernel and model benchmarks',
  summary: 'Benchmarks: kernels (per-kernel GPU time, GFLOP/s, GB/s against the adapter\'s matmul ceiling), models (first and warm runs on segwgpu and onnxruntime-web; `selfie`: photo in, masks out against MediaPipe\'s own solution), or all (default).',
  options: {
    node: { type: 'boolean', help: 'run in Node on dawn.node (ORT: wasm EP only) instead of headless Chromium' },
    browser: { type: 'boolean', help: 'run in headless system Chromium (the default)' },
    runs: { type: 'string', value: 'N', help: 'timed runs, the median is reported (default 5)' },
    'big-runs': { type: 'string', value: 'N', help: 'cap on the runs of the 256x256 U-Net (default 3)' },
    filter: { type: 'string', value: 'TEXT', help: 'kernels whose name contains TEXT' },
    models: { type: 'string', value: 'a,b', help: `some of unet, fcn8s, segnet, unet16_256, ${SELFIE_BENCH}` },
    engines: { type: 'string', value: 'a,b', help: `some of ${ALL_ENGINES.join(', ')}` },
    photo: { type: 'string', value: 'FILE', help: `the selfie benchmark's photo, a PNG or JPEG inside the repository (default ${SELFIE_PHOTO})` },
    profile: { type: 'boolean', help: 'one more segwgpu run per model with per-node timestamps: GPU time per op type' },
    'ort-threads': { type: 'string', value: 'N', help: 'ORT wasm threads; 0 = every core when cross-origin isolated, else 1 (default 0)' },
    'ort-bundle': { type: 'string', value: 'FILE', help: 'onnxruntime-web dist file (default ort.min.mjs)' },
    out: { type: 'string', value: 'DIR', help: 'where the JSON and HTML results go (default bench/results)' },
    'real-gpu': { type: 'boolean', help: 'let Chromium choose its adapter instead of forcing SwiftShader' },
  },
  notes: 'Results: <out>/<what>-<runtime>-<date>.json and .html, and a text table. See bench/README.md.',
};

class UsageError extends Error {}

function integerOption(args: ParsedCommand, name: string, fallback: number, min: number): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} needs an integer >= ${min}, got ${raw}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  let args: ParsedCommand;
  try {
    args = parseCommand(BENCH, argv);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^bench: /, ''));
  }
  if (args.help) {
    console.log(commandHelp(BENCH));
    process.exit(0);
  }
  const what = args.positionals[0] ?? 'all';
  if (what !== 'all' && what !== 'kernels' && what !== 'models') throw new UsageError(`unknown benchmark '${what}' (all, kernels or models)`);
  if (booleanValue(args, 'node') && booleanValue(args, 'browser')) throw new UsageError('--node and --browser: choose one');
  const o: Options = {
    what,
    runtime: booleanValue(args, 'node') ? 'node' : 'chromium',
    runs: integerOption(args, 'runs', 5, 1),
    bigRuns: integerOption(args, 'big-runs', 3, 1),
    filter: stringValue(args, 'filter'),
    engines: [],
    profile: booleanValue(args, 'profile'),
    ortThreads: integerOption(args, 'ort-threads', 0, 0),
    ortBundle: stringValue(args, 'ort-bundle') ?? 'ort.min.mjs',
    out: resolve(stringValue(args, 'out') ?? join(ROOT, 'bench', 'results')),
    realGpu: booleanValue(args, 'real-gpu'),
    photo: SELFIE_PHOTO,
  };
  const models = stringValue(args, 'models');
  if (models !== undefined) {
    o.models = models.split(',').filter(Boolean);
    try {
      selection(o.models);
    } catch (e) {
      throw new UsageError(`${(e as Error).message}, ${SELFIE_BENCH}`);
    }
  }
  const engines = stringValue(args, 'engines');
  if (engines !== undefined) {
    const list = engines.split(',').filter(Boolean);
    const bad = list.filter((e) => !ALL_ENGINES.includes(e as EngineName));
    if (bad.length > 0) throw new UsageError(`unknown engine(s) ${bad.join(', ')} (available: ${ALL_ENGINES.join(', ')})`);
    o.engines = list as EngineName[];
  }
  if (!/^[\w.-]+\.mjs$/.test(o.ortBundle) || !existsSync(join(ORT_DIST, o.ortBundle))) throw new UsageError(`--ort-bundle: no ${o.ortBundle} in ${ORT_DIST}`);
  const photo = stringValue(args, 'photo');
  if (photo !== undefined) {
    // The page fetches it from the dev server, which serves the repository: it must be inside.
    const file = resolve(photo);
    const inside = relative(ROOT, file);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new UsageError(`--photo ${file}: the photo must be inside the repository (${ROOT}), which the benchmark page is served from`);
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--photo ${file}: no such file`);
    if (!/\.(png|jpe?g)$/i.test(file)) throw new UsageError(`--photo ${file}: a PNG or JPEG file is needed`);
    o.photo = inside.split(sep).join('/');
  }
  if (engines === undefined) o.engines = o.runtime === 'node' ? ['segwgpu', 'ort-wasm'] : [...ALL_ENGINES];
  if (o.runtime === 'node' && o.engines.some((e) => e.startsWith('mediapipe-'))) throw new UsageError("mediapipe-webgl / mediapipe-cpu need a browser: MediaPipe's selfie segmentation solution runs on the DOM and WebGL (drop --node)");
  if (o.runtime === 'node' && o.engines.includes('ort-webgpu')) throw new UsageError("ort-webgpu needs a browser: onnxruntime-web's Node build has only the wasm EP (drop --node, or use --engines segwgpu,ort-wasm)");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Node (dawn.node)
// ---------------------------------------------------------------------------------------------

async function runInNode(o: Options): Promise<{ env: BenchEnvironment; kernels?: KernelBenchReport; models?: ModelResult[]; errors: string[] }> {
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

// ---------------------------------------------------------------------------------------------
// Headless Chromium
// ---------------------------------------------------------------------------------------------

const MIME: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json', '.binarypb': 'application/octet-stream', '.tflite': 'application/octet-stream', '.data': 'application/octet-stream' };

/**
 * Serves onnxruntime-web's dist folder as it is under /ort/ (vite must not transform ORT's
 * modules: they locate their .wasm and worker .mjs by URL), and sends the cross-origin isolation
 * headers with every response, so SharedArrayBuffer (ORT's wasm threads) is available.
 */
function benchServerPlugin() {
  const isolate = (res: ServerResponse) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };
  return {
    name: 'segwgpu-bench-server',
    configureServer(server: { middlewares: { use: (fn: (req: IncomingMessage, res: ServerResponse, next: () => void) => void) => void } }) {
      server.middlewares.use((req, res, next) => {
        isolate(res);
        const url = (req.url ?? '').split('?')[0];
        // ORT's dist and MediaPipe's package folder, both untransformed.
        const mount = url.startsWith('/ort/') ? { prefix: '/ort/', dir: ORT_DIST } : url.startsWith('/mediapipe/') ? { prefix: '/mediapipe/', dir: MEDIAPIPE_PACKAGE } : undefined;
        if (!mount) return next();
        const file = resolve(mount.dir, decodeURIComponent(url.slice(mount.prefix.length)));
        if (!file.startsWith(mount.dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          res.end(`not found: ${url}`);
          return;
        }
        res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(res);
      });
    },
  };
}

async function runInBrowser(o: Options): Promise<{ env: BenchEnvironment; kernels?: KernelBenchReport; models?: ModelResult[]; errors: string[] }> {
  const { createServer } = await import('vite');
  const { launchChromium } = await import('../scripts/dev/chromium.js');
  const server = await createServer({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    clearScreen: false,
    // Its own cache, and no watcher or HMR: files edited during a run must not reload the page.
    cacheDir: join(ROOT, 'node_modules', '.vite-bench'),
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { entries: ['bench/browser/index.html'], exclude: ['onnxruntime-web'] },
    // The sources import the built-in models as `*.tflite?inline` (as vite.config.ts says).
    assetsInclude: ['**/*.tflite'],
    plugins: [benchServerPlugin()],
  });
  await server.listen();
  const address = server.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { specs, selfie } = selection(o.models);
  const withSelfie = o.what !== 'kernels' && selfie;
  // MediaPipe needs WebGL: on SwiftShader through ANGLE unless --real-gpu (WebGPU stays on its own adapter).
  const chromium = await launchChromium({ useRealGpu: o.realGpu, extraArgs: withSelfie && !o.realGpu ? WEBGL_SWIFTSHADER_FLAGS : [] });
  console.log(`segwgpu benchmark in headless ${chromium.version} (${chromium.browser.process()?.spawnfile ?? 'system chromium'}), pages from http://127.0.0.1:${port}/`);
  const base: Omit<PageConfig, 'task'> = {
    runs: o.runs,
    filter: o.filter,
    bigRuns: o.bigRuns,
    profile: o.profile,
    engines: o.engines,
    ortModule: `/ort/${o.ortBundle}`,
    ortWasmPaths: '/ort/',
    ortThreads: o.ortThreads,
    photo: o.photo,
  };
  let env: BenchEnvironment | undefined;
  const runPage = async (config: PageConfig): Promise<PageState> => {
    const page = await chromium.browser.newPage();
    page.setDefaultTimeout(0);
    page.on('console', (m) => {
      // eslint-disable-next-line no-control-regex
      const text = m.text().replace(/\x1b\[[0-9;]*m/g, '');
      if (text.startsWith('bench: ')) console.log(`  ${text.slice('bench: '.length)}`);
      // ORT's info/verbose log (the node-placement probe turns it on) stays in the page.
      // MediaPipe logs glog lines (I0000 ..., W0000 ...) and TFLite's INFO lines as warnings; they stay too.
      else if ((m.type() === 'error' || m.type() === 'warn') && !/\[[IV]:onnxruntime/.test(text) && !/^([IW]\d{4} |INFO: )/.test(text)) console.log(`  [page ${m.type()}] ${text.slice(0, 500)}`);
    });
    page.on('pageerror', (e) => console.log(`  [page error] ${(e as Error).message ?? e}`));
    try {
      await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html?config=${encodeURIComponent(JSON.stringify(config))}`);
      // Polled with short calls: one long waitForFunction would run into puppeteer's protocol timeout.
      while (!(await page.evaluate(() => window.__bench?.done === true))) await new Promise((r) => setTimeout(r, 1000));
      const state = (await page.evaluate(() => window.__bench)) as PageState;
      if (state.error) throw new Error(`benchmark page failed: ${state.error}`);
      const pageEnv = state.env!;
      env ??= {
        runtime: 'chromium',
        adapter: pageEnv.adapter,
        browserVersion: chromium.version,
        userAgent: pageEnv.userAgent,
        node: process.version,
        platform: `${platform()} ${release()}`,
        cpus: cpus().length,
        crossOriginIsolated: pageEnv.crossOriginIsolated,
      };
      if (pageEnv.ortVersion && !env.ortVersion) env = { ...env, ortVersion: pageEnv.ortVersion, ortThreads: pageEnv.ortThreads, ortModule: pageEnv.ortModule };
      return state;
    } finally {
      await page.close().catch(() => undefined);
    }
  };
  try {
    // A page that fails (or crashes) is reported and the run goes on with the next one.
    const errors: string[] = [];
    let kernels: KernelBenchReport | undefined;
    if (o.what !== 'models') {
      console.log(`kernels: median of ${o.runs} after 1 warm-up`);
      try {
        const state = await runPage({ ...base, task: 'kernels' });
        kernels = { ...state.kernels!, runtime: `${chromium.version}; ${state.env!.userAgent}` };
      } catch (e) {
        errors.push(`kernels: ${(e as Error).message}`);
        console.error(`  kernels failed: ${(e as Error).message}`);
      }
    }
    let models: ModelResult[] | undefined;
    if (o.what !== 'kernels') {
      models = [];
      for (const spec of specs) {
        console.log(`model ${spec.name} (fresh page)`);
        try {
          const state = await runPage({ ...base, task: 'model', model: spec.name });
          models.push(state.model!);
        } catch (e) {
          errors.push(`model ${spec.name}: ${(e as Error).message}`);
          console.error(`  model ${spec.name} failed: ${(e as Error).message}`);
        }
      }
      if (withSelfie) {
        console.log(`${SELFIE_BENCH}: ${o.photo} in, masks out; segwgpu's Segmenter and MediaPipe's solution in one fresh page`);
        try {
          const state = await runPage({ ...base, task: 'selfie' });
          models.push(...state.selfie!);
          if (state.env?.webgl) env = { ...env!, webgl: state.env.webgl };
        } catch (e) {
          errors.push(`${SELFIE_BENCH}: ${(e as Error).message}`);
          console.error(`  ${SELFIE_BENCH} failed: ${(e as Error).message}`);
        }
      }
    }
    if (!env) throw new Error(`no benchmark page completed: ${errors.join('; ')}`);
    return { env, kernels, models, errors };
  } finally {
    await chromium.close();
    await server.close();
  }
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
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
