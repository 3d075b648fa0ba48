/**
 * End to end without WebGPU: the demo page (built by vite, served from 127.0.0.1) in headless
 * Chromium launched without its WebGPU flags, where navigator.gpu exists but gives no adapter (as
 * in a browser with WebGPU off), and in a page where navigator.gpu is missing altogether (as in a
 * browser without WebGPU). Through backend 'auto' the Segmenter picks onnxruntime-web's wasm EP,
 * says so and why, and segments the sample photo; its masks are held against the CPU reference
 * computed in Node on the page's own pixels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer';
import { launchChromium, type LaunchedChromium } from '../scripts/dev/chromium.js';
import { Segmenter } from '../src/api/segmenter.js';
import { serveStatic } from './util/static-server.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'selfie';

interface NoGpuReport {
  state: string;
  error?: string;
  backend?: string;
  backendReason?: string;
  adapter: string;
  statusLog: string[];
  width: number;
  height: number;
  pixels: string;
  category: string;
  foreground: string;
}

type DemoWindow = Window & {
  __demo?: {
    state: string;
    error?: string;
    backend?: string;
    backendReason?: string;
    adapter: string;
    statusLog: string[];
    pixels?: Uint8ClampedArray;
    result?: { width: number; height: number; categoryMask: Uint8Array; foreground: Uint8ClampedArray };
  };
};

let buildDir: string;
let served: Awaited<ReturnType<typeof serveStatic>> | undefined;
let chromium: LaunchedChromium | undefined;
const reports: Record<'no adapter' | 'no navigator.gpu', NoGpuReport> = {} as never;

async function segmentOnPage(page: Page, url: string): Promise<NoGpuReport> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const d = (window as DemoWindow).__demo;
      return d?.state === 'error' || (d?.state === 'done' && d.result !== undefined);
    },
    { timeout: 180_000, polling: 250 },
  );
  const report = await page.evaluate(() => {
    const d = (window as DemoWindow).__demo!;
    const b64 = (bytes: Uint8Array | Uint8ClampedArray) => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    return {
      state: d.state,
      error: d.error,
      backend: d.backend,
      backendReason: d.backendReason,
      adapter: d.adapter,
      statusLog: [...d.statusLog],
      width: d.result?.width ?? 0,
      height: d.result?.height ?? 0,
      pixels: d.pixels ? b64(d.pixels) : '',
      category: d.result ? b64(d.result.categoryMask) : '',
      foreground: d.result ? b64(d.result.foreground) : '',
    };
  });
  if (errors.length) report.error = [report.error, ...errors].filter(Boolean).join('; ');
  return report;
}

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'segwgpu-demo-nogpu-'));
  await build({ root: join(repo, 'demo'), configFile: join(repo, 'demo', 'vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir: buildDir, emptyOutDir: true } });
  served = await serveStatic(resolve(buildDir));
  chromium = await launchChromium({ webgpu: false });
  // 256 px keeps the CPU check below quick; profile=0: there are no GPU timings to wait for.
  const url = `${served.url}?sample=astronaut&model=${MODEL}&size=256&profile=0&backend=auto`;
  reports['no adapter'] = await segmentOnPage(await chromium.browser.newPage(), url);
  const bare = await chromium.browser.newPage();
  await bare.evaluateOnNewDocument(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  reports['no navigator.gpu'] = await segmentOnPage(bare, url);
}, 420_000);

afterAll(async () => {
  await chromium?.close();
  await served?.close();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe.each(['no adapter', 'no navigator.gpu'] as const)('demo page without WebGPU (%s), backend auto', (kind) => {
  it('chose the wasm backend and said why', () => {
    const r = reports[kind];
    expect(r.error, r.error).toBeUndefined();
    expect(r.state).toBe('done');
    expect(r.backend).toBe('wasm');
    expect(r.backendReason).toMatch(/^auto: wasm, because no WebGPU here/);
    expect(r.backendReason).toMatch(kind === 'no adapter' ? /no adapter/ : /navigator\.gpu is missing/);
    expect(r.adapter).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ wasm EP/);
    expect(r.statusLog.some((t) => /Running \d+ layers on onnxruntime-web/.test(t))).toBe(true);
  });

  it("segmented the photo as the CPU reference does on the page's pixels", async () => {
    const r = reports[kind];
    const pixels = fromBase64(r.pixels);
    expect(pixels.length).toBe(r.width * r.height * 4);
    const reference = await Segmenter.create({ model: MODEL, backend: 'cpu' });
    try {
      const expected = await reference.segment({ data: pixels, width: r.width, height: r.height });
      const category = fromBase64(r.category);
      const foreground = fromBase64(r.foreground);
      const person = expected.confidenceMasks![1]!;
      let agree = 0;
      let maxAlphaError = 0;
      let people = 0;
      for (let i = 0; i < category.length; i++) {
        if (category[i] === expected.categoryMask![i]) agree++;
        people += expected.categoryMask![i]!;
        // The page keeps the person's confidence as an alpha byte (round(255 p)).
        maxAlphaError = Math.max(maxAlphaError, Math.abs(foreground[i]! - Math.round(255 * person[i]!)));
      }
      // A pixel whose probability is within rounding of 0.5 may fall either side of the threshold.
      expect(agree / category.length).toBeGreaterThanOrEqual(0.999);
      expect(maxAlphaError).toBeLessThanOrEqual(1);
      // The astronaut is in the picture: a mask of one class would agree trivially.
      expect(people / category.length).toBeGreaterThan(0.1);
    } finally {
      await reference.close();
    }
  }, 120_000);
});
