/** The CLI's commands. Every user error is thrown as SegwgpuError before any GPU work or file write. */
import { join } from 'node:path';
import { SegwgpuError } from '../errors.js';
import type { Shape, Tensor } from '../tensor.js';
import type { Graph } from '../ir/graph.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { nodeGpuContext } from '../node/gpu.js';
import { readInputFile, safeFileName, writeFilesAtomically } from '../node/files.js';
import { loadModelFile } from '../node/model-file.js';
import { planGraphAsync, layoutGraph } from '../plan/plan.js';
import { runPlan } from '../exec/gpu.js';
import { runGraphCpu } from '../exec/cpu.js';
import { compareOutputs, type OutputComparison } from '../validate/compare.js';
import { describeModel } from '../analysis/model-info.js';
import { allShaderNames, preloadShaders } from '../gpu/shaders.js';
import { BUILTIN_MODELS, DEFAULT_MODEL } from '../api/builtin-models.js';
import { resolveModel } from '../api/models.js';
import { blendByConfidence, blurRgba, confidenceToGray, coverRgba } from '../segment/effects.js';
import { readImageFile, encodeGrayPng, encodeRgbaPng } from '../node/image.js';
import { wrapForSegmentation, WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../segment/wrap.js';
import { colorizeCategories, overlayCategories } from '../segment/images.js';
import { alignedRowWords, packRgba } from '../segment/pack.js';
import { namedValues, numberFlag, parseArgs, parseShape, single, type ParsedArgs } from './args.js';

function modelPath(args: ParsedArgs, command: string): string {
  if (args.positional.length !== 1) throw new SegwgpuError(`segwgpu ${command}: expected one model file, got ${args.positional.length ? args.positional.join(' ') : 'none'}`);
  return args.positional[0];
}

/** --input name=file.npy; a model with one input also takes --input file.npy. */
function readInputs(args: ParsedArgs, graph: Graph, command: string): Record<string, Tensor> {
  const raw = args.values.get('--input') ?? [];
  if (raw.length === 0) throw new SegwgpuError(`segwgpu ${command}: no --input given (model inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
  const inputs: Record<string, Tensor> = {};
  for (const item of raw) {
    const eq = item.indexOf('=');
    const [name, file] = eq > 0 && graph.inputs.some((i) => i.name === item.slice(0, eq)) ? [item.slice(0, eq), item.slice(eq + 1)] : [graph.inputs.length === 1 ? graph.inputs[0].name : '', item];
    if (!name) throw new SegwgpuError(`segwgpu ${command}: --input '${item}' does not name a model input (inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
    try {
      inputs[name] = readNpy(readInputFile(file, `input file for '${name}'`));
    } catch (e) {
      throw new SegwgpuError(`input '${name}' (${file}): ${(e as Error).message}`);
    }
  }
  return inputs;
}

function inputShapesOf(args: ParsedArgs, command: string): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const [name, text] of namedValues(args, '--input-shape', command)) shapes[name] = parseShape(text, `--input-shape ${name}`);
  return shapes;
}

function shapesOfInputs(inputs: Record<string, Tensor>): Record<string, Shape> {
  return Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape]));
}

export async function runModel(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--input', '--output-dir', '--backend'], switches: [] }, 'run');
  const path = modelPath(args, 'run');
  const outDir = single(args, '--output-dir');
  if (!outDir) throw new SegwgpuError('segwgpu run: --output-dir is required');
  const backend = single(args, '--backend') ?? 'webgpu';
  if (backend !== 'webgpu' && backend !== 'cpu') throw new SegwgpuError(`segwgpu run: --backend must be webgpu or cpu, got '${backend}'`);
  const graph = loadModelFile(path);
  const inputs = readInputs(args, graph, 'run');
  let outputs: Record<string, Tensor>;
  const t0 = performance.now();
  if (backend === 'cpu') {
    outputs = runGraphCpu(graph, inputs);
    console.log(`backend: cpu (reference), ${(performance.now() - t0).toFixed(1)} ms`);
  } else {
    const ctx = await nodeGpuContext();
    const plan = await planGraphAsync(ctx, graph, { inputShapes: shapesOfInputs(inputs) });
    const t1 = performance.now();
    outputs = (await runPlan(plan, inputs)).outputs;
    const t2 = performance.now();
    console.log(`adapter: ${ctx.adapterName}`);
    console.log(`plan ${(t1 - t0).toFixed(1)} ms, first run ${(t2 - t1).toFixed(1)} ms; arena ${plan.peakBytes} bytes (lower bound ${plan.lowerBoundBytes})`);
    plan.destroy();
  }
  const files = Object.entries(outputs).map(([name, t]) => ({ path: join(outDir, `${safeFileName(name)}.npy`), bytes: writeNpy(t), name, t }));
  writeFilesAtomically(files);
  for (const f of files) console.log(`wrote ${f.path}  ${f.t.dtype === 'float32' ? 'float32' : 'int64'} [${f.t.shape.join('x')}]`);
  return 0;
}

