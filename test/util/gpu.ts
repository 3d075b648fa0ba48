/** One GPU context per test process (dawn.node), made on first use. */
import type { GpuContext } from '../../src/gpu/context.js';
import { nodeGpuContext } from '../../src/node/gpu.js';

let context: Promise<GpuContext> | undefined;

export function testGpu(): Promise<GpuContext> {
  context ??= nodeGpuContext();
  return context;
}
