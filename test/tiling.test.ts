/**
 * Overlap-tile inference (src/tiling/): the window geometry by hand-worked examples; U-Net and
 * SegNet run in forced small tiles equal to their whole-image GPU output, the CPU reference and
 * PyTorch's output; tiling chosen by itself past a memory budget; coarse and upsampled outputs;
 * global ops refused (or accepted as approximate); the mirror border; the Segmenter's tiled masks;
 * `segwgpu run --tile`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '../src/core/tensor.js';
import type { Graph } from '../src/ir/graph.js';
import type { GpuContext } from '../src/gpu/context.js';
import { GraphBuilder } from '../src/builders/graph-builder.js';
import { buildUNet } from '../src/builders/unet.js';
import { BUILT_GRAPHS } from '../src/builders/builtin.js';
import { importOnnx } from '../src/import/onnx.js';
import { exportOnnx } from '../src/export/onnx-export.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { layoutGraph } from '../src/plan/plan.js';
import { axisWindows, cropWindow, reflectIndex, stitchWindow, tileGrid } from '../src/tiling/overlap-tile.js';
import { tileGeometryOf } from '../src/tiling/model-geometry.js';
import { estimateLimitsOf, runTiled, runTiledCpu, withSymbolicImage, type TileProgress } from '../src/tiling/run-tiled.js';
import { wrapForSegmentation } from '../src/segment/wrap.js';
import { alignedRowWords } from '../src/segment/pack.js';
import { Segmenter, type RawImage } from '../src/api/segmenter.js';
import type { SegmenterProgress } from '../src/api/progress.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor, rng } from './util/random.js';
import { segwgpu } from './util/run.js';
import { RUN, runModel } from '../src/cli/commands.js';
import { parseCommand } from '../src/cli/args.js';

const FIXTURES = 'test/fixtures/models';
const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)));
const fixture = (name: string) => ({
  graph: importOnnx(readFileSync(join(FIXTURES, `${name}.onnx`)), { name }),
  input: npy(join(FIXTURES, `${name}.input.npy`)),
  expected: npy(join(FIXTURES, `${name}.expected.npy`)),
  atol: (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as { tolerance: { atol: number } }).tolerance.atol,
});
const work = mkdtempSync(join(tmpdir(), 'segwgpu-tiling-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectClose(actual: Tensor, expected: Tensor, atol: number, what: string): void {
  const c = compareTensors(actual, expected, { atol, rtol: 0 });
  expect(c.ok, `${what}: ${c.message}`).toBe(true);
}

/** The depth-3 U-Net of the builder (2 pools: alignment 4), 4 base channels, 3 classes. */
const smallUNet = (height: number, width: number) => buildUNet({ depth: 3, baseWidth: 4, classes: 3, height, width });

