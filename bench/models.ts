/**
 * Model benchmark, shared by Node (dawn.node) and the browser page (bench/browser/page.ts):
 * end-to-end latency of whole ONNX models on segwgpu and, on the very same .onnx bytes, on
 * onnxruntime-web (WebGPU EP and wasm EP).
 *
 * - first run: from "the model's bytes are in memory" to "the first outputs are in JS memory":
 *   for segwgpu importOnnx + planGraphAsync (pipelines, bind groups, constants upload) + runPlan; for
 *   ORT InferenceSession.create + session.run (outputs on the CPU). The one-time runtime start is
 *   outside it on both sides: segwgpu's GPU device is made before, and ORT's wasm runtime (and
 *   WebGPU device) is started beforehand by a session on bench/models/tiny.onnx, dropped again.
 * - warm: the median of N further runs of the same plan / session, inputs uploaded and outputs
 *   read back every time (the first run is the warm-up).
 * - every engine's output is checked against the PyTorch output (the fixture's expected.npy, or
 *   sampled values for models whose expected tensor is not committed) within the fixture's atol.
 *
 * Nothing here touches node:fs or the DOM: files come through the `read` callback.
 */
import type * as OrtModule from 'onnxruntime-web';
import type { GpuContext } from '../src/gpu/context.js';
import { KernelCache } from '../src/gpu/kernel.js';
import { describeAdapter } from '../src/gpu/context.js';
import { importOnnx } from '../src/import/onnx.js';
import { readNpy } from '../src/io/npy.js';
import { planGraphAsync, type GraphPlan } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { exportOnnx } from '../src/export/onnx-export.js';
import type { Tensor } from '../src/core/tensor.js';
import { median } from './timing.js';

export type Ort = typeof OrtModule;

export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  /** Paths relative to the repository root. */
  readonly onnx: string;
  readonly input: string;
  /** Fixture manifest (tolerance; `samples` when there is no expected.npy). */
  readonly manifest: string;
  readonly expected?: string;
  /** Large model: its run count is capped by --big-runs. */
  readonly big?: boolean;
}

export const MODEL_SPECS: readonly ModelSpec[] = [
  {
    name: 'unet',
    description: 'U-Net 4 levels, base 8 (8-16-32-64), 1x3x64x64 (test fixture)',
    onnx: 'test/fixtures/models/unet.onnx',
    input: 'test/fixtures/models/unet.input.npy',
    expected: 'test/fixtures/models/unet.expected.npy',
    manifest: 'test/fixtures/models/unet.json',
  },
  {
    name: 'fcn8s',
    description: 'FCN-8s (narrow VGG, pad 100, crops), 1x3x64x64 (test fixture)',
    onnx: 'test/fixtures/models/fcn8s.onnx',
    input: 'test/fixtures/models/fcn8s.input.npy',
    expected: 'test/fixtures/models/fcn8s.expected.npy',
    manifest: 'test/fixtures/models/fcn8s.json',
  },
  {
    name: 'segnet',
    description: 'SegNet (MaxPool indices + MaxUnpool), 1x3x48x64 (test fixture)',
    onnx: 'test/fixtures/models/segnet.onnx',
    input: 'test/fixtures/models/segnet.input.npy',
    expected: 'test/fixtures/models/segnet.expected.npy',
    manifest: 'test/fixtures/models/segnet.json',
  },
  {
    name: 'unet16_256',
    description: "U-Net 4 levels, base 16 (16-32-64-128), 1x3x256x256 (the issue's target)",
    onnx: 'bench/models/unet16_256.onnx',
    input: 'bench/models/unet16_256.input.npy',
    manifest: 'bench/models/unet16_256.json',
    big: true,
  },
];

/** Used to start ORT's runtime before a model's first run is timed. */
export const TINY_MODEL = 'bench/models/tiny.onnx';

export function selectModels(names?: readonly string[]): ModelSpec[] {
  if (!names || names.length === 0) return [...MODEL_SPECS];
  return names.map((n) => {
    const spec = MODEL_SPECS.find((s) => s.name === n);
    if (!spec) throw new Error(`unknown model '${n}' (available: ${MODEL_SPECS.map((s) => s.name).join(', ')})`);
    return spec;
  });
}

