/**
 * WGSL generators for Conv (src/ops/conv.ts). Every kernel keeps its per-invocation tile in
 * separately named variables (acc_<pixel>_<channel vec4>) and the generator unrolls every loop over
 * the tile: SwiftShader spills dynamically indexed private arrays to memory. Shapes and attributes
 * travel in the uniform struct, so one pipeline per variant serves every layer; the text bakes in
 * only the tile shape, the 1x1 kernel's load width and the fused activation's kind (a constant, so
 * the shader compiler folds applyActivation's switch away: on SwiftShader, every branch block of
 * the epilogue costs, and a switch per output element cost more than a small layer's whole k loop).
 *
 * Kernels (to print one: `node --import ./scripts/dev/register.mjs --input-type=module -e
 * "import { convKernel } from './src/ops/conv-kernels.ts'; console.log(convKernel({ tm: 8, tn4: 2 }, 'Relu').source)"`):
 *  - convRepack: weights [M][Cg][KH][KW] -> packed [group][ky][kx][ci][S] (S = output channels per
 *    group padded to a whole number of tiles, zeros beyond), then the bias as [group][S]. The conv
 *    kernels then read one vec4 of weights per k and channel vec4 (and a vec4 of bias) with no
 *    bounds checks.
 *  - conv[tm,tn]: implicit GEMM. One invocation = TM consecutive output pixels of one output row x
 *    TN = 4*TN4 output channels of one group. Loops ky, kx outside and ci inside: per ci, TM input
 *    scalars, TN4 weight vec4s, TM*TN4 vec4 fmas. Tiles whose input columns all lie inside the input
 *    run unchecked loads; edge tiles compute clamped offsets and validity once per (ky, kx) and
 *    zero-pad with select. Rows in the padding run their ci loop zero times.
 *  - conv1x1[tm,tn,vec4|scalar]: 1x1 kernel, stride 1, no padding: a GEMM over the flattened
 *    pixels, the input loaded as vec4s along pixels when H*W is a multiple of 4.
 *  - convDepthwise[tm(,kernelW,sx,dx)]: group == C_in == C_out: TM consecutive output pixels of one row
 *    of one channel. With the window's width, stride and dilation fixed in the variant (kernelW <= 7,
 *    the common case), each window row's inputs are loaded once and slid over (checked at the
 *    row's ends); otherwise one scalar weight and TM inputs per (ky, kx), interior/edge as above.
 * All end with bias + activation (+ the fused residual input `r`, read at the output's own index)
 * and NCHW (channel-major) stores: unguarded for a full tile, guarded per element for tiles that
 * overhang the output row or the group's channels.
 */
import { generatedKernel, type Kernel, memoizedKernels } from '../gpu/kernel.js';
import { ACTIVATION_CODES, type ActivationKind } from './activation-functions.js';

