/**
 * The page's state: window.__demo (what the end-to-end test reads, test/e2e.test.ts), the status
 * line, and the one queue all GPU work goes through, with a job counter that lets stale work (an
 * older image, model or size) drop its results.
 */
import type { NodeTiming } from '../src/exec/gpu.js';
import { $, runButton } from './dom.js';
import type { ValidateResponse } from './validation.js';

export type Phase = 'starting' | 'loading' | 'planning' | 'running' | 'done' | 'error';

export interface DemoState {
  state: Phase;
  error?: string;
  adapter: string;
  model: string;
  /** The backend the Segmenter runs on (the one 'auto' chose), and why. */
  backend?: string;
  backendReason?: string;
  image?: { name: string; width: number; height: number };
  /** The RGBA pixels segmented (after any downscale). */
  pixels?: Uint8ClampedArray;
  /** The still photo's result; `foreground` is the alpha the blur/replace views cut out with. */
  result?: {
    width: number;
    height: number;
    labels: string[];
    categoryMask: Uint8Array;
    foreground: Uint8ClampedArray;
    /** A detection model's instances (masks left out): box, label, score. */
    instances?: { box: readonly number[]; label: number; labelName: string; score: number }[];
  };
  /** prepare() until its first run (plan, kernels compiled), its first run, then segment() of the photo; 0 when the plan was cached. */
  timing?: { planMs: number; firstRunMs: number; segmentMs: number };
  /** Each progress phase the Segmenters reported, in order, repeats dropped (download, import, compile, first-run, ...). */
  progressPhases: string[];
  /** Every text the status line showed, in order, repeats dropped (capped). */
  statusLog: string[];
  /** Webcam mode: frames segmented with segmentForVideo, and a copy of the last frame's category mask. */
  webcam?: { frames: number; width: number; height: number; categoryMask?: Uint8Array };
  /** 'pending' while the profiled run is under way; 'unavailable' without timestamp queries. */
  profile: 'none' | 'pending' | 'done' | 'unavailable' | 'off' | 'error';
  layers?: NodeTiming[];
  validation?: ValidateResponse | { error: string };
  validating: boolean;
  runs: number;
}

declare global {
  interface Window {
    __demo: DemoState;
  }
}

export const demo: DemoState = { state: 'starting', adapter: '', model: '', profile: 'none', validating: false, runs: 0, progressPhases: [], statusLog: [] };
window.__demo = demo;

// ---------------------------------------------------------------------------------------------
// Status pill with a live elapsed-time counter (which also shows the page stays responsive).

const STATUS_LOG_LIMIT = 2000;
const statusBox = $('status');
const statusText = $('status-text');
const statusElapsed = $('status-elapsed');
let statusStarted = 0;
let statusTimer: number | undefined;

export function setStatus(phase: Phase, text: string): void {
  demo.state = phase;
  runButton.disabled = phase !== 'done' && phase !== 'error';
  if (phase === 'done') {
    statusBox.hidden = true;
    window.clearInterval(statusTimer);
    statusTimer = undefined;
    return;
  }
  statusBox.hidden = false;
  statusBox.classList.toggle('error', phase === 'error');
  statusText.textContent = text;
  if (demo.statusLog.at(-1) !== text && demo.statusLog.length < STATUS_LOG_LIMIT) demo.statusLog.push(text);
  if (phase === 'error') {
    window.clearInterval(statusTimer);
    statusTimer = undefined;
    statusElapsed.textContent = '';
    return;
  }
  if (statusTimer === undefined) {
    statusStarted = performance.now();
    statusTimer = window.setInterval(() => (statusElapsed.textContent = `${((performance.now() - statusStarted) / 1000).toFixed(1)} s`), 100);
  }
}

export function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  demo.error = message;
  console.error(e);
  setStatus('error', message);
}

/** Lets the browser paint the status before synchronous work (building or importing a model graph). */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// ---------------------------------------------------------------------------------------------
// The GPU queue and the job counter.

let gpuQueue: Promise<unknown> = Promise.resolve();
let job = 0;

/** Starts a new job: work of older ones sees it is stale (isCurrent) and drops its results. */
export function nextJob(): number {
  return ++job;
}

export function currentJob(): number {
  return job;
}

export function isCurrent(my: number): boolean {
  return my === job;
}

export function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const next = gpuQueue.catch(() => undefined).then(work);
  gpuQueue = next;
  return next;
}
