/**
 * Cast-13 between float32, int32 and int64 (Cast-19's `saturate` is accepted: it only concerns
 * float8); shaders/cast.wgsl. Cast to FLOAT16 (an fp16 model's casts) keeps float32 storage with
 * the value rounded to the nearest half (ties to even, overflow to infinity), as onnxruntime's CPU
 * EP computes an fp16 graph on hardware without half arithmetic; its float inputs are float32 here
 * already (importers widen FLOAT16 tensors and inputs exactly), so Cast from FLOAT16 is a copy.
 * DOUBLE targets float32 likewise. Cast to BOOL gives int32 0/1 (segwgpu's BOOL): 1 where x != 0,
 * NaN included, as numpy's astype(bool) and torch's .bool() do; -0 gives 0.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { roundToFloat16 } from '../core/float16.js';
import { sizeOf, type DType, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr } from './attributes.js';
import { allocate, checkDtype, checkInputCount, requireInput, type Elements } from './kit.js';
import { wgslKernel } from '../gpu/kernel.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import castWgsl from '../../shaders/cast.wgsl?raw';

/** ONNX TensorProto.DataType codes that Cast can target here, and the dtype each gives. */
export const CAST_TARGETS: Readonly<Record<number, DType>> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'int32', 10: 'float32', 11: 'float32' };

/** TensorProto.DataType BOOL. */
const BOOL = 9;

/** TensorProto.DataType FLOAT16. */
const FLOAT16 = 10;

interface CastAttrs {
  readonly to: DType;
  /** Cast to FLOAT16: float32 values rounded to the nearest half. */
  readonly toHalf: boolean;
  /** Cast to BOOL: 0/1 (int32) from x != 0. */
  readonly toBool: boolean;
}

const INT32_RANGE = [-(2 ** 31), 2 ** 31 - 1] as const;

function castValue(node: OpNode, v: number | bigint, from: DType, to: DType, toHalf: boolean, toBool: boolean): number | bigint {
  // NaN !== 0 too: NaN casts to true.
  if (toBool) return v !== 0 && v !== 0n ? 1 : 0;
  if (toHalf) return roundToFloat16(Math.fround(Number(v)));
  if (to === 'float32') return Number(v);
  if (from === 'float32') {
    const n = v as number;
    const t = Math.trunc(n);
    const limit = to === 'int32' ? 2 ** 31 : 2 ** 63;
    if (!Number.isFinite(n) || t < -limit || t >= limit) throw new InputError(node, 'input', `holds ${n}, which has no ${to} value`);
    return to === 'int64' ? BigInt(t) : t;
  }
  if (to === 'int64') return BigInt(v);
  const n = Number(v);
  if (n < INT32_RANGE[0] || n > INT32_RANGE[1]) throw new InputError(node, 'input', `holds ${v}, out of int32 range`);
  return n;
}

const cast: OpDefinition<CastAttrs> = {
  type: 'Cast',
  parse(node) {
    checkKnownAttributes(node, ['to', 'saturate']);
    const code = intAttr(node, 'to');
    const to = CAST_TARGETS[code];
    if (!to) throw new AttributeError(node, 'to', code, 'is not a supported target type (supported: 1 FLOAT, 6 INT32, 7 INT64, 9 BOOL, 10 FLOAT16, 11 DOUBLE)');
    intAttr(node, 'saturate', 1);
    return { to, toHalf: code === FLOAT16, toBool: code === BOOL };
  },
  infer(attrs, inputs, node) {
    checkInputCount(node, inputs, 1);
    const x = requireInput(node, inputs, 0, 'input');
    checkDtype(node, 'input', x);
    return { outputs: [{ dtype: attrs.to, shape: [...x.shape] }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const x = requireInput(node, inputs, 0, 'input') as Tensor;
    const out = allocate(attrs.to, x.data.length) as Elements;
    const src = x.data as Elements;
    for (let i = 0; i < out.length; i++) out[i] = castValue(node, src[i]!, x.dtype, attrs.to, attrs.toHalf, attrs.toBool);
    return [{ dtype: attrs.to, shape: [...x.shape], data: out } as unknown as Tensor];
  },
  gpu(attrs, inputs) {
    const x = inputs[0] as ValueInfo;
    const total = sizeOf(x.shape);
    if (total === 0) return { steps: [] };
    const fromFloat = x.dtype === 'float32';
    const toFloat = attrs.to === 'float32';
    const mode = attrs.toBool ? (fromFloat ? 5 : 6) : attrs.toHalf ? (fromFloat ? 3 : 4) : fromFloat === toFloat ? 0 : fromFloat ? 1 : 2;
    return {
      steps: [{ kernel: wgslKernel('cast', castWgsl), params: { total, mode }, bindings: { x: { input: 0 }, y: { output: 0 } }, invocations: total }],
    };
  },
};

export const ops: AnyOpDefinition[] = [
  cast,
];
