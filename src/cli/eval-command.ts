/**
 * `segwgpu eval`: per-class IoU, mIoU, pixel accuracy and the confusion matrix of predicted label
 * maps against ground truth, label-map PNGs matched by file name. The counting is the
 * ConfusionMatrix op (src/ops/confusion-matrix.ts) on the GPU, or its CPU reference with
 * --backend cpu; the figures are numpy's (src/analysis/segmentation-metrics.ts).
 *
 * A label map is an 8-bit grayscale PNG (the gray value is the label) or a palette PNG of 1 to 8
 * bits (the palette index is the label, whatever colour it shows). RGB(A), grayscale with alpha,
 * 16-bit and sub-byte grayscale PNGs are refused, naming the file: a colour-coded mask needs a
 * colour-to-class table this command does not guess, and 16 bits are beyond 0..255.
 *
 * Every file is checked before any GPU work: each truth has a prediction of the same name and
 * size and each prediction a truth, every PNG is a label map (from its header). With --model the
 * predictions are the model's category masks of the images in --images (<name>.png, .jpg or
 * .jpeg, one per truth), checked the same way from the image headers.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { SegwgpuError } from '../core/errors.js';
import { checkImageSize } from '../core/limits.js';
import { int32Tensor, type Tensor } from '../core/tensor.js';
import type { GpuContext } from '../gpu/context.js';
import { LabelRangeError } from '../ops/confusion-matrix.js';
import { addConfusion, countConfusion, emptyConfusion, metricsJson, segmentationMetrics, type SegmentationMetrics } from '../analysis/segmentation-metrics.js';
import { Segmenter } from '../api/segmenter.js';
import { BUILTIN_MODEL_NAMES } from '../api/builtin-models.js';
import { nodeGpuContext } from '../node/gpu.js';
import { readInputFile } from '../node/files.js';
import { jpegDeclaredSize, jpegOrientation, pngDeclaredSize, readImageFile } from '../node/image.js';
import { booleanValue, choiceValue, stringValue, type CommandSpec, type ParsedCommand } from './args.js';

/** Labels of an 8-bit label map: 0..255, so at most 256 classes. */
const MAX_CLASSES = 256;

export const EVAL: CommandSpec = {
  name: 'eval',
  brief: 'IoU per class, mIoU, pixel accuracy and confusion matrix of label-map PNGs',
  // No positional arguments: the usage line shows the options every call needs.
  positionals: '--pred DIR --truth DIR --classes N',
  positionalCount: 0,
  summary:
    'Compares predicted label maps with ground-truth ones, PNGs matched by file name, and prints the IoU of each class, ' +
    'the mean IoU, the pixel accuracy and the confusion matrix (rows truth, columns prediction), counted on the GPU.',
  options: {
    pred: { type: 'string', value: 'DIR', help: 'the predicted label maps, <name>.png (or --model and --images)' },
    truth: { type: 'string', value: 'DIR', help: 'the ground-truth label maps, <name>.png, one per prediction, of its size (required)' },
    classes: { type: 'string', value: 'N', help: "the number of classes, labels 0..N-1, at most 256 (required; with --model, default the model's)" },
    ignore: { type: 'string', value: 'L', help: 'a truth label to leave out, e.g. 255 (its pixels are not counted, whatever is predicted there)' },
    json: { type: 'boolean', help: 'print only {"iou": [...], "miou": x, "pixelAccuracy": x, "confusion": [[...]]}' },
    model: { type: 'string', value: 'MODEL', help: `predict the label maps first with this model (${BUILTIN_MODEL_NAMES.join(', ')}, or a model file), from --images` },
    images: { type: 'string', value: 'DIR', help: 'with --model: the images, <name>.png|jpg|jpeg, one per truth label map' },
    backend: { type: 'string', value: 'webgpu|cpu', help: 'count (and with --model, predict) on the GPU (default) or the CPU reference' },
  },
  notes: [
    'A label map is an 8-bit grayscale PNG (the gray value is the label) or a palette PNG (the palette index is the label,',
    'not its colour). RGB(A) and 16-bit PNGs are refused. Files match by name; a file missing on one side, or a size',
    'mismatch, is an error before anything is counted. A truth or predicted label outside 0..N-1 (other than the --ignore',
    'label in the truth) is an error naming the file and the pixel.',
    'IoU = TP / (TP + FP + FN). A class absent from both truth and prediction has no IoU (null in --json, numpy\'s NaN)',
    'and mIoU averages the others (np.nanmean). Pixel accuracy = correct / counted pixels.',
  ].join('\n'),
};

