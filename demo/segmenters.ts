/**
 * The page's Segmenters: one device shared by every model, the Segmenter of the chosen model, its
 * progress in the status line, and prepare() timed into planning and its first run.
 */
import { Segmenter } from '../src/api/segmenter.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { browserGpuContext, type GpuContext } from '../src/gpu/context.js';
import { kb, modelSelect } from './dom.js';
import { findModel, type DemoModel } from './models.js';
import { showAdapter } from './panels.js';
import { demo, nextPaint, setStatus } from './state.js';

let gpu: Promise<GpuContext> | undefined;
let current: { model: DemoModel; seg: Segmenter } | undefined;

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

/** The Segmenter for the chosen model, on one device shared by every model (runs inside the queue). */
export async function segmenterFor(model: DemoModel): Promise<Segmenter> {
  if (current?.model.id === model.id) return current.seg;
  const ctx = await theGpu();
  setStatus('loading', `Loading ${model.label}…`);
  // Paint the status before the import, which is synchronous work.
  await nextPaint();
  const seg = await Segmenter.create({ model: await model.source!(), device: ctx.device, onProgress: (event) => showProgress(model, event) });
  // The device is the page's, so closing the old Segmenter frees its plans only.
  current?.seg.close();
  current = { model, seg };
  demo.model = model.id;
  showAdapter(seg.adapterName !== 'unknown adapter' ? seg.adapterName : ctx.adapterName, ctx.traits.cpuLike);
  return seg;
}
