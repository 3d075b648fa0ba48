/**
 * TensorFlow ops (as tfjs graph models hold them) -> segwgpu IR ops, one rule per op, with the
 * semantics tfjs-converter's executors give them (tfjs-converter/src/operations/executors/).
 *
 * Padding (Conv2D, DepthwiseConv2dNative, pools; TensorFlow's GetWindowedOutputSize, which tfjs
 * follows in conv_util.ts): SAME: out = ceil(in / s), total = max((out - 1) * s + k_eff - in, 0),
 * begin = floor(total / 2), the odd pixel at the end; VALID: none; EXPLICIT (convolutions):
 * explicit_paddings [[0, 0], [top, bottom], [left, right], [0, 0]].
 * Conv2DBackpropInput (transposed convolution): input_sizes is the output's shape, and the
 * padding is the forward convolution's on that shape, so ONNX pads begin = the forward begin and
 * the end is what is left of s * (in - 1) + k (output_padding where the output is longer).
 *
 * See each rule for its mapping; tfjs.ts's file comment has the table.
 */
import { UnsupportedError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import type { AttributeValue } from '../ir/attributes.js';
import { resolveStridedSlice } from './tfjs-strided-slice.js';
import { NCHW, defaultPerm, identityPerm, samePerm, type Perm, type TfNode, type TfValue, type TfjsImporter } from './tfjs-importer.js';

export interface TfjsOpRule {
  /** The IR ops mapping this node needs; a node needing one the registry lacks is unsupported. */
  needs(node: TfNode): readonly string[];
  /** Why this node's form cannot be imported (an attribute value segwgpu or tfjs refuses), if so. */
  refuse?(node: TfNode): string | undefined;
  map(im: TfjsImporter, node: TfNode): void;
}

const rule = (needs: readonly string[] | ((node: TfNode) => readonly string[]), map: TfjsOpRule['map'], refuse?: TfjsOpRule['refuse']): TfjsOpRule => ({
  needs: typeof needs === 'function' ? needs : () => needs,
  map,
  ...(refuse && { refuse }),
});

// ---------------------------------------------------------------------------------------------
// Shared pieces

function refuseNonNhwc(node: TfNode): string | undefined {
  const format = node.attrs.string('data_format', 'NHWC')!;
  return format.toUpperCase() === 'NHWC' ? undefined : `data_format ${format} (segwgpu imports NHWC graphs, as tensorflowjs_converter writes them)`;
}

/** A rank-4 input and its NHWC shape. */
function input4d(im: TfjsImporter, node: TfNode, k: number, what: string): { v: TfValue; shape: number[] } {
  const v = im.input(node, k, what);
  const shape = im.shapeOf(v);
  if (shape.length !== 4) im.fail(`input ${k} (${what}) has shape [${shape.join('x')}]; expected rank 4 (NHWC)`);
  return { v, shape };
}

/** A 4-value NHWC attribute (strides, dilations, ksize) as its [H, W] pair; N and C must be 1. */
function spatialPair(im: TfjsImporter, node: TfNode, name: string): [number, number] {
  const v = node.attrs.ints(name, [1, 1, 1, 1])!;
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1 || v[1]! < 1 || v[2]! < 1) im.fail(`attribute ${name} [${v.join(', ')}] must be [1, h, w, 1] with h, w >= 1`);
  return [v[1]!, v[2]!];
}

type Padding = 'SAME' | 'VALID' | 'EXPLICIT';

function paddingOf(node: TfNode): string {
  return (node.attrs.string('padding', 'VALID') ?? 'VALID').toUpperCase();
}

function refusePadding(node: TfNode, allowExplicit: boolean): string | undefined {
  const p = paddingOf(node);
  if (p === 'SAME' || p === 'VALID' || (p === 'EXPLICIT' && allowExplicit)) return undefined;
  return `padding ${p}`;
}

/** TensorFlow's begin/end padding of one spatial axis of a forward window. */
function axisPads(padding: Padding, explicit: readonly number[], axis: 1 | 2, inSize: number, kernel: number, stride: number, dilation: number): [number, number] {
  if (padding === 'EXPLICIT') return [explicit[2 * axis]!, explicit[2 * axis + 1]!];
  if (padding === 'VALID') return [0, 0];
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** ONNX pads [top, left, bottom, right] for a forward window on an NHWC input. */
function windowPads(im: TfjsImporter, node: TfNode, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number]): number[] {
  const padding = paddingOf(node) as Padding;
  const explicit = padding === 'EXPLICIT' ? node.attrs.ints('explicit_paddings', [])! : [];
  if (padding === 'EXPLICIT' && (explicit.length !== 8 || explicit[0] || explicit[1] || explicit[6] || explicit[7] || explicit.some((p) => p < 0))) {
    im.fail(`explicit_paddings [${explicit.join(', ')}] must be [0, 0, top, bottom, left, right, 0, 0] with pads >= 0`);
  }
  const [top, bottom] = axisPads(padding, explicit, 1, inH, k[0], s[0], d[0]);
  const [left, right] = axisPads(padding, explicit, 2, inW, k[1], s[1], d[1]);
  return [top, left, bottom, right];
}

/** A value at a higher rank with leading 1s (TensorFlow broadcasting aligns trailing axes), in TensorFlow order. */
function expandRank(im: TfjsImporter, v: TfValue, rank: number): TfValue {
  if (v.perm.length === rank) return v;
  const shape = im.shapeOf(v);
  const out = im.fresh(`${v.name}/rank${rank}`);
  im.emit(`${v.name}/reshape`, 'Reshape', [im.layout(v, identityPerm(shape.length)), im.ints64(`${out}/shape`, [...Array<number>(rank - shape.length).fill(1), ...shape])], [out]);
  return { name: out, perm: identityPerm(rank) };
}

/**
 * Operands of an elementwise op at the output's rank in one layout: the layout of the largest
 * operand computed at run time (so the big activation is never transposed for a small one),
 * the default layout for its rank when none is, TensorFlow order when all are constants.
 */