/** The register tile of the conv and conv1x1 kernels: TM output pixels x TN4 vec4s of channels. */
export interface ConvTiling {
  readonly tm: number;
  readonly tn4: number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const acc = (t: number, j: number): string => `acc_${t}_${j}`;
const XYZW = 'xyzw';

/** Uniform fields of the fused activation's parameters (its kind is the constant ACT). */
const ACTIVATION_FIELDS = `  actAlpha: f32,           // HardSigmoid alpha, Clip min, LeakyRelu alpha
  actBeta: f32,            // HardSigmoid beta, Clip max`;

function activationConst(activation: ActivationKind): string {
  return `// The fused activation (codes of applyActivation in common.wgsl): ${activation}.\nconst ACT = ${ACTIVATION_CODES[activation]}u;`;
}

function variantName(base: string, params: string[], activation: ActivationKind, residual: Residual): string {
  return `${base}[${[...params, ...(activation === 'None' ? [] : [`act=${activation}`]), ...(residual === 'none' ? [] : [`residual=${residual}`])].join(',')}]`;
}

/**
 * The fused residual (conv.ts): none, its own binding `r`, or the conv's input `x` itself
 * (y = act(conv(x)) + x, the same value bound once: see OpNode.inputs). Either way it is read at
 * the output's own index, after the activation.
 */
export type Residual = 'none' | 'binding' | 'input';

function residualBinding(residual: Residual, vec4 = false): string {
  return residual === 'binding' ? `\n@group(0) @binding(4) var<storage, read_write> r: array<${vec4 ? 'vec4f' : 'f32'}>;` : '';
}

/** R[at] for a residual read through scalar arrays (its own binding `r`, or the input `x`). */
function residualTerm(residual: Residual, at: string): string {
  return residual === 'binding' ? `r[${at}]` : `x[${at}]`;
}

export const convRepackKernel = memoizedKernels(makeConvRepackKernel);

/** The weight/bias repack step; `hasBias` false writes a zero bias section (no bias binding). */
function makeConvRepackKernel(hasBias: boolean): Kernel {
  const body = `
// Conv weight repack: w [M][Cg][KH][KW] (ONNX order) -> packed [group][ky][kx][ci][S], zero for
// channels >= groupOutC; then the bias as [group][S] (zeros without a bias input).
// Packed row kk = (ky*KW + kx)*Cg + ci holds the weights of ONNX k = ci*KH*KW + ky*KW + kx.
struct Params {
  total: u32,              // weightSection + groups * S
  weightSection: u32,      // groups * K * S
  k: u32,                  // K = Cg*KH*KW
  groupInC: u32,           // Cg
  groupOutC: u32,          // output channels per group
  packedOutC: u32,         // S: groupOutC padded to the conv tile's channel count
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
${hasBias ? '@group(0) @binding(2) var<storage, read_write> b: array<f32>;\n@group(0) @binding(3)' : '@group(0) @binding(2)'} var<storage, read_write> packed: array<f32>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (i < p.weightSection) {
    let row = p.k * p.packedOutC;
    let g = i / row;
    let kk = (i % row) / p.packedOutC;
    let k = (kk % p.groupInC) * (p.k / p.groupInC) + kk / p.groupInC;
    let co = i % p.packedOutC;
    let m = g * p.groupOutC + min(co, p.groupOutC - 1u);
    packed[i] = select(0.0, w[m * p.k + k], co < p.groupOutC);
  } else {
    let j = i - p.weightSection;
    let g = j / p.packedOutC;
    let co = j % p.packedOutC;
${hasBias ? `    let m = g * p.groupOutC + min(co, p.groupOutC - 1u);
    packed[i] = select(0.0, b[m], co < p.groupOutC);` : '    packed[i] = 0.0;'}
  }
}
`;
  return generatedKernel(`convRepack[${hasBias ? 'bias' : 'nobias'}]`, body);
}

/** TM*TN4 multiply-adds of x_0..x_{TM-1} with the TN4 weight vec4s at wIdx. */
function tileMultiplyAdds(tm: number, tn4: number, indent: string): string {
  return [
    ...range(tn4).map((j) => `${indent}let w_${j} = wp[wIdx + ${j}u];`),
    ...range(tm).flatMap((t) => range(tn4).map((j) => `${indent}${acc(t, j)} = fma(vec4f(x_${t}), w_${j}, ${acc(t, j)});`)),
  ].join('\n');
}

/**
 * The epilogue of a TM x 4*TN4 tile: bias and activation, then the stores into NCHW (channel c of
 * pixel t at yBase + (co0 + c)*channelStride + t). `pixelsLeft` is how many of the tile's pixels
 * exist; tiles that are whole (the common case) store without per-element checks.
 */
/**
 * `rowsVec4`: y is an array of vec4s and every channel's TM pixels start 4-aligned (whole tiles
 * store vec4s); `residualVec4`: the residual is read from an array of vec4s laid out like y.
 */
function tileEpilogue(tm: number, tn4: number, pixelsLeft: string, channelStride: string, residual: Residual, rowsVec4 = false, residualVec4 = rowsVec4): string {
  const lines: string[] = [];
  lines.push(`  let biasBase = p.biasOffset4 + g * packedOutC4 + cb * ${tn4}u;`);
  for (const j of range(tn4)) lines.push(`  let bias_${j} = wp[biasBase + ${j}u];`);
  for (const t of range(tm)) {
    for (const j of range(tn4)) lines.push(`  let v_${t}_${j} = applyActivation4(${acc(t, j)} + bias_${j}, ACT, p.actAlpha, p.actBeta);`);
  }
  lines.push(`  let co0 = cb * ${4 * tn4}u;`);
  for (const j of range(tn4)) {
    for (const c of range(4)) lines.push(`  let y_${4 * j + c} = yBase + (co0 + ${4 * j + c}u) * ${channelStride};`);
  }
  // The residual joins each value before the stores, read at an index clamped into the tensor
  // (a partial tile's missing pixels and channels read a neighbour they never store): written
  // once here rather than in both store paths, it halves those variants' compile time.
  const value = (t: number, j: number): string => (residual === 'none' ? `v_${t}_${j}` : `o_${t}_${j}`);
  if (residual !== 'none' && residualVec4) {
    // Each channel's TM pixels are TM/4 aligned vec4s of the residual (the 1x1 kernel's vec4 form).
    const source = residual === 'binding' ? 'r' : 'x';
    lines.push(`  let lastQuad = arrayLength(&${source}) - 1u;`);
    for (const k of range(4 * tn4)) {
      for (const q of range(tm / 4)) lines.push(`  let rq_${k}_${q} = ${source}[min((y_${k} + ${4 * q}u) / 4u, lastQuad)];`);
    }
    for (const t of range(tm)) {
      for (const j of range(tn4)) {
        const reads = range(4).map((c) => `rq_${4 * j + c}_${Math.floor(t / 4)}.${XYZW[t % 4]}`);
        lines.push(`  let o_${t}_${j} = v_${t}_${j} + vec4f(${reads.join(', ')});`);
      }
    }
  } else if (residual !== 'none') {
    lines.push(`  let lastOut = ${residual === 'binding' ? 'arrayLength(&r)' : 'arrayLength(&x)'} - 1u;`);
    for (const t of range(tm)) {
      for (const j of range(tn4)) {
        const reads = range(4).map((c) => residualTerm(residual, `min(y_${4 * j + c} + ${t}u, lastOut)`));
        lines.push(`  let o_${t}_${j} = v_${t}_${j} + vec4f(${reads.join(', ')});`);
      }
    }
  }
  // With rowsVec4, y is an array of vec4s and each channel's row starts 4-aligned: a whole tile
  // stores TM/4 vec4s per channel (a quarter of the stores), a partial one single components.
  const store = (t: number, j: number, c: number): string =>
    rowsVec4
      ? `y[(y_${4 * j + c} >> 2u) + ${t >> 2}u].${XYZW[t % 4]} = ${value(t, j)}.${XYZW[c]};`
      : `y[y_${4 * j + c} + ${t}u] = ${value(t, j)}.${XYZW[c]};`;
  lines.push(`  if (${pixelsLeft} >= ${tm}u && co0 + ${4 * tn4}u <= p.groupOutC) {`);
  if (rowsVec4) {
    for (const k of range(4 * tn4)) {
      const [j, c] = [Math.floor(k / 4), k % 4];
      const quads = range(tm / 4).map((q) => `y[(y_${k} >> 2u) + ${q}u] = vec4f(${range(4).map((e) => `${value(4 * q + e, j)}.${XYZW[c]}`).join(', ')});`);
      lines.push(`    ${quads.join(' ')}`);
    }
  } else {
    for (const t of range(tm)) lines.push(`    ${range(tn4).flatMap((j) => range(4).map((c) => store(t, j, c))).join(' ')}`);
  }
  // A partial tile (the last pixels of a row, the last channels) stores in a loop over its
  // values: unrolled, its tm x 4tn4 guarded stores were half the JIT time of SwiftShader's
  // compile (conv1x1 8x8: 684 -> 361 ms); the loop's dynamic indexing costs only partial tiles.
  const element = rowsVec4 ? (index: string) => `y[${index} >> 2u][${index} & 3u]` : (index: string) => `y[${index}]`;
  lines.push('  } else {');
  lines.push(`    let channelsLeft = min(p.groupOutC - co0, ${4 * tn4}u);`);
  lines.push(`    let pixelsLeft = min(${pixelsLeft}, ${tm}u);`);
  lines.push(`    let values = array<vec4f, ${tm * tn4}>(${range(tm).flatMap((t) => range(tn4).map((j) => value(t, j))).join(', ')});`);
  lines.push('    for (var t = 0u; t < pixelsLeft; t++) {');
  lines.push('      for (var c = 0u; c < channelsLeft; c++) {');
  lines.push(`        let at = yBase + (co0 + c) * ${channelStride} + t;`);
  lines.push(`        ${element('at')} = values[t * ${tn4}u + c / 4u][c % 4u];`);
  lines.push('      }');
  lines.push('    }');
  lines.push('  }');
  return lines.join('\n');
}

/** Loads of the tile's TM inputs from a running index `xt`, TM apart by strideXu (no checks). */
function interiorLoads(tm: number, indent: string): string {
  return range(tm)
    .flatMap((t) => (t === 0 ? [`${indent}var xt = xi;`, `${indent}let x_0 = x[xt];`] : [`${indent}xt += strideXu;`, `${indent}let x_${t} = x[xt];`]))
    .join('\n');
}

/** For an edge tile at one (ky, kx): each pixel's clamped input offset in row xRow, and whether it is inside. */
function edgeOffsets(tm: number, indent: string): string {
  return range(tm)
    .flatMap((t) => [
      `${indent}let ix_${t} = ix + ${t} * strideW;`,
      `${indent}let in_${t} = ix_${t} >= 0 && ix_${t} < inW;`,
      `${indent}let off_${t} = xRow + u32(clamp(ix_${t}, 0, inW - 1));`,
    ])
    .join('\n');
}

/** Loads of the tile's TM inputs at channel offset xc, zero where the pixel reads padding. */
function edgeLoads(tm: number, indent: string): string {
  return range(tm)
    .map((t) => `${indent}let x_${t} = select(0.0, x[off_${t} + xc], in_${t});`)
    .join('\n');
}

/** A row iy of the window: its clamped start in the input and how many k steps it runs (0 in the padding). */
function windowRow(indent: string, count: string): string {
  return [
    `${indent}let rowInside = iy >= 0 && iy < inH;`,
    `${indent}let xRow = xBase + u32(clamp(iy, 0, inH - 1)) * p.inW;`,
    `${indent}let count = select(0u, ${count}, rowInside);`,
  ].join('\n');
}

/** The window geometry in the Params of both windowed kernels (conv.ts windowParams fills it). */
const WINDOW_FIELDS = `  inH: u32,
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

/** The window uniforms the loops use, copied into locals: SwiftShader does not hoist uniform loads. */
const WINDOW_LOCALS = `  let inH = i32(p.inH);
  let inW = i32(p.inW);
  let kernelH = p.kernelH;
  let kernelW = p.kernelW;
  let strideW = p.strideW;
  let strideXu = u32(p.strideW);
  let dilationW = p.dilationW;
  let dilationWu = u32(p.dilationW);
  let dilationH = p.dilationH;`;

export const convKernel = memoizedKernels(makeConvKernel);

/** The implicit-GEMM conv kernel with a TM x (4*TN4) register tile (see the file comment). */
function makeConvKernel(tiling: ConvTiling, activation: ActivationKind, residual: Residual = 'none', rowsVec4 = false): Kernel {
  if (rowsVec4 && tiling.tm % 4 !== 0) throw new Error(`conv rows4 variant needs tm % 4 == 0, got ${tiling.tm}`);
  const { tm, tn4 } = tiling;
  const kLoop = (interior: boolean): string => `
    for (var ky = 0u; ky < kernelH; ky++) {
${windowRow('      ', 'groupInC')}
      ${interior ? 'var xk = xRow + u32(ix0);' : 'var ix = ix0;'}
      for (var kx = 0u; kx < kernelW; kx++) {
${interior ? '        var xi = xk;' : `${edgeOffsets(tm, '        ')}\n        var xc = 0u;`}
        var wIdx = wRow;
        for (var ci = 0u; ci < count; ci++) {
${interior ? interiorLoads(tm, '          ') : edgeLoads(tm, '          ')}
${tileMultiplyAdds(tm, tn4, '          ')}
          ${interior ? 'xi' : 'xc'} += inPlane;
          wIdx += packedOutC4;
        }
        wRow += kStep;
        ${interior ? 'xk += u32(dilationW);' : 'ix += dilationW;'}
      }
      iy += dilationH;
    }`;
  const body = `
// Conv, implicit GEMM, register tile of ${tm} output pixels (one row) x ${4 * tn4} output channels.
// Invocation order, fastest first: channel block, group, pixel tile along x, output row, batch
// (neighbouring invocations share a tile, so they take the same interior/edge branch).
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
  packedOutC4: u32,        // vec4s per k in the packed weights (channelBlocks * ${tn4})
  biasOffset4: u32,        // vec4 index of the packed bias section
${ACTIVATION_FIELDS}
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> wp: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<${rowsVec4 ? 'vec4f' : 'f32'}>;${residualBinding(residual, rowsVec4)}

const WG = 64u;
${activationConst(activation)}

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
  let groupInC = p.groupInC;
  let packedOutC4 = p.packedOutC4;
  let inPlane = p.inH * p.inW;
  let kStep = groupInC * packedOutC4;       // packed weights of one (ky, kx)

