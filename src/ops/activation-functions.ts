/**
 * The pointwise activations segmentation graphs use, shared by the standalone ops
 * (src/ops/activations.ts) and the fused epilogue of Conv. ONNX opset 17 formulas:
 *   Relu(x) = max(0, x)
 *   Sigmoid(x) = 1 / (1 + exp(-x))
 *   HardSigmoid(x) = max(0, min(1, alpha*x + beta))          alpha=0.2, beta=0.5 by default
 *   HardSwish(x) = x * max(0, min(1, x/6 + 1/2))
 *   Clip(x) = min(max(x, min), max)                           min/max are inputs since opset 11
 *   LeakyRelu(x) = x >= 0 ? x : alpha*x                        alpha=0.01 by default
 *   Tanh(x) = (e^x - e^-x) / (e^x + e^-x)
 *   Elu(x) = x >= 0 ? x : alpha*(e^x - 1)                      alpha=1 by default
 * The codes below match applyActivation() in shaders/common.wgsl.
 *
 * Non-finite inputs follow the rule at the top of shaders/common.wgsl (PyTorch's): every
 * activation maps NaN to NaN (torch.relu(nan) is nan, where `x > 0 ? x : 0` would give 0), and
 * +-Inf follows IEEE arithmetic (HardSwish(-Inf) = -Inf * 0 = NaN, as in torch). Clip's omitted
 * bounds are the largest finite f32 (ONNX: numeric_limits::max()), so Clip(+Inf) without a max
 * is that number, where torch.clamp(inf, min=0) keeps inf.
 */
import { AttributeError } from '../core/errors.js';
import { floatsAttr } from './attributes.js';
import type { OpNode } from './types.js';

export type ActivationKind = 'None' | 'Relu' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Clip' | 'LeakyRelu' | 'Tanh' | 'Elu';

export interface Activation {
  readonly kind: ActivationKind;
  /** HardSigmoid alpha, Clip min, LeakyRelu and Elu alpha. */
  readonly alpha: number;
  /** HardSigmoid beta, Clip max. */
  readonly beta: number;
}

export const NO_ACTIVATION: Activation = { kind: 'None', alpha: 0, beta: 0 };

export const ACTIVATION_CODES: Readonly<Record<ActivationKind, number>> = {
  None: 0,
  Relu: 1,
  Sigmoid: 2,
  HardSigmoid: 3,
  HardSwish: 4,
  Clip: 5,
  LeakyRelu: 6,
  Tanh: 7,
  Elu: 8,
};

/** The largest finite f32: Clip's omitted bounds (ONNX: numeric_limits<float>::max()). */
export const MAX_F32 = 3.4028234663852886e38;

export function applyActivationCpu(x: number, a: Activation): number {
  if (Number.isNaN(x)) return x;
  switch (a.kind) {
    case 'None':
      return x;
    case 'Relu':
      return x > 0 ? x : 0;
    case 'Sigmoid':
      return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case 'HardSigmoid':
      return Math.max(0, Math.min(1, a.alpha * x + a.beta));
    case 'HardSwish':
      return x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'Clip':
      return Math.min(Math.max(x, a.alpha), a.beta);
    case 'LeakyRelu':
      return x >= 0 ? x : a.alpha * x;
    case 'Tanh':
      return Math.tanh(x);
    case 'Elu':
      return x >= 0 ? x : a.alpha * Math.expm1(x);
  }
}

/** Uniform fields every kernel with an activation epilogue declares: act, actAlpha, actBeta. */
export function activationParams(a: Activation): { act: number; actAlpha: number; actBeta: number } {
  return { act: ACTIVATION_CODES[a.kind], actAlpha: a.alpha, actBeta: a.beta };
}

const FUSABLE_ACTIVATIONS: readonly ActivationKind[] = ['Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'LeakyRelu'];

/**
 * The segwgpu extension attributes `activation` / `activation_params` of the ops with a fused
 * epilogue (Conv, ConvTranspose; see src/passes/fuse-activation.ts): HardSigmoid [alpha, beta]
 * (default [0.2, 0.5]), Clip [min, max] (default unbounded), LeakyRelu [alpha] (default 0.01); the
 * others take none.
 */
export function parseFusedActivation(node: OpNode): Activation {
  const name = node.attributes.activation;
  const params = floatsAttr(node, 'activation_params');
  if (name === undefined) {
    if (params !== undefined) throw new AttributeError(node, 'activation_params', params, 'is given without an activation attribute');
    return NO_ACTIVATION;
  }
  if (typeof name !== 'string' || !(FUSABLE_ACTIVATIONS as readonly string[]).includes(name)) {
    throw new AttributeError(node, 'activation', name, `must be one of ${FUSABLE_ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
  }
  const kind = name as ActivationKind;
  const expect = (count: number, fallback: number[]): number[] => {
    if (params === undefined) return fallback;
    if (params.length !== count) {
      throw new AttributeError(node, 'activation_params', params, `must hold ${count} value(s) for activation '${kind}'${count ? '' : ' (it takes none)'}`);
    }
    return params;
  };
  switch (kind) {
    case 'HardSigmoid': {
      const [alpha, beta] = expect(2, [0.2, 0.5]);
      return { kind, alpha, beta };
    }
    case 'Clip': {
      const [min, max] = expect(2, [-MAX_F32, MAX_F32]);
      return { kind, alpha: Math.max(min, -MAX_F32), beta: Math.min(max, MAX_F32) };
    }
    case 'LeakyRelu': {
      const [alpha] = expect(1, [0.01]);
      return { kind, alpha, beta: 0 };
    }
    default:
      expect(0, []);
      return { kind, alpha: 0, beta: 0 };
  }
}