/** A label-map PNG read and checked from its header; decoded only when its turn comes. */
interface LabelMapFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPES: Readonly<Record<number, string>> = { 0: 'grayscale', 2: 'RGB', 3: 'palette', 4: 'grayscale+alpha', 6: 'RGBA' };

/** Reads a label-map PNG and refuses, naming it, anything but 8-bit grayscale or palette. */
export function readLabelMapFile(path: string): LabelMapFile {
  const bytes = readInputFile(path, 'label map');
  if (bytes.length < 26 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new SegwgpuError(`eval: ${path} is not a PNG file; label maps are PNGs`);
  const size = pngDeclaredSize(bytes);
  if (!size) throw new SegwgpuError(`eval: ${path} is not a readable PNG (no IHDR chunk first)`);
  const depth = bytes[24]!;
  const colorType = bytes[25]!;
  if (!(colorType === 3 || (colorType === 0 && depth === 8))) {
    const kind = COLOR_TYPES[colorType] ?? `colour type ${colorType}`;
    throw new SegwgpuError(
      `eval: ${path} is ${depth === 8 ? 'an' : 'a'} ${depth}-bit ${kind} PNG; a label map must be an 8-bit grayscale PNG (the gray value is the label) ` +
        `or a palette PNG (the palette index is the label)${colorType === 2 || colorType === 6 ? '; convert a colour-coded mask to class indices first' : ''}`,
    );
  }
  checkImageSize(`label map ${path}`, size.width, size.height);
  return { path, bytes, ...size };
}

/** The labels of a label map checked by readLabelMapFile: gray values or palette indices, row-major. */
export function decodeLabelMap(file: LabelMapFile): Uint8Array {
  let png;
  try {
    png = decodePng(file.bytes);
  } catch (e) {
    throw new SegwgpuError(`eval: cannot decode ${file.path}: ${(e as Error).message}`);
  }
  const { width, height, depth, data } = png;
  if (depth === 8) return new Uint8Array(data.buffer, data.byteOffset, width * height);
  // Palettes of 1, 2 or 4 bits come packed, the first pixel in the high bits, rows padded to bytes.
  const labels = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      labels[y * width + x] = (data[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return labels;
}

/** The files of a folder whose names end in one of `extensions`, by stem; two with one stem are an error. */
function filesByStem(dir: string, option: string, extensions: RegExp): Map<string, string> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new SegwgpuError(`eval: --${option} '${dir}' is not a folder`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof SegwgpuError) throw e;
    throw new SegwgpuError(`eval: cannot read the --${option} folder '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const byStem = new Map<string, string>();
  for (const name of names.sort()) {
    const m = extensions.exec(name);
    if (!m || !statSync(join(dir, name)).isFile()) continue;
    const stem = name.slice(0, m.index);
    const other = byStem.get(stem);
    if (other) throw new SegwgpuError(`eval: ${join(dir, other)} and ${join(dir, name)} have one name; keep one`);
    byStem.set(stem, name);
  }
  return byStem;
}

function classesOf(args: ParsedCommand, fallback: number | undefined): number {
  const raw = stringValue(args, 'classes');
  if (raw === undefined) {
    if (fallback === undefined) throw new SegwgpuError('eval: --classes N is required (the number of classes: labels 0..N-1)');
    return fallback;
  }
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || n < 1 || n > MAX_CLASSES) throw new SegwgpuError(`eval: --classes must be a whole number from 1 to ${MAX_CLASSES} (labels of 8-bit label maps), got '${raw}'`);
  return n;
}

function ignoreOf(args: ParsedCommand): number | undefined {
  const raw = stringValue(args, 'ignore');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || n > 255) throw new SegwgpuError(`eval: --ignore must be a label from 0 to 255, got '${raw}'`);
  return n;
}

/** The images' size as shown (JPEG EXIF orientations 5-8 swap width and height), from their headers. */
function declaredImageSize(path: string): { width: number; height: number } {
  const bytes = readInputFile(path, 'image file');
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
  const size = isPng ? pngDeclaredSize(bytes) : jpegDeclaredSize(bytes);
  if (!size) throw new SegwgpuError(`eval: cannot read the size of image ${path} from its header`);
  return !isPng && jpegOrientation(bytes) >= 5 ? { width: size.height, height: size.width } : size;
}

/** One label map pair to count: the truth, and the prediction or the image to predict it from. */
interface Pair {
  readonly stem: string;
  readonly truth: LabelMapFile;
  readonly pred?: LabelMapFile;
  readonly image?: string;
}

/** Matches truth and predictions (or images) by stem and checks every file, before any GPU work. */
function matchFiles(truthDir: string, predDir: string | undefined, imagesDir: string | undefined): Pair[] {
  const truths = filesByStem(truthDir, 'truth', /\.png$/i);
  if (truths.size === 0) throw new SegwgpuError(`eval: no label maps (.png) in --truth ${truthDir}`);
  const [dir, option, others] = predDir !== undefined ? [predDir, 'pred', filesByStem(predDir, 'pred', /\.png$/i)] : [imagesDir!, 'images', filesByStem(imagesDir!, 'images', /\.(png|jpe?g)$/i)];
  const what = option === 'pred' ? 'prediction' : 'image';
  for (const [stem, name] of truths) {
    if (!others.has(stem)) throw new SegwgpuError(`eval: ${join(truthDir, name)} has no ${what}: no ${option === 'pred' ? `${stem}.png` : `${stem}.png, .jpg or .jpeg`} in --${option} ${dir}`);
  }
  for (const [stem, name] of others) {
    if (!truths.has(stem)) throw new SegwgpuError(`eval: ${join(dir, name)} has no truth: no ${stem}.png in --truth ${truthDir}`);
  }
  return [...truths].map(([stem, name]) => {
    const truth = readLabelMapFile(join(truthDir, name));
    const otherPath = join(dir, others.get(stem)!);
    const size = option === 'pred' ? undefined : declaredImageSize(otherPath);
    const pred = option === 'pred' ? readLabelMapFile(otherPath) : undefined;
    const { width, height } = pred ?? size!;
    if (width !== truth.width || height !== truth.height) {
      throw new SegwgpuError(`eval: ${otherPath} is ${width}x${height} pixels but its truth ${truth.path} is ${truth.width}x${truth.height}; ${option === 'pred' ? 'a prediction' : 'an image'} must have its truth's size`);
    }
    return { stem, truth, ...(pred ? { pred } : { image: otherPath }) };
  });
}

