/** A device plus what kernels need to know about it: limits, adapter name, compiled-kernel cache. */
import { SegwgpuError } from '../core/errors.js';
import { isNode } from '../core/environment.js';
import { KernelCache } from './kernel.js';
import type { AdapterTraits } from './step.js';

export interface GpuContext {
  readonly device: GPUDevice;
  /** Human-readable adapter name, printed by every command and benchmark. */
  readonly adapterName: string;
  readonly traits: AdapterTraits;
  readonly kernels: KernelCache;
  readonly maxWorkgroupsPerDimension: number;
  readonly maxStorageBufferBindingSize: number;
  readonly hasTimestampQuery: boolean;
}

export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p && p.length > 0);
  return parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/** SwiftShader (and other CPU rasterisers) report themselves in the adapter info. */
export function isCpuLikeAdapter(info: GPUAdapterInfo | undefined): boolean {
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.device ?? ''} ${info?.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|cpu/.test(text);
}

// One context per device, so every plan and Segmenter on a device shares its compiled kernels.
const contexts = new WeakMap<GPUDevice, GpuContext>();

/** The WGSL language feature the integer kernels' packed-dot variants need (AdapterTraits.packedDot4x8). */
export const PACKED_DOT_FEATURE = 'packed_4x8_integer_dot_product';

/**
 * A context for a device. `wgslLanguageFeatures` is what the GPU object that made the device
 * reports (navigator.gpu's by default; dawn.node's GPU object is not navigator.gpu, so
 * nodeGpuContext passes its own): a language feature belongs to the WGSL compiler, which the
 * device does not expose. Unknown means none, which only costs speed.
 */
export async function createGpuContext(
  adapter: GPUAdapter | undefined,
  device: GPUDevice,
  wgslLanguageFeatures: ReadonlySet<string> | undefined = (globalThis.navigator as Navigator | undefined)?.gpu?.wgslLanguageFeatures,
): Promise<GpuContext> {
  const known = contexts.get(device);
  if (known) return known;
  // A device handed to us by the caller: its adapter's info where the browser exposes it.
  const info = adapter?.info ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const ctx: GpuContext = {
    device,
    adapterName: describeAdapter(info),
    traits: { cpuLike: isCpuLikeAdapter(info), packedDot4x8: wgslLanguageFeatures?.has(PACKED_DOT_FEATURE) ?? false },
    kernels: new KernelCache(device),
    maxWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    hasTimestampQuery: device.features.has('timestamp-query'),
  };
  contexts.set(device, ctx);
  return ctx;
}

/** Asks the adapter for its largest limits: segmentation tensors outgrow the defaults quickly. */
export async function requestCapableDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    },
  });
}

/** A caller's own device (shared with their WebGPU work), or one segwgpu made before. */
export function createGpuContextForDevice(device: GPUDevice): Promise<GpuContext> {
  return createGpuContext(undefined, device);
}

/** In a browser: navigator.gpu. */
export async function browserGpuContext(): Promise<GpuContext> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new SegwgpuError('WebGPU is not available here (navigator.gpu is missing): use a WebGPU-enabled browser such as Chrome 113+, or pass a GPUDevice');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new SegwgpuError('navigator.gpu.requestAdapter() returned no adapter: WebGPU is present but no GPU adapter is available');
  return createGpuContext(adapter, await requestCapableDevice(adapter), gpu.wgslLanguageFeatures);
}

/**
 * Where a new device comes from when the caller gives none: navigator.gpu, or the provider a
 * platform entry registered. 'segwgpu/node' registers dawn.node's (nodeGpuContext) on import, so
 * the browser build never contains it.
 */
let fallbackProvider: (() => Promise<GpuContext>) | undefined;

export function setDefaultGpuContextProvider(provider: () => Promise<GpuContext>): void {
  fallbackProvider = provider;
}

export function defaultGpuContext(): Promise<GpuContext> {
  if ((globalThis.navigator as Navigator | undefined)?.gpu) return browserGpuContext();
  if (fallbackProvider) return fallbackProvider();
  if (isNode()) {
    return Promise.reject(new SegwgpuError("no WebGPU device: in Node, import from 'segwgpu/node' (with the 'webgpu' package installed: npm install webgpu), or pass a GPUDevice as `device`"));
  }
  return browserGpuContext();
}
