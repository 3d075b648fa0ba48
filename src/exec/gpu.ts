/**
 * Running a GraphPlan: upload the inputs into the arena, record every node's dispatches into one
 * command encoder (one compute pass; one pass per node when profiling, for per-node timestamps),
 * and read back only the requested values, with the plan's index fault records: a node that met
 * out-of-range runtime indices rejects the run with its CPU reference's error (src/ops/index-fault.ts).
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { createGpuBuffer, fromGpuWords, toGpuWords } from '../gpu/buffers.js';
import { recordStep } from '../gpu/encode.js';
import { withGpuErrors } from '../gpu/error-scopes.js';
import { checkRunInputs, type FaultSlot, type GraphPlan } from '../plan/plan.js';
import { readIndexFault } from '../ops/index-fault.js';

export interface RunOptions {
  /** Values to read back; the graph outputs by default. */
  readonly outputs?: readonly string[];
  /** Time every node with timestamp queries (where the adapter has them). */
  readonly profile?: boolean;
  /**
   * Inputs that are already on the GPU: the function records a copy into the input's arena slot
   * (e.g. copyTextureToBuffer from an uploaded image). Such inputs are absent from `inputs`.
   */
  readonly gpuInputs?: Readonly<Record<string, (encoder: GPUCommandEncoder, target: { buffer: GPUBuffer; offset: number; size: number }) => void>>;
  /** Also copy these values into caller-owned buffers (kept on the GPU, e.g. for video pipelines). */
  readonly copyTo?: Readonly<Record<string, GPUBuffer>>;
  /** Integer outputs as int32 (as they are on the GPU) rather than widened to int64. */
  readonly int32Outputs?: boolean;
  /**
   * Read these outputs into the caller's arrays (of the output's element count; int32 outputs
   * need int32Outputs) instead of new ones: with the plan's reused readback buffer, a run then
   * allocates no buffer or array of its size (video frames).
   */
  readonly readInto?: Readonly<Record<string, Float32Array | Int32Array>>;
}

export interface NodeTiming {
  readonly node: string;
  readonly opType: string;
  readonly ms: number;
}

export interface RunResult {
  readonly outputs: Record<string, Tensor>;
  /** Per-node GPU times, when profiled on an adapter with timestamp queries. */
  readonly timings?: NodeTiming[];
}

// Runs of one plan share its arena, so they go one after another.
const queues = new WeakMap<GraphPlan, Promise<unknown>>();

// Each plan's readback buffer, reused by its (serialised) runs and replaced when a run needs more.
const readbacks = new WeakMap<GraphPlan, GPUBuffer>();

function readbackBuffer(plan: GraphPlan, bytes: number): GPUBuffer {
  const kept = readbacks.get(plan);
  if (kept && kept.size >= bytes) return kept;
  kept?.destroy();
  const buffer = createGpuBuffer(plan.ctx.device, { label: `${plan.graph.name} readback`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  plan.adopt(buffer);
  readbacks.set(plan, buffer);
  return buffer;
}

export function runPlan(plan: GraphPlan, inputs: Readonly<Record<string, Tensor>>, options: RunOptions = {}): Promise<RunResult> {
  const wanted = options.outputs ?? plan.graph.outputs;
  checkRunInputs(plan, inputs, Object.keys(options.gpuInputs ?? {}));
  for (const [name, target] of Object.entries(options.copyTo ?? {})) {
    const v = plan.arenaValues.get(name);
    if (!v || !plan.readable.has(name)) throw new SegwgpuError(`copyTo: value '${name}' is not readable from this plan`);
    if (target.size < 4 * sizeOf(v.info.shape)) throw new SegwgpuError(`copyTo: buffer for '${name}' holds ${target.size} bytes, needs ${4 * sizeOf(v.info.shape)}`);
  }
  for (const name of wanted) {
    if (!plan.readable.has(name) && !plan.graph.initializers.has(name)) {
      throw new SegwgpuError(`value '${name}' cannot be read back: it is not a graph output nor kept by the plan (plan with keepValues)`);
    }
  }
  for (const [name, target] of Object.entries(options.readInto ?? {})) {
    const v = plan.arenaValues.get(name);
    if (!v || !wanted.includes(name)) throw new SegwgpuError(`readInto: '${name}' is not one of the values this run reads back`);
    const dtype = options.int32Outputs && v.info.dtype === 'int64' ? 'int32' : v.info.dtype;
    const fits = dtype === 'float32' ? target instanceof Float32Array : dtype === 'int32' && target instanceof Int32Array;
    if (!fits || target.length !== sizeOf(v.info.shape)) {
      throw new SegwgpuError(`readInto: '${name}' is ${dtype} [${v.info.shape.join('x')}], the array given is a ${target.constructor.name} of ${target.length} elements`);
    }
  }
  const previous = queues.get(plan) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => runNow(plan, inputs, wanted, options));
  queues.set(plan, run);
  return run;
}

async function runNow(plan: GraphPlan, inputs: Readonly<Record<string, Tensor>>, wanted: readonly string[], options: RunOptions): Promise<RunResult> {
  const profile = options.profile === true;
  const { device } = plan.ctx;
  // Everything up to the submit is synchronous: its GPU errors are this run's (error-scopes.ts).
  const { result: recorded, errors } = withGpuErrors(device, `running ${plan.graph.name}`, () => recordRun(plan, inputs, wanted, options, profile));
  const { staging, stagingSize, placements, faultsAt, timestamps, resolve, querySet } = recorded;
  const outputs: Record<string, Tensor> = {};
  let fault: SegwgpuError | undefined;
  if (staging) {
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, stagingSize);
    } catch (e) {
      // A failed submit leaves the map to fail too: the GPU error says why.
      await errors;
      throw e;
    }
    const all = staging.getMappedRange(0, stagingSize);
    // A run that met out-of-range indices gives no outputs (nor writes into readInto arrays).
    fault = plan.faults && firstFault(plan.faults.slots, all, faultsAt);
    for (const p of fault ? [] : placements) {
      const dtype = options.int32Outputs && p.v.info.dtype === 'int64' ? 'int32' : p.v.info.dtype;
      const into = options.readInto?.[p.name];
      if (into) {
        into.set(into instanceof Float32Array ? new Float32Array(all, p.at, into.length) : new Int32Array(all, p.at, into.length));
        outputs[p.name] = { dtype, shape: p.v.info.shape, data: into } as Tensor;
      } else {
        outputs[p.name] = fromGpuWords(dtype, p.v.info.shape, all.slice(p.at, p.at + Math.ceil(p.bytes / 4) * 4));
      }
    }
    staging.unmap();
  }
  for (const name of wanted) if (plan.graph.initializers.has(name)) outputs[name] = plan.graph.initializers.get(name)!;
  let timings: NodeTiming[] | undefined;
  if (timestamps) {
    await timestamps.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(timestamps.getMappedRange().slice(0));
    timestamps.unmap();
    timings = plan.nodes.map((n, i) => ({ node: n.node.name, opType: n.node.opType, ms: t[2 * i + 1] > t[2 * i] ? Number(t[2 * i + 1] - t[2 * i]) / 1e6 : 0 }));
    timestamps.destroy();
    resolve?.destroy();
    querySet?.destroy();
  }
  await errors;
  if (fault) throw fault;
  // Re-order to the caller's request.
  const ordered: Record<string, Tensor> = {};
  for (const name of wanted) ordered[name] = outputs[name];
  return { outputs: ordered, timings };
}