describe('tile geometry', () => {
  it('slides windows inward at the border, merges cores that share one, and keeps each pixel once (200 rows, core 32, margin 48, alignment 4)', () => {
    // Windows are core + 2 margins = 128; the last starts at the multiple of 4 at or below 200 - 128 = 72.
    // Cores [0,32) and [32,64) both clamp to start 0; [128,160), [160,192), [192,200) to 72.
    expect(axisWindows(200, 32, 48, 4)).toEqual([
      { start: 0, end: 128, keepStart: 0, keepEnd: 64 },
      { start: 16, end: 144, keepStart: 64, keepEnd: 96 },
      { start: 48, end: 176, keepStart: 96, keepEnd: 128 },
      { start: 72, end: 200, keepStart: 128, keepEnd: 200 },
    ]);
    // 136 columns: the last window starts at 8; cores from [64,96) on all clamp to it.
    expect(axisWindows(136, 32, 48, 4)).toEqual([
      { start: 0, end: 128, keepStart: 0, keepEnd: 64 },
      { start: 8, end: 136, keepStart: 64, keepEnd: 136 },
    ]);
    const grid = tileGrid({ height: 200, width: 136, core: [32, 32], margin: [48, 48], alignment: [4, 4] });
    expect(grid.tiles.length).toBe(8);
    expect(grid.shapes).toEqual([{ height: 128, width: 128 }]);
  });

  it('makes the last window up to alignment - 1 longer, so a grid has at most two sizes per axis (four shapes)', () => {
    // 130 pixels, core 32, margin 16, alignment 8: windows of 64, the last from floor(66 / 8) * 8 = 64 to 130.
    expect(axisWindows(130, 32, 16, 8)).toEqual([
      { start: 0, end: 64, keepStart: 0, keepEnd: 32 },
      { start: 16, end: 80, keepStart: 32, keepEnd: 64 },
      { start: 48, end: 112, keepStart: 64, keepEnd: 96 },
      { start: 64, end: 130, keepStart: 96, keepEnd: 130 },
    ]);
    const grid = tileGrid({ height: 130, width: 130, core: [32, 32], margin: [16, 16], alignment: [8, 8] });
    expect(grid.tiles.length).toBe(16);
    expect(grid.shapes).toEqual([
      { height: 66, width: 66 },
      { height: 66, width: 64 },
      { height: 64, width: 66 },
      { height: 64, width: 64 },
    ]);
  });

  it('is one window when the axis fits one (size within the core, or within core + 2 margins)', () => {
    expect(axisWindows(20, 32, 16, 8)).toEqual([{ start: 0, end: 20, keepStart: 0, keepEnd: 20 }]);
    expect(axisWindows(64, 16, 24, 8)).toEqual([{ start: 0, end: 64, keepStart: 0, keepEnd: 64 }]);
  });

  it('mirror: every window core + 2 margins, reaching past the image', () => {
    expect(axisWindows(100, 32, 16, 8, 'mirror')).toEqual([
      { start: -16, end: 48, keepStart: 0, keepEnd: 32 },
      { start: 16, end: 80, keepStart: 32, keepEnd: 64 },
      { start: 48, end: 112, keepStart: 64, keepEnd: 96 },
      { start: 80, end: 144, keepStart: 96, keepEnd: 100 },
    ]);
  });

  it('holds its rules on any axis: aligned starts inside the image, kept ranges partitioning it, a margin from every inner edge', () => {
    const next = rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const a = [1, 2, 4, 8, 16][Math.floor(next() * 5)]!;
      const core = a * (1 + Math.floor(next() * 6));
      const margin = a * Math.floor(next() * 5);
      const size = 1 + Math.floor(next() * 400);
      const windows = axisWindows(size, core, margin, a);
      let at = 0;
      for (const w of windows) {
        expect(w.keepStart).toBe(at);
        at = w.keepEnd;
        expect(w.start % a).toBe(0);
        expect(w.start >= 0 && w.end <= size && w.start <= w.keepStart && w.keepEnd <= w.end).toBe(true);
        if (w.start > 0) expect(w.keepStart - w.start).toBeGreaterThanOrEqual(margin);
        if (w.end < size) expect(w.end - w.keepEnd).toBeGreaterThanOrEqual(margin);
      }
      expect(at).toBe(size);
      expect(new Set(windows.map((w) => w.end - w.start)).size).toBeLessThanOrEqual(2);
    }
  });

  it('refuses cores and margins off the alignment', () => {
    expect(() => axisWindows(100, 30, 16, 8)).toThrow(/core 30 is not a positive multiple of the alignment 8/);
    expect(() => axisWindows(100, 32, 12, 8)).toThrow(/margin 12 is not a multiple of the alignment 8/);
  });

  it('mirrors like numpy reflect, and crops and stitches windows of NCHW tensors', () => {
    expect([-4, -3, -2, -1, 0, 3, 4, 5, 6, 7].map((i) => reflectIndex(i, 4))).toEqual([2, 3, 2, 1, 0, 3, 2, 1, 0, 1]);
    // One 4x5 plane holding 10 * row + column.
    const t: Tensor = { dtype: 'float32', shape: [1, 1, 4, 5], data: Float32Array.from({ length: 20 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5)) };
    const crop = cropWindow(t, { start: -1, end: 2, keepStart: 0, keepEnd: 1 }, { start: 3, end: 6, keepStart: 3, keepEnd: 5 });
    expect(crop.shape).toEqual([1, 1, 3, 3]);
    expect(Array.from(crop.data as Float32Array)).toEqual([13, 14, 13, 3, 4, 3, 13, 14, 13]);
    const target: Tensor = { dtype: 'float32', shape: [1, 1, 4, 5], data: new Float32Array(20) };
    const tile = { index: 0, rows: { start: 1, end: 4, keepStart: 2, keepEnd: 4 }, cols: { start: 0, end: 5, keepStart: 1, keepEnd: 3 } };
    stitchWindow(target, cropWindow(t, tile.rows, tile.cols), tile, [{ num: 1, den: 1 }, { num: 1, den: 1 }], [4, 5]);
    expect(Array.from(target.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 21, 22, 0, 0, 0, 31, 32, 0, 0]);
  });

  it("takes the model's alignment and margin from its strides and receptive field", () => {
    // Depth 3: two 3x3 convs (+2 each) -> 5, pool 2 (+1, stride 2) -> 6, convs at stride 2 (+4 each)
    // -> 14, pool (+2, stride 4) -> 16, convs at 4 -> 32, up-conv 2x2 (+2, back to stride 2) -> 34,
    // convs -> 42, up-conv (+1) -> 43, convs -> 47, 1x1 -> 47: margin 48 (a multiple of 4).
    const small = tileGeometryOf(layoutGraph(smallUNet(64, 64)), 'input');
    expect([small.alignment, small.receptiveField, small.margin]).toEqual([[4, 4], [47, 47], [48, 48]]);
    expect([...small.outputs.values()]).toEqual([[{ num: 1, den: 1 }, { num: 1, den: 1 }]]);
    // The fixture: three pools (alignment 8), receptive field 103, margin 104.
    const unet = tileGeometryOf(layoutGraph(fixture('unet').graph), 'input');
    expect([unet.alignment, unet.receptiveField, unet.margin, unet.global]).toEqual([[8, 8], [103, 103], [104, 104], []]);
  });
});

