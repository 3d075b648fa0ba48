/**
 * The generated WGSL of ConvTranspose's gather kernel (src/ops/conv-transpose.ts lowers to it, after
 * the weight repack of shaders/conv-transpose.wgsl), one variant per register tile and fused
 * activation.
 */
import { generatedKernel, memoizedKernels, type Kernel } from '../gpu/kernel.js';
import { ACTIVATION_CODES, type ActivationKind } from './activation-functions.js';

/** One variant of the gather kernel. */
export interface ConvTransposeVariant {
  /** Output channels per weight load: 4 (vec4f) or 1 (f32, for groups of fewer than 4 channels). */
  readonly lanes: 1 | 4;
  /** Weight loads per tap and channel: the invocation computes lanes * loads output channels. */
  readonly loads: number;
  /** Output pixels per invocation, all in one row and one phase (ox, ox + sW, ox + 2sW, ...). */
  readonly pixels: number;
  readonly bias: boolean;
  /** The fused activation's kind, a constant of the variant (its parameters are uniforms). */
  readonly activation?: ActivationKind;
}

/**
 * The WGSL of one variant: an invocation computes `pixels` output pixels of one row that share
 * their phase modulo the stride (so they share their contributing taps), times `lanes * loads`
 * output channels of one group, accumulating a pixels x loads register tile (unrolled here: no
 * dynamic indexing of private arrays).
 *
 * Contributing taps per axis: with G = gcd(s, d), tap k reaches output position t = o + padBegin iff
 * k*d = t (mod s), i.e. iff G divides t and k = (t/G) * inv(d/G) (mod s/G). So the first tap comes
 * from one multiplication; later ones are s/G taps apart, each moving the input coordinate back by
 * d/G. Along y the range is also clipped to the input; along x the pixels of the tile read
 * neighbouring input columns, and each read outside the input is masked to zero.
 */
