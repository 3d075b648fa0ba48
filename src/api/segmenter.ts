/**
 * The segmentation API, shaped after MediaPipe's ImageSegmenter:
 *
 *   const seg = await Segmenter.create({ model: 'unet' });
 *   const { categoryMask, confidenceMasks, width, height } = await seg.segment(image);
 *   seg.close();
 *
 * Pre-processing (upload with copyExternalImageToTexture, unpack, normalise, resize) and
 * post-processing (resize back, softmax, argmax) run on the GPU inside the model's plan; only the
 * masks are read back, or nothing at all with `keepOnGpu`. One plan per image size, cached.
 */
import { SegwgpuError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { browserGpuContext, createGpuContextForDevice, type GpuContext } from '../gpu/context.js';
import { planGraphAsync, type GraphPlan } from '../plan/plan.js';
import { runPlan, type RunOptions } from '../exec/gpu.js';
import { scoresOf, wrapForSegmentation, WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../segment/wrap.js';
import { alignedRowWords, packRgba } from '../segment/pack.js';
import { resolveModel, type ModelSource, type ProgressCallback, type SegmentationModel } from './models.js';

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

export interface SegmenterOptions {
  /** A built-in model name, a URL, the model file's bytes, or a prepared SegmentationModel. */
  readonly model: ModelSource;
  /** Use this device (shared with the caller's own WebGPU work); otherwise navigator.gpu's. */
  readonly device?: GPUDevice;
  readonly onProgress?: ProgressCallback;
  /** For models given by URL or bytes: normalisation and output kind (default ImageNet, logits). */
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly output?: 'logits' | 'probability';
  /** How many image sizes keep a plan (video at one size needs one). */
  readonly maxCachedPlans?: number;
  /**
   * Which masks segment() returns (MediaPipe's ImageSegmenter options): both by default; at
   * least one. A mask not asked for is not computed on the GPU nor read back.
   */
  readonly outputCategoryMask?: boolean;
  readonly outputConfidenceMasks?: boolean;
}

export interface SegmentOptions {
  /** Leave the masks on the GPU: the result carries buffers instead of arrays. */
  readonly keepOnGpu?: boolean;
}

export interface SegmentationResult {
  readonly width: number;
  readonly height: number;
  /** Per pixel, the winning class (row-major, width x height). Absent with keepOnGpu or outputCategoryMask: false. */
  readonly categoryMask?: Uint8Array;
  /** Per class, per pixel, the confidence in [0, 1]. Absent with keepOnGpu or outputConfidenceMasks: false. */
  readonly confidenceMasks?: Float32Array[];
  /**
   * With keepOnGpu: caller-owned buffers (destroy them when done): i32 labels and f32 [K, H, W]
   * confidences, each present when its mask was asked for.
   */
  readonly gpu?: { readonly category?: GPUBuffer; readonly confidence?: GPUBuffer; readonly classes: number };
}

interface SizedPlan {
  readonly plan: GraphPlan;
  readonly rowWords: number;
  readonly classes: number;
}

function sizeOfSource(image: ImageSource): { width: number; height: number } {
  if (typeof VideoFrame !== 'undefined' && image instanceof VideoFrame) return { width: image.displayWidth, height: image.displayHeight };
  if (typeof HTMLVideoElement !== 'undefined' && image instanceof HTMLVideoElement) return { width: image.videoWidth, height: image.videoHeight };
  if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) return { width: image.naturalWidth, height: image.naturalHeight };
  return { width: (image as { width: number }).width, height: (image as { height: number }).height };
}

function isRawPixels(image: ImageSource): image is RawImage | ImageData {
  return 'data' in image && (image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray);
}

export class Segmenter {
  private readonly plans = new Map<string, Promise<SizedPlan>>();
  private closed = false;

  private constructor(
    readonly ctx: GpuContext,
    readonly model: SegmentationModel,
    private readonly ownsDevice: boolean,
    private readonly maxCachedPlans: number,
    private readonly masks: { readonly category: boolean; readonly confidence: boolean },
  ) {}

  static async create(options: SegmenterOptions): Promise<Segmenter> {
    if (!options || options.model === undefined) throw new SegwgpuError('Segmenter.create: options.model is required (a built-in name, a URL or the model bytes)');
    const masks = { category: options.outputCategoryMask ?? true, confidence: options.outputConfidenceMasks ?? true };
    if (!masks.category && !masks.confidence) throw new SegwgpuError('Segmenter.create: outputCategoryMask and outputConfidenceMasks are both false; ask for at least one mask');
    const model = await resolveModel(options.model, options);
    const ctx = options.device ? await createGpuContextForDevice(options.device) : await browserGpuContext();
    return new Segmenter(ctx, model, !options.device, options.maxCachedPlans ?? 4, masks);
  }

  /** The adapter the segmenter runs on, for display. */
  get adapterName(): string {
    return this.ctx.adapterName;
  }

  private planFor(width: number, height: number): Promise<SizedPlan> {
    const key = `${width}x${height}`;
    const hit = this.plans.get(key);
    if (hit) {
      // Most recently used last, so eviction takes the oldest.
      this.plans.delete(key);
      this.plans.set(key, hit);
      return hit;
    }
    const rowWords = alignedRowWords(width);
    const graph = wrapForSegmentation(this.model.graph, {
      imageWidth: width,
      imageHeight: height,
      rowWords,
      mean: this.model.mean,
      std: this.model.std,
      output: this.model.output,
      categoryMask: this.masks.category,
      confidenceMasks: this.masks.confidence,
    });
    // The promise is cached at once, so concurrent first calls at one size share one plan.
    const sized = planGraphAsync(this.ctx, graph).then((plan) => ({ plan, rowWords, classes: plan.values.get(scoresOf(graph))!.shape[1] }));
    this.plans.set(key, sized);
    sized.catch(() => this.plans.delete(key));
    while (this.plans.size > this.maxCachedPlans) {
      const [oldest, evicted] = this.plans.entries().next().value as [string, Promise<SizedPlan>];
      this.plans.delete(oldest);
      void evicted.then((p) => p.plan.destroy(), () => undefined);
    }
    return sized;
  }

  /** The plan (and so the per-node timings) for an image size; made on first use. */
  async planForSize(width: number, height: number): Promise<GraphPlan> {
    this.checkOpen('planForSize');
    return (await this.planFor(width, height)).plan;
  }

  async segment(image: ImageSource, options: SegmentOptions = {}): Promise<SegmentationResult> {
    this.checkOpen('segment');
    const { width, height } = sizeOfSource(image);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new SegwgpuError(`segment: the image has no pixels yet (size ${width}x${height}); wait for it to load`);
    }
    if (isRawPixels(image) && image.data.length !== width * height * 4) {
      throw new SegwgpuError(`segment: raw image data holds ${image.data.length} bytes, expected ${width}x${height}x4 RGBA bytes`);
    }
    const { plan, rowWords, classes } = await this.planFor(width, height);
    this.checkOpen('segment');
    const { device } = this.ctx;
    let inputs: Record<string, Tensor> = {};
    let gpuInputs: RunOptions['gpuInputs'];
    let texture: GPUTexture | undefined;
    if (isRawPixels(image)) {
      inputs = { [WRAPPED_IMAGE_INPUT]: packRgba(image.data, width, height, rowWords) };
    } else {
      texture = device.createTexture({
        size: [width, height],
        format: 'rgba8unorm',
        usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC | GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.TEXTURE_BINDING,
      });
      device.queue.copyExternalImageToTexture({ source: image as GPUCopyExternalImageSource }, { texture }, [width, height]);
      const source = texture;
      gpuInputs = {
        [WRAPPED_IMAGE_INPUT]: (encoder, target) => encoder.copyTextureToBuffer({ texture: source }, { buffer: target.buffer, offset: target.offset, bytesPerRow: rowWords * 4, rowsPerImage: height }, [width, height]),
      };
    }
    try {
      if (options.keepOnGpu) {
        const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
        const category = this.masks.category ? device.createBuffer({ label: 'segwgpu category mask', size: 4 * width * height, usage }) : undefined;
        const confidence = this.masks.confidence ? device.createBuffer({ label: 'segwgpu confidence masks', size: 4 * classes * width * height, usage }) : undefined;
        const copyTo: Record<string, GPUBuffer> = {};
        if (category) copyTo[WRAPPED_CATEGORY] = category;
        if (confidence) copyTo[WRAPPED_CONFIDENCE] = confidence;
        await runPlan(plan, inputs, { gpuInputs, outputs: [], copyTo });
        return { width, height, gpu: { category, confidence, classes } };
      }
      const { outputs } = await runPlan(plan, inputs, { gpuInputs, int32Outputs: true });
      const result: { width: number; height: number; categoryMask?: Uint8Array; confidenceMasks?: Float32Array[] } = { width, height };
      if (this.masks.category) {
        // The typed-array constructor copies natively; Uint8Array.from would iterate.
        result.categoryMask = new Uint8Array(outputs[WRAPPED_CATEGORY].data as Int32Array);
      }
      if (this.masks.confidence) {
        const scores = outputs[WRAPPED_CONFIDENCE].data as Float32Array;
        const plane = width * height;
        result.confidenceMasks = Array.from({ length: classes }, (_, k) => scores.subarray(k * plane, (k + 1) * plane));
      }
      return result;
    } finally {
      texture?.destroy();
    }
  }

  /** Frees every GPU resource; later calls are errors. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const plans = [...this.plans.values()];
    this.plans.clear();
    void Promise.allSettled(plans).then((settled) => {
      for (const s of settled) if (s.status === 'fulfilled') s.value.plan.destroy();
      if (this.ownsDevice) this.ctx.device.destroy();
    });
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new SegwgpuError(`Segmenter.${what}: the segmenter was closed`);
  }
}