describe('tiled runs equal whole-image runs', () => {
  let ctx: GpuContext;
  beforeAll(async () => {
    ctx = await testGpu();
  });

  it('U-Net fixture: tiled at 64x64 equals PyTorch; at 256x160 in two windows equals the whole-image GPU output', async () => {
    const f = fixture('unet');
    const progress: TileProgress[] = [];
    const small = await runTiled(ctx, f.graph, { input: f.input }, { tile: { height: 32, width: 32 }, onTile: (p) => progress.push(p) });
    // A 104-pixel margin makes the 64x64 fixture one window: the tiled path, whole-image work.
    expect(small.tiling.tiled && small.tiling.grid.tiles.length).toBe(1);
    expect(progress.map((p) => [p.index, p.total])).toEqual([[1, 1]]);
    expectClose(small.outputs.output!, f.expected, f.atol, 'tiled vs PyTorch');

    const graph = withSymbolicImage(f.graph, 'input');
    const x = randomTensor([1, 3, 256, 160], 11);
    const tiled = await runTiled(ctx, graph, { input: x }, { tile: { height: 32, width: 32 } });
    expect(tiled.tiling.tiled && tiled.tiling.grid.tiles.map((t) => [t.rows, t.cols])).toEqual([
      [{ start: 0, end: 240, keepStart: 0, keepEnd: 128 }, { start: 0, end: 160, keepStart: 0, keepEnd: 160 }],
      [{ start: 16, end: 256, keepStart: 128, keepEnd: 256 }, { start: 0, end: 160, keepStart: 0, keepEnd: 160 }],
    ]);
    const whole = await runTiled(ctx, graph, { input: x }, { tile: false });
    expectClose(tiled.outputs.output!, whole.outputs.output!, f.atol, 'tiled vs whole (GPU)');
  });

  it("the builder's U-Net at 200x136 in eight 128x128 windows equals the whole image, GPU and CPU", async () => {
    const graph = smallUNet(200, 136);
    const x = randomTensor([1, 3, 200, 136], 12);
    const tiled = await runTiled(ctx, graph, { input: x }, { tile: { height: 32, width: 32 } });
    expect(tiled.tiling.tiled && [tiled.tiling.grid.tiles.length, tiled.tiling.grid.shapes]).toEqual([8, [{ height: 128, width: 128 }]]);
    const whole = await runTiled(ctx, graph, { input: x }, { tile: false });
    const out = graph.outputs[0]!;
    expectClose(tiled.outputs[out]!, whole.outputs[out]!, 1e-5, 'tiled vs whole (GPU)');
    expectClose(tiled.outputs[out]!, runGraphCpu(graph, { input: x })[out]!, 1e-4, 'GPU tiled vs CPU whole');
  });

  it('SegNet fixture (pools with indices, MaxUnpool): at 48x64 equals PyTorch; at 224x200 in six windows equals the whole image', async () => {
    const f = fixture('segnet');
    const small = await runTiled(ctx, f.graph, { input: f.input }, { tile: { height: 16, width: 16 } });
    expectClose(small.outputs.output!, f.expected, f.atol, 'tiled vs PyTorch');
    const graph = withSymbolicImage(f.graph, 'input');
    const x = randomTensor([1, 3, 224, 200], 13);
    const tiled = await runTiled(ctx, graph, { input: x }, { tile: { height: 32, width: 32 } });
    expect(tiled.tiling.tiled && [tiled.tiling.grid.tiles.length, tiled.tiling.grid.margin]).toEqual([6, [80, 80]]);
    const whole = await runTiled(ctx, graph, { input: x }, { tile: false });
    expectClose(tiled.outputs.output!, whole.outputs.output!, f.atol, 'tiled vs whole (GPU)');
  });

  it('coarse (stride 4) and upsampled (x2) outputs map onto their tiles', async () => {
    const b = new GraphBuilder('coarse', 5);
    const x = b.input('input', [1, 3, 'h', 'w']);
    const pooled = b.maxPool(b.relu(b.conv(x, 3, 4, 3, { pad: 1, stride: 2 })), 2, 2)[0]!;
    const coarse = b.conv(pooled, 4, 2, 3, { pad: 1, name: 'coarse' });
    const up = b.node('ConvTranspose', [b.conv(x, 3, 4, 3, { pad: 1 }), b.weights('up_w', [4, 2, 2, 2], 4)], { kernel_shape: [2, 2], strides: [2, 2] }, 1, 'fine')[0]!;
    const graph = b.build([coarse, up]);
    // 102 x 86: odd halves on the way (51 -> 25, 43 -> 21), as the whole image has them.
    const input = randomTensor([1, 3, 102, 86], 14);
    const whole = runGraphCpu(graph, { input });
    expect([whole.coarse!.shape, whole.fine!.shape]).toEqual([[1, 2, 25, 21], [1, 2, 204, 172]]);
    const geometry = tileGeometryOf(layoutGraph(graph, { inputShapes: { input: [1, 3, 102, 86] } }), 'input');
    expect([...geometry.outputs]).toEqual([
      ['coarse', [{ num: 1, den: 4 }, { num: 1, den: 4 }]],
      ['fine', [{ num: 2, den: 1 }, { num: 2, den: 1 }]],
    ]);
    const cpu = await runTiledCpu(graph, { input }, { tile: { height: 8, width: 8 } });
    expect(cpu.tiling.tiled && cpu.tiling.grid.tiles.length).toBeGreaterThan(4);
    expectClose(cpu.outputs.coarse!, whole.coarse!, 0, 'coarse, CPU');
    expectClose(cpu.outputs.fine!, whole.fine!, 0, 'fine, CPU');
    const gpu = await runTiled(ctx, graph, { input }, { tile: { height: 8, width: 8 } });
    expectClose(gpu.outputs.coarse!, whole.coarse!, 1e-5, 'coarse, GPU');
    expectClose(gpu.outputs.fine!, whole.fine!, 1e-5, 'fine, GPU');
  });
});

