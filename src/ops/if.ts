/**
 * If (ONNX If-11/13/16 for tensors): runs then_branch or else_branch on a one-element condition
 * and returns that branch's outputs. Branches take no formal inputs; they read outer values,
 * which the importer appends to the node's inputs as captures (src/ir/graph.ts, Graph.captures).
 *
 * Shapes: with the condition known when planning, the taken branch's outputs (values too, so a
 * constant If folds away); otherwise both branches are inferred, and when they agree on every
 * output's dtype and shape that is the node's, else the condition's value is needed
 * (ValueNeededError: the plan is made for it when it comes from small model inputs).
 *
 * Control flow runs on the host: the CPU executor evaluates the chosen branch through the
 * SubgraphRunner it passes; the GPU planner refuses the node (hostOnly).
 */
import { AttributeError, HostOnlyError, InputError, SegwgpuError, ValueNeededError, describeNode } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { capturesOf, isGraphAttribute, type Graph } from '../ir/graph.js';
import { checkKnownAttributes } from './attributes.js';
import { knownValue, type KnownValue } from './kit.js';
import type { GpuLowering } from '../gpu/step.js';
import type { AnyOpDefinition, OpDefinition, OpNode, SubgraphRunner, ValueInfo } from './types.js';

/** A Graph-valued attribute, or an AttributeError naming the node and the attribute. */
export function graphAttr(node: OpNode, name: string): Graph {
  const v = node.attributes[name];
  if (!isGraphAttribute(v)) throw new AttributeError(node, name, typeof v === 'object' ? '<a tensor or list>' : v, 'must be a graph (a subgraph)');
  return v;
}

/** Where a subgraph's captures sit among the node's inputs (they follow its `onnxInputs` ONNX inputs). */
export function captureIndices(node: OpNode, graph: Graph, onnxInputs: number): number[] {
  const all = capturesOf(node);
  return (graph.captures ?? []).map((c) => onnxInputs + all.indexOf(c));
}

/** The number of ONNX inputs of a node whose subgraph captures follow them. */
export function onnxInputCount(node: OpNode, given: number): number {
  return given - capturesOf(node).length;
}

export function requireRunner(node: OpNode, runner: SubgraphRunner | undefined): SubgraphRunner {
  if (!runner) throw new SegwgpuError(`${describeNode(node)}: its subgraphs can only be inferred and run inside a graph (shape inference or the CPU executor), not as a lone op call`);
  return runner;
}

/**
 * gpu() of the control-flow ops: they run on the host, so one GPU plan refuses them; the
 * segmented executor runs them there, their bodies in GPU segments.
 */
export function hostOnly(_attrs: unknown, _inputs: unknown, _outputs: unknown, _traits: unknown, node: OpNode): GpuLowering {
  throw new HostOnlyError(
    `${describeNode(node)}: If/Loop run on the host, so one GPU plan cannot hold the model: run it segmented (SegmentedRunner; segwgpu run does), ` +
      'or give the values that decide it when planning (PlanOptions.inputValues) so constant folding removes it',
  );
}

/** The truth of a one-element condition tensor (BOOL is held as int32). */
export function truthOf(node: OpNode, name: string, t: Tensor): boolean {
  if (sizeOf(t.shape) !== 1) throw new InputError(node, name, `has shape [${t.shape.join('x')}]; it must hold exactly one element`);
  return Number(t.data[0]) !== 0;
}

export const sameValueInfo = (a: ValueInfo, b: ValueInfo): boolean =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

const describeInfo = (v: ValueInfo): string => `${v.dtype} [${v.shape.join('x')}]`;

export interface IfAttrs {
  readonly thenBranch: Graph;
  readonly elseBranch: Graph;
}

export function branchInputs<T>(node: OpNode, branch: Graph, inputs: readonly (T | undefined)[]): T[] {
  return captureIndices(node, branch, 1).map((i, k) => {
    const v = inputs[i];
    if (v === undefined) throw new InputError(node, `${i} ('${branch.captures![k]}')`, 'is missing (a value the branch reads)');
    return v;
  });
}

const ifOp: OpDefinition<IfAttrs> = {
  type: 'If',
  parse(node) {
    checkKnownAttributes(node, ['then_branch', 'else_branch']);
    const thenBranch = graphAttr(node, 'then_branch');
    const elseBranch = graphAttr(node, 'else_branch');
    for (const [name, g] of [['then_branch', thenBranch], ['else_branch', elseBranch]] as const) {
      if (g.inputs.length > 0) throw new AttributeError(node, name, `<graph '${g.name}'>`, `declares inputs (${g.inputs.map((i) => `'${i.name}'`).join(', ')}); an If branch takes none`);
    }
    if (thenBranch.outputs.length !== elseBranch.outputs.length) {
      throw new AttributeError(node, 'else_branch', `<graph '${elseBranch.name}'>`, `has ${elseBranch.outputs.length} outputs, then_branch has ${thenBranch.outputs.length}; both must have one per output of the node`);
    }
    return { thenBranch, elseBranch };
  },
  infer(attrs, inputs, node, runner) {
    const subgraphs = requireRunner(node, runner);
    const cond = inputs[0];
    if (!cond) throw new InputError(node, 'cond', 'is missing');
    const known = knownValue(cond);
    if (known) {
      const branch = truthOf(node, 'cond', known) ? attrs.thenBranch : attrs.elseBranch;
      return { outputs: subgraphs.infer(branch, branchInputs(node, branch, inputs), node), resolved: attrs };
    }
    if (sizeOf(cond.shape) !== 1) throw new InputError(node, 'cond', `has shape [${cond.shape.join('x')}]; it must hold exactly one element`);
    const a = subgraphs.infer(attrs.thenBranch, branchInputs(node, attrs.thenBranch, inputs), node);
    const b = subgraphs.infer(attrs.elseBranch, branchInputs(node, attrs.elseBranch, inputs), node);
    const differ = a.findIndex((info, k) => !sameValueInfo(info, b[k]!));
    if (differ >= 0) {
      throw new ValueNeededError(
        node,
        'cond',
        `decides the output shapes (output ${differ} is ${describeInfo(a[differ]!)} from then_branch, ${describeInfo(b[differ]!)} from else_branch), but it is computed at run time`,
        cond,
      );
    }
    return { outputs: a.map((o) => ({ dtype: o.dtype, shape: o.shape })), resolved: attrs };
  },
  cpu(attrs, inputs, node, runner) {
    const subgraphs = requireRunner(node, runner);
    const branch = truthOf(node, 'cond', inputs[0] as Tensor) ? attrs.thenBranch : attrs.elseBranch;
    return subgraphs.run(branch, branchInputs(node, branch, inputs as readonly (KnownValue | undefined)[]) as Tensor[], node);
  },
  gpu: hostOnly,
};

export const ops: AnyOpDefinition[] = [ifOp];
