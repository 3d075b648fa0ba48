/**
 * The segmentation API, shaped after MediaPipe's ImageSegmenter:
 *
 *   const seg = await Segmenter.create();                       // the built-in 'selfie' model
 *   const { categoryMask, confidenceMasks, labels } = await seg.segment(image);
 *   for (const frame of frames) await seg.segmentForVideo(frame, frame.timestamp / 1000);
 *   seg.close();
 *
 * The Segmenter owns the whole sequence, for every caller (the CLI, the demo, tests): model ->
 * wrapped graph for the image size (pre- and post-processing as graph ops, src/segment/wrap.ts)
 * -> a session on the backend (a WebGPU plan, or the CPU reference) -> masks with labels. One
 * session per image size, cached; a session in use is never destroyed under its run. An image too
 * large for one plan, for a model that runs at the image's size, goes in overlap tiles
 * (SegmenterOptions.tile, src/tiling/): one session per tile shape, the tiles' masks stitched.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { NodeTiming } from '../exec/gpu.js';
import { createGpuBuffer } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/context.js';
import type { Graph } from '../ir/graph.js';
import { layoutGraph, type GraphLayout } from '../plan/plan.js';
import { stitchWindow, tilesOfShape, type Tile } from '../tiling/overlap-tile.js';
import { checkTileOptions, decideTiling, estimateLimitsOf, layoutFits, memoryLimitsOf, type Fit, type TilingDecision } from '../tiling/run-tiled.js';
import { scoreChannelsOf, wrapForSegmentation } from '../segment/wrap.js';
import { categoryMaskOf, detectionInputSize, detectionInputTensor, detectionOutputsOf, instancesOf, resizeRgba, type Instance } from '../segment/instances.js';
import { runGraphCpu } from '../exec/cpu.js';
import { SegmentedRunner } from '../exec/segmented.js';
import { alignedRowWords } from '../segment/pack.js';
import { checkBackendOptions, chooseBackend, type BackendOptions, type BackendRequest } from './backend-choice.js';
import { DEFAULT_MODEL } from './builtin-models.js';
import { resolveModel, type ModelSettings } from './models.js';
import type { ProgressCallback } from './progress.js';
import type { ModelSource, SegmentationModel } from './segmentation-model.js';
import { isRawPixels, pixelsOf, sizeOfImage, type BackendName, type ImageSource, type RunOutput, type SessionBackend, type SizedSession } from './session.js';

export type { ImageSource, RawImage, BackendName } from './session.js';
export type { Instance } from '../segment/instances.js';
export type { BackendRequest } from './backend-choice.js';

export interface SegmenterOptions extends ModelSettings, BackendOptions {
  /**
   * A built-in model's name (default 'selfie'), a URL, in Node a file path (a tfjs model.json's
   * shards are read from beside it), the model file's bytes (ONNX or TFLite), or a prepared
   * SegmentationModel. A file that is a built-in model (by its
   * bytes) gets the built-in's settings; others get ImageNet mean/std and 'logits' unless `mean`,
   * `std`, `output` and `labels` say otherwise.
   */
  readonly model?: ModelSource;
  /**
   * 'webgpu' (default): segwgpu's kernels. 'wasm': onnxruntime-web's wasm EP (an optional peer
   * dependency; pass its module as `ort` where it cannot be imported by name) on the model
   * exported to ONNX. 'auto': WebGPU on a hardware adapter, wasm where there is no adapter or
   * only a software one (Segmenter.backendReason says what it found). 'cpu': the plain-TS
   * reference, slow, for validation.
   */
  readonly backend?: BackendRequest;
  /** Use this device (shared with the caller's own WebGPU work); otherwise segwgpu makes one and closes it with the Segmenter. */
  readonly device?: GPUDevice;
  /** onnxruntime-web's module (`await import('onnxruntime-web/wasm')`) for the wasm backend; imported by name when absent. */
  readonly ort?: unknown;
  /** Threads of the wasm backend (browsers need cross-origin isolation for more than one); ORT's default when absent. */
  readonly wasmThreads?: number;
  /** Phases: the model's download (bytes), its import, each plan's pipeline compilation (k of n), each plan's first run. */
  readonly onProgress?: ProgressCallback;
  /** How many image sizes keep a session (video at one size needs one). Default 4. */
  readonly maxCachedPlans?: number;
  /**
   * Which masks segment() returns (MediaPipe's ImageSegmenter options): both by default; at
   * least one. A mask not asked for is not computed nor read back.
   */
  readonly outputCategoryMask?: boolean;
  readonly outputConfidenceMasks?: boolean;
  /**
   * Overlap-tile inference (src/tiling/overlap-tile.ts) for a model whose input size is symbolic
   * (it runs at the image's size) and whose class scores have its input's size: 'auto' (the
   * default) tiles an image whose plan would not fit the adapter's limits or `memoryBudget`, on
   * the webgpu backend; `{ height, width }` forces tile cores of that size (rounded up to the
   * model's alignment) on any backend; false never tiles. Each tile runs the wrapped graph at its
   * size (pre-processing, model, softmax / argmax: per pixel, so the stitched masks are the
   * whole image's), tiles overlapping by the model's receptive field.
   */
  readonly tile?: { readonly height: number; readonly width: number } | 'auto' | false;
  /** Bytes of activation arena one plan may take, for tile 'auto' (default: the adapter's limits only). */
  readonly memoryBudget?: number;
}