/** A bad label, in the CLI's words: the file, the pixel, the option that sets the range. */
function labelError(e: LabelRangeError, pair: Pair, model: string | undefined): SegwgpuError {
  const [y, x] = e.coordinates;
  const where = e.input === 'truth' ? pair.truth.path : pair.pred ? pair.pred.path : `the prediction of ${model} for ${pair.image}`;
  const tail =
    e.input === 'truth'
      ? e.ignoreIndex === undefined ? ' (no --ignore label is given)' : ` and is not the --ignore label ${e.ignoreIndex}`
      : e.ignoreIndex === undefined ? '' : ' (--ignore leaves out truth pixels only)';
  return new SegwgpuError(`eval: ${where}: label ${e.value} at x=${x}, y=${y} is outside the classes 0..${e.classes - 1} (--classes ${e.classes})${tail}`);
}

export async function runEval(args: ParsedCommand): Promise<number> {
  const truthDir = stringValue(args, 'truth');
  if (truthDir === undefined) throw new SegwgpuError('eval: --truth DIR is required (the ground-truth label maps)');
  const predDir = stringValue(args, 'pred');
  const model = stringValue(args, 'model');
  const imagesDir = stringValue(args, 'images');
  if (predDir !== undefined && model !== undefined) throw new SegwgpuError('eval: give --pred DIR (label maps) or --model MODEL with --images DIR, not both');
  if (predDir === undefined && model === undefined) throw new SegwgpuError('eval: --pred DIR is required (the predicted label maps), or --model MODEL with --images DIR');
  if (model !== undefined && imagesDir === undefined) throw new SegwgpuError('eval: --model needs --images DIR, the images to predict label maps from');
  if (model === undefined && imagesDir !== undefined) throw new SegwgpuError('eval: --images is for --model; with --pred the label maps are given');
  const backend = choiceValue(args, 'backend', ['webgpu', 'cpu'], 'webgpu', 'eval');
  const json = booleanValue(args, 'json');
  const ignoreIndex = ignoreOf(args);
  // Checked now, before the files; with --model the default comes from the model below.
  if (model === undefined || stringValue(args, 'classes') !== undefined) classesOf(args, undefined);
  const pairs = matchFiles(truthDir, predDir, imagesDir);

  let ctx: GpuContext | undefined;
  let segmenter: Segmenter | undefined;
  try {
    if (backend === 'webgpu') ctx = await nodeGpuContext();
    if (model !== undefined) segmenter = await Segmenter.create({ model, backend, ...(ctx && { device: ctx.device }), outputConfidenceMasks: false });
    const classes = classesOf(args, segmenter?.getLabels().length);
    const confusion = emptyConfusion(classes);
    let pixels = 0;
    for (const pair of pairs) {
      const shape = [pair.truth.height, pair.truth.width];
      const truth = int32Tensor(shape, Int32Array.from(decodeLabelMap(pair.truth)));
      const prediction = await predictionOf(pair, segmenter, shape);
      pixels += pair.truth.width * pair.truth.height;
      let counts: Tensor;
      try {
        counts = await countConfusion(truth, prediction, { classes, ignoreIndex, name: pair.stem }, ctx);
      } catch (e) {
        if (e instanceof LabelRangeError) throw labelError(e, pair, model);
        throw e;
      }
      addConfusion(confusion, counts);
    }
    const metrics = segmentationMetrics(confusion);
    if (json) console.log(metricsJson(metrics));
    else printReport(metrics, { maps: pairs.length, pixels, ignoreIndex, counter: ctx ? ctx.adapterName : 'the CPU reference', labels: segmenter?.getLabels() });
    return 0;
  } finally {
    await segmenter?.close();
    ctx?.device.destroy();
  }
}

