/**
 * The GPU plan: made once per model and input shape. It fixes the schedule, every tensor's arena
 * offset (buffers reused by lifetime), the constant buffers, and every pipeline, bind group and
 * uniform buffer. Running it (src/exec/gpu.ts) only uploads inputs, records one command encoder
 * and reads back the requested outputs.
 */
import { SegwgpuError, describeNode, showValue } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import type { ValueInfo } from '../ops/types.js';
import { runsAhead, type AdapterTraits, type BufferRef, type GpuLowering, type GpuStep, type IndexFault } from '../gpu/step.js';
import { getOp } from '../ops/registry.js';
import { copyStep } from '../ops/kit.js';
import { faultErrorOf, indexFaultBytes } from '../ops/index-fault.js';
import { optimizeForInputs, type PassOptions } from '../passes/index.js';
import { bufferBytes, createGpuBuffer, createStorageBuffer, toGpuWords } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/context.js';
import { prepareStep, recordStep, type PreparedStep } from '../gpu/encode.js';
import { withGpuErrors } from '../gpu/error-scopes.js';
import { reflectKernel } from '../gpu/kernel.js';
import { resolveInputShapes, type InferredGraph } from '../shapes/infer.js';
import { planMemory, type Lifetime, type MemoryPlan } from './memory.js';
import { sharedKernelTraits } from './kernel-sharing.js';

export interface PlanOptions extends PassOptions {
  /** Concrete shapes for inputs with symbolic dimensions (or to check fixed ones). */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
  /** Values to keep readable after a run besides the graph outputs (all of them for --per-node). */
  readonly keepValues?: readonly string[] | 'all';
  /**
   * Values of model inputs, for inputs that fix shapes (a Reshape's shape as a model input): the
   * plan is made for those values (the ones shape inference needs; the others are ignored), and
   * runs must give the same ones. The CLI passes every input it reads.
   */
  readonly inputValues?: Readonly<Record<string, Tensor>>;
  /**
   * Winograd convolution for 3x3 stride-1 convs (src/ops/conv-winograd.ts): 'auto' (the default)
   * follows pickWinogradTile's rule, 'off' keeps direct convolution, 2 or 4 force F(2x2) or
   * F(4x4) wherever the shape allows.
   */
  readonly winograd?: 'auto' | 'off' | 2 | 4;
}

export interface PlannedNode {
  readonly node: GraphNode;
  readonly steps: readonly PreparedStep[];
}

export interface ArenaValue {
  readonly info: ValueInfo;
  readonly offset: number;
  readonly bytes: number;
}

/** A node whose kernels check indices computed at run time (src/ops/index-fault.ts). */
export interface FaultSlot {
  readonly node: GraphNode;
  /** Where its fault record sits in the plan's fault buffer, in bytes. */
  readonly offset: number;
  /** The error its CPU reference raises for the fault its record holds. */
  readonly error: (fault: IndexFault) => SegwgpuError;
}

export interface GraphPlan {
  readonly ctx: GpuContext;
  /** The graph after passes, as planned. */
  readonly graph: Graph;
  readonly values: ReadonlyMap<string, ValueInfo>;
  readonly nodes: readonly PlannedNode[];
  readonly arena: GPUBuffer;
  readonly arenaValues: ReadonlyMap<string, ArenaValue>;
  readonly constants: ReadonlyMap<string, GPUBuffer>;
  readonly peakBytes: number;
  readonly lowerBoundBytes: number;
  readonly constantBytes: number;
  /** Values readable after a run. */
  readonly readable: ReadonlySet<string>;
  /** Model inputs the plan was made for the values of (they fix shapes): runs must give the same. */
  readonly plannedValues: ReadonlyMap<string, Tensor>;
  /**
   * The fault records of the nodes that check runtime indices, in execution order, in one buffer
   * that every run zeroes first and reads back with its outputs; absent when no node checks any.
   */
  readonly faults?: { readonly buffer: GPUBuffer; readonly slots: readonly FaultSlot[] };
  /** Hands the plan a buffer made for its runs (a reused readback buffer): destroyed with it. */
  adopt(buffer: GPUBuffer): void;
  destroy(): void;
}

