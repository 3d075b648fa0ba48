/** Multidirectional (numpy-style) broadcasting, as ONNX defines it for Add, Mul and friends. */
import { InputError } from '../core/errors.js';
import { stridesOf, type Shape } from '../core/tensor.js';
import type { OpNode } from './types.js';

export function broadcastShapes(node: OpNode, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InputError(node, 'B', `of shape [${b.join('x')}] does not broadcast against A of shape [${a.join('x')}] (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen through `outShape`: 0 along broadcast dimensions. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}
