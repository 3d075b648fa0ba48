/**
 * The page's Segmenters: the Segmenter of the chosen model on the chosen backend (WebGPU on one
 * device shared by every model; onnxruntime-web's wasm EP; or 'auto', the library's choice), its
 * progress in the status line, and prepare() timed into planning and its first run.
 */
import { Segmenter, type BackendRequest } from '../src/api/segmenter.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { browserGpuContext, type GpuContext } from '../src/gpu/context.js';
import { backendSelect, kb, modelSelect } from './dom.js';
import { findModel, type DemoModel } from './models.js';
import { showAdapter, showBackend } from './panels.js';
import { demo, nextPaint, setStatus } from './state.js';
// onnxruntime-web's wasm build, and its wasm binary and loader as files of the page: their URLs
// are given to ORT, so it finds them wherever the page is served from.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortLoaderUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';

let gpu: Promise<GpuContext> | undefined;
let current: { model: DemoModel; backend: BackendRequest; seg: Segmenter } | undefined;
let ort: Promise<unknown> | undefined;

/** onnxruntime-web, loaded on first use (the WebGPU backend never needs it). */
function theOrt(): Promise<unknown> {
  ort ??= import('onnxruntime-web/wasm').then((m) => {
    m.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, location.href).href, mjs: new URL(ortLoaderUrl, location.href).href };
    // More than one thread needs cross-origin isolation (SharedArrayBuffer).
    m.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    return m;
  });
  return ort;
}

export function chosenBackend(): BackendRequest {
  return backendSelect.value as BackendRequest;
}

export function theGpu(): Promise<GpuContext> {
  gpu ??= browserGpuContext();
  return gpu;
}

export function chosenModel(): DemoModel | undefined {
  return findModel(modelSelect.value);
}

/** When the last prepare()'s first run began (its 'first-run' event), to split its time into planning and first run. */
let firstRunStartedAt: number | undefined;

/** A Segmenter's progress in the status line: the model's download and import, kernel compilation (k of n), the first run. */
function showProgress(model: DemoModel, event: SegmenterProgress): void {
  if (demo.progressPhases.at(-1) !== event.phase) demo.progressPhases.push(event.phase);
  switch (event.phase) {
    case 'download':
      setStatus('loading', `Loading ${model.label}: ${kb(event.loadedBytes)}${event.totalBytes ? ` of ${kb(event.totalBytes)}` : ''}…`);
      break;
    case 'import':
      setStatus('loading', event.format === 'built-in' ? `Building ${model.label}…` : `Importing ${model.label} (${event.format === 'onnx' ? 'ONNX' : 'TFLite'}, ${kb(event.bytes)})…`);
      break;
    case 'compile':
      // Kernels are compiled once per device: a later size may find every one already made.
      setStatus(
        'planning',
        event.total === 0
          ? `Planning ${model.label} for ${event.width}×${event.height}: its kernels are already compiled…`
          : `Planning ${model.label} for ${event.width}×${event.height}: compiling kernels ${event.compiled} of ${event.total}…`,
      );
      break;
    case 'first-run':
      firstRunStartedAt = performance.now();
      setStatus('running', `First run of ${model.label} at ${event.width}×${event.height}…`);
      break;
  }
}

export interface Prepared {
  readonly layers: number;
  /** Absent when the size's plan was already made (prepare() had nothing to do). */
  readonly stages?: { planMs: number; firstRunMs: number };
}

/**
 * prepare() for one size, timed: until its first run (planning, kernel compilation) and the first
 * run itself (a warm-up on a blank image).
 */
export async function prepareTimed(seg: Segmenter, model: DemoModel, width: number, height: number): Promise<Prepared> {
  setStatus('planning', `Planning ${model.label} for ${width}×${height}…`);
  firstRunStartedAt = undefined;
  const t0 = performance.now();
  const { nodes } = await seg.prepare(width, height);
  const done = performance.now();
  const firstRun = firstRunStartedAt;
  return { layers: nodes.length, ...(firstRun !== undefined && { stages: { planMs: firstRun - t0, firstRunMs: done - firstRun } }) };
}

/**
 * The Segmenter for the chosen model and backend (runs inside the queue). On 'webgpu' every model
 * shares the page's device; 'auto' and 'wasm' let the library choose and own what it needs.
 */
export async function segmenterFor(model: DemoModel): Promise<Segmenter> {
  const backend = chosenBackend();
  if (current?.model.id === model.id && current.backend === backend) return current.seg;
  const ctx = backend === 'webgpu' ? await theGpu() : undefined;
  setStatus('loading', `Loading ${model.label}…`);
  // Paint the status before the import, which is synchronous work.
  await nextPaint();
  const seg = await Segmenter.create({
    model: await model.source!(),
    backend,
    ...(ctx && { device: ctx.device }),
    ...(backend !== 'webgpu' && { ort: await theOrt() }),
    onProgress: (event) => showProgress(model, event),
  });
  // On 'webgpu' the device is the page's, so closing the old Segmenter frees its plans only.
  void current?.seg.close();
  current = { model, backend, seg };
  demo.model = model.id;
  demo.backend = seg.backend;
  demo.backendReason = seg.backendReason;
  if (seg.backend === 'webgpu') showAdapter(seg.adapterName !== 'unknown adapter' ? seg.adapterName : (ctx?.adapterName ?? seg.adapterName), ctx?.traits.cpuLike ?? /swiftshader|software/i.test(seg.adapterName));
  showBackend(seg.backend, seg.adapterName, seg.backendReason);
  return seg;
}
