/**
 * Pointwise activations as standalone ops, ONNX opset 17 semantics (f32 only):
 *   Relu-14, Sigmoid-13, HardSigmoid-6 (alpha 0.2, beta 0.5), HardSwish-14, LeakyRelu-16
 *   (alpha 0.01), Clip-13, Tanh-13, Elu-6 (alpha 1). Tanh and Elu are not fused into Conv: the
 *   tfjs and TFLite models that use them apply them standalone or through the importer's epilogue.
 * Clip takes `min` and `max` as optional scalar INPUTS (opset 11+); they must be constants
 * (initializers or Constant outputs), because the kernel receives them as uniforms. The opset-6
 * `min`/`max` attributes are accepted too, so older models import without a rewrite. An omitted
 * side is unbounded (the largest finite f32).
 *
 * The formulas live in activation-functions.ts (CPU) and applyActivation() in common.wgsl (GPU),
 * shared with Conv's fused epilogue. GPU: shaders/activations.wgsl, one invocation per vec4 of
 * elements; the last vec4 of a tensor whose size is not a multiple of 4 writes only its real lanes.
 */
import { AttributeError, InputError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import { wgslKernel } from '../gpu/kernel.js';
import { checkKnownAttributes, floatAttr } from './attributes.js';
import { MAX_F32, activationParams, applyActivationCpu, type Activation, type ActivationKind } from './activation-functions.js';
import { requireKnownValue } from './kit.js';
import type { AnyOpDefinition, OpDefinition, OpNode, ValueInfo } from './types.js';
import activationsWgsl from '../../shaders/activations.wgsl?raw';

type StandaloneKind = Exclude<ActivationKind, 'None'>;

/** What parse() knows: the kind, its attribute parameters, and Clip's opset-6 attribute bounds. */
interface ActivationAttrs {
  readonly kind: StandaloneKind;
  readonly alpha: number;
  readonly beta: number;
  readonly clipMinAttribute?: number;
  readonly clipMaxAttribute?: number;
}

function checkX(node: OpNode, x: ValueInfo | Tensor | undefined): ValueInfo | Tensor {
  if (!x) throw new InputError(node, 'X', 'is missing');
  if (x.dtype !== 'float32') throw new InputError(node, 'X', `has dtype ${x.dtype}; only float32 is supported`);
  return x;
}

function parseAttributes(kind: StandaloneKind, node: OpNode): ActivationAttrs {
  switch (kind) {
    case 'Relu':
    case 'Sigmoid':
    case 'HardSwish':
    case 'Tanh':
      checkKnownAttributes(node, []);
      return { kind, alpha: 0, beta: 0 };
    case 'HardSigmoid':
      checkKnownAttributes(node, ['alpha', 'beta']);
      return { kind, alpha: floatAttr(node, 'alpha', 0.2), beta: floatAttr(node, 'beta', 0.5) };
    case 'LeakyRelu':
      checkKnownAttributes(node, ['alpha']);
      return { kind, alpha: floatAttr(node, 'alpha', 0.01), beta: 0 };
    case 'Elu':
      checkKnownAttributes(node, ['alpha']);
      return { kind, alpha: floatAttr(node, 'alpha', 1), beta: 0 };
    case 'Clip': {
      checkKnownAttributes(node, ['min', 'max']);
      const min = node.attributes.min === undefined ? undefined : floatAttr(node, 'min');
      const max = node.attributes.max === undefined ? undefined : floatAttr(node, 'max');
      return { kind, alpha: -MAX_F32, beta: MAX_F32, clipMinAttribute: min, clipMaxAttribute: max };
    }
  }
}

/**
 * One of Clip's bound inputs as a number: undefined when omitted; otherwise it must be a known
 * float32 scalar (shape [] or, as ONNX Runtime also accepts, [1]).
 */
function clipBound(node: OpNode, name: 'min' | 'max', v: ValueInfo | Tensor | undefined): number | undefined {
  if (!v) return undefined;
  if (v.dtype !== 'float32') throw new InputError(node, name, `has dtype ${v.dtype}; it must be float32 like X`);
  if (v.shape.length > 1 || sizeOf(v.shape) !== 1) {
    throw new InputError(node, name, `has shape [${v.shape.join('x')}]; it must be a scalar`);
  }
  return Number(requireKnownValue(node, name, v, 'Clip bounds are fixed when the plan is made').data[0]);
}

/** The activation with every parameter resolved (Clip's bounds come from inputs or attributes). */
function resolveActivation(attrs: ActivationAttrs, inputs: readonly (ValueInfo | Tensor | undefined)[], node: OpNode): Activation {
  if (attrs.kind !== 'Clip') {
    if (inputs.length > 1) throw new InputError(node, `#${inputs.length - 1}`, `is not an input of ${node.opType} (it takes X only)`);
    return { kind: attrs.kind, alpha: attrs.alpha, beta: attrs.beta };
  }
  if (inputs.length > 3) throw new InputError(node, `#${inputs.length - 1}`, 'is not an input of Clip (it takes X, min, max)');
  const minInput = clipBound(node, 'min', inputs[1]);
  const maxInput = clipBound(node, 'max', inputs[2]);
  if (minInput !== undefined && attrs.clipMinAttribute !== undefined) {
    throw new AttributeError(node, 'min', attrs.clipMinAttribute, 'is given both as an attribute (opset < 11) and as an input (opset 11+)');
  }
  if (maxInput !== undefined && attrs.clipMaxAttribute !== undefined) {
    throw new AttributeError(node, 'max', attrs.clipMaxAttribute, 'is given both as an attribute (opset < 11) and as an input (opset 11+)');
  }
  return {
    kind: 'Clip',
    alpha: minInput ?? attrs.clipMinAttribute ?? -MAX_F32,
    beta: maxInput ?? attrs.clipMaxAttribute ?? MAX_F32,
  };
}

function activationOp(kind: StandaloneKind): OpDefinition<ActivationAttrs, Activation> {
  return {
    type: kind,
    parse(node) {
      return parseAttributes(kind, node);
    },
    infer(attrs, inputs, node) {
      const x = checkX(node, inputs[0]);
      return { outputs: [{ dtype: 'float32', shape: [...x.shape] }], resolved: resolveActivation(attrs, inputs, node) };
    },
    cpu(activation, inputs) {
      const x = inputs[0] as Tensor<'float32'>;
      const out = new Float32Array(x.data.length);
      for (let i = 0; i < out.length; i++) out[i] = applyActivationCpu(x.data[i], activation);
      return [{ dtype: 'float32', shape: [...x.shape], data: out }];
    },
    gpu(activation, _inputs, outputs) {
      const count = sizeOf(outputs[0].shape);
      const groups = Math.ceil(count / 4);
      return {
        steps: [
          {
            kernel: wgslKernel('activations', activationsWgsl),
            params: { total: groups, count, ...activationParams(activation) },
            bindings: { x: { input: 0 }, y: { output: 0 } },
            invocations: groups,
            label: kind,
          },
        ],
      };
    },
  };
}

export const ops: AnyOpDefinition[] = (['Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'LeakyRelu', 'Tanh', 'Elu'] as const).map(activationOp);
