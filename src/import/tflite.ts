/**
 * TFLite importer: .tflite bytes -> segwgpu's graph IR (src/ir/graph.ts), ONNX opset-17 nodes in
 * NCHW, like every other importer. Written for MediaPipe's selfie segmentation models
 * (@mediapipe/selfie_segmentation) and the float32 image models built from the same ops.
 *
 * Reading: src/import/tflite-reader.ts (the `flatbuffers` runtime, our schema subset, bounds
 * checks). Only the main subgraph is imported. Malformed, truncated or foreign files fail with
 * "<label>: not a TFLite model: ...".
 *
 * Layout. TFLite tensors are NHWC; the IR is NCHW. Every imported value carries a permutation
 * `perm` (IR axis i holds TFLite axis perm[i], ONNX Transpose's convention): rank-4 activations
 * are kept as NCHW (perm [0, 3, 1, 2]), everything else as is. Ops that need a layout ask for it and
 * get a Transpose node only where a value is in another one (after a RESHAPE into rank 4, say);
 * the selfie models need none. Axes (CONCATENATION, MEAN, SOFTMAX, PAD) are remapped through the
 * perm, and constant operands of elementwise ops are broadcast to the output's rank with leading
 * 1s (numpy/TFLite broadcasting aligns trailing axes) and then permuted, so [C] becomes [1, C, 1, 1].
 *   - Graph inputs and outputs of rank 4 are NCHW: the selfie model's input is [1, 3, H, W] (RGB,
 *     values in [0, 1], as MediaPipe's ImageToTensorCalculator feeds it) and its output mask is
 *     [1, 1, H, W] (sigmoid probabilities). Callers convert images to NCHW themselves.
 *   - Weights become ONNX layouts at import: CONV_2D's OHWI -> Conv's [O, I, kH, kW];
 *     DEPTHWISE_CONV_2D's [1, kH, kW, C*m] -> Conv with group = C and weights [C*m, 1, kH, kW];
 *     MediaPipe's Convolution2DTransposeBias's OHWI -> ConvTranspose's [I, O, kH, kW].
 *
 * Padding. TFLite's SAME/VALID become explicit pads, computed as TFLite computes them
 * (ComputePaddingHeightWidth): SAME: out = ceil(in / s), total = max((out - 1) * s + k_eff - in, 0),
 * begin = floor(total / 2), end = total - begin (the odd pixel at the end, i.e. ONNX SAME_UPPER);
 * VALID: no pads. Every computed output shape is checked against the shape the file declares.
 *
 * Ops (TFLite -> IR):
 *   CONV_2D -> Conv; DEPTHWISE_CONV_2D -> Conv (group = C); fused RELU / RELU6 / RELU_N1_TO_1 ->
 *     Conv's `activation` attribute ('Relu', 'Clip' [0, 6], 'Clip' [-1, 1]).
 *   custom Convolution2DTransposeBias (MediaPipe) -> ConvTranspose with bias. Its custom options are
 *     a plain TfLiteTransposeConvParams struct, three little-endian int32s: padding (1 SAME,
 *     2 VALID), stride_width, stride_height. As in MediaPipe's kernel (transpose_conv_bias.cc):
 *     SAME: total = max(0, k - (in - 1) % s - 1), out = s * (in - 1) + k - total, the output
 *     cropped by floor(total / 2) at the start; VALID: total = 0.
 *   AVERAGE_POOL_2D -> AveragePool (count_include_pad 0, as TFLite divides by the taps inside
 *     the input), or GlobalAveragePool when one VALID window covers the whole input;
 *     MAX_POOL_2D -> MaxPool; MEAN over H and W with keep_dims -> GlobalAveragePool, other axes ->
 *     ReduceMean.
 *   ADD, MUL, SUB, DIV -> Add, Mul, Sub, Div (fused activations become a Relu / Clip node).
 *   RESIZE_BILINEAR -> Resize linear with coordinate_transformation_mode align_corners
 *     (align_corners), half_pixel (half_pixel_centers: TF's (x + 0.5) * in/out - 0.5 with edge
 *     clamping is ONNX half_pixel) or asymmetric (neither); RESIZE_NEAREST_NEIGHBOR -> Resize
 *     nearest: asymmetric + floor, tf_half_pixel_for_nn + floor, align_corners + round_prefer_ceil.
 *   RELU, RELU6, RELU_N1_TO_1, LOGISTIC, HARD_SWISH, LEAKY_RELU -> Relu, Clip, Clip, Sigmoid,
 *     HardSwish, LeakyRelu; SOFTMAX -> Softmax over the last TFLite axis (beta != 1: Mul first).
 *   CONCATENATION -> Concat; RESHAPE -> Reshape (on the TFLite-ordered value, to the declared
 *     output shape); PAD / PADV2 -> Pad (constant mode).
 *   DEQUANTIZE of a FLOAT16 constant is folded at import (fp16 -> f32 initializer, node dropped).
 * Op types outside this list (or whose IR ops the registry lacks) are refused before anything is
 * built, all in ONE UnsupportedError listing every builtin name or custom code with the nodes using
 * it. Other problems (quantised tensors, fused TANH, non-constant weights, a declared shape that
 * disagrees with TFLite's rules) fail with an error naming the node. Nodes are named after their
 * first output tensor (or '<OPNAME>_<index>'); graph inputs and outputs keep their tensor names.
 */
