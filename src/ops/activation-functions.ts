/**
 * The pointwise activations segmentation graphs use, shared by the standalone ops
 * (src/ops/activations.ts) and the fused epilogue of Conv. ONNX opset 17 formulas:
 *   Relu(x) = max(0, x)
 *   Sigmoid(x) = 1 / (1 + exp(-x))
 *   HardSigmoid(x) = max(0, min(1, alpha*x + beta))          alpha=0.2, beta=0.5 by default
 *   HardSwish(x) = x * max(0, min(1, x/6 + 1/2))
 *   Clip(x) = min(max(x, min), max)                           min/max are inputs since opset 11
 *   LeakyRelu(x) = x >= 0 ? x : alpha*x                        alpha=0.01 by default
 * The codes below match applyActivation() in shaders/common.wgsl.
 */
export type ActivationKind = 'None' | 'Relu' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Clip' | 'LeakyRelu';

export interface Activation {
  readonly kind: ActivationKind;
  /** HardSigmoid alpha, Clip min, LeakyRelu alpha. */
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
};

/** The largest finite f32: Clip's unbounded sides, and nothing larger can reach a kernel. */
export const MAX_F32 = 3.4028234663852886e38;

export function applyActivationCpu(x: number, a: Activation): number {
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
  }
}

/** Uniform fields every kernel with an activation epilogue declares: act, actAlpha, actBeta. */
export function activationParams(a: Activation): { act: number; actAlpha: number; actBeta: number } {
  return { act: ACTIVATION_CODES[a.kind], actAlpha: a.alpha, actBeta: a.beta };
}
