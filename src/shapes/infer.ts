/**
 * Shape inference over a graph for concrete input shapes. Every node's op checks its inputs
 * (src/ops/<op>.ts infer) in schedule order, so a model that cannot run fails here, before any GPU
 * work, with the node named. Values computable on the CPU from constants (shape subgraphs:
 * Shape -> Gather -> Concat -> Resize sizes) are computed too; foldConstants turns them into
 * initializers.
 */
import { InputError, SegwgpuError, ValueNeededError, describeNode } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { checkValueSize } from '../core/limits.js';
import { topologicalOrder, type Graph, type GraphInput, type GraphNode } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import type { OpNode, SubgraphRunner, ValueInfo } from '../ops/types.js';

/** Constant subexpressions larger than this stay on the GPU rather than being computed on the CPU. */
export const MAX_FOLDED_ELEMENTS = 1 << 20;

/** What shape inference knows about one node. */
export interface NodeInference {
  /** What the op's parse made of the node's attributes. */
  readonly attributes: unknown;
  /** What the op's infer resolved, for its cpu and gpu. */
  readonly resolved: unknown;
  /** The input infos infer saw ('' inputs undefined). */
  readonly inputs: readonly (ValueInfo | undefined)[];
  /** Every output the op produces, also those the node leaves unnamed (MaxPool's Indices). */
  readonly outputs: readonly ValueInfo[];
}

export interface InferredGraph {
  readonly graph: Graph;
  readonly order: readonly GraphNode[];
  readonly values: ReadonlyMap<string, ValueInfo>;
  readonly nodes: ReadonlyMap<GraphNode, NodeInference>;
}

export interface CachedInference extends NodeInference {
  /** What the node's named outputs were set to (folded values included). */
  readonly named: readonly (ValueInfo | undefined)[];
}

const sameInfo = (a: ValueInfo | undefined, b: ValueInfo | undefined): boolean =>
  a === b ||
  (a !== undefined && b !== undefined && a.dtype === b.dtype && a.value === b.value && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]));

/**
 * Shape inference for one plan: the passes infer the graph after each rewrite, and the plan the
 * final one. Graphs share their unchanged nodes (passes build new graphs, never mutate nodes), so
 * each node is parsed once, and inferred again only when its input infos changed: an op's
 * attributes and geometry are resolved once per plan, not once per pass.
 */
export class ShapeInference {
  private readonly parsed = new WeakMap<GraphNode, unknown>();
  private readonly inferred = new WeakMap<GraphNode, CachedInference>();

  /**
   * `inputValues`: values of model inputs that fix shapes (a Reshape's shape given as a model
   * input), known when planning: inference treats them as constants, so the plan is made for them.
   */
  constructor(
    readonly inputShapes: ReadonlyMap<string, Shape>,
    readonly inputValues: ReadonlyMap<string, Tensor> = new Map(),
  ) {}

  /** The instance a pass works with: given, or a new one for bare input shapes (a pass on its own). */
  static of(source: ShapeSource): ShapeInference {
    return source instanceof ShapeInference ? source : new ShapeInference(source);
  }

  infer(graph: Graph): InferredGraph {
    const values = new Map<string, ValueInfo>();
    for (const [name, t] of graph.initializers) values.set(name, { dtype: t.dtype, shape: t.shape, value: t });
    for (const input of graph.inputs) {
      const shape = this.inputShapes.get(input.name);
      if (!shape) throw new SegwgpuError(`no shape for model input '${input.name}'`);
      checkValueSize(undefined, `model input '${input.name}'`, shape);
      const value = this.inputValues.get(input.name);
      if (value && (value.dtype !== input.dtype || value.shape.join('x') !== shape.join('x'))) {
        throw new SegwgpuError(`input '${input.name}': the value given for planning is ${value.dtype} [${value.shape.join('x')}], the input is ${input.dtype} [${shape.join('x')}]`);
      }
      values.set(input.name, value ? { dtype: input.dtype, shape, value } : { dtype: input.dtype, shape });
    }
    const order = topologicalOrder(graph);
    const nodes = new Map<GraphNode, NodeInference>();
    for (const node of order) {
      const inputs = node.inputs.map((name) => (name === '' ? undefined : values.get(name)));
      node.inputs.forEach((name, i) => {
        if (name !== '' && !inputs[i]) throw new InputError(node, `${i} ('${name}')`, 'has no known shape');
      });
      let known = this.inferred.get(node);
      if (!known || !known.inputs.every((info, i) => sameInfo(info, inputs[i]))) {
        try {
          known = this.inferNode(node, inputs);
        } catch (e) {
          throw e instanceof ValueNeededError ? this.tracedToModelInputs(e, graph, values, node, inputs) : e;
        }
        this.inferred.set(node, known);
      }
      nodes.set(node, known);
      node.outputs.forEach((name, i) => name !== '' && values.set(name, known.named[i]!));
    }
    return { graph, order, values, nodes };
  }

