/**
 * WGSL sources from shaders/. Under vite (browser bundles, vitest) they are inlined at build time
 * by import.meta.glob; under plain Node (the CLI via tsx) the same files are read from disk.
 */
import { SegwgpuError } from '../errors.js';

let bundled: Record<string, string> | undefined;
try {
  // Rewritten by vite into an object literal; throws under plain Node, where import.meta.glob is absent.
  bundled = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
} catch {
  bundled = undefined;
}

const cache = new Map<string, string>();

async function readFromDisk(name: string): Promise<string | undefined> {
  const { readFileSync, existsSync } = await import('node:fs');
  const url = new URL(`../../shaders/${name}.wgsl`, import.meta.url);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
}

/** Loads every shader once so later lookups are synchronous (plans are built synchronously). */
export async function preloadShaders(names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (cache.has(name)) continue;
    const text = bundled ? bundled[`../../shaders/${name}.wgsl`] : await readFromDisk(name);
    if (text === undefined) throw new SegwgpuError(`shader shaders/${name}.wgsl not found`);
    cache.set(name, text);
  }
}

export function shaderNames(): string[] | undefined {
  return bundled ? Object.keys(bundled).map((k) => k.replace(/^.*\/(.*)\.wgsl$/, '$1')) : undefined;
}

export async function allShaderNames(): Promise<string[]> {
  const fromBundle = shaderNames();
  if (fromBundle) return fromBundle;
  const { readdirSync } = await import('node:fs');
  return readdirSync(new URL(/* @vite-ignore */ '../../shaders/', import.meta.url))
    .filter((f) => f.endsWith('.wgsl'))
    .map((f) => f.slice(0, -5));
}

export function shaderSource(name: string): string {
  const text = cache.get(name);
  if (text === undefined) throw new SegwgpuError(`shader '${name}' was not preloaded (call preloadShaders first)`);
  return text;
}
