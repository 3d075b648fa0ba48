/**
 * Calling one op by itself, outside a graph: what the kernel tests, the microbenchmark and the
 * op-by-op validator use. All validation (attributes, shapes, sizes) happens here, before any
 * GPU work.
 */
import type { Tensor } from '../core/tensor.js';
import { checkValueSize } from '../core/limits.js';
import { getOp } from './registry.js';
import type { AnyOpDefinition, OpNode, ValueInfo } from './types.js';
import type { Attributes } from '../ir/attributes.js';

export interface OpCall {
  readonly opType: string;
  /** Names the op in error messages; defaults to the op type. */
  readonly name?: string;
  readonly attributes?: Attributes;
  /** ONNX input order; undefined for an omitted optional input. */
  readonly inputs: readonly (Tensor | undefined)[];
}

export interface CheckedOpCall {
  readonly node: OpNode;
  readonly def: AnyOpDefinition;
  /** What infer resolved: the op's cpu and gpu take it. */
  readonly resolved: unknown;
  readonly inputInfos: readonly (ValueInfo | undefined)[];
  readonly outputInfos: readonly ValueInfo[];
}

export function checkOpCall(call: OpCall): CheckedOpCall {
  const node: OpNode = { name: call.name ?? call.opType, opType: call.opType, attributes: call.attributes ?? {} };
  const def = getOp(node);
  const attrs = def.parse(node);
  // On its own, every input is known, so ops that need constant inputs (Resize sizes) have them.
  const inputInfos = call.inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape, value: t } : undefined));
  const { outputs: outputInfos, resolved } = def.infer(attrs, inputInfos, node);
  outputInfos.forEach((o, i) => checkValueSize(node, `output ${i}`, o.shape));
  return { node, def, resolved, inputInfos, outputInfos };
}

export function runOpCpu(call: OpCall): Tensor[] {
  const { node, def, resolved } = checkOpCall(call);
  return def.cpu(resolved, call.inputs, node);
}
