/**
 * Relu, Sigmoid, HardSigmoid, HardSwish, Clip, LeakyRelu, Tanh, Elu.
 * Tolerance (GPU vs CPU): 1e-6 absolute + 1e-6 relative. The CPU reference computes in float64;
 * the GPU in f32 with at most a few rounding steps (HardSwish's x/6 is a 2.5-ULP division, Sigmoid's
 * exp is within 3+2|x| ULP of a value <= 1, i.e. well under 1e-6 absolute for the |x| <= 30 used).
 * Element counts 1, 3, 5, 7, 4·k+r exercise the vec4 kernel's partial last group.
 */
import { int32Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-6, rtol: 1e-6 };
const scalar = (v: number): Tensor => tensor([], [v]);

/** Hand-worked expectations: each value below was worked out from the ONNX formula on paper. */
const handWorked: OpCase[] = [
  {
    name: 'Relu hand-worked',
    call: { opType: 'Relu', inputs: [tensor([5], [-2, -0.5, 0, 0.5, 3])] },
    tolerance: tol,
    expected: [tensor([5], [0, 0, 0, 0.5, 3])],
  },
  {
    // 1/(1+e^0) = 1/2; 1/(1+1/3) = 3/4; 1/(1+3) = 1/4; 1/(1+e^-100) = 1 in f32; e^-100/(1+e^-100) ~ 3.7e-44.
    name: 'Sigmoid hand-worked 0, ±ln3, ±100',
    call: { opType: 'Sigmoid', inputs: [tensor([5], [0, Math.log(3), -Math.log(3), 100, -100])] },
    tolerance: tol,
    expected: [tensor([5], [0.5, 0.75, 0.25, 1, 0])],
    expectedTolerance: { atol: 1e-6, rtol: 1e-6 },
  },
  {
    // 0.2x + 0.5 clamped to [0, 1]: -3 → -0.1 → 0; -2.5 → 0; 0 → 0.5; 1 → 0.7; 2.5 → 1; 3 → 1.1 → 1.
    name: 'HardSigmoid hand-worked defaults (alpha 0.2, beta 0.5)',
    call: { opType: 'HardSigmoid', inputs: [tensor([6], [-3, -2.5, 0, 1, 2.5, 3])] },
    tolerance: tol,
    expected: [tensor([6], [0, 0, 0.5, 0.7, 1, 1])],
  },
  {
    // 0.5x + 0.25: -1 → -0.25 → 0; 0 → 0.25; 1 → 0.75; 2 → 1.25 → 1.
    name: 'HardSigmoid hand-worked alpha 0.5 beta 0.25',
    call: { opType: 'HardSigmoid', attributes: { alpha: 0.5, beta: 0.25 }, inputs: [tensor([4], [-1, 0, 1, 2])] },
    tolerance: tol,
    expected: [tensor([4], [0, 0.25, 0.75, 1])],
  },
  {
    // x·clamp(x/6 + 1/2, 0, 1): -4 → 0; -3 → -3·0 = 0; -1.5 → -1.5·0.25 = -0.375; 0 → 0;
    // 1.5 → 1.5·0.75 = 1.125; 3 → 3·1 = 3; 4 → 4.
    name: 'HardSwish hand-worked at -4, -3, -1.5, 0, 1.5, 3, 4',
    call: { opType: 'HardSwish', inputs: [tensor([7], [-4, -3, -1.5, 0, 1.5, 3, 4])] },
    tolerance: tol,
    expected: [tensor([7], [0, 0, -0.375, 0, 1.125, 3, 4])],
  },
  {
    name: 'LeakyRelu hand-worked default alpha 0.01',
    call: { opType: 'LeakyRelu', inputs: [tensor([4], [-2, -0.5, 0, 1])] },
    tolerance: tol,
    expected: [tensor([4], [-0.02, -0.005, 0, 1])],
  },
  {
    name: 'LeakyRelu hand-worked alpha 0.1',
    call: { opType: 'LeakyRelu', attributes: { alpha: 0.1 }, inputs: [tensor([2], [-3, 2])] },
    tolerance: tol,
    expected: [tensor([2], [-0.3, 2])],
  },
  {
    name: 'Clip hand-worked min -1 max 2 (inputs)',
    call: { opType: 'Clip', inputs: [tensor([6], [-3, -1, 0, 1.5, 2, 5]), scalar(-1), scalar(2)] },
    tolerance: tol,
    expected: [tensor([6], [-1, -1, 0, 1.5, 2, 2])],
  },
  {
    name: 'Clip hand-worked max only (min omitted)',
    call: { opType: 'Clip', inputs: [tensor([3], [-7, 0.3, 0.9]), undefined, scalar(0.5)] },
    tolerance: tol,
    expected: [tensor([3], [-7, 0.3, 0.5])],
  },
  {
    name: 'Clip hand-worked min only, given as shape [1]',
    call: { opType: 'Clip', inputs: [tensor([3], [-7, 0.3, 0.9]), tensor([1], [0])] },
    tolerance: tol,
    expected: [tensor([3], [0, 0.3, 0.9])],
  },
  {
    name: 'Clip hand-worked opset-6 attributes min -0.5 max 0.5',
    call: { opType: 'Clip', attributes: { min: -0.5, max: 0.5 }, inputs: [tensor([5], [-1, -0.5, 0.25, 0.5, 1])] },
    tolerance: tol,
    expected: [tensor([5], [-0.5, -0.5, 0.25, 0.5, 0.5])],
  },
  {
    // tanh(ln 3) = (3 - 1/3) / (3 + 1/3) = 0.8; tanh(20) = 1 in f32; odd.
    name: 'Tanh hand-worked 0, ±ln3, ±20',
    call: { opType: 'Tanh', inputs: [tensor([5], [0, Math.log(3), -Math.log(3), 20, -20])] },
    tolerance: tol,
    expected: [tensor([5], [0, 0.8, -0.8, 1, -1])],
  },
  {
    // alpha (e^-ln2 - 1) = -alpha/2; non-negative x passes through.
    name: 'Elu hand-worked alpha 1 and 2',
    call: { opType: 'Elu', inputs: [tensor([3], [-Math.log(2), 0, 3])] },
    tolerance: tol,
    expected: [tensor([3], [-0.5, 0, 3])],
  },
  {
    name: 'Elu hand-worked alpha 2',
    call: { opType: 'Elu', attributes: { alpha: 2 }, inputs: [tensor([2], [-Math.log(2), -Math.log(4)])] },
    tolerance: tol,
    expected: [tensor([2], [-1, -1.5])],
  },
  {
    name: 'Clip hand-worked no bounds is the identity',
    call: { opType: 'Clip', inputs: [tensor([3], [-1e30, 0, 1e30])] },
    tolerance: tol,
    expected: [tensor([3], [-1e30, 0, 1e30])],
  },
];

