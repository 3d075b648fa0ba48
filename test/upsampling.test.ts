/**
 * The up-sampling menu (src/builders/upsampling.ts) and its use in the U-Net, SegNet and FCN
 * builders. Every graph runs through the CPU reference (runGraphCpu) and a GPU plan, GPU against
 * CPU within the ops' tolerances (test/cases: nearest, max-unpool and bed-of-nails exact; Resize
 * linear atol 2e-6 rtol 1e-6; ConvTranspose atol 1e-5 rtol 1e-5), and the reference against the
 * expected values: the lectures' worked examples by hand, PyTorch's outputs from the golden
 * fixtures, and each mode's definition written as plain loops over random inputs.
 *
 * Expected bilinear values are worked by hand from the half-pixel formula (torch was not
 * installed where this was written); the fixture cases (torch 1.13) check the same emitter on
 * larger inputs.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sizeOf, tensor, type Tensor } from '../src/core/tensor.js';
import { SegwgpuError } from '../src/core/errors.js';
import { BUILT_GRAPHS } from '../src/builders/builtin.js';
import { buildFcn, type FcnConfig } from '../src/builders/fcn.js';
import { GraphBuilder } from '../src/builders/graph-builder.js';
import { buildSegNet, type SegNetConfig } from '../src/builders/segnet.js';
import { buildUNet, type UNetConfig, type UNetUpsampling } from '../src/builders/unet.js';
import { bilinearGeometry, bilinearWeights, upsample, UPSAMPLINGS, type Upsampling } from '../src/builders/upsampling.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { runPlan } from '../src/exec/gpu.js';
import type { Graph } from '../src/ir/graph.js';
import { planGraphAsync } from '../src/plan/plan.js';
import { inferGraph, resolveInputShapes } from '../src/shapes/infer.js';
import { compareOutputs } from '../src/validate/compare.js';
import { compareTensors, type Tolerance } from './util/compare.js';
import { decodeGoldenTensor, goldenFixtures } from './util/golden.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const exact: Tolerance = { atol: 0, rtol: 0 };
const linearTol: Tolerance = { atol: 2e-6, rtol: 1e-6 };
const convTransposeTol: Tolerance = { atol: 1e-5, rtol: 1e-5 };
/** The GPU-against-CPU tolerance of each mode, as its op's cases state it. */
const MODE_TOL: Record<Upsampling, Tolerance> = {
  nearest: exact,
  'bed-of-nails': exact,
  'max-unpool': exact,
  'transposed-conv': convTransposeTol,
  bilinear: linearTol,
};

const t4 = (h: number, w: number, rows: number[][]): Tensor => tensor([1, 1, h, w], rows.flat());

/** Runs a graph on the CPU reference and a GPU plan; checks GPU against CPU; returns the CPU outputs. */
async function runBoth(graph: Graph, inputs: Record<string, Tensor>, tol: Tolerance): Promise<Record<string, Tensor>> {
  const cpu = runGraphCpu(graph, inputs);
  const plan = await planGraphAsync(await testGpu(), graph);
  try {
    const gpu = (await runPlan(plan, inputs)).outputs;
    for (const out of graph.outputs) {
      const c = compareTensors(gpu[out], cpu[out], tol);
      expect(c.ok, `${graph.name} ${out}: GPU against CPU: ${c.message}`).toBe(true);
    }
  } finally {
    plan.destroy();
  }
  return cpu;
}

function expectValues(actual: Tensor, expected: Tensor, tol: Tolerance, what: string): void {
  const c = compareTensors(actual, expected, tol);
  expect(c.ok, `${what}: ${c.message}`).toBe(true);
}

/** A one-input graph holding one up-sampling of its input. */
function upsampleGraph(mode: Upsampling, shape: [number, number, number, number], factor: number): Graph {
  const b = new GraphBuilder(`upsample_${mode}_x${factor}`);
  const x = b.input('input', shape);
  return b.build([upsample(b, x, { mode, factor, channels: shape[1], stage: 'test' })]);
}

/** MaxPool (k = s = factor) of `input` with indices, then max-unpool of `decoder` at those switches. */
function unpoolGraph(shape: [number, number, number, number], factor: number): Graph {
  const b = new GraphBuilder('unpool');
  const x = b.input('input', shape);
  const [pooled, indices] = b.maxPool(x, factor, factor, { withIndices: true });
  const pooledShape = [shape[0], shape[1], Math.floor(shape[2] / factor), Math.floor(shape[3] / factor)];
  const decoder = b.input('decoder', pooledShape);
  const switches = { indices, kernel: factor, stride: factor, inputShape: shape };
  const out = upsample(b, decoder, { mode: 'max-unpool', factor, channels: shape[1], switches, stage: 'test' });
  return b.build([pooled, indices, out]);
}