  /** The error, naming the model inputs the needed value is computed from (and what to do). */
  private tracedToModelInputs(e: ValueNeededError, graph: Graph, values: ReadonlyMap<string, ValueInfo>, node: GraphNode, inputs: readonly (ValueInfo | undefined)[]): ValueNeededError {
    const at = inputs.findIndex((info) => info !== undefined && info === e.info);
    if (at < 0 || e.modelInputs.length > 0) return e;
    const modelInputs = modelInputsOf(graph, node.inputs[at]!, values);
    const unknown = modelInputs.filter((name) => !this.inputValues.has(name));
    if (unknown.length === 0) return e;
    const names = unknown.map((n) => `'${n}'`).join(', ');
    return new ValueNeededError(
      e.node,
      e.input,
      `${e.why}; it is computed at run time from model input${unknown.length > 1 ? 's' : ''} ${names}: give ${unknown.length > 1 ? 'their' : 'its'} values when planning (PlanOptions.inputValues; segwgpu run and validate pass the input files') and the plan is made for them`,
      undefined,
      unknown,
      e.reason,
    );
  }

  /** One node run on the CPU with its actual inputs (evaluateGraph): inferred, then computed. */
  evaluateNode(node: GraphNode, args: readonly (Tensor | undefined)[]): Tensor[] {
    const infos = args.map((t) => t && { dtype: t.dtype, shape: t.shape, value: t });
    const known = this.inferNode(node, infos);
    if (node.outputs.every((n, i) => n === '' || known.named[i]?.value !== undefined)) return known.named.map((v) => v?.value as Tensor);
    const outs = getOp(node).cpu(known.resolved, args, node, subgraphRunner);
    node.outputs.forEach((n, i) => {
      if (n !== '' && !outs[i]) throw new SegwgpuError(`${describeNode(node)}: CPU reference produced no output ${i}`);
    });
    return outs;
  }

  /**
   * One node inferred from these input infos (values where known), uncached: what infer resolved,
   * and `named`, its named outputs' infos with every value it computed (folded). The segmented
   * executor (src/exec/segmented.ts) infers node by node with it.
   */
  inferNode(node: GraphNode, inputs: readonly (ValueInfo | undefined)[]): CachedInference {
    const def = getOp(node);
    if (!this.parsed.has(node)) this.parsed.set(node, def.parse(node));
    const attributes = this.parsed.get(node);
    const { outputs, resolved } = def.infer(attributes, inputs, node, subgraphRunner);
    if (outputs.length < node.outputs.filter((o) => o !== '').length) {
      throw new SegwgpuError(`${describeNode(node)}: declares ${node.outputs.length} outputs, the op produces ${outputs.length}`);
    }
    // The size budget, before anything of these sizes is folded, planned or run.
    outputs.forEach((o, i) => checkValueSize(node, `output '${node.outputs[i] ?? i}'`, o.shape));
    const givenInputs = inputs.filter((v): v is ValueInfo => v !== undefined);
    const foldable =
      givenInputs.length > 0 &&
      givenInputs.every((v) => v.value !== undefined) &&
      outputs.every((o) => o.value !== undefined || sizeOf(o.shape) <= MAX_FOLDED_ELEMENTS);
    let folded: Tensor[] | undefined;
    if (foldable && !outputs.every((o) => o.value !== undefined)) {
      folded = def.cpu(resolved, inputs.map((v) => v?.value), node, subgraphRunner);
    }
    const named = node.outputs.map((name, i): ValueInfo | undefined => {
      if (name === '') return undefined;
      const value = outputs[i]!.value ?? folded?.[i];
      return value ? { dtype: value.dtype, shape: value.shape, value } : { dtype: outputs[i]!.dtype, shape: outputs[i]!.shape };
    });
    return { attributes, resolved, inputs, outputs, named };
  }
}

/**
 * Runs a graph on the CPU with every value known as it goes: each node inferred from its actual
 * inputs (so ops whose output shapes depend on values, If and Loop among them, get them), then
 * run by its op's CPU reference unless inference already computed it. No passes, no plan: this
 * is how subgraphs run, and how the CPU executor runs graphs whose shapes are data-dependent.
 */
export function evaluateGraph(
  graph: Graph,
  inputs: ReadonlyMap<string, Tensor>,
  onNodeRun?: (node: GraphNode, ms: number) => void,
): Map<string, Tensor> {
  const shapes = new Map<string, Shape>();
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t) throw new SegwgpuError(`graph ${graph.name}: no value for input '${input.name}'`);
    shapes.set(input.name, t.shape);
  }
  const inference = new ShapeInference(shapes, inputs);
  const values = new Map<string, Tensor>([...graph.initializers]);
  for (const input of graph.inputs) values.set(input.name, inputs.get(input.name)!);
  for (const node of topologicalOrder(graph)) {
    const args = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
    const started = onNodeRun ? performance.now() : 0;
    const outs = inference.evaluateNode(node, args);
    onNodeRun?.(node, performance.now() - started);
    node.outputs.forEach((n, i) => n !== '' && values.set(n, outs[i]!));
  }
  return values;
}

