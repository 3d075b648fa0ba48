/**
 * WGSL generators for ConvInteger and QLinearConv (src/ops/conv-integer.ts). Like conv-kernels.ts,
 * every per-invocation tile value is a separately named variable and every loop over the tile is
 * unrolled here: SwiftShader spills dynamically indexed private arrays to memory.
 *
 * Kernels (to print one: `node --import ./scripts/dev/register.mjs --input-type=module -e
 * "import { convIntegerKernel } from './src/ops/conv-integer-kernels.ts'; console.log(convIntegerKernel({ tm: 8, tn4: 2 }, { signed: false, xZeroPoint: true, weightZeroPoint: true, requantize: false }).source)"`):
 *  - convIntegerPack: weights [M][Cg][KH][KW] (int32 words holding 8-bit values) -> 4 output
 *    channels' bytes per u32 word, [group][ky][kx][ci][S/4] (S = output channels per group padded
 *    to whole tiles, zero bytes beyond), then w_zero_point as [group][S] i32 words, then (for
 *    QLinearConv) the bias B the same way. The bytes are the values' low 8 bits, the same for
 *    int8 and uint8; the conv kernel's unpack says which they were.
 *  - convInteger[tm,tn,...]: the implicit GEMM of conv-kernels.ts's convKernel, exact in integers.
 *    Per tap, xa = x - x_zero_point (0 in the padding, which is skipped as in the float kernel);
 *    acc += xa * w and, when some w_zero_point is not 0, sum += xa (i32); the result is
 *    acc - w_zero_point * sum = sum over taps of (x - xzp)(w - wzp), with no per-tap subtraction
 *    of the weights' zero points. The products are summed with f32 fmas, in chunks of at most
 *    `chunk` taps whose sums cannot pass 2^24 (chunk * 255 * max|w| <= 2^24, |xa| <= 255 for 8-bit
 *    x and x_zero_point of one type, which ONNX requires), so every partial sum is an exact
 *    integer; each chunk then joins i32 accumulators. On SwiftShader an f32 fma costs about half
 *    an i32 multiply-add (measured: the all-i32 kernel was ~1.4x the float Conv's time, this one
 *    ~1.0x). The i32 parts wrap, so the result is exact whenever it fits in an i32, as ONNX
 *    requires of the int32 output.
 *    The QLinearConv epilogue adds B, converts to f32 exactly rounded (hi * 65536 + lo: both
 *    halves exact, one correctly rounded add), multiplies by the channel's multiplier (f32),
 *    rounds half to even (WGSL round), adds y_zero_point and saturates: the order the CPU
 *    reference follows with Math.fround, so both agree exactly.
 */
import { generatedKernel, type Kernel, memoizedKernels } from '../gpu/kernel.js';

/** The register tile: TM output pixels of one row x TN4 groups of 4 output channels. */
export interface ConvIntegerTiling {
  readonly tm: number;
  readonly tn4: number;
}

