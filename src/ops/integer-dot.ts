/**
 * What the packed-dot integer GEMMs (ConvInteger, QLinearConv: conv-integer-dot-kernels.ts;
 * MatMulInteger: shaders/matmul-integer-dot.wgsl) share. Where the adapter's WGSL has
 * packed_4x8_integer_dot_product (AdapterTraits.packedDot4x8), both operands are packed four
 * bytes to a u32 word along the reduction axis and dot4U8Packed sums four products per call.
 *
 * The arithmetic, exact in wrapping u32/i32 (so exact whenever the int32 result fits, as ONNX
 * requires): with x' and w' the unsigned bytes (int8 values v stored as v + 128: their top bit
 * flipped) and zx', zw' the zero points shifted alike, over the T packed taps of an output,
 *   sum (x - zx)(w - zw) = sum (x' - zx')(w' - zw') = D - zw' * Sx - zx' * (Sw - T * zw'),
 * D = sum x' w' (dot4U8Packed), Sx = sum x' (dot4U8Packed with 0x01010101), Sw = sum w'.
 * Padding (input channels past a multiple of 4, K's tail, the conv's spatial padding) holds x'
 * = zx': a true term of 0, which the formula counts like any other tap.
 *
 * The weights' byte type is read from their values when the plan is made; the activations' is not
 * known then (a computed uint8 tensor and an int8 one look alike as int32), so the activation
 * pack (shaders/integer-dot-pack.wgsl) records whether some value or zero point is negative, and
 * the GEMM flips the activation bytes when one is: int8 and uint8 data both become unsigned bytes.
 */
import type { Kernel } from '../gpu/kernel.js';
import { wgslKernel } from '../gpu/kernel.js';
import { PACKED_DOT_FEATURE } from '../gpu/context.js';
import type { AdapterTraits, BufferRef, GpuStep } from '../gpu/step.js';
import clearWgsl from '../../shaders/integer-dot-clear.wgsl?raw';
import packWgsl from '../../shaders/integer-dot-pack.wgsl?raw';

/**
 * Whether an integer GEMM takes its packed-dot kernel: only where the adapter's WGSL has the
 * feature; then as `integerDot` forces, else MatMulInteger always (1.5x the speed of its scalar
 * kernel, which unpacks B byte by byte, even on SwiftShader) and the convs on GPUs only. On
 * SwiftShader, a CPU with no instruction for dot4U8Packed, the packed-dot conv took 1.3-1.7x the
 * time of the scalar one's vectorised f32 fmas (64 -> 64 3x3 at 128x128: 1070 against 691 ms);
 * a GPU's dot4U8Packed is one DP4a instruction (the rule's GPU side is not measured yet).
 */
export function usesPackedDot(traits: AdapterTraits, gemm: 'conv' | 'matmul'): boolean {
  if (traits.packedDot4x8 !== true || traits.integerDot === 'scalar') return false;
  return traits.integerDot === 'packed' || gemm === 'matmul' || !traits.cpuLike;
}

/** The ops whose GEMMs have a packed-dot kernel, and which of them are convs (for `segwgpu info`). */
export const INTEGER_GEMM_OPS: ReadonlyMap<string, 'conv' | 'matmul'> = new Map([
  ['ConvInteger', 'conv'],
  ['QLinearConv', 'conv'],
  ['MatMulInteger', 'matmul'],
]);

/** Whether a kernel is a packed-dot one (what `segwgpu info` counts). */
export function isPackedDotKernel(kernel: Kernel): boolean {
  return kernel.source.startsWith(`requires ${PACKED_DOT_FEATURE};`);
}

/**
 * A kernel that calls dot4U8Packed. The requires directive, which WGSL wants before every
 * declaration (so before shaders/common.wgsl), says what the shader needs where a compiler lacks
 * it: the compiler's own error then names the feature.
 */
export function packedDotKernel(kernel: Kernel): Kernel {
  return { name: kernel.name, source: `requires ${PACKED_DOT_FEATURE};\n${kernel.source}` };
}

/** The activation operand of a packed-dot GEMM: what the pack reads and where it puts the words. */
export interface ActivationPack {
  /** The 8-bit values, one per i32 word. */
  readonly values: BufferRef;
  /** The zero point(s); without one (hasZeroPoint false), any scratch word, never read. */
  readonly zeroPoint: BufferRef;
  readonly hasZeroPoint: boolean;
  readonly packed: BufferRef;
  /** One u32: 1 when some value or zero point is negative (the bytes are int8). */
  readonly negative: BufferRef;
  /** Rows (o), values per row and the stride between a row's values (see integer-dot-pack.wgsl). */
  readonly rows: number;
  readonly length: number;
  readonly inner: number;
  readonly zeroPointPeriod: number;
  readonly zeroPointPerRow: boolean;
  readonly label: string;
}

/** The steps that pack an activation: clear the sign word, then pack (both every run). */
export function activationPackSteps(a: ActivationPack): GpuStep[] {
  const words = Math.ceil(a.length / 4);
  const total = a.rows * words * a.inner;
  const steps: GpuStep[] = [{ kernel: wgslKernel('integer-dot-clear', clearWgsl), params: {}, bindings: { negative: a.negative }, invocations: 1, label: `${a.label}: sign clear` }];
  if (total > 0) {
    steps.push({
      kernel: wgslKernel('integer-dot-pack', packWgsl),
      params: {
        total,
        inner: a.inner,
        words,
        length: a.length,
        hasZeroPoint: a.hasZeroPoint ? 1 : 0,
        zeroPointPeriod: Math.max(1, a.zeroPointPeriod),
        zeroPointStride: a.zeroPointPerRow ? 1 : 0,
      },
      bindings: { x: a.values, zeroPoint: a.zeroPoint, packed: a.packed, negative: a.negative },
      invocations: total,
      label: `${a.label}: activation pack`,
    });
  }
  return steps;
}
