/**
 * Threshold (segwgpu's own op, domain ai.segwgpu): the category mask of a one-channel probability
 * model. Input [N, 1, H, W] float; output [N, H, W] int64, 1 where the probability exceeds
 * `threshold` (default 0.5), else 0: what ArgMax over [1 - p, p] gives (a tie goes to background),
 * in one pass instead of four.
 */
import { InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, floatAttr } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import thresholdWgsl from '../../shaders/threshold.wgsl?raw';

interface ThresholdAttrs {
  readonly threshold: number;
}

function outputShape(node: OpNode, x: ValueInfo | Tensor | undefined): number[] {
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (x.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${x.dtype}; only float32 is supported`);
  if (x.shape.length < 2 || x.shape[1] !== 1) throw new InputError(node, 'X', `has shape [${x.shape.join('x')}]; expected [N, 1, ...] (one probability channel)`);
  return [x.shape[0], ...x.shape.slice(2)];
}

export const threshold: OpDefinition<ThresholdAttrs> = {
  type: 'Threshold',
  parse(node) {
    checkKnownAttributes(node, ['threshold']);
    return { threshold: floatAttr(node, 'threshold', 0.5) };
  },
  infer(attrs, inputs, node) {
    return { outputs: [{ dtype: 'int64', shape: outputShape(node, inputs[0]) }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const x = inputs[0] as Tensor<'float32'>;
    const shape = outputShape(node, x);
    const out = new BigInt64Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = x.data[i] > attrs.threshold ? 1n : 0n;
    return [{ dtype: 'int64', shape, data: out }];
  },
  gpu(attrs, inputs) {
    const total = sizeOf(inputs[0]!.shape);
    return {
      steps: [
        {
          kernel: wgslKernel('threshold', thresholdWgsl),
          params: { total, threshold: attrs.threshold },
          bindings: { x: { input: 0 }, y: { output: 0 } },
          invocations: total,
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [threshold];