export interface ModelReference {
  readonly atol: number;
  /** Flat indices into the output, with `values` the PyTorch values there; all of it when absent. */
  readonly indices?: readonly number[];
  readonly values: ArrayLike<number>;
}

export interface ModelAssets {
  /** What the result rows need of the model's spec (bench/external-models.ts makes these too). */
  readonly spec: Pick<ModelSpec, 'name' | 'description' | 'onnx' | 'big'>;
  readonly onnx: Uint8Array;
  readonly input: Tensor<'float32'>;
  /** The PyTorch output; absent for models without one (ISNet: engines are compared with each other). */
  readonly reference?: ModelReference;
  readonly tiny: Uint8Array;
}

export async function loadModelAssets(spec: ModelSpec, read: (path: string) => Promise<Uint8Array>): Promise<ModelAssets> {
  const [onnx, inputBytes, manifestBytes, tiny] = await Promise.all([read(spec.onnx), read(spec.input), read(spec.manifest), read(TINY_MODEL)]);
  const input = readNpy(inputBytes, spec.input);
  if (input.dtype !== 'float32') throw new Error(`${spec.input}: expected a float32 input, got ${input.dtype}`);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as {
    tolerance: { atol: number };
    samples?: { flat_index: number[]; value: number[] };
  };
  let reference: ModelReference;
  if (spec.expected) {
    const expected = readNpy(await read(spec.expected), spec.expected);
    reference = { atol: manifest.tolerance.atol, values: expected.data as Float32Array };
  } else if (manifest.samples) {
    reference = { atol: manifest.tolerance.atol, indices: manifest.samples.flat_index, values: manifest.samples.value };
  } else {
    throw new Error(`${spec.manifest}: no expected output and no samples`);
  }
  return { spec, onnx, input: input as Tensor<'float32'>, reference, tiny };
}

/**
 * The mediapipe-* engines only run the image-in, mask-out benchmark `selfie` (bench/mediapipe.ts);
 * the tfjs-* engines only the tfjs graph models (bench/tfjs.ts): tfjs's WebGPU backend in the
 * browser, its cpu backend in Node. segwgpu-wasm is segwgpu's wasm backend: the model imported,
 * exported back to ONNX by segwgpu (src/export/) and run on ORT's wasm EP; on the selfie photo,
 * the Segmenter with backend 'wasm' (pre- and post-processing in the exported graph).
 */
export type EngineName = 'segwgpu' | 'segwgpu-wasm' | 'ort-webgpu' | 'ort-wasm' | 'mediapipe-webgl' | 'mediapipe-cpu' | 'tfjs-webgpu' | 'tfjs-cpu';

/** The engines that run on the CPU (wasm or JS), which segwgpu-wasm is measured against. */
export const CPU_PEERS: readonly EngineName[] = ['ort-wasm', 'mediapipe-cpu', 'tfjs-cpu'];

export interface EngineResult {
  readonly engine: EngineName;
  /** What ran it: the adapter for WebGPU engines, the thread count for wasm. */
  readonly backend: string;
  /** Bytes in memory -> first outputs in JS memory, ms. */
  readonly firstMs?: number;
  /** Parts of the first run: segwgpu import/plan/run, ORT create/run. */
  readonly firstParts?: Readonly<Record<string, number>>;
  /** Median of the warm runs, ms. */
  readonly warmMs?: number;
  readonly warmSamples: readonly number[];
  /** Largest |output - PyTorch output| over the compared elements, and whether within atol. */
  readonly maxAbsDiff?: number;
  readonly withinTolerance?: boolean;
  /** segwgpu --profile: GPU time per op type (timestamp queries, one pass per node). */
  readonly gpuProfile?: { readonly totalMs: number; readonly byOpType: readonly { opType: string; nodes: number; ms: number }[] };
  /** Non-fatal facts worth printing, e.g. ORT nodes that fell back to the CPU. */
  readonly notes?: readonly string[];
  readonly error?: string;
}