export interface ConvIntegerVariant {
  /** The weights are int8 (sign-extend the bytes) rather than uint8. */
  readonly signed: boolean;
  /** An x_zero_point input is bound (without one it is 0). */
  readonly xZeroPoint: boolean;
  /** Some w_zero_point may be nonzero (the kernel then sums xa per pixel). */
  readonly weightZeroPoint: boolean;
  /** QLinearConv's epilogue: bias, requantization, saturation. */
  readonly requantize: boolean;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const XYZW = 'xyzw';

export const convIntegerPackKernel = memoizedKernels(makeConvIntegerPackKernel);

function makeConvIntegerPackKernel(hasZeroPoint: boolean, hasBias: boolean): Kernel {
  let binding = 2;
  const zpBinding = hasZeroPoint ? `@group(0) @binding(${binding++}) var<storage, read_write> wzp: array<i32>;\n` : '';
  const biasBinding = hasBias ? `@group(0) @binding(${binding++}) var<storage, read_write> b: array<i32>;\n` : '';
  const body = `
// ConvInteger / QLinearConv weight pack (see conv-integer-kernels.ts): w [M][Cg][KH][KW] ->
// [group][ky][kx][ci][S/4] words of 4 channels' low bytes (channel 4j+c in bits 8c..8c+7, zero for
// channels >= groupOutC), then ${hasZeroPoint ? 'w_zero_point' : 'zeros (no w_zero_point)'} as [group][S]${hasBias ? ', then B as [group][S]' : ''}.
// Packed row kk = (ky*KW + kx)*Cg + ci holds the weights of ONNX k = ci*KH*KW + ky*KW + kx.
struct Params {
  total: u32,              // weightWords + sections * sectionWords
  weightWords: u32,        // groups * K * S/4
  sectionWords: u32,       // groups * S: one i32 per (padded) output channel
  k: u32,                  // K = Cg*KH*KW
  groupInC: u32,           // Cg
  groupOutC: u32,          // output channels per group
  packedWords: u32,        // S/4
  zeroPointStride: u32,    // 1: w_zero_point per output channel; 0: one for all
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<i32>;
${zpBinding}${biasBinding}@group(0) @binding(${binding}) var<storage, read_write> packed: array<u32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (i < p.weightWords) {
    let row = p.k * p.packedWords;
    let g = i / row;
    let kk = (i % row) / p.packedWords;
    let k = (kk % p.groupInC) * (p.k / p.groupInC) + kk / p.groupInC;
    let co0 = (i % p.packedWords) * 4u;
    var word = 0u;
    for (var c = 0u; c < 4u; c++) {
      if (co0 + c < p.groupOutC) {
        word |= (bitcast<u32>(w[(g * p.groupOutC + co0 + c) * p.k + k]) & 255u) << (8u * c);
      }
    }
    packed[i] = word;
    return;
  }
  let j = (i - p.weightWords) % p.sectionWords;
  let section = (i - p.weightWords) / p.sectionWords;
  let S = p.packedWords * 4u;
  let co = j % S;
  let m = (j / S) * p.groupOutC + min(co, p.groupOutC - 1u);
  var value = 0i;
  if (co < p.groupOutC) {
    ${hasZeroPoint ? 'if (section == 0u) { value = wzp[m * p.zeroPointStride]; }' : ''}
    ${hasBias ? 'if (section == 1u) { value = b[m]; }' : ''}
  }
  packed[i] = bitcast<u32>(value);
}
`;
  return generatedKernel(`convIntegerPack[${hasZeroPoint ? 'zp' : 'nozp'},${hasBias ? 'bias' : 'nobias'}]`, body);
}

/** The window geometry (spatial.ts windowUniforms fills it). */
export const WINDOW_FIELDS = `  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  kernelH: u32,
  kernelW: u32,
  strideH: i32,
  strideW: i32,
  dilationH: i32,
  dilationW: i32,
  padTop: i32,
  padLeft: i32,`;

/** Window uniforms copied into locals: SwiftShader does not hoist uniform loads. */
export const WINDOW_LOCALS = `  let inH = i32(p.inH);
  let inW = i32(p.inW);
  let kernelH = p.kernelH;
  let kernelW = p.kernelW;
  let strideW = p.strideW;
  let strideXu = u32(p.strideW);
  let dilationW = p.dilationW;
  let dilationH = p.dilationH;`;

/** The 4 weights of one packed word as a vec4i (shifts, not 4 extractBits: two vector ops). */
function unpack(word: string, signed: boolean): string {
  return signed
    ? `bitcast<vec4i>(vec4u(${word}) << vec4u(24u, 16u, 8u, 0u)) >> vec4u(24u)`
    : `bitcast<vec4i>((vec4u(${word}) >> vec4u(0u, 8u, 16u, 24u)) & vec4u(255u))`;
}

/** Four i32 words of a [group][S] section of the packed weights, from `base` + 4j: channels 4j..4j+3 of the tile. */
function sectionWords(base: string, j: number): string {
  return `vec4i(${range(4).map((c) => `bitcast<i32>(wp[${base} + ${4 * j + c}u])`).join(', ')})`;
}

/**
 * The end of both integer conv kernels (this file's and conv-integer-dot-kernels.ts's): `exact(t,
 * j)` is the vec4i sum of pixel t, channels 4j..4j+3; QLinearConv's epilogue adds B, converts to
 * f32 exactly rounded (hi * 65536 + lo: both halves exact, one correctly rounded add), multiplies
 * by the channel's multiplier, rounds half to even, adds y_zero_point and saturates; then the
 * tile's stores (the partial ones guarded). `loads` run first, after `chan0` (the tile's first
 * channel in the [group][S] sections) is defined.
 */
export function convIntegerEpilogue(tiling: ConvIntegerTiling, requantize: boolean, loads: readonly string[], exact: (t: number, j: number) => string): string {
  const { tm, tn4 } = tiling;
  const epilogue: string[] = [];
  epilogue.push(`  let chan0 = g * packedWords * 4u + cb * ${4 * tn4}u;  // this tile's first channel in the [group][S] sections`);
  epilogue.push(...loads);
  if (requantize) {
    epilogue.push(`  let biasBase = p.biasOffset + chan0;`);
    for (const j of range(tn4)) {
      epilogue.push(`  let bias_${j} = ${sectionWords('biasBase', j)};`);
      epilogue.push(`  let mult_${j} = vec4f(${range(4).map((c) => `multipliers[chan0 + ${4 * j + c}u]`).join(', ')});`);
    }
    epilogue.push('  let yZeroPoint = f32(yzp[0]);');
    epilogue.push('  let qMin = vec4f(f32(p.qMin));');
    epilogue.push('  let qMax = vec4f(f32(p.qMax));');
  }
  for (const t of range(tm)) {
    for (const j of range(tn4)) {
      if (!requantize) {
        epilogue.push(`  let v_${t}_${j} = ${exact(t, j)};`);
      } else {
        epilogue.push(`  let a_${t}_${j} = ${exact(t, j)} + bias_${j};`);
        epilogue.push(`  let f_${t}_${j} = vec4f(a_${t}_${j} >> vec4u(16u)) * 65536.0 + vec4f(a_${t}_${j} & vec4i(65535));`);
        epilogue.push(`  let v_${t}_${j} = vec4i(clamp(round(f_${t}_${j} * mult_${j}) + yZeroPoint, qMin, qMax));`);
      }
    }
  }
  epilogue.push(`  let co0 = cb * ${4 * tn4}u;`);
  epilogue.push(`  let yBase = (n * p.outC + g * p.groupOutC) * p.outH * p.outW + oy * p.outW + ox0;`);
  epilogue.push('  let plane = p.outH * p.outW;');
  for (const j of range(tn4)) for (const c of range(4)) epilogue.push(`  let y_${4 * j + c} = yBase + (co0 + ${4 * j + c}u) * plane;`);
  const store = (t: number, j: number, c: number): string => `y[y_${4 * j + c} + ${t}u] = v_${t}_${j}.${XYZW[c]};`;
  epilogue.push(`  let pixelsLeft = p.outW - ox0;`);
  epilogue.push(`  if (pixelsLeft >= ${tm}u && co0 + ${4 * tn4}u <= p.groupOutC) {`);
  for (const t of range(tm)) epilogue.push(`    ${range(tn4).flatMap((j) => range(4).map((c) => store(t, j, c))).join(' ')}`);
  epilogue.push('  } else {');
  epilogue.push('    let channelsLeft = p.groupOutC - co0;');
  for (const t of range(tm)) {
    epilogue.push(`    if (pixelsLeft > ${t}u) {`);
    for (const j of range(tn4)) for (const c of range(4)) epilogue.push(`      if (channelsLeft > ${4 * j + c}u) { ${store(t, j, c)} }`);
    epilogue.push('    }');
  }
  epilogue.push('  }');

  return epilogue.join('\n');
}

export const convIntegerKernel = memoizedKernels(makeConvIntegerKernel);

function makeConvIntegerKernel(tiling: ConvIntegerTiling, v: ConvIntegerVariant): Kernel {
  const { tm, tn4 } = tiling;
  if (!Number.isInteger(tm) || tm < 1 || !Number.isInteger(tn4) || tn4 < 1) throw new Error(`convInteger tiling must be positive integers, got tm=${tm} tn4=${tn4}`);
  const acc = (t: number, j: number): string => `acc_${t}_${j}`;
  const part = (t: number, j: number): string => `part_${t}_${j}`;
  const tapUpdates = (indent: string): string =>
    [
      ...range(tn4).map((j) => `${indent}let w_${j} = vec4f(${unpack(`wp[wIdx + ${j}u]`, v.signed)});`),
      ...range(tm).flatMap((t) => range(tn4).map((j) => `${indent}${part(t, j)} = fma(vec4f(x_${t}), w_${j}, ${part(t, j)});`)),
      ...(v.weightZeroPoint ? range(tm).map((t) => `${indent}sum_${t} += xa_${t};`) : []),
    ].join('\n');
  const load = (indent: string, t: number, at: string, inside?: string): string =>
    [
      `${indent}let xa_${t} = ${inside ? `select(0i, x[${at}] - xzp, ${inside})` : `x[${at}] - xzp`};`,
      `${indent}let x_${t} = f32(xa_${t});`,
    ].join('\n');
  const interiorLoads = (indent: string): string =>
    range(tm)
      .flatMap((t) => (t === 0 ? [`${indent}var xt = xi;`, load(indent, 0, 'xt')] : [`${indent}xt += strideXu;`, load(indent, t, 'xt')]))
      .join('\n');
  const edgeOffsets = (indent: string): string =>
    range(tm)
      .flatMap((t) => [
        `${indent}let ix_${t} = ix + ${t} * strideW;`,
        `${indent}let in_${t} = ix_${t} >= 0 && ix_${t} < inW;`,
        `${indent}let off_${t} = xRow + u32(clamp(ix_${t}, 0, inW - 1));`,
      ])
      .join('\n');
  const edgeLoads = (indent: string): string => range(tm).map((t) => load(indent, t, `off_${t} + xc`, `in_${t}`)).join('\n');
  // Per (ky, kx), the ci loop runs in chunks of at most p.chunk taps, summed in f32 (exact: see
  // the file comment) and then added to the i32 accumulators.
  const flush = (indent: string): string =>
    range(tm)
      .flatMap((t) => range(tn4).map((j) => `${indent}${acc(t, j)} += vec4i(${part(t, j)}); ${part(t, j)} = vec4f(0.0);`))
      .join('\n');
  const kLoop = (interior: boolean): string => `
    for (var ky = 0u; ky < kernelH; ky++) {
      let rowInside = iy >= 0 && iy < inH;
      let xRow = xBase + u32(clamp(iy, 0, inH - 1)) * p.inW;
      let count = select(0u, groupInC, rowInside);
      ${interior ? 'var xk = xRow + u32(ix0);' : 'var ix = ix0;'}
      for (var kx = 0u; kx < kernelW; kx++) {
${interior ? '        var xi = xk;' : `${edgeOffsets('        ')}\n        var xc = 0u;`}
        var wIdx = wRow;
        for (var c0 = 0u; c0 < count; c0 += chunk) {
          let cEnd = min(count, c0 + chunk);
          for (var ci = c0; ci < cEnd; ci++) {
${interior ? interiorLoads('            ') : edgeLoads('            ')}
${tapUpdates('            ')}
            ${interior ? 'xi' : 'xc'} += inPlane;
            wIdx += packedWords;
          }
${flush('          ')}
        }
        wRow += kStep;
        ${interior ? 'xk += u32(dilationW);' : 'ix += dilationW;'}
      }
      iy += dilationH;
    }`;

  const zeroPointLoads: string[] = [];
  if (v.weightZeroPoint) {
    zeroPointLoads.push(`  let zpBase = p.zeroPointOffset + chan0;`);
    for (const j of range(tn4)) zeroPointLoads.push(`  let wzp_${j} = ${sectionWords('zpBase', j)};`);
  }
  const epilogue = convIntegerEpilogue(tiling, v.requantize, zeroPointLoads, (t, j) => (v.weightZeroPoint ? `${acc(t, j)} - wzp_${j} * sum_${t}` : acc(t, j)));
  const body = `
// ${v.requantize ? 'QLinearConv' : 'ConvInteger'}, implicit GEMM in i32, register tile of ${tm} output pixels (one row) x ${4 * tn4}
// output channels; ${v.signed ? 'int8' : 'uint8'} weights packed 4 per u32 word. Invocation order, fastest first:
// channel block, group, pixel tile along x, output row, batch.
struct Params {
${WINDOW_FIELDS}
  total: u32,
  channelBlocks: u32,      // ceil(groupOutC / ${4 * tn4})
  groups: u32,
  tilesX: u32,             // ceil(outW / ${tm})
  inC: u32,
  outC: u32,
  groupInC: u32,
  groupOutC: u32,
  packedWords: u32,        // words per k in the packed weights (channelBlocks * ${tn4})
  zeroPointOffset: u32,    // word index of the packed w_zero_point section
  chunk: u32,              // taps summed in f32 before they join the i32 sums (exact below 2^24)
${v.requantize ? `  biasOffset: u32,         // word index of the packed bias section
  qMin: i32,               // the output element type's range
  qMax: i32,
` : ''}}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> wp: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;
${v.xZeroPoint ? '@group(0) @binding(4) var<storage, read_write> xzpBuffer: array<i32>;' : ''}
${v.requantize ? `@group(0) @binding(5) var<storage, read_write> multipliers: array<f32>;
@group(0) @binding(6) var<storage, read_write> yzp: array<i32>;` : ''}

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
  let xzp = ${v.xZeroPoint ? 'xzpBuffer[0]' : '0i'};
  let groupInC = p.groupInC;
  let chunk = p.chunk;
  let packedWords = p.packedWords;
  let inPlane = p.inH * p.inW;
  let kStep = groupInC * packedWords;       // packed words of one (ky, kx)

  let ox0 = tx * ${tm}u;
  let ix0 = i32(ox0) * strideW - p.padLeft;
  let xBase = (n * p.inC + g * groupInC) * inPlane;
${range(tm).flatMap((t) => range(tn4).map((j) => `  var ${acc(t, j)} = vec4i(0);\n  var ${part(t, j)} = vec4f(0.0);`)).join('\n')}
${v.weightZeroPoint ? range(tm).map((t) => `  var sum_${t} = 0i;`).join('\n') : ''}
  var wRow = g * kernelH * kernelW * kStep + cb * ${tn4}u;
  var iy = i32(oy) * p.strideH - p.padTop;
  // Interior tile: every column it reads, for every kx, lies inside the input.
  if (ix0 >= 0 && ix0 + ${tm - 1} * strideW + i32(kernelW - 1u) * dilationW < inW) {${kLoop(true)}
  } else {${kLoop(false)}
  }

${epilogue}
}
`;
  const flags = [v.signed ? 'int8' : 'uint8', ...(v.xZeroPoint ? ['xzp'] : []), ...(v.weightZeroPoint ? ['wzp'] : []), ...(v.requantize ? ['requantize'] : [])];
  return generatedKernel(`${v.requantize ? 'qlinearConv' : 'convInteger'}[tm=${tm},tn=${4 * tn4},${flags.join(',')}]`, body);
}
