/**
 * Node module hooks for running segwgpu's TypeScript sources straight from a checkout (the repo's
 * bin/segwgpu.js, bench/run.ts, scripts/*.ts under tsx). The sources import their WGSL as
 * `../../shaders/<name>.wgsl?raw` and the built-in models as `<file>.tflite?inline`, the vite
 * conventions that vite, vitest and the library build (scripts/build.mjs) resolve themselves;
 * plain Node needs these two hooks to do the same:
 *   ?raw     -> `export default "<the file's text>"`
 *   ?inline  -> `export default "data:application/octet-stream;base64,<the file's bytes>"`
 * The published package never needs them: its dist/ has both inlined at build time.
 */
import { readFile } from 'node:fs/promises';

const QUERY = /\?(raw|inline)$/;

export async function resolve(specifier, context, nextResolve) {
  const query = QUERY.exec(specifier);
  if (!query) return nextResolve(specifier, context);
  // Resolve the path without its query the usual way (relative files and package subpaths alike).
  const resolved = await nextResolve(specifier.slice(0, query.index), context);
  return { url: `${resolved.url}?${query[1]}`, format: 'module', shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  const query = QUERY.exec(url);
  if (!query) return nextLoad(url, context);
  const file = new URL(url.slice(0, query.index));
  const value =
    query[1] === 'raw'
      ? await readFile(file, 'utf8')
      : `data:application/octet-stream;base64,${(await readFile(file)).toString('base64')}`;
  return { format: 'module', source: `export default ${JSON.stringify(value)};`, shortCircuit: true };
}
