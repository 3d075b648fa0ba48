#!/usr/bin/env node
/**
 * Writes the small tfjs graph-model fixtures of test/import-tfjs.test.ts into
 * test/fixtures/tfjs/<name>/: a hand-built model.json (TensorFlow's GraphDef as JSON, the form
 * tensorflowjs_converter writes) with its weight shards, one .npy per input (input.<name>.npy,
 * seeded random values) and per output the output tfjs itself computes
 * (expected.<output>.npy, characters outside [A-Za-z0-9._-] as '_'), with tf.loadGraphModel
 * on tfjs-core + tfjs-converter + tfjs-backend-cpu.
 *
 *   node scripts/make_tfjs_fixtures.mjs
 *
 * Deterministic: every value comes from a seeded generator, and the cpu backend computes the
 * same outputs on every run. The weights are float32, float16-quantized, uint8- and
 * uint16-quantized (tfjs-converter's --quantize_float16 / --quantize_uint8 forms); the 'conv'
 * model's weights span three shards in two manifest groups, one weight split across a shard
 * boundary (tfjs splits its 4 MB shards anywhere).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

const OUT = fileURLToPath(new URL('../test/fixtures/tfjs/', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Values

/** mulberry32: small, seeded, the same on every platform. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seed = 1;
/** Uniform values in [lo, hi), from the next seed. */
function random(shape, lo = -1, hi = 1) {
  const next = rng(seed++);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 -> IEEE half bits, round to nearest even (normal and subnormal values; no overflow here). */
function halfBits(v) {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (e <= 0) {
    if (e < -10) return sign;
    m |= 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

// ---------------------------------------------------------------------------------------------
// GraphDef JSON

const b64 = (s) => Buffer.from(s).toString('base64');
const A = {
  s: (v) => ({ s: b64(v) }),
  i: (v) => ({ i: String(v) }),
  f: (v) => ({ f: v }),
  b: (v) => ({ b: v }),
  ints: (v) => ({ list: { i: v.map(String) } }),
  strs: (v) => ({ list: { s: v.map(b64) } }),
  type: (t) => ({ type: t }),
  shape: (dims) => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};
const FLOAT = A.type('DT_FLOAT');

class GraphBuilder {
  nodes = [];
  weights = [];
  inputs = {};

  placeholder(name, shape) {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: FLOAT, shape: A.shape(shape) } });
    this.inputs[name] = { shape, data: random(shape) };
    return name;
  }

  /** A Const node and its manifest entry; `quantization` 'float16' | 'uint8' | 'uint16' for float32 weights. */
  constant(name, shape, values, { dtype = 'float32', quantization } = {}) {
    const tfType = dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: tfType, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } }, dtype: A.type(tfType) } });
    let bytes;
    const entry = { name, shape, dtype };
    if (!quantization) {
      bytes = new Uint8Array((dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values)).buffer);
    } else if (quantization === 'float16') {
      bytes = new Uint8Array(Uint16Array.from(values, halfBits).buffer);
      entry.quantization = { dtype: 'float16', original_dtype: 'float32' };
    } else {
      const levels = quantization === 'uint8' ? 255 : 65535;
      const min = Math.min(...values);
      const scale = (Math.max(...values) - min) / levels || 1;
      const q = Array.from(values, (v) => Math.round((v - min) / scale));
      bytes = new Uint8Array((quantization === 'uint8' ? Uint8Array.from(q) : Uint16Array.from(q)).buffer);
      entry.quantization = { dtype: quantization, min, scale, original_dtype: 'float32' };
    }
    this.weights.push({ entry, bytes });
    return name;
  }

  weight(name, shape, options = {}) {
    return this.constant(name, shape, random(shape, options.lo ?? -1, options.hi ?? 1), options);
  }

  ints(name, values) {
    return this.constant(name, [values.length], values, { dtype: 'int32' });
  }

  scalarInt(name, value) {
    return this.constant(name, [], [value], { dtype: 'int32' });
  }

  op(name, op, input, attr = {}) {
    this.nodes.push({ name, op, input, attr: { T: FLOAT, ...attr } });
    return name;
  }

  /**
   * model.json and its shards. `groups`: how many weights each manifest group holds (the rest
   * in the last); `splits`: per group, the byte offsets where its stream is cut into shards.
   */
  files(outputs, { groups = [], splits = [], signature = false } = {}) {
    const sizes = [...groups, this.weights.length - groups.reduce((a, b) => a + b, 0)];
    const manifest = [];
    const shards = [];
    let at = 0;
    sizes.forEach((count, g) => {
      const members = this.weights.slice(at, at + count);
      at += count;
      const stream = Buffer.concat(members.map((w) => w.bytes));
      const cuts = [0, ...(splits[g] ?? []), stream.length];
      const paths = cuts.slice(1).map((_, k) => `group${g + 1}-shard${k + 1}of${cuts.length - 1}.bin`);
      paths.forEach((p, k) => shards.push({ path: p, bytes: stream.subarray(cuts[k], cuts[k + 1]) }));
      manifest.push({ paths, weights: members.map((w) => w.entry) });
    });
    const model = {
      format: 'graph-model',
      generatedBy: 'segwgpu scripts/make_tfjs_fixtures.mjs',
      convertedBy: 'hand-built',
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1 } },
      weightsManifest: manifest,
    };
    if (signature) {
      const info = (name, shape) => ({ name: `${name}:0`, dtype: 'DT_FLOAT', ...(shape && { tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } }) });
      model.signature = {
        inputs: Object.fromEntries(Object.entries(this.inputs).map(([n, v]) => [`${n}:0`, info(n, v.shape)])),
        outputs: Object.fromEntries(outputs.map((o) => [`${o}:0`, info(o)])),
      };
    }
    return { model, shards };
  }
}