function formatComparison(label: string, c: OutputComparison): string {
  if (!c.shapeMatches) return `${label}: SHAPE MISMATCH`;
  const agree = c.argmaxAgreement !== undefined ? `, argmax agrees on ${(100 * c.argmaxAgreement).toFixed(2)}% of pixels` : '';
  return `${label}: max abs error ${c.maxAbsError.toExponential(3)}, max rel error ${c.maxRelError.toExponential(3)} (of magnitude ${c.magnitude.toPrecision(4)}) at [${c.worstAt.join(', ')}]${agree} -> ${c.withinTolerance ? 'ok' : 'OUT OF TOLERANCE'}`;
}

export async function runValidate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--input', '--expected', '--atol', '--rtol'], switches: ['--per-node'] }, 'validate');
  const path = modelPath(args, 'validate');
  const tolerance = { atol: numberFlag(args, '--atol', 1e-4, 'validate'), rtol: numberFlag(args, '--rtol', 1e-3, 'validate') };
  const graph = loadModelFile(path);
  const inputs = readInputs(args, graph, 'validate');
  const expected = new Map<string, Tensor>();
  for (const [name, file] of namedValues(args, '--expected', 'validate')) {
    if (!graph.outputs.includes(name)) throw new SegwgpuError(`--expected ${name}: not an output of the model (outputs: ${graph.outputs.join(', ')})`);
    try {
      expected.set(name, readNpy(readInputFile(file, `expected file for '${name}'`)));
    } catch (e) {
      throw new SegwgpuError(`expected '${name}' (${file}): ${(e as Error).message}`);
    }
  }
  const perNode = args.switches.has('--per-node');
  const keep = perNode ? ('all' as const) : undefined;
  const cpu = runGraphCpu(graph, inputs, { keepValues: keep });
  const ctx = await nodeGpuContext();
  console.log(`adapter: ${ctx.adapterName}`);
  console.log(`tolerance: max abs error <= ${tolerance.atol} + ${tolerance.rtol} x magnitude`);
  const plan = await planGraphAsync(ctx, graph, { inputShapes: shapesOfInputs(inputs), keepValues: keep });
  const wanted = perNode ? plan.nodes.flatMap((n) => n.node.outputs.filter((o) => o !== '' && plan.readable.has(o))) : plan.graph.outputs;
  const gpu = (await runPlan(plan, inputs, { outputs: [...new Set([...wanted, ...plan.graph.outputs])] })).outputs;
  let ok = true;
  if (perNode) {
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
  plan.destroy();
  console.log(ok ? 'validate: all outputs within tolerance' : 'validate: FAILED (outputs out of tolerance above)');
  return ok ? 0 : 1;
}

