/**
 * What `segwgpu info` prints: per node its output shape, parameters, multiply-accumulates, and the
 * receptive field and output stride of its output, by the compound-kernel rule: a layer with
 * kernel k (dilated extent), stride s applied to a map whose pixels are `jump` input pixels apart
 * grows the receptive field by (k - 1) * jump and multiplies the jump by s. Upsampling layers
 * divide the jump by their factor. MACs and the spatial mapping come from each op's optional
 * hooks (src/ops/types.ts), so nothing here knows an op by name (the integer GEMMs are listed in
 * src/ops/integer-dot.ts).
 */
import { sizeOf } from '../core/tensor.js';
import { INTEGER_GEMM_OPS, isPackedDotKernel } from '../ops/integer-dot.js';
import { getOp } from '../ops/registry.js';
import type { SpatialMapping } from '../ops/types.js';
import type { GraphLayout } from '../plan/plan.js';

export interface NodeInfo {
  readonly name: string;
  readonly opType: string;
  readonly outputShape: readonly number[];
  readonly parameters: number;
  readonly macs: number;
  /** Receptive field (input pixels, per spatial axis) of one output pixel; undefined off the image path. */
  readonly receptiveField?: readonly [number, number];
  /** Input pixels between neighbouring output pixels. */
  readonly outputStride?: readonly [number, number];
}

interface Field {
  rf: [number, number];
  jump: [number, number];
}

/** The field of an op's output from its image input's, by the op's spatial hook (ops/types.ts SpatialMapping). */
function fieldThrough(mapping: SpatialMapping, src: Field): Field {
  if (mapping.kind === 'scale') return { rf: src.rf, jump: [src.jump[0] * mapping.factors[0]!, src.jump[1] * mapping.factors[1]!] };
  const { kernel, strides, dilations } = mapping;
  const jump = mapping.kind === 'window' ? src.jump : ([0, 1].map((a) => src.jump[a]! / strides[a]!) as [number, number]);
  return {
    rf: [0, 1].map((a) => src.rf[a]! + (kernel[a]! - 1) * dilations[a]! * jump[a]!) as [number, number],
    jump: mapping.kind === 'window' ? ([0, 1].map((a) => src.jump[a]! * strides[a]!) as [number, number]) : jump,
  };
}

export function describeModel(layout: GraphLayout): { nodes: NodeInfo[]; parameters: number; macs: number } {
  const { graph, order, values, inferred } = layout;
  const fields = new Map<string, Field>();
  for (const input of graph.inputs) {
    const shape = values.get(input.name)?.shape;
    if (shape && shape.length === 4) fields.set(input.name, { rf: [1, 1], jump: [1, 1] });
  }
  const counted = new Set<string>();
  let totalParams = 0;
  let totalMacs = 0;
  const nodes: NodeInfo[] = order.map((node) => {
    const out = values.get(node.outputs[0]!)?.shape ?? [];
    let parameters = 0;
    for (const i of node.inputs) {
      const t = graph.initializers.get(i);
      if (t && t.dtype === 'float32' && !counted.has(i)) {
        parameters += sizeOf(t.shape);
        counted.add(i);
      }
    }
    const def = getOp(node);
    const { resolved, inputs, outputs } = inferred.nodes.get(node)!;
    const macs = def.macs?.(resolved, inputs, outputs) ?? 0;

    // Receptive field: follow the image path (the first input that has a field).
    const src = node.inputs.map((i) => fields.get(i)).find((f) => f !== undefined);
    let field: Field | undefined;
    if (src && out.length === 4) {
      const mapping = def.spatial?.(resolved, inputs, outputs);
      if (mapping) {
        field = fieldThrough(mapping, src);
      } else {
        // Pointwise and joining ops: the widest field among their image inputs.
        const all = node.inputs.map((i) => fields.get(i)).filter((f): f is Field => f !== undefined);
        field = { rf: [Math.max(...all.map((f) => f.rf[0])), Math.max(...all.map((f) => f.rf[1]))], jump: src.jump };
      }
      fields.set(node.outputs[0]!, field);
    }
    totalParams += parameters;
    totalMacs += macs;
    return { name: node.name, opType: node.opType, outputShape: out, parameters, macs, receptiveField: field?.rf, outputStride: field?.jump };
  });
  return { nodes, parameters: totalParams, macs: totalMacs };
}

/** How a layout's integer GEMMs (ConvInteger, QLinearConv, MatMulInteger) compute: nodes by kernel kind. */
export interface IntegerDotUse {
  /** Nodes lowered to packed-dot kernels (dot4U8Packed), and how many of those are convs. */
  readonly packed: number;
  readonly packedConvs: number;
  /** Nodes lowered to the scalar kernels. */
  readonly scalar: number;
}

export function integerDotUse(layout: GraphLayout): IntegerDotUse {
  let packed = 0;
  let packedConvs = 0;
  let scalar = 0;
  for (const { node, lowering } of layout.lowerings) {
    const gemm = INTEGER_GEMM_OPS.get(node.opType);
    if (!gemm) continue;
    if (lowering.steps.some((st) => isPackedDotKernel(st.kernel))) {
      packed++;
      if (gemm === 'conv') packedConvs++;
    } else {
      scalar++;
    }
  }
  return { packed, packedConvs, scalar };
}