export interface SegmentOptions {
  /** Leave the masks on the GPU: the result carries new caller-owned buffers instead of arrays (webgpu backend). */
  readonly keepOnGpu?: boolean;
  /** Per-node times in the result (GPU timestamp queries where the adapter has them; wall time on the CPU backend). */
  readonly profile?: boolean;
}

export interface SegmentationResult {
  /** The backend that computed these masks (the one 'auto' chose). */
  readonly backend: BackendName;
  readonly width: number;
  readonly height: number;
  /** The class names: labels[k] names confidenceMasks[k] and category value k. */
  readonly labels: readonly string[];
  /** Per pixel, the winning class (row-major, width x height). Absent with keepOnGpu or outputCategoryMask: false. */
  readonly categoryMask?: Uint8Array;
  /** Per class (aligned with labels), per pixel, the confidence in [0, 1]. Absent with keepOnGpu or outputConfidenceMasks: false. */
  readonly confidenceMasks?: Float32Array[];
  /**
   * With keepOnGpu: caller-owned buffers (destroy them when done): i32 category indices
   * [H, W], and f32 confidences [planes, H, W] whose planes are the classes `planeLabels` names
   * (all labels; for a one-channel probability model only its foreground).
   */
  readonly gpu?: { readonly category?: GPUBuffer; readonly confidence?: GPUBuffer; readonly planes: number; readonly planeLabels: readonly string[] };
  /**
   * A detection model's results (SegmentationModel output 'instances', torchvision's Mask
   * R-CNN), best score first: each object's box, label, score and mask in the image's pixels.
   * The categoryMask then holds, per pixel, the label of the best-scoring instance covering it
   * (mask >= 0.5; 0 where none does); there are no confidenceMasks.
   */
  readonly instances?: Instance[];
  /** With profile: per-node times of this run. */
  readonly timings?: NodeTiming[];
  /** segmentForVideo: the frame's timestamp. */
  readonly timestampMs?: number;
}

/** A cached session and who is using it: an evicted session is destroyed when its last run ends. */
interface SessionEntry {
  readonly session: Promise<SizedSession>;
  /** The backend's device generation the session was made on (a lost device's sessions are dropped). */
  readonly generation: number;
  users: number;
  evicted: boolean;
  ran: boolean;
  /** Video frames at this size: masks read into arrays the entry keeps. */
  video?: { categoryMask?: Uint8Array; background?: Float32Array };
}

function positiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

export class Segmenter {
  private readonly sessions = new Map<string, SessionEntry>();
  /** Per image size tiled: how (sizes that fit one plan are not kept). */
  private readonly tilings = new Map<string, Extract<TilingDecision, { tiled: true }>>();
  /** Sizes found to fit one plan. */
  private readonly untiled = new Set<string>();
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastVideoTimestamp = -Infinity;
  private videoQueue: Promise<unknown> = Promise.resolve();
  /** Runs under way, which close() lets finish before it frees their sessions and the device. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** A detection model's runner on webgpu (GPU segments split at host nodes), per device generation. */
  private detector: { readonly runner: SegmentedRunner; readonly generation: number } | undefined;
  /** Image sizes a detection model has run at (for the first-run progress event). */
  private readonly detectedSizes = new Set<string>();

