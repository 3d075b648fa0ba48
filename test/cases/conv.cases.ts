/**
 * Conv (ONNX opset 17, 2D) plus segwgpu's fused activation epilogue.
 *
 * Tolerance: atol 1e-4, rtol 1e-4 against the CPU reference, which sums in double precision. The
 * GPU sums K = Cg*KH*KW products in f32, in a different order (ky, kx outside, ci inside). Inputs
 * and weights are in [-1, 1), so each product is at most 1 in magnitude, K is at most 360 here,
 * and the f32 rounding error of such a sum behaves like a random walk: about
 * sqrt(K) * 2^-24 * (size of the partial sums, < 20 here) ~ 2e-5 at K = 360; 1e-4 leaves a
 * fivefold margin while an indexing mistake (a wrong or missing product, about 0.1 to 1) still fails.
 * Observed max errors are ~1e-6. The two Winograd F(2x2) cases (the rule takes it from 32
 * channels) sum shorter chains after exact-ish transforms: no larger errors (test/winograd.test.ts
 * forces both tile sizes over every edge).
 *
 * The tiling rule (pickConvTiling) picks tm 4 or 8 by output width and tn 4 or 8 by channels per
 * group, and the path (general, 1x1 with vec4 or scalar loads, depthwise) by shape: the grid
 * below reaches every combination.
 */
import { int32Tensor, tensor, type Tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-4, rtol: 1e-4 };

let seed = 100;
function convCase(name: string, x: number[], w: number[], attributes: Attributes, bias = true): OpCase {
  const inputs: (Tensor | undefined)[] = [randomTensor(x, seed++), randomTensor(w, seed++)];
  if (bias) inputs.push(randomTensor([w[0]], seed++));
  return { name, call: { opType: 'Conv', attributes, inputs }, tolerance: tol };
}

const image3x3 = tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

