/**
 * Choosing and running overlap tiles (the geometry and why it is exact: overlap-tile.ts; what a
 * model allows: model-geometry.ts).
 *
 * The choice (`tile`): 'auto' (the default) lays the whole input out first (layoutGraph, no GPU
 * work) and runs it untiled when its plan fits: its activation arena within the adapter's
 * maxBufferSize and the memoryBudget, every value within maxStorageBufferBindingSize, the outputs'
 * readback within maxBufferSize. Otherwise it tiles with the largest square core (a multiple of
 * the alignment) whose every window shape fits, and whose arena stays within half of
 * maxBufferSize (or within the memoryBudget), found by bisection over layouts: a plan right at the
 * limit is one the driver often cannot allocate (SwiftShader here refuses a 1 GiB arena at its
 * 1 GiB maxBufferSize). Should the driver still run out of memory making a plan 'auto' chose
 * (the whole input's or a window's), it tries again with windows of at most half that arena, up
 * to three times. `{ height, width }` forces a core (rounded up to the alignment); `false` never
 * tiles (a plan too large is refused as before). With `border: 'mirror'` the input is always tiled (one window per axis where the
 * mirrored image fits), since the mirrored context is what was asked for.
 *
 * The image input is the graph's one four-dimensional float input (or `imageInput`; 'auto' runs
 * a model without one untiled). The whole input goes through the model as declared (a model that
 * fixes another size refuses it, as untiled); the windows' plans declare the image's rows and
 * columns symbolic, so a model exported at the size of the whole input runs at window sizes too
 * (checkTileLayout refuses one whose geometry depends on the size). Other inputs go to every
 * window unchanged.
 *
 * Running: the windows of one shape share one plan, made when the first of them runs and
 * destroyed after the last, so one window's arena is alive at a time; the whole outputs live on
 * the host. `onTile` reports each window as it is stitched in (index from 1 to total).
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import type { GpuContext } from '../gpu/context.js';
import { GpuOperationError } from '../gpu/error-scopes.js';
import { DEFAULT_LAYOUT_LIMITS, layoutGraph, planGraphAsync, type GraphLayout, type GraphPlan, type LayoutLimits, type PlanOptions } from '../plan/plan.js';
import { runPlan } from '../exec/gpu.js';
import { runGraphCpu } from '../exec/cpu.js';
import { needsSegments, SegmentedRunner, type SegmentedReport } from '../exec/segmented.js';
import { checkTileLayout, checkTileable, roundUp, tileGeometryOf, type ModelTileGeometry } from './model-geometry.js';
import { cropWindow, keptOutputRange, stitchWindow, tileGrid, tilesOfShape, type AxisWindow, type Tile, type TileBorder, type TileGrid } from './overlap-tile.js';

export interface TileProgress {
  /** Windows stitched so far, this one included: 1 to total. */
  readonly index: number;
  readonly total: number;
  readonly tile: Tile;
}

export interface TileOptions {
  /** 'auto' (default): tile only when one plan would not fit; a core size (pixels, rounded up to the model's alignment); false: never. */
  readonly tile?: { readonly height: number; readonly width: number } | 'auto' | false;
  /** 'zero' (default): windows stay inside the image, the result is the whole-image one; 'mirror': mirrored context at the border (the U-Net paper's). */
  readonly border?: TileBorder;
  /** Tile models with global ops (GlobalAveragePool...) anyway: each window then sees only itself. */
  readonly approximate?: boolean;
  /** Bytes of activation arena one plan may take (on top of the adapter's limits). */
  readonly memoryBudget?: number;
  readonly onTile?: (progress: TileProgress) => void;
}