// Attribute sets.
const conv = (strides, padding, extra = {}) => ({ strides: A.ints([1, ...strides, 1]), padding: A.s(padding), data_format: A.s('NHWC'), dilations: A.ints([1, 1, 1, 1]), ...extra });
const fused = (ops, numArgs, extra = {}) => ({ fused_ops: A.strs(ops), num_args: A.i(numArgs), epsilon: A.f(0), ...extra });
const pool = (k, strides, padding) => ({ ksize: A.ints([1, ...k, 1]), strides: A.ints([1, ...strides, 1]), padding: A.s(padding), data_format: A.s('NHWC') });
const resize = (alignCorners, halfPixel) => ({ align_corners: A.b(alignCorners), half_pixel_centers: A.b(halfPixel) });
const slice = (masks = {}) => Object.fromEntries(['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((m) => [m, A.i(masks[m] ?? 0)]));

// ---------------------------------------------------------------------------------------------
// The fixtures

const FIXTURES = {
  /** Fused and plain convolutions, depthwise ones, every fused activation segwgpu maps, quantized weights over three shards. */
  conv() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 9, 11, 3]);
    const c1 = g.op('conv1', '_FusedConv2D', [x, g.weight('conv1/filter', [3, 3, 3, 8], { quantization: 'float16' }), g.weight('conv1/bias', [8], { quantization: 'float16' })], { ...conv([2, 2], 'SAME'), ...fused(['BiasAdd', 'Relu6'], 1) });
    const d1 = g.op('dw1', 'FusedDepthwiseConv2dNative', [c1, g.weight('dw1/filter', [3, 3, 8, 2], { quantization: 'float16' }), g.weight('dw1/bias', [16])], { ...conv([1, 1], 'SAME'), ...fused(['BiasAdd', 'Relu'], 1) });
    const p1 = g.op('pw1/conv', 'Conv2D', [d1, g.weight('pw1/filter', [1, 1, 16, 8], { quantization: 'uint8' })], conv([1, 1], 'VALID'));
    const b1 = g.op('pw1', 'BiasAdd', [p1, g.weight('pw1/bias', [8], { quantization: 'uint16' })], { data_format: A.s('NHWC') });
    const e1 = g.op('dilated/conv', 'Conv2D', [b1, g.weight('dilated/filter', [3, 3, 8, 4])], conv([1, 1], 'EXPLICIT', { dilations: A.ints([1, 2, 2, 1]), explicit_paddings: A.ints([0, 0, 1, 2, 2, 1, 0, 0]) }));
    g.op('dilated', 'AddV2', [e1, g.weight('dilated/y', [4])]);
    g.op('leaky', '_FusedConv2D', [b1, g.weight('leaky/filter', [3, 3, 8, 4]), g.weight('leaky/bias', [4])], { ...conv([1, 1], 'VALID'), ...fused(['BiasAdd', 'LeakyRelu'], 1, { leakyrelu_alpha: A.f(0.1) }) });
    g.op('prelu', '_FusedConv2D', [b1, g.weight('prelu/filter', [1, 1, 8, 4]), g.weight('prelu/bias', [4]), g.weight('prelu/alpha', [4], { lo: 0, hi: 0.5 })], { ...conv([1, 1], 'SAME'), ...fused(['BiasAdd', 'Prelu'], 2) });
    g.op('sigmoid', 'FusedDepthwiseConv2dNative', [b1, g.weight('sigmoid/filter', [2, 2, 8, 1], { quantization: 'uint8' }), g.weight('sigmoid/bias', [8])], { ...conv([2, 2], 'VALID'), ...fused(['BiasAdd', 'Sigmoid'], 1) });
    g.op('plain_dw', 'DepthwiseConv2dNative', [c1, g.weight('plain_dw/filter', [3, 3, 8, 1])], conv([1, 1], 'SAME', { dilations: A.ints([1, 2, 2, 1]) }));
    g.op('bias_only', '_FusedConv2D', [c1, g.weight('bias_only/filter', [2, 2, 8, 3]), g.weight('bias_only/bias', [3])], { ...conv([1, 1], 'SAME'), ...fused(['BiasAdd'], 1) });
    const outputs = ['dilated', 'leaky', 'prelu', 'sigmoid', 'plain_dw', 'bias_only'];
    return { g, outputs, files: { groups: [6], splits: [[500], [64]] } };
  },

  /** Conv2DBackpropInput: SAME with odd and even kernels, VALID with an output longer than the kernels reach, EXPLICIT. */
  transpose_conv() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 4, 5, 6]);
    const t1 = g.op('up3/conv', 'Conv2DBackpropInput', [g.ints('up3/sizes', [1, 7, 9, 4]), g.weight('up3/filter', [3, 3, 4, 6], { quantization: 'float16' }), x], conv([2, 2], 'SAME'));
    g.op('up3', 'BiasAdd', [t1, g.weight('up3/bias', [4])], { data_format: A.s('NHWC') });
    g.op('up2', 'Conv2DBackpropInput', [g.ints('up2/sizes', [1, 8, 10, 3]), g.weight('up2/filter', [2, 2, 3, 6]), x], conv([2, 2], 'SAME'));
    g.op('valid', 'Conv2DBackpropInput', [g.ints('valid/sizes', [1, 10, 12, 2]), g.weight('valid/filter', [3, 3, 2, 6]), x], conv([2, 2], 'VALID'));
    g.op('same_even', 'Conv2DBackpropInput', [g.ints('same_even/sizes', [1, 8, 10, 2]), g.weight('same_even/filter', [3, 3, 2, 6]), x], conv([2, 2], 'SAME'));
    g.op('explicit', 'Conv2DBackpropInput', [g.ints('explicit/sizes', [1, 8, 9, 2]), g.weight('explicit/filter', [3, 3, 2, 6]), x], conv([2, 2], 'EXPLICIT', { explicit_paddings: A.ints([0, 0, 1, 0, 2, 1, 0, 0]) }));
    return { g, outputs: ['up3', 'up2', 'valid', 'same_even', 'explicit'] };
  },

  /** ResizeBilinear and ResizeNearestNeighbor in every coordinate mode; AvgPool and MaxPool, SAME and VALID. */
  resize_pool() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 5, 7, 3]);
    const size = (name, h, w) => g.ints(name, [h, w]);
    g.op('bilinear_half_pixel', 'ResizeBilinear', [x, size('s1', 9, 12)], resize(false, true));
    g.op('bilinear_align_corners', 'ResizeBilinear', [x, size('s2', 9, 12)], resize(true, false));
    g.op('bilinear_asymmetric', 'ResizeBilinear', [x, size('s3', 3, 4)], resize(false, false));
    g.op('nearest_asymmetric', 'ResizeNearestNeighbor', [x, size('s4', 10, 14)], resize(false, false));
    g.op('nearest_half_pixel', 'ResizeNearestNeighbor', [x, size('s5', 8, 9)], resize(false, true));
    g.op('nearest_align_corners', 'ResizeNearestNeighbor', [x, size('s6', 9, 13)], resize(true, false));
    g.op('avg_same', 'AvgPool', [x], pool([3, 3], [2, 2], 'SAME'));
    g.op('avg_global', 'AvgPool', [x], pool([5, 7], [5, 7], 'VALID'));
    g.op('max_same', 'MaxPool', [x], pool([2, 2], [2, 2], 'SAME'));
    g.op('max_valid', 'MaxPool', [x], pool([3, 3], [1, 2], 'VALID'));
    return { g, outputs: ['bilinear_half_pixel', 'bilinear_align_corners', 'bilinear_asymmetric', 'nearest_asymmetric', 'nearest_half_pixel', 'nearest_align_corners', 'avg_same', 'avg_global', 'max_same', 'max_valid'], files: { signature: true } };
  },

  /** ConcatV2, AddN, a squeeze-and-excitation block (global pool, Reshape, MatMul, BiasAdd, Mul), Mean, fused and batched MatMul. */
  join() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 6, 8, 4]);
    const relu = g.op('relu', 'Relu', [x]);
    const sig = g.op('sig', 'Sigmoid', [x]);
    const cat = g.op('concat_channels', 'ConcatV2', [x, relu, g.scalarInt('axis_last', -1)], { N: A.i(2) });
    g.op('concat_rows', 'ConcatV2', [x, sig, relu, g.scalarInt('axis_rows', 1)], { N: A.i(3) });
    g.op('add_n', 'AddN', [x, relu, sig], { N: A.i(3) });
    const pooled = g.op('se/pool', 'AvgPool', [cat], pool([6, 8], [6, 8], 'VALID'));
    const flat = g.op('se/flat', 'Reshape', [pooled, g.ints('se/flat/shape', [1, 8])]);
    const m1 = g.op('se/dense1', 'MatMul', [flat, g.weight('se/w1', [8, 6])], { transpose_a: A.b(false), transpose_b: A.b(false) });
    const r1 = g.op('se/relu', 'Relu', [g.op('se/bias1', 'BiasAdd', [m1, g.weight('se/b1', [6])])]);
    const m2 = g.op('se/dense2', 'MatMul', [r1, g.weight('se/w2', [8, 6])], { transpose_a: A.b(false), transpose_b: A.b(true) });
    const gate = g.op('se/gate', 'Sigmoid', [g.op('se/unflat', 'Reshape', [m2, g.ints('se/unflat/shape', [1, 1, 1, -1])])]);
    g.op('se', 'Mul', [cat, gate]);
    g.op('mean_hw', 'Mean', [x, g.ints('mean_hw/axes', [1, 2])], { keep_dims: A.b(true) });
    g.op('mean_c', 'Mean', [x, g.ints('mean_c/axes', [-1])], { keep_dims: A.b(false) });
    g.op('mean_h', 'Mean', [x, g.scalarInt('mean_h/axis', 1)], { keep_dims: A.b(true) });
    g.op('fused_dense', '_FusedMatMul', [flat, g.weight('fd/w', [8, 5]), g.weight('fd/b', [5])], { ...fused(['BiasAdd', 'Relu'], 1), transpose_a: A.b(false), transpose_b: A.b(false) });
    const rows = g.op('bmm/rows', 'Reshape', [x, g.ints('bmm/rows/shape', [6, 8, 4])]);
    g.op('bmm', 'BatchMatMulV2', [rows, g.weight('bmm/w', [3, 4])], { adj_x: A.b(false), adj_y: A.b(true) });
    return { g, outputs: ['concat_rows', 'add_n', 'se', 'mean_hw', 'mean_c', 'mean_h', 'fused_dense', 'bmm'] };
  },

  /** StridedSlice with every mask, Slice, Pad / PadV2 / MirrorPad, Shape -> StridedSlice -> Pack -> Reshape, Squeeze, ExpandDims, Transpose. */
  slice_pad() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 6, 7, 5]);
    const ss = (name, begin, end, strides, masks) => g.op(name, 'StridedSlice', [x, g.ints(`${name}/begin`, begin), g.ints(`${name}/end`, end), g.ints(`${name}/strides`, strides)], { Index: A.type('DT_INT32'), ...slice(masks) });
    ss('ss_plain', [0, 1, 0, 1], [1, 5, 7, 4], [1, 2, 1, 1]);
    // Shrink axes and strides other than 1 are kept apart: tfjs-backend-cpu 4.22's StridedSlice
    // gets them wrong together (stridedSliceImpl indexes the input with the output's rank).
    ss('ss_reverse_masked', [0, 0, 1, 0], [0, 0, 0, 3], [1, -2, 1, 1], { begin_mask: 0b0011, end_mask: 0b0111 });
    ss('ss_shrink_middle', [0, 2, 1, 0], [0, 3, -1, 0], [1, 1, 1, 1], { begin_mask: 0b1001, end_mask: 0b1001, shrink_axis_mask: 0b0010 });
    ss('ss_ellipsis_new_axis', [0, 0, 1], [0, 0, 3], [1, 1, 1], { ellipsis_mask: 0b001, new_axis_mask: 0b010 });
    ss('ss_index', [0, 2], [1, 3], [1, 1], { shrink_axis_mask: 0b11 });
    ss('ss_negative', [0, -2, -1, 0], [1, -7, -8, 5], [1, -1, -3, 2]);
    g.op('slice', 'Slice', [x, g.ints('slice/begin', [0, 1, 2, 0]), g.ints('slice/size', [-1, 3, -1, 2])], { Index: A.type('DT_INT32') });
    g.op('pad', 'Pad', [x, g.constant('pad/paddings', [4, 2], [0, 0, 1, 2, 0, 1, 0, 0], { dtype: 'int32' })], { Tpaddings: A.type('DT_INT32') });
    g.op('pad_value', 'PadV2', [x, g.constant('pad_value/paddings', [4, 2], [0, 0, 2, 0, 1, 1, 0, 1], { dtype: 'int32' }), g.constant('pad_value/value', [], [0.5])]);
    g.op('mirror', 'MirrorPad', [x, g.constant('mirror/paddings', [4, 2], [0, 0, 2, 1, 1, 3, 0, 0], { dtype: 'int32' })], { mode: A.s('REFLECT') });
    // Keras Flatten with a dynamic batch: Shape -> StridedSlice (shrink) -> Pack [batch, -1] -> Reshape.
    const shape = g.op('flatten/shape', 'Shape', [x], { out_type: A.type('DT_INT32') });
    const batch = g.op('flatten/batch', 'StridedSlice', [shape, g.ints('flatten/b', [0]), g.ints('flatten/e', [1]), g.ints('flatten/s', [1])], { Index: A.type('DT_INT32'), ...slice({ shrink_axis_mask: 1 }) });
    const packed = g.op('flatten/packed', 'Pack', [batch, g.scalarInt('flatten/minus_one', -1)], { axis: A.i(0), N: A.i(2), T: A.type('DT_INT32') });
    g.op('flatten', 'Reshape', [x, packed]);
    const pooled = g.op('squeeze/mean', 'Mean', [x, g.ints('squeeze/axes', [1, 2])], { keep_dims: A.b(true) });
    g.op('squeeze', 'Squeeze', [pooled], { squeeze_dims: A.ints([1, 2]) });
    const first = g.op('expand/first', 'StridedSlice', [x, g.ints('expand/b', [0]), g.ints('expand/e', [1]), g.ints('expand/s', [1])], { Index: A.type('DT_INT32'), ...slice({ shrink_axis_mask: 1 }) });
    g.op('expand', 'ExpandDims', [first, g.scalarInt('expand/axis', 1)], { Tdim: A.type('DT_INT32') });
    const nchw = g.op('transpose/nchw', 'Transpose', [x, g.ints('transpose/perm', [0, 3, 1, 2])], { Tperm: A.type('DT_INT32') });
    g.op('transpose', 'Relu', [nchw]);
    g.op('transpose_back', 'AddV2', [g.op('transpose/back', 'Transpose', [nchw, g.ints('transpose/perm_back', [0, 2, 3, 1])], { Tperm: A.type('DT_INT32') }), x]);
    return {
      g,
      outputs: ['ss_plain', 'ss_reverse_masked', 'ss_shrink_middle', 'ss_ellipsis_new_axis', 'ss_index', 'ss_negative', 'slice', 'pad', 'pad_value', 'mirror', 'flatten', 'squeeze', 'expand', 'transpose', 'transpose_back'],
    };
  },

  /** Binary ops with broadcasting (two inputs, constants of lower rank), unary ops, activations, Softmax, FusedBatchNormV3, reductions, Cast. */
  elementwise() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 4, 6, 3]);
    const y = g.placeholder('y', [1, 1, 6, 3]);
    g.op('sub', 'Sub', [x, y]);
    const absY = g.op('abs_y', 'Abs', [y]);
    g.op('div', 'RealDiv', [x, g.op('abs_y_plus_1', 'AddV2', [absY, g.constant('one', [], [1])])]);
    g.op('mul_channel', 'Mul', [x, g.weight('mul_channel/c', [3])]);
    g.op('add_rank2', 'AddV2', [x, g.weight('add_rank2/c', [6, 3])]);
    g.op('sub_from_const', 'Sub', [g.weight('sub_from_const/c', [1, 1, 1, 3]), x]);
    g.op('sqdiff', 'SquaredDifference', [x, y]);
    const positive = g.op('positive', 'AddV2', [g.op('abs_x', 'Abs', [x]), g.constant('half', [], [0.5])]);
    g.op('pow', 'Pow', [positive, g.constant('pow/e', [], [2.5])]);
    g.op('sqrt', 'Sqrt', [positive]);
    g.op('rsqrt', 'Rsqrt', [positive]);
    g.op('log', 'Log', [positive]);
    g.op('exp', 'Exp', [x]);
    g.op('square', 'Square', [x]);
    g.op('neg', 'Neg', [x]);
    g.op('reciprocal', 'Reciprocal', [positive]);
    const scaled = g.op('scaled', 'Mul', [x, g.constant('eight', [], [8])]);
    g.op('floor', 'Floor', [scaled]);
    g.op('ceil', 'Ceil', [scaled]);
    g.op('relu6', 'Relu6', [scaled]);
    g.op('leaky', 'LeakyRelu', [x], { alpha: A.f(0.3) });
    g.op('prelu', 'Prelu', [x, g.weight('prelu/alpha', [3], { lo: 0, hi: 0.5 })]);
    g.op('softmax', 'Softmax', [scaled]);
    g.op('batch_norm', 'FusedBatchNormV3', [x, g.weight('bn/scale', [3]), g.weight('bn/offset', [3]), g.weight('bn/mean', [3]), g.weight('bn/var', [3], { lo: 0.5, hi: 2 })], { epsilon: A.f(0.001), data_format: A.s('NHWC'), is_training: A.b(false), U: FLOAT });
    g.op('sum', 'Sum', [x, g.ints('sum/axes', [1, 2])], { keep_dims: A.b(true) });
    g.op('max', 'Max', [x, g.ints('max/axes', [3])], { keep_dims: A.b(false) });
    g.op('min', 'Min', [x, g.ints('min/axes', [1])], { keep_dims: A.b(true) });
    const truncated = g.op('cast/int', 'Cast', [scaled], { SrcT: FLOAT, DstT: A.type('DT_INT32') });
    g.op('cast', 'Cast', [truncated], { SrcT: A.type('DT_INT32'), DstT: FLOAT });
    return {
      g,
      outputs: ['sub', 'div', 'mul_channel', 'add_rank2', 'sub_from_const', 'sqdiff', 'pow', 'sqrt', 'rsqrt', 'log', 'exp', 'square', 'neg', 'reciprocal', 'floor', 'ceil', 'relu6', 'leaky', 'prelu', 'softmax', 'batch_norm', 'sum', 'max', 'min', 'cast'],
    };
  },

  /** Tanh and Elu (standalone and fused): imported once segwgpu's registry has Tanh and Elu, refused by name until then. */
  tanh_elu() {
    const g = new GraphBuilder();
    const x = g.placeholder('x', [1, 4, 5, 3]);
    g.op('tanh', 'Tanh', [x]);
    g.op('elu', 'Elu', [x]);
    g.op('fused_elu', '_FusedConv2D', [x, g.weight('fused_elu/filter', [3, 3, 3, 4]), g.weight('fused_elu/bias', [4])], { ...conv([1, 1], 'SAME'), ...fused(['BiasAdd', 'Elu'], 1) });
    return { g, outputs: ['tanh', 'elu', 'fused_elu'] };
  },
};

