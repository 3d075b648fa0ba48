/**
 * End to end: the demo page (demo/), built by vite and served from 127.0.0.1, segments the bundled
 * sample in headless Chromium (system /usr/bin/chromium, WebGPU on SwiftShader), and its category
 * mask is held against the one the Node path (dawn.node) computes for the same pixels with the
 * same Segmenter. Also checked: the page fed the model the file's own pixels, the status line showed
 * the Segmenter's progress (kernels compiled k of n, the first run), the foreground the background
 * effects cut out is the person's mask, the demo's "validate" switch (a CPU-backend Segmenter in a
 * worker) agrees with the GPU, per-layer timings came back, the overlay really was drawn on screen
 * (a screenshot, compared with the photo and the mask), and the webcam mode (segmentForVideo)
 * segments a stream (a fake camera playing the sample) as the still photo was.
 *
 * SEGWGPU_E2E_SCREENSHOTS=<dir> keeps the screenshots there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as decodePng } from 'fast-png';
import type { Page } from 'puppeteer';
import { launchChromium, type LaunchedChromium } from '../scripts/dev/chromium.js';
import { readImageFile, type RgbaImage } from '../src/node/image.js';
import { Segmenter } from '../src/api/segmenter.js';
import { blendByConfidence, blurRgba } from '../src/segment/effects.js';
import { classColor } from '../src/segment/images.js';
import { testGpu } from './util/gpu.js';
import { serveStatic } from './util/static-server.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
// The photo with a person in it, for the pretrained person / background model.
const SAMPLE = 'astronaut';
const SAMPLE_FILE = join(repo, 'assets', 'astronaut.png');
// The default and, per run, the fastest built-in model on SwiftShader (about 1 s for 512x512; its
// plan takes longer, compiling its kernels). Small, pretrained, and its mask means something.
const MODEL = 'selfie';

/** What the page leaves on window.__demo (demo/main.ts), as read back here. */
interface PageReport {
  state: string;
  error?: string;
  adapter: string;
  model: string;
  image?: { name: string; width: number; height: number };
  profile: string;
  layers?: { node: string; opType: string; ms: number }[];
  validation?: { error?: string; maxAbsError: number; allowed: number; withinTolerance: boolean; categoryAgreement: number; worst: { x: number; y: number; k: number } };
  timing?: { planMs: number; firstRunMs: number; segmentMs: number };
  progressPhases: string[];
  statusLog: string[];
  /** The result's labels (aligned with the confidence masks and the category values). */
  labels: string[];
  /** base64 of the segmented RGBA pixels, of the category mask and of the foreground alpha. */
  pixels: string;
  category: string;
  foreground: string;
  maskSize: [number, number];
  opacity: number;
  /** The canvas's box on the page and the drawn image's place inside it (object-fit: contain). */
  canvasBox: { x: number; y: number; width: number; height: number };
}

/** window.__demo as the page keeps it (typed loosely here: the test does not import the page). */
interface DemoWindowState {
  state: string;
  error?: string;
  adapter: string;
  model: string;
  image?: { name: string; width: number; height: number };
  pixels?: Uint8ClampedArray;
  result?: { width: number; height: number; labels: string[]; categoryMask: Uint8Array; foreground: Uint8ClampedArray };
  profile: string;
  layers?: PageReport['layers'];
  validation?: PageReport['validation'];
  timing?: PageReport['timing'];
  progressPhases: string[];
  statusLog: string[];
  webcam?: { frames: number; width: number; height: number; categoryMask?: Uint8Array };
}

type DemoWindow = Window & { __demo?: DemoWindowState };

let buildDir: string;
let server: Server | undefined;
let chromium: LaunchedChromium | undefined;
let page: Page;
let report: PageReport;
let nodeMask: { categoryMask: Uint8Array; width: number; height: number };
let photo: RgbaImage;
let screenshot: { width: number; height: number; data: Uint8Array; channels: number };
const timings: Record<string, number> = {};

