/**
 * `segwgpu eval` from the bottom up: the ConfusionMatrix op on the GPU (atomic histogram) against
 * its CPU reference and hand-worked counts, the ignore label, out-of-range labels refused with one
 * message on both (the index fault record), many pixels on few cells; the metrics against numpy
 * (test/fixtures/eval/, from scripts/make_eval_fixtures.py); the command's --json output and its
 * errors, each before anything is counted.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { int32Tensor, int64Tensor, type Tensor } from '../src/core/tensor.js';
import { AttributeError, InputError } from '../src/core/errors.js';
import type { Graph } from '../src/ir/graph.js';
import { runOpCpu, type OpCall } from '../src/ops/call.js';
import { LabelRangeError } from '../src/ops/confusion-matrix.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { numpySum, segmentationMetrics, metricsJson } from '../src/analysis/segmentation-metrics.js';
import { EVAL, decodeLabelMap, readLabelMapFile, runEval } from '../src/cli/eval-command.js';
import { parseCommand } from '../src/cli/args.js';
import { Segmenter } from '../src/api/segmenter.js';
import { encodeGrayPng, encodeRgbaPng } from '../src/node/image.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { rng as mulberry32 } from './util/random.js';

const EXACT = { atol: 0, rtol: 0 };
const FIXTURES = 'test/fixtures/eval';

function confusionCall(truth: Tensor, prediction: Tensor, classes: number, ignore?: number): OpCall {
  return { opType: 'ConfusionMatrix', name: 'cm', attributes: { classes, ...(ignore !== undefined && { ignore_index: ignore }) }, inputs: [truth, prediction] };
}

/** The counts on the CPU reference and the GPU, both checked exactly against `expected` when given. */
async function bothCounts(call: OpCall, expected?: number[][]): Promise<number[]> {
  const cpu = runOpCpu(call)[0]!;
  const gpu = (await runOpGpu(await testGpu(), call))[0]!;
  expect(gpu.dtype).toBe('int32');
  const cmp = compareTensors(gpu, cpu, EXACT);
  expect(cmp.ok, cmp.message).toBe(true);
  if (expected) expect(Array.from(cpu.data as Int32Array)).toEqual(expected.flat());
  return Array.from(cpu.data as Int32Array);
}

