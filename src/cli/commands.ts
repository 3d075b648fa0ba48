/**
 * The CLI's commands, each with its option spec (which also writes its --help). Every user error
 * is thrown as SegwgpuError before any GPU work or file write; main.ts prints it after one
 * 'segwgpu:' prefix.
 */
import { basename, join } from 'node:path';
import { SegwgpuError } from '../core/errors.js';
import type { Shape, Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import type { GpuLowering } from '../gpu/step.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { nodeGpuContext, nodeWgslLanguageFeatures } from '../node/gpu.js';
import { outputFileStems, readInputFile, writeFilesAtomically } from '../node/files.js';
import { loadModel } from '../node/model-file.js';
import { planGraphAsync, layoutGraph, DEFAULT_LAYOUT_LIMITS, type GraphPlan } from '../plan/plan.js';
import { runPlan } from '../exec/gpu.js';
import { runGraphCpu } from '../exec/cpu.js';
import { needsSegments, SegmentedRunner, type SegmentedReport } from '../exec/segmented.js';
import { compareOutputs, type OutputComparison } from '../validate/compare.js';
import { describeModel, integerDotUse, type IntegerDotUse } from '../analysis/model-info.js';
import { PACKED_DOT_FEATURE } from '../gpu/context.js';
import { BUILTIN_MODEL_NAMES, DEFAULT_MODEL } from '../api/builtin-models.js';
import { Segmenter } from '../api/segmenter.js';
import { BACKEND_REQUESTS } from '../api/backend-choice.js';
import { runGraphWasm } from '../api/wasm-graph.js';
import { runTiled, runTiledCpu, type TileOptions, type TileProgress, type TilingDecision } from '../tiling/run-tiled.js';
import { blendByConfidence, blurRgba, confidenceToGray, coverRgba } from '../segment/effects.js';
import { readImageFile, encodeGrayPng, encodeRgbaPng, type RgbaImage } from '../node/image.js';
import { colorizeCategories, overlayCategories } from '../segment/images.js';
import { drawInstances, instanceMapOf, type Instance } from '../segment/instances.js';
import { booleanValue, choiceValue, namedValues, numberValue, parseShape, stringValue, stringValues, tripleValue, type CommandSpec, type ParsedCommand } from './args.js';
import { progressLine } from './progress-line.js';

const MODEL_ARGUMENT = `<model>`;
const MODEL_NOTE = `<model> is a .onnx or .tflite file, a tfjs graph model's model.json (its weight shards read from the same folder; inputs and outputs NHWC, as the model declares them), or a built-in model: ${BUILTIN_MODEL_NAMES.join(', ')}.`;

/** --input name=file.npy; a model with one input also takes --input file.npy. */
function readInputs(args: ParsedCommand, graph: Graph, command: string): Record<string, Tensor> {
  const raw = stringValues(args, 'input');
  if (raw.length === 0) throw new SegwgpuError(`${command}: no --input given (model inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
  const inputs: Record<string, Tensor> = {};
  for (const item of raw) {
    const eq = item.indexOf('=');
    const [name, file] = eq > 0 && graph.inputs.some((i) => i.name === item.slice(0, eq)) ? [item.slice(0, eq), item.slice(eq + 1)] : [graph.inputs.length === 1 ? graph.inputs[0].name : '', item];
    if (!name) throw new SegwgpuError(`${command}: --input '${item}' does not name a model input (inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
    try {
      inputs[name] = readNpy(readInputFile(file, `input file for '${name}'`));
    } catch (e) {
      throw new SegwgpuError(`input '${name}' (${file}): ${(e as Error).message}`);
    }
  }
  return inputs;
}

function inputShapesOf(args: ParsedCommand, command: string): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const [name, text] of namedValues(args, 'input-shape', command)) shapes[name] = parseShape(text, `--input-shape ${name}`);
  return shapes;
}

/** --winograd: the plan option (src/plan/plan.ts PlanOptions.winograd). */
function winogradOf(args: ParsedCommand, command: string): 'auto' | 'off' | 2 | 4 {
  const mode = choiceValue(args, 'winograd', ['auto', 'off', '2', '4'], 'auto', command);
  return mode === '2' ? 2 : mode === '4' ? 4 : mode;
}