describe("the lectures' worked examples (CS231n lecture 11), CPU reference and GPU", () => {
  it('max unpooling: max pooling remembers which element was max; unpooling puts each value back there, zeros elsewhere', async () => {
    const g = unpoolGraph([1, 1, 4, 4], 2);
    // The slide's 4x4 input to the 2x2 stride-2 max pool ...
    const input = t4(4, 4, [
      [1, 2, 6, 3],
      [3, 5, 2, 1],
      [1, 2, 2, 1],
      [7, 3, 4, 8],
    ]);
    // ... and the 2x2 map the rest of the network hands the corresponding unpooling layer.
    const decoder = t4(2, 2, [
      [1, 2],
      [3, 4],
    ]);
    const out = await runBoth(g, { input, decoder }, exact);
    const [pooled, indices, unpooled] = g.outputs;
    expectValues(out[pooled], t4(2, 2, [[5, 6], [7, 8]]), exact, 'pooled');
    // The switches: flat positions of 5, 6, 7, 8 in the 4x4 input.
    expect(Array.from(out[indices].data as BigInt64Array, Number)).toEqual([5, 2, 12, 15]);
    expectValues(
      out[unpooled],
      t4(4, 4, [
        [0, 0, 2, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 0],
        [3, 0, 0, 4],
      ]),
      exact,
      'unpooled',
    );
  });

  it('transposed convolution, 1D: input [a, b], filter [x, y, z], stride 2 -> [ax, ay, az + bx, by, bz]', async () => {
    const b = new GraphBuilder('tconv1d');
    const x = b.input('input', [1, 1, 1, 2]);
    // a = 2, b = 3; x = 1, y = 10, z = 100: each product lands in its own decimal digit.
    const w = b.constant('w', tensor([1, 1, 1, 3], [1, 10, 100]));
    const g = b.build([b.node('ConvTranspose', [x, w], { kernel_shape: [1, 3], strides: [1, 2] })[0]]);
    const out = await runBoth(g, { input: t4(1, 2, [[2, 3]]) }, convTransposeTol);
    expectValues(out[g.outputs[0]], t4(1, 5, [[2 * 1, 2 * 10, 2 * 100 + 3 * 1, 3 * 10, 3 * 100]]), exact, '1D transposed conv');
  });

  it('transposed convolution, 2D: 2x2 input, 3x3 filter, stride 2, pad 1 (the input gives the weight of the filter; overlaps sum)', async () => {
    // Input values 1, 10, 100, 1000 keep every input's share apart; filter 1..9 row by row.
    const input = t4(2, 2, [
      [1, 10],
      [100, 1000],
    ]);
    const filter = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    // Worked by hand: the full 5x5 scatter out[2i + ky][2j + kx] += in[i][j] * w[ky][kx] is
    //      1    2   13   20   30
    //      4    5   46   50   60
    //    107  208 1379 2080 3090
    //    400  500 4600 5000 6000
    //    700  800 7900 8000 9000
    // pad 1 drops its first row and column; the slide's 4x4 output (output_padding 1, PyTorch's
    // output_padding=1) keeps the last ones, the plain 3x3 ((2 - 1) * 2 + 3 - 2) drops them too.
    const slide = [
      [5, 46, 50, 60],
      [208, 1379, 2080, 3090],
      [500, 4600, 5000, 6000],
      [800, 7900, 8000, 9000],
    ];
    for (const outputPadding of [1, 0]) {
      const b = new GraphBuilder('tconv2d');
      const x = b.input('input', [1, 1, 2, 2]);
      const w = b.constant('w', tensor([1, 1, 3, 3], filter));
      const g = b.build([
        b.node('ConvTranspose', [x, w], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [outputPadding, outputPadding] })[0],
      ]);
      const out = await runBoth(g, { input }, convTransposeTol);
      const n = 3 + outputPadding;
      expectValues(out[g.outputs[0]], t4(n, n, slide.slice(0, n).map((r) => r.slice(0, n))), exact, `2D transposed conv, output_padding ${outputPadding}`);
    }
  });

  const square = t4(2, 2, [
    [1, 2],
    [3, 4],
  ]);

  it('nearest neighbour: each value copied to its 2x2 block', async () => {
    const g = upsampleGraph('nearest', [1, 1, 2, 2], 2);
    const out = await runBoth(g, { input: square }, exact);
    const expected = t4(4, 4, [
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      [3, 3, 4, 4],
      [3, 3, 4, 4],
    ]);
    expectValues(out[g.outputs[0]], expected, exact, 'nearest');
  });

  it('bed of nails: each value at the top-left of its block, zeros elsewhere', async () => {
    const g = upsampleGraph('bed-of-nails', [1, 1, 2, 2], 2);
    const out = await runBoth(g, { input: square }, exact);
    const expected = t4(4, 4, [
      [1, 0, 2, 0],
      [0, 0, 0, 0],
      [3, 0, 4, 0],
      [0, 0, 0, 0],
    ]);
    expectValues(out[g.outputs[0]], expected, exact, 'bed of nails');
  });

  it("bilinear 2x, F.interpolate(mode='bilinear', align_corners=False): sources at (y + 0.5) / 2 - 0.5, clamped", async () => {
    const g = upsampleGraph('bilinear', [1, 1, 2, 2], 2);
    const out = await runBoth(g, { input: square }, linearTol);
    // Along a row [p, q]: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) give
    // p, 0.75p + 0.25q, 0.25p + 0.75q, q; the columns likewise.
    const expected = t4(4, 4, [
      [1, 1.25, 1.75, 2],
      [1.5, 1.75, 2.25, 2.5],
      [2.5, 2.75, 3.25, 3.5],
      [3, 3.25, 3.75, 4],
    ]);
    expectValues(out[g.outputs[0]], expected, linearTol, 'bilinear');
  });

  it('the bilinear-initialised transposed conv: bilinear inside, edge samples weighed by 1 - distance past the edge at the border', async () => {
    // FCN's get_upsampling_weight: factor 2 -> kernel 4 [0.25, 0.75, 0.75, 0.25], 3 -> 5, 4 -> 8.
    expect(bilinearGeometry(2)).toEqual({ kernel: 4, pad: 1 });
    expect(bilinearGeometry(3)).toEqual({ kernel: 5, pad: 1 });
    expect(bilinearGeometry(32)).toEqual({ kernel: 64, pad: 16 });
    expect(bilinearWeights(4)).toEqual([0.25, 0.75, 0.75, 0.25]);
    expect(bilinearWeights(5).map((v) => v * 3)).toEqual([1, 2, 3, 2, 1]);
    // All ones, 2x: the first and last output row and column weigh the edge by 0.75 (the missing
    // 0.25 would be a zero beyond the edge); bilinear would give ones everywhere.
    const g = upsampleGraph('transposed-conv', [1, 1, 2, 2], 2);
    const out = await runBoth(g, { input: t4(2, 2, [[1, 1], [1, 1]]) }, convTransposeTol);
    const expected = t4(4, 4, [
      [0.5625, 0.75, 0.75, 0.5625],
      [0.75, 1, 1, 0.75],
      [0.75, 1, 1, 0.75],
      [0.5625, 0.75, 0.75, 0.5625],
    ]);
    expectValues(out[g.outputs[0]], expected, convTransposeTol, 'transposed conv of ones');
    // And on the 2x2 example: the interior 2x2 is bilinear's, the border is not.
    const onSquare = (await runBoth(g, { input: square }, convTransposeTol))[g.outputs[0]];
    const interior = [5, 6, 9, 10].map((i) => onSquare.data[i] as number);
    [1.75, 2.25, 2.75, 3.25].forEach((v, k) => expect(interior[k]).toBeCloseTo(v, 6));
    // the corner: 0.75 * 0.75 of the 1 there, where bilinear keeps 1
    expect(onSquare.data[0]).toBeCloseTo(0.5625, 6);
  });
});

