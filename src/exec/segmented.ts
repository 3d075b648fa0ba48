/**
 * Segmented GPU execution, for graphs whose shapes follow from values computed at run time:
 * detection models (torchvision's Mask R-CNN: NonZero, TopK over scores, NonMaxSuppression, If
 * and Loop), where one plan for the whole graph cannot exist because the number of boxes is only
 * known once the image has been through the network.
 *
 * The graph runs in rounds. Each round infers the nodes not run yet, node by node, from what is
 * known so far (every value's dtype and shape; the values themselves where they are on the host):
 * - nodes whose outputs inference computes (shape arithmetic over known values) are done: their
 *   values are folded on the host, as constant folding does in a plan;
 * - the nodes that lower to GPU kernels, with everything they read known, form the round's GPU
 *   segment: a graph of their own, planned (passes, memory plan, pipelines) and run as any graph
 *   is, its plans cached by the segment's input shapes (and by the values that fix shapes);
 * - nodes with no GPU kernel (TopK, NonZero, NonMaxSuppression, ScatterElements, ReduceProd) run
 *   on the host by their CPU reference once their inputs exist; If and Loop run on the host too,
 *   and their bodies run through this same executor, so a body's heavy work stays on the GPU;
 * - a node whose shape needs a value still on the GPU (a Reshape's shape, Resize's sizes) waits:
 *   the value is read back, and the next round plans the node for it.
 * Values stay on the GPU between segments (a copy into a buffer of their own, then into the next
 * segment's arena). What is read back is what the host needs: the inputs of host nodes, values
 * that decide shapes, small integer values (indices, counts), and the graph's outputs.
 */
import { HostOnlyError, SegwgpuError, UnsupportedError, ValueNeededError, describeNode } from '../core/errors.js';
import { sizeOf, type DType, type Shape, type Tensor } from '../core/tensor.js';
import { createStorageBuffer, fitsGpuWords, fromGpuWords, readBuffers } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/context.js';
import { topologicalOrder, type Graph, type GraphInput, type GraphNode } from '../ir/graph.js';
import { branchInputs, truthOf, type IfAttrs } from '../ops/if.js';
import { loopShape, scalar, stack, type LoopAttrs } from '../ops/loop.js';
import { allocate } from '../ops/kit.js';
import { getOp } from '../ops/registry.js';
import type { ValueInfo } from '../ops/types.js';
import { MAX_PLANNED_INPUT_ELEMENTS, type PassOptions } from '../passes/index.js';
import type { PlanOptions } from '../plan/plan.js';
import { closedSubgraph, resolveInputShapes, ShapeInference, subgraphRunner, type CachedInference } from '../shapes/infer.js';
import type { RunOptions } from './gpu.js';
import { PlanCache } from './plan-cache.js';

/**
 * Host values of at most this many elements are known to inference (so shape arithmetic over
 * them folds on the host), and integer GPU values this small are read back with their segment.
 */
export const HOST_VALUE_ELEMENTS = MAX_PLANNED_INPUT_ELEMENTS;

export interface SegmentedOptions extends PassOptions {
  readonly winograd?: PlanOptions['winograd'];
  /**
   * Plans kept per segment, one per distinct input shapes: default 8, and 32 in Loop bodies,
   * which meet a shape per iteration (Mask R-CNN pastes each detection's mask at its box's size).
   */
  readonly maxPlansPerSegment?: number;
}

/** Where each node of the last run ran, and what moved between the GPU and the host. */
export interface SegmentedReport {
  /** GPU segments run (a body's count once per time it ran). */
  readonly segments: number;
  /** Nodes run in GPU segments, by op type (the ops of the graph as imported). */
  readonly gpuNodes: Readonly<Record<string, number>>;
  /** Nodes run on the host by their CPU reference (If and Loop included), by op type. */
  readonly hostNodes: Readonly<Record<string, number>>;
  /** Nodes folded on the host from known values (shape arithmetic), by op type. */
  readonly foldedNodes: Readonly<Record<string, number>>;
  /** Values read back from the GPU, and their bytes. */
  readonly readbacks: number;
  readonly readbackBytes: number;
  /** Plans made during the run (segments met at new shapes). */
  readonly plansMade: number;
}

