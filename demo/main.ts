/**
 * The segwgpu demo page: a photo (bundled sample, file, drop or webcam) through a Segmenter, the
 * category mask drawn over it, per-layer GPU timings from a profiled segment() of the same photo,
 * and an optional check against the CPU reference (a CPU-backend Segmenter in a worker). All the
 * segmentation goes through the public Segmenter API: what the page shows is what a user gets.
 *
 * URL parameters (handy for links and the end-to-end test): sample=astronaut|chelsea,
 * model=<id>, size=<longest side>, validate=1, profile=0.
 *
 * window.__demo mirrors the page's state for the end-to-end test (test/e2e.test.ts).
 */
import { Segmenter } from '../src/api/segmenter.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { browserGpuContext, type GpuContext } from '../src/gpu/context.js';
import type { NodeTiming } from '../src/exec/gpu.js';
import { classColor } from '../src/segment/images.js';
import { DEFAULT_MODEL, DEMO_MODELS, findModel, type DemoModel } from './models.js';
import { cancelValidation, validateOnCpu, type ValidateResponse } from './validation.js';
import chelseaUrl from '../assets/chelsea.png';
import astronautUrl from '../assets/astronaut.png';

// ---------------------------------------------------------------------------------------------
// State shared with the end-to-end test.

type Phase = 'starting' | 'loading' | 'planning' | 'running' | 'done' | 'error';