function shapesOfInputs(inputs: Record<string, Tensor>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape]));
}

export const RUN: CommandSpec = {
  name: 'run',
  brief: 'run a model on .npy inputs, write its outputs as .npy',
  positionals: MODEL_ARGUMENT,
  positionalCount: 1,
  summary: 'Runs a model on .npy inputs and writes every graph output as <dir>/<output>.npy (all files or none).',
  options: {
    input: { type: 'string', multiple: true, value: 'NAME=FILE.npy', help: 'an input tensor; a model with one input also takes FILE.npy alone' },
    'output-dir': { type: 'string', value: 'DIR', help: 'where the outputs go (required)' },
    backend: { type: 'string', value: 'webgpu|wasm|cpu', help: "the GPU plan (default), the model exported to ONNX on onnxruntime-web's wasm EP, or the CPU reference" },
    winograd: { type: 'string', value: 'auto|off|2|4', help: "3x3 stride-1 convs: Winograd by the adapter's rule (auto, the default), direct only (off), or F(2x2) / F(4x4) forced" },
    tile: { type: 'string', value: 'HxW|auto|off', help: "overlap-tile inference: auto (the default) tiles an input too large for one plan; HxW forces a tile core of H rows and W columns; off never tiles" },
    'tile-border': { type: 'string', value: 'zero|mirror', help: "tiles at the image border: the model's own zero padding (the default; the whole-image result), or mirrored context (the U-Net paper's)" },
    'tile-approximate': { type: 'boolean', help: 'tile a model with global ops (GlobalAveragePool...) anyway: each tile then sees only itself' },
    'memory-budget': { type: 'string', value: 'BYTES', help: 'the most activation memory one plan may take (K, M, G: KiB, MiB, GiB); with --tile auto, larger inputs are tiled' },
  },
  notes: `${MODEL_NOTE}\nOutput names outside [A-Za-z0-9._-] become '_'; integer outputs are int64.\nTiling (webgpu and cpu backends): tiles overlap by the model's receptive field, so a fully convolutional model gives its whole-image output; models with global ops are refused unless --tile-approximate.`,
};

/** --tile, --tile-border, --tile-approximate and --memory-budget: the tiling options (src/tiling/run-tiled.ts). */
function tileOptionsOf(args: ParsedCommand, command: string): TileOptions {
  const raw = stringValue(args, 'tile') ?? 'auto';
  let tile: TileOptions['tile'];
  if (raw === 'auto') tile = 'auto';
  else if (raw === 'off') tile = false;
  else {
    const m = /^(\d+)x(\d+)$/.exec(raw);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new SegwgpuError(`${command}: --tile must be HxW (a tile core of H rows and W columns, whole numbers >= 1, e.g. 256x256), auto or off, got '${raw}'`);
    tile = { height: Number(m[1]), width: Number(m[2]) };
  }
  const border = choiceValue(args, 'tile-border', ['zero', 'mirror'], 'zero', command);
  const budget = stringValue(args, 'memory-budget');
  let memoryBudget: number | undefined;
  if (budget !== undefined) {
    const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(budget);
    memoryBudget = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
    if (!(memoryBudget >= 1)) throw new SegwgpuError(`${command}: --memory-budget must be a number of bytes, optionally with K, M or G (KiB, MiB, GiB), e.g. 512M; got '${budget}'`);
    memoryBudget = Math.floor(memoryBudget);
  }
  return { tile, border, approximate: booleanValue(args, 'tile-approximate'), ...(memoryBudget !== undefined && { memoryBudget }) };
}

/** What a segmented run did, in one line: where the nodes ran and what was read back. */
export function segmentsLine(r: SegmentedReport): string {
  const total = (tally: Readonly<Record<string, number>>) => Object.values(tally).reduce((a, b) => a + b, 0);
  const list = (tally: Readonly<Record<string, number>>) =>
    Object.entries(tally)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
  return (
    `run in ${r.segments} GPU segments split at host nodes: ${total(r.gpuNodes)} nodes on the GPU, ` +
    `${total(r.hostNodes)} on the host (${list(r.hostNodes) || 'none'}), ${total(r.foldedNodes)} folded from known values; ` +
    `${r.readbacks} values read back (${r.readbackBytes} bytes)`
  );
}