export function convTransposeWgsl(v: ConvTransposeVariant): string {
  const P = Array.from({ length: v.pixels }, (_, j) => j);
  const Q = Array.from({ length: v.loads }, (_, q) => q);
  const vt = v.lanes === 4 ? 'vec4f' : 'f32';
  const activation = v.activation ?? 'None';
  const per = <T>(xs: T[], f: (x: T) => string, indent: string) => xs.map((x) => indent + f(x)).join('\n');
  const tile = P.flatMap((j) => Q.map((q) => [j, q] as const));
  const plus = (n: number, what = '') => (n === 0 ? '' : ` + ${n}${what}`);
  // Epilogue: per output channel of the tile (skipping the zero padding of the last block), per
  // pixel, as a loop over the tile's values: lanes x loads x pixels unrolled guarded stores took
  // SwiftShader's JIT 170 ms for the U-Net's p4-v4x2 variant, the loop 91 (warm time the same).
  const loopStores = [
    `let values = array<${vt}, ${P.length * Q.length}>(${tile.map(([j, q]) => `acc${j}_${q}`).join(', ')});`,
    `for (var m = 0u; m < ${v.lanes * v.loads}u; m++) {`,
    '  if (mInGroup + m >= p.groupOutChannels) { break; }',
    v.bias ? '  let biasValue = bias[m0 + m];' : undefined,
    '  let row = outBase + m * outPlane;',
    `  for (var j = 0u; j < ${v.pixels}u; j++) {`,
    `    let ox = phase + (tile * ${v.pixels}u + j) * strideX;`,
    '    if (ox >= outW) { break; }',
    `    let s = values[j * ${v.loads}u + m / ${v.lanes}u]${v.lanes === 4 ? `[m % 4u]` : ''}${v.bias ? ' + biasValue' : ''};`,
    `    y[row + ox] = ${activation === 'None' ? 's' : 'applyActivation(s, ACT, p.actAlpha, p.actBeta)'};`,
    '  }',
    '}',
  ].filter((l): l is string => l !== undefined);
  const stores = loopStores;
  return `// ConvTranspose (ONNX opset 17), gather formulation over repacked weights.
// Tile: ${v.pixels} pixel(s) of one row and phase x ${v.lanes * v.loads} output channel(s) (${v.loads} ${vt} load(s)), ${v.bias ? 'with' : 'no'} bias.
// Invocation = (n, channel block, oy, x phase, tile), tile fastest.

struct Params {
  total: u32,
  inChannels: u32,      // C
  outChannels: u32,     // M
  groupInChannels: u32, // C / group
  groupOutChannels: u32, // M / group
  paddedRow: u32,       // Mpad / lanes: ${vt}s per (tap, input channel) row of wt
  blocksPerGroup: u32,  // Mpad / channels per invocation
  channelBlocks: u32,   // group * blocksPerGroup
  tilesPerPhase: u32,   // ceil(ceil(OW / sW) / pixels)
  inSize: vec2i,        // (H, W)
  outSize: vec2i,       // (OH, OW)
  kernel: vec2i,        // (kH, kW)
  stride: vec2i,
  dilation: vec2i,
  padBegin: vec2i,
  residueGcd: vec2i,    // G = gcd(stride, dilation)
  tapStep: vec2i,       // stride / G: distance between contributing taps
  dilationInverse: vec2i, // inverse of dilation / G modulo tapStep (0 when tapStep is 1)
  inputStep: vec2i,     // dilation / G: the input coordinate falls by this per tap step
  actAlpha: f32,        // the fused activation's parameters (HardSigmoid alpha, Clip min, LeakyRelu alpha)
  actBeta: f32,         // (HardSigmoid beta, Clip max)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> wt: array<${vt}>;  // [kH, kW, C, Mpad]
${v.bias ? '@group(0) @binding(3) var<storage, read_write> bias: array<f32>;\n@group(0) @binding(4)' : '@group(0) @binding(3)'} var<storage, read_write> y: array<f32>;

const WG = 64u;
// The fused activation (codes of applyActivation in common.wgsl): ${activation}.
const ACT = ${ACTIVATION_CODES[activation]}u;

// The contributing taps along one axis for output coordinate o: (first tap, its input coordinate,
// count); tap first + a*tapStep reads input coordinate at - a*inputStep. With clip, only taps that
// read inside the input are counted; without, all taps of the residue class are.
fn contributingTaps(o: i32, axis: u32, clip: bool) -> vec3i {
  let t = o + p.padBegin[axis];
  let g = p.residueGcd[axis];
  if (t % g != 0) { return vec3i(0, 0, 0); }
  let tapStep = p.tapStep[axis];
  let back = p.inputStep[axis];
  let k = p.kernel[axis];
  var first = ((t / g) * p.dilationInverse[axis]) % tapStep;
  var at = (t - first * p.dilation[axis]) / p.stride[axis];
  if (!clip) { return vec3i(first, at, max(0, (k - first + tapStep - 1) / tapStep)); }
  let last = p.inSize[axis] - 1;
  if (at > last) {
    // Taps that would read past the input's end: skip whole steps.
    let skip = (at - last + back - 1) / back;
    first += skip * tapStep;
    at -= skip * back;
  }
  if (first >= k || at < 0) { return vec3i(0, 0, 0); }
  return vec3i(first, at, min((k - first + tapStep - 1) / tapStep, at / back + 1));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let index = flatInvocationIndex(wid, nwg, lid, WG);
  if (index >= p.total) { return; }
  let outW = u32(p.outSize[1]);
  let outH = u32(p.outSize[0]);
  let strideX = u32(p.stride[1]);
  let tile = index % p.tilesPerPhase;
  var rest = index / p.tilesPerPhase;
  let phase = rest % strideX;
  rest = rest / strideX;
  let oy = rest % outH;
  rest = rest / outH;
  let mBlock = rest % p.channelBlocks;
  let n = rest / p.channelBlocks;
  let grp = mBlock / p.blocksPerGroup;
  let mInGroup = (mBlock % p.blocksPerGroup) * ${v.lanes * v.loads}u;
  let m0 = grp * p.groupOutChannels + mInGroup;
${per(P, (j) => `let ox${j} = phase + (tile * ${v.pixels}u${plus(j, 'u')}) * strideX;`, '  ')}
  if (ox0 >= outW) { return; }

  let ty = contributingTaps(i32(oy), 0u, true);
  let tx = contributingTaps(i32(ox0), 1u, false);
  let inW = p.inSize[1];
  let inPlane = u32(p.inSize[0] * inW);
  let kW = u32(p.kernel[1]);
  let c0 = grp * p.groupInChannels;
  let xBase = (n * p.inChannels + c0) * inPlane;

${per(tile, ([j, q]) => `var acc${j}_${q} = ${vt}(0.0);`, '  ')}
  for (var a = 0; a < ty.z; a++) {
    let ky = u32(ty.x + a * p.tapStep[0]);
    let xRow = xBase + u32(ty.y - a * p.inputStep[0]) * u32(inW);
    for (var b = 0; b < tx.z; b++) {
      let kx = u32(tx.x + b * p.tapStep[1]);
      let ix = tx.y - b * p.inputStep[1];
      // Pixel j reads input column ix + j; columns outside the input contribute nothing.
${per(P, (j) => `let in${j} = ix${plus(j)} >= 0 && ix${plus(j)} < inW;`, '      ')}
      if (!(${P.map((j) => `in${j}`).join(' || ')})) { continue; }
${per(P, (j) => `let col${j} = u32(clamp(ix${plus(j)}, 0, inW - 1));`, '      ')}
      var xi = xRow;
      var wi = ((ky * kW + kx) * p.inChannels + c0) * p.paddedRow + mInGroup / ${v.lanes}u;
      for (var c = 0u; c < p.groupInChannels; c++) {
${per(P, (j) => `let x${j} = select(0.0, x[xi + col${j}], in${j});`, '        ')}
${per(Q, (q) => `let w${q} = wt[wi${plus(q, 'u')}];`, '        ')}
${per(tile, ([j, q]) => `acc${j}_${q} = fma(${vt}(x${j}), w${q}, acc${j}_${q});`, '        ')}
        xi += inPlane;
        wi += p.paddedRow;
      }
    }
  }

  let outPlane = outH * outW;
  let outBase = (n * p.outChannels + m0) * outPlane + oy * outW;
${per(stores, (s) => s, '  ')}
}
`;
}

