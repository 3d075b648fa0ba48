/**
 * The WebGPU backend: one GraphPlan per image size (pipelines compiled with
 * createComputePipelineAsync, reporting each as it is done). Photos that are browser image sources
 * are uploaded with copyExternalImageToTexture into a texture the session keeps, raw pixels with
 * one writeBuffer; the masks are read back through the plan's reused readback buffer, into the
 * session's own arrays for video frames, so a frame allocates nothing of its size.
 */
import { DeviceLostError } from '../core/errors.js';
import { planGraphAsync, type GraphPlan } from '../plan/plan.js';
import { runPlan, type RunOptions } from '../exec/gpu.js';
import { defaultGpuContext, type GpuContext } from '../gpu/context.js';
import { createGpuBuffer, createGpuTexture } from '../gpu/buffers.js';
import type { Graph } from '../ir/graph.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../segment/wrap.js';
import { packRgba } from '../segment/pack.js';
import type { ProgressCallback } from './progress.js';
import { isRawPixels, type ImageSource, type RunOutput, type RunRequest, type SessionBackend, type SizedSession } from './session.js';

class GpuSession implements SizedSession {
  private texture: GPUTexture | undefined;
  private packed: Int32Array | undefined;
  private arrays: { confidence?: Float32Array; category?: Int32Array } | undefined;