async function readReport(p: Page): Promise<PageReport> {
  return p.evaluate(() => {
    const d = (window as DemoWindow).__demo!;
    const b64 = (bytes: Uint8Array | Uint8ClampedArray) => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const canvas = document.getElementById('canvas') as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    const opacity = Number((document.getElementById('opacity') as HTMLInputElement).value) / 100;
    return {
      state: d.state,
      error: d.error,
      adapter: d.adapter,
      model: d.model,
      image: d.image,
      profile: d.profile,
      layers: d.layers,
      validation: d.validation,
      timing: d.timing,
      progressPhases: [...d.progressPhases],
      statusLog: [...d.statusLog],
      labels: d.result ? [...d.result.labels] : [],
      pixels: d.pixels ? b64(d.pixels) : '',
      category: d.result ? b64(d.result.categoryMask) : '',
      foreground: d.result ? b64(d.result.foreground) : '',
      maskSize: d.result ? ([d.result.width, d.result.height] as [number, number]) : ([0, 0] as [number, number]),
      opacity,
      canvasBox: { x: r.x, y: r.y, width: r.width, height: r.height },
    };
  });
}

/** The built demo's address. */
let pageUrl = '';

beforeAll(async () => {
  let t = performance.now();
  buildDir = mkdtempSync(join(tmpdir(), 'segwgpu-demo-'));
  await build({
    root: join(repo, 'demo'),
    configFile: join(repo, 'demo', 'vite.config.ts'),
    mode: 'production',
    logLevel: 'error',
    build: { outDir: buildDir, emptyOutDir: true },
  });
  timings.build = performance.now() - t;
  const served = await serveStatic(resolve(buildDir));
  pageUrl = served.url;
  server = served.server;
  chromium = await launchChromium();
  page = await chromium.browser.newPage();
  await page.setViewport({ width: 1440, height: 1000, deviceScaleFactor: 1 });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Headless Chromium has no camera: give the page one that plays the sample photo (the page's
  // own thumbnail of it, the full-size file) as a video stream, for the webcam mode's check.
  await page.evaluateOnNewDocument(() => {
    MediaDevices.prototype.enumerateDevices = async () => [{ kind: 'videoinput', deviceId: 'fake', groupId: 'fake', label: 'fake camera', toJSON: () => ({}) } as MediaDeviceInfo];
    MediaDevices.prototype.getUserMedia = async () => {
      const img = document.querySelector<HTMLImageElement>('img[data-thumb="astronaut"]')!;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      const paint = () => context.drawImage(img, 0, 0);
      paint();
      // A canvas stream sends frames as the canvas is painted.
      setInterval(paint, 50);
      return canvas.captureStream(20);
    };
  });
  t = performance.now();
  // backend=webgpu: the page's default, auto, would choose wasm on this software adapter.
  await page.goto(`${served.url}?sample=${SAMPLE}&model=${MODEL}&validate=1&backend=webgpu`);
  // The Node path meanwhile: the same Segmenter on dawn.node, fed the PNG decoded in Node.
  const nodeRun = (async () => {
    photo = readImageFile(SAMPLE_FILE);
    const seg = await Segmenter.create({ model: MODEL, device: (await testGpu()).device });
    try {
      const t0 = performance.now();
      const r = await seg.segment({ data: photo.data, width: photo.width, height: photo.height });
      timings.node = performance.now() - t0;
      nodeMask = { categoryMask: r.categoryMask!, width: r.width, height: r.height };
    } finally {
      seg.close();
    }
  })();
  // The page is done when the mask is shown, the profiled run is back and the CPU check is in.
  const pageRun = page
    .waitForFunction(
      () => {
        const d = (window as DemoWindow).__demo;
        return d?.state === 'error' || (d?.state === 'done' && d.profile !== 'pending' && d.profile !== 'none' && d.validation !== undefined);
      },
      { timeout: 300_000, polling: 250 },
    )
    .then(() => (timings.page = performance.now() - t));
  await Promise.all([pageRun, nodeRun]);
  report = await readReport(page);
  if (pageErrors.length) report.error = [report.error, ...pageErrors].filter(Boolean).join('; ');
  const png = await page.screenshot({ type: 'png', clip: report.canvasBox });
  screenshot = decodePng(png) as unknown as typeof screenshot;
  const keep = process.env.SEGWGPU_E2E_SCREENSHOTS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    writeFileSync(join(keep, 'e2e-canvas.png'), png);
    await page.screenshot({ path: join(keep, 'e2e-page.png') as `${string}.png`, fullPage: true });
  }
  console.log(
    `e2e: ${chromium.version}, adapter ${report.adapter}; vite build ${(timings.build / 1000).toFixed(1)} s, ` +
      `page (segment, profile, CPU validation) ${(timings.page / 1000).toFixed(1)} s, Node segment ${((timings.node ?? 0) / 1000).toFixed(1)} s`,
  );
}, 420_000);