/**
 * A step that reads one value through two bindings (Mul(x, x)) would bind one buffer range twice,
 * and every storage binding is writable (shaders/common.wgsl says why), which WebGPU refuses. The repeated
 * bindings read a scratch copy instead, made by a copy step just before. (Kernels that can read
 * the value through one binding avoid the copy: Conv's residual, see OpNode.inputs.)
 */
function separateRepeatedInputs(node: GraphNode, lowering: GpuLowering, inputs: readonly (ValueInfo | undefined)[]): GpuLowering {
  const temps = [...(lowering.temps ?? [])];
  const steps: GpuStep[] = [];
  for (const st of lowering.steps) {
    const seen = new Set<string>();
    const bindings: Record<string, BufferRef> = {};
    for (const [name, ref] of Object.entries(st.bindings)) {
      const value = 'input' in ref ? node.inputs[ref.input] : undefined;
      if (value === undefined || !seen.has(value)) {
        if (value !== undefined) seen.add(value);
        bindings[name] = ref;
        continue;
      }
      const { input } = ref as { input: number };
      const elements = sizeOf(inputs[input]!.shape);
      const temp = temps.length;
      temps.push(4 * elements);
      const copy = copyStep(elements, { input }, { temp }, `${node.name}: copy of '${value}' (read twice)`);
      if (copy) steps.push(copy);
      bindings[name] = { temp };
    }
    steps.push(seen.size === 0 || Object.keys(bindings).every((k) => bindings[k] === st.bindings[k]) ? st : { ...st, bindings });
  }
  return temps.length === (lowering.temps ?? []).length ? lowering : { ...lowering, temps, steps };
}

/** Adapter facts the layout depends on; defaults are WebGPU's guaranteed minimums. */
export interface LayoutLimits {
  readonly traits: AdapterTraits;
  readonly maxStorageBufferBindingSize: number;
  readonly minStorageBufferOffsetAlignment: number;
}

export const DEFAULT_LAYOUT_LIMITS: LayoutLimits = {
  traits: { cpuLike: false },
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  minStorageBufferOffsetAlignment: 256,
};

/** Everything a plan decides that needs no GPU: passes, shapes, lowerings, lifetimes, offsets. */
export interface GraphLayout {
  readonly graph: Graph;
  readonly order: readonly GraphNode[];
  readonly values: ReadonlyMap<string, ValueInfo>;
  /** What shape inference resolved per node (parsed attributes, geometry, all outputs). */
  readonly inferred: InferredGraph;
  /** Model inputs the plan was made for the values of (they fix shapes): runs must give the same. */
  readonly plannedValues: ReadonlyMap<string, Tensor>;
  readonly lowerings: readonly { node: GraphNode; lowering: GpuLowering; outputs: readonly ValueInfo[] }[];
  readonly lifetimes: readonly Lifetime[];
  readonly memory: MemoryPlan;
  readonly scratchInfo: ReadonlyMap<string, ValueInfo>;
  readonly readable: ReadonlySet<string>;
  /** Values written in place inside another (Concat inputs inside its output), by byte offset. */
  readonly aliases: ReadonlyMap<string, { base: string; byteOffset: number }>;
  /** Steps run once at plan time (they read only constants), and the scratch buffers they fill. */
  readonly hoisted: ReadonlySet<GpuStep>;
  readonly persistentTemps: ReadonlySet<string>;
  /** The nodes with an index fault record, in execution order, and the fault buffer's size. */
  readonly faults: readonly FaultSlot[];
  readonly faultBytes: number;
}

