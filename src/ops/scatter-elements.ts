/**
 * ScatterElements-18 (11, 13 and 16 are its subsets): a copy of data with updates written at the
 * positions indices give along `axis` (default 0); every other axis takes the update's own
 * coordinate. indices (int32 or int64, negative counting from the end) and updates share one
 * shape, of data's rank and no larger than data along every axis other than `axis`.
 * `reduction`: 'none' (the default; for duplicate indices the last update in row-major order
 * wins, as onnxruntime's loop), 'add', 'mul', 'max', 'min'. An index out of range is an error.
 *
 * CPU reference only (src/ops/cpu-only.ts).
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, normalizeAxis, stringAttr } from './attributes.js';
import { cpuOnly } from './cpu-only.js';
import { checkDtype, checkInputCount, coordinatesOf, requireInput, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

const REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'] as const;
type Reduction = (typeof REDUCTIONS)[number];

interface ScatterAttrs {
  readonly axis: number;
  readonly reduction: Reduction;
}

interface ScatterGeometry {
  readonly axis: number;
  readonly reduction: Reduction;
}

function geometry(node: OpNode, attrs: ScatterAttrs, inputs: readonly (KnownValue | undefined)[]): { data: KnownValue; g: ScatterGeometry } {
  checkInputCount(node, inputs, 3);
  const data = requireInput(node, inputs, 0, 'data');
  const indices = requireInput(node, inputs, 1, 'indices');
  const updates = requireInput(node, inputs, 2, 'updates');
  checkDtype(node, 'data', data);
  checkDtype(node, 'indices', indices, ['int32', 'int64']);
  if (updates.dtype !== data.dtype) throw new InputError(node, 'updates', `has dtype ${updates.dtype}, but data has dtype ${data.dtype}`);
  const rank = data.shape.length;
  if (rank === 0) throw new InputError(node, 'data', 'is a scalar; ScatterElements needs at least one axis');
  const axis = normalizeAxis(node, 'axis', attrs.axis, rank);
  if (indices.shape.length !== rank) throw new InputError(node, 'indices', `has rank ${indices.shape.length}; it must have data's rank ${rank} ([${data.shape.join('x')}])`);
  if (updates.shape.join('x') !== indices.shape.join('x')) throw new InputError(node, 'updates', `has shape [${updates.shape.join('x')}]; it must equal indices' [${indices.shape.join('x')}]`);
  indices.shape.forEach((d, i) => {
    if (i !== axis && d > data.shape[i]!) throw new InputError(node, 'indices', `has shape [${indices.shape.join('x')}], larger than data's [${data.shape.join('x')}] along axis ${i}`);
  });
  return { data, g: { axis, reduction: attrs.reduction } };
}

function combine(r: Reduction, old: number | bigint, u: number | bigint, dtype: Tensor['dtype']): number | bigint {
  switch (r) {
    case 'none': return u;
    case 'add': return dtype === 'int64' ? BigInt.asIntN(64, (old as bigint) + (u as bigint)) : dtype === 'int32' ? ((old as number) + (u as number)) | 0 : (old as number) + (u as number);
    case 'mul': return dtype === 'int64' ? BigInt.asIntN(64, (old as bigint) * (u as bigint)) : dtype === 'int32' ? Math.imul(old as number, u as number) : (old as number) * (u as number);
    case 'max': return u > old ? u : old;
    case 'min': return u < old ? u : old;
  }
}

export const scatterElements: OpDefinition<ScatterAttrs, ScatterGeometry> = {
  type: 'ScatterElements',
  parse(node) {
    checkKnownAttributes(node, ['axis', 'reduction']);
    return { axis: intAttr(node, 'axis', 0), reduction: stringAttr(node, 'reduction', REDUCTIONS, 'none') };
  },
  infer(attrs, inputs, node) {
    const { data, g } = geometry(node, attrs, inputs);
    return { outputs: [{ dtype: data.dtype, shape: [...data.shape] }], resolved: g };
  },
  cpu(g, inputs, node) {
    const [data, indices, updates] = inputs as [Tensor, Tensor, Tensor];
    const out = (data.data as Elements & { slice(): Elements }).slice();
    const strides = stridesOf(data.shape);
    const dim = data.shape[g.axis]!;
    const idx = indices.data as Elements;
    const upd = updates.data as Elements;
    for (let i = 0; i < sizeOf(indices.shape); i++) {
      const coords = coordinatesOf(i, indices.shape);
      let k = Number(idx[i]);
      if (k < -dim || k >= dim) throw new InputError(node, 'indices', `holds ${idx[i]} at [${coords.join(', ')}], outside [-${dim}, ${dim - 1}] (data's axis ${g.axis})`);
      if (k < 0) k += dim;
      coords[g.axis] = k;
      const at = coords.reduce((s, c, d) => s + c * strides[d]!, 0);
      out[at] = combine(g.reduction, out[at]!, upd[i]!, data.dtype);
    }
    return [{ dtype: data.dtype, shape: [...data.shape], data: out } as unknown as Tensor];
  },
  gpu: cpuOnly('ScatterElements'),
};

export const ops: AnyOpDefinition[] = [scatterElements];