  let ox0 = tx * ${tm}u;
  let ix0 = i32(ox0) * strideW - p.padLeft;
  let xBase = (n * p.inC + g * groupInC) * inPlane;
${range(tm).flatMap((t) => range(tn4).map((j) => `  var ${acc(t, j)} = vec4f(0.0);`)).join('\n')}
  var wRow = g * kernelH * kernelW * kStep + cb * ${tn4}u;
  var iy = i32(oy) * p.strideH - p.padTop;
  // Interior tile: every column it reads, for every kx, lies inside the input.
  if (ix0 >= 0 && ix0 + ${tm - 1} * strideW + i32(kernelW - 1u) * dilationW < inW) {${kLoop(true)}
  } else {${kLoop(false)}
  }

  let yBase = (n * p.outC + g * p.groupOutC) * p.outH * p.outW + oy * p.outW + ox0;
${tileEpilogue(tm, tn4, 'p.outW - ox0', 'p.outH * p.outW', residual, rowsVec4, rowsVec4 && residual === 'binding')}
}
`;
  return generatedKernel(variantName('conv', [`tm=${tm}`, `tn=${4 * tn4}`, ...(rowsVec4 ? ['rows4'] : [])], activation, residual), body);
}

/**
 * The 1x1 conv (stride 1, no padding) as a GEMM over flattened pixels. `vec4` loads the input
 * as vec4s along pixels (needs H*W % 4 == 0 and tm % 4 == 0). Pixels past the end of the last tile
 * read a clamped index: their sums are never stored, and no other pixel depends on them.
 */
export const conv1x1Kernel = memoizedKernels(makeConv1x1Kernel);

/**
 * `activation` 'dynamic': the kind is a uniform (Params.act) instead of a constant, so one
 * pipeline serves every activation. For tiny layers (a squeeze-and-excitation block's 1x1 convs on
 * a pooled 1x1 map), where the per-element switch costs nothing and a pipeline per activation
 * costs a compile each.
 */
function makeConv1x1Kernel(tiling: ConvTiling, vec4: boolean, activation: ActivationKind | 'dynamic', residual: Residual = 'none'): Kernel {
  const { tm, tn4 } = tiling;
  if (vec4 && tm % 4 !== 0) throw new Error(`conv1x1 vec4 variant needs tm % 4 == 0, got ${tm}`);
  const loads = vec4
    ? [
        '    let xq0 = (chan + px0) / 4u;',
        '    let xqLast = (chan + pixels) / 4u - 1u;',
        ...range(tm / 4).map((q) => `    let xq_${q} = x[min(xq0 + ${q}u, xqLast)];`),
        ...range(tm).map((t) => `    let x_${t} = xq_${Math.floor(t / 4)}.${XYZW[t % 4]};`),
      ]
    : ['    let xLast = chan + pixels - 1u;', ...range(tm).map((t) => `    let x_${t} = x[min(chan + px0 + ${t}u, xLast)];`)];
  const body = `