/**
 * Whether planning failed because one plan cannot hold the graph (a node that runs on the host
 * only, or shapes that follow from values computed at run time), so the graph needs running
 * segmented. Other planning errors (bad input, unsupported ops) stay errors.
 */
export function needsSegments(e: unknown): boolean {
  return e instanceof HostOnlyError || (e instanceof ValueNeededError && e.modelInputs.length > 0);
}

/** A value of the run: its dtype and shape, on the host, on the GPU, or both. */
interface Slot {
  readonly dtype: DType;
  readonly shape: Shape;
  host?: Tensor;
  gpu?: GPUBuffer;
  /** A model input: its values stay run-time data unless a shape needs them (as in a plan). */
  readonly modelInput?: boolean;
}

/** What one round decided. */
interface Round {
  readonly gpuNodes: GraphNode[];
  readonly hostNodes: GraphNode[];
  readonly folded: Map<string, Tensor>;
  readonly foldedNodes: GraphNode[];
  /** Values the host needs before the next round (shapes wait on them, host nodes read them). */
  readonly needed: Set<string>;
  /**
   * Those of them a shape waits on: inference knows their values from then on, whatever their
   * size. (A host node's large input read back is not: later GPU nodes read it on the GPU.)
   */
  readonly valueNeeded: Set<string>;
  /** Inference of each node of the round (GPU and host nodes). */
  readonly inferred: Map<GraphNode, CachedInference>;
}

interface Counters {
  segments: number;
  gpuNodes: Record<string, number>;
  hostNodes: Record<string, number>;
  foldedNodes: Record<string, number>;
  readbacks: number;
  readbackBytes: number;
}

const count = (tally: Record<string, number>, node: GraphNode) => {
  tally[node.opType] = (tally[node.opType] ?? 0) + 1;
};

const isInteger = (dtype: DType) => dtype !== 'float32';

/**
 * A graph run in GPU segments split at host nodes. Keeps its plans (per segment, per input
 * shapes) across runs; `destroy()` frees them.
 */
export class SegmentedRunner {
  /** Per graph (the model, or an If/Loop body as written), per segment: its plans. */
  private readonly caches = new WeakMap<Graph, Map<string, PlanCache>>();
  private readonly allCaches: PlanCache[] = [];
  private counters: Counters = SegmentedRunner.emptyCounters();
  /** What the last run did. */
  lastReport: SegmentedReport | undefined;

  constructor(
    readonly ctx: GpuContext,
    readonly graph: Graph,
    private readonly options: SegmentedOptions = {},
  ) {}

  private static emptyCounters(): Counters {
    return { segments: 0, gpuNodes: {}, hostNodes: {}, foldedNodes: {}, readbacks: 0, readbackBytes: 0 };
  }

