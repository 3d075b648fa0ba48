/**
 * WGSL generators for the packed-dot ConvInteger and QLinearConv (src/ops/conv-integer.ts), for
 * adapters whose WGSL has packed_4x8_integer_dot_product; the arithmetic and why it is exact are
 * in src/ops/integer-dot.ts. Unrolled like conv-integer-kernels.ts (SwiftShader spills dynamically
 * indexed private arrays). To print one: `node --import ./scripts/dev/register.mjs --input-type=module -e
 * "import { convIntegerDotKernel } from './src/ops/conv-integer-dot-kernels.ts'; console.log(convIntegerDotKernel({ tm: 8, tn4: 2 }, { xZeroPoint: true, weightSum: true, requantize: false }).source)"`.
 *
 *  - convIntegerDotPack: weights [M][Cg][KH][KW] -> one u32 word per output channel and 4 input
 *    channels, [group][ky][kx][c4][S] (S = output channels per group padded to whole tiles),
 *    bytes (w & 255) ^ flip (flip 128 for int8 weights: unsigned w + 128), zero bytes past Cg and
 *    past the group's channels; then three [group][S] i32 sections: zw' = w_zero_point + (flip),
 *    Sw - T * zw' (Sw the channel's stored bytes summed, T the packed taps KH*KW*4*ceil(Cg/4)),
 *    and for QLinearConv the bias B.
 *  - convIntegerDot[tm,tn,...]: the register-blocked implicit GEMM of conv-integer-kernels.ts over
 *    x packed by shaders/integer-dot-pack.wgsl ([n][g][c4][H][W] words of 4 input channels). Per
 *    tap and 4 input channels: tm x words (top bits flipped when the activations are int8; the
 *    spatial padding a word of zx' bytes), 4 * tn4 weight words, tm * 4 * tn4 dot4U8Packed into
 *    u32 accumulators, and per pixel Sx += dot4U8Packed(x, 0x01010101) where some zw' may be
 *    nonzero. The epilogue (shared with the scalar kernel) gets D - zw' * Sx - zx' * (Sw - T zw').
 */
import { generatedKernel, type Kernel, memoizedKernels } from '../gpu/kernel.js';
import { convIntegerEpilogue, WINDOW_FIELDS, WINDOW_LOCALS, type ConvIntegerTiling } from './conv-integer-kernels.js';
import { packedDotKernel } from './integer-dot.js';

