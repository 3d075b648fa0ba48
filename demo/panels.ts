/** The side panels: adapter, Result card, classes, per-layer GPU timings, the CPU check's verdict. */
import type { NodeTiming } from '../src/exec/gpu.js';
import { classColor } from '../src/segment/images.js';
import { $, el, ms, pressOnly } from './dom.js';
import { backgroundIndexOf } from './draw.js';
import type { DemoModel } from './models.js';
import { demo } from './state.js';
import type { ValidateResponse } from './validation.js';

export function showAdapter(name: string, cpuLike: boolean): void {
  demo.adapter = name;
  const box = $('adapter');
  box.classList.remove('ok', 'soft', 'bad');
  box.classList.add(cpuLike ? 'soft' : 'ok');
  box.title = cpuLike ? 'A software adapter (a CPU implementation of WebGPU): expect seconds per image; a GPU takes milliseconds' : 'The WebGPU adapter the models run on';
  $('adapter-name').textContent = name;
  $('footer-note').textContent = cpuLike ? ' This browser runs WebGPU on a software adapter, so each image takes seconds.' : '';
}

/** The page says WebGPU is missing, and why; with `wasmFallback` the wasm backend runs instead. */
export function showNoWebGpu(why: string, wasmFallback: boolean): void {
  $('adapter').classList.add(wasmFallback ? 'soft' : 'bad');
  $('adapter-name').textContent = wasmFallback ? 'no WebGPU: onnxruntime-web wasm' : 'no WebGPU';
  if (wasmFallback) return;
  $('placeholder-title').textContent = 'WebGPU is not available here';
  $('placeholder-text').textContent = `${why}. Choose the Auto or wasm backend, or use a browser with WebGPU, such as Chrome or Edge 113 or later.`;
}

/** Which backend runs the model and why (the library's reason when the choice was 'auto'). */
export function showBackend(backend: string, engine: string, reason: string): void {
  $('backend-detail').textContent = backend === 'webgpu' ? `Running on WebGPU (${reason}).` : `Running on ${engine} (${reason}).`;
  if (backend === 'wasm') {
    demo.adapter = engine;
    const box = $('adapter');
    box.classList.remove('ok', 'bad');
    box.classList.add('soft');
    box.title = "onnxruntime-web's wasm EP runs the model exported to ONNX";
    $('adapter-name').textContent = engine;
    $('footer-note').textContent = '';
  }
}

export function showModelDetail(model: DemoModel | undefined): void {
  $('model-detail').textContent = model ? model.detail : '';
}

/** `stages` absent: the size's plan was made before (prepare() had nothing to do). */
export function showStats(s: { width: number; height: number; stages?: { planMs: number; firstRunMs: number }; segmentMs?: number; layers: number; gpu?: string }): void {
  $('stat-size').textContent = `${s.width}×${s.height}`;
  $('stat-plan').textContent = s.stages ? ms(s.stages.planMs) : 'cached';
  $('stat-first-run').textContent = s.stages ? ms(s.stages.firstRunMs) : 'cached';
  if (s.segmentMs !== undefined) $('stat-segment').textContent = ms(s.segmentMs);
  $('stat-gpu').textContent = s.gpu ?? '…';
  $('stat-layers').textContent = String(s.layers);
}

export function showSegmentTime(text: string): void {
  $('stat-segment').textContent = text;
}

export function showGpuTime(text: string): void {
  $('stat-gpu').textContent = text;
}

/** A label's name (labels[k] names confidence mask k and category value k). */
export function labelName(labels: readonly string[], k: number): string {
  return labels[k] ?? `class ${k}`;
}

export function showClasses(category: Uint8Array, labels: readonly string[], entry: DemoModel): void {
  const background = backgroundIndexOf(labels);
  const counts = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < category.length; i++) counts[category[i]!]!++;
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

// ---------------------------------------------------------------------------------------------
// Per-layer GPU timings.

function stageOf(node: string): 'pre' | 'post' | 'model' {
  return node.startsWith('pre/') ? 'pre' : node.startsWith('post/') ? 'post' : 'model';
}

let barsMode: 'slowest' | 'all' = 'slowest';
let shownTimings: NodeTiming[] = [];
const SLOWEST = 16;

/** The layers card without timings, saying why. */
export function resetLayers(message: string): void {
  shownTimings = [];
  $('timeline').hidden = true;
  $('bars-head').hidden = true;
  $('ops').replaceChildren();
  $('layers-summary').textContent = '';
  for (const stage of ['pre', 'model', 'post']) $(`stage-${stage}`).textContent = '';
  $('bars').replaceChildren(el('p', { class: 'muted' }, message));
}

export function showLayersPending(): void {
  $('layers-summary').textContent = 'profiling…';
}

export function clearLayersSummary(): void {
  $('layers-summary').textContent = '';
}

/** `profiledMs`: the profiled segment()'s wall time (timestamp queries included). */
export function showLayers(timings: NodeTiming[], profiledMs: number): void {
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

/** The bars' mode buttons: the slowest passes, or all in execution order. */
export function wireBarsMode(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#bars-mode button')) {
    b.addEventListener('click', () => {
      barsMode = b.dataset.mode as typeof barsMode;
      pressOnly('#bars-mode', b);
      drawBars();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The CPU check.

export function clearValidationPanel(): void {
  $('validation').replaceChildren();
}

export function showValidationNote(text: string): void {
  $('validation').replaceChildren(el('p', { class: 'muted small' }, text));
}

/** The panel while the CPU reference runs, with its elapsed time; returns what stops the clock. */
export function showValidationRunning(): () => void {
  const started = performance.now();
  const pill = el('span', { class: 'verdict busy' }, el('span', { class: 'spinner', style: 'border-top-color:#0d9488;border-color:#e2e8f0;border-top-color:#0d9488' }), 'CPU reference running…');
  const elapsed = el('span', { class: 'muted small', style: 'margin-left:8px' });
  $('validation').replaceChildren(pill, elapsed);
  const timer = window.setInterval(() => (elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(0)} s`), 500);
  return () => window.clearInterval(timer);
}

export function showValidationResult(v: ValidateResponse, labels: readonly string[]): void {
  const name = labelName(labels, v.worst.k);
  $('validation').replaceChildren(
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
}

export function showValidationError(message: string): void {
  $('validation').replaceChildren(el('span', { class: 'verdict bad' }, 'CPU reference failed'), el('p', { class: 'small' }, message));
}