const handWorked: OpCase[] = [
  {
    // out[0][0] = 1*1 + 2*2 + 4*3 + 5*4 + 1 = 38, then windows shifted by one: 48, 68, 78.
    name: 'hand-worked 2x2 kernel on 3x3 with bias',
    call: { opType: 'Conv', inputs: [image3x3, tensor([1, 1, 2, 2], [1, 2, 3, 4]), tensor([1], [1])] },
    tolerance: tol,
    expected: [tensor([1, 1, 2, 2], [38, 48, 68, 78])],
  },
  {
    // 3x3 box filter, pad 1, stride 2: windows centred on the corners sum 1+2+4+5=12, 2+3+5+6=16,
    // 4+5+7+8=24, 5+6+8+9=28; bias -20 then Relu: 0, 0, 4, 8.
    name: 'hand-worked box filter pad 1 stride 2 bias and fused Relu',
    call: {
      opType: 'Conv',
      attributes: { pads: [1, 1, 1, 1], strides: [2, 2], activation: 'Relu' },
      inputs: [image3x3, tensor([1, 1, 3, 3], new Array(9).fill(1)), tensor([1], [-20])],
    },
    tolerance: tol,
    expected: [tensor([1, 1, 2, 2], [0, 0, 4, 8])],
  },
  {
    // Left pad 2 only: the row reads [0, 0, 1, 2, 3]; kernel [1, 10] gives 0, 10, 21, 32.
    name: 'hand-worked asymmetric pads (left 2, right 0)',
    call: { opType: 'Conv', attributes: { pads: [0, 2, 0, 0] }, inputs: [tensor([1, 1, 1, 3], [1, 2, 3]), tensor([1, 1, 1, 2], [1, 10])] },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 4], [0, 10, 21, 32])],
  },
  {
    // Even kernel, total pad 1: SAME_UPPER puts it at the end ([1,2,3,4,0] -> 21, 32, 43, 4).
    name: 'hand-worked auto_pad SAME_UPPER',
    call: { opType: 'Conv', attributes: { auto_pad: 'SAME_UPPER' }, inputs: [tensor([1, 1, 1, 4], [1, 2, 3, 4]), tensor([1, 1, 1, 2], [1, 10])] },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 4], [21, 32, 43, 4])],
  },
  {
    // SAME_LOWER puts it at the start ([0,1,2,3,4] -> 10, 21, 32, 43).
    name: 'hand-worked auto_pad SAME_LOWER',
    call: { opType: 'Conv', attributes: { auto_pad: 'SAME_LOWER' }, inputs: [tensor([1, 1, 1, 4], [1, 2, 3, 4]), tensor([1, 1, 1, 2], [1, 10])] },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 4], [10, 21, 32, 43])],
  },
  {
    // Dilation 2 along x: taps x[i] + x[i+2] -> 1+3, 2+4, 3+5.
    name: 'hand-worked dilation 2',
    call: { opType: 'Conv', attributes: { dilations: [1, 2] }, inputs: [tensor([1, 1, 1, 5], [1, 2, 3, 4, 5]), tensor([1, 1, 1, 2], [1, 1])] },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 3], [4, 6, 8])],
  },
  {
    // Depthwise (group 2): channel 0 [1,2]*2 = [2,4]; channel 1 [3,4]*-1 = [-3,-4].
    name: 'hand-worked depthwise group 2',
    call: { opType: 'Conv', attributes: { group: 2 }, inputs: [tensor([1, 2, 1, 2], [1, 2, 3, 4]), tensor([2, 1, 1, 1], [2, -1])] },
    tolerance: tol,
    expected: [tensor([1, 2, 1, 2], [2, 4, -3, -4])],
  },
  {
    // 1x1 over 2 channels into 2: out0 = x0 + 2*x1, out1 = -x0; then Clip to [-2, 5]:
    // x0 = [1, 3], x1 = [2, 4] -> out0 = [5, 11] -> [5, 5]; out1 = [-1, -3] -> [-1, -2].
    name: 'hand-worked 1x1 with fused Clip',
    call: {
      opType: 'Conv',
      attributes: { activation: 'Clip', activation_params: [-2, 5] },
      inputs: [tensor([1, 2, 1, 2], [1, 3, 2, 4]), tensor([2, 2, 1, 1], [1, 2, -1, 0])],
    },
    tolerance: tol,
    expected: [tensor([1, 2, 1, 2], [5, 5, -1, -2])],
  },
  {
    // HardSigmoid alpha 0.5 beta 0.25 of x*1: 0.5*(-1)+0.25 -> 0, 0.5*0.5+0.25 = 0.5, 0.5*2+0.25 -> 1.
    name: 'hand-worked fused HardSigmoid with parameters',
    call: {
      opType: 'Conv',
      attributes: { activation: 'HardSigmoid', activation_params: [0.5, 0.25] },
      inputs: [tensor([1, 1, 1, 3], [-1, 0.5, 2]), tensor([1, 1, 1, 1], [1])],
    },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 3], [0, 0.5, 1])],
  },
];