describe('each mode against its definition and PyTorch', () => {
  /** Plain-loop definitions, one per mode, over NCHW float64. */
  function definition(mode: Exclude<Upsampling, 'max-unpool'>, x: Tensor, f: number): Tensor {
    const [n, c, h, w] = x.shape;
    const out = new Float32Array(n * c * h * f * w * f);
    const at = (p: number, yy: number, xx: number) => x.data[(p * h + yy) * w + xx] as number;
    // The half-pixel source coordinate of output o, and the tent weight of sample i there.
    const source = (o: number) => (o + 0.5) / f - 0.5;
    for (let p = 0; p < n * c; p++) {
      for (let oy = 0; oy < h * f; oy++) {
        for (let ox = 0; ox < w * f; ox++) {
          let v = 0;
          if (mode === 'nearest') v = at(p, Math.floor(oy / f), Math.floor(ox / f));
          else if (mode === 'bed-of-nails') v = oy % f === 0 && ox % f === 0 ? at(p, oy / f, ox / f) : 0;
          else {
            // bilinear clamps the source into the input; the transposed conv weighs what lies within.
            const clamp = (u: number, len: number) => (mode === 'bilinear' ? Math.min(Math.max(u, 0), len - 1) : u);
            const uy = clamp(source(oy), h);
            const ux = clamp(source(ox), w);
            for (let iy = 0; iy < h; iy++) {
              for (let ix = 0; ix < w; ix++) {
                const wy = Math.max(0, 1 - Math.abs(uy - iy));
                const wx = Math.max(0, 1 - Math.abs(ux - ix));
                v += wy * wx * at(p, iy, ix);
              }
            }
          }
          out[(p * h * f + oy) * w * f + ox] = v;
        }
      }
    }
    return tensor([n, c, h * f, w * f], out);
  }

  for (const mode of ['nearest', 'bed-of-nails', 'transposed-conv', 'bilinear'] as const) {
    for (const f of [2, 3, 4]) {
      it(`${mode} x${f} on a random 2x3x5x7 map`, async () => {
        const input = randomTensor([2, 3, 5, 7], 100 + f);
        const g = upsampleGraph(mode, [2, 3, 5, 7], f);
        const out = (await runBoth(g, { input }, MODE_TOL[mode]))[g.outputs[0]];
        expectValues(out, definition(mode, input, f), mode === 'nearest' || mode === 'bed-of-nails' ? exact : { atol: 2e-6, rtol: 1e-6 }, `${mode} x${f} against its definition`);
      });
    }
  }

  it('the transposed conv equals bilinear wherever the source lies inside the input (all but floor(f/2) outputs per border)', async () => {
    for (const f of [2, 3, 4, 8]) {
      const input = randomTensor([1, 2, 6, 5], f);
      const run = async (mode: 'transposed-conv' | 'bilinear') => {
        const g = upsampleGraph(mode, [1, 2, 6, 5], f);
        return (await runBoth(g, { input }, MODE_TOL[mode]))[g.outputs[0]];
      };
      const tconv = await run('transposed-conv');
      const bilinear = await run('bilinear');
      const border = Math.floor(f / 2);
      const [, c, oh, ow] = tconv.shape;
      let inside = 0;
      let differs = 0;
      for (let p = 0; p < c; p++) {
        for (let y = 0; y < oh; y++) {
          for (let x = 0; x < ow; x++) {
            const i = (p * oh + y) * ow + x;
            const interior = y >= border && y < oh - border && x >= border && x < ow - border;
            const d = Math.abs((tconv.data[i] as number) - (bilinear.data[i] as number));
            if (interior) {
              inside++;
              expect(d, `x${f} at [${p}, ${y}, ${x}]`).toBeLessThanOrEqual(2e-6);
            } else if (d > 1e-3) differs++;
          }
        }
      }
      expect(inside).toBe(c * (oh - 2 * border) * (ow - 2 * border));
      expect(differs, `x${f}: border outputs that differ`).toBeGreaterThan(0);
    }
  });

  it("FCN's transposed conv (kernel 2f, no padding, diagonal [K, K, 2f, 2f]) computes the menu's padded depthwise one, shifted by f/2", async () => {
    for (const f of [2, 8]) {
      const b = new GraphBuilder('fcn_form');
      const x = b.input('input', [1, 3, 4, 5]);
      const caffe = b.crop(b.bilinearUpsample(x, 3, f, 2 * f), f / 2, f / 2, 4 * f, 5 * f);
      const menu = upsample(b, x, { mode: 'transposed-conv', factor: f, channels: 3, stage: 'test' });
      const g = b.build([caffe, menu]);
      const out = await runBoth(g, { input: randomTensor([1, 3, 4, 5], 7) }, convTransposeTol);
      expectValues(out[caffe], out[menu], { atol: 2e-6, rtol: 1e-6 }, `x${f}`);
    }
  });

  it('max-unpool puts random values back at their maxima, zeros elsewhere, and round-trips odd sizes (2x2 and 3x3 pools)', async () => {
    for (const [f, shape] of [
      [2, [2, 3, 7, 6]],
      [3, [1, 2, 9, 11]],
    ] as const) {
      const input = randomTensor(shape, 30 + f);
      const pooledShape = [shape[0], shape[1], Math.floor(shape[2] / f), Math.floor(shape[3] / f)];
      const decoder = randomTensor(pooledShape, 40 + f);
      const g = unpoolGraph([...shape], f);
      const out = await runBoth(g, { input, decoder }, exact);
      const unpooled = out[g.outputs[2]];
      expect(unpooled.shape).toEqual([...shape]);
      // The definition: for each window, its first maximum's position takes the decoder value.
      const expected = new Float32Array(sizeOf(shape));
      const [n, c, h, w] = shape;
      const [, , ph, pw] = pooledShape;
      for (let p = 0; p < n * c; p++) {
        for (let py = 0; py < ph; py++) {
          for (let px = 0; px < pw; px++) {
            let best = -1;
            for (let ky = 0; ky < f; ky++) {
              for (let kx = 0; kx < f; kx++) {
                const i = (p * h + py * f + ky) * w + px * f + kx;
                if (best < 0 || (input.data[i] as number) > (input.data[best] as number)) best = i;
              }
            }
            expected[best] = decoder.data[(p * ph + py) * pw + px] as number;
          }
        }
      }
      expectValues(unpooled, tensor([...shape], expected), exact, `max-unpool ${f}x${f}`);
    }
  });

  // PyTorch's own outputs (test/fixtures/golden/ops/resize.json, torch 1.13), through the menu's emitters.
  for (const [name, mode, f] of [
    ['bilinear x2 scales', 'bilinear', 2],
    ['bilinear x8 scales (FCN head)', 'bilinear', 8],
    ['nearest x2 scales', 'nearest', 2],
  ] as const) {
    it(`${mode} x${f} matches F.interpolate on the golden case '${name}'`, async () => {
      const c = goldenFixtures.resize.cases.find((k) => k.name === name);
      expect(c, name).toBeDefined();
      const input = decodeGoldenTensor(c!.inputs[0]!);
      const expected = decodeGoldenTensor(c!.outputs[0]);
      const [n, ch, h, w] = input.shape;
      const g = upsampleGraph(mode, [n, ch, h, w], f);
      const out = (await runBoth(g, { input }, MODE_TOL[mode]))[g.outputs[0]];
      expectValues(out, expected, c!.tolerance, `${name}: ${c!.torch}`);
    });
  }
});

