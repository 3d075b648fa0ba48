/**
 * The few places the library core needs to know it runs in Node (reading a model from a file
 * path; which WebGPU to suggest) go through here, so that bundlers building for browsers never
 * see a `node:` import: the module name is a runtime value they cannot follow, and the code runs
 * only where `process.versions.node` exists.
 */

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** `import(name)` of a Node built-in, hidden from static analysis (vite, webpack, esbuild). */
export function importNodeBuiltin<T>(name: 'node:fs/promises' | 'node:url'): Promise<T> {
  const specifier: string = name;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<T>;
}

/** A base64 `data:` URL's bytes (the built-in models arrive as one, see builtin-models.ts). */
export function bytesOfDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) throw new Error('not a base64 data: URL');
  const base64 = url.slice(comma + 1);
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(base64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
