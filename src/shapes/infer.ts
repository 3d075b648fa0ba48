/**
 * Shape inference over a graph for concrete input shapes. Every node's op checks its inputs
 * (src/ops/<op>.ts infer) in schedule order, so a model that cannot run fails here, before any GPU
 * work, with the node named. Values computable on the CPU from constants (shape subgraphs:
 * Shape -> Gather -> Concat -> Resize sizes) are computed too; foldConstants turns them into
 * initializers.
 */
import { InputError, SegwgpuError, describeNode } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { topologicalOrder, type Graph, type GraphNode } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import type { ValueInfo } from '../ops/types.js';

/** Constant subexpressions larger than this stay on the GPU rather than being computed on the CPU. */
export const MAX_FOLDED_ELEMENTS = 1 << 20;

export interface InferredGraph {
  readonly order: readonly GraphNode[];
  readonly values: ReadonlyMap<string, ValueInfo>;
  /** Parsed attributes per node, so later steps do not parse twice. */
  readonly attributes: ReadonlyMap<GraphNode, unknown>;
}

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

export function inferGraph(graph: Graph, inputShapes: ReadonlyMap<string, Shape>): InferredGraph {
  const values = new Map<string, ValueInfo>();
  for (const [name, t] of graph.initializers) values.set(name, { dtype: t.dtype, shape: t.shape, value: t });
  for (const input of graph.inputs) {
    const shape = inputShapes.get(input.name);
    if (!shape) throw new SegwgpuError(`no shape for model input '${input.name}'`);
    values.set(input.name, { dtype: input.dtype, shape });
  }
  const order = topologicalOrder(graph);
  const attributes = new Map<GraphNode, unknown>();
  for (const node of order) {
    const def = getOp(node);
    const attrs = def.parse(node);
    attributes.set(node, attrs);
    const inputs = node.inputs.map((name) => (name === '' ? undefined : values.get(name)));
    node.inputs.forEach((name, i) => {
      if (name !== '' && !inputs[i]) throw new InputError(node, `${i} ('${name}')`, 'has no known shape');
    });
    const outputs = def.infer(attrs, inputs, node);
    if (outputs.length < node.outputs.filter((o) => o !== '').length) {
      throw new SegwgpuError(`${describeNode(node)}: declares ${node.outputs.length} outputs, the op produces ${outputs.length}`);
    }
    const givenInputs = inputs.filter((v): v is ValueInfo => v !== undefined);
    const foldable =
      givenInputs.length > 0 &&
      givenInputs.every((v) => v.value !== undefined) &&
      outputs.every((o) => o.value !== undefined || sizeOf(o.shape) <= MAX_FOLDED_ELEMENTS);
    let folded: Tensor[] | undefined;
    if (foldable && !outputs.every((o) => o.value !== undefined)) {
      folded = def.cpu(attrs, inputs.map((v) => v?.value), node);
    }
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      const value = outputs[i].value ?? folded?.[i];
      values.set(name, value ? { dtype: value.dtype, shape: value.shape, value } : { dtype: outputs[i].dtype, shape: outputs[i].shape });
    });
  }
  return { order, values, attributes };
}