  private constructor(
    private readonly backendImpl: SessionBackend,
    /** Why this backend runs the model: what was asked for, or what 'auto' found. */
    readonly backendReason: string,
    /** The model as resolved (graph, normalisation, output kind, labels). */
    readonly model: SegmentationModel,
    private readonly labels: readonly string[],
    private readonly options: SegmenterOptions,
    private readonly masks: { readonly category: boolean; readonly confidence: boolean },
  ) {}

  static async create(options: SegmenterOptions = {}): Promise<Segmenter> {
    // Every option is checked before the download, the import or any GPU work.
    checkBackendOptions(options);
    if (options.maxCachedPlans !== undefined && !positiveInteger(options.maxCachedPlans)) throw new SegwgpuError(`Segmenter.create: maxCachedPlans must be a whole number >= 1, got ${String(options.maxCachedPlans)}`);
    const masks = { category: options.outputCategoryMask ?? true, confidence: options.outputConfidenceMasks ?? true };
    if (!masks.category && !masks.confidence) throw new SegwgpuError('Segmenter.create: outputCategoryMask and outputConfidenceMasks are both false; ask for at least one mask');
    checkTileOptions({ tile: options.tile, memoryBudget: options.memoryBudget }, 'Segmenter.create');
    const model = await resolveModel(options.model ?? DEFAULT_MODEL, options);
    const name = `model '${model.builtin ?? model.graph.name}'`;
    const instances = model.output === 'instances';
    if (instances) {
      if (!detectionOutputsOf(model.graph)) {
        throw new SegwgpuError(`Segmenter.create: output 'instances' needs a detection model (outputs boxes, labels, scores and masks, as torchvision's Mask R-CNN); ${name} outputs ${model.graph.outputs.map((o) => `'${o}'`).join(', ')}`);
      }
      detectionInputSize(model.graph);
      if (options.tile !== undefined && options.tile !== false && options.tile !== 'auto') throw new SegwgpuError(`Segmenter.create: tile asked for, but ${name} is a detection model: its detections are not per pixel, so it is not tiled`);
    }
    const labels = instances ? (model.labels ?? []) : Segmenter.labelsOf(model, masks.category);
    if (typeof options.tile === 'object' && !Segmenter.runsAtImageSize(model.graph)) {
      const input = model.graph.inputs[0]!;
      throw new SegwgpuError(
        `Segmenter.create: tile ${options.tile.height}x${options.tile.width} asked for, but model '${model.builtin ?? model.graph.name}' fixes its input size ([${input.shape.join('x')}]): images are resized to it, so there is nothing to tile; tiling needs a model whose input rows and columns are symbolic`,
      );
    }
    const { impl, reason } = await chooseBackend(options, instances ? `${name}, a detection model (the ONNX export does not write its If/Loop control flow yet)` : undefined);
    return new Segmenter(impl, reason, model, labels, options, masks);
  }

  /** The model's class names, checked against its output: one per score channel (two for a probability). */
  private static labelsOf(model: SegmentationModel, categoryMask: boolean): readonly string[] {
    const channels = scoreChannelsOf(model.graph);
    const name = `model '${model.builtin ?? model.graph.name}'`;
    if (model.output === 'probability' && channels !== 1) {
      throw new SegwgpuError(`Segmenter.create: output 'probability' needs a model with one output channel; ${name} outputs ${channels}`);
    }
    const classes = model.output === 'probability' ? 2 : channels;
    if (categoryMask && classes > 256) throw new SegwgpuError(`Segmenter.create: the category mask holds class indices as bytes, and ${name} has ${classes} classes; pass outputCategoryMask: false`);
    const labels = model.labels ?? (model.output === 'probability' ? ['background', 'foreground'] : Array.from({ length: classes }, (_, k) => `class ${k}`));
    if (labels.length !== classes) {
      throw new SegwgpuError(`Segmenter.create: ${labels.length} labels given, but ${name} has ${classes} classes${model.output === 'probability' ? ' (a probability model: background and the foreground)' : ''}`);
    }
    return labels;
  }

