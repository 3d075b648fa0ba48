/**
 * The CPU executor: the same optimised graph and schedule as the GPU plan, each node run by its
 * op's CPU reference. Slow and obviously correct; the yardstick for validation.
 *
 * Control flow (If, Loop) runs here too: their ops get the SubgraphRunner of src/shapes/infer.ts,
 * which infers and runs a body like a graph in the scope of its node (captured outer values
 * bound as inputs). A graph whose shapes depend on values computed at run time (an If whose
 * branches differ in shape, a Loop's trip count, NonZero) cannot be planned; it is evaluated
 * node by node instead, each node inferred from its actual inputs (evaluateGraph, no passes).
 */
import { SegwgpuError, ValueNeededError } from '../core/errors.js';
import type { Shape, Tensor } from '../core/tensor.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import { optimizeForInputs, type PassOptions } from '../passes/index.js';
import { evaluateGraph, resolveInputShapes, subgraphRunner } from '../shapes/infer.js';
import { checkRunInputs } from '../plan/plan.js';

export interface CpuRunOptions extends PassOptions {
  /** Values to return besides the graph outputs ('all' for per-node validation). */
  readonly keepValues?: readonly string[] | 'all';
  /** Called after each node with its wall time (per-node profiling of the reference). */
  readonly onNodeRun?: (node: GraphNode, ms: number) => void;
}

export function runGraphCpu(source: Graph, inputs: Readonly<Record<string, Tensor>>, options: CpuRunOptions = {}): Record<string, Tensor> {
  const given: Record<string, Shape> = {};
  for (const [name, t] of Object.entries(inputs)) given[name] = t.shape;
  const inputShapes = resolveInputShapes(source, given);
  // Inputs that fix shapes are planned from their values here, as on the GPU.
  let optimized: ReturnType<typeof optimizeForInputs>;
  try {
    optimized = optimizeForInputs(source, inputShapes, options, options.keepValues === 'all' ? [] : options.keepValues, inputs);
  } catch (e) {
    if (!(e instanceof ValueNeededError)) throw e;
    return pick(source, evaluateGraph(source, new Map(Object.entries(inputs)), options.onNodeRun), options);
  }
  const { inferred, plannedValues } = optimized;
  const { graph, order, values: infos, nodes } = inferred;
  checkRunInputs({ graph, values: infos, plannedValues }, inputs);
  const values = new Map<string, Tensor>([...graph.initializers]);
  for (const input of graph.inputs) values.set(input.name, inputs[input.name]);
  for (const node of order) {
    const def = getOp(node);
    const args = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
    const started = options.onNodeRun ? performance.now() : 0;
    const outs = def.cpu(nodes.get(node)!.resolved, args, node, subgraphRunner);
    options.onNodeRun?.(node, performance.now() - started);
    node.outputs.forEach((n, i) => {
      if (n === '') return;
      if (!outs[i]) throw new SegwgpuError(`node '${node.name}' (${node.opType}): CPU reference produced no output ${i}`);
      values.set(n, outs[i]);
    });
  }
  return pick(graph, values, options);
}

/** The graph outputs and the values the caller asked to keep. */
function pick(graph: Graph, values: ReadonlyMap<string, Tensor>, options: CpuRunOptions): Record<string, Tensor> {
  const keep = options.keepValues === 'all' ? [...values.keys()] : [...(options.keepValues ?? [])];
  const result: Record<string, Tensor> = {};
  for (const name of [...graph.outputs, ...keep]) {
    const v = values.get(name);
    if (v) result[name] = v;
  }
  return result;
}
