/**
 * Plans of one model for the inputs it meets: keyed by the input shapes and, for model inputs
 * whose values fix shapes (PlanOptions.inputValues), by those values too, so a run with new
 * shapes or new shape values gets its own plan and a repeated one reuses its plan. The least
 * recently used plan is destroyed past `maxPlans`, once no run is using it.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Shape, Tensor } from '../core/tensor.js';
import type { GpuContext } from '../gpu/context.js';
import type { Graph } from '../ir/graph.js';
import { planGraphAsync, type GraphPlan, type PlanOptions } from '../plan/plan.js';
import { runPlan, type RunOptions, type RunResult } from './gpu.js';

export interface PlanCacheOptions extends Omit<PlanOptions, 'inputShapes' | 'inputValues'> {
  /** Plans kept at most (default 8). */
  readonly maxPlans?: number;
}

interface Entry {
  readonly plan: Promise<GraphPlan>;
  users: number;
  evicted: boolean;
}

/** What a plan needs to know of an input that is already on the GPU (RunOptions.gpuInputs). */
export interface GpuInputInfo {
  readonly dtype: Tensor['dtype'];
  readonly shape: Shape;
}

const shapeKey = (inputs: Readonly<Record<string, GpuInputInfo>>) =>
  Object.keys(inputs)
    .sort()
    .map((name) => `${name}:${inputs[name]!.dtype}[${inputs[name]!.shape.join('x')}]`)
    .join(';');

const valueKey = (names: readonly string[], inputs: Readonly<Record<string, Tensor>>) =>
  names.map((name) => `${name}=${Array.from(inputs[name]?.data as ArrayLike<number | bigint>, String).join(',')}`).join(';');

export class PlanCache {
  private readonly entries = new Map<string, Entry>();
  /** Per input-shape key: the inputs whose values the plans at those shapes were made for. */
  private readonly valueInputs = new Map<string, readonly string[]>();
  private readonly maxPlans: number;
  /** Plans made so far (a repeated key does not make one). */
  plansMade = 0;

  constructor(
    readonly ctx: GpuContext,
    readonly graph: Graph,
    private readonly options: PlanCacheOptions = {},
  ) {
    const max = options.maxPlans ?? 8;
    if (!Number.isInteger(max) || max < 1) throw new SegwgpuError(`PlanCache: maxPlans must be a whole number >= 1, got ${max}`);
    this.maxPlans = max;
  }

  /**
   * Runs the model on these inputs with the plan made for them (made now if need be). `onGpu`:
   * the dtypes and shapes of the inputs runOptions.gpuInputs copies in (absent from `inputs`).
   */
  async run(inputs: Readonly<Record<string, Tensor>>, runOptions: RunOptions = {}, onGpu: Readonly<Record<string, GpuInputInfo>> = {}): Promise<RunResult> {
    const entry = await this.entryFor(inputs, onGpu);
    entry.users++;
    try {
      return await runPlan(await entry.plan, inputs, runOptions);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) (await entry.plan).destroy();
    }
  }

  private async entryFor(inputs: Readonly<Record<string, Tensor>>, onGpu: Readonly<Record<string, GpuInputInfo>>): Promise<Entry> {
    const shapes = shapeKey({ ...inputs, ...onGpu });
    let names = this.valueInputs.get(shapes);
    if (names === undefined) {
      // The first plan at these shapes says which inputs fix shapes by their values.
      const entry = this.make(inputs, onGpu);
      const plan = await entry.plan;
      names = [...plan.plannedValues.keys()].sort();
      this.valueInputs.set(shapes, names);
      this.remember(`${shapes}|${valueKey(names, inputs)}`, entry);
      return entry;
    }
    const key = `${shapes}|${valueKey(names, inputs)}`;
    const known = this.entries.get(key);
    if (known) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    const entry = this.make(inputs, onGpu);
    this.remember(key, entry);
    return entry;
  }

  private make(inputs: Readonly<Record<string, Tensor>>, onGpu: Readonly<Record<string, GpuInputInfo>>): Entry {
    this.plansMade++;
    const inputShapes = Object.fromEntries(Object.entries({ ...inputs, ...onGpu }).map(([name, t]) => [name, t.shape]));
    const { maxPlans: _, ...planOptions } = this.options;
    return { plan: planGraphAsync(this.ctx, this.graph, { ...planOptions, inputShapes, inputValues: inputs }), users: 0, evicted: false };
  }

  private remember(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    // A plan that cannot be made is not kept: the next run at that key tries (and says why) again.
    entry.plan.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxPlans) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      oldest.evicted = true;
      if (oldest.users === 0) void oldest.plan.then((p) => p.destroy(), () => undefined);
    }
  }

  /** Destroys every plan no run is using (the others when their runs end). */
  destroy(): void {
    for (const entry of this.entries.values()) {
      entry.evicted = true;
      if (entry.users === 0) void entry.plan.then((p) => p.destroy(), () => undefined);
    }
    this.entries.clear();
  }
}