export const convTransposeKernel = memoizedKernels(makeConvTransposeKernel);

function makeConvTransposeKernel(v: ConvTransposeVariant): Kernel {
  const act = v.activation && v.activation !== 'None' ? `-${v.activation}` : '';
  return generatedKernel(`conv-transpose-p${v.pixels}-${v.lanes === 4 ? `v4x${v.loads}` : `s${v.loads}`}${v.bias ? '-bias' : ''}${act}`, convTransposeWgsl(v));
}

/**
 * The tile for a shape: vec4 weight loads when a group has at least 4 output channels (two of them,
 * 8 channels, from 5 on), with up to 4 pixels per row phase; otherwise one scalar load per channel
 * of the group and up to 16 pixels, so a narrow head (MediaPipe selfie's 16 -> 1 upsampling) still
 * gives each invocation enough work: on SwiftShader, 16 pixels took 30% less time there than 4.
 */
export function chooseConvTransposeVariant(groupOutChannels: number, pixelsPerPhase: number, bias: boolean): ConvTransposeVariant {
  if (groupOutChannels >= 4) return { lanes: 4, loads: groupOutChannels > 4 ? 2 : 1, pixels: Math.min(4, pixelsPerPhase), bias };
  return { lanes: 1, loads: groupOutChannels, pixels: Math.min(16, pixelsPerPhase), bias };
}
