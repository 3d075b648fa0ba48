/**
 * NonZero-13: the indices of X's non-zero elements, int64 [rank(X), count], in row-major order
 * (numpy.nonzero, stacked; a scalar X gives shape [0, 1] or [0, 0]). NaN is non-zero.
 *
 * The output's shape depends on X's values, so X must be known when the model is planned:
 * shape inference computes NonZero then (infer returns the output as a value, which the plan
 * folds) and refuses it otherwise, naming the input. CPU reference only (src/ops/cpu-only.ts).
 */
import { ValueNeededError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { cpuOnly } from './cpu-only.js';
import { checkDtype, checkInputCount, coordinatesOf, knownValue, noAttributes, requireInput, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

export function nonZeroOf(x: Tensor): Tensor<'int64'> {
  const data = x.data as Elements;
  const found: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] != 0) found.push(i);   // NaN != 0
  const rank = x.shape.length;
  const out = new BigInt64Array(rank * found.length);
  found.forEach((flat, j) => coordinatesOf(flat, x.shape).forEach((c, d) => (out[d * found.length + j] = BigInt(c))));
  return { dtype: 'int64', shape: [rank, found.length], data: out };
}

function input(node: OpNode, inputs: readonly (KnownValue | undefined)[]): KnownValue {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'X');
  checkDtype(node, 'X', x);
  return x;
}

export const nonZero: OpDefinition<null> = {
  type: 'NonZero',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const x = input(node, inputs);
    const t = knownValue(x);
    if (!t) {
      throw new ValueNeededError(node, 'X', `must be known when the model is planned: NonZero's output shape [${x.shape.length}, count] depends on how many of its ${sizeOf(x.shape)} values are non-zero`, x);
    }
    const value = nonZeroOf(t);
    return { outputs: [{ dtype: 'int64', shape: value.shape, value }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    return [nonZeroOf(input(node, inputs) as Tensor)];
  },
  gpu: cpuOnly('NonZero'),
};

export const ops: AnyOpDefinition[] = [nonZero];