export interface ConvIntegerDotVariant {
  /** An x_zero_point input is bound (without one it is 0). */
  readonly xZeroPoint: boolean;
  /** Some zw' may be nonzero (a w_zero_point, or int8 weights): the kernel sums each pixel's x'. */
  readonly weightSum: boolean;
  /** QLinearConv's epilogue: bias, requantization, saturation. */
  readonly requantize: boolean;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const convIntegerDotPackKernel = memoizedKernels(makeConvIntegerDotPackKernel);

function makeConvIntegerDotPackKernel(hasZeroPoint: boolean, hasBias: boolean): Kernel {
  let binding = 2;
  const zpBinding = hasZeroPoint ? `@group(0) @binding(${binding++}) var<storage, read_write> wzp: array<i32>;\n` : '';
  const biasBinding = hasBias ? `@group(0) @binding(${binding++}) var<storage, read_write> b: array<i32>;\n` : '';
  const body = `
// ConvInteger / QLinearConv weight pack for the packed-dot kernel (see conv-integer-dot-kernels.ts):
// w [M][Cg][KH][KW] -> [group][ky][kx][c4][S] words of 4 input channels' bytes (channel 4c4+j in
// bits 8j..8j+7, top bit flipped for int8 weights, zero past Cg and for channels >= groupOutC),
// then [group][S] sections: zw' (${hasZeroPoint ? 'w_zero_point' : 'no w_zero_point: 0'} + flip), Sw - T * zw'${hasBias ? ', B' : ''}.
struct Params {
  total: u32,              // weightWords + sections * sectionWords
  weightWords: u32,        // groups * KH*KW * inWords * S
  sectionWords: u32,       // groups * S: one i32 per (padded) output channel
  kernelTaps: u32,         // KH * KW
  groupInC: u32,           // Cg
  inWords: u32,            // ceil(Cg / 4)
  groupOutC: u32,          // output channels per group
  packedChannels: u32,     // S
  zeroPointStride: u32,    // 1: w_zero_point per output channel; 0: one for all
  flip: u32,               // 128 for int8 weights (stored as unsigned w + 128), else 0
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<i32>;
${zpBinding}${biasBinding}@group(0) @binding(${binding}) var<storage, read_write> packed: array<u32>;

const WG = 64u;

fn storedByte(m: u32, ci: u32, tap: u32) -> u32 {
  return (bitcast<u32>(w[(m * p.groupInC + ci) * p.kernelTaps + tap]) & 255u) ^ p.flip;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let S = p.packedChannels;
  if (i < p.weightWords) {
    let co = i % S;
    var rest = i / S;
    let c4 = rest % p.inWords;
    rest = rest / p.inWords;
    let tap = rest % p.kernelTaps;
    let g = rest / p.kernelTaps;
    var word = 0u;
    if (co < p.groupOutC) {
      for (var j = 0u; j < 4u; j++) {
        let ci = 4u * c4 + j;
        if (ci < p.groupInC) { word |= storedByte(g * p.groupOutC + co, ci, tap) << (8u * j); }
      }
    }
    packed[i] = word;
    return;
  }
  let j = (i - p.weightWords) % p.sectionWords;
  let section = (i - p.weightWords) / p.sectionWords;
  let co = j % S;
  let m = (j / S) * p.groupOutC + min(co, p.groupOutC - 1u);
  var value = 0i;
  if (co < p.groupOutC) {
    let zeroPoint = ${hasZeroPoint ? 'wzp[m * p.zeroPointStride]' : '0i'} + i32(p.flip);
    if (section == 0u) { value = zeroPoint; }
    if (section == 1u) {
      var sum = 0u;
      for (var ci = 0u; ci < p.groupInC; ci++) {
        for (var tap = 0u; tap < p.kernelTaps; tap++) { sum += storedByte(m, ci, tap); }
      }
      let taps = p.kernelTaps * p.inWords * 4u;
      value = bitcast<i32>(sum) - i32(taps) * zeroPoint;
    }
    ${hasBias ? 'if (section == 2u) { value = b[m]; }' : ''}
  }
  packed[i] = bitcast<u32>(value);
}
`;
  return generatedKernel(`convIntegerDotPack[${hasZeroPoint ? 'zp' : 'nozp'},${hasBias ? 'bias' : 'nobias'}]`, body);
}

export const convIntegerDotKernel = memoizedKernels(makeConvIntegerDotKernel);

function makeConvIntegerDotKernel(tiling: ConvIntegerTiling, v: ConvIntegerDotVariant): Kernel {
  const { tm, tn4 } = tiling;
  if (!Number.isInteger(tm) || tm < 1 || !Number.isInteger(tn4) || tn4 < 1) throw new Error(`convIntegerDot tiling must be positive integers, got tm=${tm} tn4=${tn4}`);
  const acc = (t: number, j: number): string => `acc_${t}_${j}`;
  const weight = (j: number, c: number): string => `w_${4 * j + c}`;
  const tapUpdates = (indent: string): string =>
    [
      ...range(tn4).flatMap((j) => range(4).map((c) => `${indent}let ${weight(j, c)} = wp[wIdx + ${4 * j + c}u];`)),
      ...range(tm).flatMap((t) => range(tn4).map((j) => `${indent}${acc(t, j)} += vec4u(${range(4).map((c) => `dot4U8Packed(x_${t}, ${weight(j, c)})`).join(', ')});`)),
      ...(v.weightSum ? range(tm).map((t) => `${indent}sum_${t} += dot4U8Packed(x_${t}, 0x01010101u);`) : []),
    ].join('\n');
  // Interior tiles read every column inside the input; a row outside it still contributes its
  // padding words (the corrections count every tap), so the row test selects them.
  const interiorLoads = (indent: string): string =>
    range(tm)
      .flatMap((t) => [
        t === 0 ? `${indent}var xt = xi;` : `${indent}xt += strideXu;`,
        `${indent}let x_${t} = select(paddingWord, xp[xt] ^ signFlip, rowInside);`,
      ])
      .join('\n');
  const edgeOffsets = (indent: string): string =>
    range(tm)
      .flatMap((t) => [
        `${indent}let ix_${t} = ix + ${t} * strideW;`,
        `${indent}let in_${t} = rowInside && ix_${t} >= 0 && ix_${t} < inW;`,
        `${indent}let off_${t} = xRow + u32(clamp(ix_${t}, 0, inW - 1));`,
      ])
      .join('\n');
  const edgeLoads = (indent: string): string => range(tm).map((t) => `${indent}let x_${t} = select(paddingWord, xp[off_${t} + xc] ^ signFlip, in_${t});`).join('\n');
  const kLoop = (interior: boolean): string => `
    for (var ky = 0u; ky < kernelH; ky++) {
      let rowInside = iy >= 0 && iy < inH;
      let xRow = xBase + u32(clamp(iy, 0, inH - 1)) * p.inW;
      ${interior ? 'var xk = xRow + u32(ix0);' : 'var ix = ix0;'}
      for (var kx = 0u; kx < kernelW; kx++) {
${interior ? '        var xi = xk;' : `${edgeOffsets('        ')}\n        var xc = 0u;`}
        var wIdx = wRow;
        for (var c4 = 0u; c4 < inWords; c4++) {
${interior ? interiorLoads('          ') : edgeLoads('          ')}
${tapUpdates('          ')}
          ${interior ? 'xi' : 'xc'} += inPlane;
          wIdx += S;
        }
        wRow += tapStep;
        ${interior ? 'xk += u32(dilationW);' : 'ix += dilationW;'}
      }
      iy += dilationH;
    }`;

  const loads: string[] = [`  let zpBase = p.sectionOffset + chan0;`, `  let correctionBase = zpBase + p.groups * S;`];
  for (const j of range(tn4)) {
    if (v.weightSum) loads.push(`  let wzp_${j} = vec4i(${range(4).map((c) => `bitcast<i32>(wp[zpBase + ${4 * j + c}u])`).join(', ')});`);
    loads.push(`  let correction_${j} = vec4i(${range(4).map((c) => `bitcast<i32>(wp[correctionBase + ${4 * j + c}u])`).join(', ')});`);
  }
  const exact = (t: number, j: number): string =>
    `bitcast<vec4i>(${acc(t, j)})${v.weightSum ? ` - wzp_${j} * bitcast<i32>(sum_${t})` : ''} - xzp * correction_${j}`;
  const epilogue = convIntegerEpilogue(tiling, v.requantize, loads, exact);

  const body = `
// ${v.requantize ? 'QLinearConv' : 'ConvInteger'} by dot4U8Packed (see conv-integer-dot-kernels.ts), register tile of ${tm} output pixels
// (one row) x ${4 * tn4} output channels. Invocation order, fastest first: channel block, group, pixel
// tile along x, output row, batch.
struct Params {
${WINDOW_FIELDS}
  total: u32,
  channelBlocks: u32,      // ceil(groupOutC / ${4 * tn4})
  groups: u32,
  tilesX: u32,             // ceil(outW / ${tm})
  outC: u32,
  groupOutC: u32,
  inWords: u32,            // words per pixel of a group's input channels: ceil(Cg / 4)
  packedWords: u32,        // S / 4: the packed weights' channels in groups of 4
  sectionOffset: u32,      // word index of the packed zw' section (then Sw - T zw'${v.requantize ? ', then B' : ''})
${v.requantize ? `  biasOffset: u32,         // word index of the packed bias section
  qMin: i32,               // the output element type's range
  qMax: i32,
` : ''}}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> xp: array<u32>;
@group(0) @binding(2) var<storage, read_write> wp: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;
@group(0) @binding(4) var<storage, read_write> negative: array<u32>;
${v.xZeroPoint ? '@group(0) @binding(5) var<storage, read_write> xzpBuffer: array<i32>;' : ''}
${v.requantize ? `@group(0) @binding(6) var<storage, read_write> multipliers: array<f32>;
@group(0) @binding(7) var<storage, read_write> yzp: array<i32>;` : ''}

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let cb = i % p.channelBlocks;
  var rest = i / p.channelBlocks;
  let g = rest % p.groups;
  rest = rest / p.groups;
  let tx = rest % p.tilesX;
  rest = rest / p.tilesX;
  let oy = rest % p.outH;
  let n = rest / p.outH;

${WINDOW_LOCALS}
  // int8 activations (some value or zero point negative): flip every byte's top bit, x' = x + 128.
  let int8Activations = negative[0] != 0u;
  let signFlip = select(0u, 0x80808080u, int8Activations);
  let xzp = ${v.xZeroPoint ? 'xzpBuffer[0]' : '0i'} + select(0i, 128i, int8Activations);
  let paddingWord = bitcast<u32>(xzp) * 0x01010101u;
  let inWords = p.inWords;
  let packedWords = p.packedWords;
  let S = packedWords * 4u;
  let inPlane = p.inH * p.inW;
  let tapStep = inWords * S;                // packed weight words of one (ky, kx)

  let ox0 = tx * ${tm}u;
  let ix0 = i32(ox0) * strideW - p.padLeft;
  let xBase = (n * p.groups + g) * inWords * inPlane;
${range(tm).flatMap((t) => range(tn4).map((j) => `  var ${acc(t, j)} = vec4u(0u);`)).join('\n')}
${v.weightSum ? range(tm).map((t) => `  var sum_${t} = 0u;`).join('\n') : ''}
  var wRow = g * kernelH * kernelW * tapStep + cb * ${4 * tn4}u;
  var iy = i32(oy) * p.strideH - p.padTop;
  // Interior tile: every column it reads, for every kx, lies inside the input.
  if (ix0 >= 0 && ix0 + ${tm - 1} * strideW + i32(kernelW - 1u) * dilationW < inW) {${kLoop(true)}
  } else {${kLoop(false)}
  }

${epilogue}
}
`;
  const flags = [...(v.xZeroPoint ? ['xzp'] : []), ...(v.weightSum ? ['wsum'] : []), ...(v.requantize ? ['requantize'] : [])];
  return packedDotKernel(generatedKernel(`${v.requantize ? 'qlinearConvDot' : 'convIntegerDot'}[tm=${tm},tn=${4 * tn4}${flags.map((f) => `,${f}`).join('')}]`, body));
}
