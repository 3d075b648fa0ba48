/**
 * Reference masks from MediaPipe's own selfie segmentation solution (@mediapipe/selfie_segmentation,
 * the WebGL build), for test/mediapipe-parity.test.ts:
 *
 *   node --import ./scripts/dev/register.mjs scripts/make_mediapipe_references.ts [--diagnose] [--skimage-data DIR]
 *       [--only photo,photo] [--cpu-inference --out DIR]
 *
 * Serves scripts/mediapipe-page/ and the package folder from 127.0.0.1 (every other request is
 * refused: no network), drives headless Chromium (the system browser, WebGL on SwiftShader) and, for
 * every photo and both models (modelSelection 0: general 256x256, 1: landscape 144x256), writes
 * test/fixtures/mediapipe/masks/<photo>.<model>.png (8-bit grayscale at the photo's size: the
 * references, MediaPipe as users run it, inference on WebGL), masks/<photo>.<model>.cpu-inference.png
 * (the same with the solution's useCpuInference option: float32 inference in wasm, the same WebGL
 * pre- and post-processing; they pin down the pre- and post-processing without the WebGL
 * inference's precision loss) and test/fixtures/mediapipe/manifest.json (what, where from, which
 * channel, timings of both paths).
 *
 * Photos (test/fixtures/mediapipe/photos.ts, shared with the test): assets/astronaut.png and
 * assets/chelsea.png as they are, a flipped astronaut crop and a 0.6x astronaut (made from the asset
 * by code, not committed), and a landscape crop of scikit-image's CC0 "camera" photo (a person) at
 * two sizes, the smaller one below both models' input sizes so MediaPipe's pre-processing upsamples
 * it. Those two are committed under test/fixtures/mediapipe/photos/ (the parity test needs no Python
 * and no Debian package); when missing they are made from Debian's python3-skimage data folder
 * (--skimage-data, default /usr/lib/python3/dist-packages/skimage/data; `apt-get download
 * python3-skimage && dpkg -x` it anywhere if the package is not installed).
 *
 * MediaPipe is run with selfieMode false (no mirroring). Each photo goes to a fresh solution
 * instance, once, so nothing carries over between photos; a second fresh instance must return the
 * same mask, and 5 more sends on that instance (timed; medians in the manifest) must too.
 * `--diagnose` also prints the channel statistics that show where the confidence is.
 * `--cpu-inference` (with `--out DIR`, to leave the fixtures alone) makes only the CPU-inference
 * masks, as the main ones, in DIR.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from './dev/chromium.js';
import { encodeGrayPng, readImageFile, type RgbaImage } from '../src/node/image.js';
import { crop, loadParityPhoto, PARITY_PHOTOS, scaleDown, type ParityPhoto } from '../test/fixtures/mediapipe/photos.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE_DIR = join(ROOT, 'scripts', 'mediapipe-page');
const MEDIAPIPE_DIR = join(ROOT, 'node_modules', '@mediapipe', 'selfie_segmentation');
const FIXTURE_DIR = join(ROOT, 'test', 'fixtures', 'mediapipe');

const MODELS = [
  { modelSelection: 0, name: 'general', file: 'selfie_segmentation.tflite', inputHeight: 256, inputWidth: 256 },
  { modelSelection: 1, name: 'landscape', file: 'selfie_segmentation_landscape.tflite', inputHeight: 144, inputWidth: 256 },
] as const;

// ---------------------------------------------------------------------------------------------
// Photos (test/fixtures/mediapipe/photos.ts). The two crops of scikit-image's "camera" are
// committed; they are made here when missing, from Debian's python3-skimage data.

const CAMERA_FILES: Record<string, (camera: RgbaImage) => RgbaImage> = {
  'test/fixtures/mediapipe/photos/camera-crop.png': (camera) => scaleDown(crop(camera, 0, 64, 512, 320), 384, 240),
  'test/fixtures/mediapipe/photos/camera-small.png': (camera) => scaleDown(crop(camera, 0, 64, 512, 320), 192, 120),
};

function ensureCommittedPhotos(skimageData: string): void {
  for (const [file, make] of Object.entries(CAMERA_FILES)) {
    const path = join(ROOT, file);
    if (existsSync(path)) continue;
    const img = make(readImageFile(join(skimageData, 'camera.png')));
    // 8-bit grayscale on disk (the source is grayscale: R = G = B).
    const gray = new Uint8Array(img.width * img.height);
    for (let i = 0; i < gray.length; i++) gray[i] = img.data[4 * i];
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodeGrayPng(img.width, img.height, gray));
    console.log(`wrote ${file} (${img.width}x${img.height})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Local server: the page and the package, nothing else.

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

function startServer(): Promise<{ server: Server; origin: string }> {
  const mounts: [string, string][] = [
    ['/page/', PAGE_DIR],
    ['/mediapipe/', MEDIAPIPE_DIR],
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const mount = mounts.find(([prefix]) => url.pathname.startsWith(prefix));
    const file = mount ? normalize(join(mount[1], decodeURIComponent(url.pathname.slice(mount[0].length)))) : undefined;
    if (!mount || !file || !(file + sep).startsWith(mount[1] + sep) || !existsSync(file)) {
      if (url.pathname !== '/favicon.ico') console.error(`local server: 404 for ${url.pathname}`);
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      ok({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

// ---------------------------------------------------------------------------------------------

interface Timings {
  sendMs: number[];
  readyMs: number[];
  pixelsMs: number[];
}

interface SegmentReply {
  mask: { type: string; width: number; height: number };
  rgbaBase64: string;
  freshAgree: boolean;
  warmAgree: boolean;
  timing: {
    fresh: Timings & { initializeMs: number[] };
    warm: Timings;
    warmMedian: { sendMs: number; readyMs: number; pixelsMs: number };
  };
  gl?: { width: number; height: number; rgbaBase64: string };
}

type PageApi = {
  mediapipeRef: {
    version(): string;
    webgl(): { ok: boolean; renderer?: string; version?: string };
    segment(args: object): Promise<SegmentReply>;
  };
};

function channelStats(rgba: Uint8Array): string[] {
  return ['R', 'G', 'B', 'A'].map((n, k) => {
    let min = 255;
    let max = 0;
    let sum = 0;
    const count = rgba.length / 4;
    for (let i = 0; i < count; i++) {
      const v = rgba[4 * i + k];
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    return `${n} min ${min} max ${max} mean ${(sum / count).toFixed(2)}`;
  });
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

interface Photo {
  readonly spec: ParityPhoto;
  readonly image: RgbaImage;
}

interface PassResult {
  chromiumVersion: string;
  webglRenderer: string;
  /** Per model, then per photo (in PHOTOS order): the mask (confidence bytes) and the timings. */
  runs: { model: (typeof MODELS)[number]; photo: Photo; alpha: Uint8Array; reply: SegmentReply }[];
}

