/**
 * TFLite import (src/import/tflite.ts): MediaPipe's two selfie segmentation models end to end
 * (import, shapes, GPU plan vs CPU executor, a person mask on a real photo), a small hand-built
 * model checked against plain NHWC references written here from TFLite's kernel semantics (so a
 * layout slip in the NHWC -> NCHW conversion cannot hide), and the errors for foreign, truncated
 * and unsupported files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../src/ir/graph.js';
import { importTflite } from '../src/import/tflite.js';
import { fb, readTflite } from '../src/import/tflite-reader.js';
import { layoutGraph, planGraph } from '../src/plan/plan.js';
import { runPlan } from '../src/exec/gpu.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { readImageFile, type RgbaImage } from '../src/node/image.js';
import { sizeOf, type Tensor } from '../src/core/tensor.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';
import { buildTflite, type ModelSpec } from './fixtures/tflite/builder.js';
import { paddedSoftmaxTfliteModel, sixtyFourths, smallTfliteModel } from './fixtures/tflite/small-model.js';

const modelPath = (file: string) => fileURLToPath(new URL(`../node_modules/@mediapipe/selfie_segmentation/${file}`, import.meta.url));
const SELFIE = [
  { file: 'selfie_segmentation.tflite', height: 256, width: 256, output: 'activation_10', logits: 'segment' },
  { file: 'selfie_segmentation_landscape.tflite', height: 144, width: 256, output: 'segment_back', logits: 'conv2d_transpose' },
] as const;

const readModel = (file: string) => new Uint8Array(readFileSync(modelPath(file)));

/** Op histogram of an imported graph; Conv with group > 1 is counted on its own. */
function histogram(graph: Graph): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of graph.nodes) {
    const key = n.opType === 'Conv' && (n.attributes.group as number) > 1 ? 'Conv(group>1)' : n.opType;
    h[key] = (h[key] ?? 0) + 1;
  }
  return h;
}

/** NCHW [1, C, H, W] -> NHWC data. */
function toNhwc(t: Tensor): Float32Array {
  const [n, c, h, w] = t.shape;
  const out = new Float32Array(sizeOf(t.shape));
  const src = t.data as Float32Array;
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * h + y) * w + x) * c + k] = src[((b * c + k) * h + y) * w + x];
  return out;
}

/** RGB of an image resampled (bilinear, half-pixel centres, as MediaPipe's ImageToTensor) to NCHW [1, 3, H, W] in [0, 1]. */
function imageTensor(img: RgbaImage, height: number, width: number): Tensor<'float32'> {
  const data = new Float32Array(3 * height * width);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const y1 = Math.min(y0 + 1, img.height - 1);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const ty = fy - y0;
      const tx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[4 * (yy * img.width + xx) + c];
        const v = (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x1)) + ty * ((1 - tx) * at(y1, x0) + tx * at(y1, x1));
        data[(c * height + y) * width + x] = v / 255;
      }
    }
  }
  return { dtype: 'float32', shape: [1, 3, height, width], data };
}

/** Mean of a [1, 1, H, W] mask over a box given in fractions of the height and width. */
function regionMean(mask: Tensor, y0: number, y1: number, x0: number, x1: number): number {
  const [, , h, w] = mask.shape;
  const m = mask.data as Float32Array;
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(y0 * h); y < Math.floor(y1 * h); y++) {
    for (let x = Math.floor(x0 * w); x < Math.floor(x1 * w); x++) {
      sum += m[y * w + x];
      count++;
    }
  }
  return sum / count;
}

