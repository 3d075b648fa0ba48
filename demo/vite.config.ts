/**
 * The demo page's vite config (`npx vite demo`, `npx vite build demo`). The demo imports segwgpu
 * from ../src and the sample photos from ../assets; both lie inside the package root, which vite
 * serves by default. Relative `base` so the built page works from any folder or URL path.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  // Its own dependency cache, so the demo's dev server and the test suite's (root config) do not
  // keep invalidating each other's pre-bundled dependencies.
  cacheDir: '../node_modules/.vite-demo',
  // The built-in selfie models are imported as `*.tflite?inline` (src/api/builtin-models.ts), by
  // the page and by the CPU-reference worker alike.
  assetsInclude: ['**/*.tflite'],
  // The CPU-reference worker shares modules with the page (code splitting needs ES workers).
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // The bundled photos are about 1 MB; the library chunk is big on purpose (every kernel inlined).
    chunkSizeWarningLimit: 2048,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