/** A short digest of a graph: names, ops, attributes and initializer bytes, in order. */
function fingerprint(g: Graph): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name: g.name, opset: g.opset, inputs: g.inputs, outputs: g.outputs, nodes: g.nodes.map((n) => [n.name, n.opType, n.domain, n.inputs, n.outputs, n.attributes]) }));
  for (const [name, t] of g.initializers) {
    h.update(`${name}:${t.dtype}:${t.shape.join('x')}`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

const FCN_SMALL = { classes: 3, stageWidths: [4, 4, 8, 8, 8], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 8 } as const;

describe('the builders keep their default graphs', () => {
  // Digests of the graphs as the builders made them before the menu existed (same code path for
  // the default, so the model fixtures and the built-in models are unchanged).
  const before: Record<string, [() => Graph, string]> = {
    'built-in unet': [() => BUILT_GRAPHS.unet.build(), 'f193c7cacd31896b'],
    'built-in fcn8s': [() => BUILT_GRAPHS.fcn8s.build(), '347d632c919c81b4'],
    'built-in segnet': [() => BUILT_GRAPHS.segnet.build(), 'faa0f65e66f64ca7'],
    'FCN-8s 40x52': [() => buildFcn({ variant: '8s', classes: 3, height: 40, width: 52, stageWidths: [4, 4, 8, 8, 8], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 16 }), '67a1f404f7f11bb0'],
    'FCN-16s 33x35': [() => buildFcn({ variant: '16s', classes: 2, height: 33, width: 35, stageWidths: [4, 4, 4, 4, 4], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 8 }), 'b3e6cb0af392d2ec'],
    'FCN-32s 33x35': [() => buildFcn({ variant: '32s', classes: 2, height: 33, width: 35, stageWidths: [4, 4, 4, 4, 4], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 8 }), '302c6b46c01e87ec'],
    'U-Net same': [() => buildUNet({ depth: 3, baseWidth: 4, classes: 3, height: 24, width: 16, batchNorm: true }), 'bf75fa6445696aad'],
    'U-Net valid': [() => buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 28, width: 28, padding: 'valid' }), '203c000744d928d5'],
    'SegNet odd': [() => buildSegNet({ depth: 3, baseWidth: 4, classes: 3, height: 23, width: 30 }), 'ef7a03d10a9510b8'],
  };
  for (const [name, [build, digest]] of Object.entries(before)) {
    it(`${name}: the same nodes and initializers as before`, () => {
      expect(fingerprint(build())).toBe(digest);
    });
  }

  it('naming the default, once or per stage, builds the same graph', () => {
    const unet = { depth: 3, baseWidth: 4, classes: 3, height: 24, width: 16, batchNorm: true } as const;
    expect(fingerprint(buildUNet({ ...unet, upsampling: 'up-conv' }))).toBe('bf75fa6445696aad');
    expect(fingerprint(buildUNet({ ...unet, upsampling: ['up-conv', 'up-conv'] }))).toBe('bf75fa6445696aad');
    const segnet = { depth: 3, baseWidth: 4, classes: 3, height: 23, width: 30 } as const;
    expect(fingerprint(buildSegNet({ ...segnet, upsampling: 'max-unpool' }))).toBe('ef7a03d10a9510b8');
    expect(fingerprint(buildSegNet({ ...segnet, upsampling: ['max-unpool', 'max-unpool', 'max-unpool'] }))).toBe('ef7a03d10a9510b8');
    const fcn = { variant: '8s', classes: 3, height: 40, width: 52, stageWidths: [4, 4, 8, 8, 8], convsPerStage: [1, 1, 1, 1, 1], fcWidth: 16 } as const;
    expect(fingerprint(buildFcn({ ...fcn, upsampling: 'transposed-conv' }))).toBe('67a1f404f7f11bb0');
    expect(fingerprint(buildFcn({ ...fcn, upsampling: ['transposed-conv', 'transposed-conv', 'transposed-conv'] }))).toBe('67a1f404f7f11bb0');
  });
});