export function layoutGraph(source: Graph, options: PlanOptions = {}, limits: LayoutLimits = DEFAULT_LAYOUT_LIMITS): GraphLayout {
  // Everything that can fail on user input happens before the first GPU object is made.
  const inputShapes = resolveInputShapes(source, options.inputShapes);
  const { inferred, plannedValues } = optimizeForInputs(source, inputShapes, options, options.keepValues === 'all' ? [] : options.keepValues, options.inputValues);
  const { graph, order, values } = inferred;
  const keep = options.keepValues === 'all' ? [...values.keys()] : (options.keepValues ?? []);
  const readable = new Set<string>([...graph.outputs, ...keep].filter((v) => values.has(v)));

  const outputName = (node: GraphNode, i: number) => node.outputs[i] || `${node.name}#unused${i}`;
  const producedBy = new Map<string, GraphNode>();
  for (const node of order) for (const o of node.outputs) if (o !== '') producedBy.set(o, node);
  const aliases = new Map<string, { base: string; byteOffset: number }>();
  const traits: AdapterTraits = options.winograd === undefined || options.winograd === 'auto' ? limits.traits : { ...limits.traits, winograd: options.winograd };
  // Convs that can run on kernels the plan compiles anyway, rather than on a variant of their own.
  const nodeTraits = sharedKernelTraits(order, inferred.nodes, traits);
  const lowerings = order.map((node, step) => {
    const def = getOp(node);
    // All of the op's outputs, also those the node leaves unnamed (MaxPool's Indices): kernels write them.
    const { resolved, inputs, outputs } = inferred.nodes.get(node)!;
    const lowering = separateRepeatedInputs(node, def.gpu(resolved, inputs, outputs, nodeTraits.get(node) ?? traits, node), inputs);
    const offsets = def.inPlaceOffsets?.(resolved, inputs, outputs);
    const inPlace = offsets ? node.inputs.map((n, i) => canWriteInPlace(node, step, n, i, offsets[i])) : [];
    if (!inPlace.some((x) => x)) return { node, lowering, outputs };
    node.inputs.forEach((n, i) => inPlace[i] && aliases.set(n, { base: node.outputs[0], byteOffset: 4 * offsets![i] }));
    // A step reading just one input that is already in place would copy it onto itself.
    const steps = lowering.steps.filter((st) => {
      const read = Object.values(st.bindings).filter((r): r is { input: number } => 'input' in r);
      return !(read.length === 1 && inPlace[read[0].input]);
    });
    return { node, lowering: { ...lowering, steps }, outputs };
  });

  /**
   * A producer may write straight into a joining op's output when its value is made by a node of
   * this plan, joins nothing else, starts at a binding-aligned offset with a 16-byte-multiple size
   * (so no kernel's rounded tail reaches a neighbour), and is made by the step just before the join:
   * an earlier producer would keep the whole joined buffer alive from its step on (the U-Net skip
   * made at the top of the encoder), which costs more memory than the copy saves.
   */
  function canWriteInPlace(node: GraphNode, step: number, name: string, index: number, offset: number): boolean {
    const output = node.outputs[0];
    if (!output || aliases.has(output) || name === '' || aliases.has(name) || node.inputs.indexOf(name) !== index) return false;
    const producer = producedBy.get(name);
    if (!producer || order.indexOf(producer) !== step - 1) return false;
    if ([...aliases.values()].some((a) => a.base === name)) return false;
    const bytes = 4 * sizeOf(values.get(name)!.shape);
    return (4 * offset) % limits.minStorageBufferOffsetAlignment === 0 && bytes % 16 === 0;
  }

  // Steps that read only constants and write only scratch (weight repacking) run once, when the
  // plan is made; their scratch buffers then persist outside the arena.
  const hoisted = new Set<GpuStep>();
  const persistentTemps = new Set<string>();
  for (const { node, lowering } of lowerings) {
    const candidates = lowering.steps.filter((st) => {
      return runsAhead(st, (input) => graph.initializers.has(node.inputs[input]));
    });
    if (candidates.length === 0) continue;
    const made = new Set(candidates.flatMap((st) => Object.values(st.bindings).filter((r): r is { temp: number } => 'temp' in r).map((r) => r.temp)));
    // Only if no per-run step writes those buffers (assigns to the binding they are bound to).
    const writtenLater = lowering.steps.some((st) => {
      if (candidates.includes(st)) return false;
      const storage = reflectKernel(st.kernel).storage;
      return Object.entries(st.bindings).some(([name, r]) => 'temp' in r && made.has(r.temp) && storage.find((b) => b.name === name)?.written !== false);
    });
    if (writtenLater) continue;
    for (const st of candidates) hoisted.add(st);
    for (const t of made) persistentTemps.add(`${node.name}#temp${t}`);
  }

  // Lifetimes: inputs from the upload (-1), node outputs from their step, to their last reader.
  const lifetimes: Lifetime[] = [];
  const last = new Map<string, number>();
  order.forEach((node, step) => node.inputs.forEach((n) => n !== '' && last.set(n, step)));
  const end = order.length;
  const scratchInfo = new Map<string, ValueInfo>();
  const addValue = (name: string, first: number, info: ValueInfo) => {
    const bytes = bufferBytes(sizeOf(info.shape));
    if (4 * sizeOf(info.shape) > limits.maxStorageBufferBindingSize) {
      throw new SegwgpuError(`tensor '${name}' of shape [${info.shape.join('x')}] needs ${4 * sizeOf(info.shape)} bytes, more than this adapter's maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize}); use a smaller input`);
    }
    lifetimes.push({ id: name, bytes, first, last: readable.has(name) ? end : Math.max(first, last.get(name) ?? first) });
  };
  for (const input of graph.inputs) addValue(input.name, -1, values.get(input.name)!);
  lowerings.forEach(({ node, lowering, outputs }, step) => {
    outputs.forEach((info, i) => {
      const name = outputName(node, i);
      if (!values.has(name)) scratchInfo.set(name, info);
      addValue(name, step, values.get(name) ?? info);
    });
    (lowering.temps ?? []).forEach((bytes, i) => {
      const id = `${node.name}#temp${i}`;
      if (!persistentTemps.has(id)) lifetimes.push({ id, bytes: bufferBytes(Math.ceil(bytes / 4)), first: step, last: step });
    });
  });
  // An aliased value lives inside its base: the base lives from the first producer to the last reader.
  const byId = new Map(lifetimes.map((l) => [l.id, l]));
  for (const [name, { base }] of aliases) {
    const v = byId.get(name)!;
    const b = byId.get(base)!;
    byId.set(base, { ...b, first: Math.min(b.first, v.first), last: Math.max(b.last, v.last) });
    byId.delete(name);
  }
  const planned = [...byId.values()];
  const memory = planMemory(planned, limits.minStorageBufferOffsetAlignment);

  // One fault record per node that checks runtime indices, at binding-aligned offsets (a storage
  // binding's offset must be a multiple of minStorageBufferOffsetAlignment).
  const align = limits.minStorageBufferOffsetAlignment;
  const faultStride = Math.ceil(indexFaultBytes() / align) * align;
  const faults = lowerings
    .flatMap(({ node, lowering }) => {
      const error = faultErrorOf(node, lowering);
      return error ? [{ node, error }] : [];
    })
    .map(({ node, error }, slot): FaultSlot => ({ node, offset: slot * faultStride, error }));
  const faultBytes = faults.length * faultStride;
  return { graph, order, values, inferred, plannedValues, lowerings, lifetimes: planned, memory, scratchInfo, readable, aliases, hoisted, persistentTemps, faults, faultBytes };
}

