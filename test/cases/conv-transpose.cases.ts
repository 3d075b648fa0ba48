/**
 * ConvTranspose (ONNX opset 17). The GPU gather kernel is compared with the CPU scatter reference.
 *
 * Tolerance: atol 1e-5, rtol 1e-5. Inputs are uniform in [-1, 1); each output sums at most ~150
 * products here (C/group times the contributing taps), so it stays below ~15 in magnitude, and the
 * GPU's f32 accumulation (the CPU reference accumulates in f64) drifts by well under 1e-6 (the
 * largest seen is 8e-7). Hand-worked cases are small integers, exact in f32.
 */
import { tensor, type Tensor } from '../../src/core/tensor.js';
import type { Attributes } from '../../src/ir/attributes.js';
import type { InvalidCase, OpCase } from '../util/cases.js';
import { randomTensor } from '../util/random.js';

const tol = { atol: 1e-5, rtol: 1e-5 };

function convT(name: string, inputs: (Tensor | undefined)[], attributes: Attributes, expected?: Tensor): OpCase {
  return { name, call: { opType: 'ConvTranspose', name, attributes, inputs }, tolerance: tol, ...(expected ? { expected: [expected] } : {}) };
}

let seed = 1000;
/** X [N, C, H, W], W [C, M/group, kH, kW] and, when asked, B [M], all random. */
function randomInputs(x: number[], w: number[], group: number, bias: boolean): (Tensor | undefined)[] {
  seed += 3;
  return [randomTensor(x, seed), randomTensor(w, seed + 1), bias ? randomTensor([w[1] * group], seed + 2) : undefined];
}

// --- Hand-worked ------------------------------------------------------------------------------
// A row X = [1, 2, 3] with kernel [1, 2, 3] at stride 2 scatters to the full (uncropped) row
//   pos: 0  1  2    3  4    5  6
//        1  2  3+2  4  6+3  6  9   =  [1, 2, 5, 4, 9, 6, 9]   (natural width 2*(3-1) + 3 = 7)
const row123 = tensor([1, 1, 1, 3], [1, 2, 3]);
const kernel123 = tensor([1, 1, 1, 3], [1, 2, 3]);