function aligned(im: TfjsImporter, values: readonly TfValue[]): { names: string[]; perm: Perm } {
  const rank = Math.max(...values.map((v) => v.perm.length));
  const runtime = values.filter((v) => !im.isConstant(v));
  const full = runtime.filter((v) => v.perm.length === rank);
  const perm = full.length > 0 ? full.reduce((best, v) => (im.sizeOf(v) > im.sizeOf(best) ? v : best)).perm : runtime.length > 0 ? defaultPerm(rank) : identityPerm(rank);
  return { names: values.map((v) => im.layout(expandRank(im, v, rank), perm)), perm };
}

/** IR axis of TensorFlow axis `axis` (negative counts from the end) of a value in layout `perm`. */
function irAxis(im: TfjsImporter, perm: Perm, axis: number, what: string): number {
  const rank = perm.length;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) im.fail(`${what} ${axis} is out of range for rank ${rank}`);
  return perm.indexOf(a);
}

// ---------------------------------------------------------------------------------------------
// Activations (standalone and fused)

/** The activations tfjs fuses into _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul (fused_util.ts). */
type FusedActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'leakyrelu' | 'prelu' | 'elu';
const FUSED_ACTIVATIONS: readonly string[] = ['relu', 'relu6', 'sigmoid', 'leakyrelu', 'prelu', 'elu'];

interface FusedOps {
  readonly bias: boolean;
  readonly activation: FusedActivation;
}

/** fused_ops as tfjs reads them: [] | [BiasAdd] | [BiasAdd, activation]; undefined for other forms. */
function fusedOpsOf(node: TfNode): FusedOps | undefined {
  const ops = node.attrs.strings('fused_ops').map((s) => s.toLowerCase());
  if (ops.length === 0) return { bias: false, activation: 'linear' };
  if (ops[0] !== 'biasadd' || ops.length > 2) return undefined;
  if (ops.length === 1) return { bias: true, activation: 'linear' };
  return FUSED_ACTIVATIONS.includes(ops[1]!) ? { bias: true, activation: ops[1] as FusedActivation } : undefined;
}

function refuseFusedOps(node: TfNode): string | undefined {
  const ops = node.attrs.strings('fused_ops');
  const fused = fusedOpsOf(node);
  if (!fused) {
    const why = ops[0]?.toLowerCase() === 'fusedbatchnorm' ? ' (tfjs refuses FusedBatchNorm here too)' : ops[0]?.toLowerCase() !== 'biasadd' ? ' (tfjs reads an activation only after BiasAdd)' : '';
    return `fused_ops [${ops.join(', ')}]${why}`;
  }
  const args = node.inputs.length - 2;
  const wanted = (fused.bias ? 1 : 0) + (fused.activation === 'prelu' ? 1 : 0);
  if (args < wanted) return `fused_ops [${ops.join(', ')}] with ${args} extra inputs (needs ${wanted})`;
  return undefined;
}

/** IR ops an activation needs beyond the op it follows. */
function activationNeeds(kind: FusedActivation | 'tanh'): string[] {
  switch (kind) {
    case 'linear':
      return [];
    case 'relu6':
      return ['Clip'];
    case 'sigmoid':
      return ['Sigmoid'];
    case 'leakyrelu':
      return ['LeakyRelu'];
    case 'prelu':
      return ['Relu', 'Neg', 'Mul', 'Sub'];
    case 'elu':
      return ['Elu'];
    case 'tanh':
      return ['Tanh'];
    case 'relu':
      return ['Relu'];
  }
}

/** Conv's fused-activation attributes for the kinds its epilogue has; undefined for the others. */
function convActivation(kind: FusedActivation, alpha: number): Record<string, AttributeValue> | undefined {
  switch (kind) {
    case 'linear':
      return {};
    case 'relu':
      return { activation: 'Relu' };
    case 'relu6':
      return { activation: 'Clip', activation_params: [0, 6] };
    case 'sigmoid':
      return { activation: 'Sigmoid' };
    case 'leakyrelu':
      return { activation: 'LeakyRelu', activation_params: [alpha] };
    default:
      return undefined;
  }
}

/**
 * Emits activation `kind` of `x` into IR value `out` (same layout as x). PReLU has no IR op; it is
 * Relu(x) - alpha * Relu(-x), which is exact: one side is 0 in every element.
 */
function emitActivation(im: TfjsImporter, base: string, kind: FusedActivation | 'tanh', x: TfValue, out: string, alpha: number, preluAlpha?: TfValue): void {
  switch (kind) {
    case 'linear':
      im.emit(base, 'Identity', [x.name], [out]);
      return;
    case 'relu':
      im.emit(base, 'Relu', [x.name], [out]);
      return;
    case 'relu6':
      im.emit(base, 'Clip', [x.name, im.scalar(0), im.scalar(6)], [out]);
      return;
    case 'sigmoid':
      im.emit(base, 'Sigmoid', [x.name], [out]);
      return;
    case 'tanh':
      im.emit(base, 'Tanh', [x.name], [out]);
      return;
    case 'leakyrelu':
      im.emit(base, 'LeakyRelu', [x.name], [out], { alpha });
      return;
    case 'elu':
      im.emit(base, 'Elu', [x.name], [out], { alpha: 1 });
      return;
    case 'prelu': {
      const rank = x.perm.length;
      const slope = im.layout(expandRank(im, preluAlpha!, rank), x.perm);
      const positive = im.fresh(`${x.name}/relu`);
      const negated = im.fresh(`${x.name}/neg`);
      const negative = im.fresh(`${x.name}/relu_neg`);
      const scaled = im.fresh(`${x.name}/alpha_relu_neg`);
      im.emit(`${base}/relu`, 'Relu', [x.name], [positive]);
      im.emit(`${base}/neg`, 'Neg', [x.name], [negated]);
      im.emit(`${base}/relu_neg`, 'Relu', [negated], [negative]);
      im.emit(`${base}/scale`, 'Mul', [slope, negative], [scaled]);
      im.emit(base, 'Sub', [positive, scaled], [out]);
      return;
    }
  }
}

function unary(kind: FusedActivation | 'tanh'): TfjsOpRule {
  return rule(activationNeeds(kind), (im, node) => {
    const x = im.input(node, 0, 'x');
    const alpha = node.attrs.float('alpha', 0.2);
    const preluAlpha = kind === 'prelu' ? im.input(node, 1, 'alpha') : undefined;
    emitActivation(im, node.name, kind, x, im.define(node, 0, x.perm), alpha, preluAlpha);
  });
}