/** One line on what tiling did (for run's report). */
function tilingLine(tiling: TilingDecision): string | undefined {
  return tiling.tiled ? `tiled: ${tiling.reason}; largest tile arena ${tiling.peakBytes} bytes` : undefined;
}

export async function runModel(args: ParsedCommand): Promise<number> {
  const outDir = stringValue(args, 'output-dir');
  if (!outDir) throw new SegwgpuError('run: --output-dir is required');
  const backend = choiceValue(args, 'backend', ['webgpu', 'wasm', 'cpu'], 'webgpu', 'run');
  const winograd = winogradOf(args, 'run');
  const tiling = tileOptionsOf(args, 'run');
  const tilingAsked = tiling.tile !== 'auto' || tiling.border !== 'zero' || tiling.approximate === true || tiling.memoryBudget !== undefined;
  if (backend === 'wasm' && tilingAsked && tiling.tile !== false) throw new SegwgpuError('run: --tile, --tile-border, --tile-approximate and --memory-budget need --backend webgpu or cpu');
  const graph = await loadModel(args.positionals[0]!);
  const inputs = readInputs(args, graph, 'run');
  let outputs: Record<string, Tensor>;
  const t0 = performance.now();
  // Tiles as they are stitched in, on a terminal (as segment's progress line).
  const onTile = process.stderr.isTTY ? (p: TileProgress) => process.stderr.write(`\r\x1b[2Ksegwgpu: tile ${p.index} of ${p.total}${p.index === p.total ? '\r\x1b[2K' : ''}`) : undefined;
  if (backend === 'cpu') {
    const run = await runTiledCpu(graph, inputs, { ...tiling, onTile });
    outputs = run.outputs;
    console.log(`backend: cpu (reference), ${(performance.now() - t0).toFixed(1)} ms`);
    const line = tilingLine(run.tiling);
    if (line) console.log(line);
  } else if (backend === 'wasm') {
    const run = await runGraphWasm(graph, inputs);
    outputs = run.outputs;
    console.log(`backend: wasm (${run.engine}), session ${run.sessionMs.toFixed(1)} ms, run ${run.runMs.toFixed(1)} ms`);
  } else {
    const ctx = await nodeGpuContext();
    console.log(`adapter: ${ctx.adapterName}`);
    const run = await runTiled(ctx, graph, inputs, { ...tiling, winograd, onTile });
    outputs = run.outputs;
    const line = tilingLine(run.tiling);
    if (run.segments) console.log(`plan and run ${(performance.now() - t0).toFixed(1)} ms; ${segmentsLine(run.segments)}`);
    else console.log(line ?? `plan and run ${(performance.now() - t0).toFixed(1)} ms; ${run.tiling.reason}`);
  }
  const entries = Object.entries(outputs);
  const stems = outputFileStems(entries.map(([name]) => name));
  const files = entries.map(([name, t], i) => ({ path: join(outDir, `${stems[i]}.npy`), bytes: writeNpy(t), name, t }));
  writeFilesAtomically(files);
  for (const f of files) {
    // The output's own name where the file name is not it (sanitised, shortened, made distinct).
    const named = basename(f.path, '.npy') === f.name ? '' : ` (output '${f.name}')`;
    console.log(`wrote ${f.path}${named}  ${f.t.dtype === 'float32' ? 'float32' : 'int64'} [${f.t.shape.join('x')}]`);
  }
  return 0;
}

