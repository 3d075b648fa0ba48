/**
 * Loop (ONNX Loop-11/13/16 for tensors): inputs M (trip count, optional), cond (optional) and N
 * loop-carried initial values, then the body's captures (src/ir/graph.ts, Graph.captures). The
 * body maps (iteration_num, cond, carried...) to (cond, carried..., scan outputs...): it runs
 * while i < M (M given) and cond (cond given, then the body's); the node's outputs are the final
 * carried values and each scan output's per-iteration values stacked along a new axis 0 (with
 * zero iterations, [0, ...the shape the body would give]). Neither M nor cond given loops
 * forever: refused when run.
 *
 * Shapes: every input known when planning runs the loop then (its outputs are constants).
 * Otherwise the body is inferred once: carried values must keep their dtype and shape, and scan
 * outputs need the trip count (M known, cond absent or known true, and the body's cond output
 * always true, as torch emits for `for` loops); else the values are needed (ValueNeededError).
 * Runs on the host (see if.ts).
 */
import { AttributeError, InputError, ValueNeededError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import { checkKnownAttributes } from './attributes.js';
import { captureIndices, graphAttr, hostOnly, onnxInputCount, requireRunner, sameValueInfo, truthOf } from './if.js';
import { allocate, knownValue, type Elements } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, SubgraphRunner, ValueInfo } from './types.js';

export interface LoopAttrs {
  readonly body: Graph;
}

interface LoopShape {
  /** Loop-carried values. */
  readonly carried: number;
  /** Scan outputs. */
  readonly scans: number;
  /** Where the body's captures sit among the node's inputs. */
  readonly captures: readonly number[];
}

export function loopShape(node: OpNode, body: Graph, given: number): LoopShape {
  const onnxInputs = onnxInputCount(node, given);
  if (onnxInputs < 2) throw new InputError(node, 'M, cond', `are missing: Loop takes M and cond (either may be '') before its loop-carried values`);
  const carried = onnxInputs - 2;
  if (body.inputs.length !== 2 + carried) {
    throw new AttributeError(node, 'body', `<graph '${body.name}'>`, `has ${body.inputs.length} inputs; it must take iteration_num, cond and the node's ${carried} loop-carried value(s)`);
  }
  const scans = body.outputs.length - 1 - carried;
  if (scans < 0) {
    throw new AttributeError(node, 'body', `<graph '${body.name}'>`, `has ${body.outputs.length} outputs; it must give cond, the ${carried} loop-carried value(s), then any scan outputs`);
  }
  return { carried, scans, captures: captureIndices(node, body, onnxInputs) };
}

export const scalar = (dtype: 'int64' | 'int32', v: number): Tensor =>
  dtype === 'int64' ? { dtype, shape: [], data: BigInt64Array.of(BigInt(v)) } : { dtype, shape: [], data: Int32Array.of(v) };

/** Each scan output's per-iteration values stacked along a new axis 0. */
export function stack(node: OpNode, k: number, parts: readonly Tensor[], empty: ValueInfo): Tensor {
  const first = parts[0] ?? { dtype: empty.dtype, shape: empty.shape };
  const size = sizeOf(first.shape);
  const out = allocate(first.dtype, size * parts.length) as unknown as Elements & { set(a: ArrayLike<number | bigint>, at: number): void };
  parts.forEach((p, i) => {
    if (p.dtype !== first.dtype || !sameValueInfo(p, first as ValueInfo)) {
      throw new InputError(node, `body scan output ${k}`, `is ${p.dtype} [${p.shape.join('x')}] at iteration ${i}, ${first.dtype} [${first.shape.join('x')}] at iteration 0; scan outputs must keep their dtype and shape`);
    }
    out.set(p.data as ArrayLike<number | bigint>, i * size);
  });
  return { dtype: first.dtype, shape: [parts.length, ...first.shape], data: out } as unknown as Tensor;
}

