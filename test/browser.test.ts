/**
 * The kernel suite in headless Chromium (system /usr/bin/chromium, WebGPU on SwiftShader), driven
 * by puppeteer against a vite dev server on 127.0.0.1. Each case becomes its own test here, so a
 * failure in the browser names the case just like the Node suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { launchChromium, type LaunchedChromium } from '../scripts/dev/chromium.js';
import { allSuiteCases } from './suite.js';

interface BrowserReport {
  adapter: string;
  results: { name: string; ok: boolean; message: string }[];
  error?: string;
  done: boolean;
}

let server: ViteDevServer;
let chromium: LaunchedChromium;
let report: BrowserReport;

beforeAll(async () => {
  server = await createServer({ configFile: 'vite.config.ts', server: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
  await server.listen();
  const address = server.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  chromium = await launchChromium();
  const page = await chromium.browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`http://127.0.0.1:${port}/test/browser/index.html`);
  await page.waitForFunction(() => (window as unknown as { __segwgpu?: { done: boolean } }).__segwgpu?.done === true, { timeout: 1_200_000, polling: 500 });
  report = (await page.evaluate(() => (window as unknown as { __segwgpu: unknown }).__segwgpu)) as BrowserReport;
  console.log(`browser suite: ${chromium.version}, adapter ${report.adapter}, ${report.results.length} cases`);
}, 1_500_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

describe('headless Chromium', () => {
  it('ran the suite on a WebGPU adapter', () => {
    expect(report.error, report.error).toBeUndefined();
    expect(report.adapter).not.toBe('');
  });
  for (const { id } of allSuiteCases()) {
    it(id, () => {
      const result = report.results.find((r) => r.name === id);
      expect(result, `case ${id} did not run in the browser`).toBeDefined();
      expect(result!.ok, result!.message).toBe(true);
    });
  }
});
