/**
 * ReduceProd-13 (with opset 18's axes input accepted, as src/ops/reduce.ts does for the other
 * reductions): the product over `axes` (an attribute, or a constant int64 input; negative axes
 * count from the end; none reduces every axis unless noop_with_empty_axes = 1), keepdims default
 * 1. float32 (multiplied in float64, rounded once), int32 and int64 (wrapping). The product of no
 * elements is 1. Exported graphs use it on shapes (the element count of a tensor), where shape
 * inference computes it when the model is planned.
 *
 * CPU reference only (src/ops/cpu-only.ts).
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, intsAttr } from './attributes.js';
import { cpuOnly } from './cpu-only.js';
import { checkDtype, checkInputCount, constantInput, coordinatesOf, integerVector, requireInput, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

interface ReduceProdAttrs {
  readonly axes: number[] | undefined;
  readonly keepdims: boolean;
  readonly noopWithEmptyAxes: boolean;
}

interface ReduceProdGeometry {
  readonly reduced: number[];
  readonly keptShape: number[];
  readonly outShape: number[];
}

function flag(node: OpNode, name: string, fallback: number): boolean {
  const v = intAttr(node, name, fallback);
  if (v !== 0 && v !== 1) throw new AttributeError(node, name, v, 'must be 0 or 1');
  return v === 1;
}

function geometry(node: OpNode, attrs: ReduceProdAttrs, inputs: readonly (KnownValue | undefined)[]): ReduceProdGeometry {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'data');
  checkDtype(node, 'data', x);
  const rank = x.shape.length;
  let raw = attrs.axes;
  if (inputs[1]) {
    if (raw !== undefined) throw new InputError(node, 'axes', 'is given both as an attribute and as an input');
    raw = integerVector(node, 'axes', constantInput(node, 'axes', inputs[1]));
  }
  const axes = (raw ?? []).map((a) => {
    if (a < -rank || a >= rank) throw new InputError(node, 'axes', `[${raw!.join(', ')}] has axis ${a}, out of range for data of rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(axes).size !== axes.length) throw new InputError(node, 'axes', `[${raw!.join(', ')}] repeats an axis`);
  const reduced = axes.length === 0 ? (attrs.noopWithEmptyAxes ? [] : x.shape.map((_, i) => i)) : axes;
  const keptShape = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
  const outShape = attrs.keepdims ? keptShape : x.shape.filter((_, i) => !reduced.includes(i));
  return { reduced, keptShape, outShape };
}

export const reduceProd: OpDefinition<ReduceProdAttrs, ReduceProdGeometry> = {
  type: 'ReduceProd',
  parse(node) {
    checkKnownAttributes(node, ['axes', 'keepdims', 'noop_with_empty_axes']);
    return { axes: intsAttr(node, 'axes'), keepdims: flag(node, 'keepdims', 1), noopWithEmptyAxes: flag(node, 'noop_with_empty_axes', 0) };
  },
  infer(attrs, inputs, node) {
    const g = geometry(node, attrs, inputs);
    return { outputs: [{ dtype: inputs[0]!.dtype, shape: g.outShape }], resolved: g };
  },
  cpu(g, inputs) {
    const x = inputs[0] as Tensor;
    const n = sizeOf(g.keptShape);
    const keptStrides = stridesOf(g.keptShape);
    const src = x.data as Elements;
    const acc: (number | bigint)[] = new Array(n).fill(x.dtype === 'int64' ? 1n : 1);
    for (let i = 0; i < src.length; i++) {
      const at = coordinatesOf(i, x.shape).reduce((s, c, d) => s + (g.reduced.includes(d) ? 0 : c * keptStrides[d]!), 0);
      const v = src[i]!;
      acc[at] = x.dtype === 'int64' ? BigInt.asIntN(64, (acc[at] as bigint) * (v as bigint)) : x.dtype === 'int32' ? Math.imul(acc[at] as number, v as number) : (acc[at] as number) * (v as number);
    }
    const data = x.dtype === 'int64' ? BigInt64Array.from(acc as bigint[]) : x.dtype === 'int32' ? Int32Array.from(acc as number[]) : Float32Array.from(acc as number[]);
    return [{ dtype: x.dtype, shape: g.outShape, data } as Tensor];
  },
  gpu: cpuOnly('ReduceProd'),
};

export const ops: AnyOpDefinition[] = [reduceProd];
