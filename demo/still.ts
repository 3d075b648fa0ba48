/**
 * Segmenting a still photo (a bundled sample, a file or a drop): prepare (plan, compile, warm-up
 * run), segment, then a profiled segment of the same photo for per-layer GPU timings, then, if
 * asked, the check against the CPU reference.
 */
import type { Instance, Segmenter } from '../src/api/segmenter.js';
import { $, params, sizeSelect, validateSwitch } from './dom.js';
import { backgroundIndexOf, foregroundAlpha, instancesImage, maskImage, repaint, showFrame, shownFrame, type Frame } from './draw.js';
import type { DemoModel } from './models.js';
import {
  clearValidationPanel,
  resetLayers,
  showClasses,
  showGpuTime,
  showLayers,
  showLayersPending,
  showStats,
  showValidationError,
  showValidationResult,
  showValidationRunning,
} from './panels.js';
import { decodePhoto, type Photo } from './photos.js';
import { chosenModel, prepareTimed, segmenterFor } from './segmenters.js';
import { currentJob, demo, enqueue, fail, isCurrent, nextJob, setStatus } from './state.js';
import { cancelValidation, validateOnCpu } from './validation.js';
import { stopWebcam } from './webcam.js';
import chelseaUrl from '../assets/chelsea.png';
import astronautUrl from '../assets/astronaut.png';

export const SAMPLES: Record<string, { url: string; name: string }> = {
  chelsea: { url: chelseaUrl, name: 'chelsea.png' },
  astronaut: { url: astronautUrl, name: 'astronaut.png' },
};

let photo: Photo | undefined;
let still: Frame | undefined;
let lastResult: { category: Uint8Array; confidence: Float32Array[]; labels: string[]; width: number; height: number; model: DemoModel; seg: Segmenter } | undefined;

export function currentPhoto(): Photo | undefined {
  return photo;
}

export function hasResult(): boolean {
  return lastResult !== undefined;
}

export async function openBlob(blob: Blob, name: string): Promise<void> {
  stopWebcam();
  const my = nextJob();
  cancelValidation();
  setStatus('loading', `Decoding ${name}…`);
  try {
    const decoded = await decodePhoto(blob, name, Number(sizeSelect.value));
    if (!isCurrent(my)) return decoded.bitmap.close();
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
    if (isCurrent(my)) fail(e);
  }
}

export async function openSample(key: string): Promise<void> {
  const sample = SAMPLES[key] ?? SAMPLES.astronaut!;
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

export async function segmentStill(my = nextJob()): Promise<void> {
  const model = chosenModel();
  if (!photo || !model) return;
  const target = photo;
  cancelValidation();
  clearValidation();
  demo.profile = 'none';
  await enqueue(async () => {
    if (!isCurrent(my)) return;
    try {
      const seg = await segmenterFor(model);
      if (!isCurrent(my)) return;
      const { width, height } = target;
      const prepared = await prepareTimed(seg, model, width, height);
      if (!isCurrent(my)) return;
      setStatus('running', `Running ${prepared.layers} layers ${seg.backend === 'webgpu' ? 'on the GPU' : `on ${seg.adapterName}`}…`);
      const t1 = performance.now();
      const result = await seg.segment(target.bitmap);
      const segmentMs = performance.now() - t1;
      if (!isCurrent(my)) return;
      const category = result.categoryMask!;
      const labels = [...result.labels];
      const instances = result.instances;
      // A detection model's foreground: every instance's mask, the most confident per pixel.
      const foreground = instances ? instancesAlpha(instances, width * height) : foregroundAlpha(result.confidenceMasks!, labels, width * height);
      // Validation compares confidence masks: a detection model has none (its check is test/instances.test.ts).
      lastResult = instances ? undefined : { category, confidence: result.confidenceMasks!, labels, width, height, model, seg };
      demo.result = { width, height, labels, categoryMask: category, foreground, ...(instances && { instances: instances.map(({ box, label, labelName, score }) => ({ box, label, labelName, score })) }) };
      demo.timing = { planMs: prepared.stages?.planMs ?? 0, firstRunMs: prepared.stages?.firstRunMs ?? 0, segmentMs };
      demo.runs++;
      still = { source: target.bitmap, width, height, mask: instances ? instancesImage(instances, width, height) : maskImage(category, backgroundIndexOf(labels), width, height), foreground };
      showFrame(still);
      showStats({ width, height, stages: prepared.stages, segmentMs, layers: prepared.layers });
      // A detection model names no classes up front: those its instances have, by label.
      const classLabels = instances ? Array.from({ length: Math.max(0, ...instances.map((i) => i.label)) + 1 }, (_, k) => labels[k] ?? (k === 0 ? 'background' : `class ${k}`)) : labels;
      showClasses(category, classLabels, model);
      $('caption').textContent = `${target.name} · ${width}×${height}${target.width !== target.originalWidth ? ` (from ${target.originalWidth}×${target.originalHeight})` : ''} · ${model.label}`;
      setStatus('done', '');
      if (validateSwitch.checked) void runValidation(my);
      try {
        await profile(my, seg, target);
      } catch (e) {
        if (!isCurrent(my)) return;
        demo.profile = 'error';
        resetLayers(`The profiled run failed: ${(e as Error).message}`);
      }
    } catch (e) {
      if (isCurrent(my)) fail(e);
    }
  });
}

async function profile(my: number, seg: Segmenter, target: Photo): Promise<void> {
  if (params.get('profile') === '0') {
    demo.profile = 'off';
    showGpuTime('off');
    resetLayers('Profiling is off (profile=0 in the address).');
    return;
  }
  if (!seg.canProfile) {
    demo.profile = 'unavailable';
    showGpuTime('n/a');
    resetLayers('This adapter has no timestamp queries, so only the wall time is shown (Result card).');
    return;
  }
  demo.profile = 'pending';
  showLayersPending();
  const t0 = performance.now();
  const { timings = [] } = await seg.segment(target.bitmap, { profile: true });
  const profiledMs = performance.now() - t0;
  if (!isCurrent(my)) return;
  demo.layers = timings;
  demo.profile = 'done';
  showLayers(timings, profiledMs);
}

export function clearValidation(): void {
  demo.validation = undefined;
  demo.validating = false;
  clearValidationPanel();
  if (still?.marker) {
    still.marker = undefined;
    if (shownFrame() === still) repaint();
  }
}

/** The still photo's masks against a CPU-backend Segmenter's in a worker (demo/validation.ts). */
export async function runValidation(my = currentJob()): Promise<void> {
  if (!lastResult || !photo) return;
  const r = lastResult;
  const target = photo;
  demo.validating = true;
  const stopClock = showValidationRunning();
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
    if (!isCurrent(my)) return;
    demo.validation = v;
    showValidationResult(v, r.labels);
    if (still && lastResult === r) {
      still.marker = { x: v.worst.x, y: v.worst.y, label: `max err ${v.maxAbsError.toExponential(1)}` };
      if (shownFrame() === still) repaint();
    }
  } catch (e) {
    if (!isCurrent(my) || (e as Error).message === 'cancelled') return;
    demo.validation = { error: (e as Error).message };
    showValidationError((e as Error).message);
  } finally {
    stopClock();
    if (isCurrent(my)) demo.validating = false;
  }
}

/** The union of the instances' masks as alpha bytes (the background effects' foreground). */
function instancesAlpha(instances: readonly Instance[], plane: number): Uint8ClampedArray {
  const alpha = new Uint8ClampedArray(plane);
  for (const instance of instances) instance.mask?.forEach((v, p) => (alpha[p] = Math.max(alpha[p]!, 255 * v)));
  return alpha;
}