afterAll(async () => {
  await chromium?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

describe('demo page, end to end', () => {
  it('segmented the sample on a WebGPU adapter without errors', () => {
    expect(report.error, report.error).toBeUndefined();
    expect(report.state).toBe('done');
    expect(report.adapter).not.toBe('');
    expect(report.model).toBe(MODEL);
    expect(report.image).toEqual({ name: `${SAMPLE}.png`, width: photo.width, height: photo.height });
  });

  it('fed the model the PNG file\'s own pixels (the browser decoded them exactly as Node does)', () => {
    const pixels = fromBase64(report.pixels);
    expect(pixels.length).toBe(photo.data.length);
    let differing = 0;
    for (let i = 0; i < pixels.length; i++) if (pixels[i] !== photo.data[i]) differing++;
    expect(differing, `${differing} of ${pixels.length} RGBA bytes differ between Chromium's decode and Node's`).toBe(0);
  });

  it('gives the category mask the Node path gives (>= 99.9% of pixels)', () => {
    const page = fromBase64(report.category);
    const [width, height] = report.maskSize;
    expect([width, height]).toEqual([nodeMask.width, nodeMask.height]);
    let agree = 0;
    const histogram = new Map<number, number>();
    for (let i = 0; i < page.length; i++) {
      if (page[i] === nodeMask.categoryMask[i]) agree++;
      histogram.set(page[i], (histogram.get(page[i]) ?? 0) + 1);
    }
    const agreement = agree / page.length;
    console.log(`e2e: browser vs Node category mask: ${agree}/${page.length} pixels agree (${(100 * agreement).toFixed(4)}%), ${histogram.size} classes present`);
    // Both run the same WGSL, but through different Dawn/SwiftShader builds (Chromium's and the
    // `webgpu` package's), which may round differently; a near-tie between two classes can flip.
    expect(agreement).toBeGreaterThanOrEqual(0.999);
    // A mask that is one class everywhere would agree trivially.
    expect(histogram.size).toBeGreaterThan(1);
  });

  it('showed the Segmenter\'s progress in the status line: download, import, kernels compiled k of n, first run', () => {
    expect(report.progressPhases.slice(0, 4)).toEqual(['download', 'import', 'compile', 'first-run']);
    const compiling = report.statusLog.flatMap((text) => {
      const m = /compiling kernels (\d+) of (\d+)/.exec(text);
      return m ? [{ text, compiled: Number(m[1]), total: Number(m[2]) }] : [];
    });
    console.log(`e2e: status line showed ${compiling.length} compile steps, the last "${compiling.at(-1)?.text}"`);
    expect(compiling.length).toBeGreaterThan(1);
    expect(compiling.every((c) => c.compiled >= 0 && c.compiled <= c.total && c.total === compiling[0].total)).toBe(true);
    expect(compiling.at(-1)!.compiled).toBe(compiling.at(-1)!.total);
    const lastCompile = report.statusLog.indexOf(compiling.at(-1)!.text);
    expect(report.statusLog.findIndex((text, i) => i > lastCompile && text.startsWith('First run of'))).toBeGreaterThan(lastCompile);
  });

  it('cut the foreground out with the person\'s confidence (the selfie\'s labels: background, person)', () => {
    expect(report.labels).toEqual(['background', 'person']);
    const category = fromBase64(report.category);
    const foreground = fromBase64(report.foreground);
    expect(foreground.length).toBe(category.length);
    const person = report.labels.indexOf('person');
    let agree = 0;
    for (let i = 0; i < category.length; i++) if (foreground[i] >= 128 === (category[i] === person)) agree++;
    // The category mask thresholds the same probability at 0.5; only rounding at 0.5 itself may differ.
    expect(agree / category.length).toBeGreaterThanOrEqual(0.999);
  });

  it('validated against the CPU reference in the page (the demo\'s validate switch)', () => {
    const v = report.validation!;
    expect(v.error, v.error).toBeUndefined();
    expect(v.withinTolerance, `max |GPU - CPU| ${v.maxAbsError} > ${v.allowed}`).toBe(true);
    expect(v.categoryAgreement).toBeGreaterThanOrEqual(0.999);
    expect(v.worst.x).toBeGreaterThanOrEqual(0);
    expect(v.worst.x).toBeLessThan(photo.width);
    expect(v.worst.y).toBeLessThan(photo.height);
  });

  it('profiled every layer (or said timestamp queries are unavailable)', () => {
    expect(['done', 'unavailable']).toContain(report.profile);
    if (report.profile === 'done') {
      expect(report.layers!.length).toBeGreaterThan(5);
      expect(report.layers!.some((l) => l.node.startsWith('post/'))).toBe(true);
      expect(report.layers!.every((l) => Number.isFinite(l.ms) && l.ms >= 0)).toBe(true);
    }
  });

  it('drew the overlay on screen: the screenshot is the photo tinted by the mask colours', () => {
    const { width: W, height: H, channels: C, data } = screenshot;
    const [w, h] = report.maskSize;
    const category = fromBase64(report.category);
    // The canvas shows the image scaled to fit its box (object-fit: contain), centred.
    const scale = Math.min(W / w, H / h);
    const offX = (W - w * scale) / 2;
    const offY = (H - h * scale) / 2;
    const alpha = report.opacity;
    let sum = 0;
    let sumSq = 0;
    let samples = 0;
    const tinted = { n: 0, closerToOverlay: 0, diffFromPhoto: 0 };
    const plain = { n: 0, closeToPhoto: 0 };
    for (let sy = 0; sy < H; sy++) {
      for (let sx = 0; sx < W; sx++) {
        const x = Math.floor((sx + 0.5 - offX) / scale);
        const y = Math.floor((sy + 0.5 - offY) / scale);
        if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
        const k = category[y * w + x];
        // Pixels inside a region of one class only (scaling blends across class borders).
        let uniform = true;
        for (let dy = -1; dy <= 1 && uniform; dy++) for (let dx = -1; dx <= 1; dx++) if (category[(y + dy) * w + x + dx] !== k) uniform = false;
        const s = (sy * W + sx) * C;
        const p = (y * w + x) * 4;
        const lum = data[s] + data[s + 1] + data[s + 2];
        sum += lum;
        sumSq += lum * lum;
        samples++;
        if (!uniform) continue;
        let toPhoto = 0;
        let toOverlay = 0;
        const color = classColor(k);
        for (let c = 0; c < 3; c++) {
          const overlay = (1 - alpha) * photo.data[p + c] + alpha * color[c];
          toPhoto += Math.abs(data[s + c] - photo.data[p + c]);
          toOverlay += Math.abs(data[s + c] - overlay);
        }
        if (k === 0) {
          plain.n++;
          if (toPhoto / 3 <= 24) plain.closeToPhoto++;
        } else {
          tinted.n++;
          tinted.diffFromPhoto += toPhoto / 3;
          if (toOverlay < toPhoto) tinted.closerToOverlay++;
        }
      }
    }
    const variance = sumSq / samples - (sum / samples) ** 2;
    console.log(
      `e2e: screenshot ${W}x${H} of a ${w}x${h} canvas; luminance std ${Math.sqrt(variance).toFixed(1)}; ` +
        `tinted pixels closer to photo+mask than to the photo: ${tinted.closerToOverlay}/${tinted.n} (mean |screen - photo| ${(tinted.diffFromPhoto / Math.max(1, tinted.n)).toFixed(1)}); ` +
        `background pixels showing the photo: ${plain.closeToPhoto}/${plain.n}`,
    );
    expect(samples).toBeGreaterThan(w * h); // the image fills a good part of the canvas box
    expect(Math.sqrt(variance)).toBeGreaterThan(10); // not a blank canvas
    expect(tinted.n).toBeGreaterThan(1000);
    // The validation marker covers a few percent of the picture; everything else must match.
    expect(tinted.closerToOverlay / tinted.n).toBeGreaterThan(0.9);
    expect(tinted.diffFromPhoto / tinted.n).toBeGreaterThan(15);
    if (plain.n > 1000) expect(plain.closeToPhoto / plain.n).toBeGreaterThan(0.9);
  });

  it('blurs the background with the CLI\'s effect code (src/segment/effects.ts), blended by the foreground confidence', async () => {
    const [w, h] = report.maskSize;
    const shown = await page.evaluate(async () => {
      // The validate switch off first: it takes the CPU check's marker off the picture.
      const validate = document.getElementById('validate') as HTMLInputElement;
      validate.checked = false;
      validate.dispatchEvent(new Event('change'));
      document.querySelector<HTMLButtonElement>('#view-mode button[data-view="blur"]')!.click();
      const canvas = document.getElementById('canvas') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      document.querySelector<HTMLButtonElement>('#view-mode button[data-view="overlay"]')!.click();
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return btoa(s);
    });
    const pixels = new Uint8ClampedArray(fromBase64(report.pixels));
    const confidence = Float32Array.from(fromBase64(report.foreground), (a) => a / 255);
    const expected = blendByConfidence(pixels, blurRgba(pixels, w, h, Math.max(4, Math.round(Math.min(w, h) / 60))), confidence);
    const canvasPixels = fromBase64(shown);
    expect(canvasPixels.length).toBe(expected.length);
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (canvasPixels[i] !== expected[i]) differing++;
    expect(differing).toBe(0);
  });

  it('segments a camera stream in webcam mode (segmentForVideo) as it segmented the still photo', async () => {
    const framesWanted = 3;
    await page.click('#webcam');
    await page.waitForFunction(
      (wanted) => {
        const d = (window as DemoWindow).__demo;
        return d?.state === 'error' || (d?.webcam?.frames ?? 0) >= wanted;
      },
      { timeout: 180_000, polling: 250 },
      framesWanted,
    );
    const webcam = await page.evaluate(() => {
      const d = (window as DemoWindow).__demo!;
      const w = d.webcam;
      let category = '';
      if (w?.categoryMask) for (let i = 0; i < w.categoryMask.length; i += 0x8000) category += String.fromCharCode(...w.categoryMask.subarray(i, i + 0x8000));
      return { state: d.state, error: d.error, frames: w?.frames ?? 0, width: w?.width, height: w?.height, category: btoa(category), fps: document.getElementById('fps')!.textContent };
    });
    expect(webcam.error, webcam.error).toBeUndefined();
    expect(webcam.frames).toBeGreaterThanOrEqual(framesWanted);
    expect([webcam.width, webcam.height]).toEqual(report.maskSize);
    const still = fromBase64(report.category);
    const frame = fromBase64(webcam.category);
    expect(frame.length).toBe(still.length);
    let agree = 0;
    for (let i = 0; i < still.length; i++) if (frame[i] === still[i]) agree++;
    console.log(`e2e: webcam ${webcam.frames} frames (${webcam.fps}), last frame's mask agrees with the still's on ${((100 * agree) / still.length).toFixed(2)}% of pixels`);
    // The stream re-encodes the photo (colour conversion to video), so a little disagreement is fine.
    expect(agree / still.length).toBeGreaterThan(0.95);
  }, 200_000);
});

describe('the demo with a detection model (Mask R-CNN: instances)', () => {
  it("shows the instances the Node Segmenter finds in the same pixels: boxes, labels, scores", async () => {
    const tab = await chromium!.browser.newPage();
    try {
      await tab.goto(`${pageUrl}?sample=${SAMPLE}&model=maskrcnn&backend=webgpu&profile=0`);
      await tab.waitForFunction(
        () => {
          const d = (window as DemoWindow).__demo;
          return d?.state === 'error' || (d?.state === 'done' && d.result !== undefined);
        },
        { timeout: 180_000, polling: 250 },
      );
      const shown = await tab.evaluate(() => {
        const d = (window as DemoWindow).__demo! as DemoWindowState & { result?: { instances?: { box: number[]; label: number; score: number }[] } };
        return { error: d.error, width: d.result?.width ?? 0, height: d.result?.height ?? 0, instances: d.result?.instances, pixels: d.pixels ? Array.from(d.pixels) : [] };
      });
      expect(shown.error, shown.error).toBeUndefined();
      expect(shown.instances?.length).toBe(5);
      const seg = await Segmenter.create({ model: 'test/fixtures/maskrcnn/maskrcnn_small.onnx', device: (await testGpu()).device });
      try {
        const node = await seg.segment({ data: new Uint8ClampedArray(shown.pixels), width: shown.width, height: shown.height });
        node.instances!.forEach((want, d) => {
          const got = shown.instances![d]!;
          got.box.forEach((v, k) => expect(Math.abs(v - want.box[k]!), `instance ${d} box[${k}]`).toBeLessThanOrEqual(0.05));
          expect(got.label).toBe(want.label);
          expect(Math.abs(got.score - want.score)).toBeLessThanOrEqual(1e-3);
        });
      } finally {
        await seg.close();
      }
    } finally {
      await tab.close();
    }
  }, 240_000);
});
