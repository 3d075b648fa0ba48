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
import { checkDtype, checkInputCount, constantInput, integerVector, noAttributes, requireInput, type KnownValue } from './kit.js';
import { stridedCopyStep } from './strided-copy.js';
import type { GpuLowering } from '../gpu/step.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';

function sameData(x: Tensor, shape: Shape): Tensor {
  return { dtype: x.dtype, shape: [...shape], data: x.data.slice() } as Tensor;
}

/** A copy of input 0 into output 0, word for word (shape relabelling needs no data movement logic). */
function plainCopy(elements: number, label: string): GpuLowering {
  return stridedCopyStep([elements], [1], label);
}

const identity: OpDefinition<null> = {
  type: 'Identity',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 1);
    const x = requireInput(node, inputs, 0, 'input');
    checkDtype(node, 'input', x);
    return { outputs: [{ dtype: x.dtype, shape: [...x.shape] }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const x = requireInput(node, inputs, 0, 'input') as Tensor;
    return [sameData(x, x.shape)];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'identity');
  },
};

/** Dropout at inference: the identity. The optional mask output is not produced. */
const dropout: OpDefinition<null> = {
  type: 'Dropout',
  parse(node) {
    checkKnownAttributes(node, ['seed']);
    return null;
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 3);
    const x = requireInput(node, inputs, 0, 'data');
    checkDtype(node, 'data', x, ['float32']);
    const training = inputs[2];
    if (training) {
      const t = constantInput(node, 'training_mode', training);
      if (t.shape.length > 1 || sizeOf(t.shape) !== 1) throw new InputError(node, 'training_mode', `has shape [${t.shape.join('x')}]; it must be a scalar`);
      if (Number(t.data[0]) !== 0) throw new InputError(node, 'training_mode', `is ${Number(t.data[0])} (true): training-mode Dropout is not supported, segwgpu runs inference only`);
    }
    return { outputs: [{ dtype: 'float32', shape: [...x.shape] }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const x = requireInput(node, inputs, 0, 'data') as Tensor;
    return [sameData(x, x.shape)];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'dropout');
  },
};

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

const reshape: OpDefinition<ReshapeAttrs> = {
  type: 'Reshape',
  parse(node) {
    checkKnownAttributes(node, ['allowzero']);
    const allowzero = intAttr(node, 'allowzero', 0);
    if (allowzero !== 0 && allowzero !== 1) throw new AttributeError(node, 'allowzero', allowzero, 'must be 0 or 1');
    return { allowzero: allowzero === 1 };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: reshapeTarget(node, attrs, inputs) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [sameData(inputs[0] as Tensor, reshapeTarget(node, attrs, inputs))];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'reshape');
  },
};

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

const flatten: OpDefinition<FlattenAttrs> = {
  type: 'Flatten',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis', 1) };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: flattenShape(node, attrs, inputs) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [sameData(inputs[0] as Tensor, flattenShape(node, attrs, inputs))];
  },
  gpu(_, inputs) {
    return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), 'flatten');
  },
};

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

function shapeOnlyOp(type: string, shapeOf: (node: OpNode, inputs: readonly (KnownValue | undefined)[]) => number[]): OpDefinition<null> {
  return {
    type,
    parse: noAttributes,
    infer(attrs, inputs, node) {
      return { outputs: [{ dtype: inputs[0]?.dtype ?? 'float32', shape: shapeOf(node, inputs) }], resolved: attrs };
    },
    cpu(_, inputs, node) {
      return [sameData(inputs[0] as Tensor, shapeOf(node, inputs))];
    },
    gpu(_, inputs) {
      return plainCopy(sizeOf((inputs[0] as ValueInfo).shape), type.toLowerCase());
    },
  };
}

export const ops: AnyOpDefinition[] = [
  identity,
  dropout,
  reshape,
  flatten,
  shapeOnlyOp('Squeeze', squeezeShape),
  shapeOnlyOp('Unsqueeze', unsqueezeShape),
];
