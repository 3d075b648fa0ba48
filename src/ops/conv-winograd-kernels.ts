/**
 * WGSL generators for Winograd convolution F(m x m, 3 x 3) (src/ops/conv-winograd.ts): the three
 * kernels around the batched GEMM, which is conv-kernels.ts's register-blocked 1x1 kernel with one
 * group per transform position. The transforms' constant matrices (Lavin & Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2015) are unrolled into straight-line code, zero
 * coefficients dropped and +-1 written as adds: SwiftShader spills dynamically indexed private
 * arrays, and a CPU-like adapter pays for every multiply.
 *
 * Kernels (to print one: `node --import ./scripts/dev/register.mjs --input-type=module -e
 * "import { winogradInputKernel } from './src/ops/conv-winograd-kernels.ts'; console.log(winogradInputKernel(2).source)"`):
 *  - winogradWeights[m]: w [M][C][3][3] -> U = G g G^T per (output, input channel), written in
 *    the packed layout the 1x1 kernel reads: [xi][ci][S] (xi = the alpha*alpha transform
 *    positions, alpha = m + 2; S = M padded to the GEMM tile, zeros beyond), then a zero bias
 *    section [xi][S] (the bias joins after the output transform: it does not commute with A^T).
 *  - winogradInput[m]: x [N][C][H][W] -> V = B^T d B for every alpha x alpha input tile d (origin
 *    m*tile - pad, zeros outside the input), as [N][xi][C][tiles]: group xi of a 1x1 conv over
 *    `tiles` pixels.
 *  - winogradOutput[m,act,residual]: the GEMM's [N][xi][M][tiles] -> Y = A^T Z A, the m x m
 *    outputs of each tile, plus bias, the fused activation and the residual, stored where they
 *    lie inside the output (the last tile row and column may overhang it).
 */
import { generatedKernel, type Kernel, memoizedKernels } from '../gpu/kernel.js';
import { ACTIVATION_CODES, type ActivationKind } from './activation-functions.js';
import type { Residual } from './conv-kernels.js';

/** The output tile sizes with a transform: F(2x2, 3x3) and F(4x4, 3x3). */
export type WinogradTile = 2 | 4;

export interface WinogradMatrices {
  /** alpha = m + 2, the input tile's side. */
  readonly alpha: number;
  /** B^T: alpha x alpha (input transform). */
  readonly BT: readonly (readonly number[])[];
  /** G: alpha x 3 (weight transform). */
  readonly G: readonly (readonly number[])[];
  /** A^T: m x alpha (output transform). */
  readonly AT: readonly (readonly number[])[];
}

