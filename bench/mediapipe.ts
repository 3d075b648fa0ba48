/**
 * The image-in, mask-out benchmark "selfie": segwgpu's Segmenter with the built-in models
 * 'selfie' and 'selfie-landscape' (MediaPipe's TFLite files) against MediaPipe's own selfie
 * segmentation solution (@mediapipe/selfie_segmentation, modelSelection 0 / 1) on the same photo,
 * in the same page, browser and run.
 *
 * End point on both sides: the mask's pixels in JS memory at the photo's size.
 * - segwgpu: `Segmenter.create({ outputCategoryMask: false })` + `segment(image)` returning the
 *   confidence mask, MediaPipe's output (a category mask would add a threshold pass and a
 *   second readback that MediaPipe's side does not do).
 *   First run = create (model fetch + TFLite import + GPU device) + first segment (plan,
 *   pipeline compilation, run, read back); warm = median of N further segment() calls.
 * - MediaPipe: a fresh SelfieSegmentation; first run = construction + setOptions + initialize()
 *   (wasm, graph and model load) + first send until the mask is read back as pixels (drawn at the
 *   photo's size onto a 2D canvas, getImageData: the confidence is the alpha channel); warm =
 *   median of N further sends, each to the same end point. send() resolves before the mask's
 *   WebGL work is done, so send time alone would flatter it. `mediapipe-webgl` is the solution's
 *   default (TFLite GPU delegate on WebGL); `mediapipe-cpu` its `useCpuInference: true` option
 *   (XNNPACK in wasm; pre- and post-processing still WebGL).
 * First runs go one engine after another; warm runs interleave, one per engine per round, so
 * load from elsewhere on the machine falls on every engine alike.
 *
 * The MediaPipe half needs a browser (DOM, WebGL, the solution's script loaded as a global);
 * the segwgpu half also runs in Node (raw RGBA pixels, dawn.node device).
 */
import { Segmenter, type ImageSource } from '../src/api/segmenter.js';
import type { EngineName, EngineResult, ModelResult } from './models.js';
import { median } from './timing.js';

/** The name `--models` knows this benchmark by; its photo unless --photo names another. */
export const SELFIE_BENCH = 'selfie';
export const SELFIE_PHOTO = 'assets/astronaut.png';
export const MEDIAPIPE_DIR = 'node_modules/@mediapipe/selfie_segmentation';

export interface SelfieModel {
  /** segwgpu's built-in model name, also the result's model name. */
  readonly name: 'selfie' | 'selfie-landscape';
  readonly modelSelection: 0 | 1;
  readonly file: string;
  readonly description: string;
}

export const SELFIE_MODELS: readonly SelfieModel[] = [
  { name: 'selfie', modelSelection: 0, file: `${MEDIAPIPE_DIR}/selfie_segmentation.tflite`, description: 'MediaPipe selfie segmentation, general (256x256 input); photo in, masks out' },
  { name: 'selfie-landscape', modelSelection: 1, file: `${MEDIAPIPE_DIR}/selfie_segmentation_landscape.tflite`, description: 'MediaPipe selfie segmentation, landscape (144x256 input); photo in, masks out' },
];

export interface SelfieBenchOptions {
  readonly runs: number;
  readonly log?: (line: string) => void;
}

const now = () => performance.now();
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim();

/**
 * One engine on one model, measured in steps so that several engines' warm runs can interleave:
 * `first` creates the engine and runs it once (timed by the caller), `warm` runs it again to the
 * same end point, `close` frees it. An error in any step is kept as the result's error.
 */
interface SelfieRunner {
  readonly engine: EngineName;
  backend: string;
  /** Creates the engine and runs it once; returns the first run's parts (ms). */
  first(): Promise<Record<string, number>>;
  warm(): Promise<void>;
  close(): Promise<void>;
}