describe('tiling chosen by itself', () => {
  let ctx: GpuContext;
  beforeAll(async () => {
    ctx = await testGpu();
  });

  it('tiles an input whose arena is over the memory budget, with the largest tile that fits, and matches the whole image', async () => {
    const graph = smallUNet(200, 136);
    const x = randomTensor([1, 3, 200, 136], 15);
    const peak = layoutGraph(graph).memory.peakBytes;
    const whole = await runTiled(ctx, graph, { input: x });
    expect(whole.tiling).toEqual({ tiled: false, reason: `the whole 200x136 input fits one plan (arena ${peak} bytes)` });
    const budget = Math.floor(peak / 2);
    const tiled = await runTiled(ctx, graph, { input: x }, { memoryBudget: budget });
    if (!tiled.tiling.tiled) throw new Error(tiled.tiling.reason);
    expect(tiled.tiling.reason).toMatch(new RegExp(`^the whole 200x136 input needs a ${peak}-byte activation arena, more than the memory budget \\(${budget}\\): \\d+ tiles, core \\d+x\\d+, the largest that fits`));
    expect(tiled.tiling.peakBytes).toBeLessThanOrEqual(budget);
    // The next larger core does not fit.
    const [ch] = tiled.tiling.grid.core;
    await expect(runTiledCpu(graph, { input: x }, { tile: { height: ch + 4, width: ch + 4 }, memoryBudget: budget })).rejects.toThrow(/windows need a \d+-byte activation arena, more than the memory budget/);
    const out = graph.outputs[0]!;
    expectClose(tiled.outputs[out]!, whole.outputs[out]!, 1e-5, 'auto-tiled vs whole');
  });

  it('a U-Net at 512x768 over its budget runs in 4+ tiles and equals the whole image', async () => {
    // Two base channels keep it quick on a software adapter.
    const graph = buildUNet({ depth: 3, baseWidth: 2, classes: 3, height: 512, width: 768 });
    const x = randomTensor([1, 3, 512, 768], 16);
    const peak = layoutGraph(graph).memory.peakBytes;
    const tiled = await runTiled(ctx, graph, { input: x }, { memoryBudget: Math.floor(peak / 3) });
    expect(tiled.tiling.tiled && tiled.tiling.grid.tiles.length).toBeGreaterThanOrEqual(4);
    const whole = await runTiled(ctx, graph, { input: x }, { tile: false });
    const out = graph.outputs[0]!;
    expectClose(tiled.outputs[out]!, whole.outputs[out]!, 1e-5, 'auto-tiled vs whole at 512x768');
  });

  it('says what does not fit when even the smallest tiles do not', async () => {
    const graph = smallUNet(200, 136);
    await expect(runTiled(ctx, graph, { input: randomTensor([1, 3, 200, 136], 17) }, { memoryBudget: 1000 })).rejects.toThrow(
      /^runTiled: the whole 200x136 input needs a \d+-byte activation arena, more than the memory budget \(1000\), and even the smallest tiles \(core 4x4, margin 48x48 for a receptive field of 47x47\): its 100x100 windows need a \d+-byte activation arena, more than the memory budget \(1000\)$/,
    );
  });

  it('off keeps the old refusal, and bad options are named', async () => {
    const graph = smallUNet(200, 136);
    const input = randomTensor([1, 3, 200, 136], 18);
    await expect(runTiled(ctx, graph, { input }, { tile: { height: 0, width: 32 } })).rejects.toThrow(/runTiled: tile must be 'auto', false or \{ height, width \} in whole pixels >= 1, got \{"height":0,"width":32\}/);
    await expect(runTiled(ctx, graph, { input }, { border: 'reflect' as 'mirror' })).rejects.toThrow(/border must be 'zero' or 'mirror', got "reflect"/);
    await expect(runTiled(ctx, graph, { input }, { memoryBudget: -1 })).rejects.toThrow(/memoryBudget must be a positive number of bytes, got -1/);
  });
});