export interface ModelResult {
  readonly model: string;
  readonly description: string;
  readonly file: string;
  readonly modelBytes: number;
  readonly inputShape: readonly number[];
  readonly runs: number;
  readonly engines: EngineResult[];
  /** Why the model was not run at all (an external model that is not fetched); `engines` is empty. */
  readonly skipped?: string;
}

export interface ModelBenchOptions {
  readonly runs: number;
  readonly profile?: boolean;
  /** segwgpu's PlanOptions.winograd (default: the plan's rule). */
  readonly winograd?: 'auto' | 'off' | 2 | 4;
  readonly log?: (line: string) => void;
  /**
   * Read back only the graph's first output, on every engine (ISNet has 12 outputs; the app
   * reads one). Default: all outputs.
   */
  readonly firstOutputOnly?: boolean;
  /** Given each engine's first output after its first run (to compare engines with each other). */
  readonly onFirstOutput?: (engine: EngineName, output: Float32Array) => void;
}

const now = () => performance.now();

function compare(output: ArrayLike<number>, ref: ModelReference | undefined): { maxAbsDiff?: number; withinTolerance?: boolean } {
  if (!ref) return {};
  let max = 0;
  if (ref.indices) {
    ref.indices.forEach((idx, i) => {
      const d = Math.abs(output[idx] - ref.values[i]);
      max = Number.isNaN(d) ? Infinity : Math.max(max, d);
    });
  } else {
    if (output.length !== ref.values.length) return { maxAbsDiff: Infinity, withinTolerance: false };
    for (let i = 0; i < output.length; i++) {
      const d = Math.abs(output[i] - ref.values[i]);
      max = Number.isNaN(d) ? Infinity : Math.max(max, d);
    }
  }
  return { maxAbsDiff: max, withinTolerance: max <= ref.atol };
}

const diffText = (check: { maxAbsDiff?: number }) => (check.maxAbsDiff === undefined ? '' : `; max|diff| ${check.maxAbsDiff.toExponential(2)}`);

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim();
}

/**
 * segwgpu on `ctx`'s device, with a fresh kernel cache so no pipeline made for an earlier model
 * is reused (the first run compiles everything it needs).
 */
export async function benchSegwgpuModel(baseCtx: GpuContext, assets: ModelAssets, options: ModelBenchOptions): Promise<EngineResult> {
  const log = options.log ?? (() => {});
  const ctx: GpuContext = { ...baseCtx, kernels: new KernelCache(baseCtx.device) };
  const warmSamples: number[] = [];
  const backend = `WebGPU: ${ctx.adapterName}`;
  let plan: GraphPlan | undefined;
  try {
    const t0 = now();
    const graph = importOnnx(assets.onnx, { name: assets.spec.onnx });
    const t1 = now();
    plan = await planGraphAsync(ctx, graph, { winograd: options.winograd ?? 'auto' });
    const t2 = now();
    const feeds = { [graph.inputs[0].name]: assets.input };
    const runOptions = options.firstOutputOnly ? { outputs: [graph.outputs[0]] } : {};
    const first = await runPlan(plan, feeds, runOptions);
    const t3 = now();
    const out = first.outputs[graph.outputs[0]].data as Float32Array;
    const check = compare(out, assets.reference);
    options.onFirstOutput?.('segwgpu', out);
    log(`segwgpu     first ${(t3 - t0).toFixed(1)} ms (import ${(t1 - t0).toFixed(1)}, plan ${(t2 - t1).toFixed(1)}, run ${(t3 - t2).toFixed(1)})${diffText(check)}`);
    for (let i = 0; i < options.runs; i++) {
      const s = now();
      await runPlan(plan, feeds, runOptions);
      warmSamples.push(now() - s);
      log(`segwgpu     warm ${i + 1}/${options.runs}: ${warmSamples[i].toFixed(1)} ms`);
    }
    let gpuProfile: EngineResult['gpuProfile'];
    if (options.profile && ctx.hasTimestampQuery) {
      const profiled = await runPlan(plan, feeds, { profile: true });
      const byOp = new Map<string, { nodes: number; ms: number }>();
      for (const t of profiled.timings ?? []) {
        const e = byOp.get(t.opType) ?? { nodes: 0, ms: 0 };
        e.nodes++;
        e.ms += t.ms;
        byOp.set(t.opType, e);
      }
      const byOpType = [...byOp].map(([opType, e]) => ({ opType, ...e })).sort((a, b) => b.ms - a.ms);
      gpuProfile = { totalMs: byOpType.reduce((s, e) => s + e.ms, 0), byOpType };
      log(`segwgpu     GPU profile: ${gpuProfile.totalMs.toFixed(1)} ms: ${byOpType.map((e) => `${e.opType} ${e.ms.toFixed(1)}`).join(', ')}`);
    }
    return {
      engine: 'segwgpu',
      backend,
      firstMs: t3 - t0,
      firstParts: { import: t1 - t0, plan: t2 - t1, run: t3 - t2 },
      warmMs: median(warmSamples),
      warmSamples,
      ...check,
      gpuProfile,
    };
  } catch (e) {
    log(`segwgpu     error: ${message(e)}`);
    return { engine: 'segwgpu', backend, warmSamples, error: message(e) };
  } finally {
    plan?.destroy();
  }
}