// General path: strides, asymmetric pads, kernel sizes and shapes, dilations, auto_pad.
const general: OpCase[] = [
  convCase('3x3 s1 pad 1, batch 2, 5->6 on 7x9', [2, 5, 7, 9], [6, 5, 3, 3], { pads: [1, 1, 1, 1] }),
  convCase('3x3 s1 pad 1, 5->6 on 7x9, no bias', [1, 5, 7, 9], [6, 5, 3, 3], { pads: [1, 1, 1, 1] }, false),
  convCase('3x3 s2 asymmetric pads [0,1,2,1], 3->5 on 9x11', [1, 3, 9, 11], [5, 3, 3, 3], { pads: [0, 1, 2, 1], strides: [2, 2] }),
  convCase('3x3 s3 asymmetric pads [2,0,1,2], 4->4 on 10x13', [1, 4, 10, 13], [4, 4, 3, 3], { pads: [2, 0, 1, 2], strides: [3, 3] }),
  convCase('3x3 strides [1,3] no pad, 3->9 on 8x17', [1, 3, 8, 17], [9, 3, 3, 3], { strides: [1, 3] }),
  convCase('3x3 strides [2,1] pads [1,2,1,0], 2->3 on 6x7', [1, 2, 6, 7], [3, 2, 3, 3], { pads: [1, 2, 1, 0], strides: [2, 1] }),
  // 32 channels in and out: the rule's Winograd F(2x2) (src/ops/conv-winograd.ts), in both runtimes.
  convCase('3x3 s1 pad 1, 32->36 on 9x7 (Winograd F(2x2))', [1, 32, 9, 7], [36, 32, 3, 3], { pads: [1, 1, 1, 1] }),
  convCase('3x3 s1 pads [0,1,2,0], batch 2, 40->32 on 6x5 (Winograd F(2x2))', [2, 40, 6, 5], [32, 40, 3, 3], { pads: [0, 1, 2, 0] }),
  convCase('5x5 s1 pad 2, 3->8 on 7x9', [1, 3, 7, 9], [8, 3, 5, 5], { pads: [2, 2, 2, 2] }),
  convCase('5x5 s2 pads [3,1,0,4], batch 2, 5->3 on 11x9', [2, 5, 11, 9], [3, 5, 5, 5], { pads: [3, 1, 0, 4], strides: [2, 2] }),
  convCase('5x5 K=200 (8->12), pad 2, on 9x10', [1, 8, 9, 10], [12, 8, 5, 5], { pads: [2, 2, 2, 2] }),
  convCase('3x1 pads [1,0,1,0], 4->5 on 7x9', [1, 4, 7, 9], [5, 4, 3, 1], { pads: [1, 0, 1, 0] }),
  convCase('1x3 s [2,1] pads [0,1,0,1], 4->5 on 7x9', [1, 4, 7, 9], [5, 4, 1, 3], { pads: [0, 1, 0, 1], strides: [2, 1] }),
  convCase('kernel_shape given, 3x3 s1 no pad, 3->4 on 5x6', [1, 3, 5, 6], [4, 3, 3, 3], { kernel_shape: [3, 3] }),
  convCase('1x1 s2 (general path), 5->6 on 7x9', [1, 5, 7, 9], [6, 5, 1, 1], { strides: [2, 2] }),
  convCase('1x1 with pads [1,0,0,2] (general path), 3->5 on 5x7', [1, 3, 5, 7], [5, 3, 1, 1], { pads: [1, 0, 0, 2] }),
  convCase('dilations [2,2] 3x3 pad 2, 4->6 on 9x11', [1, 4, 9, 11], [6, 4, 3, 3], { pads: [2, 2, 2, 2], dilations: [2, 2] }),
  convCase('dilations [1,2] 3x3 s2 pad [1,2,1,2], 3->5 on 8x12', [1, 3, 8, 12], [5, 3, 3, 3], { pads: [1, 2, 1, 2], dilations: [1, 2], strides: [2, 2] }),
  convCase('dilations [2,1] 5x3 no pad, 3->4 on 11x7', [1, 3, 11, 7], [4, 3, 5, 3], { dilations: [2, 1] }),
  convCase('auto_pad SAME_UPPER s2 3x3, 3->5 on 7x9', [1, 3, 7, 9], [5, 3, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  convCase('auto_pad SAME_UPPER s1 4x4 (uneven pads), 3->5 on 7x9', [1, 3, 7, 9], [5, 3, 4, 4], { auto_pad: 'SAME_UPPER' }),
  convCase('auto_pad SAME_LOWER s1 4x4 (uneven pads), 3->5 on 7x9', [1, 3, 7, 9], [5, 3, 4, 4], { auto_pad: 'SAME_LOWER' }),
  convCase('auto_pad SAME_LOWER s3 dilation 2, 2->3 on 10x11', [1, 2, 10, 11], [3, 2, 3, 3], { auto_pad: 'SAME_LOWER', strides: [3, 3], dilations: [2, 2] }),
  convCase('auto_pad VALID s2 3x3, 3->4 on 8x9', [1, 3, 8, 9], [4, 3, 3, 3], { auto_pad: 'VALID', strides: [2, 2] }),
  convCase('auto_pad NOTSET explicit, pads [0,0,1,1], 2->4 on 5x5', [1, 2, 5, 5], [4, 2, 3, 3], { auto_pad: 'NOTSET', pads: [0, 0, 1, 1] }),
  convCase('narrow output (width 3, tile 4), 6->10 on 9x5', [1, 6, 9, 5], [10, 6, 3, 3], {}),
  convCase('input narrower than one tile with pads, 2->3 on 3x2', [1, 2, 3, 2], [3, 2, 3, 3], { pads: [1, 1, 1, 1] }),
  convCase('wide output row (24), 16->16 3x3 pad 1 on 5x24', [1, 16, 5, 24], [16, 16, 3, 3], { pads: [1, 1, 1, 1] }),
  // Output rows a multiple of 4 wide store vec4s (the rows4 variant): a row of 12 = one whole
  // tile of 8 and a tail of 4, with 5 channels (a channel tail too), and stride 2 onto 4 columns.
  convCase('rows4: 3x3 pad 1, 3->5 on 6x12 (row and channel tails)', [1, 3, 6, 12], [5, 3, 3, 3], { pads: [1, 1, 1, 1], activation: 'HardSwish' }),
  convCase('rows4: 3x3 s2 pad 1, batch 2, 4->8 on 7x8', [2, 4, 7, 8], [8, 4, 3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }),
];

// Groups: grouped general path and depthwise path.
const groups: OpCase[] = [
  convCase('group 2, 4->6 3x3 pad 1 on 7x9', [1, 4, 7, 9], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }),
  convCase('group 2, 6->10 (5 per group) 3x3 s2, batch 2 on 9x11', [2, 6, 9, 11], [10, 3, 3, 3], { group: 2, strides: [2, 2] }),
  convCase('group 3, 6->3 1x1 (1x1 path)', [1, 6, 5, 7], [3, 2, 1, 1], { group: 3 }),
  convCase('group 3 = C, channel multiplier 2 (3->6), 3x3 pad 1', [1, 3, 7, 9], [6, 1, 3, 3], { group: 3, pads: [1, 1, 1, 1] }),
  convCase('depthwise 5 channels 3x3 pad 1, batch 2 on 7x9', [2, 5, 7, 9], [5, 1, 3, 3], { group: 5, pads: [1, 1, 1, 1] }),
  convCase('depthwise 5 channels 3x3 pad 1, no bias', [1, 5, 7, 9], [5, 1, 3, 3], { group: 5, pads: [1, 1, 1, 1] }, false),
  convCase('depthwise 6 channels 3x3 s2 asymmetric pads', [1, 6, 9, 11], [6, 1, 3, 3], { group: 6, pads: [1, 0, 2, 1], strides: [2, 2] }),
  convCase('depthwise 3 channels 3x3 s3 dilation 2 pad 2', [1, 3, 11, 13], [3, 1, 3, 3], { group: 3, pads: [2, 2, 2, 2], strides: [3, 3], dilations: [2, 2] }),
  convCase('depthwise 4 channels 5x5 SAME_UPPER on narrow 6x3', [1, 4, 6, 3], [4, 1, 5, 5], { group: 4, auto_pad: 'SAME_UPPER' }),
  convCase('depthwise 4 channels 1x3 on 5x17', [1, 4, 5, 17], [4, 1, 1, 3], { group: 4, pads: [0, 1, 0, 1] }),
];

// 1x1 path (1x1 kernel, stride 1, no padding): vec4 loads when H*W % 4 == 0, scalar otherwise.
const pointwise: OpCase[] = [
  convCase('1x1 scalar loads (63 pixels), batch 2, 5->7', [2, 5, 7, 9], [7, 5, 1, 1], {}),
  convCase('1x1 vec4 loads (32 pixels), 6->9', [1, 6, 4, 8], [9, 6, 1, 1], {}),
  convCase('1x1 vec4 loads, tail tile (36 pixels), 3->3, no bias', [1, 3, 6, 6], [3, 3, 1, 1], {}, false),
  convCase('1x1 few pixels (3), 8->12', [1, 8, 1, 3], [12, 8, 1, 1], {}),
  convCase('1x1 explicit zero pads and dilation, 4->5', [2, 4, 5, 4], [5, 4, 1, 1], { pads: [0, 0, 0, 0], dilations: [2, 3] }),
];

// The fused epilogue: every activation (default and given parameters) on the general path, some on
// the 1x1 and depthwise paths. The activation kind is compiled into each kernel variant, so these
// shapes keep to the small 4-pixel x 4-channel tile (quick to compile); inputs in [-2, 2) reach
// every activation's saturated regions. Relu also runs on the 8 x 8 tile.
const activationSpecs: [string, Attributes][] = [
  ['Relu', { activation: 'Relu' }],
  ['Sigmoid', { activation: 'Sigmoid' }],
  ['HardSigmoid default', { activation: 'HardSigmoid' }],
  ['HardSigmoid [0.3, 0.4]', { activation: 'HardSigmoid', activation_params: [0.3, 0.4] }],
  ['HardSwish', { activation: 'HardSwish' }],
  ['Clip [-0.5, 0.7]', { activation: 'Clip', activation_params: [-0.5, 0.7] }],
  ['Clip unbounded', { activation: 'Clip' }],
  ['LeakyRelu default', { activation: 'LeakyRelu' }],
  ['LeakyRelu [0.2]', { activation: 'LeakyRelu', activation_params: [0.2] }],
];
function activationCase(name: string, x: number[], w: number[], attributes: Attributes): OpCase {
  const inputs = [randomTensor(x, seed++, -2, 2), randomTensor(w, seed++), randomTensor([w[0]], seed++)];
  return { name, call: { opType: 'Conv', attributes, inputs }, tolerance: tol };
}
const activations: OpCase[] = [
  ...activationSpecs.map(([label, act]) => activationCase(`${label} on 3x3 pad 1, 3->4`, [1, 3, 4, 4], [4, 3, 3, 3], { pads: [1, 1, 1, 1], ...act })),
  ...activationSpecs
    .filter(([label]) => /^(Sigmoid|Clip \[)/.test(label))
    .map(([label, act]) => activationCase(`${label} on 1x1, 4->3`, [1, 4, 2, 2], [3, 4, 1, 1], act)),
  ...activationSpecs
    .filter(([label]) => /^(HardSigmoid \[|LeakyRelu \[)/.test(label))
    .map(([label, act]) => activationCase(`${label} on depthwise 3x3`, [1, 4, 5, 4], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1], ...act })),
  activationCase('Relu on 8x8 tile, 3x3 pad 1, 5->8 on 6x11', [1, 5, 6, 11], [8, 5, 3, 3], { pads: [1, 1, 1, 1], activation: 'Relu' }),
];

// Depthwise rows wide enough for interior tiles, where the sliding-row variant runs
// (convDepthwiseKernel with a fixed window): every kernel width, stride and dilation it takes.
const depthwiseSliding: OpCase[] = [
  [3, 1, 1], [3, 2, 1], [3, 1, 2], [3, 2, 2], [5, 1, 1], [5, 2, 1], [5, 1, 2], [7, 2, 2], [1, 1, 1],
].map(([k, s, d]) => {
  const p = ((k - 1) * d) >> 1;
  return convCase(`depthwise sliding rows k${k} s${s} d${d} on 2x5x9x45`, [2, 5, 9, 45], [5, 1, k, k], { group: 5, strides: [s, s], dilations: [d, d], pads: [p, p, p, p] }, true);
});

// The fused residual input R (4th input, from src/passes/fuse-residual-add.ts): added after the
// activation, on every kernel path, with and without bias and activation, including tiles that
// overhang the row or the channels (the guarded stores add R too).
// Stride 1 and symmetric pads only, so the output size is input + 2*pad - kernel + 1.
function residualCase(name: string, x: number[], w: number[], attributes: Attributes, bias = true): OpCase {
  const base = convCase(name, x, w, attributes, bias);
  const [xt, wt, bt] = base.call.inputs;
  const [padY, padX] = (attributes.pads as number[] | undefined) ?? [0, 0];
  const r = randomTensor([x[0], w[0], x[2] + 2 * padY - w[2] + 1, x[3] + 2 * padX - w[3] + 1], seed++, -2, 2);
  return { ...base, call: { ...base.call, inputs: [xt, wt, bt, r] } };
}
const residual: OpCase[] = [
  {
    // 1x1 identity weight, no bias, Relu, then R: relu([1, -2]) + [10, 20] = [11, 20] (the
    // activation comes before the residual, as in a MobileNet block's projection + skip).
    name: 'hand-worked residual after the fused Relu',
    call: { opType: 'Conv', attributes: { activation: 'Relu' }, inputs: [tensor([1, 1, 1, 2], [1, -2]), tensor([1, 1, 1, 1], [1]), undefined, tensor([1, 1, 1, 2], [10, 20])] },
    tolerance: tol,
    expected: [tensor([1, 1, 1, 2], [11, 20])],
  },
  residualCase('residual, general 3x3 pad 1, HardSwish, batch 2, 5->6 on 7x11', [2, 5, 7, 11], [6, 5, 3, 3], { pads: [1, 1, 1, 1], activation: 'HardSwish' }),
  residualCase('residual, general 3x3 pad 1, no bias, 3->12 on 4x9', [1, 3, 4, 9], [12, 3, 3, 3], { pads: [1, 1, 1, 1] }, false),
  residualCase('residual, general rows4 3x3 pad 1, Relu, 4->6 on 5x12', [1, 4, 5, 12], [6, 4, 3, 3], { pads: [1, 1, 1, 1], activation: 'Relu' }),
  residualCase('residual, 1x1 vec4 loads, Relu, 6->9 on 4x8', [1, 6, 4, 8], [9, 6, 1, 1], { activation: 'Relu' }),
  residualCase('residual, 1x1 scalar loads, batch 2, 5->7 on 7x9', [2, 5, 7, 9], [7, 5, 1, 1], {}),
  residualCase('residual, 1x1 vec4 tail tile, 16->16 on 6x6', [1, 16, 6, 6], [16, 16, 1, 1], {}),
  residualCase('residual, depthwise sliding rows 3x3 pad 1, Relu, batch 2 on 9x21', [2, 4, 9, 21], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1], activation: 'Relu' }),
  residualCase('residual, depthwise 5x5 pad 2 (edge tiles only) on 6x13', [1, 3, 6, 13], [3, 1, 5, 5], { group: 3, pads: [2, 2, 2, 2] }),
  residualCase('residual, depthwise 9x9 (no sliding variant) pad 4 on 9x10', [1, 2, 9, 10], [2, 1, 9, 9], { group: 2, pads: [4, 4, 4, 4] }),
];