/** The prediction of one pair: its label map, or the model's category mask of its image. */
async function predictionOf(pair: Pair, segmenter: Segmenter | undefined, shape: number[]): Promise<Tensor> {
  if (pair.pred) return int32Tensor(shape, Int32Array.from(decodeLabelMap(pair.pred)));
  const result = await segmenter!.segment(readImageFile(pair.image!));
  if (result.width !== pair.truth.width || result.height !== pair.truth.height) {
    throw new SegwgpuError(`eval: ${pair.image} is ${result.width}x${result.height} pixels but its truth ${pair.truth.path} is ${pair.truth.width}x${pair.truth.height}; an image must have its truth's size`);
  }
  return int32Tensor(shape, Int32Array.from(result.categoryMask!));
}

interface ReportContext {
  readonly maps: number;
  /** Truth pixels, ignored ones included. */
  readonly pixels: number;
  readonly ignoreIndex: number | undefined;
  /** Where the counting ran: the adapter's name or the CPU reference. */
  readonly counter: string;
  /** The model's class names, with --model. */
  readonly labels?: readonly string[];
}

const figure = (v: number | null) => (v === null ? '-' : v.toFixed(4));

function printReport(m: SegmentationMetrics, r: ReportContext): void {
  const k = m.confusion.length;
  const truthTotals = m.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predictedTotals = m.confusion.map((_, p) => m.confusion.reduce((a, row) => a + row[p]!, 0));
  const counted = truthTotals.reduce((a, b) => a + b, 0);
  const correct = m.confusion.reduce((a, row, c) => a + row[c]!, 0);
  const ignored = r.ignoreIndex === undefined ? '' : `, ${r.pixels - counted} ignored (truth label ${r.ignoreIndex})`;
  console.log(`eval: ${r.maps} label map${r.maps === 1 ? '' : 's'}, ${r.pixels} pixels: ${counted} counted${ignored}; ${k} classes; counted on ${r.counter}`);
  console.log('');
  const names = r.labels ?? [];
  const nameWidth = Math.max(5, ...names.map((n) => n.length + 4));
  console.log(`${'class'.padEnd(nameWidth)}  ${'IoU'.padStart(6)}  ${'truth px'.padStart(10)}  ${'predicted px'.padStart(12)}`);
  for (let c = 0; c < k; c++) {
    const label = names[c] ? `${c} (${names[c]})` : String(c);
    const note = m.iou[c] === null ? '  absent from truth and prediction' : '';
    console.log(`${label.padEnd(nameWidth)}  ${figure(m.iou[c]!).padStart(6)}  ${String(truthTotals[c]).padStart(10)}  ${String(predictedTotals[c]).padStart(12)}${note}`);
  }
  console.log('');
  const present = m.iou.filter((v) => v !== null).length;
  const absent = k - present;
  console.log(`mIoU: ${figure(m.miou)} (mean over ${present} of ${k} classes${absent ? `; ${absent === 1 ? '1 class' : `${absent} classes`} absent from truth and prediction ${absent === 1 ? 'has' : 'have'} no IoU` : ''})`);
  console.log(`pixel accuracy: ${figure(m.pixelAccuracy)} (${correct} of ${counted} pixels)`);
  console.log('');
  console.log('confusion matrix (rows truth, columns prediction):');
  const width = Math.max(String(k - 1).length, ...m.confusion.flat().map((v) => String(v).length)) + 2;
  const head = 'truth\\pred';
  console.log(`${head}${Array.from({ length: k }, (_, p) => String(p).padStart(width)).join('')}`);
  m.confusion.forEach((row, t) => console.log(`${String(t).padStart(head.length)}${row.map((v) => String(v).padStart(width)).join('')}`));
}
