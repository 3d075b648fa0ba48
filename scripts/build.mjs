#!/usr/bin/env node
/**
 * `npm run build` (and `prepack`, so `npm pack` / `npm publish` always ship a fresh build): the
 * published dist/.
 *   dist/**\/*.js      ES modules laid out as src/ (vite library build, vite.config.ts), the WGSL
 *                      inlined as strings, each built-in model a module of its own (dist/models/)
 *   dist/**\/*.d.ts    the type declarations (tsc -p tsconfig.build.json)
 *   dist/browser/      segwgpu.js with its dependencies bundled, for <script type="module">
 * Then checks that nothing in dist/ still needs a bundler's help: no `?raw`/`?inline` imports,
 * no import.meta.glob, no `new URL(..., import.meta.url)`, no .wgsl or .tflite file references.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
rmSync('dist', { recursive: true, force: true });

const quiet = { configFile: join(root, 'vite.config.ts'), logLevel: 'warn' };
await build({ ...quiet, mode: 'production' });
await build({ ...quiet, mode: 'standalone' });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// The WebGPU types (GPUDevice, ...) are in TypeScript 7's DOM library; older compilers get them
// from @webgpu/types, which on TypeScript 7 would clash with the DOM library (duplicate
// identifiers). package.json's `types@<7` export condition picks these entry points there.
for (const entry of ['index', 'node/index']) {
  writeFileSync(join('dist', `${entry}.ts5.d.ts`), `/// <reference types="@webgpu/types" />\nexport * from './index.js';\n`);
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

const forbidden = [
  [/\?(raw|inline)['"]/, 'a ?raw/?inline asset import'],
  [/import\.meta\.glob/, 'import.meta.glob'],
  [/new URL\([^)]*import\.meta\.url/, 'new URL(..., import.meta.url)'],
  [/from\s+['"][^'"]*\.(wgsl|tflite)['"]|import\(\s*['"][^'"]*\.(wgsl|tflite)['"]/, 'an import of a .wgsl or .tflite file'],
];
const problems = [];
let count = 0;
for (const file of files('dist')) {
  if (!file.endsWith('.js')) continue;
  count++;
  const text = readFileSync(file, 'utf8');
  for (const [pattern, what] of forbidden) if (pattern.test(text)) problems.push(`${file}: ${what}`);
}
if (problems.length > 0) {
  console.error(`segwgpu build: dist/ still needs a bundler:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`segwgpu build: dist/ written (${count} modules, type declarations, browser bundle)`);
