/**
 * Removes Identity and inference-time Dropout (ONNX Dropout-13 with training_mode absent or
 * false is the identity on its first output): consumers read the node's input directly.
 * A node whose output is a graph output stays, so output names survive.
 */
import type { Graph, GraphNode } from '../ir/graph.js';
import { renameInputs } from './graph-util.js';

function isRemovable(node: GraphNode, graph: Graph): boolean {
  if (node.opType !== 'Identity' && node.opType !== 'Dropout') return false;
  if (graph.outputs.includes(node.outputs[0])) return false;
  // Dropout's mask output must be unused, and training_mode (input 2) absent.
  if (node.opType === 'Dropout' && ((node.outputs[1] ?? '') !== '' || (node.inputs[2] ?? '') !== '')) return false;
  return true;
}

export function removeIdentity(graph: Graph): Graph {
  let nodes = [...graph.nodes];
  for (const node of graph.nodes) {
    if (!isRemovable(node, graph)) continue;
    nodes = renameInputs(nodes.filter((n) => n !== node), node.outputs[0], node.inputs[0]);
  }
  return { ...graph, nodes };
}