  /** Runs the graph; every output read back to the host. */
  async run(inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    // Bad inputs are refused before any GPU work, as a plan refuses them.
    for (const name of Object.keys(inputs)) {
      if (!this.graph.inputs.some((i) => i.name === name)) throw new SegwgpuError(`'${name}' is not an input of the model (inputs: ${this.graph.inputs.map((i) => i.name).join(', ')})`);
    }
    for (const input of this.graph.inputs) {
      const t = inputs[input.name];
      if (!t) throw new SegwgpuError(`input '${input.name}' is missing`);
      if ((t.dtype === 'float32') !== (input.dtype === 'float32')) throw new SegwgpuError(`input '${input.name}' has dtype ${t.dtype}, the model expects ${input.dtype}`);
    }
    resolveInputShapes(this.graph, Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape])));
    this.counters = SegmentedRunner.emptyCounters();
    const plansBefore = this.plansMade();
    const env = new Map<string, Slot>();
    for (const input of this.graph.inputs) {
      const t = inputs[input.name]!;
      env.set(input.name, { dtype: input.dtype, shape: t.shape, host: t.dtype === input.dtype ? t : castInteger(t, input.dtype), modelInput: true });
    }
    const made = new Set<Slot>();
    try {
      const outs = await this.runGraph(this.graph, this.graph, env, made);
      await this.toHost(outs);
      const result: Record<string, Tensor> = {};
      this.graph.outputs.forEach((name, i) => (result[name] = outs[i]!.host!));
      return result;
    } finally {
      for (const slot of made) slot.gpu?.destroy();
      const c = this.counters;
      this.lastReport = { ...c, plansMade: this.plansMade() - plansBefore };
    }
  }

  private plansMade(): number {
    return this.allCaches.reduce((n, c) => n + c.plansMade, 0);
  }

  /** Frees every plan (and buffer) the runner made. */
  destroy(): void {
    for (const cache of this.allCaches) cache.destroy();
    this.allCaches.length = 0;
  }

  /**
   * Runs `graph` with its inputs bound in `env` (slots of the enclosing run); returns its output
   * slots. Slots it makes are added to `made` (the run destroys their buffers); those no later
   * node reads are freed as soon as the round that last read them ends.
   */
  private async runGraph(graph: Graph, scope: Graph, env: Map<string, Slot>, made: Set<Slot>): Promise<Slot[]> {
    let pending = liveNodes(graph);
    const needValue = new Set<string>();
    const outputs = new Set(graph.outputs);
    // One inference for the graph's rounds: each node's attributes are parsed once.
    const inference = new ShapeInference(new Map());
    const bound = new Set(env.values());
    while (pending.length > 0) {
      const round = this.partition(graph, inference, pending, env, needValue);
      const done = new Set<GraphNode>([...round.gpuNodes, ...round.hostNodes, ...round.foldedNodes]);
      const next = pending.filter((n) => !done.has(n));
      for (const [name, t] of round.folded) env.set(name, { dtype: t.dtype, shape: t.shape, host: t });
      for (const node of round.foldedNodes) count(this.counters.foldedNodes, node);
      const newlyNeeded = [...round.needed].filter((n) => (round.valueNeeded.has(n) && !needValue.has(n)) || !env.get(n)?.host);
      // What the GPU makes for this round's host nodes (the data a body reads) counts as read later.
      if (round.gpuNodes.length > 0) await this.runSegment(graph, scope, round, [...round.hostNodes, ...next], outputs, env, made);
      // Values the next round needs on the host that an earlier segment left on the GPU.
      await this.toHost([...round.needed].filter((n) => env.has(n)).map((n) => env.get(n)!));
      for (const n of round.valueNeeded) needValue.add(n);
      for (const node of round.hostNodes) await this.runHostNode(graph, node, round.inferred.get(node)!, env, made);
      if (done.size === 0 && newlyNeeded.length === 0) {
        const stuck = next[0]!;
        const waits = [...round.needed].map((n) => `'${n}'`).join(', ');
        throw new SegwgpuError(`internal: ${describeNode(stuck)} cannot be inferred, run on the GPU nor on the host with what is known${waits ? ` (waiting on ${waits})` : ''}: segmented execution made no progress`);
      }
      pending = next;
      // Free what nothing left reads (never a slot bound from outside, nor an output; one slot
      // may stand under several names).
      const read = new Set(pending.flatMap((n) => n.inputs));
      const wanted = new Set([...env].filter(([name]) => read.has(name) || outputs.has(name)).map(([, slot]) => slot));
      for (const [name, slot] of env) {
        if (wanted.has(slot) || bound.has(slot) || !slot.gpu || !made.has(slot)) continue;
        slot.gpu.destroy();
        slot.gpu = undefined;
        if (!slot.host) env.delete(name);
      }
    }
    return graph.outputs.map((name) => {
      const slot = env.get(name) ?? (graph.initializers.has(name) ? hostSlot(graph.initializers.get(name)!) : undefined);
      if (!slot) throw new SegwgpuError(`internal: output '${name}' of ${graph.name} was not computed`);
      return slot;
    });
  }

  /** Infers the pending nodes from what is known and sorts them into this round's kinds. */
  private partition(graph: Graph, inference: ShapeInference, pending: readonly GraphNode[], env: ReadonlyMap<string, Slot>, needValue: ReadonlySet<string>): Round {
    const round: Round = { gpuNodes: [], hostNodes: [], folded: new Map(), foldedNodes: [], needed: new Set(), valueNeeded: new Set(), inferred: new Map() };
    const values = new Map<string, ValueInfo>();
    for (const [name, t] of graph.initializers) values.set(name, { dtype: t.dtype, shape: t.shape, value: t });
    for (const [name, slot] of env) {
      const known = slot.host && (needValue.has(name) || (!slot.modelInput && sizeOf(slot.shape) <= HOST_VALUE_ELEMENTS));
      values.set(name, known ? { dtype: slot.dtype, shape: slot.shape, value: slot.host } : { dtype: slot.dtype, shape: slot.shape });
    }
    // Values the round's GPU segment makes: not on the host before it has run.
    const madeOnGpu = new Set<string>();
    for (const node of pending) {
      const inputs = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
      // An input made by a node left for a later round: this node waits too.
      if (node.inputs.some((n, i) => n !== '' && !inputs[i])) continue;
      let known: CachedInference;
      try {
        known = inference.inferNode(node, inputs);
      } catch (e) {
        if (!(e instanceof ValueNeededError)) throw e;
        if (isControlFlow(node)) {
          // A while loop's trip count, an If whose branches differ: found by running the node.
          const fromGpu = hostReadInputs(node).filter((n) => madeOnGpu.has(n));
          if (fromGpu.length > 0) {
            for (const n of fromGpu) round.needed.add(n);
          } else {
            round.hostNodes.push(node);
            const resolved = getOp(node).parse(node);
            round.inferred.set(node, { attributes: resolved, resolved, inputs, outputs: [], named: [] });
          }
          continue;
        }
        const at = inputs.findIndex((info) => info !== undefined && info === e.info);
        const names = at >= 0 ? [node.inputs[at]!] : node.inputs.filter((n, i) => n !== '' && inputs[i]!.value === undefined && !graph.initializers.has(n));
        for (const n of names) {
          round.needed.add(n);
          round.valueNeeded.add(n);
        }
        continue;
      }
      const named = known.named;
      const outputValues = node.outputs.map((n, i) => (n === '' ? undefined : named[i]!.value ?? emptyOf(named[i]!)));
      if (node.outputs.every((n, i) => n === '' || outputValues[i] !== undefined)) {
        // Computed by inference (or empty): nothing to run.
        node.outputs.forEach((n, i) => {
          if (n === '') return;
          values.set(n, { ...named[i]!, value: outputValues[i] });
          round.folded.set(n, outputValues[i]!);
        });
        round.foldedNodes.push(node);
        continue;
      }
      if (!this.lowersOnGpu(node, known, inputs)) {
        // Runs on the host once its inputs exist: those the GPU makes this round are read back
        // (of If and Loop only what decides the control flow: the bodies read the rest where it is).
        const fromGpu = hostReadInputs(node).filter((n) => madeOnGpu.has(n));
        if (fromGpu.length > 0) {
          for (const n of fromGpu) round.needed.add(n);
          continue;
        }
        round.hostNodes.push(node);
        round.inferred.set(node, known);
        // Its outputs exist only after the host has run it: later nodes wait for the next round.
        continue;
      }
      round.gpuNodes.push(node);
      round.inferred.set(node, known);
      node.outputs.forEach((n, i) => {
        if (n === '') return;
        values.set(n, named[i]!);
        madeOnGpu.add(n);
      });
    }
    return round;
  }

  /** Whether the node has a GPU kernel for these inputs (If, Loop and the detection ops have none). */
  private lowersOnGpu(node: GraphNode, known: CachedInference, inputs: readonly (ValueInfo | undefined)[]): boolean {
    // Empty inputs with non-empty outputs (a Concat with an empty part, say) run on the host.
    if (inputs.some((v) => v !== undefined && sizeOf(v.shape) === 0)) return false;
    if (known.outputs.some((o) => sizeOf(o.shape) === 0)) return false;
    try {
      getOp(node).gpu(known.resolved, known.inputs, known.outputs, this.ctx.traits, node);
      return true;
    } catch (e) {
      if (e instanceof UnsupportedError) return false;
      throw e;
    }
  }

  /** Plans (or reuses the plan of) the round's GPU segment and runs it. */
  private async runSegment(graph: Graph, scope: Graph, round: Round, later: readonly GraphNode[], outputs: ReadonlySet<string>, env: Map<string, Slot>, made: Set<Slot>): Promise<void> {
    const nodes = round.gpuNodes;
    const produced = new Set(nodes.flatMap((n) => n.outputs.filter((o) => o !== '')));
    const readLater = new Set(later.flatMap((n) => n.inputs));
    const read = [...new Set(nodes.flatMap((n) => n.inputs))].filter((n) => n !== '' && !produced.has(n));
    const segmentOutputs = [...produced].filter((n) => readLater.has(n) || outputs.has(n));
    if (segmentOutputs.length === 0) return;
    // Host values no GPU word holds (int64 sentinels such as Slice's INT64_MAX end) can only be
    // plan constants: they join the segment's initializers, and its cache key.
    const constant = (n: string) => graph.initializers.has(n) || (env.get(n)?.host !== undefined && !fitsGpuWords(env.get(n)!.host!));
    const inputNames = read.filter((n) => !constant(n));
    const initializers = new Map<string, Tensor>();
    for (const n of read.filter(constant)) initializers.set(n, graph.initializers.get(n) ?? env.get(n)!.host!);
    // Symbolic input dims: one segment meets other shapes in other runs (other box counts).
    const segmentInputs: GraphInput[] = inputNames.map((name) => {
      const slot = env.get(name)!;
      return { name, dtype: slot.dtype, shape: slot.shape.map((_, i) => `${name}#${i}`) };
    });
    const hostConstants = read.filter((n) => constant(n) && !graph.initializers.has(n));
    const key = [...nodes.map((n) => n.name), ...hostConstants.map((n) => `${n}=${Array.from(initializers.get(n)!.data as ArrayLike<number | bigint>, String).join(',')}`)].join('\n');
    let perGraph = this.caches.get(scope);
    if (!perGraph) this.caches.set(scope, (perGraph = new Map()));
    let cache = perGraph.get(key);
    if (!cache) {
      const segment: Graph = { name: `${graph.name} segment at '${nodes[0]!.name}'`, opset: graph.opset, inputs: segmentInputs, outputs: segmentOutputs, initializers, nodes };
      const { winograd, fuse, maxPlansPerSegment } = this.options;
      const inBody = scope !== this.graph;
      cache = new PlanCache(this.ctx, segment, { winograd, fuse, maxPlans: maxPlansPerSegment ?? (inBody ? 32 : 8) });
      perGraph.set(key, cache);
      this.allCaches.push(cache);
    }
    const hostInputs: Record<string, Tensor> = {};
    const gpuInputs: Record<string, NonNullable<RunOptions['gpuInputs']>[string]> = {};
    const onGpu: Record<string, { dtype: DType; shape: Shape }> = {};
    for (const name of inputNames) {
      const slot = env.get(name)!;
      // Small host values go as values (they may fix shapes in the plan); the rest as they are.
      if (slot.host && (sizeOf(slot.shape) <= MAX_PLANNED_INPUT_ELEMENTS || !slot.gpu)) {
        hostInputs[name] = slot.host;
      } else {
        const source = slot.gpu!;
        const bytes = 4 * sizeOf(slot.shape);
        gpuInputs[name] = (encoder, target) => encoder.copyBufferToBuffer(source, 0, target.buffer, target.offset, bytes);
        onGpu[name] = { dtype: slot.dtype, shape: slot.shape };
      }
    }
    // Keep on the GPU what later nodes may read there; read back what the host will need.
    const copyTo: Record<string, GPUBuffer> = {};
    const slots = new Map<string, Slot>();
    for (const name of segmentOutputs) {
      const producer = nodes.find((node) => node.outputs.includes(name))!;
      const info = round.inferred.get(producer)!.named[producer.outputs.indexOf(name)]!;
      const slot: Slot = { dtype: info.dtype, shape: info.shape };
      if (readLater.has(name)) {
        slot.gpu = createStorageBuffer(this.ctx.device, sizeOf(info.shape), `segment value '${name}'`);
        copyTo[name] = slot.gpu;
      }
      made.add(slot);
      slots.set(name, slot);
    }
    const toRead = segmentOutputs.filter((n) => {
      const slot = slots.get(n)!;
      return outputs.has(n) || round.needed.has(n) || (isInteger(slot.dtype) && sizeOf(slot.shape) <= HOST_VALUE_ELEMENTS);
    });
    const result = await cache.run(hostInputs, { outputs: toRead, gpuInputs, copyTo }, onGpu);
    this.counters.segments++;
    for (const node of nodes) count(this.counters.gpuNodes, node);
    for (const name of toRead) {
      const slot = slots.get(name)!;
      slot.host = result.outputs[name];
      this.counters.readbacks++;
      this.counters.readbackBytes += 4 * sizeOf(slot.shape);
    }
    for (const [name, slot] of slots) env.set(name, slot);
  }

  /** Reads back the slots that are only on the GPU (one submit for all of them). */
  private async toHost(slots: readonly Slot[]): Promise<void> {
    const missing = [...new Set(slots)].filter((s) => !s.host);
    if (missing.length === 0) return;
    for (const s of missing) if (!s.gpu) throw new SegwgpuError('internal: a value of the segmented run is neither on the host nor on the GPU');
    const bytes = await readBuffers(this.ctx.device, missing.map((s) => ({ buffer: s.gpu!, bytes: 4 * sizeOf(s.shape) })));
    missing.forEach((s, i) => {
      s.host = fromGpuWords(s.dtype, s.shape, bytes[i]!);
      this.counters.readbacks++;
      this.counters.readbackBytes += 4 * sizeOf(s.shape);
    });
  }

  /** A host node: If and Loop with their bodies run segmented; the others by their CPU reference. */
  private async runHostNode(graph: Graph, node: GraphNode, known: CachedInference, env: Map<string, Slot>, made: Set<Slot>): Promise<void> {
    count(this.counters.hostNodes, node);
    const inputs = node.inputs.map((n) => (n === '' ? undefined : (env.get(n) ?? (graph.initializers.has(n) ? hostSlot(graph.initializers.get(n)!) : undefined))));
    let outs: Slot[];
    if (node.opType === 'If' && node.domain === '') {
      outs = await this.runIf(node, known.resolved as IfAttrs, inputs, made);
    } else if (node.opType === 'Loop' && node.domain === '') {
      outs = await this.runLoop(node, known.resolved as LoopAttrs, inputs, made);
    } else {
      await this.toHost(inputs.filter((s): s is Slot => s !== undefined));
      const tensors = getOp(node).cpu(known.resolved, inputs.map((s) => s?.host), node, subgraphRunner);
      outs = tensors.map((t) => t && hostSlot(t));
    }
    node.outputs.forEach((n, i) => {
      if (n === '') return;
      if (!outs[i]) throw new SegwgpuError(`${describeNode(node)}: produced no output ${i}`);
      env.set(n, outs[i]!);
    });
  }

  private async runIf(node: GraphNode, attrs: IfAttrs, inputs: readonly (Slot | undefined)[], made: Set<Slot>): Promise<Slot[]> {
    const cond = inputs[0];
    if (!cond) throw new SegwgpuError(`${describeNode(node)}: cond is missing`);
    await this.toHost([cond]);
    const branch = truthOf(node, 'cond', cond.host!) ? attrs.thenBranch : attrs.elseBranch;
    return this.runBody(node, branch, branchInputs(node, branch, inputs), made);
  }

  /** ONNX Loop, as src/ops/loop.ts runs it, with the body run segmented and carried values left where they are. */
  private async runLoop(node: GraphNode, attrs: LoopAttrs, inputs: readonly (Slot | undefined)[], made: Set<Slot>): Promise<Slot[]> {
    const { carried: n, scans, captures } = loopShape(node, attrs.body, inputs.length);
    const [m, condIn] = inputs;
    if (!m && !condIn) throw new SegwgpuError(`${describeNode(node)}: M and cond are both omitted: the loop would never end`);
    await this.toHost([m, condIn].filter((s): s is Slot => s !== undefined));
    if (m && sizeOf(m.shape) !== 1) throw new SegwgpuError(`${describeNode(node)}: M has shape [${m.shape.join('x')}]; it must hold exactly one element`);
    const tripCount = m ? Number(m.host!.data[0]) : Infinity;
    let cond = condIn ? truthOf(node, 'cond', condIn.host!) : true;
    const condSlot = (v: boolean): Slot => hostSlot(scalar(condIn?.dtype === 'int64' ? 'int64' : 'int32', v ? 1 : 0));
    let carried = inputs.slice(2, 2 + n).map((s, k) => {
      if (!s) throw new SegwgpuError(`${describeNode(node)}: input ${2 + k} is missing (loop-carried values cannot be omitted)`);
      return s;
    });
    const captured = captures.map((i) => inputs[i]!);
    const parts: Slot[][] = Array.from({ length: scans }, () => []);
    let i = 0;
    for (; i < tripCount && cond; i++) {
      const outs = await this.runBody(node, attrs.body, [hostSlot(scalar('int64', i)), condSlot(cond), ...carried, ...captured], made);
      await this.toHost([outs[0]!]);
      cond = truthOf(node, 'body output 0 (cond)', outs[0]!.host!);
      carried = outs.slice(1, 1 + n);
      for (let k = 0; k < scans; k++) parts[k]!.push(outs[1 + n + k]!);
    }
    // Scan outputs are stacked on the host (each iteration's part may be on the GPU).
    await this.toHost(parts.flat());
    let empty: ValueInfo[] = [];
    if (i === 0 && scans > 0) {
      const bodyInputs = [hostSlot(scalar('int64', 0)), condSlot(cond), ...carried, ...captured];
      empty = subgraphRunner.infer(attrs.body, bodyInputs.map((s) => ({ dtype: s.dtype, shape: s.shape, value: s.host })), node).slice(1 + n);
    }
    return [...carried, ...parts.map((p, k) => hostSlot(stack(node, k, p.map((s) => s.host!), empty[k]!)))];
  }

  /** A subgraph run segmented, its formal inputs and captures bound to these slots. */
  private async runBody(node: GraphNode, body: Graph, bound: readonly Slot[], made: Set<Slot>): Promise<Slot[]> {
    const closed = closedSubgraph(body, bound, node);
    const env = new Map<string, Slot>();
    closed.inputs.forEach((input, i) => env.set(input.name, bound[i]!));
    return this.runGraph(closed, body, env, made);
  }
}

