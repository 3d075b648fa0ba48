/**
 * The product is the installed package, not the repository. `npm pack` (prepack builds dist/),
 * then the tarball is installed into new projects outside the repository, as a user would
 * (npm install, preferring the local npm cache), and used there:
 *  - a browser app: `vite build` and the `vite` dev server with a default config, esbuild and
 *    webpack bundles, and a plain <script type="module"> of dist/browser/segwgpu.js, each segmenting the
 *    sample photo in headless Chromium with the default model;
 *  - a Node app: a plain-node script with Segmenter + nodeGpuContext, `npx segwgpu` (help,
 *    version, segment), and strict TypeScript (TypeScript 7, and 5.9 through the types@<7 entry);
 * every mask checked against MediaPipe's own (the parity references) and, in Node, against what
 * the repository's sources give on the same adapter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../scripts/dev/chromium.js';
import { readImageFile } from '../src/node/image.js';
import { Segmenter } from '../src/api/segmenter.js';
import { testGpu } from './util/gpu.js';
import { compareMasks } from './util/masks.js';
import { serveStatic } from './util/static-server.js';
import { runCommand, type CommandResult } from './util/run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PHOTO = join(ROOT, 'assets', 'astronaut.png');
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
const versionOf = (name: string) => LOCK.packages[`node_modules/${name}`]!.version;
/** MediaPipe parity acceptance (test/mediapipe-parity.test.ts). */
const MAX_MEAN_ABS_DIFF = 0.01;
const MIN_IOU = 0.98;

const work = mkdtempSync(join(tmpdir(), 'segwgpu-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a user's shell: none of the npm_* variables `npm test` gave this process. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

function sh(command: string, args: string[], cwd: string): Promise<CommandResult> {
  return runCommand(command, args, { cwd, env: userEnv() });
}

async function npmInstall(dir: string, packages: string[]): Promise<void> {
  const r = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packages], dir);
  expect(r.code, `npm install ${packages.join(' ')}: ${r.stderr}`).toBe(0);
}

function newProject(name: string, files: Record<string, string> = {}): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** MediaPipe's own mask for a parity photo and model, as confidences in [0, 1]. */
function mediapipeMask(photo: string, model: 'general' | 'landscape'): Float32Array {
  const img = readImageFile(join(ROOT, 'test/fixtures/mediapipe/masks', `${photo}.${model}.png`));
  return Float32Array.from({ length: img.width * img.height }, (_, i) => img.data[4 * i]! / 255);
}

function expectParity(mask: Float32Array, reference: Float32Array, what: string): void {
  const c = compareMasks(mask, reference);
  expect(c.meanAbsDiff, `${what}: mean |diff| vs MediaPipe`).toBeLessThanOrEqual(MAX_MEAN_ABS_DIFF);
  expect(c.iou, `${what}: IoU@0.5 vs MediaPipe`).toBeGreaterThanOrEqual(MIN_IOU);
}

let tarball: string;
let packed: { size: number; unpackedSize: number; files: { path: string }[] };

beforeAll(async () => {
  const r = await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
  expect(r.code, r.stderr).toBe(0);
  // prepack's build prints before npm's JSON.
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('[\n'))) as [typeof packed & { filename: string }];
  packed = json[0];
  tarball = join(work, json[0].filename);
}, 300_000);

