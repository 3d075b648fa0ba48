/**
 * Fuses Add(Mul(A, B), C) into Mul(A, B, C), Mul's segwgpu addend (src/ops/arith.ts): one pass
 * instead of two where a squeeze-and-excitation scale (A times a per-channel B) meets a skip
 * connection, as in MediaPipe's selfie decoder. Fuses only when the product has the Add as its
 * single reader, is float32 of the Add's output shape, and C is a runtime tensor of that shape
 * (constants stay Adds). The fused node takes the Add's place in the node order, where C is
 * computed, and keeps the Mul's name.
 */
import type { ShapeSource } from '../shapes/infer.js';
import type { Graph } from '../ir/graph.js';
import { foldAddsIntoProducers } from './graph-util.js';

export function fuseMulAdd(graph: Graph, shapes: ShapeSource): Graph {
  return foldAddsIntoProducers(graph, shapes, (mul, addend) =>
    mul.opType === 'Mul' && mul.domain === '' && mul.inputs.length === 2 ? { ...mul, inputs: [...mul.inputs, addend] } : undefined,
  );
}