/** What a call threw (sync or async). */
async function errorOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('ConfusionMatrix op: GPU against the CPU reference', () => {
  it('hand-worked 2x4: rows truth, columns prediction', async () => {
    // (t, p): (0,0) (1,1) (2,1) (1,1) | (0,2) (2,2) (2,2) (1,0)
    const truth = int32Tensor([2, 4], [0, 1, 2, 1, 0, 2, 2, 1]);
    const pred = int32Tensor([2, 4], [0, 1, 1, 1, 2, 2, 2, 0]);
    await bothCounts(confusionCall(truth, pred, 3), [
      [1, 0, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('the ignore label leaves out truth pixels, whatever their prediction (even out of range)', async () => {
    const truth = int32Tensor([3, 3], [255, 0, 1, 1, 255, 1, 0, 0, 255]);
    const pred = int32Tensor([3, 3], [-7, 0, 1, 0, 99, 1, 1, 0, 255]);
    await bothCounts(confusionCall(truth, pred, 2, 255), [
      [2, 1],
      [1, 2],
    ]);
  });

  it('an ignore label inside the classes: that row stays empty, predictions of it still count', async () => {
    const truth = int32Tensor([6], [0, 0, 1, 2, 2, 1]);
    const pred = int32Tensor([6], [1, 0, 0, 0, 2, 1]);
    await bothCounts(confusionCall(truth, pred, 3, 0), [
      [0, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('int64 labels (ArgMax outputs), any rank, one class', async () => {
    const truth = int64Tensor([1, 2, 2], [1, 0, 1, 1]);
    const pred = int64Tensor([1, 2, 2], [1, 1, 0, 1]);
    await bothCounts(confusionCall(truth, pred, 2), [
      [0, 1],
      [1, 2],
    ]);
    await bothCounts(confusionCall(int32Tensor([5], [0, 0, 0, 0, 0]), int32Tensor([5], [0, 0, 0, 0, 0]), 1), [[5]]);
  });

  it('300x200 pixels on 3 classes (every invocation hits one of 9 cells): exact, as an independent count', async () => {
    const random = mulberry32(15);
    const n = 300 * 200;
    const t = Array.from({ length: n }, () => (random() < 0.05 ? 255 : Math.floor(random() * 3)));
    const p = t.map((v) => (random() < 0.7 && v !== 255 ? v : Math.floor(random() * 3)));
    const expected = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    t.forEach((v, i) => v !== 255 && expected[v * 3 + p[i]!]!++);
    const counts = await bothCounts(confusionCall(int32Tensor([200, 300], t), int32Tensor([200, 300], p), 3, 255));
    expect(counts).toEqual(expected);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(t.filter((v) => v !== 255).length);
  });

  it('in a plan: the arena output is zeroed on every run, so a second run counts the same', async () => {
    const ctx = await testGpu();
    const graph: Graph = {
      name: 'eval',
      opset: 17,
      inputs: [
        { name: 'truth', dtype: 'int32', shape: [4, 5] },
        { name: 'pred', dtype: 'int32', shape: [4, 5] },
      ],
      outputs: ['counts'],
      initializers: new Map(),
      nodes: [{ name: 'cm', opType: 'ConfusionMatrix', domain: 'ai.segwgpu', inputs: ['truth', 'pred'], outputs: ['counts'], attributes: { classes: 4, ignore_index: 9 } }],
    };
    const random = mulberry32(3);
    const inputs = { truth: int32Tensor([4, 5], Array.from({ length: 20 }, () => [0, 1, 2, 3, 9][Math.floor(random() * 5)]!)), pred: int32Tensor([4, 5], Array.from({ length: 20 }, () => Math.floor(random() * 4))) };
    const plan = planGraph(ctx, graph);
    try {
      const cpu = runGraphCpu(graph, inputs).counts!;
      for (let run = 0; run < 3; run++) {
        const cmp = compareTensors((await runPlan(plan, inputs)).outputs.counts!, cpu, EXACT);
        expect(cmp.ok, `run ${run}: ${cmp.message}`).toBe(true);
      }
      // A bad label: the CPU reference's error; the next run is clean.
      const bad = { truth: int32Tensor([4, 5], [...inputs.truth.data].map((v, i) => (i === 7 ? 1 : v))), pred: int32Tensor([4, 5], [...inputs.pred.data].map((v, i) => (i === 7 ? 4 : v))) };
      const cpuError = await errorOf(() => runGraphCpu(graph, bad));
      expect(cpuError.message).toMatch(/^node 'cm' \(ConfusionMatrix\): input prediction holds 4 at position \[1, 2\]/);
      expect((await errorOf(() => runPlan(plan, bad))).message).toBe(cpuError.message);
      expect(compareTensors((await runPlan(plan, inputs)).outputs.counts!, cpu, EXACT).ok).toBe(true);
    } finally {
      plan.destroy();
    }
  });
});

describe('ConfusionMatrix op: labels outside the classes are errors, one message on GPU and CPU', () => {
  const cases: { what: string; truth: number[]; pred: number[]; ignore?: number; message: RegExp }[] = [
    {
      what: 'a truth label past the classes, no ignore label',
      truth: [0, 1, 3, 1, 7, 0],
      pred: [0, 1, 1, 1, 1, 0],
      message: /^node 'cm' \(ConfusionMatrix\): input truth holds 3 at position \[0, 2\], outside the classes 0\.\.2 \(classes=3\) \(no ignore_index is set\)$/,
    },
    {
      what: 'a truth label that is not the ignore label',
      truth: [0, 255, 254, 1, 0, 0],
      pred: [0, 0, 0, 0, 0, 0],
      ignore: 255,
      message: /input truth holds 254 at position \[0, 2\], outside the classes 0\.\.2 \(classes=3\) and is not ignore_index 255$/,
    },
    {
      what: 'a negative prediction',
      truth: [0, 1, 2, 1, 0, 0],
      pred: [0, 1, 2, 2, -1, 0],
      message: /input prediction holds -1 at position \[1, 1\], outside the classes 0\.\.2 \(classes=3\)$/,
    },
    {
      what: 'a prediction equal to the ignore label (the ignore label marks truth only)',
      truth: [0, 1, 2, 1, 0, 0],
      pred: [0, 255, 2, 2, 1, 0],
      ignore: 255,
      message: /input prediction holds 255 at position \[0, 1\], outside the classes 0\.\.2 \(classes=3\) \(ignore_index leaves out truth positions only\)$/,
    },
    {
      what: 'the truth and the prediction bad at one pixel: the truth is named',
      truth: [0, 1, 5, 1, 0, 0],
      pred: [0, 1, 6, 9, 1, 0],
      message: /input truth holds 5 at position \[0, 2\]/,
    },
    {
      what: 'a bad prediction before a bad truth: the first pixel in scan order is named',
      truth: [0, 1, 2, 4, 0, 0],
      pred: [0, 1, 8, 1, 1, 0],
      message: /input prediction holds 8 at position \[0, 2\]/,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const call = confusionCall(int32Tensor([2, 3], c.truth), int32Tensor([2, 3], c.pred), 3, c.ignore);
      const cpu = await errorOf(() => runOpCpu(call));
      expect(cpu).toBeInstanceOf(LabelRangeError);
      expect(cpu.message).toMatch(c.message);
      const gpu = await errorOf(async () => runOpGpu(await testGpu(), call));
      expect(gpu).toBeInstanceOf(LabelRangeError);
      expect(gpu.message).toBe(cpu.message);
    });
  }

  it('of many bad labels across workgroups, the first in scan order is named', async () => {
    const n = 300 * 200;
    const truth = Array.from({ length: n }, (_, i) => i % 3);
    const pred = truth.map((v) => (v + 1) % 3);
    for (let i = 30000; i < 59000; i += 7) pred[i] = 3 + (i % 5);
    truth[41234] = -2;
    pred[12345] = 77; // the first
    truth[59999] = 9;
    const call = confusionCall(int32Tensor([200, 300], truth), int32Tensor([200, 300], pred), 3);
    const cpu = await errorOf(() => runOpCpu(call));
    expect(cpu.message).toMatch(/input prediction holds 77 at position \[41, 45\]/);
    expect((await errorOf(async () => runOpGpu(await testGpu(), call))).message).toBe(cpu.message);
  });

  it('refused calls name the op, the attribute or input and the value', () => {
    const t = int32Tensor([2, 2], [0, 1, 1, 0]);
    const refusals: [OpCall, RegExp][] = [
      [{ opType: 'ConfusionMatrix', name: 'cm', inputs: [t, t] }, /node 'cm' \(ConfusionMatrix\): attribute classes=undefined is required/],
      [confusionCall(t, t, 0), /attribute classes=0 must be at least 1/],
      [{ ...confusionCall(t, t, 2), attributes: { classes: 2, ignore: 255 } }, /attribute ignore=255 is not an attribute of ConfusionMatrix \(known: classes, ignore_index\)/],
      [confusionCall(t, int32Tensor([4], [0, 1, 1, 0]), 2), /input prediction has shape \[4\]; it must have truth's shape \[2x2\]/],
      [{ ...confusionCall(t, t, 2), inputs: [{ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) }, t] }, /input truth has dtype float32; supported: int32, int64/],
      [{ ...confusionCall(t, t, 2), inputs: [t] }, /input prediction is missing/],
    ];
    for (const [call, message] of refusals) {
      let error: Error | undefined;
      try {
        runOpCpu(call);
      } catch (e) {
        error = e as Error;
      }
      expect(error, String(message)).toBeInstanceOf(message.source.includes('attribute') ? AttributeError : InputError);
      expect(error!.message).toMatch(message);
    }
  });
});

describe('segmentation metrics: numpy arithmetic', () => {
  it('hand-worked: IoU = TP / (TP + FP + FN), null for 0/0, nanmean, pixel accuracy', () => {
    const m = segmentationMetrics([
      [3, 1, 0],
      [2, 4, 0],
      [0, 0, 0],
    ]);
    expect(m.iou).toEqual([3 / 6, 4 / 7, null]);
    expect(m.miou).toBe((3 / 6 + 4 / 7) / 2);
    expect(m.pixelAccuracy).toBe(7 / 10);
    expect(segmentationMetrics([[0, 0], [0, 0]])).toEqual({ iou: [null, null], miou: null, pixelAccuracy: null, confusion: [[0, 0], [0, 0]] });
    // A class only predicted, and one only true: IoU 0, counted in the mean.
    expect(segmentationMetrics([[2, 1], [0, 0]]).iou).toEqual([2 / 3, 0]);
  });

  it("sums as numpy's pairwise_sum (np.sum values, from numpy 1.24)", () => {
    expect(numpySum([1e16, 1, -1e16, 1, 3, 0.1, 0.2, 0.3, 1, -2.5])).toBe(2.0999999999999996); // sequential: 3.0999999999999996
    const b = Array.from({ length: 130 }, (_, i) => i * 0.1 + (i % 3 === 0 ? 1e16 : 0) - (i % 3 === 1 ? 1e16 : 0));
    expect(numpySum(b)).toBe(1.0000000000000836e16); // sequential: 1.0000000000000832e16
  });

  it('--json form: the four keys in order, null for NaN', () => {
    const line = metricsJson(segmentationMetrics([[1, 0], [0, 0]]));
    expect(line).toBe('{"iou": [1, null], "miou": 1, "pixelAccuracy": 1, "confusion": [[1, 0], [0, 0]]}');
  });
});

interface Expected {
  readonly classes: number;
  readonly ignore: number;
  readonly iou: (number | null)[];
  readonly miou: number;
  readonly pixelAccuracy: number;
  readonly confusion: number[][];
}

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

/** runEval on argv: its exit code and what it printed with console.log. */
async function evalCommand(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await runEval(parseCommand(EVAL, argv));
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
  }
}

const work = mkdtempSync(join(tmpdir(), 'segwgpu-eval-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh pair of folders holding copies of the fixtures, to break one thing in. */
function fixtureCopy(name: string): { pred: string; truth: string } {
  const dirs = { pred: join(work, name, 'pred'), truth: join(work, name, 'truth') };
  for (const side of ['pred', 'truth'] as const) {
    mkdirSync(dirs[side], { recursive: true });
    for (const f of ['a.png', 'b.png', 'c.png']) copyFileSync(join(FIXTURES, side, f), join(dirs[side], f));
  }
  return dirs;
}

const fixtureArgs = ['--pred', join(FIXTURES, 'pred'), '--truth', join(FIXTURES, 'truth'), '--classes', '10', '--ignore', '255'];

describe('label-map PNGs: the gray value or the palette index is the label', () => {
  /** Sub-byte samples packed as PNG rows: first pixel in the high bits, rows padded to whole bytes. */
  function packRows(labels: number[], width: number, depth: number): Uint8Array {
    const rowBytes = Math.ceil((width * depth) / 8);
    const out = new Uint8Array(rowBytes * (labels.length / width));
    labels.forEach((v, i) => {
      const x = i % width;
      const bit = x * depth;
      out[Math.floor(i / width) * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
    });
    return out;
  }

  it('1-, 2-, 4- and 8-bit palettes (colours unused), 8-bit grayscale, interlaced (8-bit) or not', () => {
    const width = 11;
    const height = 7;
    const dir = join(work, 'forms');
    mkdirSync(dir, { recursive: true });
    const random = mulberry32(8);
    for (const depth of [1, 2, 4, 8] as const) {
      const labels = Array.from({ length: width * height }, () => Math.floor(random() * (1 << depth)));
      // Every entry the same colour: only the index can tell the labels apart.
      const palette = Array.from({ length: 1 << depth }, () => [10, 20, 30]);
      const data = depth === 8 ? Uint8Array.from(labels) : packRows(labels, width, depth);
      // fast-png's encoder interlaces 8-bit samples only.
      for (const interlace of depth === 8 ? (['null', 'Adam7'] as const) : (['null'] as const)) {
        const path = join(dir, `p${depth}-${interlace}.png`);
        writeFileSync(path, encodePng({ width, height, data, depth, channels: 1, palette }, { interlace }));
        expect(Array.from(decodeLabelMap(readLabelMapFile(path))), path).toEqual(labels);
      }
    }
    const gray = Array.from({ length: width * height }, () => Math.floor(random() * 256));
    for (const interlace of ['null', 'Adam7'] as const) {
      const path = join(dir, `gray-${interlace}.png`);
      writeFileSync(path, encodePng({ width, height, data: Uint8Array.from(gray), depth: 8, channels: 1 }, { interlace }));
      expect(Array.from(decodeLabelMap(readLabelMapFile(path))), path).toEqual(gray);
    }
  });
});

describe('segwgpu eval against numpy (test/fixtures/eval: palette, 4-bit palette and grayscale label maps)', () => {
  it.each(['webgpu', 'cpu'])('--json on --backend %s equals expected.json', async (backend) => {
    const { code, out } = await evalCommand([...fixtureArgs, '--json', '--backend', backend]);
    expect(code).toBe(0);
    expect(out.split('\n')).toHaveLength(1);
    const printed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['iou', 'miou', 'pixelAccuracy', 'confusion']);
    expect(printed).toEqual({ iou: expected.iou, miou: expected.miou, pixelAccuracy: expected.pixelAccuracy, confusion: expected.confusion });
  });

  it('the report: a line per class, mIoU, pixel accuracy, the confusion matrix', async () => {
    const { code, out } = await evalCommand(fixtureArgs);
    expect(code).toBe(0);
    const counted = expected.confusion.flat().reduce((a, b) => a + b, 0);
    expect(out).toMatch(new RegExp(`^eval: 3 label maps, 1113 pixels: ${counted} counted, ${1113 - counted} ignored \\(truth label 255\\); 10 classes; counted on `));
    expect(out).toMatch(new RegExp(`^0 +${expected.iou[0]!.toFixed(4)} +${expected.confusion[0]!.reduce((a, b) => a + b, 0)} `, 'm'));
    expect(out).toMatch(/^6 +- +0 +0 +absent from truth and prediction$/m);
    expect(out).toContain(`mIoU: ${expected.miou.toFixed(4)} (mean over 9 of 10 classes; 1 class absent from truth and prediction has no IoU)`);
    expect(out).toMatch(new RegExp(`^pixel accuracy: ${expected.pixelAccuracy.toFixed(4)} \\(\\d+ of ${counted} pixels\\)$`, 'm'));
    expect(out).toContain('confusion matrix (rows truth, columns prediction):');
    expect(out).toMatch(new RegExp(`^ +0${expected.confusion[0]!.map((v) => ` +${v}`).join('')}$`, 'm'));
  });
});

describe('segwgpu eval refuses, naming the file, before counting anything', () => {
  const refusal = async (argv: string[]) => (await errorOf(() => evalCommand(argv))).message;

  it('a truth without a prediction, and a prediction without a truth', async () => {
    const dirs = fixtureCopy('missing');
    rmSync(join(dirs.pred, 'b.png'));
    expect(await refusal(['--pred', dirs.pred, '--truth', dirs.truth, '--classes', '10'])).toBe(`eval: ${join(dirs.truth, 'b.png')} has no prediction: no b.png in --pred ${dirs.pred}`);
    const extra = fixtureCopy('extra');
    copyFileSync(join(extra.pred, 'a.png'), join(extra.pred, 'd.png'));
    expect(await refusal(['--pred', extra.pred, '--truth', extra.truth, '--classes', '10'])).toBe(`eval: ${join(extra.pred, 'd.png')} has no truth: no d.png in --truth ${extra.truth}`);
  });

  it('a prediction of another size', async () => {
    const dirs = fixtureCopy('size');
    writeFileSync(join(dirs.pred, 'c.png'), encodeGrayPng(9, 6, new Uint8Array(54)));
    expect(await refusal(['--pred', dirs.pred, '--truth', dirs.truth, '--classes', '10'])).toBe(
      `eval: ${join(dirs.pred, 'c.png')} is 9x6 pixels but its truth ${join(dirs.truth, 'c.png')} is 9x5; a prediction must have its truth's size`,
    );
  });

  it('RGB, RGBA, 16-bit and grayscale+alpha PNGs', async () => {
    const dirs = fixtureCopy('format');
    const forms: [Uint8Array, RegExp][] = [
      [encodePng({ width: 9, height: 5, data: new Uint8Array(135), channels: 3, depth: 8 }), /is an 8-bit RGB PNG; a label map must be an 8-bit grayscale PNG \(the gray value is the label\) or a palette PNG \(the palette index is the label\); convert a colour-coded mask to class indices first$/],
      [encodeRgbaPng({ width: 9, height: 5, data: new Uint8ClampedArray(180) }), /is an 8-bit RGBA PNG/],
      [encodePng({ width: 9, height: 5, data: new Uint16Array(45), channels: 1, depth: 16 }), /is a 16-bit grayscale PNG; a label map must be/],
      [encodePng({ width: 9, height: 5, data: new Uint8Array(90), channels: 2, depth: 8 }), /is an 8-bit grayscale\+alpha PNG/],
    ];
    forms.push([new TextEncoder().encode('not a picture at all, but long enough'), /is not a PNG file; label maps are PNGs$/]);
    for (const [bytes, message] of forms) {
      writeFileSync(join(dirs.pred, 'c.png'), bytes);
      const text = await refusal(['--pred', dirs.pred, '--truth', dirs.truth, '--classes', '10']);
      expect(text).toMatch(new RegExp(`^eval: ${join(dirs.pred, 'c.png').replace(/[.\\/]/g, '\\$&')} `));
      expect(text).toMatch(message);
    }
  });

  it('bad or missing --classes and --ignore, and conflicting sources', async () => {
    const truth = join(FIXTURES, 'truth');
    const pred = join(FIXTURES, 'pred');
    expect(await refusal(['--pred', pred, '--truth', truth])).toBe('eval: --classes N is required (the number of classes: labels 0..N-1)');
    for (const bad of ['0', 'x', '2.5', '257', '-3', '']) {
      expect(await refusal(['--pred', pred, '--truth', truth, `--classes=${bad}`])).toBe(`eval: --classes must be a whole number from 1 to 256 (labels of 8-bit label maps), got '${bad}'`);
    }
    expect(await refusal(['--pred', pred, '--truth', truth, '--classes', '10', '--ignore', '300'])).toBe("eval: --ignore must be a label from 0 to 255, got '300'");
    expect(await refusal(['--truth', truth, '--classes', '10'])).toMatch(/^eval: --pred DIR is required/);
    expect(await refusal(['--pred', pred, '--classes', '10'])).toMatch(/^eval: --truth DIR is required/);
    expect(await refusal(['--pred', pred, '--truth', truth, '--model', 'selfie', '--images', pred])).toMatch(/^eval: give --pred DIR \(label maps\) or --model MODEL with --images DIR, not both/);
    expect(await refusal(['--truth', truth, '--model', 'selfie'])).toMatch(/^eval: --model needs --images DIR/);
    expect(await refusal(['--pred', join(work, 'nowhere'), '--truth', truth, '--classes', '3'])).toMatch(/^eval: cannot read the --pred folder '.*nowhere': ENOENT/);
    expect(await refusal(['--pred', pred, '--truth', truth, '--classes', '3', '--backend', 'gpu'])).toBe("eval: --backend must be webgpu or cpu, got 'gpu'");
  });

  it.each(['webgpu', 'cpu'])('labels outside --classes, on --backend %s: the file, the pixel and the option', async (backend) => {
    // Class 9 is in every truth; a.png's first 9 in scan order is the one named.
    const a = await refusal([...fixtureArgs.slice(0, 4), '--classes', '9', '--ignore', '255', '--backend', backend]);
    expect(a).toMatch(new RegExp(`^eval: ${join(FIXTURES, 'truth', 'a.png').replace(/[.\\/]/g, '\\$&')}: label 9 at x=\\d+, y=\\d+ is outside the classes 0\\.\\.8 \\(--classes 9\\) and is not the --ignore label 255$`));
    // Without --ignore, 255 is a label like any other.
    const ignored = await refusal([...fixtureArgs.slice(0, 4), '--classes', '10', '--backend', backend]);
    expect(ignored).toMatch(/truth.a\.png: label 255 at x=\d+, y=\d+ is outside the classes 0\.\.9 \(--classes 10\) \(no --ignore label is given\)$/);
  });
});

describe('segwgpu eval --model: predict the label maps first', () => {
  afterEach(() => vi.restoreAllMocks());

  it("--model counts the model's category masks: what --pred gives with those masks written out", async () => {
    const dir = join(work, 'model');
    const images = join(dir, 'images');
    const truth = join(dir, 'truth');
    const pred = join(dir, 'pred');
    for (const d of [images, truth, pred]) mkdirSync(d, { recursive: true });
    const width = 40;
    const height = 30;
    const random = mulberry32(5);
    // A bright blob on a dark ground, with noise.
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const x = i % width;
      const y = Math.floor(i / width);
      const inside = (x - 20) ** 2 + (y - 14) ** 2 < 100;
      rgba.set([inside ? 230 : 30 + 40 * random(), inside ? 190 : 60, inside ? 160 : 90, 255], 4 * i);
    }
    writeFileSync(join(images, 'one.png'), encodeRgbaPng({ width, height, data: rgba }));
    const seg = await Segmenter.create({ model: 'selfie', backend: 'cpu', outputConfidenceMasks: false });
    let mask: Uint8Array;
    try {
      mask = (await seg.segment({ width, height, data: rgba })).categoryMask!;
    } finally {
      await seg.close();
    }
    writeFileSync(join(pred, 'one.png'), encodeGrayPng(width, height, mask));
    // The truth: the mask with its first row flipped and 2x3 pixels below it ignored.
    const t = Uint8Array.from(mask, (v, i) => (i < width ? 1 - v : i % width < 3 && i < 3 * width ? 255 : v));
    writeFileSync(join(truth, 'one.png'), encodeGrayPng(width, height, t));
    const viaPred = await evalCommand(['--pred', pred, '--truth', truth, '--classes', '2', '--ignore', '255', '--json', '--backend', 'cpu']);
    const viaModel = await evalCommand(['--model', 'selfie', '--images', images, '--truth', truth, '--ignore', '255', '--json', '--backend', 'cpu']);
    expect(viaModel.out).toBe(viaPred.out);
    const printed = JSON.parse(viaModel.out) as { pixelAccuracy: number; confusion: number[][] };
    expect(printed.pixelAccuracy).toBe((width * height - 6 - width) / (width * height - 6));
    // The report names the model's classes.
    expect((await evalCommand(['--model', 'selfie', '--images', images, '--truth', truth, '--ignore', '255', '--backend', 'cpu'])).out).toMatch(/^1 \(\w+\) +\d\.\d{4}/m);
    // An image of another size than its truth: refused from the headers, before the model runs.
    writeFileSync(join(images, 'one.png'), encodeRgbaPng({ width: width + 1, height, data: new Uint8ClampedArray((width + 1) * height * 4) }));
    expect((await errorOf(() => evalCommand(['--model', 'selfie', '--images', images, '--truth', truth, '--backend', 'cpu']))).message).toBe(
      `eval: ${join(images, 'one.png')} is 41x30 pixels but its truth ${join(truth, 'one.png')} is 40x30; an image must have its truth's size`,
    );
  });
});