import { SegwgpuError, UnsupportedError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import type { Graph, GraphInput, GraphNode } from '../ir/graph.js';
import { UniqueNames } from '../ir/names.js';
import { float16ToNumber } from '../core/float16.js';
import type { AttributeValue, Attributes } from '../ir/attributes.js';
import { findOp, supportedOpTypes } from '../ops/registry.js';
import { fb, readTflite, tensorTypeName, type TfliteModel, type TfliteOperator, type TfliteTensor } from './tflite-reader.js';

export interface ImportTfliteOptions {
  /** Names the model in error messages (and the graph, when the file has no subgraph name). Default 'TFLite model'. */
  readonly name?: string;
}

/** IR axis i holds TFLite axis perm[i]. */
type Perm = readonly number[];
const NCHW: Perm = [0, 3, 1, 2];
const MAX_NAMES_PER_OP = 12;

const identity = (rank: number): Perm => Array.from({ length: rank }, (_, i) => i);
const samePerm = (a: Perm, b: Perm) => a.length === b.length && a.every((v, i) => v === b[i]);
/** Names a layout in invented value names: 'nchw', 'nhwc' or 'perm_0213'. */
const layoutLabel = (perm: Perm): string =>
  samePerm(perm, NCHW) ? 'nchw' : perm.length === 4 && samePerm(perm, identity(4)) ? 'nhwc' : `perm_${perm.join('')}`;
/** The layout a value of this TFLite rank has in the IR unless an op says otherwise. */
const defaultPerm = (rank: number): Perm => (rank === 4 ? NCHW : identity(rank));

/** ONNX Transpose semantics on host data: out.shape[i] = t.shape[perm[i]]. */
function transposeTensor(t: Tensor, perm: Perm): Tensor {
  if (samePerm(perm, identity(perm.length))) return t;
  const shape = perm.map((p) => t.shape[p]);
  const inStrides = stridesOf(t.shape);
  const outStrides = stridesOf(shape);
  const n = sizeOf(shape);
  const src = t.data as ArrayLike<number | bigint>;
  const out = new (t.data.constructor as { new (n: number): Float32Array | Int32Array | BigInt64Array })(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let from = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(rest / outStrides[d]);
      rest -= coord * outStrides[d];
      from += coord * inStrides[perm[d]];
    }
    (out as unknown as (number | bigint)[])[i] = src[from];
  }
  return { dtype: t.dtype, shape, data: out } as Tensor;
}

/** What a rule can read of one TFLite operator. */
interface OpContext {
  readonly op: TfliteOperator;
  /** The node name used in errors and for the main IR node. */
  readonly name: string;
  /** 'CONV_2D', or the custom code. */
  readonly type: string;
}

/** What errors name: a node and its TFLite op type (or the graph outputs). */
type Where = Pick<OpContext, 'name' | 'type'>;

interface OpRule {
  /** IR op types the rule may emit; a rule whose ops the registry lacks makes its TFLite op unsupported. */
  readonly emits: readonly string[];
  map(im: Importer, c: OpContext): void;
}

type FusedCode = fb.ActivationFunctionType;

class Importer {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Tensor>();
  readonly inputs: GraphInput[] = [];
  readonly outputs: string[] = [];
  private readonly valueNames = new UniqueNames();
  private readonly nodeNames = new UniqueNames();
  /** TFLite tensor -> its IR value and layout, once produced (graph inputs and op outputs). */
  private readonly values = new Map<number, { name: string; perm: Perm }>();
  /** Converted layouts of values and constants, so each is made once: 'tensor:perm' -> IR name. */
  private readonly converted = new Map<string, string>();
  /** Constants made at import (dequantised, reshaped), in TFLite layout. */
  private readonly folded = new Map<number, Tensor>();
  private readonly scalars = new Map<number, string>();

  /** Graph outputs keep their TFLite names for the value in the output layout (NCHW at rank 4). */
  private readonly outputNames = new Map<number, string>();

  constructor(
    readonly model: TfliteModel,
    readonly label: string,
  ) {
    for (const index of model.outputs) {
      if (!this.outputNames.has(index)) this.outputNames.set(index, this.valueNames.fresh(this.tensor(index).name || `tensor_${index}`));
    }
  }

  /** A fresh IR name for TFLite tensor `index` in layout `perm`. */
  private nameFor(index: number, perm: Perm, fallback: () => string): string {
    const output = this.outputNames.get(index);
    if (output !== undefined && samePerm(perm, defaultPerm(this.tensor(index).shape.length))) return output;
    return this.valueNames.fresh(fallback());
  }

  tensor(index: number): TfliteTensor {
    return this.model.tensors[index];
  }

  fail(c: Where, why: string): never {
    throw new SegwgpuError(`${this.label}: node '${c.name}' (${c.type}): ${why}`);
  }

  /** Node names: the first output tensor's name, else '<OPNAME>_<index>'. */
  nodeName(op: TfliteOperator, type: string): string {
    const first = op.outputs[0];
    const base = first !== undefined && this.tensor(first).name !== '' ? this.tensor(first).name : `${type}_${op.index}`;
    return this.nodeNames.fresh(base);
  }

  /** The k-th input's tensor index, or -1 when omitted. */
  inputIndex(c: OpContext, k: number, what: string, required = true): number {
    const index = c.op.inputs[k] ?? -1;
    if (index < 0 && required) this.fail(c, `input ${k} (${what}) is missing`);
    return index;
  }

  /** Host data of a constant tensor in TFLite layout, or undefined for activations. */
  constant(index: number): Tensor | undefined {
    const folded = this.folded.get(index);
    if (folded) return folded;
    const t = this.tensor(index);
    if (!t.data) return undefined;
    const decoded = this.decode(t);
    this.folded.set(index, decoded);
    return decoded;
  }