const isControlFlow = (node: GraphNode) => node.domain === '' && (node.opType === 'If' || node.opType === 'Loop');

/** The inputs a host node reads on the host: If's cond, Loop's M and cond, every input of the others. */
function hostReadInputs(node: GraphNode): string[] {
  const control = !isControlFlow(node) ? node.inputs.length : node.opType === 'If' ? 1 : 2;
  return node.inputs.slice(0, control).filter((n) => n !== '');
}

const hostSlot = (t: Tensor): Slot => ({ dtype: t.dtype, shape: t.shape, host: t });

/** The empty tensor of an info with no elements (nothing to compute); else undefined. */
function emptyOf(info: ValueInfo): Tensor | undefined {
  return sizeOf(info.shape) === 0 ? ({ dtype: info.dtype, shape: [...info.shape], data: allocate(info.dtype, 0) } as Tensor) : undefined;
}

/** An integer model input given as the other integer type. */
function castInteger(t: Tensor, dtype: DType): Tensor {
  const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (dtype === 'int64') return { dtype, shape: t.shape, data: BigInt64Array.from(values, BigInt) };
  return { dtype: 'int32', shape: t.shape, data: Int32Array.from(values) };
}

/** The nodes the graph's outputs depend on, in schedule order (subgraph captures count as reads). */
function liveNodes(graph: Graph): GraphNode[] {
  const order = topologicalOrder(graph);
  const producer = new Map<string, GraphNode>();
  for (const node of order) for (const o of node.outputs) if (o !== '') producer.set(o, node);
  const live = new Set<GraphNode>();
  const visit = (name: string) => {
    const node = producer.get(name);
    if (!node || live.has(node)) return;
    live.add(node);
    for (const i of node.inputs) if (i !== '') visit(i);
  };
  for (const o of graph.outputs) visit(o);
  return order.filter((n) => live.has(n));
}
