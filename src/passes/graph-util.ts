/** Small queries the passes share, and the Add folding two fusion passes are made of. */
import type { Graph, GraphNode } from '../ir/graph.js';
import { ShapeInference, type ShapeSource } from '../shapes/infer.js';

/** value name -> nodes reading it. */
export function consumersOf(graph: Graph): Map<string, GraphNode[]> {
  const map = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = map.get(input) ?? [];
      list.push(node);
      map.set(input, list);
    }
  }
  return map;
}

/** value name -> the node writing it. */
export function producersOf(graph: Graph): Map<string, GraphNode> {
  const map = new Map<string, GraphNode>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o !== '') map.set(o, node);
  return map;
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** True when `value` feeds exactly one node and is not a graph output: safe to fuse away. */
export function hasSingleInternalUse(graph: Graph, consumers: Map<string, GraphNode[]>, value: string): boolean {
  return (consumers.get(value)?.length ?? 0) === 1 && !graph.outputs.includes(value);
}

/** Replaces every read of `from` with `to`. */
export function renameInputs(nodes: readonly GraphNode[], from: string, to: string): GraphNode[] {
  return nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n));
}

/** Drops initializers no node reads and no output names. */
export function pruneInitializers(graph: Graph): Graph {
  const used = new Set<string>(graph.outputs);
  for (const n of graph.nodes) for (const i of n.inputs) used.add(i);
  const initializers = new Map([...graph.initializers].filter(([name]) => used.has(name)));
  return { ...graph, initializers };
}

/**
 * Folds Add(P, Y) (either order) into the node producing P, where `fold` accepts that producer:
 * `fold(producer, y)` returns the producer rewritten to also add Y (it then writes the Add's
 * output and takes the Add's place in the node order, where Y is computed), or undefined. Only
 * when P has the Add as its single reader, and P and Y are float32 of the Add's output shape with
 * Y a runtime tensor (a constant addend would need a broadcasting epilogue; it stays an Add).
 */
export function foldAddsIntoProducers(
  graph: Graph,
  shapes: ShapeSource,
  fold: (producer: GraphNode, addend: string) => GraphNode | undefined,
): Graph {
  const { values } = ShapeInference.of(shapes).infer(graph);
  const consumers = consumersOf(graph);
  const producers = producersOf(graph);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const add of graph.nodes) {
    if (add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) continue;
    const out = values.get(add.outputs[0]);
    if (!out || out.dtype !== 'float32') continue;
    for (const side of [0, 1]) {
      const [folded, addend] = [add.inputs[side], add.inputs[1 - side]];
      const producer = producers.get(folded);
      if (!producer || removed.has(producer) || !hasSingleInternalUse(graph, consumers, folded)) continue;
      const [p, y] = [values.get(folded), values.get(addend)];
      if (!p || !y || y.value !== undefined || graph.initializers.has(addend)) continue;
      if (y.dtype !== 'float32' || !sameShape(y.shape, out.shape) || !sameShape(p.shape, out.shape)) continue;
      const node = fold(producer, addend);
      if (!node) continue;
      replaced.set(add, { ...node, outputs: [add.outputs[0]] });
      removed.add(producer);
      break;
    }
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