/**
 * Runs MediaPipe on every photo with both models. One browser per model, so the first photo of
 * each model times a cold start (wasm compile, graph and model load, shader compilation) in a fresh
 * profile.
 */
async function runPass(origin: string, photos: readonly Photo[], options: { useCpuInference: boolean; diagnose: boolean }): Promise<PassResult> {
  const result: PassResult = { chromiumVersion: '', webglRenderer: '', runs: [] };
  const packageVersion = JSON.parse(readFileSync(join(MEDIAPIPE_DIR, 'package.json'), 'utf8')).version as string;
  for (const model of MODELS) {
    const browser = await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      // WebGL on SwiftShader through ANGLE (what a machine without a GPU has), chosen explicitly
      // so the references do not depend on the machine's GPU.
      args: [...CHROMIUM_WEBGPU_FLAGS, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    try {
      result.chromiumVersion = await browser.version();
      const page = await browser.newPage();
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) void request.continue();
        else {
          console.error(`refused a request outside 127.0.0.1: ${url}`);
          void request.abort();
        }
      });
      page.on('pageerror', (e) => console.error('page error:', e));
      page.on('console', (m) => {
        // MediaPipe logs glog lines (I0000 ..., W0000 ...) and TFLite's INFO lines as console warnings.
        if ((m.type() === 'error' || m.type() === 'warn') && !/^([IW]\d{4} |INFO: )/.test(m.text())) console.error(`page ${m.type()}: ${m.text()}`);
      });
      await page.goto(`${origin}/page/index.html`);
      await page.waitForFunction(() => (window as unknown as { mediapipeRefReady?: boolean }).mediapipeRefReady === true, { timeout: 60_000 });
      const version = await page.evaluate(() => (window as unknown as PageApi).mediapipeRef.version());
      const webgl = await page.evaluate(() => (window as unknown as PageApi).mediapipeRef.webgl());
      if (!webgl.ok) throw new Error('no WebGL2 in headless Chromium: MediaPipe cannot run');
      result.webglRenderer = webgl.renderer ?? '';
      console.log(
        `${model.name} model, ${options.useCpuInference ? 'CPU (wasm) inference' : 'WebGL inference'}: MediaPipe selfie_segmentation ${packageVersion} (VERSION ${version}), ${result.chromiumVersion}, WebGL: ${result.webglRenderer}`,
      );

      for (const photo of photos) {
        const { spec, image } = photo;
        const started = Date.now();
        const reply = await page.evaluate((args) => (window as unknown as PageApi).mediapipeRef.segment(args), {
          rgbaBase64: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString('base64'),
          width: image.width,
          height: image.height,
          modelSelection: model.modelSelection,
          repeats: 2,
          warmRuns: 5,
          diagnose: options.diagnose,
          useCpuInference: options.useCpuInference,
        });
        const what = `${spec.name} / ${model.name}`;
        if (reply.mask.width !== image.width || reply.mask.height !== image.height) throw new Error(`${what}: MediaPipe's mask is ${reply.mask.width}x${reply.mask.height}, the photo ${image.width}x${image.height}`);
        if (!reply.freshAgree) throw new Error(`${what}: two fresh MediaPipe instances returned different masks`);
        if (!reply.warmAgree) throw new Error(`${what}: repeated sends of the same photo returned different masks (temporal state?)`);
        // The confidence is the mask's alpha channel (see maskEncoding in the manifest).
        const rgba = new Uint8Array(Buffer.from(reply.rgbaBase64, 'base64'));
        const alpha = new Uint8Array(image.width * image.height);
        for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[4 * i + 3];
        let above = 0;
        for (const v of alpha) if (v > 127) above++;
        const { fresh, warmMedian } = reply.timing;
        console.log(
          `  ${spec.name} (${image.width}x${image.height}): ${((100 * above) / alpha.length).toFixed(1)}% person; fresh instances: ` +
            `initialize ${fresh.initializeMs.map((t) => t.toFixed(0)).join(', ')} ms, first send ${fresh.sendMs.map((t) => t.toFixed(0)).join(', ')} ms ` +
            `(ready ${fresh.readyMs.map((t) => t.toFixed(0)).join(', ')}); warm median: send ${warmMedian.sendMs.toFixed(1)} ms, ready ${warmMedian.readyMs.toFixed(1)} ms, ` +
            `pixels ${warmMedian.pixelsMs.toFixed(1)} ms (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        if (options.diagnose) {
          console.log(`    2D canvas ('copy', getImageData, un-premultiplied): ${channelStats(rgba).join('; ')}`);
          if (reply.gl) {
            const stored = new Uint8Array(Buffer.from(reply.gl.rgbaBase64, 'base64'));
            let rNotA = 0;
            let alphaDiffers = 0;
            for (let i = 0; i < stored.length / 4; i++) {
              if (stored[4 * i] !== stored[4 * i + 3]) rNotA++;
              if (stored[4 * i + 3] !== alpha[i]) alphaDiffers++;
            }
            console.log(
              `    WebGL texImage2D + readPixels (stored, premultiplied, ${reply.gl.width}x${reply.gl.height}): ${channelStats(stored).join('; ')}; ` +
                `R != A at ${rNotA} pixels; A != the 2D canvas's A at ${alphaDiffers} pixels`,
            );
          }
        }
        result.runs.push({ model, photo, alpha, reply });
      }
    } finally {
      await browser.close();
    }
  }
  return result;
}

