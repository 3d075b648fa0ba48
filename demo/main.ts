/**
 * The segwgpu demo page: a photo (bundled sample, file, drop or webcam) through a Segmenter, the
 * category mask drawn over it, per-layer GPU timings from a profiled segment() of the same photo,
 * and an optional check against the CPU reference (a CPU-backend Segmenter in a worker). All the
 * segmentation goes through the public Segmenter API: what the page shows is what a user gets.
 *
 * URL parameters (handy for links and the end-to-end test): sample=astronaut|chelsea,
 * model=<id>, size=<longest side>, validate=1, profile=0.
 *
 * window.__demo mirrors the page's state for the end-to-end test (test/e2e.test.ts; demo/state.ts).
 * The page's parts: dom.ts (elements, formatting), state.ts (state, status line, GPU queue),
 * segmenters.ts, photos.ts, still.ts (a photo's run and its CPU check), webcam.ts, draw.ts (the
 * canvas, background effects from src/segment/effects.ts), panels.ts; this file wires them up.
 */
import { $, backendSelect, canvas, el, modelSelect, opacityInput, params, pressOnly, runButton, sizeSelect, validateSwitch, webcamButton } from './dom.js';
import { repaint, view, type ViewMode } from './draw.js';
import { DEFAULT_MODEL, DEMO_MODELS, findModel } from './models.js';
import { showAdapter, showModelDetail, showNoWebGpu, showValidationNote, wireBarsMode } from './panels.js';
import { chosenModel, theGpu } from './segmenters.js';
import { clearValidation, currentPhoto, hasResult, openBlob, openSample, runValidation, SAMPLES, segmentStill } from './still.js';
import { demo, setStatus } from './state.js';
import { cancelValidation } from './validation.js';
import { detectCamera, startWebcam, stopWebcam, webcamOn } from './webcam.js';

for (const img of document.querySelectorAll<HTMLImageElement>('img[data-thumb]')) img.src = SAMPLES[img.dataset.thumb!]!.url;

for (const m of DEMO_MODELS) {
  const option = el('option', { value: m.id }, m.source ? m.label : `${m.label} — soon`);
  if (!m.source) option.disabled = true;
  modelSelect.append(option);
}
modelSelect.value = findModel(params.get('model'))?.id ?? DEFAULT_MODEL;
if (params.get('size') && [...sizeSelect.options].some((o) => o.value === params.get('size'))) sizeSelect.value = params.get('size')!;
if (params.get('backend') && [...backendSelect.options].some((o) => o.value === params.get('backend'))) backendSelect.value = params.get('backend')!;
validateSwitch.checked = params.get('validate') === '1';
view.opacity = Number(opacityInput.value) / 100;
showModelDetail(chosenModel());

/** The webcam, from a clean slate: no CPU check of a photo running or shown. */
function webcam(): void {
  cancelValidation();
  clearValidation();
  void startWebcam();
}

modelSelect.addEventListener('change', () => {
  showModelDetail(chosenModel());
  if (webcamOn()) webcam();
  else void segmentStill();
});
backendSelect.addEventListener('change', () => {
  if (webcamOn()) webcam();
  else void segmentStill();
});
sizeSelect.addEventListener('change', () => {
  const photo = currentPhoto();
  if (photo && !webcamOn()) void openBlob(photo.blob, photo.name);
});
runButton.addEventListener('click', () => {
  if (webcamOn()) return;
  void segmentStill();
});
opacityInput.addEventListener('input', () => {
  view.opacity = Number(opacityInput.value) / 100;
  $('opacity-value').textContent = `${opacityInput.value}%`;
  repaint();
});
wireBarsMode();
for (const b of document.querySelectorAll<HTMLButtonElement>('#view-mode button')) {
  b.addEventListener('click', () => {
    view.mode = b.dataset.view as ViewMode;
    pressOnly('#view-mode', b);
    repaint();
  });
}
validateSwitch.addEventListener('change', () => {
  if (validateSwitch.checked) {
    if (webcamOn()) showValidationNote('Validation runs on still images: stop the webcam or pick a photo.');
    else if (hasResult()) void runValidation();
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
  if (webcamOn()) {
    stopWebcam();
    // Back to the photo: segment it again (its plan is cached), which also refreshes the panels.
    if (currentPhoto()) void segmentStill();
    else setStatus('done', '');
  } else webcam();
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
    // Without WebGPU only the wasm backend (which 'auto' picks then) can run.
    const fallback = backendSelect.value !== 'webgpu';
    showNoWebGpu((e as Error).message, fallback);
    if (!fallback) {
      demo.error = (e as Error).message;
      demo.state = 'error';
      runButton.disabled = true;
      return;
    }
  }
  await openSample(params.get('sample') ?? 'astronaut');
}

void start();
