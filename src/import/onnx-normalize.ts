/**
 * Older operator forms -> the opset-17 forms segwgpu's ops implement. Each rule takes one node
 * (as the model wrote it, at the model's default-domain opset) and returns the node(s) that
 * replace it. Rules are the ONNX version converter's adapters, written out:
 *
 * - Softmax / LogSoftmax / Hardmax before 13 coerce the input to 2-D at `axis` (default 1) and
 *   normalise over the whole trailing block: Flatten(axis) -> op(axis=1) -> Reshape(Shape(x)).
 *   axis = -1 needs no coercion (the trailing block is the last axis).
 * - Clip before 11: min/max attributes -> inputs. Pad before 11: pads/value attributes -> inputs.
 *   Slice before 10: starts/ends/axes attributes -> int64 inputs (kept exact: INT64_MAX ends).
 * - Upsample (7: scales attribute, 9: scales input) and Resize-10 -> Resize with roi omitted,
 *   coordinate_transformation_mode 'asymmetric' and nearest_mode 'floor' (Upsample's rule).
 *   Resize 11+: an roi that the coordinate mode ignores, and empty scales/sizes constants (opset
 *   11 required a placeholder) become omitted inputs.
 * - Squeeze / Unsqueeze before 13, Split before 13, ReduceSum before 13: axes/split attribute ->
 *   int64 input. Reduce* (other than ReduceSum) from 18: a constant axes input -> the attribute
 *   (a computed one stays an input, which the reduce ops also accept). Split-18's num_outputs is
 *   kept: it is the only way to state its uneven last chunk.
 * - Dropout before 12: the ratio attribute is dropped (inference). Dropout's mask output and
 *   BatchNormalization's training outputs are dropped when nothing reads them, else refused.
 * - BatchNormalization before 9: spatial=1 dropped (spatial=0 refused).
 * - RoiAlign before 16 had no coordinate_transformation_mode and behaved as 'output_half_pixel'
 *   (torchvision's aligned=False, which its Mask R-CNN uses): that attribute is set, since 16's
 *   default is 'half_pixel'.
 * - Cast to BOOL of a value that already is one (a comparison's or logical op's output, as torch
 *   emits before If and Loop conditions) -> Identity: segwgpu holds BOOL as int32 0/1 already.
 */
import { AttributeError, SegwgpuError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { AttributeValue } from '../ir/attributes.js';
import { AttributeType, attributeTypeName, type AttributeProto } from './onnx-proto.js';
import { int64ToSafeNumber } from './onnx-tensor.js';

export interface ImportNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Attributes as decoded, converted only at the end so rules can read int64 values exactly. */
  raw: Map<string, AttributeProto>;
  /** Attributes that rules set, already in segwgpu's form (they win over raw ones). */
  set: Record<string, AttributeValue>;
  /** The op type the model used, when a rule changed it (for messages). */
  from?: string;
}

export interface NormalizeContext {
  readonly opset: number;
  /** Adds a constant and returns its (unique) value name. */
  addInitializer(base: string, t: Tensor): string;
  freshValue(base: string): string;
  freshNodeName(base: string): string;
  /** The value of an initializer or Constant node output, if it is one. */
  constantValue(name: string): Tensor | undefined;
  /** True when some node or graph output reads the value. */
  isUsed(value: string): boolean;
  /** The op type of the node (of this graph) producing the value, if one does. */
  producerOpType?(value: string): string | undefined;
}

/** Default-domain ops whose output is BOOL. */
const BOOL_PRODUCERS: ReadonlySet<string> = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf']);
const ONNX_BOOL = 9;

function castToBool(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  const to = node.raw.get('to');
  if (!to || to.type !== AttributeType.INT || Number(to.i) !== ONNX_BOOL) return [node];
  const producer = ctx.producerOpType?.(node.inputs[0] ?? '');
  if (producer === undefined || !BOOL_PRODUCERS.has(producer)) return [node];
  node.raw.clear();
  return [{ ...node, opType: 'Identity', from: 'Cast' }];
}

const utf8 = new TextDecoder();

function take(node: ImportNode, name: string): AttributeProto | undefined {
  const a = node.raw.get(name);
  node.raw.delete(name);
  return a;
}

function expectType(node: ImportNode, a: AttributeProto, type: number, what: string): void {
  if (a.type !== type) throw new AttributeError(node, a.name || '?', `<${attributeTypeName(a.type)}>`, `must be ${what}`);
}

function takeFloat(node: ImportNode, name: string): number | undefined {
  const a = take(node, name);
  if (!a) return undefined;
  expectType(node, a, AttributeType.FLOAT, 'a float');
  return a.f;
}

function takeFloats(node: ImportNode, name: string): number[] | undefined {
  const a = take(node, name);
  if (!a) return undefined;
  expectType(node, a, AttributeType.FLOATS, 'a list of floats');
  return [...a.floats];
}

