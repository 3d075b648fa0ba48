/**
 * segwgpu's graph IR: what every importer (ONNX, TFLite, the TS builders) produces and every later
 * step (passes, shape inference, plan, execute) consumes. Node semantics are ONNX opset 17 ops as
 * implemented in src/ops/ (importers normalise other opsets' forms into that one).
 */
import { SegwgpuError } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';
import type { Attributes } from './attributes.js';

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