/** segment's output for a detection model: the instances drawn (or as the foreground of blur/replace), their map and a JSON list. */
function writeInstances(all: readonly Instance[], image: RgbaImage, replacement: RgbaImage | undefined, effect: string, out: string, minScore: number): number {
  const { width, height } = image;
  const instances = all.filter((i) => i.score >= minScore);
  let picture: Uint8ClampedArray;
  if (effect === 'mask') {
    picture = drawInstances(image.data, instances, width, height);
  } else {
    // Every instance kept is foreground: the most confident mask per pixel.
    const foreground = new Float32Array(width * height);
    for (const i of instances) i.mask?.forEach((v, p) => (foreground[p] = Math.max(foreground[p]!, v)));
    const background = replacement ? coverRgba(replacement.data, replacement.width, replacement.height, width, height) : blurRgba(image.data, width, height, Math.max(4, Math.round(Math.min(width, height) / 60)));
    picture = blendByConfidence(image.data, background, foreground);
  }
  const maskPath = out.replace(/\.png$/i, '.mask.png');
  const jsonPath = out.replace(/\.png$/i, '.instances.json');
  const listed = instances.map((i) => ({ box: i.box, label: i.label, labelName: i.labelName, score: i.score }));
  writeFilesAtomically([
    { path: out, bytes: encodeRgbaPng({ width, height, data: picture }) },
    { path: maskPath, bytes: encodeRgbaPng({ width, height, data: colorizeCategories(instanceMapOf(instances, width, height), width, height) }) },
    { path: jsonPath, bytes: new TextEncoder().encode(`${JSON.stringify({ width, height, minScore, instances: listed }, null, 2)}\n`) },
  ]);
  console.log(`instances: ${instances.length} scoring >= ${minScore} (of ${all.length} detections)`);
  for (const i of instances) console.log(`  ${i.labelName} (label ${i.label}) score ${i.score.toFixed(4)} box [${i.box.map((v) => v.toFixed(1)).join(', ')}]`);
  console.log(`wrote ${out} (${effect === 'mask' ? 'instances drawn' : effect.startsWith('replace') ? 'background replaced' : 'background blurred'}), ${maskPath} (one colour per instance) and ${jsonPath}, ${width}x${height}`);
  return 0;
}

function formatComparison(label: string, c: OutputComparison): string {
  if (!c.shapeMatches) return `${label}: SHAPE MISMATCH`;
  const agree = c.argmaxAgreement !== undefined ? `, argmax agrees on ${(100 * c.argmaxAgreement).toFixed(2)}% of pixels` : '';
  return `${label}: max abs error ${c.maxAbsError.toExponential(3)}, max rel error ${c.maxRelError.toExponential(3)} (of magnitude ${c.magnitude.toPrecision(4)}) at [${c.worstAt.join(', ')}]${agree} -> ${c.withinTolerance ? 'ok' : 'OUT OF TOLERANCE'}`;
}

export const VALIDATE: CommandSpec = {
  name: 'validate',
  brief: 'compare the GPU with the CPU reference (and with expected .npy files)',
  positionals: MODEL_ARGUMENT,
  positionalCount: 1,
  summary: 'Runs the GPU plan and the CPU reference on the same inputs and compares them (and both with --expected files).',
  options: {
    input: { type: 'string', multiple: true, value: 'NAME=FILE.npy', help: 'an input tensor; a model with one input also takes FILE.npy alone' },
    expected: { type: 'string', multiple: true, value: 'OUTPUT=FILE.npy', help: 'expected values of a graph output (from PyTorch, say)' },
    atol: { type: 'string', value: 'A', help: 'absolute tolerance (default 1e-4)' },
    rtol: { type: 'string', value: 'R', help: "tolerance relative to the output's magnitude (default 1e-3)" },
    'per-node': { type: 'boolean', help: 'also name the first node whose GPU output leaves the tolerance' },
    winograd: { type: 'string', value: 'auto|off|2|4', help: "3x3 stride-1 convs: Winograd by the adapter's rule (auto, the default), direct only (off), or F(2x2) / F(4x4) forced" },
  },
  notes: `${MODEL_NOTE}\nWithin tolerance: max |a - b| <= atol + rtol x max |reference|. Exit 0 within, 1 outside, 2 on bad input.`,
};

