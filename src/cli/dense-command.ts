/**
 * `segwgpu dense <model> --out FILE.onnx [--method atrous|shift-and-stitch]`: the dense (output
 * stride 1) version of a coarse FCN as standard ONNX (opset 17): à trous (src/passes/dense-prediction.ts:
 * strides removed, later windows dilated) or shift-and-stitch (src/passes/shift-and-stitch.ts:
 * f x f shifted runs of the coarse network, interlaced). Dilated AveragePools are written as
 * depthwise Convs (averagePoolsAsConvs), which opset 17 can say.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import { averagePoolsAsConvs, denseAtrous, type DenseGraph } from '../passes/dense-prediction.js';
import { SHIFT_MODES, shiftAndStitch, type ShiftMode } from '../passes/shift-and-stitch.js';
import { exportOnnxModel, type ExportedValue } from '../export/onnx-export.js';
import { writeFilesAtomically } from '../node/files.js';
import { loadModel } from '../node/model-file.js';
import { BUILTIN_MODEL_NAMES } from '../api/builtin-models.js';
import { choiceValue, namedValues, parseShape, stringValue, stringValues, type CommandSpec, type ParsedCommand } from './args.js';

export type DenseMethod = 'atrous' | 'shift-and-stitch';
export const DENSE_METHODS: readonly DenseMethod[] = ['atrous', 'shift-and-stitch'];

export const DENSE: CommandSpec = {
  name: 'dense',
  brief: 'write the dense (output stride 1) version of a coarse FCN as ONNX: à trous or shift-and-stitch',
  positionals: '<model>',
  positionalCount: 1,
  summary:
    'Makes a fully convolutional network whose strides give a coarse output (one pixel per f x f input pixels) predict every pixel, ' +
    "and writes it as standard ONNX (opset 17). 'atrous' removes the strides and dilates every later window by the stride so far " +
    "(Long et al. 2015, filter rarefaction); 'shift-and-stitch' runs the coarse network on f x f shifts and interlaces the outputs. " +
    'Both give the same map; its pixels (y*f, x*f) are the coarse output.',
  options: {
    out: { type: 'string', value: 'FILE.onnx', help: 'the file to write (required)' },
    method: { type: 'string', value: DENSE_METHODS.join('|'), help: 'how to make it dense (default atrous)' },
    shifts: { type: 'string', value: SHIFT_MODES.join('|'), help: "with shift-and-stitch: shift at each strided node (default, exact for any padding) or the input itself (exact without top/left padding before the last stride)" },
    output: { type: 'string', multiple: true, value: 'NAME', help: 'make this value dense, cutting the graph after it (default the outputs; use it to stop before an upsampling or classifier head)' },
    'input-shape': { type: 'string', multiple: true, value: 'NAME=1x3xHxW', help: 'the input size (shift-and-stitch needs one for inputs with symbolic dimensions)' },
  },
  notes:
    `<model> is a .onnx or .tflite file, a tfjs graph model's model.json, or a built-in model: ${BUILTIN_MODEL_NAMES.join(', ')}.\n` +
    'Refused, naming the node: upsampling, global pooling or a classifier head after a stride (pick an earlier --output), ' +
    'ceil_mode pools and auto_pad SAME on strided windows. The file is written only when the whole export succeeds.',
};

export interface DenseGraphOptions {
  readonly method: DenseMethod;
  readonly shifts?: ShiftMode;
  readonly outputs?: readonly string[];
  readonly inputShapes?: Readonly<Record<string, Shape>>;
}

/**
 * The dense graph of a model by either method: what `segwgpu dense` writes, and what a
 * `run --dense atrous|shift-and-stitch` option would run.
 */
export function denseGraph(graph: Graph, options: DenseGraphOptions): DenseGraph {
  const outputs = options.outputs && options.outputs.length > 0 ? { outputs: options.outputs } : {};
  if (options.method === 'atrous') {
    if (options.shifts !== undefined) throw new SegwgpuError("dense: shifts apply to --method shift-and-stitch, not atrous");
    return denseAtrous(graph, outputs);
  }
  return shiftAndStitch(graph, { ...outputs, ...(options.shifts && { shifts: options.shifts }), ...(options.inputShapes && { inputShapes: options.inputShapes }) });
}

function describeValue(v: ExportedValue): string {
  const dims = v.shape ? `[${v.shape.map((d) => d ?? '?').join('x')}]` : '(shape unknown)';
  return `${v.name}: ${v.type} ${dims}`;
}

export async function runDense(args: ParsedCommand): Promise<number> {
  const out = stringValue(args, 'out');
  if (!out) throw new SegwgpuError('dense: --out <file.onnx> is required');
  if (!/\.onnx$/i.test(out)) throw new SegwgpuError(`dense: --out must name a .onnx file, got '${out}'`);
  const method = choiceValue(args, 'method', DENSE_METHODS, 'atrous', 'dense');
  const shifts = stringValue(args, 'shifts') === undefined ? undefined : choiceValue(args, 'shifts', SHIFT_MODES, 'per-stride', 'dense');
  const inputShapes: Record<string, Shape> = {};
  for (const [name, text] of namedValues(args, 'input-shape', 'dense')) inputShapes[name] = parseShape(text, `--input-shape ${name}`);
  const source = args.positionals[0]!;
  const { graph, factor } = denseGraph(await loadModel(source), { method, ...(shifts && { shifts }), outputs: stringValues(args, 'output'), inputShapes });
  const exported = exportOnnxModel(averagePoolsAsConvs(graph, inputShapes), Object.keys(inputShapes).length > 0 ? { inputShapes } : {});
  writeFilesAtomically([{ path: out, bytes: exported.bytes }]);
  const how = method === 'atrous' ? 'à trous' : `shift-and-stitch (${shifts ?? 'per-stride'} shifts, ${factor[0] * factor[1]} runs)`;
  console.log(`wrote ${out} (${exported.bytes.length} bytes, ONNX opset 17): ${how}, output stride ${factor.join('x')} -> 1`);
  for (const v of exported.inputs) console.log(`input  ${describeValue(v)}`);
  for (const v of exported.outputs) console.log(`output ${describeValue(v)}`);
  return 0;
}
