/**
 * The benchmark's command line: its CommandSpec (src/cli/args.ts, the same parser as the CLI's),
 * the options it turns into, and their checks (UsageError for anything wrong, before any work).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { booleanValue, commandHelp, parseCommand, stringValue, type CommandSpec, type ParsedCommand } from '../src/cli/args.js';
import { selectModels, type EngineName, type ModelSpec } from './models.js';
import { SELFIE_BENCH, SELFIE_PHOTO } from './mediapipe.js';
import { EXTERNAL_NAMES, EXTERNAL_SPECS, type ExternalSpec } from './external-models.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
export const ALL_ENGINES: readonly EngineName[] = ['segwgpu', 'segwgpu-wasm', 'ort-webgpu', 'ort-wasm', 'mediapipe-webgl', 'mediapipe-cpu', 'tfjs-webgpu', 'tfjs-cpu'];

/**
 * The ONNX fixtures of --models, whether the selfie benchmark is in it, and the external models
 * (bench/external-models.ts; all of them when --models is not given, each a row even if absent).
 */
export function selection(models?: readonly string[]): { specs: ModelSpec[]; selfie: boolean; external: ExternalSpec[] } {
  // ISNet's rows take ~10 minutes on a software adapter: only when asked for by name.
  if (!models) return { specs: selectModels(), selfie: true, external: EXTERNAL_SPECS.filter((s) => !s.name.startsWith('isnet')) };
  const onnx = models.filter((m) => m !== SELFIE_BENCH && !EXTERNAL_NAMES.includes(m));
  return { specs: onnx.length > 0 ? selectModels(onnx) : [], selfie: models.includes(SELFIE_BENCH), external: EXTERNAL_SPECS.filter((s) => models.includes(s.name)) };
}

export interface Options {
  what: 'all' | 'kernels' | 'models' | 'plan';
  runtime: 'chromium' | 'node';
  runs: number;
  bigRuns: number;
  filter?: string;
  models?: string[];
  /** The selfie benchmark's photo, relative to the repository root. */
  photo: string;
  engines: EngineName[];
  profile: boolean;
  /** segwgpu's PlanOptions.winograd for the model benchmarks. */
  winograd: 'auto' | 'off' | 2 | 4;
  ortThreads: number;
  ortBundle: string;
  out: string;
  realGpu: boolean;
}

export const BENCH: CommandSpec = {
  name: 'bench',
  invocation: 'npm run bench --',
  positionals: '[all|kernels|models|plan]',
  positionalCount: [0, 1],
  brief: 'kernel and model benchmarks',
  summary: 'Benchmarks: kernels (per-kernel GPU time, GFLOP/s, GB/s against the adapter\'s matmul ceiling), models (first and warm runs on segwgpu and onnxruntime-web; `selfie`: photo in, masks out against MediaPipe\'s own solution), all (default: kernels and models), or plan (CPU-side plan time of the selfie model and U-Net 256, always in Node).',
  options: {
    node: { type: 'boolean', help: 'run in Node on dawn.node instead of headless Chromium' },
    browser: { type: 'boolean', help: 'run in headless system Chromium (the default)' },
    runs: { type: 'string', value: 'N', help: 'timed runs, the median is reported (default 5)' },
    'big-runs': { type: 'string', value: 'N', help: 'cap on the runs of the 256x256 U-Net and of ISNet (default 3)' },
    filter: { type: 'string', value: 'TEXT', help: 'kernels whose name contains TEXT' },
    models: { type: 'string', value: 'a,b', help: `some of unet, fcn8s, segnet, unet16_256, ${SELFIE_BENCH}, ${EXTERNAL_NAMES.join(', ')}` },
    engines: { type: 'string', value: 'a,b', help: `some of ${ALL_ENGINES.join(', ')}` },
    photo: { type: 'string', value: 'FILE', help: `the selfie benchmark's photo, a PNG or JPEG inside the repository (default ${SELFIE_PHOTO})` },
    profile: { type: 'boolean', help: 'one more segwgpu run per model with per-node timestamps: GPU time per op type' },
    winograd: { type: 'string', value: 'auto|off|2|4', help: "segwgpu's 3x3 convs in the model benchmarks: the plan's rule (auto, default), direct only, or F(2x2) / F(4x4) forced" },
    'ort-threads': { type: 'string', value: 'N', help: 'ORT wasm threads; 0 = every core when cross-origin isolated, else 1 (default 0)' },
    'ort-bundle': { type: 'string', value: 'FILE', help: 'onnxruntime-web dist file (default ort.min.mjs); in Node, used when ort-webgpu runs (ort-wasm alone: the Node build)' },
    out: { type: 'string', value: 'DIR', help: 'where the JSON and HTML results go (default bench/results)' },
    'real-gpu': { type: 'boolean', help: 'let Chromium choose its adapter instead of forcing SwiftShader' },
  },
  notes: 'Results: <out>/<what>-<runtime>-<date>.json and .html, and a text table. See bench/README.md.',
};