/** Per model: the cold start (first photo in a fresh browser) and, per photo, the warm medians. */
function timingSummary(pass: PassResult): Record<string, object> {
  const out: Record<string, { cold?: object; runs: object[] }> = {};
  for (const { model, photo, reply } of pass.runs) {
    const { fresh, warmMedian } = reply.timing;
    const perModel = (out[model.name] ??= { runs: [] });
    perModel.cold ??= {
      photo: photo.spec.name,
      initializeMs: round1(fresh.initializeMs[0]),
      firstSendMs: round1(fresh.sendMs[0]),
      firstReadyMs: round1(fresh.readyMs[0]),
      totalToMaskMs: round1(fresh.initializeMs[0] + fresh.readyMs[0]),
    };
    perModel.runs.push({
      photo: photo.spec.name,
      width: photo.image.width,
      height: photo.image.height,
      freshInitializeMs: fresh.initializeMs.map(round1),
      freshFirstReadyMs: fresh.readyMs.map(round1),
      warmMedianSendMs: round1(warmMedian.sendMs),
      warmMedianReadyMs: round1(warmMedian.readyMs),
      warmMedianPixelsMs: round1(warmMedian.pixelsMs),
    });
  }
  return out;
}

/** How two byte masks differ: mean and max |a - b| / 255, and the share of equal bytes. */
function maskDifference(a: Uint8Array, b: Uint8Array) {
  let sum = 0;
  let max = 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
    if (d === 0) same++;
  }
  return { meanAbsDiff: Number((sum / a.length / 255).toFixed(5)), maxAbsDiff: Number((max / 255).toFixed(4)), sameBytes: Number((same / a.length).toFixed(4)) };
}