/** Element counts around multiples of 4 (the kernel's vec4 groups), up to a batch-2 NCHW tensor. */
const shapes: number[][] = [[1], [3], [4], [5], [7], [2, 3, 5], [3, 1, 6], [2, 5, 7, 9], [2, 8, 16, 17]];

/** Every op and attribute variant over the shape grid; inputs span every region of each formula. */
const variants: { label: string; opType: string; attributes?: Record<string, number>; bounds?: (Tensor | undefined)[]; range: [number, number] }[] = [
  { label: 'Relu', opType: 'Relu', range: [-5, 5] },
  { label: 'Sigmoid', opType: 'Sigmoid', range: [-30, 30] },
  { label: 'HardSigmoid defaults', opType: 'HardSigmoid', range: [-5, 5] },
  { label: 'HardSigmoid alpha 0.3 beta 0.4', opType: 'HardSigmoid', attributes: { alpha: 0.3, beta: 0.4 }, range: [-5, 5] },
  { label: 'HardSwish', opType: 'HardSwish', range: [-5, 5] },
  { label: 'LeakyRelu default', opType: 'LeakyRelu', range: [-5, 5] },
  { label: 'LeakyRelu alpha 0.2', opType: 'LeakyRelu', attributes: { alpha: 0.2 }, range: [-5, 5] },
  { label: 'Clip min/max inputs (ReLU6)', opType: 'Clip', bounds: [scalar(0), scalar(6)], range: [-8, 8] },
  { label: 'Clip min input only', opType: 'Clip', bounds: [scalar(-0.25)], range: [-1, 1] },
  { label: 'Clip max input only', opType: 'Clip', bounds: [undefined, scalar(0.25)], range: [-1, 1] },
  { label: 'Clip attributes', opType: 'Clip', attributes: { min: -0.5, max: 0.75 }, range: [-1, 1] },
  { label: 'Clip unbounded', opType: 'Clip', range: [-1, 1] },
  { label: 'Tanh', opType: 'Tanh', range: [-10, 10] },
  { label: 'Elu default', opType: 'Elu', range: [-5, 5] },
  { label: 'Elu alpha 0.5', opType: 'Elu', attributes: { alpha: 0.5 }, range: [-5, 5] },
];

