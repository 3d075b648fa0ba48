/**
 * Which engine a Segmenter runs on. 'webgpu' is segwgpu's own kernels; 'wasm' is onnxruntime-web's
 * wasm EP on the exported ONNX; 'cpu' is the plain-TS reference (slow: validation, not speed).
 * 'auto' takes WebGPU on a hardware adapter, and wasm where there is no adapter or only a software
 * one (SwiftShader, lavapipe: a CPU pretending to be a GPU, where ORT's wasm kernels are ~5x
 * faster than shaders); a software adapter is still used when onnxruntime-web cannot be loaded.
 * Nothing is picked silently: the choice comes with its reason (Segmenter.backendReason).
 */
import { SegwgpuError } from '../core/errors.js';
import { createGpuContextForDevice, defaultGpuContext, type GpuContext } from '../gpu/context.js';
import { CpuBackend } from './cpu-session.js';
import { loadOrtRuntime } from './ort-runtime.js';
import type { BackendName, SessionBackend } from './session.js';

export type BackendRequest = BackendName | 'auto';

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'webgpu', 'wasm', 'cpu'];

export interface BackendOptions {
  readonly backend?: BackendRequest;
  readonly device?: GPUDevice;
  /** onnxruntime-web's module for the wasm backend; imported by name when absent. */
  readonly ort?: unknown;
  /** Threads of ORT's wasm EP (needs cross-origin isolation in browsers); ORT's default when absent. */
  readonly wasmThreads?: number;
}

export interface ChosenBackend {
  readonly impl: SessionBackend;
  /** Why this backend: what was asked for, or what 'auto' found. */
  readonly reason: string;
}

function firstLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!.replace(/^segwgpu:\s*/, '');
}

/** Every option checked before anything loads or any GPU work. */
export function checkBackendOptions(options: BackendOptions): BackendRequest {
  const backend = options.backend ?? 'webgpu';
  if (!BACKEND_REQUESTS.includes(backend)) throw new SegwgpuError(`Segmenter.create: backend must be one of ${BACKEND_REQUESTS.map((b) => `'${b}'`).join(', ')}, got '${String(backend)}'`);
  if ((backend === 'cpu' || backend === 'wasm') && options.device) throw new SegwgpuError(`Segmenter.create: a device was given, but backend '${backend}' uses none`);
  if (options.wasmThreads !== undefined && !(Number.isInteger(options.wasmThreads) && options.wasmThreads >= 1)) {
    throw new SegwgpuError(`Segmenter.create: wasmThreads must be a whole number >= 1, got ${String(options.wasmThreads)}`);
  }
  return backend;
}

async function gpuBackend(ctx: GpuContext, ownsDevice: boolean): Promise<SessionBackend> {
  // Loaded when chosen, so a CPU-only or wasm user (a worker, say) does not load every kernel.
  const { GpuBackend } = await import('./gpu-session.js');
  return new GpuBackend(ctx, ownsDevice);
}

async function wasmBackend(options: BackendOptions): Promise<SessionBackend> {
  const ort = await loadOrtRuntime(options.ort);
  if (options.wasmThreads !== undefined) ort.env.wasm.numThreads = options.wasmThreads;
  const { WasmBackend } = await import('./wasm-session.js');
  return new WasmBackend(ort);
}

/**
 * The backend for these options. `wasmCannot`: why the wasm backend cannot run this model (a
 * detection model, whose control flow the ONNX export does not write yet): 'wasm' is refused
 * saying so, and 'auto' takes WebGPU on any adapter, else the CPU reference.
 */
export async function chooseBackend(options: BackendOptions, wasmCannot?: string): Promise<ChosenBackend> {
  const backend = checkBackendOptions(options);
  if (wasmCannot && backend === 'wasm') throw new SegwgpuError(`Segmenter.create: backend 'wasm' cannot run ${wasmCannot}; use 'webgpu' (or 'auto', or 'cpu')`);
  if (wasmCannot && backend === 'auto' && !options.device) {
    try {
      const ctx = await defaultGpuContext();
      return { impl: await gpuBackend(ctx, true), reason: `auto: WebGPU on ${ctx.traits.cpuLike ? 'a software' : 'a hardware'} adapter (${ctx.adapterName}); the wasm backend cannot run ${wasmCannot}` };
    } catch (e) {
      return { impl: new CpuBackend(), reason: `auto: the CPU reference, because there is no WebGPU here (${firstLine(e)}) and the wasm backend cannot run ${wasmCannot}` };
    }
  }
  switch (backend) {
    case 'cpu':
      return { impl: new CpuBackend(), reason: "backend 'cpu' asked for (the CPU reference)" };
    case 'wasm':
      return { impl: await wasmBackend(options), reason: "backend 'wasm' asked for" };
    case 'webgpu':
      return options.device
        ? { impl: await gpuBackend(await createGpuContextForDevice(options.device), false), reason: 'a GPUDevice was given' }
        : { impl: await gpuBackend(await defaultGpuContext(), true), reason: "backend 'webgpu' asked for" };
    case 'auto':
      return chooseAutomatically(options);
  }
}

async function chooseAutomatically(options: BackendOptions): Promise<ChosenBackend> {
  if (options.device) return { impl: await gpuBackend(await createGpuContextForDevice(options.device), false), reason: "auto: a GPUDevice was given, so WebGPU on it" };
  let ctx: GpuContext | undefined;
  let noGpu = '';
  try {
    ctx = await defaultGpuContext();
  } catch (e) {
    noGpu = firstLine(e);
  }
  if (ctx && !ctx.traits.cpuLike) return { impl: await gpuBackend(ctx, true), reason: `auto: WebGPU on a hardware adapter (${ctx.adapterName})` };
  let wasm: SessionBackend | undefined;
  let noWasm = '';
  try {
    wasm = await wasmBackend(options);
  } catch (e) {
    noWasm = firstLine(e);
  }
  if (wasm) {
    // The software device made for the probe is not needed any more.
    ctx?.device.destroy();
    const why = ctx ? `the only WebGPU adapter is a software one (${ctx.adapterName}), where onnxruntime-web's wasm EP is faster` : `no WebGPU here (${noGpu})`;
    return { impl: wasm, reason: `auto: wasm, because ${why}` };
  }
  if (ctx) return { impl: await gpuBackend(ctx, true), reason: `auto: WebGPU on a software adapter (${ctx.adapterName}), because the wasm backend is unavailable (${noWasm})` };
  throw new SegwgpuError(`Segmenter.create: backend 'auto' found nothing to run on: no WebGPU (${noGpu}) and no onnxruntime-web (${noWasm}). backend 'cpu' runs the CPU reference, which needs neither but is slow`);
}