/** Builds, infers shapes, runs CPU and GPU; returns the output shape. */
async function builderRuns(graph: Graph): Promise<number[]> {
  const inferred = inferGraph(graph, resolveInputShapes(graph));
  const shape = [...inferred.values.get(graph.outputs[0])!.shape] as number[];
  const inputShape = graph.inputs[0].shape as number[];
  const input = randomTensor(inputShape, 5, 0, 1);
  const cpu = runGraphCpu(graph, { input });
  const out = graph.outputs[0];
  expect(cpu[out].shape).toEqual(shape);
  const plan = await planGraphAsync(await testGpu(), graph);
  try {
    const gpu = (await runPlan(plan, { input })).outputs;
    const c = compareOutputs(gpu[out], cpu[out], { atol: 1e-4, rtol: 1e-3 });
    expect(c.withinTolerance, `${graph.name}: max abs ${c.maxAbsError} of magnitude ${c.magnitude}`).toBe(true);
    expect(c.magnitude).toBeGreaterThan(0);
  } finally {
    plan.destroy();
  }
  return shape;
}

const count = (g: Graph, op: string) => g.nodes.filter((n) => n.opType === op).length;

/** The op each menu mode emits, to count in a built graph. */
const MODE_OP: Record<Upsampling, string> = { nearest: 'Resize', bilinear: 'Resize', 'bed-of-nails': 'ConvTranspose', 'transposed-conv': 'ConvTranspose', 'max-unpool': 'MaxUnpool' };