/** Checks TileOptions' values; `what` names the caller in messages. */
export function checkTileOptions(options: TileOptions, what: string): void {
  const { tile, border, memoryBudget } = options;
  if (tile !== undefined && tile !== 'auto' && tile !== false) {
    const ok = typeof tile === 'object' && tile !== null && [tile.height, tile.width].every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1);
    if (!ok) throw new SegwgpuError(`${what}: tile must be 'auto', false or { height, width } in whole pixels >= 1, got ${JSON.stringify(tile)}`);
  }
  if (border !== undefined && border !== 'zero' && border !== 'mirror') throw new SegwgpuError(`${what}: border must be 'zero' or 'mirror', got ${JSON.stringify(border)}`);
  if (memoryBudget !== undefined && !(typeof memoryBudget === 'number' && Number.isFinite(memoryBudget) && memoryBudget > 0)) {
    throw new SegwgpuError(`${what}: memoryBudget must be a positive number of bytes, got ${String(memoryBudget)}`);
  }
  if (options.approximate !== undefined && typeof options.approximate !== 'boolean') throw new SegwgpuError(`${what}: approximate must be true or false, got ${String(options.approximate)}`);
}

/** Whether one plan of a layout fits, and what it needs. */
export interface Fit {
  readonly fits: boolean;
  readonly peakBytes: number;
  /** What is over, when it does not fit. */
  readonly why: string;
}

export interface MemoryLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly memoryBudget?: number;
}

export function memoryLimitsOf(ctx: GpuContext, memoryBudget?: number): MemoryLimits {
  return { maxBufferSize: ctx.device.limits.maxBufferSize, maxStorageBufferBindingSize: ctx.maxStorageBufferBindingSize, memoryBudget };
}

/** Layout limits for estimates: the adapter's, but no value refused (layoutFits says what is over). */
export function estimateLimitsOf(ctx: GpuContext | undefined): LayoutLimits {
  if (!ctx) return { ...DEFAULT_LAYOUT_LIMITS, maxStorageBufferBindingSize: Infinity };
  return { traits: ctx.traits, maxStorageBufferBindingSize: Infinity, minStorageBufferOffsetAlignment: ctx.device.limits.minStorageBufferOffsetAlignment };
}

/** Checks a layout against the limits (any of them may be Infinity). */
export function layoutFits(layout: GraphLayout, limits: MemoryLimits): Fit {
  const peakBytes = layout.memory.peakBytes;
  const largest = layout.lifetimes.reduce((m, l) => Math.max(m, l.bytes), 0);
  const readback = layout.graph.outputs.reduce((n, o) => n + 4 * sizeOf(layout.values.get(o)?.shape ?? []), 0);
  const over: string[] = [];
  if (peakBytes > limits.maxBufferSize) over.push(`a ${peakBytes}-byte activation arena, more than the adapter's maxBufferSize (${limits.maxBufferSize})`);
  if (limits.memoryBudget !== undefined && peakBytes > limits.memoryBudget) over.push(`a ${peakBytes}-byte activation arena, more than the memory budget (${limits.memoryBudget})`);
  if (largest > limits.maxStorageBufferBindingSize) over.push(`a ${largest}-byte value, more than the adapter's maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize})`);
  if (readback > limits.maxBufferSize) over.push(`${readback} bytes of outputs to read back, more than the adapter's maxBufferSize (${limits.maxBufferSize})`);
  return { fits: over.length === 0, peakBytes, why: [...new Set(over)].join(', ') };
}

/** What deciding needs: the model's layouts at input sizes, and whether one plan at a size fits. */
export interface TilingProblem {
  readonly height: number;
  readonly width: number;
  readonly imageInput: string;
  /** The model laid out for an image input of this many rows and columns (cached by the caller or not). */
  layout(height: number, width: number): GraphLayout;
  /** Whether one plan at this size fits (for the Segmenter: its wrapped graph's). */
  fits(height: number, width: number): Fit;
  /** Names the caller in messages ('run', 'Segmenter'). */
  readonly context: string;
  /**
   * Bytes of arena a window chosen by 'auto' may take besides fitting (default: no more):
   * runTiled takes half the adapter's maxBufferSize unless given a memoryBudget, since a plan
   * right at the limit is one a driver often cannot allocate.
   */
  readonly searchBudget?: number;
}

