/**
 * The ONNX element type of every value of an IR graph, for export. The IR has three dtypes
 * (float32, int32, int64: src/core/tensor.ts); ONNX types are finer, and where an op's schema
 * needs a narrower one the importer's widening is undone here:
 *
 * - Quantized tensors are int32 in the IR (src/ops/quantization.ts): the ONNX importer widens
 *   UINT8/INT8 tensors and inputs exactly and records each QuantizeLinear / QLinearConv zero
 *   point's element type as `output_dtype`. In ONNX a quantized op's value and its zero point
 *   share one 8-bit type (QuantizeLinear's y and y_zero_point; DequantizeLinear's x and
 *   x_zero_point; ConvInteger's, MatMulInteger's and QLinearConv's operands and theirs), and data
 *   movement (Reshape, Transpose, Slice, Gather, Concat, Pad...) keeps its input's type. So the
 *   int32 values are joined into groups that must share a type, and each group that a quantized op
 *   reads or writes gets one:
 *     - the type its producer fixes: QuantizeLinear / QLinearConv `output_dtype`, UINT8 for
 *       DynamicQuantizeLinear, INT32 for ConvInteger, MatMulInteger, Cast to INT32, integer math;
 *     - else from the constants in it (a zero point, weights): INT8 if any is negative, else UINT8,
 *       as quantizedOutputType tells a zero point's type from its values; with no constants UINT8,
 *       ONNX's default for an absent zero point (so a graph input widened from UINT8 is UINT8 again);
 *     - DequantizeLinear alone also takes INT32 (its x may be an int32 bias), so a group only it
 *       reads whose constants do not fit 8 bits stays INT32.
 *   A group that no quantized op touches keeps the IR's dtype.
 * - Cast to FLOAT16 or DOUBLE keeps float32 values in the IR (src/ops/cast.ts): those values are
 *   FLOAT here (the exporter writes a Cast to FLOAT16 as Cast-to-FLOAT16-then-FLOAT).
 */
import { SegwgpuError, describeNode } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';
import type { GraphNode } from '../ir/graph.js';
import { ElementType, type ElementTypeCode } from './onnx-proto-writer.js';

export const DTYPE_ELEMENT_TYPE: Readonly<Record<DType, ElementTypeCode>> = { float32: ElementType.FLOAT, int32: ElementType.INT32, int64: ElementType.INT64 };

export const ELEMENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  [ElementType.FLOAT]: 'FLOAT', [ElementType.UINT8]: 'UINT8', [ElementType.INT8]: 'INT8', [ElementType.INT32]: 'INT32',
  [ElementType.INT64]: 'INT64', [ElementType.BOOL]: 'BOOL', [ElementType.FLOAT16]: 'FLOAT16', [ElementType.UINT32]: 'UINT32',
};

/** Ops whose output has the type of these inputs (data movement): 'all' for every input. */
export const SAME_TYPE_INPUTS: Readonly<Record<string, readonly number[] | 'all'>> = {
  Identity: [0], Dropout: [0], Reshape: [0], Flatten: [0], Squeeze: [0], Unsqueeze: [0], Transpose: [0],
  Slice: [0], Gather: [0], Expand: [0], Pad: [0, 2], Concat: 'all',
};

type Slot = { readonly input: number } | { readonly output: number };

/** The quantized ops' type groups: each list of slots shares one 8-bit type. */
const QUANTIZED_GROUPS: Readonly<Record<string, readonly (readonly Slot[])[]>> = {
  QuantizeLinear: [[{ output: 0 }, { input: 2 }]],
  DequantizeLinear: [[{ input: 0 }, { input: 2 }]],
  DynamicQuantizeLinear: [[{ output: 0 }, { output: 2 }]],
  ConvInteger: [[{ input: 0 }, { input: 2 }], [{ input: 1 }, { input: 3 }]],
  MatMulInteger: [[{ input: 0 }, { input: 2 }], [{ input: 1 }, { input: 3 }]],
  QLinearConv: [[{ input: 0 }, { input: 2 }], [{ input: 3 }, { input: 5 }], [{ output: 0 }, { input: 7 }]],
};

/** Cast's `to` -> the type of its output here (FLOAT16 and DOUBLE values stay float32: see the file comment). */
export const CAST_OUTPUT_TYPE: Readonly<Record<number, ElementTypeCode>> = { 1: ElementType.FLOAT, 6: ElementType.INT32, 7: ElementType.INT64, 10: ElementType.FLOAT, 11: ElementType.FLOAT };

const EIGHT_BIT = new Set<number>([ElementType.UINT8, ElementType.INT8]);

/** Whether input `index` of a quantized op is in one of its 8-bit groups (so it is read in that group's type). */
export function isQuantizedInput(opType: string, index: number): boolean {
  return (QUANTIZED_GROUPS[opType] ?? []).some((group) => group.some((s) => 'input' in s && s.input === index));
}

/** Union-find over value names. */
class Groups {
  private readonly parent = new Map<string, string>();

  find(v: string): string {
    let root = v;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(v, root);
    return root;
  }