/**
 * planGraph with every distinct kernel compiled first through createComputePipelineAsync, in
 * parallel where the implementation can: the way to make a plan when its first run matters.
 */
export async function planGraphAsync(ctx: GpuContext, source: Graph, options: PlanOptions = {}, onCompiled?: (compiled: number, total: number) => void): Promise<GraphPlan> {
  const layout = layoutGraph(source, options, limitsOf(ctx));
  // Reports pipelines not compiled yet on this device: kernels other plans made are shared.
  await ctx.kernels.compileAll(layout.lowerings.flatMap((l) => l.lowering.steps.map((s) => s.kernel)), onCompiled);
  // The arena and constants are allocated here: an out-of-memory names the plan, not a later run.
  const { result: plan, errors } = withGpuErrors(ctx.device, `allocating the buffers of ${source.name}'s plan (arena ${layout.memory.peakBytes} bytes)`, () => planFromLayout(ctx, layout));
  try {
    await errors;
  } catch (e) {
    plan.destroy();
    throw e;
  }
  return plan;
}

function limitsOf(ctx: GpuContext): LayoutLimits {
  return {
    traits: ctx.traits,
    maxStorageBufferBindingSize: ctx.maxStorageBufferBindingSize,
    minStorageBufferOffsetAlignment: ctx.device.limits.minStorageBufferOffsetAlignment,
  };
}

