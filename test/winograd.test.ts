/**
 * Winograd convolution (src/ops/conv-winograd.ts) against Conv's double-precision CPU reference,
 * forced for both tile sizes over the edges that matter: output sizes that are and are not
 * multiples of the tile (the last tile row/column overhangs), asymmetric and zero padding, a
 * single-tile map, batches, channel counts off the GEMM tile, no bias, every fused epilogue
 * (activation, residual as its own input and as the conv input itself), and both adapter kinds'
 * GEMM tilings. Tolerance as test/cases/conv.cases.ts: atol 1e-4, rtol 1e-4 (inputs and weights in
 * [-1, 1)); the measured errors are printed per case.
 * Also: which convs the automatic rule gives a transform, and the transform matrices themselves
 * (F(m, 3) in one dimension equals direct correlation, in exact arithmetic).
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/core/tensor.js';
import type { GpuContext } from '../src/gpu/context.js';
import type { Attributes } from '../src/ir/attributes.js';
import { checkOpCall, runOpCpu, type OpCall } from '../src/ops/call.js';
import { WINOGRAD } from '../src/ops/conv-winograd-kernels.js';
import { pickWinogradTile } from '../src/ops/conv-winograd.js';
import type { ConvGeometry, ResolvedConv } from '../src/ops/conv.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { compareTensors } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { randomTensor } from './util/random.js';

const tol = { atol: 1e-4, rtol: 1e-4 };

interface WinogradCase {
  readonly name: string;
  readonly x: number[];
  readonly outC: number;
  readonly attributes: Attributes;
  readonly bias?: boolean;
  readonly residual?: 'binding' | 'input';
}

const pads1: Attributes = { pads: [1, 1, 1, 1] };
const cases: WinogradCase[] = [
  { name: '8->8 on 8x8, pad 1 (whole tiles)', x: [1, 8, 8, 8], outC: 8, attributes: pads1 },
  { name: '8->12 on 7x9, pad 1 (overhanging tiles)', x: [1, 8, 7, 9], outC: 12, attributes: pads1 },
  { name: '5->3 on 6x5, no padding', x: [1, 5, 6, 5], outC: 3, attributes: {} },
  { name: 'asymmetric pads [0, 2, 1, 0]', x: [1, 6, 9, 7], outC: 8, attributes: { pads: [0, 2, 1, 0] } },
  { name: 'auto_pad SAME_UPPER', x: [1, 4, 10, 6], outC: 4, attributes: { auto_pad: 'SAME_UPPER' } },
  { name: 'one output pixel (3x3 input, no padding)', x: [1, 16, 3, 3], outC: 9, attributes: {} },
  { name: 'batch 2, 16->20 on 11x13', x: [2, 16, 11, 13], outC: 20, attributes: pads1 },
  { name: 'no bias', x: [1, 8, 8, 6], outC: 8, attributes: pads1, bias: false },
  { name: 'fused Relu', x: [1, 8, 9, 9], outC: 8, attributes: { ...pads1, activation: 'Relu' } },
  { name: 'fused Sigmoid', x: [1, 8, 6, 6], outC: 4, attributes: { ...pads1, activation: 'Sigmoid' } },
  { name: 'fused Clip', x: [1, 8, 6, 6], outC: 8, attributes: { ...pads1, activation: 'Clip', activation_params: [-0.5, 0.5] } },
  { name: 'fused LeakyRelu', x: [1, 8, 5, 7], outC: 8, attributes: { ...pads1, activation: 'LeakyRelu', activation_params: [0.1] } },
  { name: 'residual input', x: [1, 8, 7, 7], outC: 8, attributes: { ...pads1, activation: 'Relu' }, residual: 'binding' },
  { name: 'residual is the conv input', x: [1, 8, 6, 10], outC: 8, attributes: pads1, residual: 'input' },
  { name: '64->64 on 16x16 (K = 576)', x: [1, 64, 16, 16], outC: 64, attributes: pads1 },
];

let seed = 7100;
function callOf(c: WinogradCase): OpCall {
  const inputs: (Tensor | undefined)[] = [randomTensor(c.x, seed++), randomTensor([c.outC, c.x[1]!, 3, 3], seed++)];
  inputs.push(c.bias === false ? undefined : randomTensor([c.outC], seed++));
  if (c.residual === 'binding') {
    const out = runOpCpu({ opType: 'Conv', attributes: c.attributes, inputs }).at(0)!;
    inputs.push(randomTensor(out.shape, seed++));
  }
  if (c.residual === 'input') inputs.push(inputs[0]);
  return { opType: 'Conv', attributes: c.attributes, inputs };
}

async function withTraits(traits: Partial<GpuContext['traits']>): Promise<GpuContext> {
  const ctx = await testGpu();
  return { ...ctx, traits: { ...ctx.traits, ...traits } };
}

const calls = cases.map((c) => ({ c, call: callOf(c) }));

for (const m of [2, 4] as const) {
  for (const cpuLike of [true, false]) {
    describe(`Winograd F(${m}x${m},3x3), ${cpuLike ? 'CPU-like' : 'GPU'} GEMM tiling`, () => {
      for (const { c, call } of calls) {
        it(c.name, async () => {
          const ctx = await withTraits({ cpuLike, winograd: m });
          // The forced transform is what runs (not direct convolution).
          const checked = checkOpCall(call);
          const lowering = checked.def.gpu(checked.resolved, checked.inputInfos, checked.outputInfos, ctx.traits, checked.node);
          expect(lowering.steps.map((s) => s.kernel.name)).toContain(`winogradInput[m=${m}]`);
          const reference = runOpCpu(call)[0]!;
          const gpu = (await runOpGpu(ctx, call))[0]!;
          const cmp = compareTensors(gpu, reference, tol);
          expect(cmp.ok, cmp.message).toBe(true);
        });
      }
    });
  }
}

describe('Winograd choice', () => {
  const geometryOf = (x: number[], outC: number, attributes: Attributes, group = 1): ConvGeometry => {
    const k = (attributes.kernel_shape as number[] | undefined)?.[0] ?? 3;
    const call: OpCall = { opType: 'Conv', attributes: { ...attributes, group }, inputs: [randomTensor(x, 1), randomTensor([outC, x[1]! / group, k, k], 2)] };
    return (checkOpCall(call).resolved as ResolvedConv).geometry;
  };
  const auto = { cpuLike: true };
  it('takes F(2x2) for 3x3 stride-1 convs with 32 or more channels, direct convolution otherwise', () => {
    expect(pickWinogradTile(auto, geometryOf([1, 32, 32, 32], 32, pads1))).toBe(2);
    expect(pickWinogradTile(auto, geometryOf([1, 64, 2, 2], 128, pads1))).toBe(2);
    expect(pickWinogradTile(auto, geometryOf([1, 64, 1, 1], 64, pads1))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 16, 32, 32], 16, pads1))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 32, 32], 8, pads1))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 3, 32, 32], 64, pads1))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 32, 32], 64, { ...pads1, strides: [2, 2] }))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 32, 32], 64, { pads: [2, 2, 2, 2], dilations: [2, 2] }))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 32, 32], 64, pads1, 2))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 32, 32], 64, { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }))).toBeUndefined();
  });
  it("is turned off by winograd: 'off', and forced where the shape allows by 2 or 4", () => {
    const geo = geometryOf([1, 16, 32, 32], 16, pads1);
    expect(pickWinogradTile({ cpuLike: true, winograd: 'off' }, geo)).toBeUndefined();
    expect(pickWinogradTile({ cpuLike: true, winograd: 2 }, geo)).toBe(2);
    expect(pickWinogradTile({ cpuLike: false, winograd: 4 }, geo)).toBe(4);
    expect(pickWinogradTile({ cpuLike: true, winograd: 4 }, geometryOf([1, 3, 8, 8], 2, pads1))).toBe(4);
    expect(pickWinogradTile({ cpuLike: true, winograd: 4 }, geometryOf([1, 16, 32, 32], 16, { ...pads1, strides: [2, 2] }))).toBeUndefined();
  });
  it('falls back to direct convolution when the transformed input would outgrow 128 MiB', () => {
    // F(2x2): 64 channels x 16 positions x (512/2)^2 tiles x 4 bytes = 256 MiB; at 256x256, 64 MiB.
    expect(pickWinogradTile(auto, geometryOf([1, 64, 512, 512], 64, pads1))).toBeUndefined();
    expect(pickWinogradTile(auto, geometryOf([1, 64, 256, 256], 64, pads1))).toBe(2);
    // F(4x4): 64 x 36 x (512/4)^2 x 4 = 144 MiB.
    expect(pickWinogradTile({ cpuLike: true, winograd: 4 }, geometryOf([1, 64, 512, 512], 64, pads1))).toBeUndefined();
  });
});

describe('Winograd matrices', () => {
  for (const m of [2, 4] as const) {
    it(`F(${m}, 3): A^T [(G g) . (B^T d)] equals the direct correlation`, () => {
      const { alpha, BT, G, AT } = WINOGRAD[m];
      const d = Array.from({ length: alpha }, (_, i) => [0.3, -1.2, 2.5, 0.7, -0.4, 1.9][i]!);
      const g = [0.5, -1.5, 2];
      const Gg = G.map((row) => row.reduce((s, c, k) => s + c * g[k]!, 0));
      const BTd = BT.map((row) => row.reduce((s, c, k) => s + c * d[k]!, 0));
      const product = Gg.map((v, i) => v * BTd[i]!);
      const y = AT.map((row) => row.reduce((s, c, k) => s + c * product[k]!, 0));
      const direct = Array.from({ length: m }, (_, i) => d[i]! * g[0]! + d[i + 1]! * g[1]! + d[i + 2]! * g[2]!);
      y.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 12));
    });
  }
});
