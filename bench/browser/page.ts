/**
 * The benchmark page, driven by bench/run.ts through puppeteer: one task per page load, given as
 * JSON in the `config` query parameter (kernels, or one model on every engine; a fresh page per
 * model, so each gets fresh GPU devices and a fresh onnxruntime-web runtime). Progress goes to
 * the console (forwarded to the terminal), the result to window.__bench.
 */
import type * as OrtModule from 'onnxruntime-web';
import { browserGpuContext } from '../../src/gpu/context.js';
import { runKernelBench, type KernelBenchReport } from '../kernels.js';
import { benchModel, loadModelAssets, selectModels, TINY_MODEL, type EngineName, type ModelResult, type Ort } from '../models.js';
import { benchSelfie, loadMediapipe, webglRenderer } from '../mediapipe.js';
import { benchIsnet, externalSpec } from '../external-models.js';
import type { RgbaImage } from '../../src/node/image.js';
import { readTfjsModelJson, tfjsWeightPaths } from '../../src/import/tfjs.js';

export interface PageConfig {
  /**
   * 'selfie': the image-in, mask-out benchmark, segwgpu's Segmenter against MediaPipe (bench/mediapipe.ts);
   * 'external': one external model (ISNet against ORT, a tfjs model against tfjs; bench/external-models.ts).
   */
  readonly task: 'kernels' | 'model' | 'selfie' | 'external';
  readonly runs: number;
  readonly filter?: string;
  readonly model?: string;
  readonly bigRuns: number;
  readonly profile: boolean;
  readonly winograd: 'auto' | 'off' | 2 | 4;
  readonly engines: readonly EngineName[];
  /** URL of onnxruntime-web's ESM build and the folder of its .wasm/.mjs files (served locally). */
  readonly ortModule: string;
  readonly ortWasmPaths: string;
  /** 0: all of navigator.hardwareConcurrency when cross-origin isolated, else 1. */
  readonly ortThreads: number;
  /** The selfie and external benchmarks' photo, a path under the served repository root. */
  readonly photo: string;
}

export interface PageEnvironment {
  adapter: string;
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  ortVersion?: string;
  ortThreads?: number;
  ortModule?: string;
  /** The WebGL renderer (MediaPipe's backend), on the selfie page. */
  webgl?: string;
  /** tfjs-core's version, on a tfjs model's page. */
  tfjsVersion?: string;
}

export interface PageState {
  done: boolean;
  env?: PageEnvironment;
  kernels?: KernelBenchReport;
  model?: ModelResult;
  /** The selfie page: one result per selfie model. */
  selfie?: ModelResult[];
  error?: string;
}

declare global {
  interface Window {
    __bench?: PageState;
  }
}

const state: PageState = { done: false };
window.__bench = state;
const logEl = document.getElementById('log')!;

function log(line: string): void {
  logEl.textContent += `${line}\n`;
  console.log(`bench: ${line}`);
}