export async function runValidate(args: ParsedCommand): Promise<number> {
  const tolerance = { atol: numberValue(args, 'atol', 1e-4, 'validate'), rtol: numberValue(args, 'rtol', 1e-3, 'validate') };
  const graph = await loadModel(args.positionals[0]!);
  const inputs = readInputs(args, graph, 'validate');
  const expected = new Map<string, Tensor>();
  for (const [name, file] of namedValues(args, 'expected', 'validate')) {
    if (!graph.outputs.includes(name)) throw new SegwgpuError(`validate: --expected ${name}: not an output of the model (outputs: ${graph.outputs.join(', ')})`);
    try {
      expected.set(name, readNpy(readInputFile(file, `expected file for '${name}'`)));
    } catch (e) {
      throw new SegwgpuError(`expected '${name}' (${file}): ${(e as Error).message}`);
    }
  }
  const perNode = booleanValue(args, 'per-node');
  const winograd = winogradOf(args, 'validate');
  const keep = perNode ? ('all' as const) : undefined;
  const cpu = runGraphCpu(graph, inputs, { keepValues: keep });
  const ctx = await nodeGpuContext();
  console.log(`adapter: ${ctx.adapterName}`);
  console.log(`tolerance: max abs error <= ${tolerance.atol} + ${tolerance.rtol} x magnitude`);
  let plan: GraphPlan | undefined;
  let gpu: Record<string, Tensor>;
  try {
    plan = await planGraphAsync(ctx, graph, { inputShapes: shapesOfInputs(inputs), keepValues: keep, inputValues: inputs, winograd });
  } catch (e) {
    if (!needsSegments(e)) throw e;
    if (perNode) throw new SegwgpuError(`validate: --per-node compares the nodes of one GPU plan; this model runs in GPU segments split at host nodes (${(e as Error).message}). Validate it without --per-node`);
  }
  if (plan) {
    const planned = plan;
    const wanted = perNode ? planned.nodes.flatMap((n) => n.node.outputs.filter((o) => o !== '' && planned.readable.has(o))) : planned.graph.outputs;
    gpu = (await runPlan(planned, inputs, { outputs: [...new Set([...wanted, ...planned.graph.outputs])] })).outputs;
  } else {
    const segmented = new SegmentedRunner(ctx, graph, { winograd });
    try {
      gpu = await segmented.run(inputs);
      console.log(segmentsLine(segmented.lastReport!));
    } finally {
      segmented.destroy();
    }
  }
  let ok = true;
  if (perNode && plan) {
    let reported = false;
    for (const n of plan.nodes) {
      for (const o of n.node.outputs) {
        if (o === '' || !gpu[o] || !cpu[o]) continue;
        const c = compareOutputs(gpu[o], cpu[o], tolerance);
        if (!c.withinTolerance && !reported) {
          console.log(`first node out of tolerance: '${n.node.name}' (${n.node.opType}), ${formatComparison(`output '${o}'`, c)}`);
          reported = true;
        }
      }
    }
    if (!reported) console.log(`per-node: all ${plan.nodes.length} nodes within tolerance`);
  }
  for (const name of graph.outputs) {
    const c = compareOutputs(gpu[name], cpu[name], tolerance);
    console.log(formatComparison(`output '${name}' webgpu vs cpu`, c));
    ok &&= c.withinTolerance;
    const e = expected.get(name);
    if (e) {
      for (const [label, t] of [['webgpu', gpu[name]], ['cpu', cpu[name]]] as const) {
        const ce = compareOutputs(t, e, tolerance);
        console.log(formatComparison(`output '${name}' ${label} vs expected`, ce));
        ok &&= ce.withinTolerance;
      }
    }
  }
  plan?.destroy();
  console.log(ok ? 'validate: all outputs within tolerance' : 'validate: FAILED (outputs out of tolerance above)');
  return ok ? 0 : 1;
}

