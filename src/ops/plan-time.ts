/**
 * Ops whose outputs are known when the model is planned: Shape-15, Constant-13, ConstantOfShape-9
 * (the value attribute's dtype is kept) and Range-11. They have no GPU kernel: infer() returns
 * their outputs as `value` and the plan folds them; gpu() refuses, naming the node. Their inputs
 * (ConstantOfShape's shape, Range's bounds) must be constants.
 */
import { AttributeError, InputError, UnsupportedError, describeNode } from '../core/errors.js';
import { MAX_HOST_VALUE_ELEMENTS, checkValueSize } from '../core/limits.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { allocate, checkDtype, checkInputCount, constantInput, integerVector, noAttributes, requireInput, type KnownValue } from './kit.js';
import type { GpuLowering } from '../gpu/step.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

/** gpu() of ops that only run at plan time: their outputs are known then, so the plan folds them. */
function foldedOnly(op: string): (attrs: unknown, inputs: unknown, outputs: unknown, traits: unknown, node: OpNode) => GpuLowering {
  return (_attrs, _inputs, _outputs, _traits, node) => {
    throw new UnsupportedError(
      `${describeNode(node)}: ${op} has no GPU kernel: it runs at plan time, when its inputs are constants (constant folding), but this node's inputs were not`,
    );
  };
}

interface ShapeAttrs {
  readonly start: number;
  readonly end: number | undefined;
}

function shapeValue(node: OpNode, attrs: ShapeAttrs, inputs: readonly (KnownValue | undefined)[]): Tensor<'int64'> {
  checkInputCount(node, inputs, 1);
  const x = requireInput(node, inputs, 0, 'data');
  const rank = x.shape.length;
  // Shape-15: negative start/end count from the end; both are clamped into [0, rank].
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrs.start);
  const end = clamp(attrs.end ?? rank);
  const dims = x.shape.slice(start, Math.max(start, end));
  return { dtype: 'int64', shape: [dims.length], data: BigInt64Array.from(dims, (d) => BigInt(d)) };
}

const shapeOp: OpDefinition<ShapeAttrs> = {
  type: 'Shape',
  parse(node) {
    checkKnownAttributes(node, ['start', 'end']);
    const end = node.attributes.end === undefined ? undefined : intAttr(node, 'end');
    return { start: intAttr(node, 'start', 0), end };
  },
  infer(attrs, inputs, node) {
    // The shape of every value is known at plan time, so Shape's output always is.
    const value = shapeValue(node, attrs, inputs);
    return { outputs: [{ dtype: 'int64', shape: value.shape, value }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [shapeValue(node, attrs, inputs)];
  },
  gpu: foldedOnly('Shape'),
};

interface ConstantAttrs {
  readonly value: Tensor;
}

const CONSTANT_FORMS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'] as const;

const constant: OpDefinition<ConstantAttrs> = {
  type: 'Constant',
  parse(node) {
    const present = Object.keys(node.attributes);
    for (const name of present) {
      if (name === 'sparse_value' || name === 'value_string' || name === 'value_strings') {
        throw new AttributeError(node, name, node.attributes[name], 'is not supported (segwgpu supports value, value_float(s) and value_int(s))');
      }
    }
    checkKnownAttributes(node, CONSTANT_FORMS);
    if (present.length !== 1) {
      throw new AttributeError(node, present.length ? present.join('/') : 'value', present.length ? present : undefined, 'is wrong: Constant needs exactly one of value, value_float, value_floats, value_int, value_ints');
    }
    const name = present[0] as (typeof CONSTANT_FORMS)[number];
    const raw = node.attributes[name];
    let value: Tensor;
    if (name === 'value') {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new AttributeError(node, name, raw, 'must be a tensor');
      value = raw as Tensor;
    } else if (name === 'value_float' || name === 'value_int') {
      if (typeof raw !== 'number' || (name === 'value_int' && !Number.isInteger(raw))) throw new AttributeError(node, name, raw, `must be ${name === 'value_int' ? 'an integer' : 'a number'}`);
      value = name === 'value_float'
        ? { dtype: 'float32', shape: [], data: Float32Array.of(raw) }
        : { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(raw)) };
    } else {
      const list = name === 'value_floats' ? intsOrFloats(node, name, false) : intsOrFloats(node, name, true);
      value = name === 'value_floats'
        ? { dtype: 'float32', shape: [list.length], data: Float32Array.from(list) }
        : { dtype: 'int64', shape: [list.length], data: BigInt64Array.from(list, (v) => BigInt(v)) };
    }
    return { value };
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 0);
    return { outputs: [{ dtype: attrs.value.dtype, shape: [...attrs.value.shape], value: attrs.value }], resolved: attrs };
  },
  cpu(attrs) {
    return [attrs.value];
  },
  gpu: foldedOnly('Constant'),
};