  private decode(t: TfliteTensor): Tensor {
    if (!t.data) throw new Error('decode: not a constant');
    const n = sizeOf(t.shape);
    const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    switch (t.type) {
      case fb.TensorType.FLOAT32:
        return { dtype: 'float32', shape: [...t.shape], data: Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true)) };
      case fb.TensorType.FLOAT16:
        return { dtype: 'float32', shape: [...t.shape], data: Float32Array.from({ length: n }, (_, i) => float16ToNumber(view.getUint16(2 * i, true))) };
      case fb.TensorType.INT32:
        return { dtype: 'int32', shape: [...t.shape], data: Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true)) };
      case fb.TensorType.INT64:
        return { dtype: 'int64', shape: [...t.shape], data: BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(8 * i, true)) };
      default:
        throw new UnsupportedError(`${this.label}: constant tensor '${t.name}' has type ${tensorTypeName(t.type)}; only FLOAT32, FLOAT16, INT32 and INT64 constants are supported (quantised models are not)`);
    }
  }

  requireConstant(c: OpContext, k: number, what: string): Tensor {
    const index = this.inputIndex(c, k, what);
    const value = this.constant(index);
    if (!value) this.fail(c, `input ${k} (${what}, tensor '${this.tensor(index).name}') must be a constant`);
    return value;
  }

  /** Integer values of a small constant input (sizes, axes, paddings). */
  constantInts(c: OpContext, k: number, what: string): number[] {
    const t = this.requireConstant(c, k, what);
    if (t.dtype === 'float32') this.fail(c, `input ${k} (${what}) must be an integer tensor`);
    return Array.from(t.data as ArrayLike<number | bigint>, Number);
  }

  addInitializer(base: string, t: Tensor): string {
    const name = this.valueNames.fresh(base);
    this.initializers.set(name, t);
    return name;
  }

  /** A float32 scalar initializer (Clip bounds), shared by value. */
  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (!name) {
      name = this.addInitializer(`const_${value}`, { dtype: 'float32', shape: [], data: Float32Array.of(value) });
      this.scalars.set(value, name);
    }
    return name;
  }

  /** The layout a produced value has. */
  permOf(index: number): Perm | undefined {
    return this.values.get(index)?.perm;
  }

  /**
   * The IR name of TFLite tensor `index` in layout `perm`: a produced value (through a Transpose
   * when its layout differs) or a constant (permuted at import).
   */
  value(c: Where, index: number, perm: Perm): string {
    const key = `${index}:${perm.join(',')}`;
    const done = this.converted.get(key);
    if (done) return done;
    const t = this.tensor(index);
    const host = this.constant(index);
    let name: string;
    if (host) {
      if (host.shape.length !== perm.length) this.fail(c, `constant '${t.name}' has rank ${host.shape.length}; expected ${perm.length}`);
      name = this.addInitializer(t.name || `tensor_${index}`, transposeTensor(host, perm));
    } else {
      const v = this.values.get(index);
      if (!v) this.fail(c, `reads tensor ${index} ('${t.name}'), which no earlier operator produces`);
      if (v.perm.length !== perm.length) this.fail(c, `tensor '${t.name}' has rank ${v.perm.length}; expected ${perm.length}`);
      if (samePerm(v.perm, perm)) return v.name;
      // From layout v.perm to perm: IR axis i takes the old IR axis holding TFLite axis perm[i].
      const step = perm.map((p) => v.perm.indexOf(p));
      name = this.nameFor(index, perm, () => `${v.name}/${layoutLabel(perm)}`);
      this.addNode(`${v.name}/transpose`, 'Transpose', [v.name], [name], { perm: step });
    }
    this.converted.set(key, name);
    return name;
  }

  /** Declares TFLite tensor `index` as produced in layout `perm`; returns its IR name. */
  define(index: number, perm: Perm): string {
    if (this.values.has(index) || this.folded.has(index)) {
      throw new SegwgpuError(`${this.label}: tensor ${index} ('${this.tensor(index).name}') is produced twice`);
    }
    const base = this.tensor(index).name || `tensor_${index}`;
    // A graph output produced in another layout than its output one gets a suffix; the output
    // layout's Transpose then takes the TFLite name.
    const name = this.nameFor(index, perm, () => (this.outputNames.has(index) ? `${base}/${layoutLabel(perm)}` : base));
    this.values.set(index, { name, perm });
    return name;
  }

  /** A constant produced at import (DEQUANTIZE of a constant, RESHAPE of a constant). */
  defineConstant(index: number, t: Tensor): void {
    if (this.values.has(index) || this.folded.has(index)) {
      throw new SegwgpuError(`${this.label}: tensor ${index} ('${this.tensor(index).name}') is produced twice`);
    }
    this.folded.set(index, t);
  }

  freshValue(base: string): string {
    return this.valueNames.fresh(base);
  }

  addNode(nameBase: string, opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}, exactName = false): void {
    const name = exactName ? nameBase : this.nodeNames.fresh(nameBase);
    this.nodes.push({ name, opType, domain: '', inputs, outputs, attributes: attributes as Attributes });
  }

  /**
   * Emits an op whose TFLite output 0 may carry a fused activation: `emit` writes the op's result
   * to the name it is given, and the activation (if any) becomes a separate node.
   */
  withActivation(c: OpContext, fused: FusedCode, perm: Perm, emit: (out: string) => void): void {
    const outIndex = c.op.outputs[0];
    if (fused === fb.ActivationFunctionType.NONE) {
      emit(this.define(outIndex, perm));
      return;
    }
    const act = fusedActivation(this, c, fused);
    const tmp = this.freshValue(`${this.tensor(outIndex).name || c.name}/pre_activation`);
    emit(tmp);
    const out = this.define(outIndex, perm);
    if (act.kind === 'Relu') this.addNode(`${c.name}/relu`, 'Relu', [tmp], [out]);
    else this.addNode(`${c.name}/clip`, 'Clip', [tmp, this.scalar(act.params[0]), this.scalar(act.params[1])], [out]);
  }
}

/** A fused activation as Conv's extension attributes. */
function fusedActivation(im: Importer, c: OpContext, code: FusedCode): { kind: 'Relu' | 'Clip'; params: number[] } {
  switch (code) {
    case fb.ActivationFunctionType.RELU:
      return { kind: 'Relu', params: [] };
    case fb.ActivationFunctionType.RELU6:
      return { kind: 'Clip', params: [0, 6] };
    case fb.ActivationFunctionType.RELU_N1_TO_1:
      return { kind: 'Clip', params: [-1, 1] };
    default:
      throw new UnsupportedError(`${im.label}: node '${c.name}' (${c.type}): fused activation ${fb.ActivationFunctionType[code] ?? code} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)`);
  }
}

function convActivationAttributes(im: Importer, c: OpContext, code: FusedCode): Record<string, AttributeValue> {
  if (code === fb.ActivationFunctionType.NONE) return {};
  const act = fusedActivation(im, c, code);
  return act.kind === 'Relu' ? { activation: 'Relu' } : { activation: 'Clip', activation_params: act.params };
}

/** The op's builtin options table of the expected union type. */
function options<T>(im: Importer, c: OpContext, type: fb.BuiltinOptions, make: () => T): T {
  const got = c.op.table.builtinOptionsType();
  if (got !== type) im.fail(c, `expected ${fb.BuiltinOptions[type]} but the operator has ${fb.BuiltinOptions[got] ?? `options of type ${got}`}`);
  return c.op.table.builtinOptions(make()) as T;
}