function human(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export const INFO: CommandSpec = {
  name: 'info',
  brief: 'nodes, shapes, MACs, receptive fields, planned memory (no GPU needed)',
  positionals: MODEL_ARGUMENT,
  positionalCount: 1,
  summary: "Prints a model's nodes, shapes, parameters, MACs, receptive fields and output strides, the planned peak activation memory against its lower bound, and which kernels its convs and integer GEMMs take. Needs no GPU.",
  options: {
    'input-shape': { type: 'string', multiple: true, value: 'NAME=1x3xHxW', help: 'a shape for an input with symbolic dimensions' },
    winograd: { type: 'string', value: 'auto|off|2|4', help: "3x3 stride-1 convs: Winograd by the adapter's rule (auto, the default), direct only (off), or F(2x2) / F(4x4) forced" },
  },
  notes: MODEL_NOTE,
};

export async function runInfo(args: ParsedCommand): Promise<number> {
  const graph = await loadModel(args.positionals[0]!);
  // Planned as for a GPU adapter, with the WGSL language features of this machine's WebGPU.
  const packedDot4x8 = (await nodeWgslLanguageFeatures()).has(PACKED_DOT_FEATURE);
  const limits = { ...DEFAULT_LAYOUT_LIMITS, traits: { ...DEFAULT_LAYOUT_LIMITS.traits, packedDot4x8 } };
  const layout = layoutGraph(graph, { inputShapes: inputShapesOf(args, 'info'), winograd: winogradOf(args, 'info') }, limits);
  const { nodes, parameters, macs } = describeModel(layout);
  console.log(`model: ${graph.name} (opset ${graph.opset}), ${graph.nodes.length} nodes imported, ${layout.order.length} after passes`);
  for (const input of layout.graph.inputs) console.log(`input  ${input.name}: ${layout.values.get(input.name)!.dtype} [${layout.values.get(input.name)!.shape.join('x')}]`);
  for (const o of layout.graph.outputs) console.log(`output ${o}: ${layout.values.get(o)!.dtype} [${layout.values.get(o)!.shape.join('x')}]`);
  console.log('');
  console.log(`${'node'.padEnd(28)} ${'op'.padEnd(18)} ${'output'.padEnd(18)} ${'params'.padStart(10)} ${'MACs'.padStart(13)} ${'RF'.padStart(9)} ${'stride'.padStart(7)}`);
  for (const n of nodes) {
    const rf = n.receptiveField ? `${n.receptiveField[0]}x${n.receptiveField[1]}` : '-';
    const st = n.outputStride ? `${+n.outputStride[0].toFixed(3)}` + (n.outputStride[0] !== n.outputStride[1] ? `x${+n.outputStride[1].toFixed(3)}` : '') : '-';
    console.log(`${n.name.slice(0, 28).padEnd(28)} ${n.opType.padEnd(18)} ${n.outputShape.join('x').padEnd(18)} ${String(n.parameters).padStart(10)} ${String(n.macs).padStart(13)} ${rf.padStart(9)} ${st.padStart(7)}`);
  }
  console.log('');
  console.log(`parameters: ${parameters}`);
  console.log(`MACs: ${macs} (${(macs / 1e9).toFixed(3)} G)`);
  const { peakBytes, lowerBoundBytes } = layout.memory;
  console.log(`planned peak activation memory: ${human(peakBytes)} (${peakBytes} bytes); lower bound ${human(lowerBoundBytes)} (${lowerBoundBytes} bytes); ratio ${(peakBytes / Math.max(1, lowerBoundBytes)).toFixed(3)}`);
  console.log(`precision: ${precisionOf(layout.order)}`);
  console.log(`convolution: ${convolutionOf(layout.lowerings)}`);
  console.log(`integer dot: ${integerDotOf(integerDotUse(layout), packedDot4x8)}`);
  return 0;
}

/** Which kernels the integer GEMMs take (src/ops/integer-dot.ts): packed dot or scalar. */
function integerDotOf(use: IntegerDotUse, packedDot4x8: boolean): string {
  const total = use.packed + use.scalar;
  if (total === 0) return 'no ConvInteger, QLinearConv or MatMulInteger nodes';
  const kinds = [`${use.packed} dot4U8Packed (${PACKED_DOT_FEATURE})`, `${use.scalar} scalar`];
  const why = !packedDot4x8
    ? `; this machine's WebGPU lacks ${PACKED_DOT_FEATURE}`
    : use.packedConvs > 0
      ? '; on CPU-like adapters (SwiftShader) the convs take the scalar kernels, which are faster there'
      : '';
  return `${total} ConvInteger/QLinearConv/MatMulInteger node${total > 1 ? 's' : ''}: ${kinds.join(', ')}${why}`;
}

/** How the plan computes its Convs: how many take a Winograd transform (src/ops/conv-winograd.ts). */
function convolutionOf(lowerings: readonly { node: { opType: string }; lowering: GpuLowering }[]): string {
  const convs = lowerings.filter((l) => l.node.opType === 'Conv');
  if (convs.length === 0) return 'no Conv nodes';
  const tileOf = (l: GpuLowering) => l.steps.map((st) => /^winogradInput\[m=(\d)\]/.exec(st.kernel.name)?.[1]).find((m) => m !== undefined);
  const counts = new Map<string, number>();
  for (const c of convs) {
    const m = tileOf(c.lowering);
    if (m) counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  const winograd = [...counts].map(([m, n]) => `${n} Winograd F(${m}x${m},3x3)`);
  const direct = convs.length - [...counts.values()].reduce((a, b) => a + b, 0);
  return `${convs.length} Conv node${convs.length > 1 ? 's' : ''}: ${[...winograd, `${direct} direct`].join(', ')}`;
}

/** Which arithmetic a plan uses: float32 throughout, with half-precision rounding where an fp16 graph casts. */
function precisionOf(nodes: readonly { opType: string; attributes: Readonly<Record<string, unknown>> }[]): string {
  const halfCasts = nodes.filter((n) => n.opType === 'Cast' && n.attributes.to === 10).length;
  if (halfCasts === 0) return 'float32';
  return `float32 compute and storage; ${halfCasts} Cast${halfCasts > 1 ? 's' : ''} to FLOAT16 round values to half precision there (an fp16 graph as onnxruntime's CPU EP runs it; no shader-f16 path yet)`;
}

export const ADAPTER: CommandSpec = {
  name: 'adapter',
  brief: 'the WebGPU adapter found here',
  positionals: '',
  positionalCount: 0,
  summary: 'Prints the WebGPU adapter segwgpu finds here and its limits; exits 2 with what to install when there is none.',
  options: {},
};

export async function runAdapter(): Promise<number> {
  const ctx = await nodeGpuContext();
  console.log(`adapter: ${ctx.adapterName}`);
  console.log(`cpu-like: ${ctx.traits.cpuLike}, maxStorageBufferBindingSize ${ctx.maxStorageBufferBindingSize}, maxComputeWorkgroupsPerDimension ${ctx.maxWorkgroupsPerDimension}, timestamp queries ${ctx.hasTimestampQuery}`);
  return 0;
}

export const SEGMENT: CommandSpec = {
  name: 'segment',
  brief: 'segment a photo: overlay, blurred or replaced background, and the mask',
  positionals: '<image.png|jpg>',
  positionalCount: 1,
  summary: "Segments a photo at its own resolution (pre- and post-processing inside the plan) and writes --out (the mask overlaid, or the background blurred or replaced) and <out>.mask.png.",
  options: {
    model: { type: 'string', value: 'MODEL', help: `a built-in model (${BUILTIN_MODEL_NAMES.join(', ')}; default ${DEFAULT_MODEL}), a .onnx/.tflite file or a tfjs model.json` },
    out: { type: 'string', value: 'FILE.png', help: 'the picture to write (required); the mask goes to FILE.mask.png' },
    effect: { type: 'string', value: 'mask|blur|replace=IMAGE', help: 'overlay the mask (default), blur the background, or replace it with IMAGE' },
    backend: { type: 'string', value: 'auto|webgpu|wasm|cpu', help: "segwgpu's WebGPU kernels (default); onnxruntime-web's wasm EP (npm install onnxruntime-web); auto: WebGPU on a hardware adapter, else wasm; or the CPU reference" },
    mean: { type: 'string', value: 'R,G,B', help: "a model file's normalisation mean, on pixels scaled to [0, 1] (default ImageNet's)" },
    std: { type: 'string', value: 'R,G,B', help: "a model file's normalisation std (default ImageNet's)" },
    'output-kind': { type: 'string', value: 'logits|probability|instances', help: "what a model file outputs (default logits; instances for a detection model, told by its outputs)" },
    'min-score': { type: 'string', value: 'S', help: 'a detection model: the instances drawn and listed, those scoring >= S (default 0.5)' },
  },
  notes:
    'A model file that is a built-in model (MediaPipe\'s .tflite) is recognised by its bytes and gets its settings.\n' +
    "A detection model (outputs boxes, labels, scores, masks: torchvision's Mask R-CNN) draws each instance in its own colour with its box, writes <out>.mask.png (the instances, one colour each) and <out>.instances.json (boxes, labels, scores).\n" +
    'JPEG EXIF orientation is honoured. Progress shows on a terminal only.',
};

export async function runSegment(args: ParsedCommand): Promise<number> {
  const out = stringValue(args, 'out');
  if (!out) throw new SegwgpuError('segment: --out <file.png> is required');
  if (!/\.png$/i.test(out)) throw new SegwgpuError(`segment: --out must name a .png file, got '${out}'`);
  const backend = choiceValue(args, 'backend', BACKEND_REQUESTS, 'webgpu', 'segment');
  const effect = stringValue(args, 'effect') ?? 'mask';
  if (effect !== 'mask' && effect !== 'blur' && !effect.startsWith('replace=')) {
    throw new SegwgpuError(`segment: --effect must be mask, blur or replace=<image>, got '${effect}'`);
  }
  const outputKind = stringValue(args, 'output-kind') === undefined ? undefined : choiceValue(args, 'output-kind', ['logits', 'probability', 'instances'], 'logits', 'segment');
  const minScore = numberValue(args, 'min-score', 0.5, 'segment');
  // Read every input before any GPU work, so a bad file fails fast and writes nothing.
  const image = readImageFile(args.positionals[0]!);
  const replacement = effect.startsWith('replace=') ? readImageFile(effect.slice('replace='.length)) : undefined;
  const modelName = stringValue(args, 'model') ?? DEFAULT_MODEL;
  const mean = tripleValue(args, 'mean', 'segment');
  const std = tripleValue(args, 'std', 'segment');
  const progress = progressLine();
  let firstRunAt = 0;
  const t0 = performance.now();
  const seg = await Segmenter.create({
    // A path is read by resolveModel, which names the graph after the file.
    model: modelName,
    backend,
    ...(mean && { mean }),
    ...(std && { std }),
    ...(outputKind && { output: outputKind }),
    onProgress: (p) => {
      if (p.phase === 'first-run') firstRunAt = performance.now();
      progress.onProgress?.(p);
    },
  });
  let result;
  try {
    result = await seg.segment(image);
  } finally {
    progress.done();
    seg.close();
  }
  const t1 = performance.now();
  const { width, height } = image;
  console.log(seg.backend === 'cpu' ? 'backend: cpu (reference)' : seg.backend === 'wasm' ? `backend: wasm (${seg.adapterName})` : `adapter: ${seg.adapterName}`);
  if (backend === 'auto') console.log(`backend chosen by ${seg.backendReason}`);
  console.log(`model: ${seg.model.builtin ?? seg.model.graph.name}; load and plan ${(firstRunAt - t0).toFixed(0)} ms, run ${(t1 - firstRunAt).toFixed(0)} ms (image ${width}x${height})`);
  if (result.instances) return writeInstances(result.instances, image, replacement, effect, out, minScore);
  const category = result.categoryMask!;
  const probability = seg.model.output === 'probability';
  // A probability model's foreground is its own mask; for class scores, every class but class 0.
  const foreground = probability ? result.confidenceMasks![1]! : Float32Array.from(category, (k) => (k === 0 ? 0 : 1));
  let picture: Uint8ClampedArray;
  if (effect === 'blur') picture = blendByConfidence(image.data, blurRgba(image.data, width, height, Math.max(4, Math.round(Math.min(width, height) / 60))), foreground);
  else if (replacement) picture = blendByConfidence(image.data, coverRgba(replacement.data, replacement.width, replacement.height, width, height), foreground);
  else picture = overlayCategories(image.data, category, width, height);
  const maskPath = out.replace(/\.png$/i, '.mask.png');
  const maskPng = probability ? encodeGrayPng(width, height, confidenceToGray(foreground)) : encodeRgbaPng({ width, height, data: colorizeCategories(category, width, height) });
  writeFilesAtomically([
    { path: out, bytes: encodeRgbaPng({ width, height, data: picture }) },
    { path: maskPath, bytes: maskPng },
  ]);
  const share = foreground.reduce((sum, v) => sum + (v > 0.5 ? 1 : 0), 0) / foreground.length;
  const label = probability ? result.labels[1] : 'not class 0';
  console.log(`foreground (${label}): ${(100 * share).toFixed(1)}% of pixels`);
  console.log(`wrote ${out} (${effect === 'mask' ? 'overlay' : effect.startsWith('replace') ? 'background replaced' : 'background blurred'}) and ${maskPath} (${probability ? 'confidence' : 'category'} mask), ${width}x${height}`);
  return 0;
}