  /** Whether the model runs at the image's size (rows and columns of its input symbolic): only such a model can be tiled. */
  private static runsAtImageSize(model: Graph): boolean {
    const shape = model.inputs[0]?.shape ?? [];
    return shape.length === 4 && typeof shape[2] !== 'number' && typeof shape[3] !== 'number';
  }

  /** Which backend runs the model. */
  get backend(): BackendName {
    return this.backendImpl.name;
  }

  /** The adapter the segmenter runs on, for display ('cpu reference' on the CPU backend). */
  get adapterName(): string {
    return this.backendImpl.adapterName;
  }

  /** Whether `profile: true` gets per-node times here (timestamp queries, or the CPU backend). */
  get canProfile(): boolean {
    return this.backendImpl.canProfile;
  }

  /** The class names, aligned with confidenceMasks and the category mask's values (MediaPipe's getLabels). */
  getLabels(): string[] {
    return [...this.labels];
  }

  private acquire(width: number, height: number): SessionEntry {
    const key = `${width}x${height}`;
    let entry = this.sessions.get(key);
    const generation = this.backendImpl.generation ?? 0;
    if (entry && entry.generation !== generation) {
      // Made on a device that was lost and replaced: plan again on the new one.
      this.sessions.delete(key);
      entry.evicted = true;
      if (entry.users === 0) void entry.session.then((s) => s.destroy(), () => undefined);
      entry = undefined;
    }
    if (entry) {
      // Most recently used last, so eviction takes the oldest.
      this.sessions.delete(key);
      this.sessions.set(key, entry);
    } else {
      const wrapped = this.wrapAt(width, height);
      // Cached at once, so concurrent first calls at one size share one plan.
      const session = this.backendImpl.createSession(wrapped, width, height, this.options.onProgress);
      const made: SessionEntry = { session, generation, users: 0, evicted: false, ran: false };
      entry = made;
      this.sessions.set(key, made);
      session.catch(() => {
        if (this.sessions.get(key) === made) this.sessions.delete(key);
      });
      const limit = this.options.maxCachedPlans ?? 4;
      while (this.sessions.size > limit) {
        const [oldestKey, oldest] = this.sessions.entries().next().value as [string, SessionEntry];
        this.sessions.delete(oldestKey);
        oldest.evicted = true;
        if (oldest.users === 0) void oldest.session.then((s) => s.destroy(), () => undefined);
      }
    }
    entry.users++;
    return entry;
  }

  /** The model wrapped for images of this size (src/segment/wrap.ts). */
  private wrapAt(width: number, height: number): Graph {
    return wrapForSegmentation(this.model.graph, {
      imageWidth: width,
      imageHeight: height,
      rowWords: this.backendImpl.rowWords?.(width) ?? alignedRowWords(width),
      mean: this.model.mean,
      std: this.model.std,
      output: this.model.output,
      categoryMask: this.masks.category,
      confidenceMasks: this.masks.confidence,
    });
  }

