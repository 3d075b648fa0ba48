/**
 * Softmax, ONNX opset 13+ semantics (Softmax-13, unchanged through opset 17), f32 only:
 *   y = exp(x - max) / sum(exp(x - max)) along ONE axis (`axis`, default -1, negative allowed).
 * Subtracting the line's maximum keeps exp() from overflowing, so logits of ±1e4 work and a line
 * whose entries are all equal gives 1/n exactly as it should.
 *
 * Non-finite values (the rule in shaders/common.wgsl, PyTorch's): a line holding a NaN, a line
 * whose maximum is +Inf (exp(inf - inf)) and a line of -Inf only (-inf - -inf) are all NaN, as
 * torch.softmax gives; -Inf entries of a line with a finite maximum are 0. The CPU reference gets
 * this from IEEE arithmetic (Math.max propagates NaN); the kernel writes the NaN line explicitly.
 *
 * Opset < 13 Softmax is a different function: it flattens the input to 2D at `axis` (default 1)
 * and normalises over the whole trailing block. That is the importer's concern (it knows the
 * model's opset); this op is the opset-13 one and does not coerce.
 *
 * GPU: shaders/softmax.wgsl, one invocation per line along the axis, i.e. per (outer, inner)
 * position. Consecutive invocations take consecutive inner positions, so for a non-last axis
 * (the channel axis of NCHW class scores) neighbouring invocations read neighbouring addresses.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, intAttr, normalizeAxis } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';

interface SoftmaxAttrs {
  /** As given (possibly negative); normalised against the input's rank in infer(). */
  readonly axis: number;
}

/** A tensor seen as [outer, axisLen, inner] around one axis. */
interface AxisLines {
  readonly outer: number;
  readonly axisLen: number;
  readonly inner: number;
}

function axisLines(shape: Shape, axis: number): AxisLines {
  return { outer: sizeOf(shape.slice(0, axis)), axisLen: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

function checkInput(node: OpNode, inputs: readonly (ValueInfo | Tensor | undefined)[]): ValueInfo | Tensor {
  const x = inputs[0];
  if (!x) throw new InputError(node, 'input', 'is missing');
  if (x.dtype !== 'float32') throw new InputError(node, 'input', `has dtype ${x.dtype}; only float32 is supported`);
  if (x.shape.length === 0) throw new InputError(node, 'input', 'is a scalar; Softmax needs at least one axis');
  if (inputs.length > 1) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of Softmax (it takes one input)');
  return x;
}

const softmax: OpDefinition<SoftmaxAttrs> = {
  type: 'Softmax',
  parse(node) {
    checkKnownAttributes(node, ['axis']);
    return { axis: intAttr(node, 'axis', -1) };
  },
  infer(attrs, inputs, node) {
    const x = checkInput(node, inputs);
    // Resolved: the axis, normalised against the input's rank.
    return { outputs: [{ dtype: 'float32', shape: [...x.shape] }], resolved: { axis: normalizeAxis(node, 'axis', attrs.axis, x.shape.length) } };
  },
  cpu({ axis }, inputs) {
    const x = inputs[0] as Tensor<'float32'>;
    const { outer, axisLen, inner } = axisLines(x.shape, axis);
    const out = new Float32Array(x.data.length);
    const exps = new Float64Array(axisLen);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const at = (k: number) => (o * axisLen + k) * inner + j;
        let max = -Infinity;
        for (let k = 0; k < axisLen; k++) max = Math.max(max, x.data[at(k)]);
        let sum = 0;
        for (let k = 0; k < axisLen; k++) {
          exps[k] = Math.exp(x.data[at(k)] - max);
          sum += exps[k];
        }
        for (let k = 0; k < axisLen; k++) out[at(k)] = exps[k] / sum;
      }
    }
    return [{ dtype: 'float32', shape: [...x.shape], data: out }];
  },
  gpu({ axis }, inputs) {
    const x = inputs[0] as ValueInfo;
    const { outer, axisLen, inner } = axisLines(x.shape, axis);
    const lines = outer * inner;
    return {
      steps: [
        {
          kernel: wgslKernel('softmax', softmaxWgsl),
          params: { total: lines, axisLen, inner },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: lines,
          label: 'Softmax',
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [softmax];