describe('global ops', () => {
  /** conv -> GlobalAveragePool -> Mul (a squeeze-and-excitation gate) -> conv. */
  function gated(): Graph {
    const b = new GraphBuilder('gated', 6);
    const x = b.input('input', [1, 3, 'h', 'w']);
    const features = b.relu(b.conv(x, 3, 4, 3, { pad: 1 }));
    const pooled = b.node('GlobalAveragePool', [features], {}, 1, 'squeeze')[0]!;
    const gate = b.node('Mul', [features, pooled])[0]!;
    return b.build([b.conv(gate, 4, 2, 3, { pad: 1, name: 'out' })]);
  }

  it('refuses a model with a global pool, naming the node, unless approximate tiling is accepted', async () => {
    const input = randomTensor([1, 3, 40, 48], 19);
    await expect(runTiledCpu(gated(), { input }, { tile: { height: 8, width: 8 } })).rejects.toThrow(
      "runTiledCpu: node 'squeeze' (GlobalAveragePool) takes one window over the whole map (its input's 40 rows), so output pixels depend on the whole image and tiles would change the result; accept approximate tiling (approximate: true, --tile-approximate) to tile anyway",
    );
    const approximate = await runTiledCpu(gated(), { input }, { tile: { height: 8, width: 8 }, approximate: true });
    expect(approximate.tiling.tiled && approximate.tiling.grid.tiles.length).toBeGreaterThan(1);
    expect(approximate.outputs.out!.shape).toEqual([1, 2, 40, 48]);
    // Each tile pooled only itself: not the whole-image result.
    expect(compareTensors(approximate.outputs.out!, runGraphCpu(gated(), { input }).out!, { atol: 1e-4, rtol: 0 }).ok).toBe(false);
    // Past a budget, 'auto' refuses with both reasons.
    await expect(runTiledCpu(gated(), { input }, { memoryBudget: 4096 })).rejects.toThrow(/^runTiledCpu: the whole 40x48 input needs a \d+-byte activation arena, more than the memory budget \(4096\); tiling it: node 'squeeze' \(GlobalAveragePool\)/);
  });

  it('refuses ReduceMean over the pixels, outputs that are not maps, and a resize to a fixed size', async () => {
    const input = randomTensor([1, 3, 32, 32], 20);
    const forced = { tile: { height: 8, width: 8 } } as const;
    const mean = new GraphBuilder('mean', 7);
    const m = mean.conv(mean.input('input', [1, 3, 'h', 'w']), 3, 2, 3, { pad: 1 });
    const reduced = mean.node('ReduceMean', [m], { axes: [2, 3], keepdims: 1 }, 1, 'mean')[0]!;
    await expect(runTiledCpu(mean.build([mean.node('Add', [m, reduced])[0]!]), { input }, forced)).rejects.toThrow(/node 'mean' \(ReduceMean\) reduces its input's 32 rows to one/);

    const flat = new GraphBuilder('flat', 8);
    const f = flat.node('Flatten', [flat.conv(flat.input('input', [1, 3, 'h', 'w']), 3, 2, 3, { pad: 1 })], { axis: 1 }, 1, 'flatten')[0]!;
    await expect(runTiledCpu(flat.build([f]), { input }, forced)).rejects.toThrow(/tiling cannot map this model: .*output 'flatten' of shape \[1x2048\] is not a map of the image's pixels/);

    const fixed = new GraphBuilder('fixed', 9);
    const c = fixed.conv(fixed.input('input', [1, 3, 'h', 'w']), 3, 2, 3, { pad: 1 });
    const resized = fixed.node('Resize', [c, '', '', fixed.ints('sizes', [1, 2, 16, 16])], { mode: 'linear' }, 1, 'resize')[0]!;
    await expect(runTiledCpu(fixed.build([resized]), { input }, forced)).rejects.toThrow(/node 'resize' \(Resize\) has scale [\d.]+x[\d.]+ at a \d+x\d+ window but scale 2x2 on the whole image: its geometry depends on the input's size/);
  });
});

describe('mirror border', () => {
  it("is the model on the mirror-extended image, and differs from zero padding only near the border", async () => {
    const ctx = await testGpu();
    const graph = smallUNet(200, 136);
    const x = randomTensor([1, 3, 200, 136], 21);
    const out = graph.outputs[0]!;
    const mirror = await runTiled(ctx, graph, { input: x }, { tile: { height: 64, width: 64 }, border: 'mirror' });
    // Windows of 64 + 2 x 48, 4 along the rows and 3 along the columns, all of one shape.
    expect(mirror.tiling.tiled && [mirror.tiling.grid.tiles.length, mirror.tiling.grid.shapes]).toEqual([12, [{ height: 160, width: 160 }]]);
    // The same as the whole image extended by the 48-pixel margin (numpy 'reflect'), cropped back.
    const extended = cropWindow(x, { start: -48, end: 248, keepStart: 0, keepEnd: 0 }, { start: -48, end: 184, keepStart: 0, keepEnd: 0 });
    const onExtended = runGraphCpu(withSymbolicImage(graph, 'input'), { input: extended })[out]!;
    const cropped = cropWindow(onExtended, { start: 48, end: 248, keepStart: 0, keepEnd: 0 }, { start: 48, end: 184, keepStart: 0, keepEnd: 0 });
    expectClose(mirror.outputs[out]!, cropped, 1e-4, 'mirror tiles vs the mirror-extended image');
    // Against the model's zero padding: equal wherever the receptive field (47) does not reach the border.
    const zero = runGraphCpu(graph, { input: x })[out]!;
    const [C, H, W] = [3, 200, 136];
    let nearDiffers = false;
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let xx = 0; xx < W; xx++) {
          const i = (c * H + y) * W + xx;
          const d = Math.abs((mirror.outputs[out]!.data as Float32Array)[i]! - (zero.data as Float32Array)[i]!);
          const inside = Math.min(y, xx, H - 1 - y, W - 1 - xx) >= 47;
          if (inside) expect(d, `pixel ${c},${y},${xx}`).toBeLessThan(1e-4);
          else if (d > 1e-3) nearDiffers = true;
        }
      }
    }
    expect(nearDiffers).toBe(true);
  });
});