/** Options that a version of the op may omit entirely (then the defaults apply). */
function optionalOptions<T>(c: OpContext, type: fb.BuiltinOptions, make: () => T): T | undefined {
  return c.op.table.builtinOptionsType() === type ? (c.op.table.builtinOptions(make()) as T) : undefined;
}

/** TFLite's padding rule for one spatial axis (ComputePaddingHeightWidth / ComputeOutSize). */
function windowAxis(padding: fb.Padding, inSize: number, kernel: number, stride: number, dilation: number): { out: number; begin: number; end: number } | undefined {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === fb.Padding.SAME) {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + effective - inSize, 0);
    const begin = Math.floor(total / 2);
    return { out, begin, end: total - begin };
  }
  if (inSize < effective) return undefined;
  return { out: Math.floor((inSize - effective) / stride) + 1, begin: 0, end: 0 };
}

interface Window2d {
  readonly pads: number[];
  readonly outH: number;
  readonly outW: number;
}

function window2d(im: Importer, c: OpContext, padding: fb.Padding, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number]): Window2d {
  if (padding !== fb.Padding.SAME && padding !== fb.Padding.VALID) im.fail(c, `padding ${padding} is neither SAME nor VALID`);
  if (k.some((v) => v < 1) || s.some((v) => v < 1) || d.some((v) => v < 1)) {
    im.fail(c, `kernel [${k.join(', ')}], strides [${s.join(', ')}] and dilations [${d.join(', ')}] must be positive`);
  }
  const h = windowAxis(padding, inH, k[0], s[0], d[0]);
  const w = windowAxis(padding, inW, k[1], s[1], d[1]);
  if (!h || !w) im.fail(c, `a ${k[0]}x${k[1]} window (dilation ${d.join('x')}) does not fit the ${inH}x${inW} input with VALID padding`);
  return { pads: [h.begin, w.begin, h.end, w.end], outH: h.out, outW: w.out };
}

/** Checks a computed NHWC output shape against the one the file declares (when it declares one). */
function checkDeclaredShape(im: Importer, c: OpContext, computed: readonly number[]): void {
  const declared = im.tensor(c.op.outputs[0]).shape;
  if (declared.length === 0) return;
  if (declared.length !== computed.length || declared.some((d, i) => d !== computed[i])) {
    im.fail(c, `the file declares output shape [${declared.join('x')}] but TFLite's rules give [${computed.join('x')}]`);
  }
}

function input4d(im: Importer, c: OpContext, k: number, what: string): { index: number; shape: readonly number[] } {
  const index = im.inputIndex(c, k, what);
  const shape = im.tensor(index).shape;
  if (shape.length !== 4) im.fail(c, `input ${k} (${what}) has shape [${shape.join('x')}]; expected rank 4 (NHWC)`);
  return { index, shape };
}

function optionalBias(im: Importer, c: OpContext, k: number, channels: number): string[] {
  const index = im.inputIndex(c, k, 'bias', false);
  if (index < 0) return [];
  const bias = im.requireConstant(c, k, 'bias');
  if (bias.shape.length !== 1 || bias.shape[0] !== channels) im.fail(c, `bias has shape [${bias.shape.join('x')}]; expected [${channels}]`);
  return [im.value(c, index, [0])];
}

function weights4d(im: Importer, c: OpContext, k: number): { index: number; t: Tensor } {
  const t = im.requireConstant(c, k, 'weights');
  if (t.shape.length !== 4 || t.dtype !== 'float32') im.fail(c, `weights have shape [${t.shape.join('x')}] and dtype ${t.dtype}; expected a rank-4 float tensor`);
  return { index: c.op.inputs[k], t };
}

const conv2d: OpRule = {
  emits: ['Conv'],
  map(im, c) {
    const o = options(im, c, fb.BuiltinOptions.Conv2DOptions, () => new fb.Conv2DOptions());
    const x = input4d(im, c, 0, 'input');
    const w = weights4d(im, c, 1);
    const [outC, kH, kW, inPerGroup] = w.t.shape;
    const inC = x.shape[3];
    if (inC % inPerGroup !== 0) im.fail(c, `weights [${w.t.shape.join('x')}] (OHWI) take ${inPerGroup} input channels, which does not divide the input's ${inC}`);
    const group = inC / inPerGroup;
    const win = window2d(im, c, o.padding(), x.shape[1], x.shape[2], [kH, kW], [o.strideH(), o.strideW()], [o.dilationHFactor(), o.dilationWFactor()]);
    checkDeclaredShape(im, c, [x.shape[0], win.outH, win.outW, outC]);
    const inputs = [im.value(c, x.index, NCHW), im.value(c, w.index, NCHW) /* OHWI -> OIHW */, ...optionalBias(im, c, 2, outC)];
    const out = im.define(c.op.outputs[0], NCHW);
    im.addNode(c.name, 'Conv', inputs, [out], {
      kernel_shape: [kH, kW],
      strides: [o.strideH(), o.strideW()],
      dilations: [o.dilationHFactor(), o.dilationWFactor()],
      pads: win.pads,
      group,
      ...convActivationAttributes(im, c, o.fusedActivationFunction()),
    }, true);
  },
};

const depthwiseConv2d: OpRule = {
  emits: ['Conv'],
  map(im, c) {
    const o = options(im, c, fb.BuiltinOptions.DepthwiseConv2DOptions, () => new fb.DepthwiseConv2DOptions());
    const x = input4d(im, c, 0, 'input');
    const w = weights4d(im, c, 1);
    const [one, kH, kW, outC] = w.t.shape;
    const inC = x.shape[3];
    if (one !== 1 || outC % inC !== 0) im.fail(c, `weights [${w.t.shape.join('x')}] are not [1 x kH x kW x C*m] for the input's ${inC} channels`);
    const win = window2d(im, c, o.padding(), x.shape[1], x.shape[2], [kH, kW], [o.strideH(), o.strideW()], [o.dilationHFactor(), o.dilationWFactor()]);
    checkDeclaredShape(im, c, [x.shape[0], win.outH, win.outW, outC]);
    // [1, kH, kW, C*m] -> [C*m, 1, kH, kW]: output channel o reads input channel floor(o / m), as in a grouped Conv.
    const inputs = [im.value(c, x.index, NCHW), im.value(c, w.index, [3, 0, 1, 2]), ...optionalBias(im, c, 2, outC)];
    const out = im.define(c.op.outputs[0], NCHW);
    im.addNode(c.name, 'Conv', inputs, [out], {
      kernel_shape: [kH, kW],
      strides: [o.strideH(), o.strideW()],
      dilations: [o.dilationHFactor(), o.dilationWFactor()],
      pads: win.pads,
      group: inC,
      ...convActivationAttributes(im, c, o.fusedActivationFunction()),
    }, true);
  },
};