interface DemoState {
  state: Phase;
  error?: string;
  adapter: string;
  model: string;
  image?: { name: string; width: number; height: number };
  /** The RGBA pixels segmented (after any downscale). */
  pixels?: Uint8ClampedArray;
  /** The still photo's result; `foreground` is the alpha the blur/replace views cut out with. */
  result?: { width: number; height: number; labels: string[]; categoryMask: Uint8Array; foreground: Uint8ClampedArray };
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

const demo: DemoState = { state: 'starting', adapter: '', model: '', profile: 'none', validating: false, runs: 0, progressPhases: [], statusLog: [] };
window.__demo = demo;

// ---------------------------------------------------------------------------------------------
// Elements.

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('canvas');
const draw = canvas.getContext('2d')!;
const video = $<HTMLVideoElement>('video');
const statusBox = $('status');
const statusText = $('status-text');
const statusElapsed = $('status-elapsed');
const modelSelect = $<HTMLSelectElement>('model');
const sizeSelect = $<HTMLSelectElement>('max-side');
const runButton = $<HTMLButtonElement>('run');
const opacityInput = $<HTMLInputElement>('opacity');
const validateSwitch = $<HTMLInputElement>('validate');
const webcamButton = $<HTMLButtonElement>('webcam');
const fpsBox = $('fps');

const SAMPLES: Record<string, { url: string; name: string }> = {
  chelsea: { url: chelseaUrl, name: 'chelsea.png' },
  astronaut: { url: astronautUrl, name: 'astronaut.png' },
};
for (const img of document.querySelectorAll<HTMLImageElement>('img[data-thumb]')) img.src = SAMPLES[img.dataset.thumb!].url;

const params = new URLSearchParams(location.search);
let viewMode: 'overlay' | 'mask' | 'photo' | 'blur' | 'replace' = 'overlay';
let opacity = Number(opacityInput.value) / 100;

// ---------------------------------------------------------------------------------------------
// Formatting.

function ms(x: number): string {
  if (x < 1) return `${x.toFixed(2)} ms`;
  if (x < 1000) return `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  return `${(x / 1000).toFixed(2)} s`;
}

function kb(n: number): string {
  return n < 1e6 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Status pill with a live elapsed-time counter (which also shows the page stays responsive).

const STATUS_LOG_LIMIT = 2000;
let statusStarted = 0;
let statusTimer: number | undefined;

function setStatus(phase: Phase, text: string): void {
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

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  demo.error = message;
  console.error(e);
  setStatus('error', message);
}

/** Lets the browser paint the status before synchronous work (building or importing a model graph). */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

// ---------------------------------------------------------------------------------------------
// GPU work goes through one queue; a job counter lets stale work (an older image, model or size)
// drop its results.

let gpuQueue: Promise<unknown> = Promise.resolve();
let job = 0;

function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const next = gpuQueue.catch(() => undefined).then(work);
  gpuQueue = next;
  return next;
}

let gpu: Promise<GpuContext> | undefined;
let current: { model: DemoModel; seg: Segmenter } | undefined;

function theGpu(): Promise<GpuContext> {
  gpu ??= browserGpuContext();
  return gpu;
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

/**
 * prepare() for one size, timed: until its first run (planning, kernel compilation) and the first
 * run itself (a warm-up on a blank image); undefined when the size's plan was already made.
 */
async function prepareTimed(seg: Segmenter, model: DemoModel, width: number, height: number): Promise<{ layers: number; stages?: { planMs: number; firstRunMs: number } }> {
  setStatus('planning', `Planning ${model.label} for ${width}×${height}…`);
  firstRunStartedAt = undefined;
  const t0 = performance.now();
  const { nodes } = await seg.prepare(width, height);
  const done = performance.now();
  const firstRun = firstRunStartedAt;
  return { layers: nodes.length, ...(firstRun !== undefined && { stages: { planMs: firstRun - t0, firstRunMs: done - firstRun } }) };
}

/** The Segmenter for the chosen model, on one device shared by every model (runs inside the queue). */
async function segmenterFor(model: DemoModel): Promise<Segmenter> {
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

function showAdapter(name: string, cpuLike: boolean): void {
  demo.adapter = name;
  const box = $('adapter');
  box.classList.remove('ok', 'soft', 'bad');
  box.classList.add(cpuLike ? 'soft' : 'ok');
  box.title = cpuLike ? 'A software adapter (a CPU implementation of WebGPU): expect seconds per image; a GPU takes milliseconds' : 'The WebGPU adapter the models run on';
  $('adapter-name').textContent = name;
  $('footer-note').textContent = cpuLike ? ' This browser runs WebGPU on a software adapter, so each image takes seconds.' : '';
}

// ---------------------------------------------------------------------------------------------
// Photos: decoded without colour conversion, so the model sees the file's own pixel values.

interface Photo {
  readonly name: string;
  readonly blob: Blob;
  readonly bitmap: ImageBitmap;
  readonly pixels: ImageData;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

let photo: Photo | undefined;

async function decodePhoto(blob: Blob, name: string, maxSide: number): Promise<Photo> {
  const options: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' };
  let bitmap = await createImageBitmap(blob, options);
  const originalWidth = bitmap.width;
  const originalHeight = bitmap.height;
  const scale = Math.min(1, maxSide / Math.max(originalWidth, originalHeight));
  if (scale < 1) {
    bitmap.close();
    const resizeWidth = Math.max(1, Math.round(originalWidth * scale));
    const resizeHeight = Math.max(1, Math.round(originalHeight * scale));
    bitmap = await createImageBitmap(blob, { ...options, resizeWidth, resizeHeight, resizeQuality: 'high' });
  }
  const { width, height } = bitmap;
  const scratch = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  scratch.drawImage(bitmap, 0, 0);
  const pixels = scratch.getImageData(0, 0, width, height);
  return { name, blob, bitmap, pixels, width, height, originalWidth, originalHeight };
}

async function openBlob(blob: Blob, name: string): Promise<void> {
  stopWebcam();
  const my = ++job;
  cancelValidation();
  setStatus('loading', `Decoding ${name}…`);
  try {
    const decoded = await decodePhoto(blob, name, Number(sizeSelect.value));
    if (my !== job) return decoded.bitmap.close();
    photo?.bitmap.close();
    photo = decoded;
    demo.image = { name, width: decoded.width, height: decoded.height };
    demo.pixels = decoded.pixels.data;
    still = { source: decoded.bitmap, width: decoded.width, height: decoded.height };
    $('caption').textContent = `${name} · ${decoded.width}×${decoded.height}`;
    showFrame(still);
    $('placeholder').hidden = true;
    await segmentStill(my);
  } catch (e) {
    if (my === job) fail(e);
  }
}

async function openSample(key: string): Promise<void> {
  const sample = SAMPLES[key] ?? SAMPLES.astronaut;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.sample')) b.classList.toggle('on', b.dataset.sample === key);
  setStatus('loading', `Loading ${sample.name}…`);
  try {
    const response = await fetch(sample.url);
    if (!response.ok) throw new Error(`cannot load ${sample.url}: HTTP ${response.status}`);
    await openBlob(await response.blob(), sample.name);
  } catch (e) {
    fail(e);
  }
}

// ---------------------------------------------------------------------------------------------
// What the canvas shows: a photo (or webcam frame), its mask, and the validation marker.

interface Frame {
  source: CanvasImageSource;
  width: number;
  height: number;
  mask?: OffscreenCanvas;
  /** Foreground confidence as alpha (for the background effects). */
  foreground?: OffscreenCanvas;
  marker?: { x: number; y: number; label: string };
}

/**
 * The label the mask leaves transparent and the background effects replace: the model's
 * 'background' where it names one, else class 0 (the VOC convention of the 21-class models).
 */
function backgroundIndexOf(labels: readonly string[]): number {
  const k = labels.indexOf('background');
  return k >= 0 ? k : 0;
}

/**
 * The foreground's confidence as alpha bytes: with two labels (the selfie models: background,
 * person) the other label's own mask; with many classes every class but the background,
 * 1 - P(background).
 */
function foregroundAlpha(confidenceMasks: readonly Float32Array[], labels: readonly string[], plane: number): Uint8ClampedArray {
  const background = backgroundIndexOf(labels);
  // Uint8ClampedArray rounds and clamps what is stored.
  const alpha = new Uint8ClampedArray(plane);
  if (labels.length === 2) {
    const foreground = confidenceMasks[1 - background];
    for (let i = 0; i < plane; i++) alpha[i] = 255 * foreground[i];
  } else {
    const backgroundMask = confidenceMasks[background];
    for (let i = 0; i < plane; i++) alpha[i] = 255 * (1 - backgroundMask[i]);
  }
  return alpha;
}

function foregroundImage(alpha: Uint8ClampedArray, width: number, height: number): OffscreenCanvas {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba[4 * i + 3] = alpha[i];
  const out = new OffscreenCanvas(width, height);
  out.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return out;
}

/** The photo's foreground over a new background: blurred photo, or a replacement backdrop. */
function drawBackgroundEffect(frame: Frame, effect: 'blur' | 'replace'): void {
  const { width, height } = frame;
  if (effect === 'blur') {
    draw.filter = `blur(${Math.max(4, Math.round(Math.min(width, height) / 60))}px)`;
    draw.drawImage(frame.source, 0, 0, width, height);
    draw.filter = 'none';
  } else {
    const backdrop = draw.createLinearGradient(0, 0, width, height);
    backdrop.addColorStop(0, '#0f766e');
    backdrop.addColorStop(0.55, '#1e3a8a');
    backdrop.addColorStop(1, '#581c87');
    draw.fillStyle = backdrop;
    draw.fillRect(0, 0, width, height);
  }
  const cutout = new OffscreenCanvas(width, height);
  const cut = cutout.getContext('2d')!;
  cut.drawImage(frame.source, 0, 0, width, height);
  cut.globalCompositeOperation = 'destination-in';
  cut.drawImage(frame.foreground!, 0, 0);
  draw.drawImage(cutout, 0, 0);
}

let still: Frame | undefined;
let shown: Frame | undefined;

function maskImage(category: Uint8Array, background: number, width: number, height: number): OffscreenCanvas {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const colors = new Map<number, [number, number, number]>();
  for (let i = 0; i < width * height; i++) {
    const k = category[i];
    if (k === background) continue; // the photo shows through
    let c = colors.get(k);
    if (!c) colors.set(k, (c = classColor(k)));
    rgba[4 * i] = c[0];
    rgba[4 * i + 1] = c[1];
    rgba[4 * i + 2] = c[2];
    rgba[4 * i + 3] = 255;
  }
  const out = new OffscreenCanvas(width, height);
  out.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return out;
}

function showFrame(frame: Frame): void {
  shown = frame;
  if (canvas.width !== frame.width || canvas.height !== frame.height) {
    canvas.width = frame.width;
    canvas.height = frame.height;
  }
  canvas.classList.remove('empty');
  if ((viewMode === 'blur' || viewMode === 'replace') && frame.foreground) {
    drawBackgroundEffect(frame, viewMode);
    if (frame.marker) drawMarker(frame.marker, frame.width, frame.height);
    return;
  }
  if (viewMode === 'mask') {
    draw.fillStyle = '#000';
    draw.fillRect(0, 0, frame.width, frame.height);
  } else {
    draw.drawImage(frame.source, 0, 0, frame.width, frame.height);
  }
  if (frame.mask && viewMode !== 'photo') {
    draw.globalAlpha = viewMode === 'mask' ? 1 : opacity;
    draw.drawImage(frame.mask, 0, 0);
    draw.globalAlpha = 1;
  }
  if (frame.marker) drawMarker(frame.marker, frame.width, frame.height);
}

function drawMarker(m: { x: number; y: number; label: string }, width: number, height: number): void {
  // Canvas pixels per CSS pixel (the canvas is shown scaled to fit, object-fit: contain).
  const scale = Math.max(width / Math.max(1, canvas.clientWidth || width), height / Math.max(1, canvas.clientHeight || height));
  // Sizes in CSS pixels, whatever the canvas's scale on screen.
  const unit = Math.max(0.25, scale);
  const r = 13 * unit;
  const cx = m.x + 0.5;
  const cy = m.y + 0.5;
  draw.save();
  draw.lineWidth = 4 * unit;
  draw.strokeStyle = 'rgba(0,0,0,0.7)';
  draw.beginPath();
  draw.arc(cx, cy, r, 0, 2 * Math.PI);
  draw.stroke();
  draw.lineWidth = 2 * unit;
  draw.strokeStyle = '#facc15';
  draw.beginPath();
  draw.arc(cx, cy, r, 0, 2 * Math.PI);
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
    draw.moveTo(cx + dx * r * 0.45, cy + dy * r * 0.45);
    draw.lineTo(cx + dx * r * 1.6, cy + dy * r * 1.6);
  }
  draw.stroke();
  const font = 12.5 * unit;
  draw.font = `600 ${font}px ui-sans-serif, system-ui, sans-serif`;
  const text = m.label;
  const tw = draw.measureText(text).width;
  const pad = 5 * unit;
  let tx = cx + r * 1.8;
  let ty = cy - r * 1.8;
  if (tx + tw + 2 * pad > width) tx = cx - r * 1.8 - tw - 2 * pad;
  if (ty - font - pad < 0) ty = cy + r * 1.8 + font;
  draw.fillStyle = 'rgba(15,23,42,0.85)';
  draw.fillRect(tx, ty - font - pad / 2, tw + 2 * pad, font + 1.5 * pad);
  draw.fillStyle = '#facc15';
  draw.fillText(text, tx + pad, ty);
  draw.restore();
}

function repaint(): void {
  if (shown) showFrame(shown);
}

// ---------------------------------------------------------------------------------------------
// Segmenting a still photo: prepare (plan, compile, warm-up run), segment, then a profiled
// segment of the same photo for per-layer GPU timings, then (if asked) the CPU reference.

let lastResult: { category: Uint8Array; confidence: Float32Array[]; labels: string[]; width: number; height: number; model: DemoModel; seg: Segmenter } | undefined;

async function segmentStill(my = ++job): Promise<void> {
  const model = chosenModel();
  if (!photo || !model) return;
  const target = photo;
  cancelValidation();
  clearValidation();
  demo.profile = 'none';
  await enqueue(async () => {
    if (my !== job) return;
    try {
      const seg = await segmenterFor(model);
      if (my !== job) return;
      const { width, height } = target;
      const prepared = await prepareTimed(seg, model, width, height);
      if (my !== job) return;
      setStatus('running', `Running ${prepared.layers} layers on the GPU…`);
      const t1 = performance.now();
      const result = await seg.segment(target.bitmap);
      const segmentMs = performance.now() - t1;
      if (my !== job) return;
      const category = result.categoryMask!;
      const labels = [...result.labels];
      const foreground = foregroundAlpha(result.confidenceMasks!, labels, width * height);
      lastResult = { category, confidence: result.confidenceMasks!, labels, width, height, model, seg };
      demo.result = { width, height, labels, categoryMask: category, foreground };
      demo.timing = { planMs: prepared.stages?.planMs ?? 0, firstRunMs: prepared.stages?.firstRunMs ?? 0, segmentMs };
      demo.runs++;
      still = {
        source: target.bitmap,
        width,
        height,
        mask: maskImage(category, backgroundIndexOf(labels), width, height),
        foreground: foregroundImage(foreground, width, height),
      };
      showFrame(still);
      showStats({ width, height, stages: prepared.stages, segmentMs, layers: prepared.layers });
      showClasses(category, labels, model);
      $('caption').textContent = `${target.name} · ${width}×${height}${target.width !== target.originalWidth ? ` (from ${target.originalWidth}×${target.originalHeight})` : ''} · ${model.label}`;
      setStatus('done', '');
      if (validateSwitch.checked) void runValidation(my);
      try {
        await profile(my, seg, target);
      } catch (e) {
        if (my !== job) return;
        demo.profile = 'error';
        resetLayers(`The profiled run failed: ${(e as Error).message}`);
      }
    } catch (e) {
      if (my === job) fail(e);
    }
  });
}

async function profile(my: number, seg: Segmenter, target: Photo): Promise<void> {
  if (params.get('profile') === '0') {
    demo.profile = 'off';
    $('stat-gpu').textContent = 'off';
    resetLayers('Profiling is off (profile=0 in the address).');
    return;
  }
  if (!seg.canProfile) {
    demo.profile = 'unavailable';
    $('stat-gpu').textContent = 'n/a';
    $('layers-summary').textContent = '';
    resetLayers('This adapter has no timestamp queries, so only the wall time is shown (Result card).');
    return;
  }
  demo.profile = 'pending';
  $('layers-summary').textContent = 'profiling…';
  const t0 = performance.now();
  const { timings = [] } = await seg.segment(target.bitmap, { profile: true });
  const profiledMs = performance.now() - t0;
  if (my !== job) return;
  demo.layers = timings;
  demo.profile = 'done';
  showLayers(timings, profiledMs);
}

function chosenModel(): DemoModel | undefined {
  return findModel(modelSelect.value);
}

// ---------------------------------------------------------------------------------------------
// Side panels.

/** `stages` absent: the size's plan was made before (prepare() had nothing to do). */
function showStats(s: { width: number; height: number; stages?: { planMs: number; firstRunMs: number }; segmentMs: number; layers: number }): void {
  $('stat-size').textContent = `${s.width}×${s.height}`;
  $('stat-plan').textContent = s.stages ? ms(s.stages.planMs) : 'cached';
  $('stat-first-run').textContent = s.stages ? ms(s.stages.firstRunMs) : 'cached';
  $('stat-segment').textContent = ms(s.segmentMs);
  $('stat-gpu').textContent = '…';
  $('stat-layers').textContent = String(s.layers);
}

/** A label's name (labels[k] names confidence mask k and category value k). */
function labelName(labels: readonly string[], k: number): string {
  return labels[k] ?? `class ${k}`;
}

function showClasses(category: Uint8Array, labels: readonly string[], entry: DemoModel): void {
  const background = backgroundIndexOf(labels);
  const counts = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < category.length; i++) counts[category[i]]++;
  const rows = counts
    .map((n, k) => ({ k, n }))
    .filter((r) => r.n > 0)
    .sort((a, b) => b.n - a.n);
  const list = $('classes');
  const shown = rows.slice(0, 7);
  list.replaceChildren(
    ...shown.map(({ k, n }) => {
      const [r, g, b] = classColor(k);
      const name = labelName(labels, k);
      const pct = (100 * n) / category.length;
      const color = k === background ? '#cbd5e1' : `rgb(${r},${g},${b})`;
      return el(
        'li',
        {},
        el('span', { class: `swatch${k === background ? ' bg' : ''}`, style: k === background ? '' : `background:${color}` }),
        el('span', {}, name),
        el('span', { class: 'pct' }, `${pct < 0.1 ? '<0.1' : pct.toFixed(1)}%`),
        el('span', { class: 'meter' }, el('i', { style: `width:${Math.max(pct, 0.5)}%;background:${color}` })),
      );
    }),
  );
  if (rows.length > shown.length) list.append(el('li', { class: 'muted' }, el('span'), el('span', {}, `+ ${rows.length - shown.length} more classes`), el('span')));
  if (!entry.pretrained) list.append(el('li', { class: 'muted small note' }, el('span'), el('span', {}, 'Random weights: the mask shows the pipeline, not a meaningful segmentation.')));
}

function stageOf(node: string): 'pre' | 'post' | 'model' {
  return node.startsWith('pre/') ? 'pre' : node.startsWith('post/') ? 'post' : 'model';
}

/** The layers card without timings, saying why. */
function resetLayers(message: string): void {
  shownTimings = [];
  $('timeline').hidden = true;
  $('bars-head').hidden = true;
  $('ops').replaceChildren();
  $('layers-summary').textContent = '';
  for (const stage of ['pre', 'model', 'post']) $(`stage-${stage}`).textContent = '';
  $('bars').replaceChildren(el('p', { class: 'muted' }, message));
}

let barsMode: 'slowest' | 'all' = 'slowest';
let shownTimings: NodeTiming[] = [];
const SLOWEST = 16;

/** `profiledMs`: the profiled segment()'s wall time (timestamp queries included). */
function showLayers(timings: NodeTiming[], profiledMs: number): void {
  shownTimings = timings;
  const total = Math.max(1e-9, timings.reduce((a, t) => a + t.ms, 0));
  const byStage = { pre: 0, model: 0, post: 0 };
  for (const t of timings) byStage[stageOf(t.node)] += t.ms;
  const byOp = new Map<string, number>();
  for (const t of timings) byOp.set(t.opType, (byOp.get(t.opType) ?? 0) + t.ms);
  $('stat-gpu').textContent = ms(total);
  $('layers-summary').textContent = `${timings.length} passes · ${ms(total)} GPU · ${ms(profiledMs)} wall (profiled run)`;
  const timeline = $('timeline');
  timeline.hidden = false;
  timeline.replaceChildren(...timings.map((t) => el('i', { class: stageOf(t.node), style: `flex-grow:${t.ms}`, title: `${t.node} (${t.opType}): ${ms(t.ms)}` })));
  for (const stage of ['pre', 'model', 'post'] as const) $(`stage-${stage}`).textContent = `${ms(byStage[stage])} · ${((100 * byStage[stage]) / total).toFixed(0)}%`;
  $('ops').replaceChildren(
    ...[...byOp]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([op, t]) => el('span', { title: `${timings.filter((x) => x.opType === op).length} ${op} passes` }, el('b', {}, op), ` ${ms(t)}`)),
  );
  $('bars-head').hidden = timings.length <= SLOWEST;
  drawBars();
}

function drawBars(): void {
  const timings = shownTimings;
  const list = barsMode === 'slowest' && timings.length > SLOWEST ? [...timings].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST) : timings;
  const max = Math.max(1e-9, ...timings.map((t) => t.ms));
  $('bars-caption').textContent = list.length < timings.length ? `The ${list.length} slowest of ${timings.length} passes` : `All ${timings.length} passes in execution order`;
  $('bars').replaceChildren(
    ...list.map((t) =>
      el(
        'div',
        { class: `bar ${stageOf(t.node)}`, title: `${t.node} (${t.opType}): ${ms(t.ms)}` },
        el('span', { class: 'name' }, t.node.replace(/^(pre|post)\//, ''), ' ', el('small', {}, t.opType)),
        el('span', { class: 'track' }, el('i', { style: `width:${((100 * t.ms) / max).toFixed(2)}%` })),
        el('span', { class: 'ms' }, ms(t.ms)),
      ),
    ),
  );
}

function clearValidation(): void {
  demo.validation = undefined;
  demo.validating = false;
  $('validation').replaceChildren();
  if (still?.marker) {
    still.marker = undefined;
    if (shown === still) repaint();
  }
}

async function runValidation(my: number): Promise<void> {
  if (!lastResult || !photo) return;
  const r = lastResult;
  const target = photo;
  const box = $('validation');
  demo.validating = true;
  const started = performance.now();
  const pill = el('span', { class: 'verdict busy' }, el('span', { class: 'spinner', style: 'border-top-color:#0d9488;border-color:#e2e8f0;border-top-color:#0d9488' }), 'CPU reference running…');
  const elapsed = el('span', { class: 'muted small', style: 'margin-left:8px' });
  box.replaceChildren(pill, elapsed);
  const timer = window.setInterval(() => (elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(0)} s`), 500);
  try {
    // Every label's mask goes over (for the selfie models the background's as well as the person's).
    const plane = r.width * r.height;
    const gpuConfidence = new Float32Array(r.labels.length * plane);
    r.confidence.forEach((m, k) => gpuConfidence.set(m, k * plane));
    const v = await validateOnCpu({
      model: r.seg.model,
      width: r.width,
      height: r.height,
      pixels: new Uint8ClampedArray(target.pixels.data),
      labels: r.labels,
      gpuConfidence,
      gpuCategory: r.category,
    });
    if (my !== job) return;
    demo.validation = v;
    const name = labelName(r.labels, v.worst.k);
    box.replaceChildren(
      el('span', { class: `verdict ${v.withinTolerance ? 'good' : 'bad'}` }, v.withinTolerance ? '✓ GPU matches the CPU reference' : '✗ outside tolerance'),
      el(
        'dl',
        { class: 'kv' },
        el('dt', {}, 'max |GPU − CPU|'),
        el('dd', { class: 'mono' }, v.maxAbsError.toExponential(2)),
        el('dt', {}, 'tolerance'),
        el('dd', { class: 'mono' }, `≤ ${v.allowed.toExponential(2)}`),
        el('dt', {}, 'at pixel'),
        el('dd', {}, `(${v.worst.x}, ${v.worst.y}) · ${name}`),
        el('dt', {}, 'GPU / CPU there'),
        el('dd', { class: 'mono' }, `${v.worst.gpu.toFixed(6)} / ${v.worst.cpu.toFixed(6)}`),
        el('dt', {}, 'class agreement'),
        el('dd', {}, `${(100 * v.categoryAgreement).toFixed(3)}%${v.disagreeing ? ` (${v.disagreeing} px differ)` : ''}`),
        el('dt', {}, 'CPU reference'),
        el('dd', {}, ms(v.cpuMs)),
      ),
    );
    if (still && lastResult === r) {
      still.marker = { x: v.worst.x, y: v.worst.y, label: `max err ${v.maxAbsError.toExponential(1)}` };
      if (shown === still) repaint();
    }
  } catch (e) {
    if (my !== job || (e as Error).message === 'cancelled') return;
    demo.validation = { error: (e as Error).message };
    box.replaceChildren(el('span', { class: 'verdict bad' }, 'CPU reference failed'), el('p', { class: 'small' }, (e as Error).message));
  } finally {
    window.clearInterval(timer);
    if (my === job) demo.validating = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Webcam.

let stream: MediaStream | undefined;

async function detectCamera(): Promise<void> {
  try {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    webcamButton.hidden = !devices.some((d) => d.kind === 'videoinput');
  } catch {
    webcamButton.hidden = true;
  }
}

function stopWebcam(): void {
  if (!stream) return;
  for (const t of stream.getTracks()) t.stop();
  stream = undefined;
  video.srcObject = null;
  webcamButton.classList.remove('on');
  webcamButton.title = 'Segment the webcam live';
  fpsBox.hidden = true;
}

async function startWebcam(): Promise<void> {
  const model = chosenModel();
  if (!model) return;
  const my = ++job;
  cancelValidation();
  clearValidation();
  setStatus('loading', 'Opening the camera…');
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    video.srcObject = stream;
    await video.play();
  } catch (e) {
    stopWebcam();
    fail(new Error(`cannot open the camera: ${(e as Error).message}`));
    return;
  }
  for (const b of document.querySelectorAll<HTMLButtonElement>('.sample')) b.classList.remove('on');
  webcamButton.classList.add('on');
  webcamButton.title = 'Stop the webcam';
  $('stat-segment').textContent = '…';
  $('layers-summary').textContent = '';
  resetLayers('Per-layer timings are taken on still images (a profiled run per frame would halve the frame rate).');
  $('placeholder').hidden = true;
  const work = new OffscreenCanvas(1, 1);
  const work2d = work.getContext('2d', { willReadFrequently: false })!;
  let fps = 0;
  let last = performance.now();
  let first = true;
  demo.webcam = { frames: 0, width: 0, height: 0 };
  while (stream && my === job) {
    if (!video.videoWidth || !video.videoHeight) {
      // No frame yet (a camera can start before its first frame arrives).
      await new Promise((r) => requestAnimationFrame(r));
      continue;
    }
    const maxSide = Number(sizeSelect.value);
    const scale = Math.min(1, maxSide / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.max(1, Math.round(video.videoWidth * scale));
    const height = Math.max(1, Math.round(video.videoHeight * scale));
    if (work.width !== width || work.height !== height) {
      work.width = width;
      work.height = height;
    }
    work2d.drawImage(video, 0, 0, width, height);
    try {
      const result = await enqueue(async () => {
        const seg = await segmenterFor(model);
        const prepared = first ? await prepareTimed(seg, model, width, height) : undefined;
        if (first) {
          setStatus('running', 'Running on the GPU…');
          last = performance.now();
        }
        // Frames come in order, so the page clock is a strictly increasing timestamp.
        return { r: await seg.segmentForVideo(work, performance.now()), prepared };
      });
      if (!stream || my !== job) break;
      // segmentForVideo's masks are overwritten by the next frame: everything kept is drawn or copied now.
      const category = result.r.categoryMask!;
      const labels = result.r.labels;
      // The frame that was segmented, kept so the next draw does not overwrite it mid-display.
      const frame = new OffscreenCanvas(width, height);
      frame.getContext('2d')!.drawImage(work, 0, 0);
      showFrame({
        source: frame,
        width,
        height,
        mask: maskImage(category, backgroundIndexOf(labels), width, height),
        foreground: foregroundImage(foregroundAlpha(result.r.confidenceMasks!, labels, width * height), width, height),
      });
      demo.webcam = { frames: demo.webcam.frames + 1, width, height, categoryMask: category.slice() };
      const now = performance.now();
      if (result.prepared) {
        setStatus('done', '');
        runButton.disabled = true;
        $('caption').textContent = `Webcam · ${width}×${height} · ${model.label}`;
        $('stat-size').textContent = `${width}×${height}`;
        $('stat-plan').textContent = result.prepared.stages ? ms(result.prepared.stages.planMs) : 'cached';
        $('stat-first-run').textContent = result.prepared.stages ? ms(result.prepared.stages.firstRunMs) : 'cached';
        $('stat-gpu').textContent = '–';
        $('stat-layers').textContent = String(result.prepared.layers);
        first = false;
      }
      $('stat-segment').textContent = ms(now - last);
      showClasses(category, labels, model);
      const instant = 1000 / Math.max(1, now - last);
      fps = fps === 0 ? instant : 0.8 * fps + 0.2 * instant;
      last = now;
      fpsBox.hidden = false;
      fpsBox.textContent = `${fps < 10 ? fps.toFixed(1) : fps.toFixed(0)} fps`;
    } catch (e) {
      if (my === job) fail(e);
      stopWebcam();
      break;
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring.

for (const m of DEMO_MODELS) {
  const option = el('option', { value: m.id }, m.source ? m.label : `${m.label} — soon`);
  if (!m.source) option.disabled = true;
  modelSelect.append(option);
}
modelSelect.value = findModel(params.get('model'))?.id ?? DEFAULT_MODEL;
if (params.get('size') && [...sizeSelect.options].some((o) => o.value === params.get('size'))) sizeSelect.value = params.get('size')!;
validateSwitch.checked = params.get('validate') === '1';

function showModelDetail(): void {
  const m = chosenModel();
  $('model-detail').textContent = m ? m.detail : '';
}
showModelDetail();

modelSelect.addEventListener('change', () => {
  showModelDetail();
  if (stream) {
    void startWebcam();
  } else void segmentStill();
});
sizeSelect.addEventListener('change', () => {
  if (photo && !stream) void openBlob(photo.blob, photo.name);
});
runButton.addEventListener('click', () => {
  if (stream) return;
  void segmentStill();
});
opacityInput.addEventListener('input', () => {
  opacity = Number(opacityInput.value) / 100;
  $('opacity-value').textContent = `${opacityInput.value}%`;
  repaint();
});
for (const b of document.querySelectorAll<HTMLButtonElement>('#bars-mode button')) {
  b.addEventListener('click', () => {
    barsMode = b.dataset.mode as typeof barsMode;
    for (const o of document.querySelectorAll('#bars-mode button')) {
      o.classList.toggle('on', o === b);
      o.setAttribute('aria-pressed', String(o === b));
    }
    drawBars();
  });
}
for (const b of document.querySelectorAll<HTMLButtonElement>('#view-mode button')) {
  b.addEventListener('click', () => {
    viewMode = b.dataset.view as typeof viewMode;
    for (const o of document.querySelectorAll('#view-mode button')) {
      o.classList.toggle('on', o === b);
      o.setAttribute('aria-pressed', String(o === b));
    }
    repaint();
  });
}
validateSwitch.addEventListener('change', () => {
  if (validateSwitch.checked) {
    if (stream) $('validation').replaceChildren(el('p', { class: 'muted small' }, 'Validation runs on still images: stop the webcam or pick a photo.'));
    else if (lastResult) void runValidation(job);
  } else {
    cancelValidation();
    clearValidation();
  }
});
for (const b of document.querySelectorAll<HTMLButtonElement>('.sample')) b.addEventListener('click', () => void openSample(b.dataset.sample!));
$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file) {
    for (const b of document.querySelectorAll<HTMLButtonElement>('.sample')) b.classList.remove('on');
    void openBlob(file, file.name);
  }
  input.value = '';
});
webcamButton.addEventListener('click', () => {
  if (stream) {
    stopWebcam();
    // Back to the photo: segment it again (its plan is cached), which also refreshes the panels.
    if (photo) void segmentStill();
    else setStatus('done', '');
  } else void startWebcam();
});

// Drag and drop anywhere on the page.
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  e.preventDefault();
  dragDepth++;
  document.body.classList.add('dragging');
});
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dragging');
  const file = [...(e.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
  if (file) {
    for (const b of document.querySelectorAll<HTMLButtonElement>('.sample')) b.classList.remove('on');
    void openBlob(file, file.name);
  }
});

navigator.mediaDevices?.addEventListener?.('devicechange', () => void detectCamera());

async function start(): Promise<void> {
  canvas.classList.add('empty');
  void detectCamera();
  try {
    const ctx = await theGpu();
    showAdapter(ctx.adapterName, ctx.traits.cpuLike);
  } catch (e) {
    $('adapter').classList.add('bad');
    $('adapter-name').textContent = 'no WebGPU';
    $('placeholder-title').textContent = 'WebGPU is not available here';
    $('placeholder-text').textContent = `${(e as Error).message}. The demo needs a browser with WebGPU, such as Chrome or Edge 113 or later.`;
    demo.error = (e as Error).message;
    demo.state = 'error';
    runButton.disabled = true;
    return;
  }
  await openSample(params.get('sample') ?? 'astronaut');
}

void start();
