/**
 * Headless Chromium with WebGPU on SwiftShader, driven by puppeteer against the system browser
 * (Debian's /usr/bin/chromium): no browser is downloaded. Used by the browser test suite and
 * the benchmarks.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegwgpuError } from '../../src/core/errors.js';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const CHROMIUM_WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function findChromium(): string {
  const fromEnv = process.env.SEGWGPU_CHROMIUM ?? process.env.PUPPETEER_EXECUTABLE_PATH;
  const path = fromEnv ?? CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!path || !existsSync(path)) {
    throw new SegwgpuError(
      `no Chromium found (looked at ${fromEnv ?? CHROMIUM_CANDIDATES.join(', ')}). Install Debian's chromium package (apt-get install -y chromium) or set SEGWGPU_CHROMIUM to a Chromium binary.`,
    );
  }
  return path;
}

export interface LaunchedChromium {
  // Typed loosely so this module does not force puppeteer's types on library users.
  readonly browser: import('puppeteer').Browser;
  readonly version: string;
  close(): Promise<void>;
}

/**
 * `useRealGpu`: leave Chromium to pick its adapter (a machine with a GPU); by default the
 * SwiftShader adapter is forced, which is what exists on a machine without one. `webgpu: false`:
 * neither flag, so Chromium on Linux offers navigator.gpu but no adapter (a browser where WebGPU
 * is off). `extraArgs`: more Chromium flags (WebGL on SwiftShader for MediaPipe, say).
 */
export async function launchChromium(options: { useRealGpu?: boolean; webgpu?: boolean; extraArgs?: readonly string[] } = {}): Promise<LaunchedChromium> {
  const puppeteer = (await import('puppeteer')).default;
  const userDataDir = mkdtempSync(join(tmpdir(), 'segwgpu-chromium-'));
  const webgpuFlag = (f: string) => f.startsWith('--use-webgpu-adapter') || f === '--enable-unsafe-webgpu';
  const args = CHROMIUM_WEBGPU_FLAGS.filter((f) => !(options.webgpu === false && webgpuFlag(f)) && !(options.useRealGpu && f.startsWith('--use-webgpu-adapter')));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [...args, ...(options.extraArgs ?? []), `--user-data-dir=${userDataDir}`],
  });
  return {
    browser,
    version: await browser.version(),
    async close() {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