function takeInt(node: ImportNode, name: string): number | undefined {
  const a = take(node, name);
  if (!a) return undefined;
  expectType(node, a, AttributeType.INT, 'an integer');
  const n = int64ToSafeNumber(a.i);
  if (n === undefined) throw new AttributeError(node, name, a.i, 'is beyond 2^53, which segwgpu cannot hold exactly');
  return n;
}

/** INTS as exact bigints (Slice ends are often INT64_MAX). */
function takeInts(node: ImportNode, name: string): bigint[] | undefined {
  const a = take(node, name);
  if (!a) return undefined;
  expectType(node, a, AttributeType.INTS, 'a list of integers');
  return [...a.ints];
}

function peekString(node: ImportNode, name: string): string | undefined {
  const a = node.raw.get(name);
  if (!a) return typeof node.set[name] === 'string' ? (node.set[name] as string) : undefined;
  expectType(node, a, AttributeType.STRING, 'a string');
  return utf8.decode(a.s);
}

const int64Vector = (values: readonly bigint[]): Tensor => ({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values) });
const float32Scalar = (v: number): Tensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });

/** Drops trailing omitted ('') inputs. */
function trimInputs(inputs: string[]): string[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Drops optional outputs nothing reads (from `first` on); refuses if one is read. */
function dropUnusedOutputs(node: ImportNode, ctx: NormalizeContext, first: number, what: string): void {
  for (let i = first; i < node.outputs.length; i++) {
    const out = node.outputs[i];
    if (out !== '' && ctx.isUsed(out)) {
      throw new SegwgpuError(`node '${node.name}' (${node.opType}): output ${i} ('${out}', ${what}) is used, but segwgpu runs inference only and does not produce it`);
    }
  }
  node.outputs = node.outputs.slice(0, first);
}

function coercedTo2d(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset >= 13) return [node];
  const axis = takeInt(node, 'axis') ?? 1;
  if (axis === -1) {
    node.set.axis = -1;
    return [node];
  }
  const [x] = node.inputs;
  const [y] = node.outputs;
  const flat = ctx.freshValue(`${y}/flattened`);
  const normalised = ctx.freshValue(`${y}/2d`);
  const shape = ctx.freshValue(`${y}/input_shape`);
  const base = { domain: '', raw: new Map(), from: node.opType };
  return [
    { ...base, name: ctx.freshNodeName(`${node.name}/flatten`), opType: 'Flatten', inputs: [x], outputs: [flat], set: { axis } },
    { ...node, inputs: [flat], outputs: [normalised], set: { ...node.set, axis: 1 } },
    { ...base, name: ctx.freshNodeName(`${node.name}/shape`), opType: 'Shape', inputs: [x], outputs: [shape], set: {} },
    { ...base, name: ctx.freshNodeName(`${node.name}/reshape`), opType: 'Reshape', inputs: [normalised, shape], outputs: [y], set: {} },
  ];
}

function clip(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset >= 11) return [node];
  const min = takeFloat(node, 'min');
  const max = takeFloat(node, 'max');
  node.inputs = trimInputs([
    node.inputs[0],
    min === undefined ? '' : ctx.addInitializer(`${node.name}/min`, float32Scalar(min)),
    max === undefined ? '' : ctx.addInitializer(`${node.name}/max`, float32Scalar(max)),
  ]);
  return [node];
}

function pad(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset >= 11) return [node];
  const pads = takeInts(node, 'pads');
  if (!pads) throw new AttributeError(node, 'pads', undefined, 'is required');
  const value = takeFloat(node, 'value') ?? 0;
  node.inputs = [node.inputs[0], ctx.addInitializer(`${node.name}/pads`, int64Vector(pads)), ctx.addInitializer(`${node.name}/value`, float32Scalar(value))];
  return [node];
}

function slice(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset >= 10) return [node];
  const starts = takeInts(node, 'starts');
  const ends = takeInts(node, 'ends');
  if (!starts) throw new AttributeError(node, 'starts', undefined, 'is required');
  if (!ends) throw new AttributeError(node, 'ends', undefined, 'is required');
  const axes = takeInts(node, 'axes');
  node.inputs = [
    node.inputs[0],
    ctx.addInitializer(`${node.name}/starts`, int64Vector(starts)),
    ctx.addInitializer(`${node.name}/ends`, int64Vector(ends)),
    ...(axes ? [ctx.addInitializer(`${node.name}/axes`, int64Vector(axes))] : []),
  ];
  return [node];
}

/** Upsample's (and Resize-10's) sampling rule in Resize-11+ terms. */
function setUpsampleModes(node: ImportNode): void {
  const mode = peekString(node, 'mode') ?? 'nearest';
  take(node, 'mode');
  const resizeMode = mode === 'bilinear' ? 'linear' : mode;
  if (resizeMode !== 'nearest' && resizeMode !== 'linear') throw new AttributeError(node, 'mode', mode, "must be 'nearest' or 'linear'");
  node.set.mode = resizeMode;
  node.set.coordinate_transformation_mode = 'asymmetric';
  if (resizeMode === 'nearest') node.set.nearest_mode = 'floor';
}