// The ONNX backend tests' 3x3 ramp and all-ones 3x3 kernel with two output channels.
const ramp3x3 = tensor([1, 1, 3, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
const ones2x3x3 = tensor([1, 2, 3, 3], new Array(18).fill(1));
const twice = (rows: number[][]): number[] => [...rows.flat(), ...rows.flat()];

const handWorked: OpCase[] = [
  // U-Net style k=2, s=2: each input pixel writes its own 2x2 block x*W, no overlap, plus bias 0.5.
  convT(
    'hand: U-Net k2 s2 with bias',
    [tensor([1, 1, 2, 2], [1, 2, 3, 4]), tensor([1, 1, 2, 2], [1, 10, 100, 1000]), tensor([1], [0.5])],
    { strides: [2, 2] },
    tensor([1, 1, 4, 4], [
      1.5, 10.5, 2.5, 20.5,
      100.5, 1000.5, 200.5, 2000.5,
      3.5, 30.5, 4.5, 40.5,
      300.5, 3000.5, 400.5, 4000.5,
    ]),
  ),
  // Full row [1, 2, 5, 4, 9, 6, 9], asymmetric pads: 1 removed at the start, 0 at the end.
  convT('hand: 1D row s2 k3 pads begin 1', [row123, kernel123], { strides: [1, 2], pads: [0, 1, 0, 0] }, tensor([1, 1, 1, 6], [2, 5, 4, 9, 6, 9])),
  // output_padding 1 appends one column no tap reaches: [1, 2, 5, 4, 9, 6, 9, 0], then the pad removes the first.
  convT(
    'hand: 1D row s2 k3 output_padding 1',
    [row123, kernel123],
    { strides: [1, 2], pads: [0, 1, 0, 0], output_padding: [0, 1] },
    tensor([1, 1, 1, 7], [2, 5, 4, 9, 6, 9, 0]),
  ),
  // SAME: out = 3*2 = 6 of the natural 7, total padding 1: UPPER drops the last, LOWER the first.
  // The same scatter as above with weights negated and a fused Relu: every output is <= 0 -> 0,
  // except where bias 3 lifts -2 to 1: [-1, -2, -5, ...] + 3 = [2, 1, -2, ...] -> [2, 1, 0, ...].
  convT(
    'hand: 1D row s2 k3 with bias and fused Relu',
    [row123, tensor([1, 1, 1, 3], [-1, -2, -3]), tensor([1], [3])],
    { strides: [1, 2], activation: 'Relu' },
    tensor([1, 1, 1, 7], [2, 1, 0, 0, 0, 0, 0]),
  ),
  convT('hand: 1D row SAME_UPPER', [row123, kernel123], { strides: [1, 2], auto_pad: 'SAME_UPPER' }, tensor([1, 1, 1, 6], [1, 2, 5, 4, 9, 6])),
  convT('hand: 1D row SAME_LOWER', [row123, kernel123], { strides: [1, 2], auto_pad: 'SAME_LOWER' }, tensor([1, 1, 1, 6], [2, 5, 4, 9, 6, 9])),
  // output_shape 5 of 7: total 2, one from each side. output_shape 8: one column past the reach, at the end.
  convT('hand: 1D row output_shape crops', [row123, kernel123], { strides: [1, 2], output_shape: [1, 5] }, tensor([1, 1, 1, 5], [2, 5, 4, 9, 6])),
  convT('hand: 1D row output_shape extends', [row123, kernel123], { strides: [1, 2], output_shape: [1, 8] }, tensor([1, 1, 1, 8], [1, 2, 5, 4, 9, 6, 9, 0])),
  // Dilation 2, stride 2 (gcd 2: odd positions get no taps): x=[1, 2], w=[1, 10] at offsets 0 and 2.
  //   x0 -> pos 0: 1, pos 2: 10;  x1 -> pos 2: 2, pos 4: 20   =>  [1, 0, 12, 0, 20]
  convT(
    'hand: 1D dilation 2 stride 2',
    [tensor([1, 1, 1, 2], [1, 2]), tensor([1, 1, 1, 2], [1, 10])],
    { strides: [1, 2], dilations: [1, 2] },
    tensor([1, 1, 1, 5], [1, 0, 12, 0, 20]),
  ),
  // Dilation 2, stride 1: x0 -> pos 0: 1, pos 2: 10;  x1 -> pos 1: 2, pos 3: 20  =>  [1, 2, 10, 20]
  convT(
    'hand: 1D dilation 2 stride 1',
    [tensor([1, 1, 1, 2], [1, 2]), tensor([1, 1, 1, 2], [1, 10])],
    { dilations: [1, 2] },
    tensor([1, 1, 1, 4], [1, 2, 10, 20]),
  ),
  // Depthwise, two channels: y0 = 1*3 + 1, y1 = 2*5 - 1.
  convT(
    'hand: depthwise 1x1 with bias',
    [tensor([1, 2, 1, 1], [1, 2]), tensor([2, 1, 1, 1], [3, 5]), tensor([2], [1, -1])],
    { group: 2 },
    tensor([1, 2, 1, 1], [4, 9]),
  ),
  // Expected outputs of the ONNX backend tests (onnx/backend/test/case/node/convtranspose.py).
  convT(
    'onnx: convtranspose_autopad_same (SAME_UPPER s2)',
    [ramp3x3, ones2x3x3],
    { auto_pad: 'SAME_UPPER', strides: [2, 2] },
    tensor([1, 2, 6, 6], twice([
      [0, 0, 1, 1, 3, 2],
      [0, 0, 1, 1, 3, 2],
      [3, 3, 8, 5, 12, 7],
      [3, 3, 7, 4, 9, 5],
      [9, 9, 20, 11, 24, 13],
      [6, 6, 13, 7, 15, 8],
    ])),
  ),
  ...[
    ['onnx: convtranspose_output_shape', { strides: [3, 2], output_shape: [10, 8] }],
    ['onnx: convtranspose_pad (output_padding)', { strides: [3, 2], output_padding: [1, 1] }],
    ['onnx: convtranspose_kernel_shape', { strides: [3, 2], output_shape: [10, 8], kernel_shape: [3, 3], output_padding: [1, 1] }],
  ].map(([name, attributes]) =>
    convT(
      name as string,
      [ramp3x3, ones2x3x3],
      attributes as Attributes,
      tensor([1, 2, 10, 8], twice([
        ...new Array(3).fill([0, 0, 1, 1, 3, 2, 2, 0]),
        ...new Array(3).fill([3, 3, 7, 4, 9, 5, 5, 0]),
        ...new Array(3).fill([6, 6, 13, 7, 15, 8, 8, 0]),
        [0, 0, 0, 0, 0, 0, 0, 0],
      ])),
    ),
  ),
  convT(
    'onnx: convtranspose_pads',
    [ramp3x3, ones2x3x3],
    { strides: [3, 2], pads: [1, 2, 1, 2] },
    tensor([1, 2, 7, 3], twice([
      [1, 1, 3],
      [1, 1, 3],
      [7, 4, 9],
      [7, 4, 9],
      [7, 4, 9],
      [13, 7, 15],
      [13, 7, 15],
    ])),
  ),
];

// --- Grid: strides x kernels x dilations, the other attributes cycled through ------------------
const PADS = [undefined, [1, 1, 1, 1], [0, 1, 1, 0], [2, 0, 1, 1]];
/** Channel layouts: [C, M/group, group]. */
const GROUPS: [number, number, number][] = [
  [3, 4, 1], // one vec4 of output channels per invocation
  [4, 3, 2], // two groups of 2 -> 3: scalar weights, 3 channels per invocation
  [3, 1, 3], // depthwise: scalar weights, 1 channel
  [2, 6, 1], // two vec4s per invocation, 6 of 8 channels used
  [4, 5, 2], // two groups, each padded from 5 to 8 channels
  [2, 10, 1], // two channel blocks of 8, the second partly padding
];

const grid: OpCase[] = [];
for (const s of [1, 2, 3]) {
  for (const k of [2, 3, 4]) {
    for (const d of [1, 2]) {
      const i = grid.length;
      const pads = PADS[i % PADS.length];
      // Different periods, so no two attributes move in lockstep (the dilation alternates fastest).
      const [c, mg, group] = GROUPS[Math.floor(i / 2) % GROUPS.length];
      const batch = 1 + (Math.floor(i / 3) % 2);
      const bias = i % 3 !== 1;
      const strides = [s, s === 1 ? 2 : s - 1];
      const dilations = [d, 3 - d];
      const kx = k === 2 ? 3 : k - 1; // non-square kernels as well
      // Output padding must stay below the stride or the dilation: the largest allowed, every other case.
      const outputPadding = Math.floor(i / 5) % 2 === 0 ? strides.map((st, a) => Math.max(st, dilations[a]) - 1) : undefined;
      const attrs: Record<string, number | number[]> = { strides, dilations };
      if (pads) attrs.pads = pads;
      if (outputPadding) attrs.output_padding = outputPadding;
      if (group > 1) attrs.group = group;
      grid.push(
        convT(
          `grid s${strides.join('x')} k${k}x${kx} d${d} pads ${pads ? pads.join(',') : 'none'} op ${outputPadding ? outputPadding.join(',') : 'none'} C${c} M${mg * group} g${group} N${batch}${bias ? ' bias' : ''}`,
          randomInputs([batch, c, 5, 4], [c, mg, k, kx], group, bias),
          attrs,
        ),
      );
    }
  }
}

const autoPads: OpCase[] = [];
for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET']) {
  for (const [s, k, d] of [
    [2, 3, 1], // total padding odd: the split side shows
    [3, 4, 1],
    [2, 3, 2],
    [3, 2, 1], // stride larger than the kernel: SAME extends past the reach, at the end
  ]) {
    autoPads.push(
      convT(
        `auto_pad ${autoPad} s${s} k${k} d${d}`,
        randomInputs([1, 2, 5, 3], [2, 3, k, k], 1, true),
        { auto_pad: autoPad, strides: [s, s], dilations: [d, d] },
      ),
    );
  }
}

const outputShapes: OpCase[] = [
  // natural 2*(5-1)+3 = 11 by 2*(4-1)+3 = 9: crop odd/even amounts, keep, extend by one (< stride).
  ...[
    [9, 6],
    [10, 9],
    [11, 9],
    [12, 10],
  ].map((outputShape) =>
    convT(`output_shape ${outputShape.join('x')} s2 k3`, randomInputs([2, 3, 5, 4], [3, 2, 3, 3], 1, true), { strides: [2, 2], output_shape: outputShape }),
  ),
  convT('output_shape with SAME_UPPER s3 k4', randomInputs([1, 2, 4, 5], [2, 2, 4, 4], 1, false), { strides: [3, 3], output_shape: [9, 13], auto_pad: 'SAME_UPPER' }),
  convT('output_shape with SAME_LOWER s3 k4', randomInputs([1, 2, 4, 5], [2, 2, 4, 4], 1, false), { strides: [3, 3], output_shape: [9, 13], auto_pad: 'SAME_LOWER' }),
  convT('output_shape agreeing with pads', randomInputs([1, 2, 4, 5], [2, 2, 3, 3], 1, true), { strides: [2, 2], pads: [1, 0, 0, 1], output_shape: [8, 10] }),
  convT('output_shape with output_padding and groups', randomInputs([1, 4, 3, 4], [4, 2, 3, 3], 2, true), { strides: [2, 2], group: 2, output_padding: [1, 1], output_shape: [7, 9] }),
  // Output padding below the dilation though not below the stride (PyTorch allows it).
  convT('output_padding 1 with stride 1 dilation 2', randomInputs([1, 2, 4, 4], [2, 2, 3, 3], 1, true), { dilations: [2, 2], output_padding: [1, 1] }),
];

const models: OpCase[] = [
  // FCN-8s style learned upsampling: k4 s2 p1 (x2) and k64 s32 p16 (x32), kept tiny.
  convT('FCN upsample k4 s2 p1', randomInputs([1, 5, 6, 7], [5, 5, 4, 4], 1, false), { strides: [2, 2], pads: [1, 1, 1, 1] }),
  convT('FCN upsample k4 s2 p1 depthwise (bilinear-style)', randomInputs([2, 4, 5, 3], [4, 1, 4, 4], 4, false), { strides: [2, 2], pads: [1, 1, 1, 1], group: 4 }),
  convT('FCN upsample k64 s32 p16', randomInputs([1, 2, 2, 3], [2, 3, 64, 64], 1, true), { strides: [32, 32], pads: [16, 16, 16, 16] }),
  convT('FCN upsample k64 s32 no pads', randomInputs([1, 1, 1, 2], [1, 2, 64, 64], 1, false), { strides: [32, 32] }),
  // U-Net up-convolution k2 s2 with bias, halving the channels.
  convT('U-Net up-conv k2 s2', randomInputs([2, 8, 5, 3], [8, 4, 2, 2], 1, true), { strides: [2, 2], kernel_shape: [2, 2] }),
  // A one-channel head (MediaPipe selfie's 16 -> 1 k2 s2): scalar lanes, 16-pixel tiles, a row
  // phase of 21 pixels = one whole tile and a tail of 5; and 2 channels with the bias.
  convT('narrow head 16->1 k2 s2 on 5x21', randomInputs([1, 16, 5, 21], [16, 1, 2, 2], 1, true), { strides: [2, 2] }),
  convT('narrow head 6->2 k3 s2 p1 batch 2 on 4x19', randomInputs([2, 6, 4, 19], [6, 2, 3, 3], 1, true), { strides: [2, 2], pads: [1, 1, 1, 1] }),
  // segwgpu's fused activation (as on Conv): the head's Sigmoid on scalar lanes, and activations
  // with parameters on vec4 lanes. Inputs in [-1, 1) reach Clip's bounds and LeakyRelu's slope.
  convT('fused Sigmoid, narrow head 16->1 k2 s2 on 3x9', randomInputs([1, 16, 3, 9], [16, 1, 2, 2], 1, true), { strides: [2, 2], activation: 'Sigmoid' }),
  convT('fused Clip [-0.3, 0.4], k2 s2 4->8', randomInputs([1, 4, 3, 5], [4, 8, 2, 2], 1, true), { strides: [2, 2], activation: 'Clip', activation_params: [-0.3, 0.4] }),
  convT('fused LeakyRelu [0.1], k3 s2 p1 3->5 no bias', randomInputs([2, 3, 4, 4], [3, 5, 3, 3], 1, false), { strides: [2, 2], pads: [1, 1, 1, 1], activation: 'LeakyRelu', activation_params: [0.1] }),
  convT('odd sizes k3 s1 p1 batch 2', randomInputs([2, 3, 7, 5], [3, 5, 3, 3], 1, true), { pads: [1, 1, 1, 1] }),
];

export const cases: OpCase[] = [...handWorked, ...grid, ...autoPads, ...outputShapes, ...models];

// --- Invalid -----------------------------------------------------------------------------------
function invalid(name: string, inputs: (Tensor | undefined)[], attributes: Attributes, messageMatches: RegExp[]): InvalidCase {
  return { name, call: { opType: 'ConvTranspose', name: 'up1', attributes, inputs }, messageMatches: [/up1/, /ConvTranspose/, ...messageMatches] };
}

const x = randomTensor([1, 4, 3, 3], 1);
const w = randomTensor([4, 2, 3, 3], 2);

export const invalidCases: InvalidCase[] = [
  invalid('output_padding not below stride or dilation', [x, w], { strides: [2, 2], output_padding: [2, 0] }, [/output_padding=\[2, 0\]/, /stride \(2\)/]),
  invalid('output_padding with stride 1', [x, w], { output_padding: [0, 1] }, [/output_padding=\[0, 1\]/]),
  invalid('negative output_padding', [x, w], { strides: [2, 2], output_padding: [-1, 0] }, [/output_padding=\[-1, 0\]/, /negative/]),
  invalid('unknown fused activation', [x, w], { activation: 'Tanh' }, [/activation/, /'Tanh'/, /Sigmoid/]),
  invalid('output_padding of the wrong length', [x, w], { strides: [2, 2], output_padding: [1] }, [/output_padding=\[1\]/]),
  invalid('negative pads', [x, w], { pads: [-1, 0, 0, 0] }, [/pads=\[-1, 0, 0, 0\]/, /negative/]),
  invalid('pads of the wrong length', [x, w], { pads: [1, 1] }, [/pads=\[1, 1\]/]),
  invalid('pads with auto_pad', [x, w], { pads: [1, 1, 1, 1], auto_pad: 'SAME_UPPER' }, [/pads=\[1, 1, 1, 1\]/, /SAME_UPPER/]),
  invalid('unknown auto_pad', [x, w], { auto_pad: 'SAME' }, [/auto_pad='SAME'/]),
  invalid('group not dividing the channels', [x, randomTensor([4, 2, 3, 3], 3)], { group: 3 }, [/group=3/, /4 input channels/]),
  invalid('group zero', [x, w], { group: 0 }, [/group=0/]),
  invalid('weight channels not the input channels', [x, randomTensor([2, 2, 3, 3], 4)], {}, [/input W/, /\[2x2x3x3\]/, /C = 4/]),
  invalid('weight of rank 3', [x, randomTensor([4, 2, 3], 4)], {}, [/input W/, /\[4x2x3\]/]),
  invalid('kernel_shape disagreeing with W', [x, w], { kernel_shape: [2, 2] }, [/kernel_shape=\[2, 2\]/, /\[4x2x3x3\]/]),
  invalid('bias of the wrong length', [x, w, randomTensor([3], 5)], {}, [/input B/, /\[3\]/, /\[2\]/]),
  invalid('3D input', [randomTensor([1, 4, 3, 3, 3], 6), randomTensor([4, 2, 3, 3, 3], 7)], {}, [/input X/, /\[1x4x3x3x3\]/]),
  invalid('output_shape past the reach', [x, w], { strides: [2, 2], output_shape: [7, 9] }, [/output_shape=\[7, 9\]/, /asks for 9/, /reaches at most 7/]),
  invalid('output_shape disagreeing with pads', [x, w], { strides: [2, 2], pads: [1, 1, 1, 1], output_shape: [6, 6] }, [/output_shape=\[6, 6\]/, /pads=\[1, 1, 1, 1\]/]),
  invalid('output_shape not positive', [x, w], { output_shape: [0, 5] }, [/output_shape=\[0, 5\]/, /positive/]),
  invalid('output_shape of the wrong length', [x, w], { output_shape: [1, 4, 5, 5] }, [/output_shape=\[1, 4, 5, 5\]/]),
  invalid('pads leaving no output', [x, w], { pads: [3, 0, 2, 0] }, [/pads=\[3, 0, 2, 0\]/, /output of 0/]),
  invalid('strides zero', [x, w], { strides: [0, 1] }, [/strides=\[0, 1\]/]),
  invalid('dilations zero', [x, w], { dilations: [1, 0] }, [/dilations=\[1, 0\]/]),
  invalid('unknown attribute', [x, w], { stride: [2, 2] }, [/stride=\[2, 2\]/, /not an attribute/]),
];
