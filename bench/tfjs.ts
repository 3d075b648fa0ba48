/**
 * The tfjs graph-model benchmark (`tfjs-meet`, `tfjs-selfie`): segwgpu's tfjs importer
 * (loadTfjsModel: model.json + shards, imported to the IR, planned, run on WebGPU) against tfjs
 * itself (`tf.loadGraphModel` from the same served files) with its WebGPU backend in the page
 * (`tfjs-webgpu`: @tensorflow/tfjs-backend-webgpu, which requests navigator.gpu itself, so the
 * same adapter) or its cpu backend in Node (`tfjs-cpu`).
 *
 * - first run: from nothing loaded to the first output in JS memory: segwgpu loadTfjsModel
 *   (fetch + import) + planGraphAsync (pipelines, constants) + runPlan; tfjs loadGraphModel
 *   (fetch + weights to the backend) + execute + data() (tfjs compiles its shaders during the
 *   first execute). The one-time starts are outside it on both sides: segwgpu's GPU device, tfjs's
 *   setBackend + ready (its WebGPU device).
 * - warm: median of N further runs, interleaved one per engine per round; each uploads the input
 *   (runPlan's feed / tf.tensor) and reads the output back (runPlan's readback / data()).
 * - input: the photo resampled to the model's input (bilinear, RGB in [0, 1], NHWC), as
 *   test/external-tfjs.test.ts; the tfjs row notes how far its person probability is from
 *   segwgpu's.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfConverter from '@tensorflow/tfjs-converter';
import { describeAdapter, type GpuContext } from '../src/gpu/context.js';
import { KernelCache } from '../src/gpu/kernel.js';
import { loadTfjsModel } from '../src/api/models.js';
import type { RgbaImage } from '../src/node/image.js';
import { planGraphAsync, type GraphPlan } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { noteAgreement, photoNhwc, type ExternalSpec } from './external-models.js';
import type { EngineName, EngineResult, ModelResult } from './models.js';
import { median } from './timing.js';

export interface Tfjs {
  readonly tf: typeof TfCore;
  readonly converter: typeof TfConverter;
  readonly engine: 'tfjs-webgpu' | 'tfjs-cpu';
  /** The adapter tfjs's WebGPU backend got, or the cpu backend. */
  readonly backend: string;
  readonly version: string;
}

const now = () => performance.now();
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim();

/**
 * tfjs with one backend, started (setBackend + ready: for WebGPU the adapter and device). The
 * modules are imported here, so a page or process that does not run tfjs never loads them.
 */
export async function loadTfjs(backend: 'webgpu' | 'cpu'): Promise<Tfjs> {
  const tf = await import('@tensorflow/tfjs-core');
  const converter = await import('@tensorflow/tfjs-converter');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else await import('@tensorflow/tfjs-backend-cpu');
  // PROD only silences tfjs's console advice (tfjs-node, debug mode); it computes the same.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend`);
  await tf.ready();
  let description = 'cpu backend (JS)';
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice & { adapterInfo?: GPUAdapterInfo } }).device;
    description = `WebGPU: ${device?.adapterInfo ? describeAdapter(device.adapterInfo) : 'adapter unknown'}`;
  }
  return { tf, converter, engine: backend === 'webgpu' ? 'tfjs-webgpu' : 'tfjs-cpu', backend: description, version: tf.version_core };
}

/** One engine in steps, so warm runs of several engines can interleave (as bench/mediapipe.ts). */
interface Runner {
  readonly engine: EngineName;
  backend: string;
  /** Loads and runs once; the first run's parts (ms). The output is kept in `output`. */
  first(): Promise<Record<string, number>>;
  warm(): Promise<void>;
  close(): void;
  output?: Float32Array;
}

function segwgpuRunner(baseCtx: GpuContext, spec: ExternalSpec, source: string, input: Float32Array): Runner {
  // A fresh kernel cache: nothing compiled for an earlier model is reused.
  const ctx: GpuContext = { ...baseCtx, kernels: new KernelCache(baseCtx.device) };
  let plan: GraphPlan | undefined;
  let feeds: Parameters<typeof runPlan>[1] = {};
  let outputName = '';
  const runner: Runner = {
    engine: 'segwgpu',
    backend: `WebGPU: ${ctx.adapterName}`,
    async first() {
      const t0 = now();
      const graph = await loadTfjsModel(source, { name: spec.name });
      const t1 = now();
      const [, h, w, c] = graph.inputs[0].shape as number[];
      if (h !== spec.height || w !== spec.width || c !== 3) throw new Error(`${spec.file}: input '${graph.inputs[0].name}' is [${graph.inputs[0].shape.join('x')}], the benchmark expects [1x${spec.height}x${spec.width}x3]`);
      plan = await planGraphAsync(ctx, graph);
      const t2 = now();
      feeds = { [graph.inputs[0].name]: { dtype: 'float32', shape: [1, spec.height, spec.width, 3], data: input } };
      outputName = graph.outputs.includes(spec.output!) ? spec.output! : graph.outputs[0];
      const out = await runPlan(plan, feeds, { outputs: [outputName] });
      const t3 = now();
      runner.output = out.outputs[outputName].data as Float32Array;
      return { load: t1 - t0, plan: t2 - t1, run: t3 - t2 };
    },
    async warm() {
      await runPlan(plan!, feeds, { outputs: [outputName] });
    },
    close() {
      plan?.destroy();
    },
  };
  return runner;
}