function human(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export async function runInfo(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--input-shape'], switches: [] }, 'info');
  const graph = loadModelFile(modelPath(args, 'info'));
  // No GPU here: the layout only needs the kernels' sources to size their scratch buffers.
  await preloadShaders(await allShaderNames());
  const layout = layoutGraph(graph, { inputShapes: inputShapesOf(args, 'info') });
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
  return 0;
}

export async function runAdapter(): Promise<number> {
  const ctx = await nodeGpuContext();
  console.log(`adapter: ${ctx.adapterName}`);
  console.log(`cpu-like: ${ctx.traits.cpuLike}, maxStorageBufferBindingSize ${ctx.maxStorageBufferBindingSize}, maxComputeWorkgroupsPerDimension ${ctx.maxWorkgroupsPerDimension}, timestamp queries ${ctx.hasTimestampQuery}`);
  return 0;
}

export async function runSegment(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--model', '--out', '--backend', '--mean', '--std', '--effect', '--output-kind'], switches: [] }, 'segment');
  if (args.positional.length !== 1) throw new SegwgpuError(`segwgpu segment: expected one image file, got ${args.positional.length ? args.positional.join(' ') : 'none'}`);
  const out = single(args, '--out');
  if (!out) throw new SegwgpuError('segwgpu segment: --out <file.png> is required');
  if (!/\.png$/i.test(out)) throw new SegwgpuError(`segwgpu segment: --out must name a .png file, got '${out}'`);
  const backend = single(args, '--backend') ?? 'webgpu';
  if (backend !== 'webgpu' && backend !== 'cpu') throw new SegwgpuError(`segwgpu segment: --backend must be webgpu or cpu, got '${backend}'`);
  const effect = single(args, '--effect') ?? 'mask';
  if (effect !== 'mask' && effect !== 'blur' && !effect.startsWith('replace=')) {
    throw new SegwgpuError(`segwgpu segment: --effect must be mask, blur or replace=<image>, got '${effect}'`);
  }
  const triple = (flag: string): [number, number, number] | undefined => {
    const raw = single(args, flag);
    if (raw === undefined) return undefined;
    const v = raw.split(',').map(Number);
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new SegwgpuError(`segwgpu segment: ${flag} takes three numbers like 0.485,0.456,0.406, got '${raw}'`);
    return v as [number, number, number];
  };
  const outputKind = single(args, '--output-kind');
  if (outputKind !== undefined && outputKind !== 'logits' && outputKind !== 'probability') throw new SegwgpuError(`segwgpu segment: --output-kind must be logits or probability, got '${outputKind}'`);
  // Read every input before any GPU work, so a bad file fails fast and writes nothing.
  const image = readImageFile(args.positional[0]);
  const replacement = effect.startsWith('replace=') ? readImageFile(effect.slice('replace='.length)) : undefined;
  const modelName = single(args, '--model') ?? DEFAULT_MODEL;
  const modelOptions = { mean: triple('--mean'), std: triple('--std'), output: outputKind as 'logits' | 'probability' | undefined };
  const model = BUILTIN_MODELS[modelName] ? await resolveModel(modelName) : await resolveModel(readInputFile(modelName, 'model file'), modelOptions);
  const rowWords = alignedRowWords(image.width);
  const wrapped = wrapForSegmentation(model.graph, { imageHeight: image.height, imageWidth: image.width, rowWords, mean: model.mean, std: model.std, output: model.output });
  const input = { [WRAPPED_IMAGE_INPUT]: packRgba(image.data, image.width, image.height, rowWords) };
  let outputs: Record<string, Tensor>;
  const t0 = performance.now();
  if (backend === 'cpu') {
    outputs = runGraphCpu(wrapped, input);
    console.log(`backend: cpu (reference), ${(performance.now() - t0).toFixed(0)} ms`);
  } else {
    const ctx = await nodeGpuContext();
    console.log(`adapter: ${ctx.adapterName}`);
    const plan = await planGraphAsync(ctx, wrapped, {});
    const t1 = performance.now();
    outputs = (await runPlan(plan, input)).outputs;
    const t2 = performance.now();
    outputs = (await runPlan(plan, input)).outputs;
    const t3 = performance.now();
    console.log(`model: ${model.graph.name}; plan ${(t1 - t0).toFixed(0)} ms, first run ${(t2 - t1).toFixed(0)} ms, warm run ${(t3 - t2).toFixed(0)} ms (image ${image.width}x${image.height})`);
    plan.destroy();
  }
  const { width, height } = image;
  const category = outputs[WRAPPED_CATEGORY].data as BigInt64Array;
  const confidence = outputs[WRAPPED_CONFIDENCE].data as Float32Array;
  const foreground = model.output === 'probability' ? confidence.subarray(0, width * height) : Float32Array.from(category, (k) => (k === 0n ? 0 : 1));
  let picture: Uint8ClampedArray;
  if (effect === 'blur') picture = blendByConfidence(image.data, blurRgba(image.data, width, height, Math.max(4, Math.round(Math.min(width, height) / 60))), foreground);
  else if (replacement) picture = blendByConfidence(image.data, coverRgba(replacement.data, replacement.width, replacement.height, width, height), foreground);
  else picture = overlayCategories(image.data, category, width, height);
  const maskPath = out.replace(/\.png$/i, '.mask.png');
  const maskPng =
    model.output === 'probability'
      ? encodeGrayPng(width, height, confidenceToGray(foreground))
      : encodeRgbaPng({ width, height, data: colorizeCategories(category, width, height) });
  writeFilesAtomically([
    { path: out, bytes: encodeRgbaPng({ width, height, data: picture }) },
    { path: maskPath, bytes: maskPng },
  ]);
  const share = foreground.reduce((s, v) => s + (v > 0.5 ? 1 : 0), 0) / foreground.length;
  console.log(`foreground: ${(100 * share).toFixed(1)}% of pixels`);
  console.log(`wrote ${out} (${effect === 'mask' ? 'overlay' : effect.startsWith('replace') ? 'background replaced' : 'background blurred'}) and ${maskPath} (${model.output === 'probability' ? 'confidence' : 'category'} mask), ${width}x${height}`);
  return 0;
}
