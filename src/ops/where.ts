/**
 * Where-16: elementwise `condition ? X : Y` with multidirectional broadcasting of all three
 * inputs. condition is BOOL, held as int32 0/1 (src/import/onnx-tensor.ts; any non-zero value is
 * true); X and Y share one dtype (float32, int32 or int64), which the output takes.
 *
 * GPU: shaders/where.wgsl, one invocation per output element, raw 32-bit words (int64 travels as
 * i32, see tensor.ts).
 */
import { InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { MAX_ARITH_RANK } from './arith.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { BOOL_DTYPE } from './compare.js';
import { allocate, checkDtype, checkInputCount, gatherOffset, noAttributes, requireInput, type Elements, type KnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';
import whereWgsl from '../../shaders/where.wgsl?raw';

function whereInputs(node: OpNode, inputs: readonly (KnownValue | undefined)[]): { cond: KnownValue; x: KnownValue; y: KnownValue; shape: number[] } {
  checkInputCount(node, inputs, 3);
  const cond = requireInput(node, inputs, 0, 'condition');
  const x = requireInput(node, inputs, 1, 'X');
  const y = requireInput(node, inputs, 2, 'Y');
  if (cond.dtype !== BOOL_DTYPE) throw new InputError(node, 'condition', `has dtype ${cond.dtype}; it must be BOOL (held as int32 0/1)`);
  checkDtype(node, 'X', x);
  if (y.dtype !== x.dtype) throw new InputError(node, 'Y', `has dtype ${y.dtype}, but X has dtype ${x.dtype}`);
  const shape = broadcastShapes(node, broadcastShapes(node, cond.shape, x.shape), y.shape);
  if (shape.length > MAX_ARITH_RANK) throw new InputError(node, 'X', `broadcasts to rank ${shape.length}; at most ${MAX_ARITH_RANK} is supported`);
  return { cond, x, y, shape };
}

export const where: OpDefinition<null> = {
  type: 'Where',
  parse: noAttributes,
  infer(attrs, inputs, node) {
    const { x, shape } = whereInputs(node, inputs);
    return { outputs: [{ dtype: x.dtype, shape }], resolved: attrs };
  },
  cpu(_, inputs, node) {
    const { cond, x, y, shape } = whereInputs(node, inputs) as { cond: Tensor; x: Tensor; y: Tensor; shape: number[] };
    const [sc, sx, sy] = [cond, x, y].map((t) => broadcastStrides(t.shape, shape));
    const so = stridesOf(shape);
    const n = sizeOf(shape);
    const out = allocate(x.dtype, n) as Elements;
    const [dc, dx, dy] = [cond.data, x.data, y.data] as Elements[];
    for (let i = 0; i < n; i++) {
      out[i] = dc![gatherOffset(i, shape, so, sc!)] != 0 ? dx![gatherOffset(i, shape, so, sx!)]! : dy![gatherOffset(i, shape, so, sy!)]!;
    }
    return [{ dtype: x.dtype, shape, data: out } as unknown as Tensor];
  },
  gpu(_, inputs, outputs) {
    const shape = outputs[0].shape;
    const total = sizeOf(shape);
    if (total === 0) return { steps: [] };
    const [cond, x, y] = inputs.map((v) => broadcastStrides(v!.shape, shape));
    return {
      steps: [
        {
          kernel: wgslKernel('where', whereWgsl),
          params: { total, rank: shape.length, outShape: [...shape], condStrides: cond!, xStrides: x!, yStrides: y! },
          bindings: { cond: { input: 0 }, x: { input: 1 }, y: { input: 2 }, out: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [where];
