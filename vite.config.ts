import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `npm run build`: the library as one ES module for <script type="module"> and bundlers, with
  // the WGSL inlined and the pretrained selfie models emitted as assets beside it.
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'segwgpu' },
    outDir: 'dist',
    target: 'es2022',
    rollupOptions: { external: [/^node:/, 'webgpu'] },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // dawn.node holds one GPU device per process: forks keep test files from sharing one badly.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