// ---------------------------------------------------------------------------------------------
// .npy and the run

const safeName = (name) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/** A float32 C-order .npy (format 1.0, data 64-byte aligned). */
function npy(shape, data) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(data).buffer)]);
}

// PROD only silences tfjs's advice to install tfjs-node; the cpu backend computes the same.
tf.env().set('PROD', true);
await tf.setBackend('cpu');
let totalBytes = 0;
for (const [name, make] of Object.entries(FIXTURES)) {
  seed = 1000 * (Object.keys(FIXTURES).indexOf(name) + 1);
  const { g, outputs, files } = make();
  const { model, shards } = g.files(outputs, files);
  const weightData = new Uint8Array(Buffer.concat(shards.map((s) => s.bytes))).buffer;
  const tfModel = await loadGraphModel(
    tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightsManifest.flatMap((m) => m.weights), weightData, format: model.format }),
  );
  const feeds = Object.fromEntries(Object.entries(g.inputs).map(([n, v]) => [n, tf.tensor(v.data, v.shape)]));
  const results = tfModel.execute(feeds, outputs);
  const written = [
    // Compact, one node or weight entry per line: small, and still diffable.
    ['model.json', Buffer.from(`${JSON.stringify(model).replace(/\{"name":/g, '\n{"name":')}\n`)],
    ...shards.map((s) => [s.path, s.bytes]),
    ...Object.entries(g.inputs).map(([n, v]) => [`input.${safeName(n)}.npy`, npy(v.shape, v.data)]),
    ...(Array.isArray(results) ? results : [results]).map((t, k) => [`expected.${safeName(outputs[k])}.npy`, npy(t.shape, t.dataSync())]),
  ];
  const dir = join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of written) writeFileSync(join(dir, file), bytes);
  const bytes = written.reduce((n, [, b]) => n + b.length, 0);
  totalBytes += bytes;
  console.log(`test/fixtures/tfjs/${name}/: ${written.length} files, ${bytes} bytes`);
}
console.log(`total ${totalBytes} bytes`);