  constructor(
    private readonly plan: GraphPlan,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Words per packed row: the wrapped graph's image input is [height, rowWords]. */
  private get rowWords(): number {
    return this.plan.values.get(WRAPPED_IMAGE_INPUT)!.shape[1]!;
  }

  get nodes(): readonly { readonly name: string; readonly opType: string }[] {
    return this.plan.nodes.map((n) => ({ name: n.node.name, opType: n.node.opType }));
  }

  private has(name: string): boolean {
    return this.plan.graph.outputs.includes(name);
  }

  private elements(name: string): number {
    return sizeOf(this.plan.values.get(name)!.shape);
  }

  /** The frame's pixels: packed into the session's words (reused for video) or its texture. */
  private upload(image: ImageSource, reuse: boolean): Pick<RunOptions, 'gpuInputs'> & { inputs: Record<string, Tensor> } {
    const { width, height, rowWords } = this;
    if (isRawPixels(image)) {
      // writeBuffer copies at once, so one packed array can serve every frame.
      const packed = packRgba(image.data, width, height, rowWords, reuse ? (this.packed ??= new Int32Array(height * rowWords)) : undefined);
      return { inputs: { [WRAPPED_IMAGE_INPUT]: packed } };
    }
    const { device } = this.plan.ctx;
    this.texture ??= createGpuTexture(device, {
      label: `segwgpu image ${width}x${height}`,
      size: [width, height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC | GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.TEXTURE_BINDING,
    });
    const texture = this.texture;
    return {
      inputs: {},
      gpuInputs: {
        // Called inside the plan's run queue, just before its submit: runs of one size share the
        // texture, so the upload must not happen before the previous run has been submitted.
        [WRAPPED_IMAGE_INPUT]: (encoder, target) => {
          device.queue.copyExternalImageToTexture({ source: image as GPUCopyExternalImageSource }, { texture }, [width, height]);
          encoder.copyTextureToBuffer({ texture }, { buffer: target.buffer, offset: target.offset, bytesPerRow: rowWords * 4, rowsPerImage: height }, [width, height]);
        },
      },
    };
  }

  async run(image: ImageSource, request: RunRequest): Promise<RunOutput> {
    const { device } = this.plan.ctx;
    const { inputs, gpuInputs } = this.upload(image, request.reuseArrays);
    const hasCategory = this.has(WRAPPED_CATEGORY);
    const hasConfidence = this.has(WRAPPED_CONFIDENCE);
    if (request.keepOnGpu) {
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
      const category = hasCategory ? createGpuBuffer(device, { label: 'segwgpu category mask', size: 4 * this.elements(WRAPPED_CATEGORY), usage }) : undefined;
      const confidence = hasConfidence ? createGpuBuffer(device, { label: 'segwgpu confidence masks', size: 4 * this.elements(WRAPPED_CONFIDENCE), usage }) : undefined;
      const copyTo: Record<string, GPUBuffer> = {};
      if (category) copyTo[WRAPPED_CATEGORY] = category;
      if (confidence) copyTo[WRAPPED_CONFIDENCE] = confidence;
      try {
        const { timings } = await runPlan(this.plan, inputs, { gpuInputs, outputs: [], copyTo, profile: request.profile });
        return { gpu: { category, confidence }, timings };
      } catch (e) {
        category?.destroy();
        confidence?.destroy();
        throw e;
      }
    }
    let readInto: Record<string, Float32Array | Int32Array> | undefined;
    if (request.reuseArrays) {
      this.arrays ??= {
        confidence: hasConfidence ? new Float32Array(this.elements(WRAPPED_CONFIDENCE)) : undefined,
        category: hasCategory ? new Int32Array(this.elements(WRAPPED_CATEGORY)) : undefined,
      };
      readInto = {};
      if (this.arrays.confidence) readInto[WRAPPED_CONFIDENCE] = this.arrays.confidence;
      if (this.arrays.category) readInto[WRAPPED_CATEGORY] = this.arrays.category;
    }
    const { outputs, timings } = await runPlan(this.plan, inputs, { gpuInputs, int32Outputs: true, profile: request.profile, readInto });
    return {
      confidence: outputs[WRAPPED_CONFIDENCE]?.data as Float32Array | undefined,
      category: outputs[WRAPPED_CATEGORY]?.data as Int32Array | undefined,
      timings,
    };
  }

  destroy(): void {
    this.texture?.destroy();
    this.plan.destroy();
  }
}

/** On the caller's device (ownsDevice false: kept open at close), or on one made for it (closed with it). */
export class GpuBackend implements SessionBackend {
  readonly name = 'webgpu' as const;
  private lost: GPUDeviceLostInfo | undefined;
  private rebuilding: Promise<void> | undefined;
  private closed = false;

  constructor(
    private current: GpuContext,
    private readonly ownsDevice: boolean,
  ) {
    this.watch(current);
  }

  get ctx(): GpuContext {
    return this.current;
  }

  /** Remembers the loss of this context's device (device.lost resolves once, when it happens). */
  private watch(ctx: GpuContext): void {
    void ctx.device.lost.then((info) => {
      if (this.current === ctx && !this.closed) this.lost = info;
    });
  }

  /** Bumped each time a lost device is replaced: sessions made before belong to the old one. */
  generation = 0;

  async ensureDevice(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    if (!this.lost) return;
    if (!this.ownsDevice) throw this.lostError()!;
    // Our own device: make a new one (and with it new pipelines; plans are made again on demand).
    // Concurrent calls share one rebuild; one that fails leaves the loss recorded, so the next
    // call tries again.
    this.rebuilding = (async () => {
      const fresh = await defaultGpuContext();
      this.current = fresh;
      this.lost = undefined;
      this.generation++;
      this.watch(fresh);
    })();
    try {
      await this.rebuilding;
    } finally {
      this.rebuilding = undefined;
    }
  }

  lostError(): Error | undefined {
    const info = this.lost;
    if (!info) return undefined;
    return new DeviceLostError(
      info.reason,
      info.message,
      this.ownsDevice ? 'the Segmenter makes a new device on its next call' : 'this Segmenter runs on the device you passed: request a new device and create a new Segmenter on it',
    );
  }

  get adapterName(): string {
    return this.ctx.adapterName;
  }

  get canProfile(): boolean {
    return this.ctx.hasTimestampQuery;
  }

  async createSession(wrapped: Graph, width: number, height: number, onProgress?: ProgressCallback): Promise<SizedSession> {
    const plan = await planGraphAsync(this.ctx, wrapped, {}, (compiled, total) => onProgress?.({ phase: 'compile', width, height, compiled, total }));
    return new GpuSession(plan, width, height);
  }

  close(): void {
    this.closed = true;
    if (this.ownsDevice) this.current.device.destroy();
  }
}