// Conv 1x1, stride 1, no padding: a GEMM over pixels. Register tile of ${tm} consecutive pixels x
// ${4 * tn4} output channels of one group; input read ${vec4 ? 'as vec4s along pixels' : 'as scalars'}.
// Invocation order, fastest first: channel block, group, pixel tile, batch.
struct Params {
  total: u32,
  channelBlocks: u32,
  groups: u32,
  pixelTiles: u32,         // ceil(pixels / ${tm})
  pixels: u32,             // H * W (the same for input and output)
  inC: u32,
  outC: u32,
  groupInC: u32,
  groupOutC: u32,
  packedOutC4: u32,
  biasOffset4: u32,
${ACTIVATION_FIELDS}${activation === 'dynamic' ? '\n  act: u32,                // the activation (codes of applyActivation in common.wgsl)' : ''}
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<${vec4 ? 'vec4f' : 'f32'}>;
@group(0) @binding(2) var<storage, read_write> wp: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<${vec4 ? 'vec4f' : 'f32'}>;${residualBinding(residual, vec4)}

const WG = 64u;
${activation === 'dynamic' ? '' : activationConst(activation)}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }${activation === 'dynamic' ? '\n  let ACT = p.act;' : ''}
  let cb = i % p.channelBlocks;
  var rest = i / p.channelBlocks;
  let g = rest % p.groups;
  rest = rest / p.groups;
  let pt = rest % p.pixelTiles;
  let n = rest / p.pixelTiles;

  let groupInC = p.groupInC;
  let packedOutC4 = p.packedOutC4;
  let pixels = p.pixels;
  let px0 = pt * ${tm}u;
  var wIdx = g * groupInC * packedOutC4 + cb * ${tn4}u;
  var chan = (n * p.inC + g * groupInC) * pixels;
