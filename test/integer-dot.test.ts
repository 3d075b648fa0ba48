/**
 * The packed-dot integer GEMMs (src/ops/integer-dot.ts): the adapter trait detected from the WGSL
 * language features, the rule that chooses them, every ConvInteger / QLinearConv / MatMulInteger
 * case of test/cases/ on both the packed-dot and the scalar kernels (forced by
 * AdapterTraits.integerDot, under both adapter kinds' tilings) against the CPU reference, exactly,
 * and what `segwgpu info` says about them.
 */
import { describe, expect, it } from 'vitest';
import { createGpuContext, PACKED_DOT_FEATURE, type GpuContext } from '../src/gpu/context.js';
import type { AdapterTraits } from '../src/gpu/step.js';
import { nodeWgslLanguageFeatures } from '../src/node/gpu.js';
import { checkOpCall } from '../src/ops/call.js';
import { isPackedDotKernel, usesPackedDot } from '../src/ops/integer-dot.js';
import { cases as convIntegerCases } from './cases/conv-integer.cases.js';
import { cases as matmulIntegerCases } from './cases/matmul-integer.cases.js';
import { checkCase, type OpCase } from './util/cases.js';
import { testGpu } from './util/gpu.js';
import { segwgpu } from './util/run.js';

async function withTraits(traits: Partial<AdapterTraits>): Promise<GpuContext> {
  const ctx = await testGpu();
  return { ...ctx, traits: { ...ctx.traits, ...traits } };
}

/** Whether a case's lowering under these traits takes a packed-dot kernel. */
function lowersToPackedDot(ctx: GpuContext, c: OpCase): boolean {
  const { def, resolved, inputInfos, outputInfos, node } = checkOpCall(c.call);
  return def.gpu(resolved, inputInfos, outputInfos, ctx.traits, node).steps.some((st) => isPackedDotKernel(st.kernel));
}

describe('the packedDot4x8 trait', () => {
  it('is detected from the WGSL language features (true on SwiftShader here)', async () => {
    const ctx = await testGpu();
    const features = await nodeWgslLanguageFeatures();
    expect(ctx.traits.packedDot4x8).toBe(features.has(PACKED_DOT_FEATURE));
    if (/swiftshader/i.test(ctx.adapterName)) expect(ctx.traits.packedDot4x8).toBe(true);
  });

  it('comes from the GPU object that made the device, and is false where none is known', async () => {
    // The context only reads a device's limits and features here (a new object per call: contexts are cached per device).
    const device = (): GPUDevice => ({ limits: { maxComputeWorkgroupsPerDimension: 65535, maxStorageBufferBindingSize: 1 << 27 }, features: new Set() }) as unknown as GPUDevice;
    // In Node there is no navigator.gpu: without the features passed in, the trait is false.
    expect((await createGpuContext(undefined, device())).traits.packedDot4x8).toBe(false);
    expect((await createGpuContext(undefined, device(), new Set())).traits.packedDot4x8).toBe(false);
    expect((await createGpuContext(undefined, device(), new Set([PACKED_DOT_FEATURE]))).traits.packedDot4x8).toBe(true);
  });

  it('chooses by the stated rule', () => {
    const gpu = { cpuLike: false, packedDot4x8: true };
    const cpu = { cpuLike: true, packedDot4x8: true };
    expect(usesPackedDot(gpu, 'conv')).toBe(true);
    expect(usesPackedDot(gpu, 'matmul')).toBe(true);
    // SwiftShader emulates dot4U8Packed: its convs keep the scalar kernels, its matmuls do not.
    expect(usesPackedDot(cpu, 'conv')).toBe(false);
    expect(usesPackedDot(cpu, 'matmul')).toBe(true);
    expect(usesPackedDot({ ...cpu, integerDot: 'packed' }, 'conv')).toBe(true);
    expect(usesPackedDot({ ...gpu, integerDot: 'scalar' }, 'conv')).toBe(false);
    expect(usesPackedDot({ ...gpu, integerDot: 'scalar' }, 'matmul')).toBe(false);
    // Without the feature nothing forces them: the shaders would not compile.
    expect(usesPackedDot({ cpuLike: false, integerDot: 'packed' }, 'conv')).toBe(false);
    expect(usesPackedDot({ cpuLike: false, packedDot4x8: false }, 'matmul')).toBe(false);
  });
});

const integerCases = [...convIntegerCases, ...matmulIntegerCases];
const available = (await testGpu()).traits.packedDot4x8 === true;

for (const integerDot of ['packed', 'scalar'] as const) {
  for (const cpuLike of [true, false]) {
    describe.skipIf(integerDot === 'packed' && !available)(`${integerDot} kernels, ${cpuLike ? 'CPU-like' : 'GPU'} tiling`, () => {
      for (const c of integerCases) {
        it(c.name, async () => {
          const ctx = await withTraits({ cpuLike, integerDot });
          expect(lowersToPackedDot(ctx, c)).toBe(integerDot === 'packed');
          const result = await checkCase(ctx, c);
          expect(result.ok, result.message).toBe(true);
        });
      }
    });
  }
}

describe('segwgpu info', () => {
  it('says which kernels the integer GEMMs take', async () => {
    const features = await nodeWgslLanguageFeatures();
    const r = await segwgpu(['info', 'test/fixtures/onnx/isnet_int8.onnx']);
    expect(r.code, r.stderr).toBe(0);
    if (features.has(PACKED_DOT_FEATURE)) {
      expect(r.stdout).toMatch(/^integer dot: 2 ConvInteger\/QLinearConv\/MatMulInteger nodes: 2 dot4U8Packed \(packed_4x8_integer_dot_product\), 0 scalar; on CPU-like adapters/m);
    } else {
      expect(r.stdout).toMatch(/^integer dot: 2 ConvInteger\/QLinearConv\/MatMulInteger nodes: 0 dot4U8Packed \(packed_4x8_integer_dot_product\), 2 scalar; this machine's WebGPU lacks/m);
    }
    const matmul = await segwgpu(['info', 'test/fixtures/onnx/matmul_integer.onnx']);
    expect(matmul.stdout).toMatch(/^integer dot: 1 ConvInteger\/QLinearConv\/MatMulInteger node: /m);
    const float = await segwgpu(['info', 'unet']);
    expect(float.stdout).toMatch(/^integer dot: no ConvInteger, QLinearConv or MatMulInteger nodes$/m);
  });
});
