import type { UserConfig } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * One config for three jobs:
 *  - vitest (`npm test`);
 *  - `vite build`: the published library in dist/, one ES module per source file (as src/ is
 *    laid out), WGSL inlined as strings and each built-in model a module of its own; every
 *    dependency stays an import, resolved by the user's bundler or Node;
 *  - `vite build --mode standalone`: dist/browser/segwgpu.js, the same API with its
 *    dependencies bundled, for a plain <script type="module"> with no bundler.
 * `npm run build` (scripts/build.mjs) runs both and emits the .d.ts files with tsc.
 */
const external = (id: string) => /^node:/.test(id) || id === 'webgpu';
const dependency = (id: string) => external(id) || (!id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !/^[a-zA-Z]:/.test(id) && !id.startsWith('@mediapipe/'));

const standalone: UserConfig['build'] = {
  lib: { entry: { segwgpu: 'src/index.ts' }, formats: ['es'] },
  outDir: 'dist/browser',
  emptyOutDir: true,
  target: 'es2022',
  minify: true,
  rollupOptions: { external, output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' } },
};

const library: UserConfig['build'] = {
  lib: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'cli/main': 'src/cli/main.ts' }, formats: ['es'] },
  outDir: 'dist',
  emptyOutDir: false,
  target: 'es2022',
  // Readable modules as the sources are laid out; no source maps (the sources are not
  // published, and the model modules' maps would double the package).
  minify: false,
  rollupOptions: {
    external: dependency,
    output: {
      preserveModules: true,
      preserveModulesRoot: 'src',
      // npm never packs a folder named node_modules: the model modules go to dist/models/.
      entryFileNames: (chunk) => (chunk.name.includes('@mediapipe/') ? `models/${chunk.name.split('/').pop()!.replace(/_inline$/, '')}.js` : '[name].js'),
    },
  },
};

export default defineConfig(({ mode }) => ({
  // The built-in models are imported as `*.tflite?inline` (src/api/builtin-models.ts).
  assetsInclude: ['**/*.tflite'],
  build: mode === 'standalone' ? standalone : library,
  test: {
    include: ['test/**/*.test.ts'],
    // dawn.node holds one GPU device per process: forks keep test files from sharing one badly.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
}));