${range(tm).flatMap((t) => range(tn4).map((j) => `  var ${acc(t, j)} = vec4f(0.0);`)).join('\n')}
  for (var ci = 0u; ci < groupInC; ci++) {
${loads.join('\n')}
${tileMultiplyAdds(tm, tn4, '    ')}
    wIdx += packedOutC4;
    chan += pixels;
  }

  let yBase = (n * p.outC + g * p.groupOutC) * pixels + px0;
${tileEpilogue(tm, tn4, 'pixels - px0', 'pixels', residual, vec4)}
}
`;
  return generatedKernel(variantName('conv1x1', [`tm=${tm}`, `tn=${4 * tn4}`, vec4 ? 'vec4' : 'scalar', ...(activation === 'dynamic' ? ['act=dynamic'] : [])], activation === 'dynamic' ? 'None' : activation, residual), body);
}

/**
 * A depthwise window whose width, stride and dilation along x are fixed at generation: a tile
 * then slides along each input row, loading its (tm-1)*sx + (kernelW-1)*dx + 1 inputs and kernelW weights
 * once per row instead of tm inputs and a weight per tap.
 */
export interface DepthwiseRowWindow {
  readonly kernelW: number;
  readonly strideW: number;
  readonly dilationW: number;
}

export const convDepthwiseKernel = memoizedKernels(makeConvDepthwiseKernel);

function makeConvDepthwiseKernel(tm: number, activation: ActivationKind, window?: DepthwiseRowWindow, residual: Residual = 'none'): Kernel {
  const depthwiseValue = (t: number): string => (residual === 'none' ? `v_${t}` : `v_${t} + ${residualTerm(residual, `yBase + ${t}u`)}`);
  // Every tile, interior or edge, slides with each row input checked against the row's ends
  // (zero outside): a 16x16 map with tm=8 has only edge tiles, per-tap edge loads cost kernelW times
  // the row loads, and one sliding copy instead of an unchecked interior one and a checked edge
  // one compiled in 40% less time on SwiftShader at no measurable cost per run.
  const slidingRows = (w: DepthwiseRowWindow): string => {
    const span = (tm - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1;
    const loads = range(span).map((j) => `        let r_${j} = select(0.0, x[xRow + u32(clamp(ix0 + ${j}, 0, inW - 1))], ix0 + ${j} >= 0 && ix0 + ${j} < inW);`);
    const weights = range(w.kernelW).map((kx) => `        let w_${kx} = wp[wRow + ${kx}u];`);
    const fmas = range(tm).flatMap((t) => range(w.kernelW).map((kx) => `        acc_${t} = fma(r_${t * w.strideW + kx * w.dilationW}, w_${kx}, acc_${t});`));
    return `
    for (var ky = 0u; ky < kernelH; ky++) {
${windowRow('      ', '1u')}
      let wRow = wChan + ky * ${w.kernelW}u;
      if (count > 0u) {
${loads.join('\n')}
${weights.join('\n')}
${fmas.join('\n')}
      }
      iy += dilationH;
    }`;
  };
  const kLoop = (interior: boolean): string => `
    for (var ky = 0u; ky < kernelH; ky++) {
${windowRow('      ', 'kernelW')}
      ${interior ? 'var xi = xRow + u32(ix0);' : 'var ix = ix0;'}
      var wIdx = wChan + ky * kernelW;
      for (var kx = 0u; kx < count; kx++) {
${interior ? interiorLoads(tm, '        ') : `${edgeOffsets(tm, '        ')}\n        let xc = 0u;\n${edgeLoads(tm, '        ')}`}
        let w = wp[wIdx];
${range(tm).map((t) => `        acc_${t} = fma(x_${t}, w, acc_${t});`).join('\n')}
        wIdx += 1u;
        ${interior ? 'xi += dilationWu;' : 'ix += dilationW;'}
      }
      iy += dilationH;
    }`;
  const body = `