/** An IR op of one input applied elementwise, layout kept. */
function pointwise(opType: string, attributes: Record<string, AttributeValue> = {}): TfjsOpRule {
  return rule([opType], (im, node) => {
    const x = im.input(node, 0, 'x');
    im.emit(node.name, opType, [x.name], [im.define(node, 0, x.perm)], attributes);
  });
}

// ---------------------------------------------------------------------------------------------
// Convolutions

/**
 * Folds a constant per-channel Add into the Conv / ConvTranspose producing the other operand
 * (Keras exports conv then BiasAdd; the IR's Conv takes the bias), when that conv has no bias yet
 * and this Add is the conv output's only reader. Returns whether it did.
 */
function foldBias(im: TfjsImporter, node: TfNode): boolean {
  for (const [k, other] of [[0, 1], [1, 0]] as const) {
    const key = node.inputs[k];
    if (key === undefined || im.uses.get(key) !== 1) continue;
    const x = im.input(node, k, 'x');
    const bias = im.constantOf(im.input(node, other, 'bias'));
    if (!bias || bias.dtype !== 'float32' || !samePerm(x.perm, NCHW) || im.isConstant(x)) continue;
    const channels = im.shapeOf(x)[3]!;
    if (bias.shape.length > 4 || bias.shape[bias.shape.length - 1] !== channels || sizeOf(bias.shape) !== channels) continue;
    const producer = im.producerOf(x.name);
    if (!producer || (producer.node.opType !== 'Conv' && producer.node.opType !== 'ConvTranspose') || producer.node.inputs.length !== 2) continue;
    if (producer.node.outputs[0] !== x.name || producer.node.attributes.activation !== undefined || im.isRead(x.name) || im.keysOf(x.name) !== 1) continue;
    const b = im.constant(`${producer.node.name}/bias`, { dtype: 'float32', shape: [channels], data: bias.data as Float32Array });
    im.replaceNode(producer.index, { ...producer.node, inputs: [...producer.node.inputs, b] });
    im.alias(node, 0, x);
    return true;
  }
  return false;
}

function conv(depthwise: boolean, fused: boolean): TfjsOpRule {
  const needs = (node: TfNode) => {
    const f = fused ? fusedOpsOf(node) : undefined;
    const kind = f?.activation ?? 'linear';
    return ['Conv', ...(convActivation(kind, 0) ? [] : activationNeeds(kind))];
  };
  const refuse = (node: TfNode) => refuseNonNhwc(node) ?? refusePadding(node, true) ?? (fused ? refuseFusedOps(node) : undefined);
  return rule(needs, (im, node) => {
    const { v: x, shape: xs } = input4d(im, node, 0, 'input');
    const filter = im.input(node, 1, 'filter');
    const fs = im.shapeOf(filter);
    if (fs.length !== 4) im.fail(`filter has shape [${fs.join('x')}]; expected [kH, kW, in, out]`);
    const [kH, kW, filterIn, filterOut] = fs as [number, number, number, number];
    const channels = xs[3]!;
    let weights: string;
    let group: number;
    let outC: number;
    if (depthwise) {
      // [kH, kW, C, m] -> [kH, kW, 1, C*m] (output channel c*m + q reads input channel c) -> [C*m, 1, kH, kW].
      if (filterIn !== channels) im.fail(`filter [${fs.join('x')}] takes ${filterIn} channels but the input has ${channels}`);
      outC = channels * filterOut;
      const flat = im.fresh(`${filter.name}/grouped`);
      im.emit(`${node.name}/filter`, 'Reshape', [im.layout(filter, identityPerm(4)), im.ints64(`${flat}/shape`, [kH, kW, 1, outC])], [flat]);
      weights = im.layout({ name: flat, perm: identityPerm(4) }, [3, 2, 0, 1]);
      group = channels;
    } else {
      // HWIO -> OIHW. (TensorFlow would group a filter taking a divisor of the channels; tfjs
      // cannot run that, so neither is it imported.)
      if (filterIn !== channels) im.fail(`filter [${fs.join('x')}] takes ${filterIn} input channels but the input has ${channels} (grouped Conv2D is not supported, as in tfjs)`, UnsupportedError);
      outC = filterOut;
      weights = im.layout(filter, [3, 2, 0, 1]);
      group = 1;
    }
    const strides = spatialPair(im, node, 'strides');
    const dilations = spatialPair(im, node, 'dilations');
    const pads = windowPads(im, node, xs[1]!, xs[2]!, [kH, kW], strides, dilations);
    const f = fused ? fusedOpsOf(node)! : { bias: false, activation: 'linear' as const };
    const inputs = [im.layout(x, NCHW), weights];
    if (f.bias) {
      const bias = im.input(node, 2, 'bias');
      const bs = im.shapeOf(bias);
      if (bs.length !== 1 || bs[0] !== outC) im.fail(`bias has shape [${bs.join('x')}]; expected [${outC}]`);
      inputs.push(bias.name);
    }
    const alpha = node.attrs.float('leakyrelu_alpha', 0.2);
    const epilogue = convActivation(f.activation, alpha);
    const attributes = { kernel_shape: [kH, kW], strides, dilations, pads, group };
    if (epilogue) {
      im.emit(node.name, 'Conv', inputs, [im.define(node, 0, NCHW)], { ...attributes, ...epilogue });
      return;
    }
    const pre = im.fresh(`${node.name}/pre_activation`);
    im.emit(node.name, 'Conv', inputs, [pre], attributes);
    const preluAlpha = f.activation === 'prelu' ? im.input(node, f.bias ? 3 : 2, 'alpha') : undefined;
    emitActivation(im, `${node.name}/${f.activation}`, f.activation, { name: pre, perm: NCHW }, im.define(node, 0, NCHW), alpha, preluAlpha);
  }, refuse);
}