/**
 * segwgpu's Segmenter on `image`, confidence mask only. `device`: use it (Node); otherwise
 * Segmenter.create makes its own from navigator.gpu (included in the first run, as a user's first
 * call would). `person` holds the first run's person confidence, to compare with MediaPipe's mask.
 */
function segwgpuRunner(model: SelfieModel, image: ImageSource, device: GPUDevice | undefined, wasm?: { ort: unknown }): SelfieRunner & { person?: Float32Array } {
  let seg: Segmenter | undefined;
  const runner: SelfieRunner & { person?: Float32Array } = {
    engine: wasm ? 'segwgpu-wasm' : 'segwgpu',
    backend: wasm ? 'wasm' : 'WebGPU',
    async first() {
      const t0 = now();
      seg = await Segmenter.create(wasm ? { model: model.name, backend: 'wasm', ort: wasm.ort, outputCategoryMask: false } : { model: model.name, device, outputCategoryMask: false });
      const t1 = now();
      runner.backend = wasm ? `wasm: ${seg.adapterName}` : `WebGPU: ${seg.adapterName}`;
      const r = await seg.segment(image);
      const t2 = now();
      if (!r.confidenceMasks) throw new Error('segment() returned no confidence mask');
      runner.person = r.confidenceMasks[r.labels.indexOf('person')];
      return { create: t1 - t0, 'first segment': t2 - t1 };
    },
    async warm() {
      const r = await seg!.segment(image);
      if (!r.confidenceMasks) throw new Error('segment() returned no confidence mask');
    },
    async close() {
      seg?.close();
    },
  };
  return runner;
}

// ---------------------------------------------------------------------------------------------
// MediaPipe (browser only)
// ---------------------------------------------------------------------------------------------

interface MediapipeResults {
  segmentationMask: CanvasImageSource & { width: number; height: number };
}

interface MediapipeSolution {
  close(): Promise<void>;
  onResults(listener: (results: MediapipeResults) => void): void;
  initialize(): Promise<void>;
  send(inputs: { image: HTMLImageElement | HTMLCanvasElement | HTMLVideoElement }): Promise<void>;
  setOptions(options: Record<string, unknown>): void;
}

type MediapipeGlobal = { SelfieSegmentation?: new (config: { locateFile: (file: string) => string }) => MediapipeSolution; VERSION?: string };

/** Loads the solution's script (a classic script defining globals) from `url`, once. */
export async function loadMediapipe(url: string): Promise<void> {
  if ((window as unknown as MediapipeGlobal).SelfieSegmentation) return;
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.appendChild(script);
  });
  if (!(window as unknown as MediapipeGlobal).SelfieSegmentation) throw new Error(`${url} defined no SelfieSegmentation`);
}

/** The WebGL renderer MediaPipe's WebGL work runs on. */
export function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2';
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

/**
 * The mask's RGBA bytes at the photo's size: 'copy' onto a 2D canvas, getImageData. The alpha
 * channel is the confidence exactly (scripts/mediapipe-page/page.js explains why not red).
 */
function maskPixels(mask: CanvasImageSource, canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D): Uint8ClampedArray {
  ctx.globalCompositeOperation = 'copy';
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(mask, 0, 0, canvas.width, canvas.height);
  return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
}

