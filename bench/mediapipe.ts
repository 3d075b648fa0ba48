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
 *
 * The MediaPipe half needs a browser (DOM, WebGL, the solution's script loaded as a global);
 * the segwgpu half also runs in Node (raw RGBA pixels, dawn.node device).
 */
import { Segmenter, type ImageSource } from '../src/api/segmenter.js';
import type { EngineResult, ModelResult } from './models.js';
import { median } from './timing.js';

/** The name `--models` knows this benchmark by. */
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
 * segwgpu's Segmenter on `image`. `device`: use it (Node); otherwise Segmenter.create makes its
 * own from navigator.gpu (included in the first run, as a user's first call would). Returns the
 * person confidence of the first run too, to compare with MediaPipe's mask.
 */
export async function benchSegwgpuSelfie(
  model: SelfieModel,
  image: ImageSource,
  options: SelfieBenchOptions & { device?: GPUDevice },
): Promise<{ result: EngineResult; person?: Float32Array }> {
  const log = (l: string) => options.log?.(`${'segwgpu'.padEnd(15)} ${l}`);
  const warmSamples: number[] = [];
  let backend = 'WebGPU';
  let seg: Segmenter | undefined;
  try {
    const t0 = now();
    seg = await Segmenter.create({ model: model.name, device: options.device, outputCategoryMask: false });
    const t1 = now();
    backend = `WebGPU: ${seg.adapterName}`;
    const first = await seg.segment(image);
    const t2 = now();
    if (!first.confidenceMasks) throw new Error('segment() returned no confidence mask');
    const person = first.confidenceMasks[first.confidenceMasks.length - 1];
    log(`first ${(t2 - t0).toFixed(1)} ms (create ${(t1 - t0).toFixed(1)}, first segment ${(t2 - t1).toFixed(1)}); ${first.width}x${first.height}, ${first.confidenceMasks.length} confidence masks`);
    for (let i = 0; i < options.runs; i++) {
      const s = now();
      const r = await seg.segment(image);
      warmSamples.push(now() - s);
      if (!r.confidenceMasks) throw new Error('segment() returned no masks');
      log(`warm ${i + 1}/${options.runs}: ${warmSamples[i].toFixed(1)} ms`);
    }
    return {
      result: { engine: 'segwgpu', backend, firstMs: t2 - t0, firstParts: { create: t1 - t0, 'first segment': t2 - t1 }, warmMs: median(warmSamples), warmSamples },
      person,
    };
  } catch (e) {
    log(`error: ${message(e)}`);
    return { result: { engine: 'segwgpu', backend, warmSamples, error: message(e) } };
  } finally {
    seg?.close();
  }
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

/** MediaPipe's solution on `image`, a fresh instance; returns the first mask's confidence bytes. */
export async function benchMediapipeSelfie(
  model: SelfieModel,
  image: HTMLImageElement,
  options: SelfieBenchOptions & { baseUrl: string; cpuInference: boolean; webgl: string },
): Promise<{ result: EngineResult; alpha?: Uint8Array }> {
  const engine = options.cpuInference ? 'mediapipe-cpu' : 'mediapipe-webgl';
  const log = (l: string) => options.log?.(`${engine.padEnd(15)} ${l}`);
  const backend = options.cpuInference ? `wasm (useCpuInference; pre/post-processing on WebGL: ${options.webgl})` : `WebGL: ${options.webgl}`;
  const warmSamples: number[] = [];
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
  let stage = 'initialize';
  try {
    const Ctor = (window as unknown as MediapipeGlobal).SelfieSegmentation!;
    const t0 = now();
    solution = new Ctor({ locateFile: (file) => `${options.baseUrl}${file}` });
    solution.onResults((r) => {
      latest = r;
    });
    solution.setOptions({ selfieMode: false, modelSelection: model.modelSelection, ...(options.cpuInference ? { useCpuInference: true } : {}) });
    await solution.initialize();
    const t1 = now();
    stage = 'first send';
    const rgba = await sendAndRead();
    const t2 = now();
    const alpha = new Uint8Array(width * height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
    log(`first ${(t2 - t0).toFixed(1)} ms (initialize ${(t1 - t0).toFixed(1)}, first mask as pixels ${(t2 - t1).toFixed(1)})`);
    stage = 'warm sends';
    for (let i = 0; i < options.runs; i++) {
      const s = now();
      await sendAndRead();
      warmSamples.push(now() - s);
      log(`warm ${i + 1}/${options.runs}: ${warmSamples[i].toFixed(1)} ms`);
    }
    return { result: { engine, backend, firstMs: t2 - t0, firstParts: { initialize: t1 - t0, 'first mask': t2 - t1 }, warmMs: median(warmSamples), warmSamples }, alpha };
  } catch (e) {
    log(`error: ${stage} failed: ${message(e)}`);
    return { result: { engine, backend, warmSamples, error: `${stage} failed: ${message(e)}` } };
  } finally {
    await solution?.close().catch(() => undefined);
  }
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

/**
 * Both models on every engine asked for, on one photo. `image` is what segwgpu gets (an
 * HTMLImageElement in the page, raw RGBA in Node); `mediapipe` is absent in Node.
 */
export async function benchSelfie(args: {
  image: ImageSource;
  width: number;
  height: number;
  modelBytes: (model: SelfieModel) => Promise<number>;
  engines: readonly string[];
  device?: GPUDevice;
  mediapipe?: { image: HTMLImageElement; baseUrl: string; webgl: string };
  nodeNote?: string;
  options: SelfieBenchOptions;
}): Promise<ModelResult[]> {
  const out: ModelResult[] = [];
  for (const model of SELFIE_MODELS) {
    args.options.log?.(`${model.name}: ${model.description}; ${SELFIE_PHOTO} ${args.width}x${args.height}`);
    const engines: EngineResult[] = [];
    let person: Float32Array | undefined;
    if (args.engines.includes('segwgpu')) {
      const r = await benchSegwgpuSelfie(model, args.image, { ...args.options, device: args.device });
      person = r.person;
      engines.push(args.nodeNote ? { ...r.result, notes: [args.nodeNote] } : r.result);
    }
    if (args.mediapipe) {
      for (const cpuInference of [false, true]) {
        if (!args.engines.includes(cpuInference ? 'mediapipe-cpu' : 'mediapipe-webgl')) continue;
        const r = await benchMediapipeSelfie(model, args.mediapipe.image, { ...args.options, ...args.mediapipe, cpuInference });
        const notes = person && r.alpha ? [maskAgreement(person, r.alpha)] : [];
        notes.forEach((n) => args.options.log?.(`${r.result.engine.padEnd(15)} ${n}`));
        engines.push({ ...r.result, notes });
      }
    }
    out.push({
      model: model.name,
      description: `${model.description}: ${SELFIE_PHOTO} (${args.width}x${args.height}) in, masks at that size in JS memory out`,
      file: model.file,
      modelBytes: await args.modelBytes(model),
      inputShape: [args.height, args.width, 4],
      runs: args.options.runs,
      engines,
    });
  }
  return out;
}