/** MediaPipe's custom transposed convolution with bias (mediapipe/util/tflite/operations/transpose_conv_bias.cc). */
const convolution2dTransposeBias: OpRule = {
  emits: ['ConvTranspose'],
  map(im, c) {
    const raw = c.op.customOptions;
    if (!raw || raw.length < 12) return im.fail(c, `custom options hold ${raw?.length ?? 0} bytes; expected a 12-byte TfLiteTransposeConvParams (padding, stride_width, stride_height)`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const padding = view.getInt32(0, true);
    const strideW = view.getInt32(4, true);
    const strideH = view.getInt32(8, true);
    // TfLitePadding: 1 = kTfLitePaddingSame, 2 = kTfLitePaddingValid.
    if (padding !== 1 && padding !== 2) im.fail(c, `custom option padding=${padding} is neither 1 (SAME) nor 2 (VALID)`);
    if (strideW < 1 || strideH < 1) im.fail(c, `custom option strides [${strideH}, ${strideW}] must be positive`);
    const x = input4d(im, c, 0, 'input');
    const w = weights4d(im, c, 1);
    const [outC, kH, kW, inC] = w.t.shape;
    if (inC !== x.shape[3]) im.fail(c, `weights [${w.t.shape.join('x')}] (OHWI) take ${inC} input channels but the input has ${x.shape[3]}`);
    const axis = (inSize: number, k: number, s: number) => {
      const total = padding === 1 ? Math.max(0, k - ((inSize - 1) % s) - 1) : 0;
      const begin = Math.floor(total / 2);
      return { out: s * (inSize - 1) + k - total, begin, end: total - begin };
    };
    const h = axis(x.shape[1], kH, strideH);
    const wAxis = axis(x.shape[2], kW, strideW);
    checkDeclaredShape(im, c, [x.shape[0], h.out, wAxis.out, outC]);
    const bias = im.inputIndex(c, 2, 'bias', false) >= 0 ? optionalBias(im, c, 2, outC) : [];
    // OHWI -> [I, O, kH, kW]: ConvTranspose's weights are [C_in, C_out/group, kH, kW].
    const inputs = [im.value(c, x.index, NCHW), im.value(c, w.index, [3, 0, 1, 2]), ...bias];
    const out = im.define(c.op.outputs[0], NCHW);
    im.addNode(c.name, 'ConvTranspose', inputs, [out], {
      kernel_shape: [kH, kW],
      strides: [strideH, strideW],
      pads: [h.begin, wAxis.begin, h.end, wAxis.end],
    }, true);
  },
};

function pool(kind: 'AveragePool' | 'MaxPool'): OpRule {
  return {
    emits: kind === 'AveragePool' ? ['AveragePool', 'GlobalAveragePool', 'Relu', 'Clip'] : ['MaxPool', 'Relu', 'Clip'],
    map(im, c) {
      const o = options(im, c, fb.BuiltinOptions.Pool2DOptions, () => new fb.Pool2DOptions());
      const x = input4d(im, c, 0, 'input');
      const k: [number, number] = [o.filterHeight(), o.filterWidth()];
      const s: [number, number] = [o.strideH(), o.strideW()];
      const win = window2d(im, c, o.padding(), x.shape[1], x.shape[2], k, s, [1, 1]);
      checkDeclaredShape(im, c, [x.shape[0], win.outH, win.outW, x.shape[3]]);
      const xName = im.value(c, x.index, NCHW);
      const global = kind === 'AveragePool' && k[0] === x.shape[1] && k[1] === x.shape[2] && win.outH === 1 && win.outW === 1 && win.pads.every((p) => p === 0);
      im.withActivation(c, o.fusedActivationFunction(), NCHW, (out) => {
        if (global) im.addNode(c.name, 'GlobalAveragePool', [xName], [out], {}, true);
        else im.addNode(c.name, kind, [xName], [out], { kernel_shape: k, strides: s, pads: win.pads }, true);
      });
    },
  };
}

/** The layout for an op whose operands must share one: the first produced operand's, else the default. */
function sharedPerm(im: Importer, c: OpContext, rank: number): Perm {
  for (const index of c.op.inputs) {
    if (index < 0 || im.constant(index)) continue;
    const perm = im.permOf(index);
    if (perm && perm.length === rank) return perm;
  }
  return defaultPerm(rank);
}

/** An elementwise operand at the output's rank and layout (constants broadcast with leading 1s). */
function broadcastOperand(im: Importer, c: OpContext, k: number, rank: number, perm: Perm): string {
  const index = im.inputIndex(c, k, `operand ${k}`);
  const shape = im.tensor(index).shape;
  const host = im.constant(index);
  if (shape.length > rank) im.fail(c, `operand ${k} has rank ${shape.length} ([${shape.join('x')}]), more than the output's ${rank}`);
  if (host && host.shape.length < rank) {
    const expanded = { ...host, shape: [...Array<number>(rank - host.shape.length).fill(1), ...host.shape] } as Tensor;
    return im.addInitializer(im.tensor(index).name || `tensor_${index}`, transposeTensor(expanded, perm));
  }
  if (shape.length !== rank) {
    // A lower-rank activation: reshape it to the output's rank in TFLite order, then lay it out.
    const expandedShape = [...Array<number>(rank - shape.length).fill(1), ...shape];
    const src = im.value(c, index, identity(shape.length));
    const shapeName = im.addInitializer(`${c.name}/shape${k}`, { dtype: 'int64', shape: [rank], data: BigInt64Array.from(expandedShape, BigInt) });
    const reshaped = im.freshValue(`${src}/rank${rank}`);
    im.addNode(`${c.name}/reshape${k}`, 'Reshape', [src, shapeName], [reshaped]);
    // From TFLite layout (identity) to `perm`, the Transpose permutation is `perm` itself.
    if (samePerm(perm, identity(rank))) return reshaped;
    const laidOut = im.freshValue(`${reshaped}/laid_out`);
    im.addNode(`${c.name}/transpose${k}`, 'Transpose', [reshaped], [laidOut], { perm: [...perm] });
    return laidOut;
  }
  return im.value(c, index, perm);
}

function elementwise(opType: 'Add' | 'Mul' | 'Sub' | 'Div', fusedOf: (im: Importer, c: OpContext) => FusedCode): OpRule {
  return {
    emits: [opType, 'Relu', 'Clip'],
    map(im, c) {
      const rank = im.tensor(c.op.outputs[0]).shape.length;
      const perm = sharedPerm(im, c, rank);
      const a = broadcastOperand(im, c, 0, rank, perm);
      const b = broadcastOperand(im, c, 1, rank, perm);
      im.withActivation(c, fusedOf(im, c), perm, (out) => im.addNode(c.name, opType, [a, b], [out], {}, true));
    },
  };
}

const fusedFrom =
  <T extends { fusedActivationFunction(): FusedCode }>(type: fb.BuiltinOptions, make: () => T) =>
  (_im: Importer, c: OpContext): FusedCode =>
    optionalOptions(c, type, make)?.fusedActivationFunction() ?? fb.ActivationFunctionType.NONE;

function unary(opType: string, attributes: (im: Importer, c: OpContext) => Record<string, AttributeValue> = () => ({}), bounds?: [number, number]): OpRule {
  return {
    emits: [opType],
    map(im, c) {
      const index = im.inputIndex(c, 0, 'input');
      const rank = im.tensor(index).shape.length;
      const perm = im.permOf(index) ?? defaultPerm(rank);
      const x = im.value(c, index, perm);
      const extra = bounds ? [im.scalar(bounds[0]), im.scalar(bounds[1])] : [];
      const out = im.define(c.op.outputs[0], perm);
      im.addNode(c.name, opType, [x, ...extra], [out], attributes(im, c), true);
    },
  };
}

function resize(bilinear: boolean): OpRule {
  return {
    emits: ['Resize'],
    map(im, c) {
      let alignCorners: boolean;
      let halfPixel: boolean;
      if (bilinear) {
        const o = options(im, c, fb.BuiltinOptions.ResizeBilinearOptions, () => new fb.ResizeBilinearOptions());
        alignCorners = o.alignCorners();
        halfPixel = o.halfPixelCenters();
      } else {
        const o = options(im, c, fb.BuiltinOptions.ResizeNearestNeighborOptions, () => new fb.ResizeNearestNeighborOptions());
        alignCorners = o.alignCorners();
        halfPixel = o.halfPixelCenters();
      }
      if (alignCorners && halfPixel) im.fail(c, 'align_corners and half_pixel_centers are both set; TensorFlow refuses that combination');
      const x = input4d(im, c, 0, 'input');
      const size = im.constantInts(c, 1, 'size');
      if (size.length !== 2 || size.some((v) => v < 1)) im.fail(c, `size [${size.join(', ')}] must be two positive integers [height, width]`);
      checkDeclaredShape(im, c, [x.shape[0], size[0], size[1], x.shape[3]]);
      const sizes = im.addInitializer(`${c.name}/sizes`, { dtype: 'int64', shape: [4], data: BigInt64Array.from([x.shape[0], x.shape[3], size[0], size[1]], BigInt) });
      const attributes: Record<string, AttributeValue> = bilinear
        ? { mode: 'linear', coordinate_transformation_mode: alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric' }
        : alignCorners
          ? { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }
          : { mode: 'nearest', coordinate_transformation_mode: halfPixel ? 'tf_half_pixel_for_nn' : 'asymmetric', nearest_mode: 'floor' };
      const xName = im.value(c, x.index, NCHW);
      const out = im.define(c.op.outputs[0], NCHW);
      im.addNode(c.name, 'Resize', [xName, '', '', sizes], [out], attributes, true);
    },
  };
}

const concatenation: OpRule = {
  emits: ['Concat', 'Relu', 'Clip'],
  map(im, c) {
    const o = options(im, c, fb.BuiltinOptions.ConcatenationOptions, () => new fb.ConcatenationOptions());
    const rank = im.tensor(c.op.outputs[0]).shape.length;
    const axis = o.axis() < 0 ? o.axis() + rank : o.axis();
    if (axis < 0 || axis >= rank) im.fail(c, `axis ${o.axis()} is out of range for rank ${rank}`);
    const perm = sharedPerm(im, c, rank);
    const inputs = c.op.inputs.map((_, k) => im.value(c, im.inputIndex(c, k, `input ${k}`), perm));
    im.withActivation(c, o.fusedActivationFunction(), perm, (out) => im.addNode(c.name, 'Concat', inputs, [out], { axis: perm.indexOf(axis) }, true));
  },
};

const reshape: OpRule = {
  emits: ['Reshape', 'Transpose'],
  map(im, c) {
    const index = im.inputIndex(c, 0, 'input');
    const shape = [...im.tensor(c.op.outputs[0]).shape];
    if (shape.some((d) => d < 0) || sizeOf(shape) !== sizeOf(im.tensor(index).shape)) {
      im.fail(c, `the declared output shape [${shape.join('x')}] is not a static reshape of the input [${im.tensor(index).shape.join('x')}]`);
    }
    const host = im.constant(index);
    if (host) {
      im.defineConstant(c.op.outputs[0], { ...host, shape } as Tensor);
      return;
    }
    // Reshape follows TFLite's element order, so it runs on the value in TFLite layout.
    const x = im.value(c, index, identity(im.tensor(index).shape.length));
    const shapeName = im.addInitializer(`${c.name}/shape`, { dtype: 'int64', shape: [shape.length], data: BigInt64Array.from(shape, BigInt) });
    const out = im.define(c.op.outputs[0], identity(shape.length));
    im.addNode(c.name, 'Reshape', [x, shapeName], [out], {}, true);
  },
};

const mean: OpRule = {
  emits: ['GlobalAveragePool', 'ReduceMean'],
  map(im, c) {
    const o = optionalOptions(c, fb.BuiltinOptions.ReducerOptions, () => new fb.ReducerOptions());
    const keep = o?.keepDims() ?? false;
    const index = im.inputIndex(c, 0, 'input');
    const rank = im.tensor(index).shape.length;
    const axes = [...new Set(im.constantInts(c, 1, 'axes').map((a) => (a < 0 ? a + rank : a)))].sort();
    if (axes.some((a) => a < 0 || a >= rank)) im.fail(c, `axes [${axes.join(', ')}] are out of range for rank ${rank}`);
    const perm = im.permOf(index) ?? defaultPerm(rank);
    if (rank === 4 && keep && axes.length === 2 && axes[0] === 1 && axes[1] === 2) {
      const x = im.value(c, index, NCHW);
      im.addNode(c.name, 'GlobalAveragePool', [x], [im.define(c.op.outputs[0], NCHW)], {}, true);
      return;
    }
    const x = im.value(c, index, perm);
    const irAxes = axes.map((a) => perm.indexOf(a)).sort();
    // Without keep_dims the reduced axes leave the layout; the others keep their order.
    const outPerm = keep ? perm : perm.filter((p) => !axes.includes(p)).map((p) => p - axes.filter((a) => a < p).length);
    im.addNode(c.name, 'ReduceMean', [x], [im.define(c.op.outputs[0], outPerm)], { axes: irAxes, keepdims: keep ? 1 : 0 }, true);
  },
};

const softmax: OpRule = {
  emits: ['Softmax', 'Mul'],
  map(im, c) {
    const o = optionalOptions(c, fb.BuiltinOptions.SoftmaxOptions, () => new fb.SoftmaxOptions());
    const beta = o?.beta() ?? 1;
    const index = im.inputIndex(c, 0, 'input');
    const rank = im.tensor(index).shape.length;
    const perm = im.permOf(index) ?? defaultPerm(rank);
    let x = im.value(c, index, perm);
    if (beta !== 1) {
      const scaled = im.freshValue(`${x}/times_beta`);
      im.addNode(`${c.name}/beta`, 'Mul', [x, im.scalar(beta)], [scaled]);
      x = scaled;
    }
    im.addNode(c.name, 'Softmax', [x], [im.define(c.op.outputs[0], perm)], { axis: perm.indexOf(rank - 1) }, true);
  },
};

function pad(withValue: boolean): OpRule {
  return {
    emits: ['Pad'],
    map(im, c) {
      const index = im.inputIndex(c, 0, 'input');
      const rank = im.tensor(index).shape.length;
      const paddings = im.constantInts(c, 1, 'paddings');
      if (paddings.length !== 2 * rank) im.fail(c, `paddings hold ${paddings.length} values; expected [${rank} x 2]`);
      const perm = im.permOf(index) ?? defaultPerm(rank);
      // TFLite: [[begin, end] per TFLite axis]; ONNX: [begins..., ends...] per IR axis.
      const pads = [...perm.map((p) => paddings[2 * p]), ...perm.map((p) => paddings[2 * p + 1])];
      const padsName = im.addInitializer(`${c.name}/pads`, { dtype: 'int64', shape: [2 * rank], data: BigInt64Array.from(pads, BigInt) });
      const inputs = [im.value(c, index, perm), padsName];
      const valueIndex = withValue ? im.inputIndex(c, 2, 'constant_values', false) : -1;
      if (valueIndex >= 0) inputs.push(im.value(c, valueIndex, identity(im.tensor(valueIndex).shape.length)));
      im.addNode(c.name, 'Pad', inputs, [im.define(c.op.outputs[0], perm)], { mode: 'constant' }, true);
    },
  };
}

const dequantize: OpRule = {
  emits: [],
  map(im, c) {
    const index = im.inputIndex(c, 0, 'input');
    const t = im.tensor(index);
    const host = im.constant(index);
    if (!host || t.type !== fb.TensorType.FLOAT16) {
      throw new UnsupportedError(`${im.label}: node '${c.name}' (DEQUANTIZE): only DEQUANTIZE of a FLOAT16 constant is supported (folded at import); '${t.name}' is ${host ? tensorTypeName(t.type) : 'not a constant'}`);
    }
    im.defineConstant(c.op.outputs[0], host);
  },
};

const A = fb.BuiltinOperator;
const BUILTIN_RULES: ReadonlyMap<number, OpRule> = new Map<number, OpRule>([
  [A.CONV_2D, conv2d],
  [A.DEPTHWISE_CONV_2D, depthwiseConv2d],
  [A.AVERAGE_POOL_2D, pool('AveragePool')],
  [A.MAX_POOL_2D, pool('MaxPool')],
  [A.MEAN, mean],
  [A.ADD, elementwise('Add', fusedFrom(fb.BuiltinOptions.AddOptions, () => new fb.AddOptions()))],
  [A.MUL, elementwise('Mul', fusedFrom(fb.BuiltinOptions.MulOptions, () => new fb.MulOptions()))],
  [A.SUB, elementwise('Sub', fusedFrom(fb.BuiltinOptions.SubOptions, () => new fb.SubOptions()))],
  [A.DIV, elementwise('Div', fusedFrom(fb.BuiltinOptions.DivOptions, () => new fb.DivOptions()))],
  [A.RESIZE_BILINEAR, resize(true)],
  [A.RESIZE_NEAREST_NEIGHBOR, resize(false)],
  [A.RELU, unary('Relu')],
  [A.RELU6, unary('Clip', undefined, [0, 6])],
  [A.RELU_N1_TO_1, unary('Clip', undefined, [-1, 1])],
  [A.LOGISTIC, unary('Sigmoid')],
  [A.HARD_SWISH, unary('HardSwish')],
  [A.LEAKY_RELU, unary('LeakyRelu', (im, c) => ({ alpha: options(im, c, fb.BuiltinOptions.LeakyReluOptions, () => new fb.LeakyReluOptions()).alpha() }))],
  [A.SOFTMAX, softmax],
  [A.CONCATENATION, concatenation],
  [A.RESHAPE, reshape],
  [A.PAD, pad(false)],
  [A.PADV2, pad(true)],
  [A.DEQUANTIZE, dequantize],
]);

const CUSTOM_RULES: ReadonlyMap<string, OpRule> = new Map([['Convolution2DTransposeBias', convolution2dTransposeBias]]);

/** TFLite op names the importer maps (builtins, then custom codes), for error messages. */
export function supportedTfliteOps(): string[] {
  const usable = (r: OpRule) => r.emits.every((t) => findOp(t));
  return [
    ...[...BUILTIN_RULES].filter(([, r]) => usable(r)).map(([code]) => fb.BuiltinOperator[code]),
    ...[...CUSTOM_RULES].filter(([, r]) => usable(r)).map(([code]) => `custom '${code}'`),
  ];
}

function ruleFor(op: TfliteOperator): { rule: OpRule | undefined; type: string; key: string } {
  if (op.code === fb.BuiltinOperator.CUSTOM) {
    const code = op.customCode ?? '';
    return { rule: CUSTOM_RULES.get(code), type: code, key: `custom op '${code}'` };
  }
  return { rule: BUILTIN_RULES.get(op.code), type: op.builtinName, key: op.builtinName };
}

function unsupportedError(label: string, unsupported: ReadonlyMap<string, readonly string[]>): UnsupportedError {
  const parts = [...unsupported].map(([op, names]) => {
    const shown = names.slice(0, MAX_NAMES_PER_OP).map((s) => `'${s}'`).join(', ');
    const more = names.length > MAX_NAMES_PER_OP ? ` and ${names.length - MAX_NAMES_PER_OP} more` : '';
    return `${op}: node${names.length > 1 ? 's' : ''} ${shown}${more}`;
  });
  return new UnsupportedError(
    `${label}: ${unsupported.size} TFLite op type${unsupported.size > 1 ? 's are' : ' is'} not supported by segwgpu: ${parts.join('; ')}. ` +
      `Supported: ${supportedTfliteOps().join(', ')}`,
  );
}

/**
 * Imports a TFLite model (main subgraph) as an NCHW graph of ONNX opset-17 nodes; see the file
 * comment for the layout, padding and op mapping. Throws, before building anything, one
 * UnsupportedError listing every TFLite op type it cannot map with the nodes that use it.
 */
export function importTflite(bytes: Uint8Array, options: ImportTfliteOptions = {}): Graph {
  const label = options.name ?? 'TFLite model';
  const model = readTflite(bytes, label);
  const im = new Importer(model, label);

  // Every op's rule first, so one error lists every unsupported op type.
  const planned = model.operators.map((op) => {
    const { rule, type, key } = ruleFor(op);
    return { op, rule, type, key, name: im.nodeName(op, type) };
  });
  const unsupported = new Map<string, string[]>();
  for (const p of planned) {
    const missing = p.rule?.emits.filter((t) => !findOp(t)) ?? [];
    if (p.rule && missing.length === 0) continue;
    const key = p.rule ? `${p.key} (needs ${missing.join(', ')}, which segwgpu's op registry lacks)` : p.key;
    unsupported.set(key, [...(unsupported.get(key) ?? []), p.name]);
  }
  if (unsupported.size > 0) throw unsupportedError(label, unsupported);

  for (const index of model.inputs) {
    const t = model.tensors[index];
    if (t.type !== fb.TensorType.FLOAT32) throw new UnsupportedError(`${label}: graph input '${t.name}' has type ${tensorTypeName(t.type)}; only FLOAT32 inputs are supported`);
    if (t.shape.some((d) => d < 1)) throw new SegwgpuError(`${label}: graph input '${t.name}' has shape [${t.shape.join('x')}]; a static shape is needed`);
    const perm = defaultPerm(t.shape.length);
    const name = im.define(index, perm);
    im.inputs.push({ name, dtype: 'float32', shape: perm.map((p) => t.shape[p]) });
  }
  for (const p of planned) {
    const t = (i: number) => model.tensors[i];
    for (const index of p.op.outputs) {
      if (t(index).type !== fb.TensorType.FLOAT32) {
        throw new UnsupportedError(`${label}: node '${p.name}' (${p.type}) outputs '${t(index).name}' of type ${tensorTypeName(t(index).type)}; only FLOAT32 activations are supported (quantised models are not)`);
      }
      if (t(index).quantized) throw new UnsupportedError(`${label}: node '${p.name}' (${p.type}) outputs a quantised tensor '${t(index).name}'; quantised models are not supported`);
    }
    p.rule!.map(im, { op: p.op, name: p.name, type: p.type });
  }
  const outputs: Where = { name: 'graph outputs', type: 'output' };
  for (const index of model.outputs) {
    const name = im.value(outputs, index, defaultPerm(model.tensors[index].shape.length));
    if (im.initializers.has(name)) throw new UnsupportedError(`${label}: graph output '${model.tensors[index].name}' is a constant; nothing to run`);
    im.outputs.push(name);
  }

  // Rules emit only registered ops (checked above), but layout changes add Transpose / Reshape.
  const missing = new Map<string, string[]>();
  for (const n of im.nodes) if (!findOp(n.opType)) missing.set(n.opType, [...(missing.get(n.opType) ?? []), n.name]);
  if (missing.size > 0) {
    const list = [...missing].map(([op, names]) => `${op} (nodes ${names.slice(0, MAX_NAMES_PER_OP).map((s) => `'${s}'`).join(', ')})`).join('; ');
    throw new UnsupportedError(`${label}: the imported graph needs op types segwgpu's registry lacks: ${list}. Supported: ${supportedOpTypes().join(', ')}`);
  }

  return {
    name: options.name ?? (model.subgraphName || model.description || 'tflite'),
    opset: 17,
    inputs: im.inputs,
    outputs: im.outputs,
    initializers: im.initializers,
    nodes: im.nodes,
  };
}
