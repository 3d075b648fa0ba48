/** Webcam mode: frames segmented with segmentForVideo, one after the other, with frames per second. */
import { $, fpsBox, ms, runButton, sizeSelect, video, webcamButton } from './dom.js';
import { backgroundIndexOf, foregroundAlpha, maskImage, showFrame } from './draw.js';
import { clearLayersSummary, resetLayers, showClasses, showSegmentTime, showStats } from './panels.js';
import { chosenModel, prepareTimed, segmenterFor } from './segmenters.js';
import { demo, enqueue, fail, isCurrent, nextJob, setStatus } from './state.js';

let stream: MediaStream | undefined;

export function webcamOn(): boolean {
  return stream !== undefined;
}

/** The webcam button shows only where there is a camera. */
export async function detectCamera(): Promise<void> {
  try {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    webcamButton.hidden = !devices.some((d) => d.kind === 'videoinput');
  } catch {
    webcamButton.hidden = true;
  }
}

export function stopWebcam(): void {
  if (!stream) return;
  for (const t of stream.getTracks()) t.stop();
  stream = undefined;
  video.srcObject = null;
  webcamButton.classList.remove('on');
  webcamButton.title = 'Segment the webcam live';
  fpsBox.hidden = true;
}

/** Opens the camera and segments frames until it is stopped or another job starts. */
export async function startWebcam(): Promise<void> {
  const model = chosenModel();
  if (!model) return;
  const my = nextJob();
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
  showSegmentTime('…');
  clearLayersSummary();
  resetLayers('Per-layer timings are taken on still images (a profiled run per frame would halve the frame rate).');
  $('placeholder').hidden = true;
  const work = new OffscreenCanvas(1, 1);
  const work2d = work.getContext('2d', { willReadFrequently: false })!;
  let fps = 0;
  let last = performance.now();
  let first = true;
  demo.webcam = { frames: 0, width: 0, height: 0 };
  while (stream && isCurrent(my)) {
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
      if (!stream || !isCurrent(my)) break;
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
        foreground: foregroundAlpha(result.r.confidenceMasks!, labels, width * height),
      });
      demo.webcam = { frames: demo.webcam.frames + 1, width, height, categoryMask: category.slice() };
      const now = performance.now();
      if (result.prepared) {
        setStatus('done', '');
        runButton.disabled = true;
        $('caption').textContent = `Webcam · ${width}×${height} · ${model.label}`;
        showStats({ width, height, stages: result.prepared.stages, layers: result.prepared.layers, gpu: '–' });
        first = false;
      }
      showSegmentTime(ms(now - last));
      showClasses(category, labels, model);
      const instant = 1000 / Math.max(1, now - last);
      fps = fps === 0 ? instant : 0.8 * fps + 0.2 * instant;
      last = now;
      fpsBox.hidden = false;
      fpsBox.textContent = `${fps < 10 ? fps.toFixed(1) : fps.toFixed(0)} fps`;
    } catch (e) {
      if (isCurrent(my)) fail(e);
      stopWebcam();
      break;
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}