/** Conv2DBackpropInput: a transposed convolution; inputs input_sizes (the output's NHWC shape), filter [kH, kW, out, in], out_backprop. */
const conv2dBackpropInput = rule(
  ['ConvTranspose'],
  (im, node) => {
    const sizes = im.constantInts(node, 0, 'input_sizes');
    const filter = im.input(node, 1, 'filter');
    const { v: x, shape: xs } = input4d(im, node, 2, 'out_backprop');
    const fs = im.shapeOf(filter);
    if (sizes.length !== 4) im.fail(`input_sizes [${sizes.join(', ')}] must be an NHWC shape of 4 values`);
    if (fs.length !== 4 || fs[3] !== xs[3] || fs[2] !== sizes[3]) im.fail(`filter [${fs.join('x')}] must be [kH, kW, ${sizes[3]} (output channels), ${xs[3]} (input channels)]`);
    if (sizes[0] !== xs[0]) im.fail(`input_sizes [${sizes.join(', ')}] has batch ${sizes[0]} but out_backprop has ${xs[0]}`);
    const [kH, kW] = fs as [number, number];
    const strides = spatialPair(im, node, 'strides');
    const dilations = spatialPair(im, node, 'dilations');
    if (dilations[0] !== 1 || dilations[1] !== 1) im.fail(`dilations [${dilations.join(', ')}] are not supported (tfjs's conv2dTranspose has none)`, UnsupportedError);
    const padding = paddingOf(node) as Padding;
    const explicit = padding === 'EXPLICIT' ? node.attrs.ints('explicit_paddings', [])! : [];
    const pads: number[] = [0, 0, 0, 0];
    const outputPadding: number[] = [0, 0];
    for (const axis of [1, 2] as const) {
      const out = sizes[axis]!;
      const k = fs[axis - 1]!;
      const s = strides[axis - 1]!;
      const [begin, end] = axisPads(padding, explicit, axis, out, k, s, 1);
      // The forward convolution on the output must give the input's size.
      const forward = Math.floor((out + begin + end - k) / s) + 1;
      if (forward !== xs[axis]) im.fail(`input_sizes [${sizes.join(', ')}] does not match out_backprop [${xs.join('x')}]: a ${padding} ${kH}x${kW} convolution with strides ${strides.join('x')} on ${out} gives ${forward}, not ${xs[axis]}`);
      const natural = s * (xs[axis]! - 1) + k;
      const rest = natural - begin - out;
      pads[axis - 1] = begin;
      pads[axis + 1] = Math.max(rest, 0);
      outputPadding[axis - 1] = Math.max(-rest, 0);
    }
    // HW[out][in] -> ConvTranspose's [in, out, kH, kW].
    const inputs = [im.layout(x, NCHW), im.layout(filter, [3, 2, 0, 1])];
    const attributes: Record<string, AttributeValue> = { kernel_shape: [kH, kW], strides, pads };
    if (outputPadding.some((p) => p > 0)) attributes.output_padding = outputPadding;
    im.emit(node.name, 'ConvTranspose', inputs, [im.define(node, 0, NCHW)], attributes);
  },
  (node) => refuseNonNhwc(node) ?? refusePadding(node, true),
);

function pool(kind: 'AveragePool' | 'MaxPool'): TfjsOpRule {
  return rule(
    kind === 'AveragePool' ? ['AveragePool', 'GlobalAveragePool'] : ['MaxPool'],
    (im, node) => {
      const { v: x, shape: xs } = input4d(im, node, 0, 'input');
      const k = spatialPair(im, node, 'ksize');
      const s = spatialPair(im, node, 'strides');
      const pads = windowPads(im, node, xs[1]!, xs[2]!, k, s, [1, 1]);
      const input = im.layout(x, NCHW);
      const out = im.define(node, 0, NCHW);
      const global = kind === 'AveragePool' && k[0] === xs[1] && k[1] === xs[2] && pads.every((p) => p === 0);
      // TensorFlow averages over the taps inside the input (count_include_pad 0).
      if (global) im.emit(node.name, 'GlobalAveragePool', [input], [out]);
      else im.emit(node.name, kind, [input], [out], { kernel_shape: k, strides: s, pads, ...(kind === 'AveragePool' && { count_include_pad: 0 }) });
    },
    (node) => refuseNonNhwc(node) ?? refusePadding(node, false),
  );
}

// ---------------------------------------------------------------------------------------------
// Elementwise

/**
 * A binary op with TensorFlow broadcasting. (TensorFlow's Div floors on integers where the IR's
 * truncates; integer Divs only occur in shape arithmetic, on non-negative values, where the two agree.)
 */
function binary(opType: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow', foldsBias = false): TfjsOpRule {
  return rule(
    [opType],
    (im, node) => {
      if (foldsBias && foldBias(im, node)) return;
      const { names, perm } = aligned(im, [im.input(node, 0, 'x'), im.input(node, 1, 'y')]);
      im.emit(node.name, opType, names, [im.define(node, 0, perm)]);
    },
    opType === 'Add' && foldsBias ? refuseNonNhwc : undefined,
  );
}

/** SquaredDifference: (x - y)^2 as Sub, then Mul of the difference by itself. */
const squaredDifference = rule(['Sub', 'Mul'], (im, node) => {
  const { names, perm } = aligned(im, [im.input(node, 0, 'x'), im.input(node, 1, 'y')]);
  const difference = im.fresh(`${node.name}/difference`);
  im.emit(`${node.name}/sub`, 'Sub', names, [difference]);
  im.emit(node.name, 'Mul', [difference, difference], [im.define(node, 0, perm)]);
});

/** AddN: a chain of Adds, left to right (tfjs's addN sums in input order). */
const addN = rule(['Add'], (im, node) => {
  const { names, perm } = aligned(im, node.inputs.map((_, k) => im.input(node, k, `input ${k}`)));
  if (names.length === 1) return im.alias(node, 0, { name: names[0]!, perm });
  let sum = names[0]!;
  for (let k = 1; k < names.length; k++) {
    const out = k === names.length - 1 ? im.define(node, 0, perm) : im.fresh(`${node.name}/partial${k}`);
    im.emit(k === names.length - 1 ? node.name : `${node.name}/add${k}`, 'Add', [sum, names[k]!], [out]);
    sum = out;
  }
});