function upsample(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  setUpsampleModes(node);
  let scales = node.inputs[1] ?? '';
  const attr = takeFloats(node, 'scales');
  if (attr) scales = ctx.addInitializer(`${node.name}/scales`, { dtype: 'float32', shape: [attr.length], data: Float32Array.from(attr) });
  if (scales === '') throw new AttributeError(node, 'scales', undefined, 'is required (as an attribute before opset 9, an input from 9)');
  return [{ ...node, from: node.opType, opType: 'Resize', inputs: [node.inputs[0], '', scales] }];
}

function resize(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset < 11) {
    setUpsampleModes(node);
    node.inputs = [node.inputs[0], '', node.inputs[1] ?? ''];
    return [node];
  }
  const inputs = [...node.inputs];
  const isEmptyConstant = (name: string | undefined) => !!name && ctx.constantValue(name)?.data.length === 0;
  if (inputs[1] && (peekString(node, 'coordinate_transformation_mode') !== 'tf_crop_and_resize' || isEmptyConstant(inputs[1]))) inputs[1] = '';
  if (isEmptyConstant(inputs[2])) inputs[2] = '';
  if (isEmptyConstant(inputs[3])) inputs[3] = '';
  node.inputs = trimInputs(inputs);
  return [node];
}

/** An INTS attribute that later opsets take as an int64 input (at position `index`). */
function attributeToInput(name: string, untilOpset: number, index = 1) {
  return (node: ImportNode, ctx: NormalizeContext): ImportNode[] => {
    if (ctx.opset >= untilOpset) return [node];
    const values = takeInts(node, name);
    if (values) {
      const inputs = [...node.inputs];
      while (inputs.length < index) inputs.push('');
      inputs[index] = ctx.addInitializer(`${node.name}/${name}`, int64Vector(values));
      node.inputs = inputs;
    }
    return [node];
  };
}

/** Reduce* from opset 18: a constant axes input becomes the opset-13 attribute. */
function reduceAxesInput(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset < 18 || node.inputs.length < 2) return [node];
  const name = node.inputs[1];
  if (name === '') {
    node.inputs = [node.inputs[0]];
    return [node];
  }
  const value = ctx.constantValue(name);
  if (!value) return [node];
  const axes = Array.from(value.data as ArrayLike<number | bigint>, Number);
  if (axes.length > 0) node.set.axes = axes;
  node.inputs = [node.inputs[0]];
  return [node];
}

function dropout(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset < 12) take(node, 'ratio');
  dropUnusedOutputs(node, ctx, 1, 'the dropout mask');
  return [node];
}

function batchNormalization(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset < 9) {
    const spatial = takeInt(node, 'spatial');
    if (spatial !== undefined && spatial !== 1) throw new AttributeError(node, 'spatial', spatial, 'is not supported (only spatial=1, per-channel statistics)');
  }
  dropUnusedOutputs(node, ctx, 1, 'a training statistic');
  return [node];
}

function roiAlign(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  if (ctx.opset < 16) node.set.coordinate_transformation_mode = 'output_half_pixel';
  return [node];
}

const RULES: Readonly<Record<string, (node: ImportNode, ctx: NormalizeContext) => ImportNode[]>> = {
  Softmax: coercedTo2d,
  LogSoftmax: coercedTo2d,
  Hardmax: coercedTo2d,
  Clip: clip,
  Pad: pad,
  Slice: slice,
  Upsample: upsample,
  Resize: resize,
  Squeeze: attributeToInput('axes', 13),
  Unsqueeze: attributeToInput('axes', 13),
  Split: attributeToInput('split', 13),
  ReduceSum: attributeToInput('axes', 13),
  ReduceMean: reduceAxesInput,
  ReduceMax: reduceAxesInput,
  ReduceMin: reduceAxesInput,
  ReduceProd: reduceAxesInput,
  ReduceL1: reduceAxesInput,
  ReduceL2: reduceAxesInput,
  ReduceLogSum: reduceAxesInput,
  ReduceLogSumExp: reduceAxesInput,
  ReduceSumSquare: reduceAxesInput,
  Dropout: dropout,
  BatchNormalization: batchNormalization,
  Cast: castToBool,
  RoiAlign: roiAlign,
};

/** Op types that rules rewrite into other op types. */
export const RENAMED_OPS: Readonly<Record<string, string>> = { Upsample: 'Resize' };

/** The opset-17 form of one default-domain node: itself (possibly edited) or its replacement nodes. */
export function normalizeNode(node: ImportNode, ctx: NormalizeContext): ImportNode[] {
  const rule = RULES[node.opType];
  return rule ? rule(node, ctx) : [node];
}
