/**
 * Fuses a skip connection into the Conv that feeds it: Add(Conv(...), R) -> Conv(..., R), Conv's
 * segwgpu residual input (src/ops/conv.ts), computed as act(conv + bias) + R in the conv's
 * epilogue. MobileNet and ResNet blocks end this way; the Add's own pass (read two tensors, write
 * one) goes away.
 *
 * Fuses only when the Conv's output has the Add as its single reader, R is a runtime float32
 * tensor of exactly the Add's output shape (no broadcasting; constants stay Adds, they would need
 * a broadcasting epilogue), and the Conv has no residual yet. Run after fuseActivation, so a Relu
 * between the Conv and the Add is already inside the Conv. The fused node takes the Add's place
 * in the node order, where R is known to be computed.
 */
import type { ShapeSource } from '../shapes/infer.js';
import type { Graph } from '../ir/graph.js';
import { foldAddsIntoProducers } from './graph-util.js';

export function fuseResidualAdd(graph: Graph, shapes: ShapeSource): Graph {
  return foldAddsIntoProducers(graph, shapes, (conv, residual) =>
    conv.opType === 'Conv' && conv.domain === '' && (conv.inputs[3] ?? '') === ''
      ? { ...conv, inputs: [conv.inputs[0], conv.inputs[1], conv.inputs[2] ?? '', residual] }
      : undefined,
  );
}