/** Rsqrt: Reciprocal of Sqrt; Square: x * x. */
const rsqrt = rule(['Sqrt', 'Reciprocal'], (im, node) => {
  const x = im.input(node, 0, 'x');
  const root = im.fresh(`${node.name}/sqrt`);
  im.emit(`${node.name}/sqrt`, 'Sqrt', [x.name], [root]);
  im.emit(node.name, 'Reciprocal', [root], [im.define(node, 0, x.perm)]);
});

const square = rule(['Mul'], (im, node) => {
  const x = im.input(node, 0, 'x');
  im.emit(node.name, 'Mul', [x.name, x.name], [im.define(node, 0, x.perm)]);
});

/** Softmax over the last TensorFlow axis. */
const softmax = rule(['Softmax'], (im, node) => {
  const x = im.input(node, 0, 'logits');
  im.emit(node.name, 'Softmax', [x.name], [im.define(node, 0, x.perm)], { axis: x.perm.indexOf(x.perm.length - 1) });
});

/** FusedBatchNorm(V3) at inference: BatchNormalization over the channel axis (NHWC's last). */
const fusedBatchNorm = rule(
  ['BatchNormalization'],
  (im, node) => {
    const { v: x } = input4d(im, node, 0, 'x');
    const params = [1, 2, 3, 4].map((k, i) => im.input(node, k, ['scale', 'offset', 'mean', 'variance'][i]!).name);
    im.emit(node.name, 'BatchNormalization', [im.layout(x, NCHW), ...params], [im.define(node, 0, NCHW)], { epsilon: node.attrs.float('epsilon', 0.001) });
  },
  (node) => refuseNonNhwc(node) ?? (node.attrs.bool('is_training', false) ? 'is_training true (only inference is supported)' : undefined),
);

// ---------------------------------------------------------------------------------------------
// Resize

function resize(bilinear: boolean): TfjsOpRule {
  return rule(
    ['Resize'],
    (im, node) => {
      const alignCorners = node.attrs.bool('align_corners', false);
      const halfPixel = node.attrs.bool('half_pixel_centers', false);
      const { v: x, shape: xs } = input4d(im, node, 0, 'images');
      const size = im.constantInts(node, 1, 'size');
      if (size.length !== 2 || size.some((v) => v < 1)) im.fail(`size [${size.join(', ')}] must be two positive integers [height, width]`);
      const sizes = im.ints64(`${node.name}/sizes`, [xs[0]!, xs[3]!, size[0]!, size[1]!]);
      // As in the TFLite importer: TensorFlow's half-pixel bilinear ((x + 0.5) * in/out - 0.5,
      // clamped to the edge) is ONNX half_pixel; nearest rounds with floor (asymmetric,
      // tf_half_pixel_for_nn) or, with align_corners, half up (Math.round in tfjs).
      const attributes: Record<string, AttributeValue> = bilinear
        ? { mode: 'linear', coordinate_transformation_mode: alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric' }
        : alignCorners
          ? { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }
          : { mode: 'nearest', coordinate_transformation_mode: halfPixel ? 'tf_half_pixel_for_nn' : 'asymmetric', nearest_mode: 'floor' };
      im.emit(node.name, 'Resize', [im.layout(x, NCHW), '', '', sizes], [im.define(node, 0, NCHW)], attributes);
    },
    (node) => (node.attrs.bool('align_corners', false) && node.attrs.bool('half_pixel_centers', false) ? 'align_corners and half_pixel_centers both set (TensorFlow refuses that)' : undefined),
  );
}

// ---------------------------------------------------------------------------------------------
// Shapes and data movement

/** ConcatV2: tensors, then the axis. */
const concatV2 = rule(['Concat'], (im, node) => {
  const count = node.inputs.length - 1;
  if (count < 1) im.fail('needs at least one tensor and the axis');
  const axis = im.constantInts(node, count, 'axis');
  if (axis.length !== 1) im.fail(`axis [${axis.join(', ')}] must be one integer`);
  const { names, perm } = aligned(im, Array.from({ length: count }, (_, k) => im.input(node, k, `tensor ${k}`)));
  im.emit(node.name, 'Concat', names, [im.define(node, 0, perm)], { axis: irAxis(im, perm, axis[0]!, 'axis') });
});

/** The target shape of a Reshape: one -1 takes what is left (TensorFlow; 0 is a zero-size dimension, not ONNX's "copy"). */
function reshapeTarget(im: TfjsImporter, shape: readonly number[], from: readonly number[]): number[] {
  const total = sizeOf(from);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => d < -1)) im.fail(`shape [${shape.join(', ')}] may hold at most one -1 and no other negative value`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const target = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (sizeOf(target) !== total || target.some((d) => !Number.isInteger(d))) im.fail(`cannot reshape [${from.join('x')}] (${total} elements) to [${shape.join(', ')}]`);
  return target;
}

/** Reshape in TensorFlow's element order: on the value in TensorFlow layout; the result stays in it. */
function emitReshape(im: TfjsImporter, node: TfNode, x: TfValue, target: readonly number[]): void {
  const shapeName = im.ints64(`${node.name}/shape`, target);
  im.emit(node.name, 'Reshape', [im.layout(x, identityPerm(x.perm.length)), shapeName], [im.define(node, 0, identityPerm(target.length))]);
}

const reshape = rule(['Reshape'], (im, node) => {
  const x = im.input(node, 0, 'tensor');
  emitReshape(im, node, x, reshapeTarget(im, im.constantInts(node, 1, 'shape'), im.shapeOf(x)));
});

/** Squeeze (squeeze_dims, or every size-1 axis): the remaining axes keep their layout. */
const squeeze = rule(['Squeeze'], (im, node) => {
  const x = im.input(node, 0, 'input');
  const shape = im.shapeOf(x);
  const rank = shape.length;
  const given = node.attrs.ints('squeeze_dims') ?? node.attrs.ints('axis') ?? [];
  const axes = given.length > 0 ? [...new Set(given.map((a) => (a < 0 ? a + rank : a)))] : shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of axes) if (a < 0 || a >= rank || shape[a] !== 1) im.fail(`cannot squeeze axis ${a} of [${shape.join('x')}]`);
  if (axes.length === 0) return im.alias(node, 0, x);
  const perm = x.perm.filter((p) => !axes.includes(p)).map((p) => p - axes.filter((a) => a < p).length);
  im.emit(node.name, 'Squeeze', [x.name, im.ints64(`${node.name}/axes`, axes.map((a) => x.perm.indexOf(a)).sort((a, b) => a - b))], [im.define(node, 0, perm)]);
});

