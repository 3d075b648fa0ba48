/**
 * TopK-11: the k largest (largest = 1, the default) or smallest elements of X along `axis`
 * (default -1), k given as a one-element int64 input, which must be known when the model is
 * planned (it fixes the output shape). Outputs Values (X's dtype) and Indices (int64).
 * Order: sorted (the default) by value, ties to the lower index first, as ONNX says; with
 * sorted = 0 segwgpu still returns them in that order (ONNX leaves it unspecified). NaN counts as
 * larger than any number (torch.topk: first among the largest, last among the smallest).
 *
 * CPU reference only (src/ops/cpu-only.ts).
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { cpuOnly } from './cpu-only.js';
import { allocate, checkDtype, checkInputCount, integerVector, requireInput, requireKnownValue, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

interface TopKAttrs {
  readonly axis: number;
  readonly largest: boolean;
  readonly sorted: boolean;
}

interface TopKGeometry {
  readonly axis: number;
  readonly k: number;
  readonly largest: boolean;
  readonly shape: number[];
}

function geometry(node: OpNode, attrs: TopKAttrs, inputs: readonly (KnownValue | undefined)[]): TopKGeometry {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'X');
  checkDtype(node, 'X', x);
  if (x.shape.length === 0) throw new InputError(node, 'X', 'is a scalar; TopK needs at least one axis');
  const kIn = requireInput(node, inputs, 1, 'K');
  const kValues = integerVector(node, 'K', requireKnownValue(node, 'K', kIn, 'TopK\'s output shape depends on k'));
  if (kValues.length !== 1) throw new InputError(node, 'K', `holds ${kValues.length} values; it must hold exactly one`);
  const axis = normalizeAxis(node, 'axis', attrs.axis, x.shape.length);
  const k = kValues[0]!;
  if (k < 0 || k > x.shape[axis]!) throw new InputError(node, 'K', `is ${k}; it must be in [0, ${x.shape[axis]}] (X's dimension ${axis} of [${x.shape.join('x')}])`);
  const shape = [...x.shape];
  shape[axis] = k;
  return { axis, k, largest: attrs.largest, shape };
}

/** a before b in the output's order: larger (smaller) first, NaN the largest, ties to the lower index. */
function before(largest: boolean, a: number | bigint, ia: number, b: number | bigint, ib: number): number {
  const an = typeof a === 'number' && Number.isNaN(a);
  const bn = typeof b === 'number' && Number.isNaN(b);
  if (an !== bn) return (an ? -1 : 1) * (largest ? 1 : -1);
  if (!an && a !== b) return (a > b ? -1 : 1) * (largest ? 1 : -1);
  return ia - ib;
}

export const topK: OpDefinition<TopKAttrs, TopKGeometry> = {
  type: 'TopK',
  parse(node) {
    checkKnownAttributes(node, ['axis', 'largest', 'sorted']);
    const flag = (name: string) => {
      const v = intAttr(node, name, 1);
      if (v !== 0 && v !== 1) throw new AttributeError(node, name, v, 'must be 0 or 1');
      return v === 1;
    };
    return { axis: intAttr(node, 'axis', -1), largest: flag('largest'), sorted: flag('sorted') };
  },
  infer(attrs, inputs, node) {
    const g = geometry(node, attrs, inputs);
    return { outputs: [{ dtype: inputs[0]!.dtype, shape: g.shape }, { dtype: 'int64', shape: g.shape }], resolved: g };
  },
  cpu(g, inputs) {
    const x = inputs[0]!;
    const dim = x.shape[g.axis]!;
    const inner = sizeOf(x.shape.slice(g.axis + 1));
    const outer = sizeOf(x.shape.slice(0, g.axis));
    const values = allocate(x.dtype, sizeOf(g.shape)) as Elements;
    const indices = new BigInt64Array(sizeOf(g.shape));
    const data = x.data as Elements;
    const order = Array.from({ length: dim }, (_, i) => i);
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < inner; r++) {
        const at = (i: number) => data[(o * dim + i) * inner + r]!;
        order.sort((a, b) => before(g.largest, at(a), a, at(b), b));
        for (let j = 0; j < g.k; j++) {
          const to = (o * g.k + j) * inner + r;
          values[to] = at(order[j]!);
          indices[to] = BigInt(order[j]!);
        }
        order.sort((a, b) => a - b);
      }
    }
    return [{ dtype: x.dtype, shape: g.shape, data: values } as unknown as Tensor, { dtype: 'int64', shape: g.shape, data: indices }];
  },
  gpu: cpuOnly('TopK'),
};

export const ops: AnyOpDefinition[] = [topK];
