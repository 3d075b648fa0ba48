/**
 * What `segwgpu info` prints: per node its output shape, parameters, multiply-accumulates, and the
 * receptive field and output stride of its output, by the compound-kernel rule: a layer with
 * kernel k (dilated extent), stride s applied to a map whose pixels are `jump` input pixels apart
 * grows the receptive field by (k - 1) * jump and multiplies the jump by s. Upsampling layers
 * divide the jump by their factor.
 */
import { sizeOf } from '../core/tensor.js';
import type { GraphNode } from '../ir/graph.js';
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

function ints(node: GraphNode, name: string): number[] | undefined {
  const v = node.attributes[name];
  return Array.isArray(v) ? (v as number[]) : undefined;
}

export function describeModel(layout: GraphLayout): { nodes: NodeInfo[]; parameters: number; macs: number } {
  const { graph, order, values } = layout;
  const fields = new Map<string, Field>();
  for (const input of graph.inputs) {
    const shape = values.get(input.name)?.shape;
    if (shape && shape.length === 4) fields.set(input.name, { rf: [1, 1], jump: [1, 1] });
  }
  const counted = new Set<string>();
  let totalParams = 0;
  let totalMacs = 0;
  const nodes: NodeInfo[] = order.map((node) => {
    const out = values.get(node.outputs[0])?.shape ?? [];
    let parameters = 0;
    for (const i of node.inputs) {
      const t = graph.initializers.get(i);
      if (t && t.dtype === 'float32' && !counted.has(i)) {
        parameters += sizeOf(t.shape);
        counted.add(i);
      }
    }
    const inShape = values.get(node.inputs[0])?.shape ?? [];
    const w = values.get(node.inputs[1] ?? '')?.shape ?? [];
    let macs = 0;
    if (node.opType === 'Conv' && w.length === 4) macs = sizeOf(out) * w[1] * w[2] * w[3];
    else if (node.opType === 'ConvTranspose' && w.length === 4) macs = sizeOf(inShape) * w[1] * w[2] * w[3];
    else if ((node.opType === 'Gemm' || node.opType === 'MatMul') && inShape.length > 0) macs = sizeOf(out) * inShape[inShape.length - 1];

    // Receptive field: follow the image path (the first input that has a field).
    const src = node.inputs.map((i) => fields.get(i)).find((f) => f !== undefined);
    let field: Field | undefined;
    if (src && out.length === 4) {
      const kernel = ints(node, 'kernel_shape') ?? (w.length === 4 && (node.opType === 'Conv' || node.opType === 'ConvTranspose') ? [w[2], w[3]] : undefined);
      const strides = ints(node, 'strides') ?? [1, 1];
      const dil = ints(node, 'dilations') ?? [1, 1];
      if (node.opType === 'Conv' || node.opType === 'MaxPool' || node.opType === 'AveragePool') {
        const k = kernel ?? [1, 1];
        field = {
          rf: [0, 1].map((a) => src.rf[a] + ((k[a] - 1) * dil[a]) * src.jump[a]) as [number, number],
          jump: [0, 1].map((a) => src.jump[a] * strides[a]) as [number, number],
        };
      } else if (node.opType === 'ConvTranspose' || node.opType === 'MaxUnpool') {
        const k = kernel ?? [1, 1];
        const jump = [0, 1].map((a) => src.jump[a] / strides[a]) as [number, number];
        field = { rf: [0, 1].map((a) => src.rf[a] + ((k[a] - 1) * dil[a]) * jump[a]) as [number, number], jump };
      } else if (node.opType === 'GlobalAveragePool') {
        field = { rf: [src.rf[0] + (inShape[2] - 1) * src.jump[0], src.rf[1] + (inShape[3] - 1) * src.jump[1]], jump: [src.jump[0] * inShape[2], src.jump[1] * inShape[3]] };
      } else if (node.opType === 'Resize' && inShape.length === 4) {
        field = { rf: src.rf, jump: [src.jump[0] * (inShape[2] / out[2]), src.jump[1] * (inShape[3] / out[3])] };
      } else {
        // Pointwise and joining ops: the widest field among their image inputs.
        const all = node.inputs.map((i) => fields.get(i)).filter((f): f is Field => f !== undefined);
        field = { rf: [Math.max(...all.map((f) => f.rf[0])), Math.max(...all.map((f) => f.rf[1]))], jump: src.jump };
      }
      fields.set(node.outputs[0], field);
    }
    totalParams += parameters;
    totalMacs += macs;
    return { name: node.name, opType: node.opType, outputShape: out, parameters, macs, receptiveField: field?.rf, outputStride: field?.jump };
  });
  return { nodes, parameters: totalParams, macs: totalMacs };
}
