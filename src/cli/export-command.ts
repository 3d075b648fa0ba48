/**
 * `segwgpu export <model> --out FILE.onnx [--segment WxH]`: a model as standard ONNX (opset 17,
 * src/export/onnx-export.ts), for onnxruntime or any other ONNX runtime. With --segment, the
 * image-in, masks-out graph the Segmenter runs for photos of that size (the model's mean/std and
 * output kind, as Segmenter.create resolves them): RGBA bytes in, confidence and category masks out.
 */
import { existsSync } from 'node:fs';
import { SegwgpuError } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import { exportOnnxModel, type ExportedValue, type OnnxExport } from '../export/onnx-export.js';
import { BUILTIN_MODEL_NAMES } from '../api/builtin-models.js';
import { resolveModel, type ModelSettings } from '../api/models.js';
import { wrapForSegmentation } from '../segment/wrap.js';
import { writeFilesAtomically } from '../node/files.js';
import { isBuiltinModelName, loadModel } from '../node/model-file.js';
import { choiceValue, namedValues, parseShape, stringValue, tripleValue, type CommandSpec, type ParsedCommand } from './args.js';

export const EXPORT: CommandSpec = {
  name: 'export',
  brief: 'write a model as standard ONNX (opset 17), or its image-in, masks-out segmentation graph',
  positionals: '<model>',
  positionalCount: 1,
  summary:
    'Writes a model as a standard ONNX file (ir_version 8, opset 17) that onnxruntime and other ONNX runtimes run. ' +
    "With --segment WxH, writes instead the graph segwgpu's Segmenter runs for photos of W x H pixels: RGBA bytes in (uint8 [H, W, 4]), the model's normalisation, resizes and masks inside.",
  options: {
    out: { type: 'string', value: 'FILE.onnx', help: 'the file to write (required)' },
    segment: { type: 'string', value: 'WxH', help: 'export the segmentation graph for photos of W x H pixels (e.g. 640x480)' },
    mean: { type: 'string', value: 'R,G,B', help: "with --segment: a model file's normalisation mean, on pixels scaled to [0, 1] (default ImageNet's)" },
    std: { type: 'string', value: 'R,G,B', help: "with --segment: a model file's normalisation std (default ImageNet's)" },
    'output-kind': { type: 'string', value: 'logits|probability', help: 'with --segment: what a model file outputs (default logits)' },
    'input-shape': { type: 'string', multiple: true, value: 'NAME=1x3xHxW', help: 'export for this shape of an input with symbolic dimensions (default: they stay symbolic)' },
  },
  notes:
    `<model> is a .onnx or .tflite file, a tfjs graph model's model.json (weight shards read from the same folder), or a built-in model: ${BUILTIN_MODEL_NAMES.join(', ')}.\n` +
    "With --segment the outputs are 'segwgpu/confidence' (float32 [1, K, H, W]; [1, 1, H, W] for a probability model) and 'segwgpu/category' (int64 [1, H, W]), as the masks asked for.\n" +
    'A model file that is a built-in model (MediaPipe\'s .tflite) is recognised by its bytes and gets its settings. The file is written only when the whole export succeeds.',
};

/** --segment WxH: width first, as the CLI prints image sizes. */
function imageSizeOf(text: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 1 || height < 1) throw new SegwgpuError(`export: --segment takes an image size WxH in pixels like 640x480, got '${text}'`);
  return { width, height };
}

function describeValue(v: ExportedValue): string {
  const dims = v.shape ? `[${v.shape.map((d) => d ?? '?').join('x')}]` : '(shape unknown)';
  return `${v.name}: ${v.type} ${dims}`;
}

async function exportSegmentation(source: string, size: { width: number; height: number }, args: ParsedCommand): Promise<OnnxExport> {
  const mean = tripleValue(args, 'mean', 'export');
  const std = tripleValue(args, 'std', 'export');
  const output = stringValue(args, 'output-kind') === undefined ? undefined : choiceValue(args, 'output-kind', ['logits', 'probability'], 'logits', 'export');
  const settings: ModelSettings = { ...(mean && { mean }), ...(std && { std }), ...(output && { output }) };
  if (!isBuiltinModelName(source) && !existsSync(source)) throw new SegwgpuError(`'${source}' is neither a model file nor a built-in model (built-in: ${BUILTIN_MODEL_NAMES.join(', ')})`);
  // As Segmenter.create resolves it: a built-in's settings, a known file's, or the defaults. A
  // file named like a built-in model wins, as everywhere in the CLI.
  const model = await resolveModel(isBuiltinModelName(source) || /[./:\\]/.test(source) ? source : `./${source}`, settings);
  const wrapped = wrapForSegmentation(model.graph, {
    imageWidth: size.width,
    imageHeight: size.height,
    rowWords: size.width,
    mean: model.mean,
    std: model.std,
    output: model.output,
  });
  return exportOnnxModel(wrapped, { imageInput: 'rgba-bytes' });
}

export async function runExport(args: ParsedCommand): Promise<number> {
  const out = stringValue(args, 'out');
  if (!out) throw new SegwgpuError('export: --out <file.onnx> is required');
  if (!/\.onnx$/i.test(out)) throw new SegwgpuError(`export: --out must name a .onnx file, got '${out}'`);
  const segment = stringValue(args, 'segment');
  const size = segment === undefined ? undefined : imageSizeOf(segment);
  if (!size) {
    for (const name of ['mean', 'std', 'output-kind']) if (stringValue(args, name) !== undefined) throw new SegwgpuError(`export: --${name} applies to the segmentation graph: give --segment WxH too`);
  }
  const inputShapes: Record<string, Shape> = {};
  for (const [name, text] of namedValues(args, 'input-shape', 'export')) inputShapes[name] = parseShape(text, `--input-shape ${name}`);
  if (size && Object.keys(inputShapes).length > 0) throw new SegwgpuError('export: --input-shape does not apply with --segment (the image size fixes every shape)');
  const source = args.positionals[0]!;
  const exported = size
    ? await exportSegmentation(source, size, args)
    : exportOnnxModel(await loadModel(source), Object.keys(inputShapes).length > 0 ? { inputShapes } : {});
  writeFilesAtomically([{ path: out, bytes: exported.bytes }]);
  console.log(`wrote ${out} (${exported.bytes.length} bytes, ONNX opset 17)${size ? `: the segmentation graph for ${size.width}x${size.height} photos` : ''}`);
  for (const v of exported.inputs) console.log(`input  ${describeValue(v)}`);
  for (const v of exported.outputs) console.log(`output ${describeValue(v)}`);
  return 0;
}
