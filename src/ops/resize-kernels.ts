/**
 * Resize's kernels (src/ops/resize.ts lowers to them): the general one, shaders/resize.wgsl with
 * the modes as constants, and the generated fast path for power-of-two integer scales, whose
 * derivation is in resize.ts.
 */
import { generatedKernel, memoizedKernels, type Kernel } from '../gpu/kernel.js';
import resizeWgsl from '../../shaders/resize.wgsl?raw';

export type Mode = 'nearest' | 'linear';
export type CoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

/** Codes shared with shaders/resize.wgsl. */
const MODE_CODES: Record<Mode, number> = { nearest: 0, linear: 1 };
const COORDINATE_CODES: Record<CoordinateMode, number> = {
  half_pixel: 0,
  pytorch_half_pixel: 1,
  align_corners: 2,
  asymmetric: 3,
  tf_half_pixel_for_nn: 4,
};
const NEAREST_CODES: Record<NearestMode, number> = { round_prefer_floor: 0, round_prefer_ceil: 1, floor: 2, ceil: 3 };

/** The modes a Resize kernel variant is made for. */
export interface ResizeModes {
  readonly mode: Mode;
  readonly coordinateMode: CoordinateMode;
  readonly nearestMode: NearestMode;
}

/** The power-of-two scale factors {1, 2, 4} the fast path handles, per axis. */
export interface IntegerScales {
  readonly h: number;
  readonly w: number;
}

/** Input pixels per invocation of the integer-scale kernel. */
export interface ResizeTile {
  readonly rows: number;
  readonly cols: number;
}

/**
 * How output s*j + r reads the input along one axis: linear: (1 - weight) * x[j] + weight *
 * x[j + neighbour] (a copy of x[j] when neighbour is 0); nearest: x[j + neighbour]. The weighted
 * sum, not x[j] + weight * (x[j + neighbour] - x[j]): with an infinite x[j] that lerp is
 * inf - inf = NaN where the reference (and torch) give the infinity.
 */
interface AxisTap {
  readonly neighbour: number;
  readonly weight: number;
}

