/**
 * One segmentation session: the model wrapped for one image size (src/segment/wrap.ts), ready to
 * run on a backend. The Segmenter owns the sessions (one per image size, cached) and turns their
 * raw outputs into results; a backend (gpu-session.ts: WebGPU plans; wasm-session.ts: the graph
 * exported to ONNX on onnxruntime-web's wasm EP; cpu-session.ts: the CPU reference) only knows
 * how to make a session and run it.
 */
import { SegwgpuError } from '../core/errors.js';
import type { NodeTiming } from '../exec/gpu.js';
import type { Graph } from '../ir/graph.js';
import type { ProgressCallback } from './progress.js';

/** Raw RGBA8 pixels, row-major. */
export interface RawImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export type ImageSource =
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement
  | VideoFrame
  | RawImage;

/** segwgpu's WebGPU kernels, onnxruntime-web's wasm EP on the exported ONNX, or the CPU reference. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface RunRequest {
  /** Per-node times (GPU timestamp queries, or wall time on the CPU backend). */
  readonly profile: boolean;
  /** Read the masks into the session's own arrays, reused from run to run (video frames). */
  readonly reuseArrays: boolean;
  /** Copy the masks into new caller-owned GPU buffers instead of reading them back. */
  readonly keepOnGpu: boolean;
}

export interface RunOutput {
  /** [planes, height, width] confidences: K softmax planes, or one probability plane. */
  readonly confidence?: Float32Array;
  /** [height, width] class indices. */
  readonly category?: Int32Array;
  readonly gpu?: { readonly category?: GPUBuffer; readonly confidence?: GPUBuffer };
  readonly timings?: NodeTiming[];
}

export interface SizedSession {
  readonly width: number;
  readonly height: number;
  /** The nodes run per image, in order (on webgpu: the plan's, after graph passes and fusions). */
  readonly nodes: readonly { readonly name: string; readonly opType: string }[];
  run(image: ImageSource, request: RunRequest): Promise<RunOutput>;
  destroy(): void;
}

export interface SessionBackend {
  readonly name: BackendName;
  /** The adapter, for display ('cpu reference' on the CPU backend). */
  readonly adapterName: string;
  /** Whether profiled runs get per-node times. */
  readonly canProfile: boolean;
  /** Words per row of the packed image input for an image width (default: 256-byte rows, for texture copies). */
  rowWords?(width: number): number;
  /** Plans the wrapped graph (made for width x height); compile progress goes to onProgress. */
  createSession(wrapped: Graph, width: number, height: number, onProgress?: ProgressCallback): Promise<SizedSession>;
  /**
   * Before a run: resolves when the device is usable, replacing a lost device the backend owns
   * (and bumping `generation`: sessions made before belong to the old device); rejects with a
   * DeviceLostError when the lost device is the caller's. Absent: always usable.
   */
  ensureDevice?(): Promise<void>;
  readonly generation?: number;
  /** The DeviceLostError for a run that failed because the device went away meanwhile, else undefined. */
  lostError?(): Error | undefined;
  close(): void;
}

export function sizeOfImage(image: ImageSource): { width: number; height: number } {
  if (typeof VideoFrame !== 'undefined' && image instanceof VideoFrame) return { width: image.displayWidth, height: image.displayHeight };
  if (typeof HTMLVideoElement !== 'undefined' && image instanceof HTMLVideoElement) return { width: image.videoWidth, height: image.videoHeight };
  if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) return { width: image.naturalWidth, height: image.naturalHeight };
  return { width: (image as { width: number }).width, height: (image as { height: number }).height };
}

export function isRawPixels(image: ImageSource): image is RawImage | ImageData {
  return 'data' in image && (image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray);
}

/**
 * An image's RGBA8 pixels on the host: raw pixels as they are; browser image sources drawn into an
 * OffscreenCanvas (no colour conversion) where one exists.
 */
export function pixelsOf(image: ImageSource, width: number, height: number): Uint8Array | Uint8ClampedArray {
  if (isRawPixels(image)) return image.data;
  if (typeof OffscreenCanvas === 'undefined') {
    throw new SegwgpuError('this image source needs a canvas to read its pixels, and there is none here: pass raw RGBA pixels ({ data, width, height })');
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!context) throw new SegwgpuError('cannot read the image pixels: OffscreenCanvas has no 2d context here');
  context.drawImage(image as CanvasImageSource, 0, 0);
  return context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
}