  /**
   * How to tile images of this size, or undefined to run them whole (see SegmenterOptions.tile):
   * the geometry from the model (its first output), whether a plan fits from the wrapped graph.
   */
  private tilingFor(width: number, height: number): Extract<TilingDecision, { tiled: true }> | undefined {
    const tile = this.options.tile ?? 'auto';
    if (tile === false || !Segmenter.runsAtImageSize(this.model.graph)) return undefined;
    const ctx = this.backendImpl.name === 'webgpu' ? (this.backendImpl as SessionBackend & { readonly ctx?: GpuContext }).ctx : undefined;
    // 'auto' knows limits only on webgpu (or a memoryBudget anywhere).
    if (tile === 'auto' && !ctx && this.options.memoryBudget === undefined) return undefined;
    const key = `${width}x${height}`;
    if (this.untiled.has(key)) return undefined;
    const known = this.tilings.get(key);
    if (known) return known;
    const source = this.model.graph;
    const model: Graph = { ...source, outputs: [source.outputs[0]!] };
    const input = model.inputs[0]!;
    const limits = estimateLimitsOf(ctx);
    const memory = ctx ? memoryLimitsOf(ctx, this.options.memoryBudget) : { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity, memoryBudget: this.options.memoryBudget };
    const layouts = new Map<string, GraphLayout>();
    const layout = (h: number, w: number): GraphLayout => {
      const k = `${w}x${h}`;
      let l = layouts.get(k);
      if (!l) layouts.set(k, (l = layoutGraph(model, { inputShapes: { [input.name]: [1, 3, h, w] } }, limits)));
      return l;
    };
    const fits = (h: number, w: number): Fit => layoutFits(layoutGraph(this.wrapAt(w, h), {}, limits), memory);
    const name = `model '${this.model.builtin ?? source.name}'`;
    // Tiles 'auto' chooses aim at half the adapter's maxBufferSize (as runTiled's do) or the budget.
    const searchBudget = this.options.memoryBudget ?? (ctx ? ctx.device.limits.maxBufferSize / 2 : undefined);
    const context = `Segmenter: ${width}x${height} image, ${name}`;
    const decision = decideTiling({ height, width, imageInput: input.name, layout, fits, context, searchBudget }, { tile, memoryBudget: this.options.memoryBudget });
    if (!decision.tiled || decision.grid.tiles.length === 1) {
      this.untiled.add(key);
      return undefined;
    }
    const scale = decision.geometry.outputs.get(model.outputs[0]!)!;
    if (scale.some((s) => s.num !== 1 || s.den !== 1)) {
      throw new SegwgpuError(
        `Segmenter: ${width}x${height} image, ${name}: its class scores have ${scale.map((s) => `${s.num}/${s.den}`).join('x')} pixels per input pixel, and the Segmenter tiles only models whose scores have their input's size (the scores' resize to the image is not per pixel otherwise); run the model itself tiled (runTiled, segwgpu run --tile)`,
      );
    }
    this.tilings.set(key, decision);
    return decision;
  }

  /**
   * An image in overlap tiles: each tile's pixels through the session of its size (the wrapped
   * graph at the tile's size: masks of the tile), the tile's kept masks written into the image's.
   * Tiles go shape by shape, one session of each, as in runTiled.
   */
  private async runTiles(image: ImageSource, width: number, height: number, tiling: Extract<TilingDecision, { tiled: true }>, options: SegmentOptions): Promise<RunOutput> {
    const { grid } = tiling;
    const pixels = pixelsOf(image, width, height);
    const planes = this.model.output === 'probability' ? 1 : this.labels.length;
    const confidence = this.masks.confidence ? { dtype: 'float32' as const, shape: [planes, height, width], data: new Float32Array(planes * width * height) } : undefined;
    const category = this.masks.category ? { dtype: 'int32' as const, shape: [height, width], data: new Int32Array(width * height) } : undefined;
    const timings = new Map<string, NodeTiming>();
    const same = [{ num: 1, den: 1 }, { num: 1, den: 1 }] as const;
    let done = 0;
    for (const shape of grid.shapes) {
      const entry = this.acquire(shape.width, shape.height);
      try {
        const session = await entry.session;
        this.checkOpen('segment');
        if (!entry.ran) {
          entry.ran = true;
          this.options.onProgress?.({ phase: 'first-run', width: shape.width, height: shape.height });
        }
        for (const tile of tilesOfShape(grid, shape)) {
          const out = await session.run(cropRgba(pixels, width, tile), { profile: options.profile === true, reuseArrays: false, keepOnGpu: false });
          if (confidence) stitchWindow(confidence, { dtype: 'float32', shape: [planes, shape.height, shape.width], data: out.confidence! }, tile, same, [height, width]);
          if (category) stitchWindow(category, { dtype: 'int32', shape: [shape.height, shape.width], data: out.category! }, tile, same, [height, width]);
          for (const t of out.timings ?? []) {
            const sum = timings.get(t.node);
            timings.set(t.node, sum ? { ...sum, ms: sum.ms + t.ms } : t);
          }
          this.options.onProgress?.({ phase: 'tile', width, height, index: ++done, total: grid.tiles.length });
        }
      } finally {
        this.release(entry);
      }
    }
    return { confidence: confidence?.data, category: category?.data, ...(options.profile === true && { timings: [...timings.values()] }) };
  }