describe('Segmenter tiles', () => {
  function photo(width: number, height: number, seed: number): RawImage {
    const next = rng(seed);
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.floor(next() * 256);
    return { data, width, height };
  }
  /** The built-in 'unet' (256x256 input) with its input size made symbolic: it then runs at the image's size. */
  const symbolicUNet = () => ({ graph: withSymbolicImage(BUILT_GRAPHS.unet!.build(), 'input'), mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const, output: 'logits' as const });

  it("gives the built-in U-Net's untiled masks with tiles forced, reporting each tile", async () => {
    const device = (await testGpu()).device;
    const progress: SegmenterProgress[] = [];
    const tiled = await Segmenter.create({ model: symbolicUNet(), device, tile: { height: 8, width: 8 }, onProgress: (p) => progress.push(p) });
    const whole = await Segmenter.create({ model: symbolicUNet(), device, tile: false });
    try {
      // Margin 104 on every side: windows of 216; 224 rows take two, 216 columns one.
      const image = photo(216, 224, 22);
      const a = await tiled.segment(image);
      const b = await whole.segment(image);
      expect(progress.filter((p) => p.phase === 'tile')).toEqual([
        { phase: 'tile', width: 216, height: 224, index: 1, total: 2 },
        { phase: 'tile', width: 216, height: 224, index: 2, total: 2 },
      ]);
      expect(progress.some((p) => p.phase === 'compile' && p.width === 216 && p.height === 216)).toBe(true);
      for (let k = 0; k < 21; k++) {
        const d = a.confidenceMasks![k]!.reduce((m, v, i) => Math.max(m, Math.abs(v - b.confidenceMasks![k]![i]!)), 0);
        expect(d, `class ${k}`).toBeLessThan(1e-5);
      }
      // Categories equal but for near-ties of the two runs' scores.
      const differ = a.categoryMask!.filter((v, i) => v !== b.categoryMask![i]).length;
      expect(differ).toBeLessThanOrEqual(2);
      // A small image is one window: run as it is.
      const small = await tiled.segment(photo(48, 32, 23));
      expect(small.categoryMask!.length).toBe(48 * 32);
      expect(progress.filter((p) => p.phase === 'tile').length).toBe(2);
      // 'auto' tiles by itself past a budget between the whole image's arena and a window's.
      const ctx = await testGpu();
      const arena = (w: number, h: number) =>
        layoutGraph(wrapForSegmentation(symbolicUNet().graph, { imageWidth: w, imageHeight: h, rowWords: alignedRowWords(w), ...symbolicUNet() }), {}, estimateLimitsOf(ctx)).memory.peakBytes;
      const budget = Math.floor((arena(216, 224) + arena(216, 216)) / 2);
      const auto = await Segmenter.create({ model: symbolicUNet(), device, memoryBudget: budget, onProgress: (p) => progress.push(p) });
      try {
        const c = await auto.segment(image);
        expect(progress.filter((p) => p.phase === 'tile').length).toBe(4);
        expect(c.categoryMask).toEqual(a.categoryMask);
        expect(c.confidenceMasks![5]).toEqual(a.confidenceMasks![5]);
      } finally {
        await auto.close();
      }
    } finally {
      await tiled.close();
      await whole.close();
    }
  });

  it('refuses forced tiles for a model with a fixed input size, and bad tile options', async () => {
    await expect(Segmenter.create({ model: 'unet', backend: 'cpu', tile: { height: 64, width: 64 } })).rejects.toThrow(
      "Segmenter.create: tile 64x64 asked for, but model 'unet' fixes its input size ([1x3x256x256]): images are resized to it, so there is nothing to tile; tiling needs a model whose input rows and columns are symbolic",
    );
    await expect(Segmenter.create({ model: 'unet', backend: 'cpu', tile: 'yes' as 'auto' })).rejects.toThrow(/Segmenter.create: tile must be 'auto', false or \{ height, width \}/);
  });
});