async function main(): Promise<void> {
  const diagnose = process.argv.includes('--diagnose');
  const cpuOnly = process.argv.includes('--cpu-inference');
  const outDir = resolve(argValue('--out') ?? FIXTURE_DIR);
  if (cpuOnly && outDir === FIXTURE_DIR) throw new Error('--cpu-inference needs --out DIR: the committed references are from the WebGL path');
  const skimageData = argValue('--skimage-data') ?? '/usr/lib/python3/dist-packages/skimage/data';
  const only = argValue('--only')?.split(',');
  ensureCommittedPhotos(skimageData);
  const photos = PARITY_PHOTOS.filter((p) => !only || only.includes(p.name)).map((spec) => ({ spec, image: loadParityPhoto(spec, ROOT) }));
  mkdirSync(join(outDir, 'masks'), { recursive: true });
  const packageVersion = JSON.parse(readFileSync(join(MEDIAPIPE_DIR, 'package.json'), 'utf8')).version as string;

  const { server, origin } = await startServer();
  try {
    // The references: MediaPipe as users run it (WebGL inference), or CPU inference on request.
    const main = await runPass(origin, photos, { useCpuInference: cpuOnly, diagnose });
    // Then, for the fixtures, the same with CPU inference: timings for the benchmark (on a machine
    // without a GPU it is MediaPipe's faster path) and how far its masks are from the WebGL ones.
    const cpu = cpuOnly ? undefined : await runPass(origin, photos, { useCpuInference: true, diagnose: false });

    const writeCpuMask = (i: number): string => {
      const { model, photo, alpha } = cpu!.runs[i];
      const file = `masks/${photo.spec.name}.${model.name}.cpu-inference.png`;
      writeFileSync(join(outDir, file), encodeGrayPng(photo.image.width, photo.image.height, alpha));
      return file;
    };
    const entries = main.runs.map(({ model, photo, alpha, reply }, i) => {
      const maskFile = `masks/${photo.spec.name}.${model.name}.png`;
      writeFileSync(join(outDir, maskFile), encodeGrayPng(photo.image.width, photo.image.height, alpha));
      return {
        photo: photo.spec.name,
        photoSource: photo.spec.source,
        photoDescription: photo.spec.description,
        photoLicence: photo.spec.licence,
        width: photo.image.width,
        height: photo.image.height,
        model: model.name,
        modelSelection: model.modelSelection,
        modelFile: model.file,
        mask: maskFile,
        ...(cpu ? { cpuInferenceMask: writeCpuMask(i), cpuInferenceMaskVsMask: maskDifference(cpu.runs[i].alpha, alpha) } : {}),
        timing: reply.timing,
      };
    });
    const manifest = {
      description: "Reference person masks from MediaPipe's own selfie segmentation solution, for test/mediapipe-parity.test.ts. Made by scripts/make_mediapipe_references.ts.",
      mediapipe: {
        package: '@mediapipe/selfie_segmentation',
        version: packageVersion,
        inference: cpuOnly ? 'CPU (wasm, XNNPACK; useCpuInference: true)' : "WebGL (the solution's default off Apple devices: the TFLite GPU delegate inside the solution wasm)",
      },
      chromium: main.chromiumVersion,
      webgl: main.webglRenderer,
      date: new Date().toISOString(),
      options: { selfieMode: false, modelSelection: 'per entry (0 general, 1 landscape)', freshInstancePerPhoto: true, sendsPerInstance: 1 },
      maskEncoding:
        "8-bit grayscale PNG at the photo's size: the person confidence, quantised to 1/255 (confidence = value / 255; MediaPipe itself renders " +
        "the mask through RGBA8 textures, so 8 bits is all there is). results.segmentationMask is an ImageBitmap of the solution's WebGL canvas " +
        "(premultiplied alpha) holding (c, 0, 0, c) per pixel; drawn with globalCompositeOperation 'copy' onto a 2D canvas of the photo's size " +
        'and read with getImageData, its ALPHA channel is c exactly. The red channel is not usable that way: getImageData un-premultiplies, so ' +
        'R comes back as ~255 wherever c > 0 (R equals c only when the bitmap is read as stored, e.g. WebGL texImage2D with premultiplied upload).',
      cpuInferenceMasks:
        "cpuInferenceMask: the same photo and model with the solution option useCpuInference: true (TFLite's XNNPACK in wasm, float32; MediaPipe's " +
        'pre- and post-processing unchanged, still WebGL). These isolate pre- and post-processing from the inference: they differ from the WebGL ' +
        "masks only by the WebGL inference's precision (cpuInferenceMaskVsMask: mean and max |difference| as confidences, share of equal bytes).",
      checks: 'Each mask was returned identically by two fresh solution instances and by 5 further sends of the same photo to the second instance (no temporal state).',
      timingNote:
        'Milliseconds in headless Chromium, WebGL on SwiftShader (CPU), on the machine named by chromium/webgl; other processes may have shared its CPU. ' +
        "One browser per model; 'cold' is that browser's first instance (wasm compile, graph and model load, shaders). initializeMs: " +
        'SelfieSegmentation.initialize() on a fresh instance. sendMs: until send() resolves (after the results listener ran; WebGL work may still be ' +
        'queued); readyMs: until the mask exists (the bitmap drawn into a 1x1 2D canvas and that pixel read); pixelsMs: until the mask is read back ' +
        "at the photo's size (drawImage + getImageData), the equivalent of segwgpu's segment() returning arrays. warm: 5 more sends of the same photo " +
        'on the second fresh instance, median. timingsCpuInference: the same with the solution option useCpuInference: true (inference in wasm on ' +
        'the CPU, pre- and post-processing still WebGL); its masks are not the references, cpuInferenceMaskVsThisMask says how far they are.',
      timings: timingSummary(main),
      ...(cpu ? { timingsCpuInference: timingSummary(cpu) } : {}),
      entries,
    };
    writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const shown = outDir.startsWith(ROOT + sep) ? relative(ROOT, outDir) : outDir;
    console.log(`wrote ${join(shown, 'manifest.json')} and ${entries.length * (cpu ? 2 : 1)} masks in ${join(shown, 'masks')}`);
  } finally {
    server.close();
  }
}

await main();