async function read(path: string): Promise<Uint8Array> {
  const response = await fetch(`/${path}`);
  if (!response.ok) throw new Error(`GET /${path}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Everything printed to the console, hooked before onnxruntime-web loads: its wasm logger binds
 * console.error/warn once when the runtime starts, so hooks installed later would miss it.
 */
const consoleLines: string[] = [];
for (const m of ['log', 'warn', 'error', 'info', 'debug'] as const) {
  const original = console[m].bind(console);
  console[m] = (...args: unknown[]) => {
    consoleLines.push(args.map(String).join(' '));
    original(...args);
  };
}

/** What was printed to the console while `fn` ran (ORT's warnings, e.g. nodes left to its CPU EP). */
async function captureConsole<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const start = consoleLines.length;
  const value = await fn();
  return { value, lines: consoleLines.slice(start) };
}

async function loadOrt(config: PageConfig, env: PageEnvironment): Promise<Ort> {
  const ort = (await import(/* @vite-ignore */ config.ortModule)) as Ort;
  ort.env.wasm.wasmPaths = new URL(config.ortWasmPaths, location.href).href;
  const threads = config.ortThreads > 0 ? config.ortThreads : crossOriginIsolated ? navigator.hardwareConcurrency : 1;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  env.ortVersion = ort.env.versions?.web ?? 'unknown';
  env.ortThreads = threads;
  env.ortModule = config.ortModule;
  return ort as typeof OrtModule;
}

async function main(): Promise<void> {
  const raw = new URLSearchParams(location.search).get('config');
  if (!raw) throw new Error('no ?config= given');
  const config = JSON.parse(raw) as PageConfig;
  const ctx = await browserGpuContext();
  const env: PageEnvironment = {
    adapter: ctx.adapterName,
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
  state.env = env;
  log(`adapter: ${ctx.adapterName}; cross-origin isolated: ${crossOriginIsolated}`);
  if (config.task === 'kernels') {
    state.kernels = await runKernelBench(ctx, { runs: config.runs, filter: config.filter, runtime: navigator.userAgent, log });
    return;
  }
  if (config.task === 'selfie') {
    await runSelfie(config, env);
    return;
  }
  if (config.task === 'external') {
    await runExternal(config, env, ctx);
    return;
  }
  const [spec] = selectModels([config.model!]);
  const assets = await loadModelAssets(spec, read);
  // segwgpu-wasm runs on ORT's wasm EP too.
  const wantsOrt = config.engines.some((e) => e.startsWith('ort-') || e === 'segwgpu-wasm');
  const ort = wantsOrt ? await loadOrt(config, env) : undefined;
  if (ort) log(`onnxruntime-web ${env.ortVersion}, wasm threads ${env.ortThreads}`);
  log(`${spec.name}: ${spec.description}`);
  state.model = await benchModel(
    assets,
    {
      segwgpuCtx: config.engines.includes('segwgpu') ? ctx : undefined,
      segwgpuWasm: config.engines.includes('segwgpu-wasm'),
      ort,
      ortProviders: (['webgpu', 'wasm'] as const).filter((ep) => config.engines.includes(`ort-${ep}`)),
      captureConsole,
    },
    { runs: config.runs, bigRuns: config.bigRuns, profile: config.profile, winograd: config.winograd, log },
  );
}

/** The photo's RGBA pixels as the file has them (no colour-space conversion, alpha not premultiplied). */
async function photoPixels(path: string): Promise<RgbaImage> {
  const blob = new Blob([(await read(path)) as BlobPart]);
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: bitmap.width, height: bitmap.height, data };
}

async function runExternal(config: PageConfig, env: PageEnvironment, ctx: Awaited<ReturnType<typeof browserGpuContext>>): Promise<void> {
  const spec = externalSpec(config.model!);
  const photo = await photoPixels(config.photo);
  log(`${spec.name}: ${spec.description}; ${config.photo} ${photo.width}x${photo.height}`);
  const segwgpuCtx = config.engines.includes('segwgpu') ? ctx : undefined;
  const options = { runs: config.runs, bigRuns: config.bigRuns, profile: config.profile, log };
  if (spec.kind === 'isnet') {
    const [onnx, tiny] = await Promise.all([read(spec.file), read(TINY_MODEL)]);
    const wantsOrt = config.engines.some((e) => e.startsWith('ort-'));
    const ort = wantsOrt ? await loadOrt(config, env) : undefined;
    if (ort) log(`onnxruntime-web ${env.ortVersion}, wasm threads ${env.ortThreads}`);
    state.model = await benchIsnet({
      spec,
      onnx,
      tiny,
      photo,
      photoPath: config.photo,
      segwgpuCtx,
      ort,
      ortProviders: (['webgpu', 'wasm'] as const).filter((ep) => config.engines.includes(`ort-${ep}`)),
      captureConsole,
      options,
    });
    return;
  }
  // The files' size, for the report (read before anything is timed).
  const json = await read(spec.file);
  const folder = spec.file.slice(0, spec.file.lastIndexOf('/') + 1);
  const shards = await Promise.all(tfjsWeightPaths(readTfjsModelJson(json, spec.name)).map((p) => read(`${folder}${p}`)));
  const modelBytes = shards.reduce((n, s) => n + s.length, json.length);
  const { benchTfjsModel, loadTfjs } = await import('../tfjs.js');
  let tfjs: Awaited<ReturnType<typeof loadTfjs>> | undefined;
  let tfjsError: { engine: 'tfjs-webgpu'; error: string } | undefined;
  if (config.engines.includes('tfjs-webgpu')) {
    try {
      tfjs = await loadTfjs('webgpu');
      env.tfjsVersion = tfjs.version;
      log(`tfjs ${tfjs.version}, ${tfjs.backend}`);
    } catch (e) {
      tfjsError = { engine: 'tfjs-webgpu', error: `backend start failed: ${(e as Error).message}` };
      log(`tfjs-webgpu error: ${tfjsError.error}`);
    }
  }
  const url = new URL(`/${spec.file}`, location.href).href;
  state.model = await benchTfjsModel({ spec, source: url, tfjsSource: url, modelBytes, photo, photoPath: config.photo, segwgpuCtx, tfjs, tfjsError, options });
}

async function runSelfie(config: PageConfig, env: PageEnvironment): Promise<void> {
  const image = new Image();
  image.src = `/${config.photo}`;
  await image.decode();
  const wantsMediapipe = config.engines.some((e) => e.startsWith('mediapipe-'));
  let mediapipe: { image: HTMLImageElement; baseUrl: string; webgl: string } | undefined;
  if (wantsMediapipe) {
    await loadMediapipe('/mediapipe/selfie_segmentation.js');
    env.webgl = webglRenderer();
    const version = (window as unknown as { VERSION?: string }).VERSION;
    log(`MediaPipe selfie_segmentation ${version ?? ''} on WebGL: ${env.webgl}`);
    mediapipe = { image, baseUrl: '/mediapipe/', webgl: env.webgl };
  }
  const ort = config.engines.includes('segwgpu-wasm') ? await loadOrt(config, env) : undefined;
  state.selfie = await benchSelfie({
    ort,
    image,
    photo: config.photo,
    width: image.naturalWidth,
    height: image.naturalHeight,
    modelBytes: async (m) => (await read(m.file)).byteLength,
    engines: config.engines,
    mediapipe,
    options: { runs: config.runs, log },
  });
}

main()
  .catch((e) => {
    state.error = (e as Error).stack ?? String(e);
    log(`error: ${state.error}`);
  })
  .finally(() => {
    state.done = true;
  });