/** MediaPipe's solution on `image`, a fresh instance; `alpha` holds the first mask's confidence bytes. */
function mediapipeRunner(
  model: SelfieModel,
  image: HTMLImageElement,
  options: { baseUrl: string; cpuInference: boolean; webgl: string },
): SelfieRunner & { alpha?: Uint8Array } {
  const width = image.naturalWidth;
  const height = image.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  let solution: MediapipeSolution | undefined;
  let latest: MediapipeResults | undefined;
  const sendAndRead = async (): Promise<Uint8ClampedArray> => {
    latest = undefined;
    await solution!.send({ image });
    if (!latest) throw new Error('MediaPipe returned no results');
    return maskPixels((latest as MediapipeResults).segmentationMask, canvas, ctx);
  };
  const runner: SelfieRunner & { alpha?: Uint8Array } = {
    engine: options.cpuInference ? 'mediapipe-cpu' : 'mediapipe-webgl',
    backend: options.cpuInference ? `wasm (useCpuInference; pre/post-processing on WebGL: ${options.webgl})` : `WebGL: ${options.webgl}`,
    async first() {
      const Ctor = (window as unknown as MediapipeGlobal).SelfieSegmentation!;
      const t0 = now();
      solution = new Ctor({ locateFile: (file) => `${options.baseUrl}${file}` });
      solution.onResults((r) => {
        latest = r;
      });
      solution.setOptions({ selfieMode: false, modelSelection: model.modelSelection, ...(options.cpuInference ? { useCpuInference: true } : {}) });
      await solution.initialize();
      const t1 = now();
      const rgba = await sendAndRead();
      const t2 = now();
      const alpha = new Uint8Array(width * height);
      for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
      runner.alpha = alpha;
      return { initialize: t1 - t0, 'first mask': t2 - t1 };
    },
    async warm() {
      await sendAndRead();
    },
    async close() {
      await solution?.close().catch(() => undefined);
    },
  };
  return runner;
}

/**
 * Runs the engines' first runs one after another, then their warm runs in rounds (each engine
 * once per round, in turn), so load from elsewhere on the machine falls on all of them alike: on a
 * shared 2-core machine, back-to-back blocks of runs drifted by 30% against each other.
 */
async function runInterleaved(runners: readonly SelfieRunner[], options: SelfieBenchOptions): Promise<EngineResult[]> {
  const results = runners.map((r) => ({ warmSamples: [] as number[], firstMs: undefined as number | undefined, firstParts: undefined as Record<string, number> | undefined, error: undefined as string | undefined }));
  const log = (i: number, line: string) => options.log?.(`${runners[i].engine.padEnd(15)} ${line}`);
  for (const [i, runner] of runners.entries()) {
    try {
      const t0 = now();
      const parts = await runner.first();
      results[i].firstMs = now() - t0;
      results[i].firstParts = parts;
      log(i, `first ${results[i].firstMs!.toFixed(1)} ms (${Object.entries(parts).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`);
    } catch (e) {
      results[i].error = `first run failed: ${message(e)}`;
      log(i, `error: ${results[i].error}`);
    }
  }
  for (let round = 0; round < options.runs; round++) {
    for (const [i, runner] of runners.entries()) {
      if (results[i].error) continue;
      try {
        const s = now();
        await runner.warm();
        results[i].warmSamples.push(now() - s);
        log(i, `warm ${round + 1}/${options.runs}: ${results[i].warmSamples[round].toFixed(1)} ms`);
      } catch (e) {
        results[i].error = `warm run failed: ${message(e)}`;
        log(i, `error: ${results[i].error}`);
      }
    }
  }
  await Promise.all(runners.map((r) => r.close()));
  return runners.map((runner, i) => {
    const r = results[i];
    const base = { engine: runner.engine, backend: runner.backend, warmSamples: r.warmSamples };
    if (r.error) return { ...base, error: r.error };
    return { ...base, firstMs: r.firstMs, firstParts: r.firstParts, warmMs: median(r.warmSamples) };
  });
}

/** How far MediaPipe's mask (bytes, confidence x 255) is from segwgpu's person confidence. */
export function maskAgreement(person: Float32Array, alpha: Uint8Array): string {
  if (person.length !== alpha.length) return `mask sizes differ (${alpha.length} vs segwgpu ${person.length} pixels)`;
  let sum = 0;
  let max = 0;
  let flips = 0;
  for (let i = 0; i < person.length; i++) {
    const m = alpha[i] / 255;
    const d = Math.abs(m - person[i]);
    sum += d;
    max = Math.max(max, d);
    if (m > 0.5 !== person[i] > 0.5) flips++;
  }
  return `mask vs segwgpu's person confidence: mean |diff| ${(sum / person.length).toFixed(4)}, max ${max.toFixed(3)}, ${((100 * flips) / person.length).toFixed(2)}% of pixels on the other side of 0.5`;
}

