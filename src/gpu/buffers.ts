/** Moving tensors between the CPU and GPU storage buffers. Every element is 4 bytes on the GPU. */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import type { GpuContext } from './context.js';

export const GPU_ELEMENT_BYTES = 4;

/** Buffers are rounded up to 16 bytes so vec4 loads at a tensor's tail stay inside the buffer. */
export function bufferBytes(elements: number): number {
  return Math.max(16, Math.ceil((elements * GPU_ELEMENT_BYTES) / 16) * 16);
}

/** Refuses, before any GPU work, a tensor that one storage binding cannot hold. */
export function checkBindingSize(ctx: GpuContext, what: string, shape: Shape): void {
  const bytes = sizeOf(shape) * GPU_ELEMENT_BYTES;
  if (bytes > ctx.maxStorageBufferBindingSize) {
    throw new SegwgpuError(
      `${what} of shape [${shape.join('x')}] needs ${bytes} bytes, more than this adapter's maxStorageBufferBindingSize (${ctx.maxStorageBufferBindingSize}); use a smaller input`,
    );
  }
}

const fitsInt32 = (v: bigint): boolean => v <= 2147483647n && v >= -2147483648n;

/** Whether every value of the tensor has a GPU word (toGpuWords would not refuse it). */
export function fitsGpuWords(t: Tensor): boolean {
  return t.dtype !== 'int64' || (t.data as BigInt64Array).every(fitsInt32);
}

/** The 4-byte GPU form of a tensor: f32 stays, integers become i32 (range-checked). */
export function toGpuWords(t: Tensor): Float32Array | Int32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  if (t.dtype === 'int32') return t.data as Int32Array;
  const src = t.data as BigInt64Array;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!fitsInt32(v)) throw new SegwgpuError(`int64 value ${v} at flat index ${i} does not fit the GPU's 32-bit integers`);
    out[i] = Number(v);
  }
  return out;
}

export function fromGpuWords(dtype: DType, shape: Shape, bytes: ArrayBuffer): Tensor {
  const n = sizeOf(shape);
  if (dtype === 'float32') return { dtype, shape: [...shape], data: new Float32Array(bytes.slice(0, n * 4)) };
  const words = new Int32Array(bytes, 0, n);
  if (dtype === 'int32') return { dtype, shape: [...shape], data: words.slice() };
  const wide = new BigInt64Array(n);
  for (let i = 0; i < n; i++) wide[i] = BigInt(words[i]);
  return { dtype, shape: [...shape], data: wide };
}

/**
 * Every GPU buffer and texture segwgpu makes is created here and counted until destroyed, so leak
 * tests (and users chasing memory) can see what is alive: `liveGpuResources()`. Buffers of a
 * destroyed device still count until destroyed: segwgpu destroys each one itself (plans,
 * sessions, readbacks) before it closes a device, and the soak test holds it to that. Buffers the
 * caller owns (keepOnGpu results) count until the caller destroys them.
 */
const live = { buffers: 0, textures: 0, bufferBytes: 0 };

export interface LiveGpuResources {
  readonly buffers: number;
  readonly textures: number;
  readonly bufferBytes: number;
}

export function liveGpuResources(): LiveGpuResources {
  return { ...live };
}

function countUntilDestroyed<T extends { destroy(): undefined }>(resource: T, onDestroy: () => void): T {
  const destroy = resource.destroy;
  let destroyed = false;
  resource.destroy = function (this: T) {
    if (!destroyed) {
      destroyed = true;
      onDestroy();
    }
    return destroy.call(resource);
  };
  return resource;
}

export function createGpuBuffer(device: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
  const buffer = device.createBuffer(descriptor);
  live.buffers++;
  live.bufferBytes += descriptor.size;
  return countUntilDestroyed(buffer, () => {
    live.buffers--;
    live.bufferBytes -= descriptor.size;
  });
}

export function createGpuTexture(device: GPUDevice, descriptor: GPUTextureDescriptor): GPUTexture {
  const texture = device.createTexture(descriptor);
  live.textures++;
  return countUntilDestroyed(texture, () => {
    live.textures--;
  });
}

export function createStorageBuffer(device: GPUDevice, elements: number, label: string): GPUBuffer {
  return createGpuBuffer(device, {
    label,
    size: bufferBytes(elements),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
}

export function uploadTensor(device: GPUDevice, t: Tensor, label: string): GPUBuffer {
  const buffer = createStorageBuffer(device, sizeOf(t.shape), label);
  const words = toGpuWords(t);
  device.queue.writeBuffer(buffer, 0, words.buffer, words.byteOffset, words.byteLength);
  return buffer;
}

/** Reads several buffers back with one submit and one wait. */
export async function readBuffers(device: GPUDevice, sources: readonly { buffer: GPUBuffer; bytes: number }[]): Promise<ArrayBuffer[]> {
  const encoder = device.createCommandEncoder({ label: 'readback' });
  const staging = sources.map(({ buffer, bytes }) => {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const target = createGpuBuffer(device, { size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(buffer, 0, target, 0, size);
    return target;
  });
  device.queue.submit([encoder.finish()]);
  const out = await Promise.all(
    staging.map(async (target) => {
      await target.mapAsync(GPUMapMode.READ);
      const copy = target.getMappedRange().slice(0);
      target.unmap();
      target.destroy();
      return copy;
    }),
  );
  return out;
}
