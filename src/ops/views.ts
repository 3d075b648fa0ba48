/**
 * Ops that give the same row-major data a new shape, at ONNX opset-17 semantics: Identity-16,
 * Dropout-13 (inference only), Reshape-14, Flatten-13, Squeeze-13, Unsqueeze-13. float32, int32
 * and int64. Squeeze/Unsqueeze take `axes` as an input (opset 13 form): the ONNX importer turns
 * older models' axes attributes into inputs. Reshape's shape and the axes must be constants.
 * GPU: a plain copy (shaders/strided-copy.wgsl), which the plan may skip where it can alias.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { checkDtype, checkInputCount, constantInput, copyStep, integerVector, noAttributes, requireInput, type KnownValue } from './kit.js';
import type { GpuLowering } from '../gpu/step.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

function sameData(x: Tensor, shape: Shape): Tensor {
  return { dtype: x.dtype, shape: [...shape], data: x.data.slice() } as Tensor;
}

/** A copy of input 0 into output 0, word for word (shape relabelling needs no data movement logic). */
function plainCopy(elements: number, label: string): GpuLowering {
  const step = copyStep(elements, { input: 0 }, { output: 0 }, label);
  return { steps: step ? [step] : [] };
}

function identityShape(node: OpNode, _: null, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'input');
  checkDtype(node, 'input', x);
  return [...x.shape];
}

/** Dropout at inference: the identity. The optional mask output is not produced. */
function parseDropout(node: OpNode): null {
  checkKnownAttributes(node, ['seed']);
  return null;
}

function dropoutShape(node: OpNode, _: null, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 3);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x, ['float32']);
  const training = inputs[2];
  if (training) {
    const t = constantInput(node, 'training_mode', training);
    if (t.shape.length > 1 || sizeOf(t.shape) !== 1) throw new InputError(node, 'training_mode', `has shape [${t.shape.join('x')}]; it must be a scalar`);
    if (Number(t.data[0]) !== 0) throw new InputError(node, 'training_mode', `is ${Number(t.data[0])} (true): training-mode Dropout is not supported, segwgpu runs inference only`);
  }
  return [...x.shape];
}

// ---------------------------------------------------------------------------------------------
// Reshape, Flatten, Squeeze, Unsqueeze: new shapes over the same row-major data.

interface ReshapeAttrs {
  readonly allowzero: boolean;
}

function reshapeTarget(node: OpNode, attrs: ReshapeAttrs, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const requested = integerVector(node, 'shape', constantInput(node, 'shape', requireInput(node, inputs, 1, 'shape')));
  const shown = `[${requested.join(', ')}]`;
  const out: number[] = [];
  let inferAt = -1;
  requested.forEach((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) throw new InputError(node, 'shape', `${shown} has more than one -1`);
      inferAt = i;
      out.push(1);
    } else if (d === 0 && !attrs.allowzero) {
      if (i >= x.shape.length) throw new InputError(node, 'shape', `${shown} has 0 (copy the input dimension) at position ${i}, but data has rank ${x.shape.length}`);
      out.push(x.shape[i]);
    } else if (d < 0) {
      throw new InputError(node, 'shape', `${shown} has the negative dimension ${d}`);
    } else {
      out.push(d);
    }
  });
  if (attrs.allowzero && inferAt >= 0 && requested.includes(0)) {
    throw new InputError(node, 'shape', `${shown} has both 0 and -1, which allowzero=1 forbids`);
  }
  const total = sizeOf(x.shape);
  if (inferAt >= 0) {
    const known = sizeOf(out);
    if (known === 0 || total % known !== 0) {
      throw new InputError(node, 'shape', `${shown} cannot reshape data of shape [${x.shape.join('x')}] (${total} elements)`);
    }
    out[inferAt] = total / known;
  }
  if (sizeOf(out) !== total) {
    throw new InputError(node, 'shape', `${shown} gives ${sizeOf(out)} elements, but data of shape [${x.shape.join('x')}] has ${total}`);
  }
  return out;
}