export interface OrtOptions extends ModelBenchOptions {
  readonly ort: Ort;
  readonly executionProvider: 'webgpu' | 'wasm';
  /** Captures what ORT prints while a session is created (its warnings go to the console). */
  readonly captureConsole?: <T>(fn: () => Promise<T>) => Promise<{ value: T; lines: string[] }>;
}

async function ortAdapterName(ort: Ort): Promise<string> {
  try {
    const device = (await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo };
    if (device?.adapterInfo) return describeAdapter(device.adapterInfo);
    const adapter = ort.env.webgpu.adapter as GPUAdapter | undefined;
    return adapter?.info ? describeAdapter(adapter.info) : 'adapter unknown';
  } catch (e) {
    return `adapter unknown (${message(e)})`;
  }
}

/**
 * Which nodes ORT placed on its CPU EP: a second (untimed) session creation with verbose logging,
 * whose "Node placements" section lists them.
 */
async function cpuPlacedNodes(ort: Ort, bytes: Uint8Array, sessionOptions: OrtModule.InferenceSession.SessionOptions, capture: NonNullable<OrtOptions['captureConsole']>): Promise<string> {
  const saved = ort.env.logLevel;
  try {
    ort.env.logLevel = 'verbose';
    const { value, lines } = await capture(() => ort.InferenceSession.create(bytes.slice(), { ...sessionOptions, logSeverityLevel: 0, logVerbosityLevel: 0 }));
    await value.release();
    // One log line per node, after the "Node(s) placed on [CPUExecutionProvider]" line.
    const start = lines.findIndex((l) => l.includes('placed on [CPUExecutionProvider]'));
    if (start < 0) return 'ORT warned "Some nodes were not assigned to the preferred execution providers" (no node list in its verbose log)';
    const nodes: string[] = [];
    for (const line of lines.slice(start + 1)) {
      const m = /VerifyEachNodeIsAssignedToAnEp\]\s{2,}(\S+ \([^)]*\))\s*$/.exec(line);
      if (!m) break;
      nodes.push(m[1]);
    }
    if (nodes.length <= 12) return nodes.join(', ');
    // Many nodes (isnet-small: 238): how many of each op type, with the first few named.
    const byType = new Map<string, number>();
    for (const n of nodes) byType.set(n.split(' ')[0], (byType.get(n.split(' ')[0]) ?? 0) + 1);
    return `${nodes.length} nodes: ${[...byType].map(([op, count]) => `${op} x${count}`).join(', ')} (first: ${nodes.slice(0, 4).join(', ')}, ...)`;
  } catch (e) {
    return `ORT warned that some nodes are not on its WebGPU EP (listing them failed: ${message(e)})`;
  } finally {
    ort.env.logLevel = saved;
  }
}