export class UsageError extends Error {}

function integerOption(args: ParsedCommand, name: string, fallback: number, min: number): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} needs an integer >= ${min}, got ${raw}`);
  return n;
}

function winogradOption(args: ParsedCommand): 'auto' | 'off' | 2 | 4 {
  const raw = stringValue(args, 'winograd') ?? 'auto';
  if (raw === 'auto' || raw === 'off') return raw;
  if (raw === '2' || raw === '4') return Number(raw) as 2 | 4;
  throw new UsageError(`--winograd needs auto, off, 2 or 4, got ${raw}`);
}

export function parseOptions(argv: string[]): Options {
  let args: ParsedCommand;
  try {
    args = parseCommand(BENCH, argv);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^bench: /, ''));
  }
  if (args.help) {
    console.log(commandHelp(BENCH));
    process.exit(0);
  }
  const what = args.positionals[0] ?? 'all';
  if (what !== 'all' && what !== 'kernels' && what !== 'models' && what !== 'plan') throw new UsageError(`unknown benchmark '${what}' (all, kernels, models or plan)`);
  if (booleanValue(args, 'node') && booleanValue(args, 'browser')) throw new UsageError('--node and --browser: choose one');
  const o: Options = {
    what,
    runtime: booleanValue(args, 'node') ? 'node' : 'chromium',
    runs: integerOption(args, 'runs', 5, 1),
    bigRuns: integerOption(args, 'big-runs', 3, 1),
    filter: stringValue(args, 'filter'),
    engines: [],
    profile: booleanValue(args, 'profile'),
    winograd: winogradOption(args),
    ortThreads: integerOption(args, 'ort-threads', 0, 0),
    ortBundle: stringValue(args, 'ort-bundle') ?? 'ort.min.mjs',
    out: resolve(stringValue(args, 'out') ?? join(ROOT, 'bench', 'results')),
    realGpu: booleanValue(args, 'real-gpu'),
    photo: SELFIE_PHOTO,
  };
  const models = stringValue(args, 'models');
  if (models !== undefined) {
    o.models = models.split(',').filter(Boolean);
    try {
      selection(o.models);
    } catch (e) {
      throw new UsageError(`${(e as Error).message}, ${SELFIE_BENCH}, ${EXTERNAL_NAMES.join(', ')}`);
    }
  }
  const engines = stringValue(args, 'engines');
  if (engines !== undefined) {
    const list = engines.split(',').filter(Boolean);
    const bad = list.filter((e) => !ALL_ENGINES.includes(e as EngineName));
    if (bad.length > 0) throw new UsageError(`unknown engine(s) ${bad.join(', ')} (available: ${ALL_ENGINES.join(', ')})`);
    o.engines = list as EngineName[];
  }
  if (!/^[\w.-]+\.mjs$/.test(o.ortBundle) || !existsSync(join(ORT_DIST, o.ortBundle))) throw new UsageError(`--ort-bundle: no ${o.ortBundle} in ${ORT_DIST}`);
  const photo = stringValue(args, 'photo');
  if (photo !== undefined) {
    // The page fetches it from the dev server, which serves the repository: it must be inside.
    const file = resolve(photo);
    const inside = relative(ROOT, file);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new UsageError(`--photo ${file}: the photo must be inside the repository (${ROOT}), which the benchmark page is served from`);
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--photo ${file}: no such file`);
    if (!/\.(png|jpe?g)$/i.test(file)) throw new UsageError(`--photo ${file}: a PNG or JPEG file is needed`);
    o.photo = inside.split(sep).join('/');
  }
  // tfjs's peer: its WebGPU backend in the page, its cpu backend in Node.
  if (engines === undefined) o.engines = o.runtime === 'node' ? ['segwgpu', 'segwgpu-wasm', 'ort-webgpu', 'ort-wasm', 'tfjs-cpu'] : ALL_ENGINES.filter((e) => e !== 'tfjs-cpu');
  if (o.runtime === 'node' && o.engines.includes('tfjs-webgpu')) throw new UsageError("tfjs-webgpu needs a browser (tfjs's WebGPU backend requests navigator.gpu); in Node tfjs runs on its cpu backend: tfjs-cpu");
  if (o.runtime === 'chromium' && o.engines.includes('tfjs-cpu')) throw new UsageError("tfjs-cpu is the Node peer of the tfjs rows; in the browser tfjs runs on its WebGPU backend: tfjs-webgpu (or use --node)");
  if (o.runtime === 'node' && o.engines.some((e) => e.startsWith('mediapipe-'))) throw new UsageError("mediapipe-webgl / mediapipe-cpu need a browser: MediaPipe's selfie segmentation solution runs on the DOM and WebGL (drop --node)");
  return o;
}

