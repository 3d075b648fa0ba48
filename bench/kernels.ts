/**
 * Kernel microbenchmark: median GPU time, GFLOP/s and GB/s per op on representative U-Net /
 * FCN / SegNet layer shapes, read against the adapter's matmul ceiling (bench/matmul-probe.ts).
 */
import type { GpuContext } from '../src/gpu/context.js';
import type { AdapterTraits } from '../src/gpu/step.js';
import { prepareOpCallGpu } from '../src/exec/run-op.js';
import type { OpCall } from '../src/ops/call.js';
import { sizeOf, int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import { matmulVariant, PROBE_BLOCKINGS } from './matmul-probe.js';
import { timeGpuWork } from './timing.js';

function random(shape: number[], seed: number): Tensor<'float32'> {
  let s = seed >>> 0;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  return tensor(shape, data);
}

export interface KernelBenchCase {
  readonly name: string;
  readonly call: () => OpCall;
  /** Floating-point operations (a multiply-add counts 2). */
  readonly flops: number;
  /** Lowering choices forced for this row (the Winograd variants of a 3x3 conv); else the adapter's own rules. */
  readonly traits?: Partial<AdapterTraits>;
  /** Inputs a model would hold as initializers (weights, bias): their preparation steps run once, outside the timing. */
  readonly constantInputs?: readonly number[];
}

/**
 * A conv row; a 3x3 stride-1 conv of one group gets three, direct convolution and both Winograd
 * transforms forced (GFLOP/s counts direct convolution's multiply-adds in all three: the
 * effective rate).
 */
function conv(name: string, n: number, cin: number, cout: number, h: number, w: number, k: number, stride = 1, pad = (k - 1) / 2, group = 1): KernelBenchCase[] {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const row = (suffix: string, traits?: Partial<AdapterTraits>): KernelBenchCase => ({
    name: `${name}${suffix}`,
    flops: 2 * n * cout * oh * ow * (cin / group) * k * k,
    ...(traits ? { traits } : {}),
    constantInputs: [1, 2],
    call: () => ({
      opType: 'Conv',
      attributes: { pads: [pad, pad, pad, pad], strides: [stride, stride], group },
      inputs: [random([n, cin, h, w], 1), random([cout, cin / group, k, k], 2), random([cout], 3)],
    }),
  });
  if (k !== 3 || stride !== 1 || group !== 1) return [row('')];
  return [row(' direct', { winograd: 'off' }), row(' Winograd F(2x2)', { winograd: 2 }), row(' Winograd F(4x4)', { winograd: 4 })];
}

export const KERNEL_BENCH_CASES: readonly KernelBenchCase[] = [
  ...conv('Conv 3x3 64->64 @64x64 (U-Net level 3)', 1, 64, 64, 64, 64, 3),
  ...conv('Conv 3x3 128->128 @32x32 (U-Net level 4)', 1, 128, 128, 32, 32, 3),
  ...conv('Conv 3x3 3->16 @256x256 (U-Net stem)', 1, 3, 16, 256, 256, 3),
  ...conv('Conv 3x3 16->16 @256x256 (U-Net level 1)', 1, 16, 16, 256, 256, 3),
  ...conv('Conv 3x3 32->32 @128x128 (U-Net level 2)', 1, 32, 32, 128, 128, 3),
  ...conv('Conv 1x1 64->21 @64x64 (FCN score)', 1, 64, 21, 64, 64, 1, 1, 0),
  ...conv('Conv 7x7 64->64 @16x16 (FCN fc6)', 1, 64, 64, 16, 16, 7, 1, 0),
  ...conv('Conv 3x3 depthwise 64 @64x64', 1, 64, 64, 64, 64, 3, 1, 1, 64),
  {
    name: 'ConvTranspose 2x2 s2 64->32 @32x32 (U-Net up)',
    flops: 2 * 32 * 64 * 64 * 64,
    constantInputs: [1, 2],
    call: () => ({ opType: 'ConvTranspose', attributes: { strides: [2, 2] }, inputs: [random([1, 64, 32, 32], 4), random([64, 32, 2, 2], 5), random([32], 6)] }),
  },
  {
    name: 'ConvTranspose 4x4 s2 21->21 @32x32 (FCN upscore2)',
    flops: 2 * 21 * 64 * 64 * 21 * 4,
    constantInputs: [1],
    call: () => ({ opType: 'ConvTranspose', attributes: { strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [random([1, 21, 32, 32], 7), random([21, 21, 4, 4], 8)] }),
  },
  {
    name: 'MaxPool 2x2 s2 + indices 64 @128x128 (SegNet)',
    flops: 64 * 64 * 64 * 4,
    call: () => ({ opType: 'MaxPool', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [random([1, 64, 128, 128], 9)] }),
  },
  {
    name: 'MaxUnpool 2x2 s2 64 @64x64 (SegNet)',
    flops: 0,
    call: () => {
      const idx = new BigInt64Array(64 * 64 * 64);
      for (let c = 0, i = 0; c < 64; c++) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++, i++) idx[i] = BigInt(c * 128 * 128 + 2 * y * 128 + 2 * x + ((x + y) % 2));
      return { opType: 'MaxUnpool', attributes: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [random([1, 64, 64, 64], 10), int64Tensor([1, 64, 64, 64], idx)] };
    },
  },
  {
    name: 'Resize bilinear x2 21 @128x128',
    flops: 21 * 256 * 256 * 8,
    call: () => ({
      opType: 'Resize',
      attributes: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
      inputs: [random([1, 21, 128, 128], 11), undefined, tensor([4], [1, 1, 2, 2])],
    }),
  },
  {
    name: 'Softmax over 21 classes @128x128',
    flops: 21 * 128 * 128 * 4,
    call: () => ({ opType: 'Softmax', attributes: { axis: 1 }, inputs: [random([1, 21, 128, 128], 12)] }),
  },
  {
    name: 'ArgMax over 21 classes @256x256 (label map)',
    flops: 21 * 256 * 256,
    call: () => ({ opType: 'ArgMax', attributes: { axis: 1, keepdims: 0 }, inputs: [random([1, 21, 256, 256], 13)] }),
  },
  {
    name: 'RoiAlign 64 rois 7x7 s2 on 256 @32x32',
    flops: 64 * 256 * 49 * 4 * 4 * 2,
    call: () => {
      const rois = new Float32Array(64 * 4);
      for (let r = 0; r < 64; r++) rois.set([r % 8, (r * 3) % 11, 8 + (r % 8) * 2, 10 + (r % 5) * 3], 4 * r);
      return {
        opType: 'RoiAlign',
        attributes: { output_height: 7, output_width: 7, sampling_ratio: 2, spatial_scale: 1 },
        inputs: [random([1, 256, 32, 32], 14), tensor([64, 4], rois), int64Tensor([64], new Array(64).fill(0))],
      };
    },
  },
];

export interface KernelBenchRow {
  readonly name: string;
  readonly ms: number;
  readonly gflops: number;
  readonly gbps: number;
  readonly fractionOfCeiling: number;
  readonly timing: 'gpu-timestamps' | 'wall';
  readonly error?: string;
}

export interface KernelBenchReport {
  readonly adapter: string;
  readonly runtime: string;
  readonly date: string;
  readonly matmulCeiling: { name: string; gflops: number; ms: number }[];
  readonly ceilingGflops: number;
  readonly rows: KernelBenchRow[];
}

async function probeCeiling(ctx: GpuContext, runs: number): Promise<{ name: string; gflops: number; ms: number }[]> {
  const { device } = ctx;
  const M = 512, N = 512, K = 512;
  const a = device.createBuffer({ size: M * K * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const b = device.createBuffer({ size: K * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const c = device.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  device.queue.writeBuffer(a, 0, random([M * K], 21).data);
  device.queue.writeBuffer(b, 0, random([K * N], 22).data);
  const out: { name: string; gflops: number; ms: number }[] = [];
  for (const [tm, tn4] of PROBE_BLOCKINGS) {
    const v = matmulVariant(M, N, K, tm, tn4);
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: v.source }), entryPoint: 'main' } });
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [a, b, c].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const t = await timeGpuWork(
      device,
      (encoder, timestampWrites) => {
        const pass = encoder.beginComputePass({ timestampWrites });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(v.workgroups);
        pass.end();
      },
      { warmup: 1, runs, timestamps: ctx.hasTimestampQuery },
    );
    const ms = t.gpuMs ?? t.wallMs;
    out.push({ name: v.name, ms, gflops: (2 * M * N * K) / (ms * 1e6) });
  }
  a.destroy();
  b.destroy();
  c.destroy();
  return out;
}