describe('U-Net with each up-sampling', () => {
  const base: UNetConfig = { depth: 3, baseWidth: 4, classes: 3, height: 24, width: 16, batchNorm: true };
  for (const mode of ['up-conv', ...UPSAMPLINGS] as const) {
    it(`'${mode}' at every stage ("same" padding): 1x3x24x16 -> 1x3x24x16`, async () => {
      const g = buildUNet({ ...base, upsampling: mode });
      if (mode === 'up-conv') expect(count(g, 'ConvTranspose')).toBe(2);
      else {
        expect(count(g, MODE_OP[mode])).toBe(2);
        // the 1x1 convolutions halving the channels before each up-sampling
        expect(g.nodes.filter((n) => n.opType === 'Conv' && (n.attributes.kernel_shape as number[])[0] === 1).length).toBe(3);
      }
      expect(g.nodes.filter((n) => n.opType === 'MaxPool' && n.outputs.length === 2).length).toBe(mode === 'max-unpool' ? 2 : 0);
      expect(await builderRuns(g)).toEqual([1, 3, 24, 16]);
    });
  }

  it('one mode per stage, deepest first', async () => {
    const g = buildUNet({ ...base, depth: 4, height: 32, width: 24, upsampling: ['max-unpool', 'bilinear', 'up-conv'] });
    expect(count(g, 'MaxUnpool')).toBe(1);
    expect(count(g, 'Resize')).toBe(1);
    expect(count(g, 'ConvTranspose')).toBe(1);
    // only the deepest pool keeps its indices
    expect(g.nodes.filter((n) => n.opType === 'MaxPool').map((n) => n.outputs.length)).toEqual([1, 1, 2]);
    expect(await builderRuns(g)).toEqual([1, 3, 32, 24]);
  });

  it("the paper's unpadded form takes every mode but max-unpool", async () => {
    for (const mode of ['nearest', 'bed-of-nails', 'transposed-conv', 'bilinear'] as const) {
      const g = buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 28, width: 28, padding: 'valid', upsampling: mode });
      expect(count(g, 'Slice')).toBe(1);
      expect(await builderRuns(g)).toEqual([1, 2, 12, 12]);
    }
  });
});