/** ExpandDims: the new axis goes last in the IR layout, so no other axis moves. */
const expandDims = rule(['Unsqueeze'], (im, node) => {
  const x = im.input(node, 0, 'input');
  const rank = x.perm.length;
  const given = im.constantInts(node, 1, 'axis');
  if (given.length !== 1) im.fail(`axis [${given.join(', ')}] must be one integer`);
  const axis = given[0]! < 0 ? given[0]! + rank + 1 : given[0]!;
  if (axis < 0 || axis > rank) im.fail(`axis ${given[0]} is out of range for rank ${rank}`);
  const perm = [...x.perm.map((p) => (p >= axis ? p + 1 : p)), axis];
  im.emit(node.name, 'Unsqueeze', [x.name, im.ints64(`${node.name}/axes`, [rank])], [im.define(node, 0, perm)]);
});

/** Transpose: only the layout label changes (output axis j is input axis p[j]); no node. */
const transpose = rule([], (im, node) => {
  const x = im.input(node, 0, 'x');
  const p = im.constantInts(node, 1, 'perm');
  const rank = x.perm.length;
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) im.fail(`perm [${p.join(', ')}] is not a permutation of 0..${rank - 1}`);
  im.alias(node, 0, { name: x.name, perm: x.perm.map((a) => p.indexOf(a)) });
});

/** Identity, Snapshot, StopGradient: the same value. */
const identity = rule([], (im, node) => im.alias(node, 0, im.input(node, 0, 'input')));

/** Shape: the static shape, a constant (int32, as tfjs gives it). */
const shapeOp = rule([], (im, node) => {
  const shape = im.shapeOf(im.input(node, 0, 'input'));
  im.defineConstant(node, 0, { dtype: 'int32', shape: [shape.length], data: Int32Array.from(shape) });
});

function matmulOperand(im: TfjsImporter, v: TfValue, transposed: boolean): string {
  const rank = v.perm.length;
  // A transposed operand is the same data with its last two axes relabelled; its Transpose (if
  // any) is made by the layout change to TensorFlow order.
  const relabelled = transposed ? { name: v.name, perm: v.perm.map((p) => (p === rank - 1 ? rank - 2 : p === rank - 2 ? rank - 1 : p)) } : v;
  return im.layout(relabelled, identityPerm(rank));
}

/** MatMul (2-D, transpose_a/b) -> Gemm; _FusedMatMul adds the bias as Gemm's C and its activation. */
function matMul(fused: boolean): TfjsOpRule {
  const needs = (node: TfNode) => ['Gemm', ...activationNeeds(fused ? (fusedOpsOf(node)?.activation ?? 'linear') : 'linear')];
  return rule(
    needs,
    (im, node) => {
      const a = im.input(node, 0, 'a');
      const b = im.input(node, 1, 'b');
      if (a.perm.length !== 2 || b.perm.length !== 2) im.fail(`MatMul takes 2-D operands; got [${im.shapeOf(a).join('x')}] and [${im.shapeOf(b).join('x')}]`);
      const f = fused ? fusedOpsOf(node)! : { bias: false, activation: 'linear' as const };
      const inputs = [im.layout(a, identityPerm(2)), im.layout(b, identityPerm(2))];
      if (f.bias) inputs.push(im.layout(im.input(node, 2, 'bias'), identityPerm(im.input(node, 2, 'bias').perm.length)));
      const attributes = { transA: node.attrs.bool('transpose_a', false) ? 1 : 0, transB: node.attrs.bool('transpose_b', false) ? 1 : 0 };
      if (f.activation === 'linear') {
        im.emit(node.name, 'Gemm', inputs, [im.define(node, 0, identityPerm(2))], attributes);
        return;
      }
      const pre = im.fresh(`${node.name}/pre_activation`);
      im.emit(node.name, 'Gemm', inputs, [pre], attributes);
      const preluAlpha = f.activation === 'prelu' ? im.input(node, 3, 'alpha') : undefined;
      emitActivation(im, `${node.name}/${f.activation}`, f.activation, { name: pre, perm: identityPerm(2) }, im.define(node, 0, identityPerm(2)), node.attrs.float('leakyrelu_alpha', 0.2), preluAlpha);
    },
    fused ? refuseFusedOps : undefined,
  );
}

/** BatchMatMulV2 (adj_x/adj_y): MatMul with broadcast batch dimensions. */
const batchMatMul = rule(['MatMul'], (im, node) => {
  const a = im.input(node, 0, 'x');
  const b = im.input(node, 1, 'y');
  if (a.perm.length < 2 || b.perm.length < 2) im.fail('BatchMatMul takes operands of rank 2 or more');
  const inputs = [matmulOperand(im, a, node.attrs.bool('adj_x', false)), matmulOperand(im, b, node.attrs.bool('adj_y', false))];
  const rank = Math.max(a.perm.length, b.perm.length);
  im.emit(node.name, 'MatMul', inputs, [im.define(node, 0, identityPerm(rank))]);
});

/** Pad, PadV2, MirrorPad: paddings [[begin, end] per TensorFlow axis] -> ONNX pads per IR axis. */
function pad(kind: 'Pad' | 'PadV2' | 'MirrorPad'): TfjsOpRule {
  return rule(
    ['Pad'],
    (im, node) => {
      const x = im.input(node, 0, 'input');
      const rank = x.perm.length;
      const paddings = im.constantInts(node, 1, 'paddings');
      if (paddings.length !== 2 * rank || paddings.some((p) => p < 0)) im.fail(`paddings [${paddings.join(', ')}] must be [${rank} x 2] values >= 0`);
      const pads = [...x.perm.map((p) => paddings[2 * p]!), ...x.perm.map((p) => paddings[2 * p + 1]!)];
      const inputs = [x.name, im.ints64(`${node.name}/pads`, pads)];
      let mode = 'constant';
      if (kind === 'MirrorPad') mode = 'reflect';
      else if (kind === 'PadV2') inputs.push(im.layout(im.input(node, 2, 'constant_values'), []));
      // tfjs's own Pad attribute (tfjs-converter op_list transformation.ts); TensorFlow's Pad pads with 0.
      else if (node.attrs.has('constant_value')) inputs.push(im.scalar(node.attrs.float('constant_value', 0)));
      im.emit(node.name, 'Pad', inputs, [im.define(node, 0, x.perm)], { mode });
    },
    kind === 'MirrorPad'
      ? (node) => {
          const mode = (node.attrs.string('mode', 'REFLECT') ?? 'REFLECT').toUpperCase();
          return mode === 'REFLECT' ? undefined : `mode ${mode} (segwgpu's Pad has reflect, not symmetric)`;
        }
      : undefined,
  );
}