// Depthwise conv: one invocation = ${tm} consecutive output pixels of one row of one channel.
// Invocation order, fastest first: channel, pixel tile along x, output row, batch (neighbouring
// invocations share a tile, so they take the same interior/edge branch).
struct Params {
${WINDOW_FIELDS}
  total: u32,
  tilesX: u32,
  channels: u32,
  biasOffset: u32,         // index of the packed bias section (packed weights are [C][KH*KW])
${ACTIVATION_FIELDS}
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> wp: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;${residualBinding(residual)}

const WG = 64u;
${activationConst(activation)}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let c = i % p.channels;
  var rest = i / p.channels;
  let tx = rest % p.tilesX;
  rest = rest / p.tilesX;
  let oy = rest % p.outH;
  let n = rest / p.outH;

${WINDOW_LOCALS}
  let ox0 = tx * ${tm}u;
  let ix0 = i32(ox0) * strideW - p.padLeft;
  let xBase = (n * p.channels + c) * p.inH * p.inW;
  let wChan = c * kernelH * kernelW;
${range(tm).map((t) => `  var acc_${t} = 0.0;`).join('\n')}
  var iy = i32(oy) * p.strideH - p.padTop;
${window ? `  {${slidingRows(window)}
  }` : `  if (ix0 >= 0 && ix0 + ${tm - 1} * strideW + i32(kernelW - 1u) * dilationW < inW) {${kLoop(true)}
  } else {${kLoop(false)}
  }`}

  let bias = wp[p.biasOffset + c];
${range(tm).map((t) => `  let v_${t} = applyActivation(acc_${t} + bias, ACT, p.actAlpha, p.actBeta);`).join('\n')}
  let yBase = ((n * p.channels + c) * p.outH + oy) * p.outW + ox0;
  if (ox0 + ${tm}u <= p.outW) {
    ${range(tm).map((t) => `y[yBase + ${t}u] = ${depthwiseValue(t)};`).join(' ')}
  } else {
${range(tm).map((t) => `    if (ox0 + ${t}u < p.outW) { y[yBase + ${t}u] = ${depthwiseValue(t)}; }`).join('\n')}
  }
}
`;
  const shape = window ? [`kernelW=${window.kernelW}`, `sx=${window.strideW}`, `dx=${window.dilationW}`] : [];
  return generatedKernel(variantName('convDepthwise', [`tm=${tm}`, ...shape], activation, residual), body);
}