/** The wasm backend's person confidence against the WebGPU backend's (one graph, two engines). */
function confidenceAgreement(webgpu: Float32Array, wasm: Float32Array): string {
  let max = 0;
  let flips = 0;
  for (let i = 0; i < webgpu.length; i++) {
    max = Math.max(max, Math.abs(webgpu[i] - wasm[i]));
    if (webgpu[i] > 0.5 !== wasm[i] > 0.5) flips++;
  }
  return `person confidence vs segwgpu's WebGPU backend: max |diff| ${max.toExponential(2)}, ${((100 * flips) / webgpu.length).toFixed(3)}% of pixels on the other side of 0.5`;
}

/**
 * Both models on every engine asked for, on one photo. `image` is what segwgpu gets (an
 * HTMLImageElement in the page, raw RGBA in Node); `mediapipe` is absent in Node.
 */
export async function benchSelfie(args: {
  image: ImageSource;
  /** The photo's path, for the report. */
  photo: string;
  width: number;
  height: number;
  modelBytes: (model: SelfieModel) => Promise<number>;
  engines: readonly string[];
  device?: GPUDevice;
  /** onnxruntime-web's module, for the segwgpu-wasm engine. */
  ort?: unknown;
  mediapipe?: { image: HTMLImageElement; baseUrl: string; webgl: string };
  nodeNote?: string;
  options: SelfieBenchOptions;
}): Promise<ModelResult[]> {
  const out: ModelResult[] = [];
  for (const model of SELFIE_MODELS) {
    args.options.log?.(`${model.name}: ${model.description}; ${args.photo} ${args.width}x${args.height}`);
    const segwgpu = args.engines.includes('segwgpu') ? segwgpuRunner(model, args.image, args.device) : undefined;
    const mediapipe = args.mediapipe
      ? ([false, true] as const)
          .filter((cpuInference) => args.engines.includes(cpuInference ? 'mediapipe-cpu' : 'mediapipe-webgl'))
          .map((cpuInference) => mediapipeRunner(model, args.mediapipe!.image, { ...args.mediapipe!, cpuInference }))
      : [];
    const segwgpuWasm = args.engines.includes('segwgpu-wasm') && args.ort ? segwgpuRunner(model, args.image, undefined, { ort: args.ort }) : undefined;
    const runners: SelfieRunner[] = [...(segwgpu ? [segwgpu] : []), ...(segwgpuWasm ? [segwgpuWasm] : []), ...mediapipe];
    const results = await runInterleaved(runners, args.options);
    const engines: EngineResult[] = results.map((r, i) => {
      const runner = runners[i] as SelfieRunner & { alpha?: Uint8Array; person?: Float32Array };
      let notes: string[];
      if (r.engine === 'segwgpu') notes = args.nodeNote ? [args.nodeNote] : [];
      else if (r.engine === 'segwgpu-wasm') notes = segwgpu?.person && runner.person ? [confidenceAgreement(segwgpu.person, runner.person)] : [];
      else notes = segwgpu?.person && runner.alpha ? [maskAgreement(segwgpu.person, runner.alpha)] : [];
      notes.forEach((n) => args.options.log?.(`${r.engine.padEnd(15)} ${n}`));
      return { ...r, notes };
    });
    out.push({
      model: model.name,
      description: `${model.description}: ${args.photo} (${args.width}x${args.height}) in, masks at that size in JS memory out`,
      file: model.file,
      modelBytes: await args.modelBytes(model),
      inputShape: [args.height, args.width, 4],
      runs: args.options.runs,
      engines,
    });
  }
  return out;
}