export const cases: OpCase[] = [...handWorked, ...general, ...groups, ...pointwise, ...activations, ...depthwiseSliding, ...residual];

const x = (shape: number[]): Tensor => randomTensor(shape, 1);
const invalid = (name: string, inputs: (Tensor | undefined)[], attributes: Attributes, messageMatches: RegExp[]): InvalidCase => ({
  name,
  call: { opType: 'Conv', name: 'c1', attributes, inputs },
  messageMatches: [/c1/, /Conv/, ...messageMatches],
});

export const invalidCases: InvalidCase[] = [
  invalid('negative pads', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { pads: [1, -1, 1, 1] }, [/pads/, /\[1, -1, 1, 1\]/, /negative/]),
  invalid('group not dividing C_in', [x([1, 3, 5, 5]), x([4, 1, 3, 3])], { group: 2 }, [/group/, /=2/, /C=3/]),
  invalid('group not dividing C_out', [x([1, 4, 5, 5]), x([3, 2, 3, 3])], { group: 2 }, [/group/, /=2/, /M=3/]),
  invalid('weight channels != C_in/group', [x([1, 4, 5, 5]), x([4, 4, 3, 3])], { group: 2 }, [/input W/, /4x4x3x3/, /4\/2 = 2/]),
  invalid('group 0', [x([1, 4, 5, 5]), x([4, 4, 3, 3])], { group: 0 }, [/group/, /=0/]),
  invalid('kernel larger than padded input', [x([1, 1, 2, 2]), x([1, 1, 3, 3])], {}, [/kernel_shape/, /\[3, 3\]/, /larger than the padded input/]),
  invalid('dilated kernel larger than padded input', [x([1, 1, 4, 4]), x([1, 1, 3, 3])], { dilations: [2, 2], pads: [0, 0, 0, 0] }, [/kernel_shape/, /dilated extent 5/]),
  invalid('weight of rank 3', [x([1, 2, 5, 5]), x([3, 2, 3])], {}, [/input W/, /\[3x2x3\]/, /rank 4/]),
  invalid('1D input (rank 3)', [x([1, 2, 5]), x([3, 2, 3])], {}, [/input X/, /\[1x2x5\]/, /rank 4/]),
  invalid('3D input (rank 5)', [x([1, 2, 3, 4, 5]), x([3, 2, 3, 3, 3])], {}, [/input X/, /\[1x2x3x4x5\]/, /rank 4/]),
  invalid('unknown activation', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { activation: 'Gelu' }, [/activation/, /'Gelu'/, /Relu/]),
  invalid('activation_params with the wrong count', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { activation: 'LeakyRelu', activation_params: [0.1, 0.2] }, [/activation_params/, /\[0.1, 0.2\]/, /1 value/]),
  invalid('activation_params for Relu', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { activation: 'Relu', activation_params: [1] }, [/activation_params/, /\[1\]/, /takes none/]),
  invalid('activation_params without activation', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { activation_params: [1] }, [/activation_params/, /\[1\]/, /without/]),
  invalid('auto_pad invalid string', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { auto_pad: 'SAME' }, [/auto_pad/, /'SAME'/, /SAME_UPPER/]),
  invalid('pads together with auto_pad', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { auto_pad: 'VALID', pads: [1, 1, 1, 1] }, [/pads/, /VALID/]),
  invalid('pads of the wrong length', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { pads: [1, 1] }, [/pads/, /\[1, 1\]/, /4 values/]),
  invalid('strides zero', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { strides: [0, 1] }, [/strides/, /\[0, 1\]/, /positive/]),
  invalid('kernel_shape not matching W', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { kernel_shape: [2, 2] }, [/kernel_shape/, /\[2, 2\]/, /3x3|\[3, 3\]/]),
  invalid('bias of the wrong length', [x([1, 2, 5, 5]), x([3, 2, 3, 3]), x([2])], {}, [/input B/, /\[2\]/, /\[3\]/]),
  invalid('unknown attribute', [x([1, 2, 5, 5]), x([3, 2, 3, 3])], { padding: [1, 1, 1, 1] }, [/padding/, /not an attribute/]),
  invalid('residual of the wrong shape', [x([1, 2, 5, 5]), x([3, 2, 3, 3]), undefined, x([1, 3, 5, 5])], {}, [/input R/, /\[1x3x5x5\]/, /\[1x3x3x3\]/]),
  invalid('residual of integer dtype', [x([1, 2, 5, 5]), x([3, 2, 3, 3]), undefined, int32Tensor([1, 3, 3, 3], new Array(27).fill(1))], {}, [/input R/, /int32/]),
];