describe('segwgpu run --tile', () => {
  // A small U-Net (depth 2: alignment 2, margin 20) exported with a symbolic input size.
  const model = join(work, 'unet2.onnx');
  const input = join(work, 'input.npy');
  let halfArena = 0;
  beforeAll(() => {
    const graph = withSymbolicImage(buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 64, width: 64 }), 'input');
    writeFileSync(model, exportOnnx(graph));
    writeFileSync(input, writeNpy(randomTensor([1, 3, 96, 72], 24)));
    halfArena = Math.floor(layoutGraph(graph, { inputShapes: { input: [1, 3, 96, 72] } }).memory.peakBytes / 2);
  });
  /** runModel in this process: what it prints, or the error it throws. */
  async function run(args: readonly string[]): Promise<string> {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      await runModel(parseCommand(RUN, [model, '--input', input, ...args]));
    } finally {
      log.mockRestore();
    }
    return lines.join('\n');
  }

  it('writes the outputs of the untiled run, on webgpu (the command itself) and cpu', async () => {
    await run(['--output-dir', join(work, 'off'), '--tile', 'off']);
    // 96 rows: windows of 16 + 2 x 20 = 56 from 0, 12, 28 and 40; 72 columns: from 0, 12 and 16.
    const tiled = await segwgpu(['run', model, '--input', input, '--output-dir', join(work, 'tiled'), '--tile', '16x16']);
    expect(tiled.code, tiled.stderr).toBe(0);
    expect(tiled.stdout).toMatch(/^tiled: 12 tiles, core 16x16 forced, margin 20x20, alignment 2x2; largest tile arena \d+ bytes$/m);
    const cpu = await run(['--output-dir', join(work, 'cpu'), '--tile', '16x16', '--backend', 'cpu']);
    expect(cpu).toMatch(/^tiled: 12 tiles, core 16x16 forced/m);
    // Past a budget, auto tiles by itself.
    const budget = await run(['--output-dir', join(work, 'budget'), '--memory-budget', String(halfArena), '--backend', 'cpu']);
    expect(budget).toMatch(new RegExp(`^tiled: the whole 96x72 input needs a \\d+-byte activation arena, more than the memory budget \\(${halfArena}\\): \\d+ tiles`, 'm'));
    const reference = npy(join(work, 'off', 'classifier.npy'));
    expect(reference.shape).toEqual([1, 2, 96, 72]);
    expectClose(npy(join(work, 'tiled', 'classifier.npy')), reference, 1e-5, 'run --tile 16x16 vs --tile off');
    expectClose(npy(join(work, 'cpu', 'classifier.npy')), reference, 1e-4, 'run --backend cpu --tile 16x16 vs webgpu --tile off');
    expectClose(npy(join(work, 'budget', 'classifier.npy')), reference, 1e-4, 'run --memory-budget vs webgpu --tile off');
  });

  it('names bad --tile, --tile-border and --memory-budget values, and tiling on wasm', async () => {
    const out = ['--output-dir', join(work, 'bad')];
    for (const bad of ['0x16', '16', 'axb', '16x16x3']) {
      await expect(run([...out, '--tile', bad])).rejects.toThrow(`run: --tile must be HxW (a tile core of H rows and W columns, whole numbers >= 1, e.g. 256x256), auto or off, got '${bad}'`);
    }
    await expect(run([...out, '--tile-border', 'edge'])).rejects.toThrow("run: --tile-border must be zero or mirror, got 'edge'");
    await expect(run([...out, '--memory-budget', 'lots'])).rejects.toThrow("run: --memory-budget must be a number of bytes, optionally with K, M or G (KiB, MiB, GiB), e.g. 512M; got 'lots'");
    await expect(run([...out, '--tile', '16x16', '--backend', 'wasm'])).rejects.toThrow('run: --tile, --tile-border, --tile-approximate and --memory-budget need --backend webgpu or cpu');
    // As the command prints it: one line, exit 2.
    const r = await segwgpu(['run', model, '--input', input, ...out, '--tile', '0x16']);
    expect([r.code, r.stderr]).toEqual([2, "segwgpu: run: --tile must be HxW (a tile core of H rows and W columns, whole numbers >= 1, e.g. 256x256), auto or off, got '0x16'\n"]);
  });
});