export async function runKernelBench(ctx: GpuContext, options: { runs: number; filter?: string; runtime: string; log?: (line: string) => void }): Promise<KernelBenchReport> {
  const log = options.log ?? (() => {});
  const ceiling = await probeCeiling(ctx, options.runs);
  const ceilingGflops = Math.max(...ceiling.map((c) => c.gflops));
  for (const c of ceiling) log(`  ${c.name.padEnd(48)} ${c.ms.toFixed(1).padStart(9)} ms ${c.gflops.toFixed(2).padStart(7)} GFLOP/s`);
  const rows: KernelBenchRow[] = [];
  for (const bench of KERNEL_BENCH_CASES) {
    if (options.filter && !bench.name.toLowerCase().includes(options.filter.toLowerCase())) continue;
    try {
      const call = bench.call();
      const prepared = prepareOpCallGpu(bench.traits ? { ...ctx, traits: { ...ctx.traits, ...bench.traits } } : ctx, call, { constantInputs: bench.constantInputs ?? [] });
      const t = await timeGpuWork(ctx.device, (encoder, tw) => prepared.run(encoder, tw), { warmup: 1, runs: options.runs, timestamps: ctx.hasTimestampQuery });
      const ms = t.gpuMs ?? t.wallMs;
      const bytes = 4 * (call.inputs.reduce((s, x) => s + (x ? sizeOf(x.shape) : 0), 0) + prepared.checked.outputInfos.reduce((s, o) => s + sizeOf(o.shape), 0));
      prepared.destroy();
      const gflops = bench.flops / (ms * 1e6);
      const row: KernelBenchRow = { name: bench.name, ms, gflops, gbps: bytes / (ms * 1e6), fractionOfCeiling: gflops / ceilingGflops, timing: t.gpuMs !== undefined ? 'gpu-timestamps' : 'wall' };
      rows.push(row);
      log(`  ${bench.name.padEnd(48)} ${ms.toFixed(2).padStart(9)} ms ${gflops.toFixed(2).padStart(7)} GFLOP/s ${row.gbps.toFixed(2).padStart(7)} GB/s ${(100 * row.fractionOfCeiling).toFixed(0).padStart(4)}% of ceiling`);
    } catch (e) {
      rows.push({ name: bench.name, ms: NaN, gflops: NaN, gbps: NaN, fractionOfCeiling: NaN, timing: 'wall', error: (e as Error).message });
      log(`  ${bench.name.padEnd(48)} error: ${(e as Error).message}`);
    }
  }
  return { adapter: ctx.adapterName, runtime: options.runtime, date: new Date().toISOString(), matmulCeiling: ceiling, ceilingGflops, rows };
}