function axisTaps(attrs: ResizeModes, s: number): AxisTap[] {
  return Array.from({ length: s }, (_, r) => {
    const d =
      attrs.coordinateMode === 'asymmetric' ? r / s : attrs.coordinateMode === 'tf_half_pixel_for_nn' ? (r + 0.5) / s : (r + 0.5) / s - 0.5;
    if (attrs.mode === 'nearest') {
      // The only tie is d = 0.5 (asymmetric x2, tf_half_pixel_for_nn x1). Math.round rounds halves
      // up, so round_prefer_floor rounds -d.
      const rounded = { round_prefer_floor: -Math.round(-d), round_prefer_ceil: Math.round(d), floor: Math.floor(d), ceil: Math.ceil(d) }[attrs.nearestMode];
      return { neighbour: rounded, weight: 1 };
    }
    return d === 0 ? { neighbour: 0, weight: 0 } : { neighbour: Math.sign(d), weight: Math.abs(d) };
  });
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
/** A WGSL name part for a tile offset that may be -1. */
const at = (k: number): string => (k < 0 ? `m${-k}` : `${k}`);

/** WGSL for a lerp toward a neighbour with a literal weight (both weights exact), or the value itself. */
function lerp(self: string, neighbour: string, tap: AxisTap): string {
  return tap.neighbour === 0 ? self : `${1 - tap.weight} * ${self} + ${tap.weight} * ${neighbour}`;
}

export const integerScaleKernel = memoizedKernels(makeIntegerScaleKernel);

/** The integer-scale kernel for a tile; vec4 reads and writes rows as vec4s (needs TW % 4 == 0 and W % TW == 0). */
function makeIntegerScaleKernel(attrs: ResizeModes, scales: IntegerScales, tile: ResizeTile, vec4: boolean): Kernel {
  const tapsH = axisTaps(attrs, scales.h);
  const tapsW = axisTaps(attrs, scales.w);
  const linear = attrs.mode === 'linear';
  const { rows: th, cols: tw } = tile;
  if (vec4 && tw % 4 !== 0) throw new Error(`resize vec4 kernel needs tiles of 4k columns, got ${tw}`);
  const lo = (taps: AxisTap[]) => Math.min(0, ...taps.map((t) => t.neighbour));
  const hi = (taps: AxisTap[]) => Math.max(0, ...taps.map((t) => t.neighbour));
  const rowsRead = range(lo(tapsH), th + hi(tapsH));
  const colsRead = range(lo(tapsW), tw + hi(tapsW));
  const body: string[] = [];
  // Input rows (clamped into the image) as offsets, in vec4s when vec4.
  for (const a of rowsRead) {
    const row = a === 0 ? 'iy0' : a < 0 ? `u32(max(i32(iy0) - ${-a}, 0))` : `min(iy0 + ${a}u, inH - 1u)`;
    body.push(vec4 ? `  let row_${at(a)} = baseQ + ${row} * inQ;` : `  let row_${at(a)} = base + ${row} * inW;`);
  }
  if (vec4) {
    const k4 = tw / 4;
    const q0 = k4 === 1 ? 'tx' : `tx * ${k4}u`;
    for (const a of rowsRead) {
      range(0, k4).forEach((k) => {
        body.push(`  let x_${at(a)}_${k} = x[row_${at(a)} + ${q0}${k ? ` + ${k}u` : ''}];`);
        range(0, 4).forEach((c) => body.push(`  let v_${at(a)}_${4 * k + c} = x_${at(a)}_${k}.${'xyzw'[c]};`));
      });
      if (colsRead.includes(-1)) body.push(`  let v_${at(a)}_m1 = select(x[row_${at(a)} + max(${q0}, 1u) - 1u].w, v_${at(a)}_0, tx == 0u);`);
      if (colsRead.includes(tw)) body.push(`  let v_${at(a)}_${tw} = select(x[row_${at(a)} + min(${q0} + ${k4}u, inQ - 1u)].x, v_${at(a)}_${tw - 1}, tx + 1u == tilesX);`);
    }
  } else {
    for (const b of colsRead) {
      const col = b === 0 ? 'ix0' : b < 0 ? `u32(max(i32(ix0) - ${-b}, 0))` : `min(ix0 + ${b}u, inW - 1u)`;
      body.push(`  let col_${at(b)} = ${col};`);
    }
    for (const a of rowsRead) for (const b of colsRead) body.push(`  let v_${at(a)}_${at(b)} = x[row_${at(a)} + col_${at(b)}];`);
  }
  // Output row (a, rh) of the tile, column (b, rw): its value as a WGSL expression.
  const outputs = (a: number, rh: number): string[] => {
    const vertical = tapsH[rh];
    const cols = range(0, tw).flatMap((b) => tapsW.map((tap) => ({ b, tap })));
    if (!linear) return cols.map(({ b, tap }) => `v_${at(a + vertical.neighbour)}_${at(b + tap.neighbour)}`);
    // Vertical lerps first (over the columns read: fewer than the outputs), then horizontal ones.
    const u = (b: number) => `u_${at(a)}_${rh}_${at(b)}`;
    colsRead.forEach((b) => body.push(`  let ${u(b)} = ${lerp(`v_${at(a)}_${at(b)}`, `v_${at(a + vertical.neighbour)}_${at(b)}`, vertical)};`));
    return cols.map(({ b, tap }) => lerp(u(b), u(b + tap.neighbour), tap));
  };
  for (const a of range(0, th)) {
    const rowStores: string[] = [];
    tapsH.forEach((_, rh) => {
      const values = outputs(a, rh);
      const outRow = `(rowBase + ${a * scales.h + rh}u) * outW`;
      if (vec4) {
        for (let k = 0; k < values.length; k += 4) {
          rowStores.push(`  y[${outRow} / 4u + ${(scales.w * tw) / 4}u * tx + ${k / 4}u] = vec4f(${values.slice(k, k + 4).join(', ')});`);
        }
      } else {
        range(0, tw).forEach((b) => {
          const stores = tapsW.map((_, rw) => `y[${outRow} + ox0 + ${b * scales.w + rw}u] = ${values[b * scales.w + rw]};`);
          rowStores.push(b === 0 ? `  ${stores.join(' ')}` : `  if (ix0 + ${b}u < inW) { ${stores.join(' ')} }`);
        });
      }
    });
    body.push(...(a === 0 ? rowStores : [`  if (iy0 + ${a}u < inH) {`, ...rowStores.map((l) => `  ${l}`), '  }']));
  }
  const coordinates = attrs.coordinateMode === 'pytorch_half_pixel' ? 'half_pixel' : attrs.coordinateMode;
  const name = `resize-x${scales.h}x${scales.w}[${attrs.mode},${coordinates}${linear ? '' : `,${attrs.nearestMode}`},${th}x${tw}${vec4 ? ',vec4' : ''}]`;
  const scalar = vec4 ? 'vec4f' : 'f32';
  return generatedKernel(name, `// ${name}: Resize by integer factors ${scales.h} (H) x ${scales.w} (W), see src/ops/resize.ts.
// One invocation: a ${th}x${tw} tile of input pixels -> ${th * scales.h}x${tw * scales.w} outputs.
struct Params {
  total: u32,   // planes * tilesY * tilesX
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  tilesX: u32,  // ceil(inW / ${tw})
  tilesY: u32,  // ceil(inH / ${th})
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<${scalar}>;
@group(0) @binding(2) var<storage, read_write> y: array<${scalar}>;

const WG = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flatInvocationIndex(wid, nwg, lid, WG);
  if (i >= p.total) { return; }
  let inH = p.inH;
  let inW = p.inW;
  let outW = p.outW;
  let tilesX = p.tilesX;
  let tx = i % tilesX;
  let rest = i / tilesX;
  let iy0 = (rest % p.tilesY) * ${th}u;
  let plane = rest / p.tilesY;
  let rowBase = plane * p.outH + iy0 * ${scales.h}u;   // the first output row
${vec4 ? '  let inQ = inW / 4u;\n  let baseQ = plane * inH * inQ;' : `  let base = plane * inH * inW;\n  let ix0 = tx * ${tw}u;\n  let ox0 = ix0 * ${scales.w}u;`}
${body.join('\n')}
}
`);
}

export const resizeKernel = memoizedKernels(makeResizeKernel);

/** The general kernel (shaders/resize.wgsl) for a mode triple; vec4Rows stores output rows (a multiple of 4 long) as vec4s. */
function makeResizeKernel(modes: ResizeModes, vec4Rows: boolean): Kernel {
  const constants = `const MODE: u32 = ${MODE_CODES[modes.mode]}u;\nconst COORD_MODE: u32 = ${COORDINATE_CODES[modes.coordinateMode]}u;\nconst NEAREST_MODE: u32 = ${NEAREST_CODES[modes.nearestMode]}u;\n`;
  const output = vec4Rows
    ? `@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;
fn store4(dst: u32, v0: f32, v1: f32, v2: f32, v3: f32, count: u32) { y[dst / 4u] = vec4f(v0, v1, v2, v3); }
`
    : `@group(0) @binding(2) var<storage, read_write> y: array<f32>;
fn store4(dst: u32, v0: f32, v1: f32, v2: f32, v3: f32, count: u32) {
  y[dst] = v0;
  if (count > 1u) { y[dst + 1u] = v1; }
  if (count > 2u) { y[dst + 2u] = v2; }
  if (count > 3u) { y[dst + 3u] = v3; }
}
`;
  return generatedKernel(`resize[${modes.mode},${modes.coordinateMode},${modes.nearestMode}${vec4Rows ? ',vec4' : ''}]`, constants + output + resizeWgsl);
}