/** Mean, Sum, Max, Min over constant axes (keep_dims); Mean over H and W of an NHWC map with keep_dims is a global average pool. */
function reduce(opType: 'ReduceMean' | 'ReduceSum' | 'ReduceMax' | 'ReduceMin'): TfjsOpRule {
  return rule([opType, ...(opType === 'ReduceMean' ? ['GlobalAveragePool'] : [])], (im, node) => {
    const x = im.input(node, 0, 'input');
    const rank = x.perm.length;
    const keep = node.attrs.bool('keep_dims', false);
    const axes = [...new Set(im.constantInts(node, 1, 'axis').map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    if (axes.some((a) => a < 0 || a >= rank)) im.fail(`axes [${axes.join(', ')}] are out of range for rank ${rank}`);
    // TensorFlow reduces nothing over an empty axis list.
    if (axes.length === 0) return im.alias(node, 0, x);
    if (opType === 'ReduceMean' && rank === 4 && keep && axes.length === 2 && axes[0] === 1 && axes[1] === 2) {
      im.emit(node.name, 'GlobalAveragePool', [im.layout(x, NCHW)], [im.define(node, 0, NCHW)]);
      return;
    }
    // Without keep_dims the reduced axes leave the layout; the others keep their order.
    const perm = keep ? x.perm : x.perm.filter((p) => !axes.includes(p)).map((p) => p - axes.filter((a) => a < p).length);
    const irAxes = axes.map((a) => x.perm.indexOf(a)).sort((a, b) => a - b);
    im.emit(node.name, opType, [x.name, im.ints64(`${node.name}/axes`, irAxes)], [im.define(node, 0, perm)], { keepdims: keep ? 1 : 0 });
  });
}

/** An ONNX Slice end that means "to the end" in the step's direction, for a resolved TensorFlow bound. */
function onnxEnd(end: number, stride: number, dim: number): number {
  // TensorFlow's -1 with a negative stride is "past index 0"; ONNX would read -1 as dim - 1.
  return stride < 0 && end < 0 ? -dim - 1 : end;
}

/** Slice of `x` per TensorFlow axis (begin, end, stride); only axes that change are given. */
function emitSlice(im: TfjsImporter, nameBase: string, x: TfValue, axes: readonly { begin: number; end: number; stride: number }[], out: string): void {
  const shape = im.shapeOf(x);
  const changed = axes.flatMap((a, tfAxis) => (a.begin === 0 && a.end === shape[tfAxis] && a.stride === 1 ? [] : [tfAxis]));
  const starts = changed.map((t) => axes[t]!.begin);
  const ends = changed.map((t) => onnxEnd(axes[t]!.end, axes[t]!.stride, shape[t]!));
  const steps = changed.map((t) => axes[t]!.stride);
  const irAxes = changed.map((t) => x.perm.indexOf(t));
  if (changed.length === 0) {
    im.emit(nameBase, 'Identity', [x.name], [out]);
    return;
  }
  im.emit(nameBase, 'Slice', [x.name, im.ints64(`${nameBase}/starts`, starts), im.ints64(`${nameBase}/ends`, ends), im.ints64(`${nameBase}/axes`, irAxes), im.ints64(`${nameBase}/steps`, steps)], [out]);
}

/** StridedSlice: a Slice (in the value's layout), then a Reshape where axes are shrunk or added. */
const stridedSlice = rule(['Slice', 'Reshape'], (im, node) => {
  const x = im.input(node, 0, 'input');
  const spec = {
    begin: im.constantInts(node, 1, 'begin'),
    end: im.constantInts(node, 2, 'end'),
    strides: im.constantInts(node, 3, 'strides'),
    beginMask: node.attrs.int('begin_mask', 0),
    endMask: node.attrs.int('end_mask', 0),
    ellipsisMask: node.attrs.int('ellipsis_mask', 0),
    newAxisMask: node.attrs.int('new_axis_mask', 0),
    shrinkAxisMask: node.attrs.int('shrink_axis_mask', 0),
  };
  const resolved = resolveStridedSlice(im.shapeOf(x), spec, `${im.label}: node '${node.name}' (StridedSlice)`);
  if (!resolved.reshapes) {
    emitSlice(im, node.name, x, resolved.axes, im.define(node, 0, x.perm));
    return;
  }
  const ordered: TfValue = { name: im.layout(x, identityPerm(x.perm.length)), perm: identityPerm(x.perm.length) };
  const sliced = im.fresh(`${node.name}/sliced`);
  emitSlice(im, `${node.name}/slice`, ordered, resolved.axes, sliced);
  im.emit(node.name, 'Reshape', [sliced, im.ints64(`${node.name}/shape`, resolved.outputShape)], [im.define(node, 0, identityPerm(resolved.outputShape.length))]);
});

/** Slice (begin, size; size -1 to the end). */
const slice = rule(['Slice'], (im, node) => {
  const x = im.input(node, 0, 'input');
  const shape = im.shapeOf(x);
  const begin = im.constantInts(node, 1, 'begin');
  const size = im.constantInts(node, 2, 'size');
  if (begin.length !== shape.length || size.length !== shape.length) im.fail(`begin [${begin.join(', ')}] and size [${size.join(', ')}] must have one value per axis of [${shape.join('x')}]`);
  const axes = shape.map((dim, i) => {
    const end = size[i] === -1 ? dim : begin[i]! + size[i]!;
    if (begin[i]! < 0 || end > dim || end < begin[i]!) im.fail(`begin [${begin.join(', ')}] and size [${size.join(', ')}] do not fit [${shape.join('x')}]`);
    return { begin: begin[i]!, end, stride: 1 };
  });
  emitSlice(im, node.name, x, axes, im.define(node, 0, x.perm));
});

/** Pack: each input gets the new axis (Unsqueeze, TensorFlow order), then one Concat. */
const pack = rule(['Unsqueeze', 'Concat'], (im, node) => {
  const values = node.inputs.map((_, k) => im.input(node, k, `value ${k}`));
  const rank = values[0]!.perm.length;
  const given = node.attrs.int('axis', 0);
  const axis = given < 0 ? given + rank + 1 : given;
  if (axis < 0 || axis > rank) im.fail(`axis ${given} is out of range for inputs of rank ${rank}`);
  const shapes = values.map((v) => im.shapeOf(v).join('x'));
  if (shapes.some((s) => s !== shapes[0])) im.fail(`inputs have shapes ${shapes.map((s) => `[${s}]`).join(', ')}; Pack needs one shape`);
  const axesName = im.ints64(`${node.name}/axes`, [axis]);
  const expanded = values.map((v, k) => {
    const out = im.fresh(`${node.name}/expanded${k}`);
    im.emit(`${node.name}/unsqueeze${k}`, 'Unsqueeze', [im.layout(v, identityPerm(rank)), axesName], [out]);
    return out;
  });
  im.emit(node.name, 'Concat', expanded, [im.define(node, 0, identityPerm(rank + 1))], { axis });
});

/** Cast between float32 and int32 (tfjs holds int64 as int32 too). */
const CAST_TARGETS: Readonly<Record<string, number>> = { DT_FLOAT: 1, DT_INT32: 6, DT_INT64: 6 };
const cast = rule(
  ['Cast'],
  (im, node) => {
    const x = im.input(node, 0, 'x');
    im.emit(node.name, 'Cast', [x.name], [im.define(node, 0, x.perm)], { to: CAST_TARGETS[node.attrs.dtype('DstT') ?? '']! });
  },
  (node) => (CAST_TARGETS[node.attrs.dtype('DstT') ?? ''] === undefined ? `DstT ${node.attrs.dtype('DstT') ?? '(none)'} (float32 and int32 are supported)` : undefined),
);

// ---------------------------------------------------------------------------------------------
// Graph ends

const constOp = rule([], (im, node) => {
  const weight = im.weights.get(node.name);
  if (!weight) return im.fail(`no weight named '${node.name}' in the weights manifest (a graph model's constants live there)`);
  if ('unusable' in weight) im.fail(`its weight is ${weight.unusable}, which segwgpu cannot compute with`, UnsupportedError);
  im.defineConstant(node, 0, weight as Tensor);
});

const placeholder = rule([], (im, node) => {
  const dtype = node.attrs.dtype('dtype') ?? 'DT_FLOAT';
  if (dtype !== 'DT_FLOAT') im.fail(`graph input of type ${dtype}; only DT_FLOAT inputs are supported`, UnsupportedError);
  im.defineInput(node, im.inputShapes.get(node.name)!);
});

// ---------------------------------------------------------------------------------------------

export const TFJS_OP_RULES: ReadonlyMap<string, TfjsOpRule> = new Map<string, TfjsOpRule>([
  ['Const', constOp],
  ['Placeholder', placeholder],
  ['Identity', identity],
  ['Snapshot', identity],
  ['StopGradient', identity],
  ['Conv2D', conv(false, false)],
  ['_FusedConv2D', conv(false, true)],
  ['DepthwiseConv2dNative', conv(true, false)],
  ['DepthwiseConv2d', conv(true, false)],
  ['FusedDepthwiseConv2dNative', conv(true, true)],
  ['Conv2DBackpropInput', conv2dBackpropInput],
  ['AvgPool', pool('AveragePool')],
  ['MaxPool', pool('MaxPool')],
  ['FusedBatchNorm', fusedBatchNorm],
  ['FusedBatchNormV2', fusedBatchNorm],
  ['FusedBatchNormV3', fusedBatchNorm],
  ['BiasAdd', binary('Add', true)],
  ['Add', binary('Add', true)],
  ['AddV2', binary('Add', true)],
  ['AddN', addN],
  ['Sub', binary('Sub')],
  ['Mul', binary('Mul')],
  ['RealDiv', binary('Div')],
  ['Div', binary('Div')],
  ['Pow', binary('Pow')],
  ['SquaredDifference', squaredDifference],
  ['Relu', unary('relu')],
  ['Relu6', unary('relu6')],
  ['Sigmoid', unary('sigmoid')],
  ['Tanh', unary('tanh')],
  ['Elu', unary('elu')],
  ['LeakyRelu', unary('leakyrelu')],
  ['Prelu', unary('prelu')],
  ['Neg', pointwise('Neg')],
  ['Abs', pointwise('Abs')],
  ['Exp', pointwise('Exp')],
  ['Log', pointwise('Log')],
  ['Sqrt', pointwise('Sqrt')],
  ['Reciprocal', pointwise('Reciprocal')],
  ['Floor', pointwise('Floor')],
  ['Ceil', pointwise('Ceil')],
  ['Rsqrt', rsqrt],
  ['Square', square],
  ['Softmax', softmax],
  ['ResizeBilinear', resize(true)],
  ['ResizeNearestNeighbor', resize(false)],
  ['ConcatV2', concatV2],
  ['Reshape', reshape],
  ['Squeeze', squeeze],
  ['ExpandDims', expandDims],
  ['Transpose', transpose],
  ['MatMul', matMul(false)],
  ['_FusedMatMul', matMul(true)],
  ['BatchMatMul', batchMatMul],
  ['BatchMatMulV2', batchMatMul],
  ['Pad', pad('Pad')],
  ['PadV2', pad('PadV2')],
  ['MirrorPad', pad('MirrorPad')],
  ['Mean', reduce('ReduceMean')],
  ['Sum', reduce('ReduceSum')],
  ['Max', reduce('ReduceMax')],
  ['Min', reduce('ReduceMin')],
  ['StridedSlice', stridedSlice],
  ['Slice', slice],
  ['Pack', pack],
  ['Shape', shapeOp],
  ['Cast', cast],
]);