describe('SegNet with each up-sampling', () => {
  const base: SegNetConfig = { depth: 3, baseWidth: 4, classes: 3, height: 23, width: 30 };
  for (const mode of UPSAMPLINGS) {
    it(`'${mode}' at every stage, odd sizes (23x30 -> 11x15 -> 5x7 -> 2x3 and back)`, async () => {
      const g = buildSegNet({ ...base, upsampling: mode });
      expect(count(g, MODE_OP[mode])).toBe(3);
      // 23 rows, 5 and 11 are odd (the pools dropped a row), 30 even, 15 and 7 odd (a column):
      // every stage but max-unpool pads its dropped row or column back with zeros.
      expect(count(g, 'Pad')).toBe(mode === 'max-unpool' ? 0 : 3);
      expect(g.nodes.filter((n) => n.opType === 'MaxPool' && n.outputs.length === 2).length).toBe(mode === 'max-unpool' ? 3 : 0);
      expect(await builderRuns(g)).toEqual([1, 3, 23, 30]);
    });
  }

  it('one mode per stage, deepest first; even sizes need no Pad', async () => {
    const g = buildSegNet({ ...base, height: 16, width: 24, upsampling: ['bilinear', 'max-unpool', 'bed-of-nails'] });
    expect(count(g, 'Pad')).toBe(0);
    expect(count(g, 'Resize')).toBe(1);
    expect(count(g, 'MaxUnpool')).toBe(1);
    expect(count(g, 'ConvTranspose')).toBe(1);
    // the pools in encoder order: level 0 feeds the last stage (bed-of-nails), level 1 the max-unpool
    expect(g.nodes.filter((n) => n.opType === 'MaxPool').map((n) => n.outputs.length)).toEqual([1, 2, 1]);
    expect(await builderRuns(g)).toEqual([1, 3, 16, 24]);
  });
});

describe('FCN with each up-sampling', () => {
  for (const mode of ['nearest', 'bed-of-nails', 'transposed-conv', 'bilinear'] as const) {
    it(`FCN-8s '${mode}' at every stage: output at the input size`, async () => {
      const g = buildFcn({ ...FCN_SMALL, variant: '8s', height: 36, width: 30, upsampling: mode });
      expect(count(g, MODE_OP[mode])).toBe(3);
      expect(count(g, 'Slice')).toBe(3);
      expect(await builderRuns(g)).toEqual([1, 3, 36, 30]);
    });
  }

  it('FCN-32s and FCN-16s, single modes and one per stage', async () => {
    const cases: [FcnConfig['variant'], Upsampling | Upsampling[]][] = [
      ['32s', 'bilinear'],
      ['32s', 'nearest'],
      ['16s', ['bilinear', 'transposed-conv']],
      ['16s', ['transposed-conv', 'bed-of-nails']],
      ['8s', ['bilinear', 'transposed-conv', 'nearest']],
    ];
    for (const [variant, upsampling] of cases) {
      const g = buildFcn({ ...FCN_SMALL, variant, height: 33, width: 35, upsampling });
      expect(await builderRuns(g)).toEqual([1, 3, 33, 35]);
    }
  });

  it('bilinear and the bilinear-initialised transposed conv agree away from the borders: the crops keep the skips aligned', () => {
    // Same weights (the seeded backbone is built in the same order), different up-sampling and
    // so different crop offsets: the two differ only where some stage's border reaches, so the
    // centre of the output agrees, and a skip or a final crop off by one pixel would not.
    const input = randomTensor([1, 3, 128, 128], 8, 0, 1);
    const cases: [FcnConfig['variant'], Upsampling | Upsampling[]][] = [
      ['32s', 'bilinear'],
      ['16s', 'bilinear'],
      ['16s', ['bilinear', 'transposed-conv']],
      ['8s', 'bilinear'],
      ['8s', ['bilinear', 'transposed-conv', 'bilinear']],
      ['8s', ['transposed-conv', 'bilinear', 'transposed-conv']],
    ];
    for (const [variant, upsampling] of cases) {
      const run = (modes: Upsampling | Upsampling[]) => {
        const g = buildFcn({ ...FCN_SMALL, variant, height: 128, width: 128, upsampling: modes });
        return runGraphCpu(g, { input })[g.outputs[0]];
      };
      const a = run('transposed-conv');
      const b = run(upsampling);
      let worst = 0;
      let magnitude = 0;
      for (let p = 0; p < 3; p++) {
        for (let y = 48; y < 96; y++) {
          for (let x = 48; x < 96; x++) {
            const i = (p * 128 + y) * 128 + x;
            worst = Math.max(worst, Math.abs((a.data[i] as number) - (b.data[i] as number)));
            magnitude = Math.max(magnitude, Math.abs(a.data[i] as number));
          }
        }
      }
      expect(magnitude, variant).toBeGreaterThan(0.01);
      expect(worst, `FCN-${variant} ${String(upsampling)}: max difference from all 'transposed-conv' in the centre`).toBeLessThan(1e-5 * Math.max(1, magnitude));
    }
  });
});