function runLoop(node: OpNode, attrs: LoopAttrs, inputs: readonly (Tensor | undefined)[], subgraphs: SubgraphRunner): Tensor[] {
  const { carried: n, scans, captures } = loopShape(node, attrs.body, inputs.length);
  const [m, condIn] = inputs;
  if (!m && !condIn) throw new InputError(node, 'M, cond', 'are both omitted: the loop would never end');
  const tripCount = m ? Number(m.data[0]) : Infinity;
  if (m && sizeOf(m.shape) !== 1) throw new InputError(node, 'M', `has shape [${m.shape.join('x')}]; it must hold exactly one element`);
  let cond = condIn ? truthOf(node, 'cond', condIn) : true;
  const condTensor = (v: boolean): Tensor => (condIn?.dtype === 'int64' ? scalar('int64', v ? 1 : 0) : scalar('int32', v ? 1 : 0));
  let carried = inputs.slice(2, 2 + n).map((t, k) => {
    if (!t) throw new InputError(node, `${2 + k}`, 'is missing (loop-carried values cannot be omitted)');
    return t;
  });
  const captured = captures.map((i) => inputs[i]!);
  const parts: Tensor[][] = Array.from({ length: scans }, () => []);
  let i = 0;
  for (; i < tripCount && cond; i++) {
    const outs = subgraphs.run(attrs.body, [scalar('int64', i), condTensor(cond), ...carried, ...captured], node);
    cond = truthOf(node, 'body output 0 (cond)', outs[0]!);
    carried = outs.slice(1, 1 + n);
    for (let k = 0; k < scans; k++) parts[k]!.push(outs[1 + n + k]!);
  }
  let empty: ValueInfo[] = [];
  if (i === 0 && scans > 0) {
    // No iteration ran: the scan outputs' element shapes are what the body would give.
    empty = subgraphs.infer(attrs.body, [scalar('int64', 0), condTensor(cond), ...carried, ...captured].map((t) => ({ dtype: t.dtype, shape: t.shape, value: t })), node).slice(1 + n);
  }
  return [...carried, ...parts.map((p, k) => stack(node, k, p, empty[k]!))];
}

const loop: OpDefinition<LoopAttrs> = {
  type: 'Loop',
  parse(node) {
    checkKnownAttributes(node, ['body']);
    return { body: graphAttr(node, 'body') };
  },
  infer(attrs, inputs, node, runner) {
    const subgraphs = requireRunner(node, runner);
    const { carried: n, scans, captures } = loopShape(node, attrs.body, inputs.length);
    const values = inputs.map((v) => v && knownValue(v));
    if (inputs.every((v, i) => v === undefined || values[i] !== undefined)) {
      // Known when planning: the loop runs now and its outputs are constants.
      const outs = runLoop(node, attrs, values, subgraphs);
      return { outputs: outs.map((t) => ({ dtype: t.dtype, shape: t.shape, value: t })), resolved: attrs };
    }
    const [m, condIn] = inputs;
    const carriedIn = inputs.slice(2, 2 + n).map((v, k) => {
      if (!v) throw new InputError(node, `${2 + k}`, 'is missing (loop-carried values cannot be omitted)');
      return { dtype: v.dtype, shape: v.shape };
    });
    const condInfo: ValueInfo = { dtype: condIn?.dtype ?? 'int32', shape: condIn?.shape ?? [] };
    const bodyOut = subgraphs.infer(attrs.body, [{ dtype: 'int64', shape: [] }, condInfo, ...carriedIn, ...captures.map((i) => inputs[i]!)], node);
    const changed = carriedIn.findIndex((c, k) => !sameValueInfo(c, bodyOut[1 + k]!));
    const needed = m ?? condIn!;
    if (changed >= 0) {
      const [a, b] = [carriedIn[changed]!, bodyOut[1 + changed]!];
      throw new ValueNeededError(node, m ? 'M' : 'cond', `decides the output shapes (loop-carried value ${changed} goes from ${a.dtype} [${a.shape.join('x')}] to ${b.dtype} [${b.shape.join('x')}] in one iteration), but it is computed at run time`, needed);
    }
    let tripCount = 0;
    const startsFalse = condIn !== undefined && knownValue(condIn) !== undefined && !truthOf(node, 'cond', knownValue(condIn)!);
    if (scans > 0 && !startsFalse) {
      const mValue = m && knownValue(m);
      const condValue = condIn && knownValue(condIn);
      const bodyCond = bodyOut[0]!.value;
      const alwaysTrue = (bodyCond !== undefined && truthOf(node, 'body output 0 (cond)', bodyCond)) || attrs.body.outputs[0] === attrs.body.inputs[1]!.name;
      const condTrue = !condIn || (condValue !== undefined && truthOf(node, 'cond', condValue));
      if (!m && condTrue && alwaysTrue) throw new InputError(node, 'M', "is omitted and cond stays true: the loop would never end");
      if (!mValue || !condTrue || !alwaysTrue) {
        const which = m && !mValue ? 'M' : 'cond';
        throw new ValueNeededError(node, which, 'decides the length of the scan outputs (the trip count), but it is computed at run time', which === 'M' ? m : condIn ?? needed);
      }
      tripCount = Number(mValue.data[0]);
    }
    const outputs: ValueInfo[] = [
      ...carriedIn,
      ...bodyOut.slice(1 + n).map((s) => ({ dtype: s.dtype, shape: [tripCount, ...s.shape] })),
    ];
    return { outputs, resolved: attrs };
  },
  cpu(attrs, inputs, node, runner) {
    return runLoop(node, attrs, inputs, requireRunner(node, runner));
  },
  gpu: hostOnly,
};

export const ops: AnyOpDefinition[] = [loop];