function tfjsRunner(tfjs: Tfjs, spec: ExternalSpec, source: string | TfCore.io.IOHandler, input: Float32Array): Runner {
  const { tf } = tfjs;
  let model: TfConverter.GraphModel | undefined;
  const runOnce = async (): Promise<Float32Array> => {
    const x = tf.tensor(input, [1, spec.height, spec.width, 3]);
    try {
      const result = model!.execute(x);
      const y = Array.isArray(result) ? result[0] : (result as TfCore.Tensor);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        tf.dispose(result);
      }
    } finally {
      x.dispose();
    }
  };
  const runner: Runner = {
    engine: tfjs.engine,
    backend: `${tfjs.backend}; tfjs ${tfjs.version}`,
    async first() {
      const t0 = now();
      model = await tfjs.converter.loadGraphModel(source);
      const t1 = now();
      runner.output = await runOnce();
      const t2 = now();
      return { load: t1 - t0, run: t2 - t1 };
    },
    async warm() {
      await runOnce();
    },
    close() {
      model?.dispose();
    },
  };
  return runner;
}

/**
 * One tfjs graph model on segwgpu (`segwgpuCtx`) and tfjs (`tfjs`; `tfjsError`: why it could
 * not start, kept as its row's error). `source`: model.json's URL (page) or path (Node) for
 * segwgpu; `tfjsSource` the same URL, or in Node an IOHandler reading the same files.
 */
export async function benchTfjsModel(args: {
  spec: ExternalSpec;
  source: string;
  tfjsSource: string | TfCore.io.IOHandler;
  modelBytes: number;
  photo: RgbaImage;
  photoPath: string;
  segwgpuCtx?: GpuContext;
  tfjs?: Tfjs;
  tfjsError?: { engine: EngineName; error: string };
  options: { runs: number; log?: (line: string) => void };
}): Promise<ModelResult> {
  const { spec, options } = args;
  const input = photoNhwc(args.photo, spec.height, spec.width);
  const runners: Runner[] = [];
  if (args.segwgpuCtx) runners.push(segwgpuRunner(args.segwgpuCtx, spec, args.source, input));
  if (args.tfjs) runners.push(tfjsRunner(args.tfjs, spec, args.tfjsSource, input));
  const log = (r: Runner, line: string) => options.log?.(`${r.engine.padEnd(11)} ${line}`);
  const state = runners.map(() => ({ warmSamples: [] as number[], firstMs: undefined as number | undefined, firstParts: undefined as Record<string, number> | undefined, error: undefined as string | undefined }));
  for (const [i, r] of runners.entries()) {
    try {
      const t0 = now();
      state[i].firstParts = await r.first();
      state[i].firstMs = now() - t0;
      log(r, `first ${state[i].firstMs!.toFixed(1)} ms (${Object.entries(state[i].firstParts!).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`);
    } catch (e) {
      state[i].error = `first run failed: ${message(e)}`;
      log(r, `error: ${state[i].error}`);
    }
  }
  // Interleaved rounds, so that load from elsewhere on the machine falls on both alike.
  for (let round = 0; round < options.runs; round++) {
    for (const [i, r] of runners.entries()) {
      if (state[i].error) continue;
      try {
        const s = now();
        await r.warm();
        state[i].warmSamples.push(now() - s);
        log(r, `warm ${round + 1}/${options.runs}: ${state[i].warmSamples[round].toFixed(1)} ms`);
      } catch (e) {
        state[i].error = `warm run failed: ${message(e)}`;
        log(r, `error: ${state[i].error}`);
      }
    }
  }
  runners.forEach((r) => r.close());
  let engines: EngineResult[] = runners.map((r, i) => {
    const s = state[i];
    const base = { engine: r.engine, backend: r.backend, warmSamples: s.warmSamples };
    return s.error ? { ...base, error: s.error } : { ...base, firstMs: s.firstMs, firstParts: s.firstParts, warmMs: median(s.warmSamples) };
  });
  if (args.tfjsError) engines.push({ engine: args.tfjsError.engine, backend: 'tfjs', warmSamples: [], error: args.tfjsError.error });
  const pixels = spec.height * spec.width;
  const person = new Map<EngineName, Float32Array>();
  runners.forEach((r, i) => {
    if (r.output && !state[i].error) person.set(r.engine, spec.person!(r.output, pixels));
  });
  engines = noteAgreement(engines, person, 'segwgpu');
  for (const e of engines) for (const n of e.notes ?? []) options.log?.(`${e.engine.padEnd(11)} ${n}`);
  return {
    model: spec.name,
    description: `${spec.description}; input: ${args.photoPath} (${args.photo.width}x${args.photo.height}) resized, RGB in [0, 1]; compared: the person probability${spec.name === 'tfjs-meet' ? ' (softmax of the 2 logits)' : ''}`,
    file: spec.file,
    modelBytes: args.modelBytes,
    inputShape: [1, spec.height, spec.width, 3],
    runs: options.runs,
    engines,
  };
}