/**
 * A subgraph as a graph of its own: its captures become inputs after its formal ones, and every
 * input takes the dtype and shape of the value bound to it (a body's declared types may be loose).
 */
export function closedSubgraph(graph: Graph, inputs: readonly { dtype: ValueInfo['dtype']; shape: Shape }[], node: OpNode): Graph {
  const names = [...graph.inputs.map((i) => i.name), ...(graph.captures ?? [])];
  if (inputs.length !== names.length) {
    throw new SegwgpuError(`${describeNode(node)}: subgraph '${graph.name}' takes ${names.length} values (${graph.inputs.length} inputs and ${names.length - graph.inputs.length} captured outer values), ${inputs.length} were bound`);
  }
  const closedInputs: GraphInput[] = names.map((name, i) => ({ name, dtype: inputs[i]!.dtype, shape: inputs[i]!.shape }));
  return { ...graph, inputs: closedInputs, captures: undefined };
}

/** How If and Loop infer and run their subgraphs (src/ops/types.ts, SubgraphRunner). */
export const subgraphRunner: SubgraphRunner = {
  infer(graph, inputs, node) {
    const closed = closedSubgraph(graph, inputs, node);
    const shapes = new Map(closed.inputs.map((input, i) => [input.name, inputs[i]!.shape]));
    const known = new Map<string, Tensor>();
    closed.inputs.forEach((input, i) => inputs[i]!.value && known.set(input.name, inputs[i]!.value!));
    const { values } = new ShapeInference(shapes, known).infer(closed);
    return closed.outputs.map((o) => values.get(o)!);
  },
  run(graph, inputs, node) {
    const closed = closedSubgraph(graph, inputs, node);
    const values = evaluateGraph(closed, new Map(closed.inputs.map((input, i) => [input.name, inputs[i]!])));
    return closed.outputs.map((o) => values.get(o)!);
  },
};

/**
 * The model inputs an unknown value is computed from, through the nodes whose outputs are not
 * known either (a Shape of the image is known from its shape: the image's values are not needed).
 */
function modelInputsOf(graph: Graph, value: string, values: ReadonlyMap<string, ValueInfo>): string[] {
  const producers = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o !== '') producers.set(o, n);
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || values.get(name)?.value !== undefined) return;
    seen.add(name);
    if (inputs.has(name)) found.add(name);
    for (const i of producers.get(name)?.inputs ?? []) if (i !== '') visit(i);
  };
  visit(value);
  return [...found];
}

/** Input shapes, or the ShapeInference of the plan being made (which remembers what it resolved). */
export type ShapeSource = ShapeInference | ReadonlyMap<string, Shape>;

/** Concrete shapes for the graph inputs: given ones win, fixed dims are checked against them. */
export function resolveInputShapes(graph: Graph, given: Readonly<Record<string, Shape>> = {}): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const name of Object.keys(given)) {
    if (!graph.inputs.some((i) => i.name === name)) {
      throw new SegwgpuError(`input shape given for '${name}', which is not an input of the model (inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
    }
  }
  for (const input of graph.inputs) {
    const want = given[input.name];
    if (want) {
      if (want.length !== input.shape.length) {
        throw new SegwgpuError(`input '${input.name}': shape [${want.join('x')}] has rank ${want.length}, the model declares rank ${input.shape.length} ([${input.shape.join('x')}])`);
      }
      input.shape.forEach((d, i) => {
        if (typeof d === 'number' && d > 0 && d !== want[i]) {
          throw new SegwgpuError(`input '${input.name}': dimension ${i} is ${want[i]}, the model fixes it to ${d} ([${input.shape.join('x')}])`);
        }
      });
      if (want.some((d) => !Number.isInteger(d) || d < 1)) throw new SegwgpuError(`input '${input.name}': shape [${want.join('x')}] must have positive integer dimensions`);
      shapes.set(input.name, [...want]);
    } else {
      if (input.shape.some((d) => typeof d !== 'number' || d < 1)) {
        throw new SegwgpuError(`input '${input.name}' has symbolic shape [${input.shape.join('x')}]; give a concrete one (e.g. --input-shape ${input.name}=1x3x256x256)`);
      }
      shapes.set(input.name, input.shape as number[]);
    }
  }
  return shapes;
}

/** One-off inference of a graph (no plan to share it with). */
export function inferGraph(graph: Graph, inputShapes: ReadonlyMap<string, Shape>): InferredGraph {
  return new ShapeInference(inputShapes).infer(graph);
}