export type TilingDecision =
  | { readonly tiled: false; readonly reason: string }
  | { readonly tiled: true; readonly reason: string; readonly grid: TileGrid; readonly geometry: ModelTileGeometry; readonly peakBytes: number };

/** The size a window's output must have along an axis: its stride's share, or up to the whole output's end at the border. */
function expectedOutputSize(window: AxisWindow, num: number, den: number, imageSize: number, wholeOutput: number): number {
  const { offset } = keptOutputRange(window, { num, den }, imageSize, wholeOutput);
  return window.end === imageSize ? wholeOutput - offset : ((window.end - window.start) * num) / den;
}

/** Decides whether and how to tile (see the header); throws when it must tile and cannot. */
export function decideTiling(problem: TilingProblem, options: TileOptions): TilingDecision {
  const { height: H, width: W, context } = problem;
  const tile = options.tile ?? 'auto';
  const border = options.border ?? 'zero';
  const approximate = options.approximate === true;
  if (tile === false) return { tiled: false, reason: 'tiling off' };
  let why = '';
  if (tile === 'auto') {
    const fit = problem.fits(H, W);
    if (fit.fits && border === 'zero') return { tiled: false, reason: `the whole ${H}x${W} input fits one plan (arena ${fit.peakBytes} bytes)` };
    why = fit.fits ? `mirror border` : `the whole ${H}x${W} input needs ${fit.why}`;
  }
  const whole = problem.layout(H, W);
  const geometry = tileGeometryOf(whole, problem.imageInput);
  checkTileable(geometry, approximate, why ? `${context}: ${why}; tiling it` : context);
  const [ah, aw] = geometry.alignment;
  const wholeOutputs = new Map([...geometry.outputs.keys()].map((o) => [o, whole.values.get(o)!.shape] as const));
  const gridFor = (core: readonly [number, number]) => tileGrid({ height: H, width: W, core, margin: geometry.margin, alignment: geometry.alignment, border });
  // Checks every window shape of a grid (geometry, outputs); returns its largest arena, or what does not fit.
  const check = (grid: TileGrid, budget = Infinity): Fit => {
    let peakBytes = 0;
    for (const shape of grid.shapes) {
      const fit = problem.fits(shape.height, shape.width);
      const why = fit.fits ? (fit.peakBytes > budget ? `a ${fit.peakBytes}-byte activation arena, more than the ${budget} bytes tiles aim at` : '') : fit.why;
      if (why) return { fits: false, peakBytes: fit.peakBytes, why: `its ${shape.height}x${shape.width} windows need ${why}` };
      peakBytes = Math.max(peakBytes, fit.peakBytes);
    }
    return { fits: true, peakBytes, why: '' };
  };
  let grid: TileGrid;
  if (typeof tile === 'object') {
    grid = gridFor([roundUp(tile.height, ah), roundUp(tile.width, aw)]);
  } else {
    // The largest square core (a multiple of both alignments) whose windows fit, by bisection.
    const unit = (ah * aw) / gcd(ah, aw);
    const coreAt = (k: number): [number, number] => [Math.min(k * unit, roundUp(H, ah)), Math.min(k * unit, roundUp(W, aw))];
    let lo = 0;
    let hi = Math.ceil(Math.max(H, W) / unit);
    const fitsAt = new Map<number, Fit>();
    const probe = (k: number) => fitsAt.get(k) ?? fitsAt.set(k, check(gridFor(coreAt(k)), problem.searchBudget)).get(k)!;
    if (!probe(1).fits) {
      throw new SegwgpuError(
        `${context}: ${why}, and even the smallest tiles (core ${coreAt(1).join('x')}, margin ${geometry.margin.join('x')} for a receptive field of ${geometry.receptiveField.join('x')}): ${probe(1).why}`,
      );
    }
    lo = 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (probe(mid).fits) lo = mid;
      else hi = mid;
    }
    if (hi !== lo && probe(hi).fits) lo = hi;
    grid = gridFor(coreAt(lo));
  }
  // Every window shape: the same geometry as the whole image, outputs that map.
  for (const shape of grid.shapes) {
    const layout = problem.layout(shape.height, shape.width);
    const sample = tilesOfShape(grid, shape)[0]!;
    checkTileLayout(
      geometry,
      layout,
      shape,
      (output, axis) => {
        const scale = geometry.outputs.get(output)![axis];
        const w = axis === 0 ? sample.rows : sample.cols;
        const size = axis === 0 ? H : W;
        const wholeSize = wholeOutputs.get(output)![wholeOutputs.get(output)!.length - 2 + axis]!;
        return border === 'mirror' ? ((w.end - w.start) * scale.num) / scale.den : expectedOutputSize(w, scale.num, scale.den, size, wholeSize);
      },
      approximate,
      context,
    );
  }
  const fit = check(grid);
  if (!fit.fits) throw new SegwgpuError(`${context}: tile core ${grid.core.join('x')} (windows of core + margin ${geometry.margin.join('x')} on every side): ${fit.why}; choose a smaller tile`);
  const how = typeof tile === 'object' ? `core ${grid.core.join('x')} forced` : `core ${grid.core.join('x')}, the largest that fits`;
  return { tiled: true, reason: `${why ? `${why}: ` : ''}${grid.tiles.length} tiles, ${how}, margin ${grid.margin.join('x')}, alignment ${grid.alignment.join('x')}`, grid, geometry, peakBytes: fit.peakBytes };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The graph with its image input's rows and columns symbolic, so windows of any size can be planned. */
