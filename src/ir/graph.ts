/**
 * segwgpu's graph IR: what every importer (ONNX, TFLite, the TS builders) produces and every later
 * step (passes, shape inference, plan, execute) consumes. Node semantics are ONNX opset 17 ops as
 * implemented in src/ops/ (importers normalise other opsets' forms into that one).
 */
import { SegwgpuError } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';

/**
 * Node attributes as the IR holds them: ONNX's attribute kinds, already decoded by the importers.
 * A Graph is a subgraph (If's then_branch/else_branch, Loop's body). Declared here, not in
 * attributes.ts, because graphs and attributes refer to each other.
 */
export type AttributeValue = number | string | number[] | string[] | Tensor | Graph;
export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface GraphNode {
  /** Unique within the graph; importers invent one when the source has none. */
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Value names in ONNX input order; '' for an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Attributes;
}

/** A graph input: its dims are numbers, or names for dimensions fixed only at plan time. */
export interface GraphInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly (number | string)[];
}

export interface Graph {
  readonly name: string;
  /** The default-domain opset the model was written against. */
  readonly opset: number;
  readonly inputs: readonly GraphInput[];
  readonly outputs: readonly string[];
  /** Constants (weights), by value name. */
  readonly initializers: ReadonlyMap<string, Tensor>;
  readonly nodes: readonly GraphNode[];
  /**
   * Only for a subgraph (a Graph-valued attribute): the values of enclosing graphs it reads, by
   * the names it reads them under. The importer appends them, in this order, to its node's inputs
   * (after the ONNX inputs), so passes see them as uses, schedules order them first, and renaming
   * an outer value renames the node's input while the subgraph keeps its own name for it
   * (captures bind by position). For a node with several subgraphs, the node's extra inputs are
   * capturesOf(node): each subgraph's captures, attributes in name order, duplicates dropped.
   */
  readonly captures?: readonly string[];
}

export function isGraphAttribute(value: AttributeValue | undefined): value is Graph {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'nodes' in value;
}

/** The subgraphs of a node (attributes in name order). */
export function subgraphsOf(node: { readonly attributes: Attributes }): [string, Graph][] {
  return Object.keys(node.attributes)
    .sort()
    .flatMap((name) => {
      const v = node.attributes[name];
      return isGraphAttribute(v) ? [[name, v] as [string, Graph]] : [];
    });
}

/** The outer values a node's subgraphs read, in the order they follow the node's ONNX inputs. */
export function capturesOf(node: { readonly attributes: Attributes }): string[] {
  const all = new Set<string>();
  for (const [, g] of subgraphsOf(node)) for (const c of g.captures ?? []) all.add(c);
  return [...all];
}

/** Nodes in an order where every input is produced before use; errors on cycles and dangling inputs. */
export function topologicalOrder(graph: Graph): GraphNode[] {
  const produced = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  const producerOf = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    for (const out of node.outputs) {
      if (out === '') continue;
      if (producerOf.has(out) || produced.has(out)) throw new SegwgpuError(`graph ${graph.name}: value '${out}' is produced twice (by node '${node.name}')`);
      producerOf.set(out, node);
    }
  }
  const order: GraphNode[] = [];
  const state = new Map<GraphNode, 'visiting' | 'done'>();
  const visit = (node: GraphNode): void => {
    const s = state.get(node);
    if (s === 'done') return;
    if (s === 'visiting') throw new SegwgpuError(`graph ${graph.name}: cycle through node '${node.name}'`);
    state.set(node, 'visiting');
    for (const input of node.inputs) {
      if (input === '' || produced.has(input)) continue;
      const producer = producerOf.get(input);
      if (!producer) throw new SegwgpuError(`graph ${graph.name}: node '${node.name}' (${node.opType}) reads '${input}', which no node, input or initializer provides`);
      visit(producer);
    }
    state.set(node, 'done');
    order.push(node);
  };
  // Visit in the given order so an already-sorted graph keeps its order (stable schedules).
  for (const node of graph.nodes) visit(node);
  for (const out of graph.outputs) {
    if (!produced.has(out) && !producerOf.has(out)) throw new SegwgpuError(`graph ${graph.name}: output '${out}' is not produced by any node`);
  }
  return order;
}

/** A copy of the graph with some fields replaced: passes build new graphs, never mutate. */
export function withGraph(graph: Graph, changes: Partial<Graph>): Graph {
  return { ...graph, ...changes };
}