/** onnxruntime-web on the same model bytes and input. */
export async function benchOrtModel(assets: ModelAssets, options: OrtOptions): Promise<EngineResult> {
  const { ort, executionProvider: ep } = options;
  const engine: EngineName = ep === 'webgpu' ? 'ort-webgpu' : 'ort-wasm';
  const log = (l: string) => options.log?.(`${engine.padEnd(11)} ${l}`);
  const capture = options.captureConsole ?? (async <T>(fn: () => Promise<T>) => ({ value: await fn(), lines: [] as string[] }));
  const warmSamples: number[] = [];
  const notes: string[] = [];
  let backend = ep === 'webgpu' ? 'WebGPU' : `wasm, ${ort.env.wasm.numThreads ?? 'default'} thread(s)`;
  const sessionOptions: OrtModule.InferenceSession.SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all' };
  let session: OrtModule.InferenceSession | undefined;
  let stage = 'runtime start';
  let fellBack = false;
  const placementNote = async () => {
    if (fellBack) notes.push(`some nodes run on ORT's CPU EP, not WebGPU: ${await cpuPlacedNodes(ort, assets.onnx, sessionOptions, capture)}`);
  };
  try {
    // The runtime's one-time start (wasm instantiation, WebGPU device), outside the timing.
    const tiny = await ort.InferenceSession.create(assets.tiny.slice(), sessionOptions);
    await tiny.release();
    if (ep === 'webgpu') backend = `WebGPU: ${await ortAdapterName(ort)}`;
    const bytes = assets.onnx.slice();
    stage = 'session creation';
    const t0 = now();
    const created = await capture(() => ort.InferenceSession.create(bytes, sessionOptions));
    session = created.value;
    const t1 = now();
    // ORT warns when nodes leave the requested EP (placed on its CPU EP instead).
    // (Which nodes, is looked up after the timed runs.)
    fellBack = ep === 'webgpu' && created.lines.some((l) => /not assigned to the preferred execution providers/i.test(l));
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', assets.input.data, [...assets.input.shape]) };
    const fetches = options.firstOutputOnly ? [session.outputNames[0]] : undefined;
    const run = () => (fetches ? session!.run(feeds, fetches) : session!.run(feeds));
    stage = 'first run';
    const first = await run();
    const out = (await first[session.outputNames[0]].getData()) as Float32Array;
    const t2 = now();
    const check = compare(out, assets.reference);
    options.onFirstOutput?.(engine, out);
    log(`first ${(t2 - t0).toFixed(1)} ms (create ${(t1 - t0).toFixed(1)}, run ${(t2 - t1).toFixed(1)})${diffText(check)}`);
    stage = 'warm runs';
    for (let i = 0; i < options.runs; i++) {
      const s = now();
      const r = await run();
      await r[session.outputNames[0]].getData();
      warmSamples.push(now() - s);
      log(`warm ${i + 1}/${options.runs}: ${warmSamples[i].toFixed(1)} ms`);
    }
    await placementNote();
    notes.forEach((n) => log(`note: ${n}`));
    return { engine, backend, firstMs: t2 - t0, firstParts: { create: t1 - t0, run: t2 - t1 }, warmMs: median(warmSamples), warmSamples, ...check, notes };
  } catch (e) {
    const why = `${stage} failed: ${message(e)}`;
    log(`error: ${why}`);
    await placementNote();
    notes.forEach((n) => log(`note: ${n}`));
    return { engine, backend, warmSamples, error: why, notes };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/**
 * segwgpu time / the other engine's time (ORT, MediaPipe): above 1, segwgpu is slower by that
 * factor. `of: 'segwgpu-wasm'`: segwgpu's wasm backend against the CPU peers (CPU_PEERS).
 */
export function ratios(result: ModelResult, of: 'segwgpu' | 'segwgpu-wasm' = 'segwgpu'): { vs: EngineName; first?: number; warm?: number }[] {
  const mine = result.engines.find((e) => e.engine === of);
  return result.engines
    .filter((e) => e.engine !== of && (of === 'segwgpu' || CPU_PEERS.includes(e.engine)))
    .map((e) => ({
      vs: e.engine,
      first: mine?.firstMs !== undefined && e.firstMs !== undefined ? mine.firstMs / e.firstMs : undefined,
      warm: mine?.warmMs !== undefined && e.warmMs !== undefined ? mine.warmMs / e.warmMs : undefined,
    }));
}

/**
 * segwgpu's wasm backend on a model: import the .onnx, export segwgpu's graph back to ONNX, run
 * that on ORT's wasm EP. Against ort-wasm on the original bytes this measures what segwgpu's
 * import and export cost or save (ORT's own optimisations apply to both).
 */
export async function benchSegwgpuWasmModel(assets: ModelAssets, options: ModelBenchOptions & { readonly ort: Ort }): Promise<EngineResult> {
  const { ort } = options;
  const log = (l: string) => options.log?.(`${'segwgpu-wasm'.padEnd(11)} ${l}`);
  const warmSamples: number[] = [];
  const backend = `wasm: segwgpu's ONNX export on ORT, ${ort.env.wasm.numThreads ?? 'default'} thread(s)`;
  const sessionOptions: OrtModule.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  let session: OrtModule.InferenceSession | undefined;
  try {
    const tiny = await ort.InferenceSession.create(assets.tiny.slice(), sessionOptions);
    await tiny.release();
    const t0 = now();
    const graph = importOnnx(assets.onnx, { name: assets.spec.onnx });
    const exported = exportOnnx(graph);
    const t1 = now();
    session = await ort.InferenceSession.create(exported, sessionOptions);
    const t2 = now();
    const feeds = { [graph.inputs[0].name]: new ort.Tensor('float32', assets.input.data, [...assets.input.shape]) };
    const fetches = options.firstOutputOnly ? [graph.outputs[0]] : undefined;
    const run = () => (fetches ? session!.run(feeds, fetches) : session!.run(feeds));
    const first = await run();
    const out = (await first[graph.outputs[0]].getData()) as Float32Array;
    const t3 = now();
    const check = compare(out, assets.reference);
    options.onFirstOutput?.('segwgpu-wasm', out);
    log(`first ${(t3 - t0).toFixed(1)} ms (import+export ${(t1 - t0).toFixed(1)}, create ${(t2 - t1).toFixed(1)}, run ${(t3 - t2).toFixed(1)})${diffText(check)}`);
    for (let i = 0; i < options.runs; i++) {
      const s = now();
      const r = await run();
      await r[graph.outputs[0]].getData();
      warmSamples.push(now() - s);
      log(`warm ${i + 1}/${options.runs}: ${warmSamples[i].toFixed(1)} ms`);
    }
    return { engine: 'segwgpu-wasm', backend, firstMs: t3 - t0, firstParts: { 'import+export': t1 - t0, create: t2 - t1, run: t3 - t2 }, warmMs: median(warmSamples), warmSamples, ...check };
  } catch (e) {
    log(`error: ${message(e)}`);
    return { engine: 'segwgpu-wasm', backend, warmSamples, error: message(e) };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/**
 * One model on every engine given. `segwgpuCtx` undefined skips segwgpu; `ort` undefined skips
 * ORT. Runs are capped by `bigRuns` for big models.
 */
export async function benchModel(
  assets: ModelAssets,
  engines: { segwgpuCtx?: GpuContext; segwgpuWasm?: boolean; ort?: Ort; ortProviders?: readonly ('webgpu' | 'wasm')[]; captureConsole?: OrtOptions['captureConsole'] },
  options: ModelBenchOptions & { bigRuns: number },
): Promise<ModelResult> {
  const runs = assets.spec.big ? Math.min(options.runs, options.bigRuns) : options.runs;
  const opts = { ...options, runs };
  const results: EngineResult[] = [];
  if (engines.segwgpuCtx) results.push(await benchSegwgpuModel(engines.segwgpuCtx, assets, opts));
  if (engines.segwgpuWasm && engines.ort) results.push(await benchSegwgpuWasmModel(assets, { ...opts, ort: engines.ort }));
  if (engines.ort) {
    for (const ep of engines.ortProviders ?? ['webgpu', 'wasm']) {
      results.push(await benchOrtModel(assets, { ...opts, ort: engines.ort, executionProvider: ep, captureConsole: engines.captureConsole }));
    }
  }
  return {
    model: assets.spec.name,
    description: assets.spec.description,
    file: assets.spec.onnx,
    modelBytes: assets.onnx.byteLength,
    inputShape: assets.input.shape,
    runs,
    engines: results,
  };
}