export function withSymbolicImage(graph: Graph, imageInput: string): Graph {
  return {
    ...graph,
    inputs: graph.inputs.map((i) => (i.name === imageInput && i.shape.length === 4 ? { ...i, shape: [i.shape[0]!, i.shape[1]!, `${imageInput}.tile_height`, `${imageInput}.tile_width`] } : i)),
  };
}

/** The image input: `given`, or the one four-dimensional float input. */
export function imageInputOf(graph: Graph, inputs: Readonly<Record<string, Tensor>>, given: string | undefined, context: string): string {
  if (given !== undefined) {
    const t = inputs[given];
    if (!t || t.shape.length !== 4) throw new SegwgpuError(`${context}: imageInput '${given}' is not a four-dimensional input of the model`);
    return given;
  }
  const images = graph.inputs.filter((i) => inputs[i.name]?.shape.length === 4 && inputs[i.name]!.dtype === 'float32').map((i) => i.name);
  if (images.length !== 1) {
    throw new SegwgpuError(`${context}: tiling needs one image input (four-dimensional float32), the model has ${images.length === 0 ? 'none' : images.map((n) => `'${n}'`).join(', ')}${images.length > 1 ? '; name it with imageInput' : ''}`);
  }
  return images[0]!;
}

export interface TiledRunOptions extends TileOptions {
  /** The input to tile (default: the one four-dimensional float input). */
  readonly imageInput?: string;
  readonly winograd?: PlanOptions['winograd'];
}

export interface TiledRunResult {
  readonly outputs: Record<string, Tensor>;
  readonly tiling: TilingDecision;
  /** Where the graph ran, when one plan could not hold it and it ran in GPU segments. */
  readonly segments?: SegmentedReport;
}