  join(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

interface GroupFacts {
  /** Types that producers of members fix, with who fixed them (for errors). */
  readonly fixed: Map<number, string>;
  /** 'eight': some quantized op other than DequantizeLinear reads or writes it; 'dequantize': only DequantizeLinear does. */
  needs: 'none' | 'dequantize' | 'eight';
  /** A quantized node that uses the group (for errors). */
  user?: GraphNode;
  readonly members: string[];
}

export interface ElementTypeInputs {
  /** Nodes in topological order (Constant nodes included: their outputs are among `constants`). */
  readonly nodes: readonly GraphNode[];
  readonly dtypeOf: (value: string) => DType;
  /** Initializers and Constant node outputs. */
  readonly constants: ReadonlyMap<string, Tensor>;
}

/** The element type of every value the nodes read or write, by the rules of the file comment. */
export function assignElementTypes({ nodes, dtypeOf, constants }: ElementTypeInputs): Map<string, ElementTypeCode> {
  const groups = new Groups();
  const fixed = new Map<string, { type: ElementTypeCode; by: string }>();
  const quantizedUse = new Map<string, { node: GraphNode; dequantizeOnly: boolean }[]>();
  const values = new Set<string>();
  const isInt32 = (v: string) => v !== '' && dtypeOf(v) === 'int32';

  for (const node of nodes) {
    for (const v of [...node.inputs, ...node.outputs]) if (v !== '') values.add(v);
    if (node.opType === 'Constant') continue;
    const same = SAME_TYPE_INPUTS[node.opType];
    const out = node.outputs[0] ?? '';
    if (same && isInt32(out)) {
      const indices = same === 'all' ? node.inputs.map((_, i) => i) : same;
      for (const i of indices) if (isInt32(node.inputs[i] ?? '')) groups.join(out, node.inputs[i]!);
    }
    const quantized = QUANTIZED_GROUPS[node.opType];
    for (const group of quantized ?? []) {
      const names = group.map((s) => ('input' in s ? node.inputs[s.input] : node.outputs[s.output]) ?? '').filter(isInt32);
      for (const n of names.slice(1)) groups.join(names[0]!, n);
      for (const n of names) quantizedUse.set(n, [...(quantizedUse.get(n) ?? []), { node, dequantizeOnly: node.opType === 'DequantizeLinear' }]);
    }
    node.outputs.forEach((o, i) => {
      if (o === '') return;
      if (same && i === 0) return; // free: its type is its input's
      const by = describeNode(node);
      if (node.opType === 'QuantizeLinear' || node.opType === 'QLinearConv') {
        const code = Number(node.attributes.output_dtype ?? 0);
        if (code !== 0) fixed.set(o, { type: code as ElementTypeCode, by: `${by} (output_dtype ${ELEMENT_TYPE_NAMES[code] ?? code})` });
        return;
      }
      if (node.opType === 'DynamicQuantizeLinear' && i !== 1) {
        fixed.set(o, { type: ElementType.UINT8, by });
        return;
      }
      if (node.opType === 'Cast') {
        fixed.set(o, { type: CAST_OUTPUT_TYPE[Number(node.attributes.to)] ?? DTYPE_ELEMENT_TYPE[dtypeOf(o)], by });
        return;
      }
      fixed.set(o, { type: DTYPE_ELEMENT_TYPE[dtypeOf(o)], by });
    });
  }

  // The facts of each group of int32 values.
  const facts = new Map<string, GroupFacts>();
  for (const v of values) {
    if (!isInt32(v)) continue;
    const root = groups.find(v);
    let f = facts.get(root);
    if (!f) facts.set(root, (f = { fixed: new Map(), needs: 'none', members: [] }));
    f.members.push(v);
    const fix = fixed.get(v);
    if (fix && !f.fixed.has(fix.type)) f.fixed.set(fix.type, fix.by);
    for (const use of quantizedUse.get(v) ?? []) {
      f.user ??= use.node;
      if (!use.dequantizeOnly) {
        f.needs = 'eight';
        f.user = use.node;
      } else if (f.needs === 'none') f.needs = 'dequantize';
    }
  }

  const types = new Map<string, ElementTypeCode>();
  for (const v of values) {
    if (!isInt32(v)) types.set(v, fixed.get(v)?.type ?? DTYPE_ELEMENT_TYPE[dtypeOf(v)]);
  }
  for (const f of facts.values()) {
    const type = groupType(f, constants);
    for (const m of f.members) types.set(m, type);
  }
  return types;
}

function groupType(f: GroupFacts, constants: ReadonlyMap<string, Tensor>): ElementTypeCode {
  const where = () => `values ${f.members.slice(0, 6).map((m) => `'${m}'`).join(', ')}${f.members.length > 6 ? ' ...' : ''}`;
  if (f.fixed.size > 1) {
    const list = [...f.fixed].map(([type, by]) => `${ELEMENT_TYPE_NAMES[type] ?? type} from ${by}`).join(', ');
    throw new SegwgpuError(`export: ${where()} must share one ONNX element type (data movement and quantized ops keep their input's), but their producers give ${list}`);
  }
  const [only] = f.fixed.keys();
  if (only !== undefined) {
    const type = only as ElementTypeCode;
    if (f.needs === 'eight' && !EIGHT_BIT.has(type)) {
      throw new SegwgpuError(
        `export: ${describeNode(f.user!)} reads ${where()} as a quantized (8-bit) tensor, but ${f.fixed.get(type)} makes it ${ELEMENT_TYPE_NAMES[type] ?? type}; ONNX's ${f.user!.opType} takes UINT8 or INT8 there, and the int32 values cannot be narrowed exactly`,
      );
    }
    return type;
  }
  if (f.needs === 'none') return ElementType.INT32;
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of f.members) {
    const t = constants.get(m);
    if (!t) continue;
    for (const v of t.data as Iterable<number | bigint>) {
      const n = Number(v);
      if (n < lo) lo = n;
      if (n > hi) hi = n;
    }
  }
  if (lo === Infinity || (lo >= 0 && hi <= 255)) return ElementType.UINT8;
  if (lo >= -128 && hi <= 127) return ElementType.INT8;
  if (f.needs === 'dequantize') return ElementType.INT32;
  throw new SegwgpuError(`export: ${describeNode(f.user!)} reads ${where()} as a quantized (8-bit) tensor, but its constants hold values in [${lo}, ${hi}], which neither UINT8 nor INT8 holds`);
}
