#!/usr/bin/env node
// The segwgpu command. An installed package runs its compiled dist/. A checkout of the repository
// (src/ present) runs the TypeScript sources instead, through tsx, with their WGSL and model asset
// imports served by scripts/dev/asset-loader.mjs: no build step while developing.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  await import('../scripts/dev/register.mjs');
  await import(sources.href);
} else {
  await import('../dist/cli/main.js');
}
