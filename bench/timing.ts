/** Timing helpers shared by the benchmarks: warm-up, then the median of N runs. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `record` (which encodes the work into an encoder) by wall clock from submit to
 * onSubmittedWorkDone, which on every adapter bounds the GPU time from above; with timestamp
 * queries, GPU time of the compute passes too.
 */
export async function timeGpuWork(
  device: GPUDevice,
  record: (encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites) => void,
  options: { warmup: number; runs: number; timestamps: boolean },
): Promise<{ wallMs: number; gpuMs?: number; samples: number[] }> {
  const querySet = options.timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = querySet ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
  const readback = querySet ? device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : undefined;
  const wall: number[] = [];
  const gpu: number[] = [];
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const encoder = device.createCommandEncoder();
    record(encoder, querySet ? { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined);
    if (querySet && resolve && readback) {
      encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, readback, 0, 16);
    }
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const t1 = performance.now();
    if (i < options.warmup) continue;
    wall.push(t1 - t0);
    if (readback) {
      await readback.mapAsync(GPUMapMode.READ);
      const [begin, end] = new BigUint64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      if (end > begin) gpu.push(Number(end - begin) / 1e6);
    }
  }
  querySet?.destroy();
  resolve?.destroy();
  readback?.destroy();
  return { wallMs: median(wall), gpuMs: gpu.length === options.runs ? median(gpu) : undefined, samples: wall };
}