describe('bad up-sampling options are refused, naming the builder, the stage and the value', () => {
  const unet: UNetConfig = { depth: 3, baseWidth: 4, classes: 3, height: 24, width: 16 };
  const segnet: SegNetConfig = { depth: 3, baseWidth: 4, classes: 3, height: 23, width: 30 };
  const fcn: FcnConfig = { ...FCN_SMALL, variant: '8s', height: 36, width: 30 };

  it('an unknown mode', () => {
    expect(() => buildUNet({ ...unet, upsampling: 'cubic' as UNetUpsampling })).toThrow(
      /U-Net: upsampling 'cubic' is not one of 'up-conv', 'nearest', 'bed-of-nails', 'max-unpool', 'transposed-conv', 'bilinear'/,
    );
    expect(() => buildSegNet({ ...segnet, upsampling: ['max-unpool', 'linear' as Upsampling, 'nearest'] })).toThrow(/SegNet decoder stage 2 of 3: upsampling 'linear' is not one of/);
    // U-Net's own learned up-conv is not in the other builders' menu
    expect(() => buildSegNet({ ...segnet, upsampling: 'up-conv' as Upsampling })).toThrow(/SegNet: upsampling 'up-conv' is not one of 'nearest'/);
    expect(() => buildFcn({ ...fcn, upsampling: 42 as unknown as Upsampling })).toThrow(/FCN-8s: upsampling 42 is not one of/);
  });

  it('a list of the wrong length', () => {
    expect(() => buildUNet({ ...unet, upsampling: ['nearest'] })).toThrow(/U-Net: upsampling lists 1 mode for 2 decoder stages \(decoder stage 1 of 2, decoder stage 2 of 2\)/);
    expect(() => buildFcn({ ...fcn, variant: '16s', upsampling: ['nearest', 'nearest', 'nearest'] })).toThrow(/FCN-16s: upsampling lists 3 modes for 2 decoder stages \(stage 'upscore2', stage 'upscore16'\)/);
    expect(() => buildSegNet({ ...segnet, upsampling: [] })).toThrow(SegwgpuError);
  });

  it('a mode a stage cannot take', () => {
    expect(() => buildFcn({ ...fcn, upsampling: ['nearest', 'max-unpool', 'bilinear'] })).toThrow(/FCN-8s stage 'upscore_pool4' cannot take upsampling 'max-unpool': no encoder MaxPool matches it/);
    expect(() => buildFcn({ ...fcn, variant: '32s', upsampling: 'max-unpool' })).toThrow(/FCN-32s stage 'upscore' cannot take upsampling 'max-unpool'/);
    expect(() => buildUNet({ depth: 2, baseWidth: 4, classes: 2, height: 28, width: 28, padding: 'valid', upsampling: 'max-unpool' })).toThrow(
      /U-Net decoder stage 1 of 1: 'max-unpool' needs the level-0 pool's indices, which are 12x12 where the stage's input is 8x8 \(padding 'valid'/,
    );
  });

  it('upsample() itself: a missing or mismatched pool, a bad factor', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('input', [1, 2, 4, 4]);
    expect(() => upsample(b, x, { mode: 'max-unpool', factor: 2, channels: 2, stage: 'stage X' })).toThrow(/stage X: 'max-unpool' needs the indices of a matching encoder MaxPool/);
    const switches = { indices: 'i', kernel: 3, stride: 3, inputShape: [1, 2, 12, 12] as const };
    expect(() => upsample(b, x, { mode: 'max-unpool', factor: 2, channels: 2, switches, stage: 'stage X' })).toThrow(/stride-3 pool's indices cannot up-sample by 2/);
    expect(() => upsample(b, x, { mode: 'max-unpool', factor: 3, channels: 4, switches, stage: 'stage X' })).toThrow(/'max-unpool' of 4 channels with the indices of a 2-channel MaxPool/);
    expect(() => upsample(b, x, { mode: 'bilinear', factor: 1.5, channels: 2, stage: 'stage X' })).toThrow(/stage X: up-sampling factor 1.5 must be a whole number >= 2/);
    expect(() => upsample(b, x, { mode: 'area' as Upsampling, factor: 2, channels: 2, stage: 'stage X' })).toThrow(/stage X: upsampling 'area' is not one of/);
  });
});