function parseReshape(node: OpNode): ReshapeAttrs {
  checkKnownAttributes(node, ['allowzero']);
  const allowzero = intAttr(node, 'allowzero', 0);
  if (allowzero !== 0 && allowzero !== 1) throw new AttributeError(node, 'allowzero', allowzero, 'must be 0 or 1');
  return { allowzero: allowzero === 1 };
}

interface FlattenAttrs {
  readonly axis: number;
}

function flattenShape(node: OpNode, attrs: FlattenAttrs, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'input');
  checkDtype(node, 'input', x);
  const rank = x.shape.length;
  // Flatten's axis ranges over [-r, r] (axis r gives [size, 1]).
  if (attrs.axis < -rank || attrs.axis > rank) {
    throw new AttributeError(node, 'axis', attrs.axis, `is out of range for a rank-${rank} input (allowed ${-rank}..${rank})`);
  }
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  return [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))];
}

function parseFlatten(node: OpNode): FlattenAttrs {
  checkKnownAttributes(node, ['axis']);
  return { axis: intAttr(node, 'axis', 1) };
}

/** Axes from a constant input, normalised against `rank`; duplicates refused. */
function axesInput(node: OpNode, v: KnownValue, rank: number): number[] {
  const raw = integerVector(node, 'axes', constantInput(node, 'axes', v));
  const axes = raw.map((a) => {
    if (a < -rank || a >= rank) throw new InputError(node, 'axes', `[${raw.join(', ')}] has axis ${a}, out of range for rank ${rank} (allowed ${-rank}..${rank - 1})`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(axes).size !== axes.length) throw new InputError(node, 'axes', `[${raw.join(', ')}] repeats an axis`);
  return axes;
}

function squeezeShape(node: OpNode, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  if (!inputs[1]) return x.shape.filter((d) => d !== 1);
  const axes = axesInput(node, inputs[1], x.shape.length);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new InputError(node, 'axes', `names axis ${a}, which has size ${x.shape[a]} in data of shape [${x.shape.join('x')}]; only size-1 axes can be squeezed`);
  }
  return x.shape.filter((_, i) => !axes.includes(i));
}

function unsqueezeShape(node: OpNode, inputs: readonly (KnownValue | undefined)[]): number[] {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const count = integerVector(node, 'axes', constantInput(node, 'axes', requireInput(node, inputs, 1, 'axes'))).length;
  const rank = x.shape.length + count;
  const axes = axesInput(node, inputs[1]!, rank);
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[next++]);
  return out;
}

/**
 * A view op: infer resolves the output shape (checking everything), cpu copies the data under it,
 * gpu copies the words.
 */
function viewOp<A>(
  type: string,
  parse: (node: OpNode) => A,
  shapeOf: (node: OpNode, attrs: A, inputs: readonly (KnownValue | undefined)[]) => number[],
): OpDefinition<A, { readonly shape: number[] }> {
  const label = type.toLowerCase();
  return {
    type,
    parse,
    infer(attrs, inputs, node) {
      const shape = shapeOf(node, attrs, inputs);
      return { outputs: [{ dtype: inputs[0]!.dtype, shape }], resolved: { shape } };
    },
    cpu({ shape }, inputs) {
      return [sameData(inputs[0] as Tensor, shape)];
    },
    gpu(_, inputs) {
      return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), label);
    },
  };
}

export const ops: AnyOpDefinition[] = [
  viewOp('Identity', noAttributes, identityShape),
  viewOp('Dropout', parseDropout, dropoutShape),
  viewOp('Reshape', parseReshape, reshapeTarget),
  viewOp('Flatten', parseFlatten, flattenShape),
  viewOp('Squeeze', noAttributes, (node, _, inputs) => squeezeShape(node, inputs)),
  viewOp('Unsqueeze', noAttributes, (node, _, inputs) => unsqueezeShape(node, inputs)),
];