/** Lavin & Gray's matrices (interpolation points 0, +-1 for m = 2; 0, +-1, +-2 for m = 4). */
export const WINOGRAD: Readonly<Record<WinogradTile, WinogradMatrices>> = {
  2: {
    alpha: 4,
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [1 / 2, 1 / 2, 1 / 2],
      [1 / 2, -1 / 2, 1 / 2],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    alpha: 6,
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** WGSL for an f32 literal that round-trips (1/6 and friends included). */
function f32Literal(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** sum_k coefficients[k] * terms[k] as WGSL, zeros dropped, +-1 as adds and subtractions. */
function linearCombination(coefficients: readonly number[], terms: readonly string[]): string {
  const parts: string[] = [];
  coefficients.forEach((c, k) => {
    if (c === 0) return;
    const magnitude = Math.abs(c);
    const term = magnitude === 1 ? terms[k]! : `${f32Literal(magnitude)} * ${terms[k]}`;
    parts.push(parts.length === 0 ? (c < 0 ? `-${term}` : term) : `${c < 0 ? '-' : '+'} ${term}`);
  });
  return parts.length === 0 ? '0.0' : parts.join(' ');
}

/**
 * Lines computing out = L * in * L^T for a rows x cols matrix L (rows <= cols = the input's side),
 * in named scalars: `${input}_<r>_<c>` in, `${output}_<i>_<j>` out, via `${output}t_<i>_<c>`.
 */
function sandwich(L: readonly (readonly number[])[], input: string, output: string, indent: string): string[] {
  const rows = L.length;
  const cols = L[0]!.length;
  const lines: string[] = [];
  for (const i of range(rows)) {
    for (const c of range(cols)) {
      lines.push(`${indent}let ${output}t_${i}_${c} = ${linearCombination(L[i]!, range(cols).map((r) => `${input}_${r}_${c}`))};`);
    }
  }
  for (const i of range(rows)) {
    for (const j of range(rows)) {
      lines.push(`${indent}let ${output}_${i}_${j} = ${linearCombination(L[j]!, range(cols).map((c) => `${output}t_${i}_${c}`))};`);
    }
  }
  return lines;
}

const WG = 'const WG = 64u;';

export const winogradWeightsKernel = memoizedKernels(makeWinogradWeightsKernel);

function makeWinogradWeightsKernel(m: WinogradTile): Kernel {
  const { alpha, G } = WINOGRAD[m];
  const body = `
// Winograd F(${m}x${m}, 3x3) weight transform (conv-winograd-kernels.ts): w [M][C][3][3] ->
// U[xi][ci][S] = (G g G^T)[xi / ${alpha}][xi % ${alpha}], zero for channels >= M; then [xi][S] zeros.
struct Params {
  total: u32,              // weightSection + ${alpha * alpha} * S
  weightSection: u32,      // ${alpha * alpha} * C * S
  inC: u32,                // C
  outC: u32,               // M
  packedOutC: u32,         // S
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> packed: array<f32>;

${WG}
// G, ${alpha} x 3, row-major (a plan-time step: dynamic indexing costs nothing that matters here).
const G = array<f32, ${alpha * 3}>(${G.flat().map(f32Literal).join(', ')});

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  if (i >= p.weightSection) {
    packed[i] = 0.0;
    return;
  }
  let S = p.packedOutC;
  let co = i % S;
  let ci = (i / S) % p.inC;
  let xi = i / (S * p.inC);
  if (co >= p.outC) {
    packed[i] = 0.0;
    return;
  }
  let a = xi / ${alpha}u;
  let b = xi % ${alpha}u;
  let base = (co * p.inC + ci) * 9u;
  var u = 0.0;
  for (var ky = 0u; ky < 3u; ky++) {
    var row = 0.0;
    for (var kx = 0u; kx < 3u; kx++) { row += G[b * 3u + kx] * w[base + ky * 3u + kx]; }
    u += G[a * 3u + ky] * row;
  }
  packed[i] = u;
}
`;
  return generatedKernel(`winogradWeights[m=${m}]`, body);
}

export const winogradInputKernel = memoizedKernels(makeWinogradInputKernel);

function makeWinogradInputKernel(m: WinogradTile): Kernel {
  const { alpha, BT } = WINOGRAD[m];
  const rows = range(alpha).flatMap((r) => [
    `  let iy_${r} = iy0 + ${r};`,
    `  let rowIn_${r} = iy_${r} >= 0 && iy_${r} < inH;`,
    `  let row_${r} = plane + u32(clamp(iy_${r}, 0, inH - 1)) * p.inW;`,
  ]);
  const cols = range(alpha).flatMap((c) => [
    `  let ix_${c} = ix0 + ${c};`,
    `  let colIn_${c} = ix_${c} >= 0 && ix_${c} < inW;`,
    `  let col_${c} = u32(clamp(ix_${c}, 0, inW - 1));`,
  ]);
  const loads = range(alpha).flatMap((r) =>
    range(alpha).map((c) => `  let d_${r}_${c} = select(0.0, x[row_${r} + col_${c}], rowIn_${r} && colIn_${c});`),
  );
  const stores = range(alpha).flatMap((a) => range(alpha).map((b) => `  v[at + ${a * alpha + b}u * planeStride] = v_${a}_${b};`));
  const body = `
// Winograd F(${m}x${m}, 3x3) input transform (conv-winograd-kernels.ts): one ${alpha}x${alpha} input tile of one
// channel -> V = B^T d B, ${alpha * alpha} values at [n][xi][c][tile]. Invocation order, fastest first: tile
// column, tile row, channel, batch (neighbours read neighbouring input columns).
struct Params {
  total: u32,              // N * C * tiles
  inC: u32,
  inH: u32,
  inW: u32,
  tilesW: u32,
  tiles: u32,              // tilesH * tilesW
  padTop: i32,
  padLeft: i32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;

${WG}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let tile = i % p.tiles;
  let nc = i / p.tiles;
  let c = nc % p.inC;
  let n = nc / p.inC;
  let inH = i32(p.inH);
  let inW = i32(p.inW);
  let iy0 = i32((tile / p.tilesW) * ${m}u) - p.padTop;
  let ix0 = i32((tile % p.tilesW) * ${m}u) - p.padLeft;
  let plane = nc * p.inH * p.inW;
${rows.join('\n')}
${cols.join('\n')}
${loads.join('\n')}
${sandwich(BT, 'd', 'v', '  ').join('\n')}
  let planeStride = p.inC * p.tiles;
  let at = n * ${alpha * alpha}u * planeStride + c * p.tiles + tile;
${stores.join('\n')}
}
`;
  return generatedKernel(`winogradInput[m=${m}]`, body);
}

export const winogradOutputKernel = memoizedKernels(makeWinogradOutputKernel);

function makeWinogradOutputKernel(m: WinogradTile, activation: ActivationKind, hasBias: boolean, residual: Residual): Kernel {
  const { alpha, AT } = WINOGRAD[m];
  let binding = 3;
  const biasBinding = hasBias ? `\n@group(0) @binding(${binding++}) var<storage, read_write> b: array<f32>;` : '';
  const residualBinding = residual === 'binding' ? `\n@group(0) @binding(${binding++}) var<storage, read_write> r: array<f32>;` : '';
  const residualSource = residual === 'binding' ? 'r' : 'x';
  const loads = range(alpha).flatMap((a) => range(alpha).map((c) => `  let z_${a}_${c} = z[at + ${a * alpha + c}u * planeStride];`));
  const stores = range(m).flatMap((a) => [
    `  if (oy0 + ${a}u < p.outH) {`,
    ...range(m).map((c) => {
      const value = `applyActivation(y_${a}_${c} + bias, ACT, p.actAlpha, p.actBeta)`;
      const at = `yRow + ${a}u * p.outW + ${c}u`;
      const stored = residual === 'none' ? value : `${value} + ${residualSource}[${at}]`;
      return `    if (ox0 + ${c}u < p.outW) { y[${at}] = ${stored}; }`;
    }),
    '  }',
  ]);
  const body = `
// Winograd F(${m}x${m}, 3x3) output transform (conv-winograd-kernels.ts): the GEMM's ${alpha * alpha} values of one
// tile of one output channel -> Y = A^T Z A (${m}x${m} outputs), + bias, activation${residual === 'none' ? '' : ', + the residual'}, stored inside
// the output. Invocation order, fastest first: tile column, tile row, channel, batch.
struct Params {
  total: u32,              // N * M * tiles
  outC: u32,
  outH: u32,
  outW: u32,
  tilesW: u32,
  tiles: u32,
  actAlpha: f32,           // HardSigmoid alpha, Clip min, LeakyRelu alpha
  actBeta: f32,            // HardSigmoid beta, Clip max
  inC: u32,                // the conv's input, for finiteOrDirect
  inH: u32,
  inW: u32,
  padTop: i32,
  padLeft: i32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;${biasBinding}${residualBinding}
// The conv's input and weights [M][C][3][3]: read only where a tile is not finite.${residual === 'input' ? ' x is also the residual.' : ''}
@group(0) @binding(${binding++}) var<storage, read_write> x: array<f32>;
@group(0) @binding(${binding++}) var<storage, read_write> w: array<f32>;

// The NaN rule (common.wgsl) for Winograd: the transforms spread a NaN or Inf input pixel over its
// whole tile (inf - inf), where direct convolution keeps it to the outputs whose window holds it.
// So a tile whose outputs are not all finite is computed again directly, from x and w: then only
// those outputs are NaN or +-Inf, as on the CPU. One test per tile (on the sum of its outputs:
// any NaN or Inf makes it non-finite); finite models never take the direct path.
fn directTile(n: u32, co: u32, oy0: u32, ox0: u32, yRow: u32, bias: f32) {
  for (var a = 0u; a < ${m}u; a++) {
    let oy = oy0 + a;
    if (oy >= p.outH) { break; }
    for (var c = 0u; c < ${m}u; c++) {
      let ox = ox0 + c;
      if (ox >= p.outW) { break; }
      var acc = 0.0;
      for (var ci = 0u; ci < p.inC; ci++) {
        let plane = (n * p.inC + ci) * p.inH;
        let taps = (co * p.inC + ci) * 9u;
        for (var ky = 0u; ky < 3u; ky++) {
          let iy = i32(oy + ky) - p.padTop;
          if (iy < 0 || iy >= i32(p.inH)) { continue; }
          for (var kx = 0u; kx < 3u; kx++) {
            let ix = i32(ox + kx) - p.padLeft;
            if (ix < 0 || ix >= i32(p.inW)) { continue; }
            acc += x[(plane + u32(iy)) * p.inW + u32(ix)] * w[taps + ky * 3u + kx];
          }
        }
      }
      let at = yRow + a * p.outW + c;
      y[at] = ${residual === 'none' ? 'applyActivation(acc + bias, ACT, p.actAlpha, p.actBeta)' : `applyActivation(acc + bias, ACT, p.actAlpha, p.actBeta) + ${residualSource}[at]`};
    }
  }
}

${WG}
// The fused activation (codes of applyActivation in common.wgsl): ${activation}.
const ACT = ${ACTIVATION_CODES[activation]}u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let tile = i % p.tiles;
  let nc = i / p.tiles;
  let co = nc % p.outC;
  let n = nc / p.outC;
  let planeStride = p.outC * p.tiles;
  let at = n * ${alpha * alpha}u * planeStride + co * p.tiles + tile;
${loads.join('\n')}
${sandwich(AT, 'z', 'y', '  ').join('\n')}
  let bias = ${hasBias ? 'b[co]' : '0.0'};
  let oy0 = (tile / p.tilesW) * ${m}u;
  let ox0 = (tile % p.tilesW) * ${m}u;
  let yRow = (nc * p.outH + oy0) * p.outW + ox0;
  if (!isFiniteF32(${range(m).flatMap((a) => range(m).map((c) => `y_${a}_${c}`)).join(' + ')})) {
    directTile(n, co, oy0, ox0, yRow, bias);
    return;
  }
${stores.join('\n')}
}
`;
  const name = `winogradOutput[m=${m}${activation === 'None' ? '' : `,act=${activation}`}${hasBias ? '' : ',nobias'}${residual === 'none' ? '' : `,residual=${residual}`}]`;
  return generatedKernel(name, body);
}
