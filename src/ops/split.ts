/**
 * Split-18 (13 and later as segwgpu normalises them; before 13 the `split` attribute becomes the
 * input, src/import/onnx-normalize.ts): input split along `axis` (default 0) into parts whose
 * sizes the optional int64 input `split` gives (it must be known when the model is planned), or
 * into `num_outputs` parts (Split-18: ceil(dim / num_outputs) each, the last smaller), or, with
 * neither, into as many equal parts as the node has outputs (Split-13; the dimension must divide).
 *
 * GPU: one strided copy per output (shaders/strided-copy.wgsl).
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, stridesOf, type Tensor } from '../core/tensor.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import { allocate, checkDtype, checkInputCount, constantInput, integerVector, requireInput, type Elements, type KnownValue } from './kit.js';
import { MAX_COPY_RANK, stridedCopyStep } from './strided-copy.js';
import type { GpuStep } from '../gpu/step.js';
import type { AnyOpDefinition, OpDefinition, OpNode } from './types.js';

interface SplitAttrs {
  readonly axis: number;
  readonly numOutputs: number | undefined;
}

interface SplitGeometry {
  readonly axis: number;
  /** The size of each part along the axis. */
  readonly sizes: number[];
  /** Where each part starts along the axis. */
  readonly starts: number[];
}

/** The output count of the node, where it is a graph node (an op called on its own has none). */
function outputCount(node: OpNode): number | undefined {
  const outputs = (node as { outputs?: readonly string[] }).outputs;
  return outputs?.length;
}

function geometry(node: OpNode, attrs: SplitAttrs, inputs: readonly (KnownValue | undefined)[]): SplitGeometry {
  checkInputCount(node, inputs, 2);
  const x = requireInput(node, inputs, 0, 'input');
  checkDtype(node, 'input', x);
  if (x.shape.length === 0) throw new InputError(node, 'input', 'is a scalar; Split needs at least one axis');
  const axis = normalizeAxis(node, 'axis', attrs.axis, x.shape.length);
  const dim = x.shape[axis]!;
  let sizes: number[];
  if (inputs[1]) {
    if (attrs.numOutputs !== undefined) throw new AttributeError(node, 'num_outputs', attrs.numOutputs, 'cannot be given together with the split input');
    sizes = integerVector(node, 'split', constantInput(node, 'split', inputs[1]));
    if (sizes.some((s) => s < 0)) throw new InputError(node, 'split', `[${sizes.join(', ')}] has a negative size`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== dim) throw new InputError(node, 'split', `[${sizes.join(', ')}] sums to ${total}, but input's axis ${axis} has ${dim} ([${x.shape.join('x')}])`);
  } else if (attrs.numOutputs !== undefined) {
    const n = attrs.numOutputs;
    const each = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, i) => Math.max(Math.min(each, dim - i * each), 0));
  } else {
    const n = outputCount(node);
    if (n === undefined) throw new InputError(node, 'split', 'is missing: give it, or the num_outputs attribute (the node\'s output count is not known)');
    if (dim % n !== 0) throw new InputError(node, 'input', `has ${dim} along axis ${axis}, which does not split into ${n} equal parts (give the split input)`);
    sizes = new Array<number>(n).fill(dim / n);
  }
  const starts: number[] = [];
  sizes.reduce((at, s) => (starts.push(at), at + s), 0);
  return { axis, sizes, starts };
}

function partShape(x: { shape: readonly number[] }, g: SplitGeometry, i: number): number[] {
  const shape = [...x.shape];
  shape[g.axis] = g.sizes[i]!;
  return shape;
}

export const split: OpDefinition<SplitAttrs, SplitGeometry> = {
  type: 'Split',
  parse(node) {
    checkKnownAttributes(node, ['axis', 'num_outputs']);
    const numOutputs = node.attributes.num_outputs === undefined ? undefined : intAttr(node, 'num_outputs');
    if (numOutputs !== undefined && numOutputs < 1) throw new AttributeError(node, 'num_outputs', numOutputs, 'must be at least 1');
    return { axis: intAttr(node, 'axis', 0), numOutputs };
  },
  infer(attrs, inputs, node) {
    const g = geometry(node, attrs, inputs);
    const x = inputs[0]!;
    if (x.shape.length > MAX_COPY_RANK) throw new InputError(node, 'input', `has rank ${x.shape.length}; at most ${MAX_COPY_RANK} is supported`);
    return { outputs: g.sizes.map((_, i) => ({ dtype: x.dtype, shape: partShape(x, g, i) })), resolved: g };
  },
  cpu(g, inputs) {
    const x = inputs[0] as Tensor;
    const outer = sizeOf(x.shape.slice(0, g.axis));
    const inner = sizeOf(x.shape.slice(g.axis + 1));
    const dim = x.shape[g.axis]!;
    const src = x.data as Elements;
    return g.sizes.map((size, i) => {
      const out = allocate(x.dtype, outer * size * inner) as Elements;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < size * inner; j++) out[o * size * inner + j] = src[(o * dim + g.starts[i]!) * inner + j]!;
      }
      return { dtype: x.dtype, shape: partShape(x, g, i), data: out } as unknown as Tensor;
    });
  },
  gpu(g, inputs, _outputs, _traits, node) {
    const x = inputs[0]!;
    const strides = stridesOf(x.shape);
    const steps: GpuStep[] = [];
    g.sizes.forEach((_, i) => {
      const base = g.starts[i]! * strides[g.axis]!;
      for (const step of stridedCopyStep(partShape(x, g, i), strides, `${node.name}: part ${i}`, base).steps) {
        steps.push({ ...step, bindings: { x: { input: 0 }, y: { output: i } } });
      }
    });
    return { steps };
  },
};

export const ops: AnyOpDefinition[] = [split];