/** How windows of one shape are run: a plan, or the CPU reference. */
interface WindowRunner {
  run(inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  destroy(): void;
}

interface Backend {
  readonly limits: LayoutLimits;
  readonly memory: MemoryLimits | undefined;
  runWhole(graph: Graph, inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** A runner for windows of these input shapes; `values` are the other inputs (they may fix shapes). */
  forShape(graph: Graph, inputShapes: Readonly<Record<string, Shape>>, values: Readonly<Record<string, Tensor>>): Promise<WindowRunner>;
}

const layoutKey = (h: number, w: number) => `${h}x${w}`;

async function runTiledOn(backend: Backend, graph: Graph, inputs: Readonly<Record<string, Tensor>>, options: TiledRunOptions, context: string): Promise<TiledRunResult> {
  checkTileOptions(options, context);
  if (options.tile === false) return { outputs: await backend.runWhole(graph, inputs), tiling: { tiled: false, reason: 'tiling off' } };
  let imageInput: string;
  try {
    imageInput = imageInputOf(graph, inputs, options.imageInput, context);
  } catch (e) {
    // 'auto' on a model without one image input: nothing to tile.
    if ((options.tile ?? 'auto') !== 'auto' || options.border === 'mirror' || options.imageInput !== undefined) throw e;
    return { outputs: await backend.runWhole(graph, inputs), tiling: { tiled: false, reason: (e as Error).message } };
  }
  const image = inputs[imageInput]!;
  const [N, C, H, W] = image.shape as [number, number, number, number];
  const tiled = withSymbolicImage(graph, imageInput);
  const others = Object.fromEntries(Object.entries(inputs).filter(([name]) => name !== imageInput));
  const shapesAt = (h: number, w: number): Record<string, Shape> => ({ ...Object.fromEntries(Object.entries(others).map(([k, t]) => [k, t.shape])), [imageInput]: [N, C, h, w] });
  const layouts = new Map<string, GraphLayout>();
  const layout = (h: number, w: number) => {
    const key = layoutKey(h, w);
    let l = layouts.get(key);
    if (!l) {
      // The whole input through the model as declared (a fixed size is checked), windows with the image's size symbolic.
      l = layoutGraph(h === H && w === W ? graph : tiled, { inputShapes: shapesAt(h, w), inputValues: others, winograd: options.winograd }, backend.limits);
      layouts.set(key, l);
    }
    return l;
  };
  const auto = (options.tile ?? 'auto') === 'auto';
  if (auto) {
    try {
      layout(H, W);
    } catch (e) {
      // No one plan holds a detection model: it runs whole, segmented (nothing to tile).
      if (!needsSegments(e)) throw e;
      return { outputs: await backend.runWhole(graph, inputs), tiling: { tiled: false, reason: 'run in GPU segments split at host nodes (shapes follow from values computed at run time)' } };
    }
  }
  let budget = options.memoryBudget;
  // 'auto' whose plan the driver cannot allocate after all (out of memory within the limits)
  // tries again in tiles of at most half that arena, a few times.
  for (let attempt = 0; ; attempt++) {
    // The CPU has no adapter limits: only the budget, if any.
    const memory: MemoryLimits = { ...(backend.memory ?? { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity }), memoryBudget: budget };
    const fits = (h: number, w: number): Fit => layoutFits(layout(h, w), memory);
    const searchBudget = budget ?? (backend.memory ? backend.memory.maxBufferSize / 2 : undefined);
    const decision = decideTiling({ height: H, width: W, imageInput, layout, fits, context, searchBudget }, { ...options, memoryBudget: budget });
    try {
      if (!decision.tiled) return { outputs: await backend.runWhole(graph, inputs), tiling: decision };
      return { outputs: await runTiles(backend, decision, graph, tiled, imageInput, image, others, shapesAt, layout(H, W), options.onTile), tiling: decision };
    } catch (e) {
      const outOfMemory = e instanceof GpuOperationError && e.kind === 'out-of-memory';
      const peak = decision.tiled ? decision.peakBytes : layout(H, W).memory.peakBytes;
      if (!auto || !outOfMemory || attempt >= 3) throw e;
      budget = Math.floor(peak / 2);
    }
  }
}

/** The windows of a decision, shape by shape, stitched into the whole outputs. */
async function runTiles(
  backend: Backend,
  decision: Extract<TilingDecision, { tiled: true }>,
  graph: Graph,
  tiled: Graph,
  imageInput: string,
  image: Tensor,
  others: Readonly<Record<string, Tensor>>,
  shapesAt: (h: number, w: number) => Record<string, Shape>,
  whole: GraphLayout,
  onTile: TileOptions['onTile'],
): Promise<Record<string, Tensor>> {
  const { grid, geometry } = decision;
  const [H, W] = [grid.height, grid.width];
  const outputs: Record<string, Tensor> = {};
  for (const name of graph.outputs) {
    const info = whole.values.get(name)!;
    const n = sizeOf(info.shape);
    const data = info.dtype === 'float32' ? new Float32Array(n) : info.dtype === 'int32' ? new Int32Array(n) : new BigInt64Array(n);
    outputs[name] = { dtype: info.dtype, shape: [...info.shape], data } as Tensor;
  }
  let done = 0;
  for (const shape of grid.shapes) {
    const tiles = tilesOfShape(grid, shape);
    const runner = await backend.forShape(tiled, shapesAt(shape.height, shape.width), others);
    try {
      for (const tile of tiles) {
        const part = await runner.run({ ...others, [imageInput]: cropWindow(image, tile.rows, tile.cols) });
        for (const name of graph.outputs) stitchWindow(outputs[name]!, part[name]!, tile, geometry.outputs.get(name)!, [H, W]);
        onTile?.({ index: ++done, total: grid.tiles.length, tile });
      }
    } finally {
      runner.destroy();
    }
  }
  return outputs;
}

/**
 * Runs a graph on the GPU, tiled where its input is too large for one plan (or as `tile` says):
 * the outputs of the whole input, and what was decided.
 */
export async function runTiled(ctx: GpuContext, graph: Graph, inputs: Readonly<Record<string, Tensor>>, options: TiledRunOptions = {}): Promise<TiledRunResult> {
  let segments: SegmentedReport | undefined;
  const result = await runTiledOn(
    {
      limits: estimateLimitsOf(ctx),
      memory: memoryLimitsOf(ctx, options.memoryBudget),
      async runWhole(g, all) {
        const inputShapes = Object.fromEntries(Object.entries(all).map(([k, t]) => [k, t.shape]));
        let plan: GraphPlan;
        try {
          plan = await planGraphAsync(ctx, g, { inputShapes, inputValues: all, winograd: options.winograd });
        } catch (e) {
          if (!needsSegments(e)) throw e;
          // Detection models: GPU segments with the host in between (src/exec/segmented.ts).
          const segmented = new SegmentedRunner(ctx, g, { winograd: options.winograd });
          try {
            return await segmented.run(all);
          } finally {
            segments = segmented.lastReport;
            segmented.destroy();
          }
        }
        try {
          return (await runPlan(plan, all)).outputs;
        } finally {
          plan.destroy();
        }
      },
      async forShape(g, inputShapes, values) {
        const plan = await planGraphAsync(ctx, g, { inputShapes, inputValues: values, winograd: options.winograd });
        return { run: async (all) => (await runPlan(plan, all)).outputs, destroy: () => plan.destroy() };
      },
    },
    graph,
    inputs,
    options,
    'runTiled',
  );
  return segments ? { ...result, segments } : result;
}

/**
 * The same tiling on the CPU reference (runGraphCpu per window): for testing, and for `run
 * --backend cpu --tile`. 'auto' tiles here only past a memoryBudget (the CPU has no adapter limits).
 */
export function runTiledCpu(graph: Graph, inputs: Readonly<Record<string, Tensor>>, options: TiledRunOptions = {}): Promise<TiledRunResult> {
  const budget = options.memoryBudget;
  return runTiledOn(
    {
      limits: estimateLimitsOf(undefined),
      memory: budget === undefined ? undefined : { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity, memoryBudget: budget },
      runWhole: async (g, all) => runGraphCpu(g, all),
      forShape: async (g) => ({ run: async (all) => runGraphCpu(g, all), destroy: () => undefined }),
    },
    graph,
    inputs,
    options,
    'runTiledCpu',
  );
}
