/**
 * The benchmarks in headless system Chromium (puppeteer, WebGPU on SwiftShader unless --real-gpu):
 * one fresh page per task (kernels, each model, the selfie photo), served by a vite dev server on
 * 127.0.0.1 (bench/browser/index.html, bench/static-server.ts).
 */
import { existsSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { KernelBenchReport } from './kernels.js';
import type { ModelResult } from './models.js';
import { SELFIE_BENCH } from './mediapipe.js';
import { absentResult } from './external-models.js';
import type { RunnerResult } from './node-runner.js';
import { ROOT, selection, type Options } from './options.js';
import type { BenchEnvironment } from './report.js';
import { benchServerPlugin } from './static-server.js';
import type { PageConfig, PageState } from './browser/page.js';

/** Chromium flags MediaPipe needs for WebGL on a machine without a GPU (as scripts/make_mediapipe_references.ts). */
const WEBGL_SWIFTSHADER_FLAGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export async function runInBrowser(o: Options): Promise<RunnerResult> {
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
    // tfjs (imported by bench/tfjs.ts on a tfjs model's page) is pre-bundled from node_modules as
    // ES modules when the server starts, so that no page load triggers a re-optimisation.
    optimizeDeps: { entries: ['bench/browser/index.html'], exclude: ['onnxruntime-web'], include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-cpu'] },
    // The sources import the built-in models as `*.tflite?inline` (as vite.config.ts says).
    assetsInclude: ['**/*.tflite'],
    plugins: [benchServerPlugin()],
  });
  await server.listen();
  const address = server.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const { specs, selfie, external } = selection(o.models);
  const withSelfie = o.what !== 'kernels' && selfie;
  // MediaPipe needs WebGL: on SwiftShader through ANGLE unless --real-gpu (WebGPU stays on its own adapter).
  const chromium = await launchChromium({ useRealGpu: o.realGpu, extraArgs: withSelfie && !o.realGpu ? WEBGL_SWIFTSHADER_FLAGS : [] });
  console.log(`segwgpu benchmark in headless ${chromium.version} (${chromium.browser.process()?.spawnfile ?? 'system chromium'}), pages from http://127.0.0.1:${port}/`);
  const base: Omit<PageConfig, 'task'> = {
    runs: o.runs,
    filter: o.filter,
    bigRuns: o.bigRuns,
    profile: o.profile,
    winograd: o.winograd,
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
      if (pageEnv.tfjsVersion && !env.tfjsVersion) env = { ...env, tfjsVersion: pageEnv.tfjsVersion };
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
      for (const spec of external) {
        if (!existsSync(join(ROOT, spec.file))) {
          const absent = absentResult(spec);
          console.log(`model ${spec.name}: not run, ${absent.skipped}`);
          models.push(absent);
          continue;
        }
        console.log(`model ${spec.name} (fresh page)`);
        try {
          const state = await runPage({ ...base, task: 'external', model: spec.name });
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
    if (!env) {
      // Only absent external models were asked for: no page ran, the rows still say why.
      if (errors.length > 0 || !models || models.length === 0) throw new Error(`no benchmark page completed: ${errors.join('; ')}`);
      env = { runtime: 'chromium', adapter: 'not started (no page ran)', browserVersion: chromium.version, node: process.version, platform: `${platform()} ${release()}`, cpus: cpus().length };
    }
    return { env, kernels, models, errors };
  } finally {
    await chromium.close();
    await server.close();
  }
}