function intsOrFloats(node: OpNode, name: string, integers: boolean): number[] {
  const v = node.attributes[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && (!integers || Number.isInteger(x)))) {
    throw new AttributeError(node, name, v, `must be a list of ${integers ? 'integers' : 'numbers'}`);
  }
  return v as number[];
}

interface ConstantOfShapeAttrs {
  readonly fill: Tensor;
}

function constantOfShapeValue(node: OpNode, attrs: ConstantOfShapeAttrs, inputs: readonly (KnownValue | undefined)[]): Tensor {
  checkInputCount(node, inputs, 1);
  const shapeIn = requireInput(node, inputs, 0, 'input');
  const shape = integerVector(node, 'input', constantInput(node, 'input', shapeIn));
  if (shapeIn.shape.length !== 1) throw new InputError(node, 'input', `has shape [${shapeIn.shape.join('x')}]; it must be a 1-D shape vector`);
  if (shape.some((d) => d < 0)) throw new InputError(node, 'input', `[${shape.join(', ')}] has a negative dimension`);
  checkValueSize(node, 'output', shape, MAX_HOST_VALUE_ELEMENTS);
  const out = allocate(attrs.fill.dtype, sizeOf(shape));
  (out as { fill(v: number | bigint): unknown }).fill(attrs.fill.data[0]);
  return { dtype: attrs.fill.dtype, shape, data: out } as Tensor;
}

const constantOfShape: OpDefinition<ConstantOfShapeAttrs> = {
  type: 'ConstantOfShape',
  parse(node) {
    checkKnownAttributes(node, ['value']);
    const raw = node.attributes.value;
    let fill: Tensor = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    if (raw !== undefined) {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new AttributeError(node, 'value', raw, 'must be a one-element tensor');
      const t = raw as Tensor;
      if (t.data.length !== 1) throw new AttributeError(node, 'value', `tensor of shape [${t.shape.join('x')}]`, 'must hold exactly one element');
      fill = t;
    }
    return { fill };
  },
  infer(attrs, inputs, node) {
    const value = constantOfShapeValue(node, attrs, inputs);
    return { outputs: [{ dtype: value.dtype, shape: value.shape, value }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    return [constantOfShapeValue(node, attrs, inputs)];
  },
  gpu: foldedOnly('ConstantOfShape'),
};

function rangeValue(node: OpNode, inputs: readonly (KnownValue | undefined)[]): Tensor {
  checkInputCount(node, inputs, 3);
  const names = ['start', 'limit', 'delta'] as const;
  const ts = names.map((name, i) => {
    const v = requireInput(node, inputs, i, name);
    checkDtype(node, name, v);
    if (v.shape.length !== 0 && !(v.shape.length === 1 && v.shape[0] === 1)) throw new InputError(node, name, `has shape [${v.shape.join('x')}]; it must be a scalar`);
    if (v.dtype !== inputs[0]!.dtype) throw new InputError(node, name, `has dtype ${v.dtype}, but start has dtype ${inputs[0]!.dtype}`);
    return constantInput(node, name, v);
  });
  const dtype = ts[0].dtype;
  if (dtype === 'int64') {
    const [start, limit, delta] = ts.map((t) => (t.data as BigInt64Array)[0]);
    if (delta === 0n) throw new InputError(node, 'delta', 'is 0');
    // ceil((limit - start) / delta) with BigInt division, which truncates toward zero.
    const span = limit - start;
    let n = span / delta;
    if (n * delta !== span && (span > 0n) === (delta > 0n)) n += 1n;
    const count = n > 0n ? Number(n) : 0;
    checkValueSize(node, 'output', [count], MAX_HOST_VALUE_ELEMENTS);
    return { dtype, shape: [count], data: BigInt64Array.from({ length: count }, (_, i) => start + BigInt(i) * delta) };
  }
  const [start, limit, delta] = ts.map((t) => Number(t.data[0]));
  if (delta === 0) throw new InputError(node, 'delta', 'is 0');
  // The span is a float32 difference (as in onnxruntime), divided in double precision.
  const span = dtype === 'float32' ? Math.fround(limit - start) : limit - start;
  const count = Math.max(Math.ceil(span / delta), 0);
  checkValueSize(node, 'output', [count], MAX_HOST_VALUE_ELEMENTS);
  if (dtype === 'int32') return { dtype, shape: [count], data: Int32Array.from({ length: count }, (_, i) => start + i * delta) };
  // Range-11's definition accumulates: each element is the previous one plus delta, in float32.
  const data = new Float32Array(count);
  let v = start;
  for (let i = 0; i < count; i++) {
    data[i] = v;
    v = Math.fround(v + delta);
  }
  return { dtype, shape: [count], data };
}

const range: OpDefinition<null> = {
  type: 'Range',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const value = rangeValue(node, inputs);
    return { outputs: [{ dtype: value.dtype, shape: value.shape, value }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    return [rangeValue(node, inputs)];
  },
  gpu: foldedOnly('Range'),
};

export const ops: AnyOpDefinition[] = [
  shapeOp,
  constant,
  constantOfShape,
  range,
];