describe('TFLite import: MediaPipe selfie segmentation', () => {
  for (const model of SELFIE) {
    it(`${model.file}: imports with NCHW input/output, the expected ops, no DEQUANTIZE, and shapes that infer`, () => {
      const graph = importTflite(readModel(model.file), { name: model.file });
      expect(graph.inputs).toEqual([{ name: 'input_1', dtype: 'float32', shape: [1, 3, model.height, model.width] }]);
      expect(graph.outputs).toEqual([model.output]);
      // One IR node per TFLite op (DEQUANTIZE folded away): CONV_2D 43, DEPTHWISE_CONV_2D 11,
      // AVERAGE_POOL_2D (256x256) or MEAN (landscape) 10, RELU 22, HARD_SWISH 11, LOGISTIC 11,
      // MUL 10, ADD 14, RESIZE_BILINEAR 3, Convolution2DTransposeBias 1.
      expect(histogram(graph)).toEqual({
        Conv: 43,
        'Conv(group>1)': 11,
        GlobalAveragePool: 10,
        Relu: 22,
        HardSwish: 11,
        Sigmoid: 11,
        Mul: 10,
        Add: 14,
        Resize: 3,
        ConvTranspose: 1,
      });
      const tflite = readTflite(readModel(model.file), model.file);
      expect(tflite.operators.filter((op) => op.builtinName === 'DEQUANTIZE').length).toBe(110);
      expect(graph.nodes.length).toBe(tflite.operators.length - 110);
      // Weights are float32 initializers (the FLOAT16 buffers dequantised), one per conv weight and bias plus 3 Resize sizes.
      expect(graph.initializers.size).toBe(2 * 55 + 3);

      const layout = layoutGraph(graph);
      expect(layout.values.get(model.output)?.shape).toEqual([1, 1, model.height, model.width]);
    });
  }

  it('converts weights and geometry to ONNX layouts (first conv, a depthwise conv, the transposed conv, a resize)', () => {
    const bytes = readModel('selfie_segmentation.tflite');
    const graph = importTflite(bytes);
    const tflite = readTflite(bytes, 'selfie');
    const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
    /** A FLOAT16 TFLite constant as numbers, TFLite (OHWI / 1HWO) layout. */
    const tfliteWeights = (name: string) => {
      const t = tflite.tensors.find((x) => x.name === name)!;
      const view = new DataView(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength);
      const half = (i: number) => {
        const h = view.getUint16(2 * i, true);
        const e = (h >> 10) & 31;
        const f = h & 1023;
        return (h & 0x8000 ? -1 : 1) * (e === 0 ? f * 2 ** -24 : (1 + f / 1024) * 2 ** (e - 15));
      };
      return { shape: t.shape, at: (...idx: number[]) => half(idx.reduce((acc, v, d) => acc * t.shape[d] + v, 0)) };
    };
    const init = (name: string) => graph.initializers.get(name)! as Tensor<'float32'>;
    const irAt = (t: Tensor<'float32'>, ...idx: number[]) => t.data[idx.reduce((acc, v, d) => acc * t.shape[d] + v, 0)];

    // CONV_2D 'conv2d': 3x3 stride 2 SAME on 256: out 128, total pad max(127*2 + 3 - 256, 0) = 1 -> [0, 0, 1, 1].
    const conv = node('conv2d');
    expect(conv.opType).toBe('Conv');
    expect(conv.attributes).toMatchObject({ kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], group: 1 });
    const w = init(conv.inputs[1]);
    expect(w.shape).toEqual([16, 3, 3, 3]);
    const tw = tfliteWeights('conv2d/Kernel');
    for (const [o, i, y, x] of [[5, 2, 1, 0], [15, 0, 2, 1], [0, 1, 0, 2]]) expect(irAt(w, o, i, y, x)).toBe(tw.at(o, y, x, i));

    // DEPTHWISE_CONV_2D 'depthwise_conv2d_3': 5x5 stride 2 SAME on 32: total max(15*2 + 5 - 32, 0) = 3 -> begin 1, end 2.
    const dw = node('depthwise_conv2d_3');
    expect(dw.attributes).toMatchObject({ kernel_shape: [5, 5], strides: [2, 2], pads: [1, 1, 2, 2], group: 96 });
    const dww = init(dw.inputs[1]);
    expect(dww.shape).toEqual([96, 1, 5, 5]);
    const tdw = tfliteWeights('depthwise_conv2d_3/Kernel');
    for (const [o, y, x] of [[7, 0, 4], [95, 3, 1]]) expect(irAt(dww, o, 0, y, x)).toBe(tdw.at(0, y, x, o));

    // Convolution2DTransposeBias 'segment': 2x2 stride 2 SAME on 128: total max(0, 2 - 127 % 2 - 1) = 0 -> 256.
    const up = node('segment');
    expect(up.opType).toBe('ConvTranspose');
    expect(up.attributes).toMatchObject({ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
    const uw = init(up.inputs[1]);
    expect(uw.shape).toEqual([16, 1, 2, 2]);
    const tuw = tfliteWeights('segment/Kernel');
    for (const [i, y, x] of [[3, 0, 1], [15, 1, 0]]) expect(irAt(uw, i, 0, y, x)).toBe(tuw.at(0, y, x, i));
    expect(up.inputs.length).toBe(3);

    // RESIZE_BILINEAR with half_pixel_centers -> Resize linear half_pixel to NCHW sizes.
    const resize = node('up_sampling2d');
    expect(resize.attributes).toEqual({ mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    expect(Array.from(graph.initializers.get(resize.inputs[3])!.data as BigInt64Array, Number)).toEqual([1, 128, 32, 32]);
  });

  for (const model of SELFIE) {
    it(`${model.file}: the GPU plan matches the CPU executor (logits and mask) and segments the person in assets/astronaut.png`, async () => {
      const ctx = await testGpu();
      const graph = importTflite(readModel(model.file), { name: model.file });
      const plan = planGraph(ctx, graph, { keepValues: [model.logits] });
      const wanted = [model.output, model.logits];
      try {
        // A deterministic input in [0, 1]. Noise reads as "no person": the mask saturates near 0,
        // so the logits (the transposed conv's output, before the final sigmoid) carry the check.
        const noise = randomTensor([1, 3, model.height, model.width], 7, 0, 1);
        await runPlan(plan, { input_1: noise }, { outputs: wanted }); // warm-up: first submission
        const t0 = performance.now();
        const gpu = (await runPlan(plan, { input_1: noise }, { outputs: wanted })).outputs;
        const ms = performance.now() - t0;
        const cpu = runGraphCpu(graph, { input_1: noise }, { keepValues: [model.logits] });
        expect(gpu[model.output].shape).toEqual([1, 1, model.height, model.width]);
        // Logits reach a few hundred in magnitude after ~55 layers of f32 sums that the tiled GPU
        // kernels and the plain CPU loops order differently: relative 1e-4 plus a small floor.
        const logits = compareTensors(gpu[model.logits], cpu[model.logits], { atol: 1e-3, rtol: 1e-4 });
        expect(logits.ok, `logits: ${logits.message}`).toBe(true);
        const noiseMask = compareTensors(gpu[model.output], cpu[model.output], { atol: 1e-4, rtol: 0 });
        expect(noiseMask.ok, `mask: ${noiseMask.message}`).toBe(true);

        // The photo: RGB in [0, 1] at the model's size (MediaPipe's ImageToTensor range).
        const photo = imageTensor(readImageFile(fileURLToPath(new URL('../assets/astronaut.png', import.meta.url))), model.height, model.width);
        const mask = (await runPlan(plan, { input_1: photo })).outputs[model.output];
        // Sigmoid probabilities: an absolute tolerance.
        const photoMask = compareTensors(mask, runGraphCpu(graph, { input_1: photo })[model.output], { atol: 1e-4, rtol: 0 });
        expect(photoMask.ok, `photo mask: ${photoMask.message}`).toBe(true);
        const regions = {
          topLeft: regionMean(mask, 0, 0.2, 0, 0.2),
          topRight: regionMean(mask, 0, 0.2, 0.8, 1),
          centre: regionMean(mask, 0.3, 0.7, 0.3, 0.7),
          bottomCentre: regionMean(mask, 0.8, 1, 0.3, 0.7),
          // The model shuttle at the right, beside the person.
          rightMiddle: regionMean(mask, 0.4, 0.6, 0.9, 1),
        };
        console.info(
          `${model.file}: one GPU run ${ms.toFixed(0)} ms (${ctx.traits.cpuLike ? 'CPU-like adapter' : 'GPU'}); GPU vs CPU logits ${logits.message}, ` +
            `photo mask ${photoMask.message}; astronaut mask means ${Object.entries(regions).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`,
        );
        expect(regions.centre).toBeGreaterThan(0.7);
        expect(regions.bottomCentre).toBeGreaterThan(0.9);
        expect(regions.topLeft).toBeLessThan(0.05);
        expect(regions.topRight).toBeLessThan(0.05);
        expect(regions.rightMiddle).toBeLessThan(0.1);
      } finally {
        plan.destroy();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// A small hand-built model against NHWC references of TFLite's kernels.

interface Nhwc {
  readonly shape: readonly [number, number, number, number];
  readonly data: Float32Array;
}

const nhwc = (shape: readonly [number, number, number, number], data?: Float32Array): Nhwc => ({ shape, data: data ?? new Float32Array(sizeOf(shape)) });
const at = (t: Nhwc, n: number, y: number, x: number, c: number) => ((n * t.shape[1] + y) * t.shape[2] + x) * t.shape[3] + c;
const map = (t: Nhwc, f: (v: number, c: number) => number): Nhwc => nhwc(t.shape, t.data.map((v, i) => f(v, i % t.shape[3])));

/** CONV_2D (weights OHWI) and DEPTHWISE_CONV_2D (weights 1HWO, depthwise: true), TFLite's loops with explicit begin pads. */
function convRef(x: Nhwc, w: Nhwc, bias: Float32Array, stride: [number, number], padBegin: [number, number], out: [number, number], depthwise = false): Nhwc {
  const [n, , , inC] = x.shape;
  const outC = depthwise ? w.shape[3] : w.shape[0];
  const [kH, kW] = [w.shape[1], w.shape[2]];
  const y = nhwc([n, out[0], out[1], outC]);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        for (let o = 0; o < outC; o++) {
          let sum = bias[o];
          for (let ky = 0; ky < kH; ky++) {
            for (let kx = 0; kx < kW; kx++) {
              const iy = oy * stride[0] - padBegin[0] + ky;
              const ix = ox * stride[1] - padBegin[1] + kx;
              if (iy < 0 || ix < 0 || iy >= x.shape[1] || ix >= x.shape[2]) continue;
              if (depthwise) sum += x.data[at(x, b, iy, ix, Math.floor(o / (outC / inC)))] * w.data[at(w, 0, ky, kx, o)];
              else for (let i = 0; i < inC; i++) sum += x.data[at(x, b, iy, ix, i)] * w.data[at(w, o, ky, kx, i)];
            }
          }
          y.data[at(y, b, oy, ox, o)] = sum;
        }
      }
    }
  }
  return y;
}

/** MediaPipe's TransposeConvBias: bias, then every input pixel scatters its kernel (weights OHWI). */
function transposeConvRef(x: Nhwc, w: Nhwc, bias: Float32Array, stride: [number, number], padBegin: [number, number], out: [number, number]): Nhwc {
  const [n, inH, inW, inC] = x.shape;
  const [outC, kH, kW] = w.shape;
  const y = map(nhwc([n, out[0], out[1], outC]), (_, c) => bias[c]);
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        for (let i = 0; i < inC; i++) {
          for (let ky = 0; ky < kH; ky++) {
            for (let kx = 0; kx < kW; kx++) {
              for (let o = 0; o < outC; o++) {
                const oy = iy * stride[0] - padBegin[0] + ky;
                const ox = ix * stride[1] - padBegin[1] + kx;
                if (oy >= 0 && ox >= 0 && oy < out[0] && ox < out[1]) y.data[at(y, b, oy, ox, o)] += x.data[at(x, b, iy, ix, i)] * w.data[at(w, o, ky, kx, i)];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/** TFLite's reference ResizeBilinear with half_pixel_centers (ComputeInterpolationValues). */
function resizeBilinearRef(x: Nhwc, outH: number, outW: number): Nhwc {
  const [n, inH, inW, c] = x.shape;
  const y = nhwc([n, outH, outW, c]);
  const interp = (v: number, scale: number, size: number) => {
    const s = (v + 0.5) * scale - 0.5;
    return { s, lo: Math.max(Math.floor(s), 0), hi: Math.min(Math.ceil(s), size - 1) };
  };
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const { s: sy, lo: y0, hi: y1 } = interp(oy, inH / outH, inH);
      for (let ox = 0; ox < outW; ox++) {
        const { s: sx, lo: x0, hi: x1 } = interp(ox, inW / outW, inW);
        for (let k = 0; k < c; k++) {
          const v = (yy: number, xx: number) => x.data[at(x, b, yy, xx, k)];
          y.data[at(y, b, oy, ox, k)] =
            v(y0, x0) * (1 - (sy - y0)) * (1 - (sx - x0)) + v(y1, x0) * (sy - y0) * (1 - (sx - x0)) + v(y0, x1) * (1 - (sy - y0)) * (sx - x0) + v(y1, x1) * (sy - y0) * (sx - x0);
        }
      }
    }
  }
  return y;
}

/** AVERAGE_POOL_2D (divides by the taps inside the input) or MAX_POOL_2D. */
function poolRef(x: Nhwc, kind: 'avg' | 'max', k: [number, number], stride: [number, number], padBegin: [number, number], out: [number, number]): Nhwc {
  const [n, , , c] = x.shape;
  const y = nhwc([n, out[0], out[1], c]);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < out[0]; oy++) {
      for (let ox = 0; ox < out[1]; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < k[0]; ky++) {
            for (let kx = 0; kx < k[1]; kx++) {
              const iy = oy * stride[0] - padBegin[0] + ky;
              const ix = ox * stride[1] - padBegin[1] + kx;
              if (iy < 0 || ix < 0 || iy >= x.shape[1] || ix >= x.shape[2]) continue;
              const v = x.data[at(x, b, iy, ix, ch)];
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          y.data[at(y, b, oy, ox, ch)] = kind === 'max' ? acc : acc / count;
        }
      }
    }
  }
  return y;
}

const T = fb.TensorType;
const B = fb.BuiltinOperator;
const O = fb.BuiltinOptions;
const ACT = fb.ActivationFunctionType;

describe('TFLite import: a small model against NHWC references', () => {
  // Weights and constants, drawn once.
  const x = randomTensor([1, 3, 5, 7], 11, 0, 1); // NCHW, as the imported graph takes it
  const w1 = sixtyFourths(4 * 3 * 2 * 3, 12); // OHWI [4, 3, 2, 3], stored as FLOAT16 + DEQUANTIZE
  const b1 = randomTensor([4], 13).data;
  const dww = randomTensor([1, 3, 3, 8], 14).data; // 1HWO, depth multiplier 2
  const dwb = randomTensor([8], 15).data;
  const addc = randomTensor([8], 16).data;
  const tw = randomTensor([2, 3, 3, 8], 17).data; // OHWI
  const tb = randomTensor([2], 18).data;

  const spec: ModelSpec = smallTfliteModel({ w1, b1, dww, dwb, addc, tw, tb });

  /** The model computed by the references, in NHWC. */
  function reference(): { avg: Nhwc; sig: Nhwc } {
    const input = nhwc([1, 5, 7, 3], toNhwc(x));
    const conv = map(convRef(input, nhwc([4, 3, 2, 3], w1), b1, [2, 1], [1, 0], [3, 7]), (v) => Math.min(Math.max(v, 0), 6));
    const dw = convRef(conv, nhwc([1, 3, 3, 8], dww), dwb, [2, 2], [1, 1], [2, 4], true);
    const add = map(dw, (v, c) => Math.max(v + addc[c], 0));
    const tconv = transposeConvRef(add, nhwc([2, 3, 3, 8], tw), tb, [2, 2], [0, 0], [4, 8]);
    const mean = [0, 1].map((c) => tconv.data.filter((_, i) => i % 2 === c).reduce((s, v) => s + v, 0) / 32);
    const mul = map(tconv, (v, c) => v * mean[c]);
    const resized = resizeBilinearRef(mul, 6, 12);
    const cat = nhwc([1, 6, 12, 4]);
    for (let p = 0; p < 72; p++) {
      for (let c = 0; c < 2; c++) {
        const v = resized.data[2 * p + c];
        cat.data[4 * p + c] = v;
        cat.data[4 * p + 2 + c] = (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
      }
    }
    const avg = poolRef(cat, 'avg', [3, 3], [2, 2], [0, 0], [3, 6]);
    const sig = map(poolRef(cat, 'max', [2, 2], [2, 2], [0, 0], [3, 6]), (v) => 1 / (1 + Math.exp(-v)));
    return { avg, sig };
  }

  it('imports to the expected NCHW nodes', () => {
    const graph = importTflite(buildTflite(spec), { name: 'small.tflite' });
    expect(graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 3, 5, 7] }]);
    expect(graph.outputs).toEqual(['avg', 'sig']);
    expect(graph.nodes.map((n) => `${n.name}:${n.opType}`)).toEqual([
      'conv:Conv', 'dw:Conv', 'add:Add', 'add/relu:Relu', 'tconv:ConvTranspose', 'mean:GlobalAveragePool', 'mul:Mul',
      'resized:Resize', 'hswish:HardSwish', 'cat:Concat', 'avg:AveragePool', 'max:MaxPool', 'sig:Sigmoid',
    ]);
    const byName = (n: string) => graph.nodes.find((x) => x.name === n)!;
    expect(byName('conv').attributes).toEqual({ kernel_shape: [3, 2], strides: [2, 1], dilations: [1, 1], pads: [1, 0, 1, 1], group: 1, activation: 'Clip', activation_params: [0, 6] });
    expect(byName('dw').attributes).toMatchObject({ pads: [1, 1, 1, 1], group: 4 });
    expect(byName('tconv').attributes).toEqual({ kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] });
    expect(byName('cat').attributes).toEqual({ axis: 1 });
    expect(graph.initializers.get(byName('add').inputs[1])!.shape).toEqual([1, 8, 1, 1]);
    expect(graph.initializers.get(byName('conv').inputs[1])!.shape).toEqual([4, 3, 3, 2]);
  });

  it('runs on the CPU executor and the GPU like the NHWC references (atol 1e-5)', async () => {
    const graph = importTflite(buildTflite(spec), { name: 'small.tflite' });
    const cpu = runGraphCpu(graph, { x });
    const expected = reference();
    for (const [name, ref] of [['avg', expected.avg], ['sig', expected.sig]] as const) {
      expect(cpu[name].shape).toEqual([1, ref.shape[3], ref.shape[1], ref.shape[2]]);
      const got = { dtype: 'float32' as const, shape: [...ref.shape], data: toNhwc(cpu[name]) };
      const cmp = compareTensors(got, { dtype: 'float32', shape: [...ref.shape], data: ref.data }, { atol: 1e-5, rtol: 1e-5 });
      expect(cmp.ok, `${name}: ${cmp.message}`).toBe(true);
    }
    const ctx = await testGpu();
    const plan = planGraph(ctx, graph);
    try {
      const gpu = (await runPlan(plan, { x })).outputs;
      for (const name of ['avg', 'sig']) {
        const cmp = compareTensors(gpu[name], cpu[name], { atol: 1e-5, rtol: 1e-5 });
        expect(cmp.ok, `${name}: ${cmp.message}`).toBe(true);
      }
    } finally {
      plan.destroy();
    }
  });

  it('maps PAD, SOFTMAX (beta), SUB and DIV with fused/standalone clips, nearest resize, CONCATENATION on H and MEAN over C like the references', () => {
    const input = randomTensor([1, 3, 4, 5], 31, -2, 2); // NCHW of NHWC [1, 4, 5, 3]
    const subc = randomTensor([4], 32).data;
    const bytes = buildTflite(paddedSoftmaxTfliteModel(subc as Float32Array));
    const graph = importTflite(bytes);
    expect(graph.outputs).toEqual(['mean', 'relu6']);
    expect(graph.nodes.find((n) => n.name === 'soft')!.attributes).toEqual({ axis: 1 });
    expect(graph.nodes.find((n) => n.name === 'cat')!.attributes).toEqual({ axis: 2 });
    expect(graph.nodes.find((n) => n.name === 'mean')!.attributes).toEqual({ axes: [1], keepdims: 0 });
    expect(Array.from(graph.initializers.get(graph.nodes.find((n) => n.name === 'padded')!.inputs[1])!.data as BigInt64Array, Number)).toEqual([0, 0, 1, 0, 0, 1, 2, 0]);
    const out = runGraphCpu(graph, { x: input });

    // References, NHWC.
    const x = nhwc([1, 4, 5, 3], toNhwc(input));
    const padded = nhwc([1, 7, 5, 4]);
    for (let y = 0; y < 4; y++) for (let xx = 0; xx < 5; xx++) for (let c = 0; c < 3; c++) padded.data[at(padded, 0, y + 1, xx, c)] = x.data[at(x, 0, y, xx, c)];
    const sub = nhwc([1, 7, 5, 4]);
    for (let p = 0; p < 35; p++) {
      const row = Array.from(padded.data.subarray(4 * p, 4 * p + 4), (v) => 2 * v);
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const total = e.reduce((a, v) => a + v, 0);
      for (let c = 0; c < 4; c++) sub.data[4 * p + c] = Math.min(Math.max(e[c] / total - subc[c], -1), 1);
    }
    const mean = new Float32Array(14 * 5);
    for (let y = 0; y < 14; y++) {
      for (let xx = 0; xx < 5; xx++) {
        let total = 0;
        for (let c = 0; c < 4; c++) {
          const v = sub.data[at(sub, 0, y % 7, xx, c)];
          total += y < 7 ? (v < 0 ? 0.1 * v : v) : v;
        }
        mean[y * 5 + xx] = total / 4;
      }
    }
    const relu6 = nhwc([1, 14, 3, 4]);
    for (let y = 0; y < 14; y++) {
      for (let xx = 0; xx < 3; xx++) {
        // TFLite nearest, neither align_corners nor half_pixel_centers: floor(o * in / out).
        const sy = Math.min(Math.floor((y * 7) / 14), 6);
        const sx = Math.min(Math.floor((xx * 5) / 3), 4);
        for (let c = 0; c < 4; c++) relu6.data[at(relu6, 0, y, xx, c)] = Math.min(Math.max(sub.data[at(sub, 0, sy, sx, c)] / 2, 0), 6);
      }
    }
    const cmpMean = compareTensors(out.mean, { dtype: 'float32', shape: [1, 14, 5], data: mean }, { atol: 1e-6, rtol: 1e-5 });
    expect(cmpMean.ok, cmpMean.message).toBe(true);
    const cmpRelu6 = compareTensors({ dtype: 'float32', shape: [1, 14, 3, 4], data: toNhwc(out.relu6) }, { dtype: 'float32', shape: [1, 14, 3, 4], data: relu6.data }, { atol: 1e-6, rtol: 1e-5 });
    expect(cmpRelu6.ok, cmpRelu6.message).toBe(true);
  });

  describe('RESHAPE between NCHW ops', () => {
    it('reshapes in TFLite element order and converts layouts around it', () => {
      const input = randomTensor([1, 4, 2, 3], 21); // NCHW of the NHWC [1, 2, 3, 4] tensor
      const graph = importTflite(
        buildTflite({
          tensors: [
            { name: 'x', shape: [1, 2, 3, 4] },
            { name: 'shape', shape: [4], type: T.INT32, data: Int32Array.of(1, 4, 3, 2) },
            { name: 'y', shape: [1, 4, 3, 2] },
            { name: 'z', shape: [1, 4, 3, 2] },
          ],
          ops: [
            { code: B.RESHAPE, inputs: [0, 1], outputs: [2] },
            { code: B.RELU, inputs: [2], outputs: [3] },
          ],
          inputs: [0],
          outputs: [3],
        }),
      );
      // x (NCHW input) -> Transpose to TFLite order -> Reshape -> Relu -> Transpose to NCHW, named 'z'.
      expect(graph.nodes.map((n) => n.opType)).toEqual(['Transpose', 'Reshape', 'Relu', 'Transpose']);
      expect(graph.outputs).toEqual(['z']);
      const z = runGraphCpu(graph, { x: input }).z;
      // NHWC data of x, read as [1, 4, 3, 2] NHWC, then ReLU; the output is NCHW [1, 2, 4, 3].
      const flat = toNhwc(input).map((v) => Math.max(v, 0));
      expect(z.shape).toEqual([1, 2, 4, 3]);
      expect(Array.from(toNhwc(z))).toEqual(Array.from(flat));
    });
  });
});

describe('TFLite import: errors', () => {
  const tiny = (ops: ModelSpec['ops'], extraTensors: ModelSpec['tensors'] = []): Uint8Array =>
    buildTflite({
      tensors: [{ name: 'x', shape: [1, 4, 4, 3] }, { name: 'sq', shape: [1, 4, 4, 3] }, { name: 'foo1', shape: [1, 4, 4, 3] }, { name: 'foo2', shape: [1, 4, 4, 3] }, ...extraTensors],
      ops,
      inputs: [0],
      outputs: [3],
    });

  it('refuses files that are not TFLite models, naming the problem', () => {
    expect(() => importTflite(new Uint8Array(3), { name: 'empty.tflite' })).toThrow(/^empty\.tflite: not a TFLite model: the file has 3 bytes, too few for a flatbuffer header$/);
    const wrongId = readModel('selfie_segmentation.tflite');
    wrongId.set([0x4f, 0x4e, 0x4e, 0x58], 4); // 'ONNX'
    expect(() => importTflite(wrongId)).toThrow(/^TFLite model: not a TFLite model: the file identifier is 'ONNX', not 'TFL3'$/);
    const onnx = new Uint8Array(readFileSync(fileURLToPath(new URL('./fixtures/models/segnet.onnx', import.meta.url))));
    expect(() => importTflite(onnx, { name: 'segnet.onnx' })).toThrow(/segnet\.onnx: not a TFLite model: the file identifier is '.*', not 'TFL3'/);
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    garbage.set([0x54, 0x46, 0x4c, 0x33], 4); // the right identifier on random bytes
    expect(() => importTflite(garbage)).toThrow(/not a TFLite model: .*(past the end|cannot be decoded|schema version)/);
  });

  it('refuses truncated files, wherever they are cut', () => {
    const full = readModel('selfie_segmentation.tflite');
    for (const length of [8, 100, 5000, full.length >> 1, full.length - 1000, full.length - 16, full.length - 1]) {
      expect(() => importTflite(full.subarray(0, length), { name: 'cut.tflite' }), `cut at ${length}`).toThrow(/^cut\.tflite: not a TFLite model: the flatbuffer points at byte \d+, past the end of the \d+-byte file \(truncated or corrupt\)$/);
    }
  });

  it('lists every unsupported op type (builtin names and custom codes) with its nodes, in one error', () => {
    const bytes = tiny([
      { code: B.SQUARE, inputs: [0], outputs: [1] },
      { code: B.CUSTOM, custom: 'Foo', inputs: [1], outputs: [2] },
      { code: B.CUSTOM, custom: 'Foo', inputs: [2], outputs: [3] },
    ]);
    let message = '';
    try {
      importTflite(bytes, { name: 'bad.tflite' });
    } catch (e) {
      expect((e as Error).name).toBe('UnsupportedError');
      message = (e as Error).message;
    }
    expect(message).toMatch(/^bad\.tflite: 2 TFLite op types are not supported by segwgpu: SQUARE: node 'sq'; custom op 'Foo': nodes 'foo1', 'foo2'\. Supported: /);
    expect(message).toContain("CONV_2D, DEPTHWISE_CONV_2D");
    expect(message).toContain("custom 'Convolution2DTransposeBias'");
  });

  it('refuses quantised activations, non-constant weights and fused TANH, naming the node', () => {
    const w = { name: 'w', shape: [3, 1, 1, 3], data: new Float32Array(9) };
    const conv = (act: fb.ActivationFunctionType, weights = 4) => ({
      code: B.CONV_2D,
      inputs: [0, weights],
      outputs: [3],
      options: { type: O.Conv2DOptions, build: (b: Builder) => fb.Conv2DOptions.createConv2DOptions(b, fb.Padding.SAME, 1, 1, act, 1, 1) },
    });
    expect(() => importTflite(tiny([conv(ACT.TANH)], [w]))).toThrow(/node 'foo2' \(CONV_2D\): fused activation TANH is not supported/);
    expect(() => importTflite(tiny([{ code: B.RELU, inputs: [0], outputs: [1] }, conv(ACT.NONE, 1)], [w]))).toThrow(/node 'foo2' \(CONV_2D\): input 1 \(weights, tensor 'sq'\) must be a constant/);
    const quantized = buildTflite({
      tensors: [{ name: 'x', shape: [1, 4, 4, 3] }, { name: 'q', shape: [1, 4, 4, 3], type: T.INT8, quantized: true }],
      ops: [{ code: B.RELU, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    });
    expect(() => importTflite(quantized)).toThrow(/node 'q' \(RELU\) outputs 'q' of type INT8; only FLOAT32 activations are supported/);
  });
});