describe('the packed tarball', () => {
  it('holds the compiled package and its notices, nothing of the repository besides, within 3 MB', () => {
    const paths = packed.files.map((f) => f.path);
    for (const required of ['package.json', 'README.md', 'LICENSE', 'NOTICE', 'bin/segwgpu.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.ts5.d.ts', 'dist/node/index.js', 'dist/node/index.d.ts', 'dist/cli/main.js', 'dist/browser/segwgpu.js', 'dist/models/selfie_segmentation.tflite.js']) {
      expect(paths, required).toContain(required);
    }
    expect(paths.filter((p) => !/^(dist\/|bin\/segwgpu\.js$|package\.json$|README\.md$|LICENSE$|NOTICE$)/.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.(ts|wgsl|tflite|onnx|npy)$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    expect(packed.size).toBeLessThanOrEqual(3 * 1024 * 1024);
  });
});

/** The person mask a page computed, sent back as base64 float32. */
interface PageResult {
  readonly error?: string;
  readonly adapter: string;
  readonly labels: string[];
  readonly width: number;
  readonly height: number;
  readonly person: string;
}

const PAGE_SCRIPT = (importFrom: string) => `import { Segmenter } from '${importFrom}';
const img = document.getElementById('photo');
try {
  await img.decode();
  const seg = await Segmenter.create();
  const r = await seg.segment(img);
  const person = r.confidenceMasks[r.labels.indexOf('person')];
  const bytes = new Uint8Array(person.buffer, person.byteOffset, person.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  window.__result = { adapter: seg.adapterName, labels: r.labels, width: r.width, height: r.height, person: btoa(text) };
  seg.close();
} catch (e) {
  window.__result = { error: String((e && e.stack) || e) };
}
`;

const PAGE_HTML = (script: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>segwgpu consumer</title></head>
<body><img id="photo" src="astronaut.png" alt=""><script type="module" src="${script}"></script></body></html>
`;

describe('installed into a browser app', () => {
  let app: string;
  let chromium: LaunchedChromium;
  const reference = mediapipeMask('astronaut', 'general');

  beforeAll(async () => {
    app = newProject('browser-app', {
      'index.html': PAGE_HTML('/main.js'),
      'main.js': PAGE_SCRIPT('segwgpu'),
      'plain.html': PAGE_HTML('./plain.js'),
      'plain.js': PAGE_SCRIPT('./node_modules/segwgpu/dist/browser/segwgpu.js'),
    });
    mkdirSync(join(app, 'public'));
    copyFileSync(PHOTO, join(app, 'public', 'astronaut.png'));
    copyFileSync(PHOTO, join(app, 'astronaut.png'));
    // webpack is no dependency of this repository: pinned here, fetched once into the npm cache.
    await npmInstall(app, [tarball, `vite@${versionOf('vite')}`, 'webpack@5.113.0', 'webpack-cli@7.3.1']);
    chromium = await launchChromium();
  }, 300_000);
  afterAll(async () => chromium?.close());

  async function segmentIn(url: string): Promise<PageResult> {
    const page = await chromium.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(url);
      await page.waitForFunction('window.__result', { timeout: 120_000 });
      const result = (await page.evaluate('window.__result')) as PageResult;
      expect(result.error, errors.join('; ')).toBeUndefined();
      return result;
    } finally {
      await page.close();
    }
  }

  /** Serves `dir` and checks the segmentation the page `page` makes there. */
  async function checkServed(dir: string, page: string, what: string): Promise<void> {
    const served = await serveStatic(dir);
    try {
      checkResult(await segmentIn(`${served.url}${page}`), what);
    } finally {
      await served.close();
    }
  }

  /** A bundler's output folder as a page: the photo and an index.html loading its main.js. */
  function pageIn(dir: string): void {
    copyFileSync(PHOTO, join(dir, 'astronaut.png'));
    writeFileSync(join(dir, 'index.html'), PAGE_HTML('./main.js'));
  }

  function checkResult(r: PageResult, what: string): void {
    expect(r.adapter).not.toBe('');
    expect(r.labels).toEqual(['background', 'person']);
    expect([r.width, r.height]).toEqual([512, 512]);
    const bytes = Buffer.from(r.person, 'base64');
    expectParity(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), reference, what);
  }

  it('installs neither dawn.node nor tsx: they are not a browser app\'s dependencies', () => {
    expect(existsSync(join(app, 'node_modules/segwgpu/package.json'))).toBe(true);
    for (const absent of ['webgpu', 'tsx', '@mediapipe/selfie_segmentation', 'onnx-proto', 'protobufjs']) expect(existsSync(join(app, 'node_modules', absent)), absent).toBe(false);
  });

  it('vite build with a default config: the page segments the photo like MediaPipe', async () => {
    const r = await sh(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], app);
    expect(r.code, r.stderr).toBe(0);
    await checkServed(join(app, 'dist'), 'index.html', 'vite build');
  });

  it('the vite dev server with a default config (dependencies pre-bundled): the same', async () => {
    const dev: ChildProcess = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', '0', '--clearScreen', 'false'], { cwd: app, env: userEnv() });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`vite dev did not start: ${out}`)), 60_000);
        const read = (chunk: Buffer) => {
          out += chunk.toString();
          const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        dev.stdout!.on('data', read);
        dev.stderr!.on('data', read);
        dev.on('exit', (code) => reject(new Error(`vite dev exited with ${code}: ${out}`)));
      });
      checkResult(await segmentIn(url), 'vite dev');
    } finally {
      dev.kill();
    }
  });

  it('an esbuild bundle (default options): the same', async () => {
    const esbuild = join(ROOT, 'node_modules/esbuild/bin/esbuild');
    const r = await sh(esbuild, ['main.js', '--bundle', '--format=esm', '--outdir=esbuild-out', '--log-level=warning'], app);
    expect(r.code, r.stderr).toBe(0);
    pageIn(join(app, 'esbuild-out'));
    await checkServed(join(app, 'esbuild-out'), 'index.html', 'esbuild');
  });

  it('a webpack 5 production build (no config file): the same', async () => {
    mkdirSync(join(app, 'src'), { recursive: true });
    copyFileSync(join(app, 'main.js'), join(app, 'src', 'index.js'));
    const r = await sh(process.execPath, ['node_modules/webpack-cli/bin/cli.js', '--mode', 'production', '--output-path', 'webpack-out'], app);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Size advice is all webpack may say: no unresolved modules, no "critical dependency".
    expect(r.stdout).not.toMatch(/ERROR|Critical dependency|Module not found/);
    pageIn(join(app, 'webpack-out'));
    await checkServed(join(app, 'webpack-out'), 'index.html', 'webpack');
  });

  it('a plain <script type="module"> of dist/browser/segwgpu.js, no bundler: the same', async () => {
    await checkServed(app, 'plain.html', 'plain script');
  });

  it("segwgpu/node without the 'webgpu' package says what to install", async () => {
    writeFileSync(join(app, 'no-webgpu.mjs'), "import { nodeGpuContext } from 'segwgpu/node';\ntry { await nodeGpuContext(); } catch (e) { console.log(e.message); }\n");
    const r = await sh(process.execPath, ['no-webgpu.mjs'], app);
    expect(r.stdout).toMatch(/WebGPU in Node needs the 'webgpu' package .*: npm install webgpu/);
  });
});

// A browser app that must run everywhere: backend 'auto' with onnxruntime-web's wasm build.
const AUTO_PAGE_SCRIPT = `import { Segmenter } from 'segwgpu';
import * as ort from 'onnxruntime-web/wasm';
const img = document.getElementById('photo');
try {
  await img.decode();
  const seg = await Segmenter.create({ backend: 'auto', ort });
  const r = await seg.segment(img);
  const person = r.confidenceMasks[r.labels.indexOf('person')];
  const bytes = new Uint8Array(person.buffer, person.byteOffset, person.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  window.__result = { backend: r.backend, reason: seg.backendReason, adapter: seg.adapterName, labels: r.labels, width: r.width, height: r.height, person: btoa(text) };
  seg.close();
} catch (e) {
  window.__result = { error: String((e && e.stack) || e) };
}
`;

describe('installed into a browser app, in a browser without WebGPU', () => {
  it("backend 'auto' with onnxruntime-web (vite build, default config) segments the photo like MediaPipe", async () => {
    const app = newProject('browser-app-auto', { 'index.html': PAGE_HTML('/main.js'), 'main.js': AUTO_PAGE_SCRIPT });
    mkdirSync(join(app, 'public'));
    copyFileSync(PHOTO, join(app, 'public', 'astronaut.png'));
    await npmInstall(app, [tarball, `vite@${versionOf('vite')}`, `onnxruntime-web@${versionOf('onnxruntime-web')}`]);
    const built = await sh(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], app);
    expect(built.code, built.stderr).toBe(0);
    const served = await serveStatic(join(app, 'dist'));
    // No WebGPU flags: Chromium offers navigator.gpu but no adapter, as with WebGPU turned off.
    const chromium = await launchChromium({ webgpu: false });
    try {
      const page = await chromium.browser.newPage();
      await page.goto(`${served.url}index.html`);
      await page.waitForFunction('window.__result', { timeout: 120_000 });
      const r = (await page.evaluate('window.__result')) as PageResult & { backend: string; reason: string };
      expect(r.error).toBeUndefined();
      expect(r.backend).toBe('wasm');
      expect(r.reason).toMatch(/^auto: wasm, because no WebGPU here \(navigator\.gpu\.requestAdapter\(\) returned no adapter/);
      expect(r.adapter).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ wasm EP/);
      expect([r.width, r.height]).toEqual([512, 512]);
      const bytes = Buffer.from(r.person, 'base64');
      expectParity(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), mediapipeMask('astronaut', 'general'), 'auto (wasm) in a browser without WebGPU');
    } finally {
      await chromium.close();
      await served.close();
    }
  }, 300_000);
});

const NODE_SCRIPT = `import { writeFileSync } from 'node:fs';
import { Segmenter, nodeGpuContext, readImageFile } from 'segwgpu/node';
const [photo, model, out] = process.argv.slice(2);
const gpu = await nodeGpuContext();
const seg = await Segmenter.create({ model, device: gpu.device });
const result = await seg.segment(readImageFile(photo));
const person = result.confidenceMasks[result.labels.indexOf('person')];
writeFileSync(out, new Uint8Array(person.buffer, person.byteOffset, person.byteLength));
console.log(JSON.stringify({ adapter: gpu.adapterName, labels: result.labels, width: result.width, height: result.height }));
seg.close();
`;

// The wasm backend through the package: onnxruntime-web found by name in the app's node_modules.
const WASM_SCRIPT = `import { writeFileSync } from 'node:fs';
import { Segmenter, readImageFile } from 'segwgpu/node';
const [photo, backend, out] = process.argv.slice(2);
try {
  const seg = await Segmenter.create({ model: 'selfie', backend });
  const result = await seg.segment(readImageFile(photo));
  const person = result.confidenceMasks[result.labels.indexOf('person')];
  writeFileSync(out, new Uint8Array(person.buffer, person.byteOffset, person.byteLength));
  console.log(JSON.stringify({ backend: result.backend, reason: seg.backendReason, engine: seg.adapterName }));
  await seg.close();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
`;

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    noPropertyAccessFromIndexSignature: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noFallthroughCasesInSwitch: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: false,
    noEmit: true,
  },
  include: ['src'],
};

// Uses the public types the way apps do, in both entry points.
const TYPED_BROWSER = `import { Segmenter, SegwgpuError, type SegmentationResult, type SegmenterProgress } from 'segwgpu';
export async function personAt(image: ImageBitmap, pixel: number): Promise<number> {
  const seg = await Segmenter.create({ model: 'selfie', onProgress: (p: SegmenterProgress) => { if (p.phase === 'compile') console.log(\`\${p.compiled} of \${p.total}\`); } });
  try {
    const r: SegmentationResult = await seg.segment(image, { profile: true });
    const mask = r.confidenceMasks?.[r.labels.indexOf('person')];
    return mask?.[pixel] ?? 0;
  } catch (e) {
    if (e instanceof SegwgpuError) return -1;
    throw e;
  } finally {
    seg.close();
  }
}
`;
const TYPED_NODE = `import { Segmenter, nodeGpuContext, readImageFile, type BackendName, type BackendRequest, type RgbaImage } from 'segwgpu/node';
const gpu = await nodeGpuContext();
const seg = await Segmenter.create({ device: gpu.device, outputCategoryMask: false, maxCachedPlans: 1 });
const frame: RgbaImage = readImageFile('photo.png');
await seg.prepare(frame.width, frame.height);
const r = await seg.segmentForVideo(frame, 0);
console.log(r.labels.join(','), seg.getLabels().length, r.timestampMs, gpu.adapterName);
seg.close();
const requested: BackendRequest = 'auto';
const anywhere = await Segmenter.create({ backend: requested, wasmThreads: 1 });
const ran: BackendName = (await anywhere.segment(frame)).backend;
console.log(ran, anywhere.backendReason);
await anywhere.close();
`;

describe('installed into a Node app', () => {
  let app: string;

  beforeAll(async () => {
    app = newProject('node-app', { 'segment.mjs': NODE_SCRIPT, 'tsconfig.json': JSON.stringify(STRICT_TSCONFIG, null, 2), 'src/browser.ts': TYPED_BROWSER, 'src/node.ts': TYPED_NODE });
    await npmInstall(app, [tarball, `webgpu@${versionOf('webgpu')}`, `@types/node@${versionOf('@types/node')}`]);
  }, 300_000);

  it('a plain-node script (Segmenter + nodeGpuContext) gives the repository\'s masks and MediaPipe parity', async () => {
    const cases = [
      { photo: 'astronaut', file: PHOTO, model: 'selfie', mediapipe: 'general' as const },
      { photo: 'chelsea', file: join(ROOT, 'assets', 'chelsea.png'), model: 'selfie-landscape', mediapipe: 'landscape' as const },
    ];
    for (const c of cases) {
      const out = join(app, `${c.photo}.f32`);
      const r = await sh(process.execPath, ['segment.mjs', c.file, c.model, out], app);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { labels: string[]; width: number; height: number };
      expect(info.labels).toEqual(['background', 'person']);
      const bytes = readFileSync(out);
      const mask = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const image = readImageFile(c.file);
      expect([info.width, info.height]).toEqual([image.width, image.height]);
      expectParity(mask, mediapipeMask(c.photo, c.mediapipe), `${c.photo} ${c.model}`);
      // The same code on the same adapter as the repository's sources: the same numbers.
      const seg = await Segmenter.create({ model: c.model, device: (await testGpu()).device });
      try {
        const ours = (await seg.segment(image)).confidenceMasks![1]!;
        expect(compareMasks(mask, ours).maxAbsDiff, `${c.photo}: installed package vs repository`).toBeLessThanOrEqual(1e-6);
      } finally {
        seg.close();
      }
    }
  });

  it('npx segwgpu: --help, --version, and segment writes the overlay and the mask', async () => {
    const help = await sh('npx', ['--no-install', 'segwgpu', '--help'], app);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/segment/);
    const version = await sh('npx', ['--no-install', 'segwgpu', '--version'], app);
    expect(version.stdout.trim()).toContain(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const out = join(app, 'out', 'astronaut.png');
    const seg = await sh('npx', ['--no-install', 'segwgpu', 'segment', PHOTO, '--out', out], app);
    expect(seg.code, seg.stderr).toBe(0);
    expect(seg.stdout).toMatch(/adapter: /);
    const overlay = readImageFile(out);
    const mask = readImageFile(join(app, 'out', 'astronaut.mask.png'));
    expect([overlay.width, overlay.height, mask.width, mask.height]).toEqual([512, 512, 512, 512]);
    const person = Float32Array.from({ length: 512 * 512 }, (_, i) => mask.data[4 * i]! / 255);
    expectParity(person, mediapipeMask('astronaut', 'general'), 'npx segwgpu segment');
  });

  it("backend 'wasm' asks for onnxruntime-web until it is installed, then segments as the WebGPU backend does; 'auto' picks it on this software adapter", async () => {
    writeFileSync(join(app, 'wasm.mjs'), WASM_SCRIPT);
    const out = join(app, 'wasm.f32');
    const missing = await sh(process.execPath, ['wasm.mjs', PHOTO, 'wasm', out], app);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot load onnxruntime-web .*the 'wasm' backend runs on onnxruntime-web, an optional peer dependency: npm install onnxruntime-web/);
    await npmInstall(app, [`onnxruntime-web@${versionOf('onnxruntime-web')}`]);
    const image = readImageFile(PHOTO);
    const gpu = await Segmenter.create({ model: 'selfie', device: (await testGpu()).device });
    const webgpuMask = (await gpu.segment(image)).confidenceMasks![1]!;
    await gpu.close();
    for (const backend of ['wasm', 'auto']) {
      const r = await sh(process.execPath, ['wasm.mjs', PHOTO, backend, out], app);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { backend: string; reason: string; engine: string };
      expect(info.backend).toBe('wasm');
      expect(info.engine).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ wasm EP/);
      if (backend === 'auto') expect(info.reason).toMatch(/^auto: wasm, because the only WebGPU adapter is a software one/);
      const bytes = readFileSync(out);
      const mask = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      expect(compareMasks(mask, webgpuMask).maxAbsDiff, `${backend}: wasm backend vs WebGPU backend`).toBeLessThanOrEqual(1e-4);
      expectParity(mask, mediapipeMask('astronaut', 'general'), `backend ${backend}`);
    }
  }, 180_000);

  it('strict TypeScript consumers type-check clean (TypeScript 7; 5.9 through the types@<7 entry)', async () => {
    const tsc7 = await sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    expect(tsc7.stdout + tsc7.stderr, 'TypeScript 7').toBe('');
    expect(tsc7.code).toBe(0);
    await npmInstall(app, ['typescript@5.9']);
    const tsc5 = await sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], app);
    expect(tsc5.stdout + tsc5.stderr, 'TypeScript 5.9').toBe('');
    expect(tsc5.code).toBe(0);
    // Bundler resolution, as vite apps configure it.
    writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify({ ...STRICT_TSCONFIG, compilerOptions: { ...STRICT_TSCONFIG.compilerOptions, module: 'ESNext', moduleResolution: 'Bundler' } }));
    const bundler = await sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bundler.json'], app);
    expect(bundler.stdout + bundler.stderr, 'TypeScript 5.9, Bundler resolution').toBe('');
  });
});