  private release(entry: SessionEntry): void {
    entry.users--;
    // After close() the sessions are destroyed there, once every run is over.
    if (entry.evicted && entry.users === 0 && !this.closed) void entry.session.then((s) => s.destroy(), () => undefined);
  }

  private static checkedSize(image: ImageSource, what: string): { width: number; height: number } {
    const { width, height } = sizeOfImage(image);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new SegwgpuError(`${what}: the image has no pixels yet (size ${width}x${height}); wait for it to load`);
    }
    if (isRawPixels(image) && image.data.length !== width * height * 4) {
      throw new SegwgpuError(`${what}: raw image data holds ${image.data.length} bytes, expected ${width}x${height}x4 RGBA bytes`);
    }
    return { width, height };
  }

  /**
   * Warm-up: makes the session for an image size (plan, every GPU pipeline compiled) and runs it
   * once on a blank image, so the first real segment() at that size pays neither. Returns the
   * nodes the backend runs per image (on webgpu: after graph passes and fusions).
   */
  async prepare(width: number, height: number): Promise<{ readonly nodes: readonly { readonly name: string; readonly opType: string }[] }> {
    this.checkOpen('prepare');
    if (!positiveInteger(width) || !positiveInteger(height)) throw new SegwgpuError(`Segmenter.prepare: width and height must be whole numbers >= 1, got ${width}x${height}`);
    await this.usableDevice();
    if (this.model.output === 'instances') {
      // Every segment's plan is made on a blank image (other images may meet other box counts).
      if (this.backendImpl.name !== 'cpu') await this.track(this.detect({ data: new Uint8Array(width * height * 4), width, height }, width, height));
      return { nodes: this.model.graph.nodes.map((n) => ({ name: n.name, opType: n.opType })) };
    }
    // A tiled size warms the session of every tile shape; the nodes are the largest tile's.
    const tiling = this.tilingFor(width, height);
    if (!tiling) return this.warm(width, height);
    let first: Awaited<ReturnType<Segmenter['warm']>> | undefined;
    for (const shape of tiling.grid.shapes) {
      const warmed = await this.warm(shape.width, shape.height);
      first ??= warmed;
    }
    return first!;
  }

  /** prepare() for one session's size. */
  private async warm(width: number, height: number): Promise<{ readonly nodes: readonly { readonly name: string; readonly opType: string }[] }> {
    const entry = this.acquire(width, height);
    const work = entry.session.then(async (session) => {
      // The CPU reference has nothing to warm up; a plan's and an ORT session's first runs do.
      if (!entry.ran && this.backendImpl.name !== 'cpu') {
        entry.ran = true;
        this.options.onProgress?.({ phase: 'first-run', width, height });
        await session.run({ data: new Uint8Array(width * height * 4), width, height }, { profile: false, reuseArrays: false, keepOnGpu: false });
      }
      return { nodes: session.nodes };
    });
    try {
      return await this.track(work);
    } catch (e) {
      throw this.backendImpl.lostError?.() ?? e;
    } finally {
      this.release(entry);
    }
  }

  /** The device usable (a lost one of ours replaced), or a DeviceLostError saying why not. */
  private async usableDevice(): Promise<void> {
    await this.backendImpl.ensureDevice?.();
  }

  async segment(image: ImageSource, options: SegmentOptions = {}): Promise<SegmentationResult> {
    this.checkOpen('segment');
    const size = Segmenter.checkedSize(image, 'segment');
    return this.track(this.run(image, size, options, false));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * A video frame: as segment(), for frames in order (timestampMs strictly increasing, as in
   * MediaPipe's VIDEO mode). Frames of one size reuse the session and its arrays: the masks in
   * the result are overwritten by the next frame of that size, so copy what you keep. A frame
   * of another size gets (or makes) that size's session.
   */
  segmentForVideo(frame: ImageSource, timestampMs: number, options: SegmentOptions = {}): Promise<SegmentationResult> {
    this.checkOpen('segmentForVideo');
    if (!Number.isFinite(timestampMs)) throw new SegwgpuError(`segmentForVideo: timestampMs must be a finite number, got ${timestampMs}`);
    if (timestampMs <= this.lastVideoTimestamp) {
      throw new SegwgpuError(`segmentForVideo: timestamp ${timestampMs} ms is not after the previous frame's ${this.lastVideoTimestamp} ms; frames must come in order`);
    }
    const size = Segmenter.checkedSize(frame, 'segmentForVideo');
    this.lastVideoTimestamp = timestampMs;
    // Frames go one at a time: they share their size's arrays.
    const result = this.track(this.videoQueue.catch(() => undefined).then(async () => ({ ...(await this.run(frame, size, options, true)), timestampMs })));
    this.videoQueue = result;
    return result;
  }

  private async run(image: ImageSource, { width, height }: { width: number; height: number }, options: SegmentOptions, video: boolean): Promise<SegmentationResult> {
    const keepOnGpu = options.keepOnGpu === true;
    if (keepOnGpu && this.backendImpl.name !== 'webgpu') throw new SegwgpuError(`segment: keepOnGpu needs the 'webgpu' backend; this Segmenter runs ${this.backendImpl.name === 'cpu' ? 'the CPU reference' : "on onnxruntime-web's wasm EP"}`);
    if (keepOnGpu && this.model.output === 'instances') throw new SegwgpuError('segment: keepOnGpu keeps mask planes on the GPU; a detection model gives instances, which are read back');
    await this.usableDevice();
    if (this.model.output === 'instances') {
      try {
        return await this.detect(image, width, height);
      } catch (e) {
        throw this.backendImpl.lostError?.() ?? e;
      }
    }
    const tiling = this.tilingFor(width, height);
    if (tiling) {
      try {
        const out = await this.runTiles(image, width, height, tiling, options);
        return this.resultOf(keepOnGpu ? this.uploaded(out) : out, width, height, undefined);
      } catch (e) {
        throw this.backendImpl.lostError?.() ?? e;
      }
    }
    const entry = this.acquire(width, height);
    try {
      const session = await entry.session;
      this.checkOpen(video ? 'segmentForVideo' : 'segment');
      if (!entry.ran) {
        entry.ran = true;
        this.options.onProgress?.({ phase: 'first-run', width, height });
      }
      const out = await session.run(image, { profile: options.profile === true, reuseArrays: video, keepOnGpu });
      return this.resultOf(out, width, height, video ? (entry.video ??= {}) : undefined);
    } catch (e) {
      // A run the device's loss broke (a bare AbortError from mapAsync, say) says so.
      throw this.backendImpl.lostError?.() ?? e;
    } finally {
      this.release(entry);
    }
  }

  /**
   * A detection model on the image: its pixels / 255 as the model's input (resized to a fixed
   * input size, boxes and masks mapped back), run in GPU segments on webgpu (the host between
   * them for NonZero, TopK, NMS, If and Loop) or on the CPU reference, as instances.
   */
  private async detect(image: ImageSource, width: number, height: number): Promise<SegmentationResult> {
    const graph = this.model.graph;
    const roles = detectionOutputsOf(graph)!;
    const modelSize = detectionInputSize(graph) ?? { width, height };
    let pixels: ArrayLike<number> = pixelsOf(image, width, height);
    if (modelSize.width !== width || modelSize.height !== height) pixels = resizeRgba(pixels, width, height, modelSize.width, modelSize.height);
    const inputs = { [graph.inputs[0]!.name]: detectionInputTensor(graph, pixels, modelSize.width, modelSize.height, this.model.mean, this.model.std) };
    const key = `${width}x${height}`;
    if (!this.detectedSizes.has(key)) {
      this.detectedSizes.add(key);
      this.options.onProgress?.({ phase: 'first-run', width, height });
    }
    let outputs: Record<string, Tensor>;
    if (this.backendImpl.name === 'webgpu') {
      const generation = this.backendImpl.generation ?? 0;
      if (!this.detector || this.detector.generation !== generation) {
        this.detector?.runner.destroy();
        const { ctx } = this.backendImpl as SessionBackend & { readonly ctx: GpuContext };
        this.detector = { runner: new SegmentedRunner(ctx, graph), generation };
      }
      outputs = await this.detector.runner.run(inputs);
    } else {
      outputs = runGraphCpu(graph, inputs);
    }
    const instances = instancesOf(outputs, roles, { width, height }, modelSize, this.labels);
    const categoryMask = this.masks.category ? categoryMaskOf(instances, width, height) : undefined;
    return { backend: this.backendImpl.name, width, height, labels: this.labels, instances, ...(categoryMask && { categoryMask }) };
  }

  /** A session's raw masks as a result; `video` holds arrays reused frame to frame. */
  private resultOf(out: RunOutput, width: number, height: number, video: SessionEntry['video']): SegmentationResult {
    const probability = this.model.output === 'probability';
    const base = { backend: this.backendImpl.name, width, height, labels: this.labels, ...(out.timings && { timings: out.timings }) };
    if (out.gpu) {
      const planeLabels = probability ? this.labels.slice(1) : this.labels;
      return { ...base, gpu: { ...out.gpu, planes: planeLabels.length, planeLabels } };
    }
    const plane = width * height;
    let categoryMask: Uint8Array | undefined;
    if (out.category) {
      // Class indices fit a byte (checked at create); set() converts the int32 words.
      categoryMask = video ? (video.categoryMask ??= new Uint8Array(plane)) : new Uint8Array(plane);
      categoryMask.set(out.category);
    }
    let confidenceMasks: Float32Array[] | undefined;
    if (out.confidence) {
      const confidence = out.confidence;
      if (probability) {
        // One probability plane on the GPU; the background is its complement (cheaper to
        // derive here than to compute and read back a second plane).
        const background = video ? (video.background ??= new Float32Array(plane)) : new Float32Array(plane);
        for (let i = 0; i < plane; i++) background[i] = 1 - confidence[i]!;
        confidenceMasks = [background, confidence.subarray(0, plane)];
      } else {
        confidenceMasks = this.labels.map((_, k) => confidence.subarray(k * plane, (k + 1) * plane));
      }
    }
    return { ...base, ...(categoryMask && { categoryMask }), ...(confidenceMasks && { confidenceMasks }) };
  }

  /** keepOnGpu for a tiled image: its stitched masks in new caller-owned buffers (as the sessions' copyTo makes them). */
  private uploaded(out: RunOutput): RunOutput {
    const { device } = (this.backendImpl as SessionBackend & { readonly ctx: GpuContext }).ctx;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const upload = (label: string, data: Float32Array | Int32Array | undefined) => {
      if (!data) return undefined;
      const buffer = createGpuBuffer(device, { label, size: data.byteLength, usage });
      device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return buffer;
    };
    return { gpu: { category: upload('segwgpu category mask', out.category), confidence: upload('segwgpu confidence masks', out.confidence) }, timings: out.timings };
  }

  /**
   * Frees every GPU resource (runs under way finish first); later calls are errors. The promise
   * resolves once everything is freed (awaiting it is optional); closing twice gives the same one.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    this.closing = Promise.allSettled([...this.inFlight]).then(async () => {
      await Promise.allSettled(entries.map((e) => e.session.then((s) => s.destroy())));
      this.detector?.runner.destroy();
      this.detector = undefined;
      this.backendImpl.close();
    });
    return this.closing;
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new SegwgpuError(`Segmenter.${what}: the segmenter was closed`);
  }
}

/** A tile's pixels of a width-pixel-wide RGBA image (tiles stay inside the image: zero border). */
function cropRgba(pixels: Uint8Array | Uint8ClampedArray, width: number, tile: Tile): { data: Uint8Array; width: number; height: number } {
  const w = tile.cols.end - tile.cols.start;
  const h = tile.rows.end - tile.rows.start;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((tile.rows.start + y) * width + tile.cols.start) * 4;
    data.set(pixels.subarray(from, from + w * 4), y * w * 4);
  }
  return { data, width: w, height: h };
}
