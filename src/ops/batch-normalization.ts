/**
 * BatchNormalization, ONNX opset 17 semantics (BatchNormalization-15), inference only, f32:
 *   inputs X [N, C, D1, ...] (rank >= 2, channel axis 1), scale [C], B [C], input_mean [C],
 *   input_var [C]; y = scale * (x - mean) / sqrt(var + epsilon) + B per channel.
 * Attributes: epsilon (default 1e-5); momentum is accepted and ignored (it only matters when
 * training); training_mode must be 0 (training-mode outputs running_mean/running_var are not
 * produced). Opset < 9 attributes (spatial, is_test, consumed_inputs) are not accepted here: an
 * importer of such a model maps them first.
 *
 * GPU: shaders/batch-normalization.wgsl, one invocation per element; the parameters stay inputs
 * (bound as buffers) so they need not be constants. Folding BN into a preceding Conv is a graph
 * pass, not this op's business.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, floatAttr, intAttr } from './attributes.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import batchNormalizationWgsl from '../../shaders/batch-normalization.wgsl?raw';

interface BatchNormAttrs {
  readonly epsilon: number;
}

const PARAMETER_NAMES = ['scale', 'B', 'input_mean', 'input_var'] as const;

/** Checks X and the four [C] parameters; returns the channel count. */
function checkInputs(node: OpNode, inputs: readonly (ValueInfo | Tensor | undefined)[]): number {
  const x = inputs[0];
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (x.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${x.dtype}; only float32 is supported`);
  if (x.shape.length < 2) throw new InputError(node, 'X', `has shape [${x.shape.join('x')}]; it needs rank >= 2 ([N, C, ...])`);
  if (inputs.length > 5) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of BatchNormalization (it takes X, scale, B, input_mean, input_var)');
  const channels = x.shape[1];
  PARAMETER_NAMES.forEach((name, i) => {
    const p = inputs[i + 1];
    if (!p) throw new InputError(node, name, 'is missing');
    if (p.dtype !== 'float32') throw new InputError(node, name, `has dtype ${p.dtype}; only float32 is supported`);
    if (p.shape.length !== 1 || p.shape[0] !== channels) {
      throw new InputError(node, name, `has shape [${p.shape.join('x')}]; it must be [${channels}] (the channel count of X [${x.shape.join('x')}])`);
    }
  });
  return channels;
}

const batchNormalization: OpDefinition<BatchNormAttrs> = {
  type: 'BatchNormalization',
  parse(node) {
    checkKnownAttributes(node, ['epsilon', 'momentum', 'training_mode']);
    const trainingMode = intAttr(node, 'training_mode', 0);
    if (trainingMode !== 0) throw new AttributeError(node, 'training_mode', trainingMode, 'is not supported: only inference (training_mode=0) is implemented');
    floatAttr(node, 'momentum', 0.9); // validated for type only; unused in inference
    const epsilon = floatAttr(node, 'epsilon', 1e-5);
    if (!(epsilon >= 0)) throw new AttributeError(node, 'epsilon', epsilon, 'must be a non-negative number');
    return { epsilon };
  },
  infer(attrs, inputs, node) {
    checkInputs(node, inputs);
    return { outputs: [{ dtype: 'float32', shape: [...(inputs[0] as ValueInfo).shape] }], resolved: attrs };
  },
  cpu(attrs, inputs, node) {
    const channels = checkInputs(node, inputs);
    const [x, scale, bias, mean, variance] = inputs as Tensor<'float32'>[];
    const batch = x.shape[0];
    const inner = sizeOf(x.shape.slice(2));
    const out = new Float32Array(x.data.length);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        for (let j = 0; j < inner; j++) {
          const i = (n * channels + c) * inner + j;
          out[i] = (scale.data[c] * (x.data[i] - mean.data[c])) / Math.sqrt(variance.data[c] + attrs.epsilon) + bias.data[c];
        }
      }
    }
    return [{ dtype: 'float32', shape: [...x.shape], data: out }];
  },
  gpu(attrs, inputs) {
    const x = inputs[0] as ValueInfo;
    const total = sizeOf(x.shape);
    return {
      steps: [
        {
          kernel: wgslKernel('batch-normalization', batchNormalizationWgsl),
          params: { total, channels: x.shape[1], inner: sizeOf(x.shape.slice(2)), epsilon: attrs.epsilon },
          bindings: { x: { input: 0 }, scale: { input: 1 }, bias: { input: 2 }, mean: { input: 3 }, variance: { input: 4 }, y: { output: 0 } },
          invocations: total,
          label: 'BatchNormalization',
        },
      ],
    };
  },
};

export const ops: AnyOpDefinition[] = [batchNormalization];