const grid: OpCase[] = variants.flatMap((v, vi) =>
  shapes.map((shape, si) => ({
    name: `${v.label} ${shape.join('x')}`,
    call: {
      opType: v.opType,
      attributes: v.attributes,
      inputs: [randomTensor(shape, 100 * vi + si, v.range[0], v.range[1]), ...(v.bounds ?? [])],
    },
    tolerance: tol,
  })),
);

export const cases: OpCase[] = [...handWorked, ...grid];

export const invalidCases: InvalidCase[] = [
  {
    name: 'Relu with an attribute it does not have',
    call: { opType: 'Relu', name: 'relu1', attributes: { alpha: 0.5 }, inputs: [randomTensor([4], 1)] },
    messageMatches: [/relu1/, /Relu/, /alpha=0\.5/],
  },
  {
    name: 'LeakyRelu alpha that is not a number',
    call: { opType: 'LeakyRelu', name: 'lrelu', attributes: { alpha: 'big' }, inputs: [randomTensor([4], 1)] },
    messageMatches: [/lrelu/, /LeakyRelu/, /alpha='big'/],
  },
  {
    name: 'HardSigmoid on an int32 input',
    call: { opType: 'HardSigmoid', name: 'hs', inputs: [int32Tensor([2], [1, 2])] },
    messageMatches: [/hs/, /HardSigmoid/, /input X/, /int32/],
  },
  {
    name: 'Clip min that is not a scalar',
    call: { opType: 'Clip', name: 'clip1', inputs: [randomTensor([4], 1), tensor([2], [0, 1])] },
    messageMatches: [/clip1/, /Clip/, /input min/, /\[2\]/, /scalar/],
  },
  {
    name: 'Clip max of dtype int32',
    call: { opType: 'Clip', name: 'clip2', inputs: [randomTensor([4], 1), undefined, int32Tensor([], [6])] },
    messageMatches: [/clip2/, /Clip/, /input max/, /int32/],
  },
  {
    name: 'Clip min given both as attribute and as input',
    call: { opType: 'Clip', name: 'clip3', attributes: { min: 0 }, inputs: [randomTensor([4], 1), scalar(-1)] },
    messageMatches: [/clip3/, /Clip/, /min=0/, /attribute/, /input/],
  },
  {
    name: 'Clip with an unknown attribute',
    call: { opType: 'Clip', name: 'clip4', attributes: { lower: 0 }, inputs: [randomTensor([4], 1)] },
    messageMatches: [/clip4/, /Clip/, /lower=0/],
  },
];