/** The error of the first node, in execution order, whose fault record read back at `at` is set. */
function firstFault(slots: readonly FaultSlot[], bytes: ArrayBuffer, at: number): SegwgpuError | undefined {
  for (const slot of slots) {
    const fault = readIndexFault(bytes, at + slot.offset);
    if (fault) return slot.error(fault);
  }
  return undefined;
}

/** Uploads the inputs, records the whole run and submits it; no awaits, so no other run interleaves. */
function recordRun(plan: GraphPlan, inputs: Readonly<Record<string, Tensor>>, wanted: readonly string[], options: RunOptions, profile: boolean) {
  const { device } = plan.ctx;
  for (const input of plan.graph.inputs) {
    if (options.gpuInputs?.[input.name]) continue;
    const v = plan.arenaValues.get(input.name)!;
    const words = toGpuWords(inputs[input.name]);
    device.queue.writeBuffer(plan.arena, v.offset, words.buffer, words.byteOffset, words.byteLength);
  }
  const timed = profile && plan.ctx.hasTimestampQuery && plan.nodes.length > 0;
  const querySet = timed ? device.createQuerySet({ type: 'timestamp', count: 2 * plan.nodes.length }) : undefined;
  const encoder = device.createCommandEncoder({ label: plan.graph.name });
  // Fault records start each run empty.
  if (plan.faults) encoder.clearBuffer(plan.faults.buffer);
  for (const [name, record] of Object.entries(options.gpuInputs ?? {})) {
    const v = plan.arenaValues.get(name)!;
    record(encoder, { buffer: plan.arena, offset: v.offset, size: v.bytes });
  }
  if (querySet) {
    plan.nodes.forEach((n, i) => {
      const pass = encoder.beginComputePass({ label: n.node.name, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      for (const s of n.steps) recordStep(pass, s);
      pass.end();
    });
  } else {
    const pass = encoder.beginComputePass({ label: plan.graph.name });
    for (const n of plan.nodes) for (const s of n.steps) recordStep(pass, s);
    pass.end();
  }
  // One staging buffer for every requested value and the fault records, one map: faults are read
  // also when no value is (a run whose results stay on the GPU through copyTo).
  const fromArena = wanted.filter((name) => !plan.graph.initializers.has(name));
  let stagingSize = 0;
  const placements = fromArena.map((name) => {
    const v = plan.arenaValues.get(name)!;
    const bytes = Math.max(4, 4 * sizeOf(v.info.shape));
    const at = stagingSize;
    stagingSize += Math.ceil(bytes / 4) * 4;
    return { name, v, at, bytes };
  });
  const faultsAt = stagingSize;
  if (plan.faults) stagingSize += plan.faults.buffer.size;
  const staging = stagingSize > 0 ? readbackBuffer(plan, stagingSize) : undefined;
  for (const p of placements) encoder.copyBufferToBuffer(plan.arena, p.v.offset, staging!, p.at, Math.ceil(p.bytes / 4) * 4);
  if (plan.faults) encoder.copyBufferToBuffer(plan.faults.buffer, 0, staging!, faultsAt, plan.faults.buffer.size);
  for (const [name, target] of Object.entries(options.copyTo ?? {})) {
    const v = plan.arenaValues.get(name)!;
    encoder.copyBufferToBuffer(plan.arena, v.offset, target, 0, 4 * sizeOf(v.info.shape));
  }
  let timestamps: GPUBuffer | undefined;
  let resolve: GPUBuffer | undefined;
  if (querySet) {
    resolve = createGpuBuffer(device, { size: 16 * plan.nodes.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    timestamps = createGpuBuffer(device, { size: 16 * plan.nodes.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(querySet, 0, 2 * plan.nodes.length, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, timestamps, 0, 16 * plan.nodes.length);
  }
  device.queue.submit([encoder.finish()]);
  return { staging, stagingSize, placements, faultsAt, timestamps, resolve, querySet };
}