export function planGraph(ctx: GpuContext, source: Graph, options: PlanOptions = {}): GraphPlan {
  // Everything that can fail on user input happens in layoutGraph, before the first GPU object.
  return planFromLayout(ctx, layoutGraph(source, options, limitsOf(ctx)));
}

function planFromLayout(ctx: GpuContext, layout: GraphLayout): GraphPlan {
  const { graph, values, lowerings, lifetimes, memory, scratchInfo, readable, aliases, hoisted, persistentTemps, plannedValues, faults, faultBytes } = layout;
  if (memory.peakBytes > ctx.device.limits.maxBufferSize) {
    throw new SegwgpuError(`the plan needs a ${memory.peakBytes}-byte activation arena, more than this adapter's maxBufferSize (${ctx.device.limits.maxBufferSize}); use a smaller input`);
  }
  const isConstant = (name: string) => graph.initializers.has(name);
  const outputName = (node: GraphNode, i: number) => node.outputs[i] || `${node.name}#unused${i}`;

  // GPU objects from here on.
  const created: GPUBuffer[] = [];
  const arena = createGpuBuffer(ctx.device, {
    label: `${graph.name} arena`,
    size: Math.max(16, memory.peakBytes),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  created.push(arena);
  const arenaValues = new Map<string, ArenaValue>();
  for (const l of lifetimes) {
    const info = values.get(l.id) ?? scratchInfo.get(l.id) ?? { dtype: 'float32' as const, shape: [l.bytes / 4] };
    arenaValues.set(l.id, { info, offset: memory.offsets.get(l.id)!, bytes: l.bytes });
  }
  for (const [name, { base, byteOffset }] of aliases) {
    const info = values.get(name)!;
    arenaValues.set(name, { info, offset: arenaValues.get(base)!.offset + byteOffset, bytes: 4 * sizeOf(info.shape) });
  }
  const constants = new Map<string, GPUBuffer>();
  let constantBytes = 0;
  const constantBuffer = (name: string): GPUBuffer => {
    let b = constants.get(name);
    if (!b) {
      const t = graph.initializers.get(name)!;
      b = createStorageBuffer(ctx.device, sizeOf(t.shape), name);
      const words = toGpuWords(t);
      ctx.device.queue.writeBuffer(b, 0, words.buffer, words.byteOffset, words.byteLength);
      constants.set(name, b);
      created.push(b);
      constantBytes += b.size;
    }
    return b;
  };
  const bindValue = (name: string): GPUBufferBinding => {
    if (isConstant(name)) return { buffer: constantBuffer(name) };
    const v = arenaValues.get(name);
    if (!v) throw new SegwgpuError(`internal: value '${name}' has no buffer`);
    return { buffer: arena, offset: v.offset, size: v.bytes };
  };

  const faultBuffer =
    faults.length > 0
      ? createGpuBuffer(ctx.device, { label: `${graph.name} index faults`, size: faultBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST })
      : undefined;
  if (faultBuffer) created.push(faultBuffer);
  const faultOffsets = new Map(faults.map((f) => [f.node, f.offset]));

  const persistent = new Map<string, GPUBuffer>();
  let persistentBytes = 0;
  for (const { node, lowering } of lowerings) {
    (lowering.temps ?? []).forEach((bytes, i) => {
      const id = `${node.name}#temp${i}`;
      if (!persistentTemps.has(id)) return;
      const b = createStorageBuffer(ctx.device, Math.ceil(bytes / 4), id);
      created.push(b);
      persistent.set(id, b);
      persistentBytes += b.size;
    });
  }
  const setup = ctx.device.createCommandEncoder({ label: `${graph.name} constants` });
  const setupPass = setup.beginComputePass();
  const nodes: PlannedNode[] = lowerings.map(({ node, lowering }) => {
    const resolve = (ref: BufferRef): GPUBufferBinding => {
      if ('input' in ref) {
        const name = node.inputs[ref.input];
        if (!name) throw new SegwgpuError(`${describeNode(node)}: kernel binds input ${ref.input}, which the node does not have`);
        return bindValue(name);
      }
      if ('output' in ref) return bindValue(outputName(node, ref.output));
      if ('fault' in ref) return { buffer: faultBuffer!, offset: faultOffsets.get(node)!, size: indexFaultBytes() };
      const id = `${node.name}#temp${ref.temp}`;
      const kept = persistent.get(id);
      return kept ? { buffer: kept } : bindValue(id);
    };
    const prepare = (st: GpuStep) => {
      const prepared = prepareStep(ctx, { ...st, label: st.label ?? node.name }, resolve);
      if (prepared.uniformBuffer) created.push(prepared.uniformBuffer);
      return prepared;
    };
    for (const st of lowering.steps) if (hoisted.has(st)) recordStep(setupPass, prepare(st));
    return { node, steps: lowering.steps.filter((st) => !hoisted.has(st)).map(prepare) };
  });
  setupPass.end();
  ctx.device.queue.submit([setup.finish()]);

  return {
    ctx,
    graph,
    values,
    nodes,
    arena,
    arenaValues,
    constants,
    peakBytes: memory.peakBytes,
    lowerBoundBytes: memory.lowerBoundBytes,
    constantBytes: constantBytes + persistentBytes,
    readable,
    plannedValues,
    faults: faultBuffer && { buffer: faultBuffer, slots: faults },
    adopt(buffer) {
      created.push(buffer);
    },
    destroy() {
      for (const b of created) b.destroy();
    },
  };
}

/** Checks a run's inputs against the plan: names, dtypes, shapes. Before any GPU work. */
export function checkRunInputs(
  plan: { graph: Graph; values: ReadonlyMap<string, ValueInfo>; plannedValues?: ReadonlyMap<string, Tensor> },
  inputs: Readonly<Record<string, Tensor>>,
  onGpu: readonly string[] = [],
): void {
  for (const name of Object.keys(inputs)) {
    if (!plan.graph.inputs.some((i) => i.name === name)) {
      throw new SegwgpuError(`'${name}' is not an input of the model (inputs: ${plan.graph.inputs.map((i) => i.name).join(', ')})`);
    }
  }
  for (const input of plan.graph.inputs) {
    if (onGpu.includes(input.name)) continue;
    const t = inputs[input.name];
    if (!t) throw new SegwgpuError(`input '${input.name}' is missing`);
    const want = plan.values.get(input.name)!;
    if (t.shape.join('x') !== want.shape.join('x')) throw new SegwgpuError(`input '${input.name}' has shape [${t.shape.join('x')}], the plan was made for [${want.shape.join('x')}]`);
    const compatible = t.dtype === want.dtype || (t.dtype !== 'float32' && want.dtype !== 'float32');
    if (!compatible) throw new SegwgpuError(`input '${input.name}' has dtype ${t.dtype}, the model expects ${want.dtype}`);
    const planned = plan.plannedValues?.get(input.name);
    if (planned && !sameValues(planned, t)) {
      throw new SegwgpuError(
        `input '${input.name}' is ${showValues(t)}, the plan was made for ${showValues(planned)}: its values fix shapes in this model, so each value needs its own plan (make one with inputValues)`,
      );
    }
  }
}

function sameValues(a: Tensor, b: Tensor): boolean {
  return a.data.length === b.data.length && Array.prototype.every.call(a.data, (v: number | bigint, i: number) => Number(v) === Number(b.data[i]));
}

function showValues(t: Tensor): string {
  const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
  return values.length > 8 ? `${showValue(values.slice(0, 8)).slice(0, -1)}, ...]` : showValue(values);
}
