/** Small queries the passes share. */
import type { Graph, GraphNode } from '../ir/graph.js';

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
