/**
 * Overlap-tile inference (Ronneberger, Fischer, Brox, "U-Net", section 2: the overlap-tile
 * strategy): an input whose activations exceed what one plan may hold (the adapter's
 * maxBufferSize or maxStorageBufferBindingSize, or a memory budget) is run as windows of the
 * image, and the valid middle of each window's output is written into the whole output. This file
 * is the geometry: where the windows go, which output pixels each one keeps, how a window's input
 * is cut out and its output stitched in. What a model allows (alignment, margin, how its outputs
 * map onto the input) comes from src/tiling/model-geometry.ts; choosing and running the tiles
 * from src/tiling/run-tiled.ts.
 *
 * Per spatial axis (rows and columns alike), for an image of `size` pixels:
 *  - alignment a: the model's largest cumulative stride on the way to its outputs (the lcm of all
 *    of them). Every window starts at a multiple of a, so every pooling and stride grid inside a
 *    window falls on the whole image's grid: a window's pixel i at a layer of stride s is the
 *    whole image's pixel i + start / s at that layer.
 *  - margin m: the receptive field of the outputs (the whole window of input pixels one output
 *    pixel sees, both sides together), rounded up to a multiple of a, on every side. The brief's
 *    rule, deliberately generous: it bounds each one-sided extent whatever the padding, where the
 *    half of it would do only for windows centred on their pixel (symmetric padding).
 *  - core c: the output pixels one window is run for, a multiple of a; a window is c + 2m.
 *
 * Zero border (the default, the model's own padding): cores tile the axis ([kc, kc + c)), and
 * core k's window [kc - m, kc + c + m) is moved inward where it would leave the image, never
 * extended beyond it: the first windows start at 0, the last one ends at `size` (and starts at
 * the multiple of a at or below size - (c + 2m), so it is up to a - 1 pixels longer). Cores
 * whose windows coincide share one. Windows thus come in at most two sizes per axis, four
 * shapes in all (interior, the last row, the last column, the corner), each planned once.
 *
 * Why the stitched result equals the whole-image result (zero border, a fully convolutional
 * model): an output pixel depends only on the input pixels in its receptive field, through the
 * intermediate pixels of its dependency cone. Inside a window, a layer pads with zeros exactly
 * where the whole image's layer does at the window's edges that are image borders (the window
 * starts at a multiple of every stride, and a window ending at the border ends every layer's map
 * where the whole image's ends), and wrongly (zeros for real pixels) only at its inner edges.
 * Those wrong values spread inward by at most the receptive field, at every layer, and a window's
 * kept pixels are at least m >= that from every inner edge. So each kept pixel sees exactly the
 * values it sees in the whole image, and the result agrees with the whole-image one up to the
 * kernels' floating-point order (different shapes may take different kernel variants): within
 * the op tolerances, not bitwise.
 *
 * Mirror border (`border: 'mirror'`, the paper's): every window is [kc - m, kc + c + m), all of
 * one shape, and input pixels outside the image are the image mirrored at its border (numpy's
 * 'reflect': the edge pixel not repeated; periodically for windows reaching past a whole image
 * width). The result is then the model run on the image extended by mirroring, cropped back: the
 * border pixels see mirrored context instead of the model's zero padding. It is not the
 * whole-image result near the border (within the receptive field of it); inside, it is.
 *
 * Coarse outputs (an output of stride j: FCN score maps, a pooled map) keep output pixels
 * [keepStart / j, keepEnd / j); upsampled ones (j = 1/k) [k keepStart, k keepEnd); a kept range
 * ending at the image border ends at the whole output's end.
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';

export type TileBorder = 'zero' | 'mirror';

/** One window along one axis, in image pixels. */
export interface AxisWindow {
  /** The window, [start, end); outside [0, size) only with the mirror border. */
  readonly start: number;
  readonly end: number;
  /** The pixels whose output this window gives, [keepStart, keepEnd), inside [0, size). */
  readonly keepStart: number;
  readonly keepEnd: number;
}

const multiple = (n: number, a: number) => Number.isInteger(n) && Number.isInteger(a) && a >= 1 && n % a === 0;

/** The windows along one axis of `size` pixels (see the header): in order, their kept ranges partitioning [0, size). */
export function axisWindows(size: number, core: number, margin: number, alignment: number, border: TileBorder = 'zero'): AxisWindow[] {
  if (!Number.isInteger(size) || size < 1) throw new SegwgpuError(`tiling: an axis of ${size} pixels; it needs at least one`);
  if (!multiple(core, alignment) || core < 1) throw new SegwgpuError(`tiling: core ${core} is not a positive multiple of the alignment ${alignment}`);
  if (!multiple(margin, alignment) || margin < 0) throw new SegwgpuError(`tiling: margin ${margin} is not a multiple of the alignment ${alignment}`);
  const cores = Math.ceil(size / core);
  const span = core + 2 * margin;
  const windows: AxisWindow[] = [];
  if (border === 'mirror') {
    for (let k = 0; k < cores; k++) windows.push({ start: k * core - margin, end: k * core - margin + span, keepStart: k * core, keepEnd: Math.min(size, (k + 1) * core) });
    return windows;
  }
  if (cores === 1 || size <= span) return [{ start: 0, end: size, keepStart: 0, keepEnd: size }];
  // The last window ends at the border and starts on the grid: up to alignment - 1 pixels longer.
  const last = Math.floor((size - span) / alignment) * alignment;
  for (let k = 0; k < cores; k++) {
    const keepStart = k * core;
    const keepEnd = Math.min(size, keepStart + core);
    const start = Math.min(Math.max(keepStart - margin, 0), last);
    const end = start === last ? size : start + span;
    const previous = windows[windows.length - 1];
    if (previous && previous.start === start) windows[windows.length - 1] = { ...previous, keepEnd };
    else windows.push({ start, end, keepStart, keepEnd });
  }
  return windows;
}

/** One tile: a window along the rows and one along the columns. */
export interface Tile {
  /** Raster order, from 0. */
  readonly index: number;
  readonly rows: AxisWindow;
  readonly cols: AxisWindow;
}

export interface TileGridOptions {
  readonly height: number;
  readonly width: number;
  /** Output pixels per window (rows, columns): multiples of the alignment. */
  readonly core: readonly [number, number];
  readonly margin: readonly [number, number];
  readonly alignment: readonly [number, number];
  readonly border?: TileBorder;
}

export interface TileShape {
  readonly height: number;
  readonly width: number;
}

export interface TileGrid extends Required<TileGridOptions> {
  readonly tiles: readonly Tile[];
  /** The distinct window shapes, largest first: one plan each. */
  readonly shapes: readonly TileShape[];
}

export const tileHeight = (t: Tile) => t.rows.end - t.rows.start;
export const tileWidth = (t: Tile) => t.cols.end - t.cols.start;

export function tileGrid(options: TileGridOptions): TileGrid {
  const border = options.border ?? 'zero';
  const rows = axisWindows(options.height, options.core[0], options.margin[0], options.alignment[0], border);
  const cols = axisWindows(options.width, options.core[1], options.margin[1], options.alignment[1], border);
  const tiles = rows.flatMap((r, i) => cols.map((c, j): Tile => ({ index: i * cols.length + j, rows: r, cols: c })));
  const shapes = new Map<string, TileShape>();
  for (const t of tiles) shapes.set(`${tileHeight(t)}x${tileWidth(t)}`, { height: tileHeight(t), width: tileWidth(t) });
  const sorted = [...shapes.values()].sort((a, b) => b.height * b.width - a.height * a.width || b.height - a.height);
  return { ...options, border, tiles, shapes: sorted };
}

/** The tiles of one window shape. */
export function tilesOfShape(grid: TileGrid, shape: TileShape): Tile[] {
  return grid.tiles.filter((t) => tileHeight(t) === shape.height && tileWidth(t) === shape.width);
}

/** numpy's 'reflect' index into [0, n): the edge not repeated, periodic past a whole width. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const r = ((i % period) + period) % period;
  return r < n ? r : period - r;
}

type Elements = Float32Array | Int32Array | BigInt64Array;

function emptyLike(data: Elements, n: number): Elements {
  return data instanceof Float32Array ? new Float32Array(n) : data instanceof Int32Array ? new Int32Array(n) : new BigInt64Array(n);
}

/** dst[at..] = src[from..to) for two arrays of one element type. */
function copyInto(dst: Elements, at: number, src: Elements, from: number, to: number): void {
  (dst as Float32Array).set((src as Float32Array).subarray(from, to), at);
}

/**
 * A window of a tensor whose last two axes are the image's rows and columns (NCHW), pixels
 * outside the image mirrored (reflectIndex).
 */
export function cropWindow(t: Tensor, rows: AxisWindow, cols: AxisWindow): Tensor {
  const rank = t.shape.length;
  const [H, W] = [t.shape[rank - 2]!, t.shape[rank - 1]!];
  const planes = sizeOf(t.shape.slice(0, -2));
  const h = rows.end - rows.start;
  const w = cols.end - cols.start;
  const src = t.data as Elements;
  const data = emptyLike(src, planes * h * w);
  const inside = cols.start >= 0 && cols.end <= W;
  const colIndex = inside ? [] : Array.from({ length: w }, (_, x) => reflectIndex(cols.start + x, W));
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const from = (p * H + reflectIndex(rows.start + y, H)) * W;
      const to = (p * h + y) * w;
      if (inside) copyInto(data, to, src, from + cols.start, from + cols.start + w);
      else for (let x = 0; x < w; x++) (data as Float32Array)[to + x] = (src as Float32Array)[from + colIndex[x]!]!;
    }
  }
  return { dtype: t.dtype, shape: [...t.shape.slice(0, -2), h, w], data } as Tensor;
}

/** Output pixels per input pixel along one axis, as a fraction num / den (1 / stride). */
export interface AxisScale {
  readonly num: number;
  readonly den: number;
}

/** The output range [start, end) a window's kept input range maps to, in whole-output pixels. */
export function keptOutputRange(window: AxisWindow, scale: AxisScale, imageSize: number, outputSize: number): { start: number; end: number; offset: number } {
  const to = (x: number) => (x * scale.num) / scale.den;
  return {
    start: to(window.keepStart),
    end: window.keepEnd === imageSize ? outputSize : to(window.keepEnd),
    // Whole-output pixel q is the window output's pixel q - offset.
    offset: to(window.start),
  };
}

/**
 * Writes a window's output into the whole output (both with the image's rows and columns as
 * their last two axes): the pixels the window keeps, mapped through the output's scale.
 */
export function stitchWindow(target: Tensor, part: Tensor, tile: Tile, scale: readonly [AxisScale, AxisScale], imageSize: readonly [number, number]): void {
  const rank = target.shape.length;
  const [OH, OW] = [target.shape[rank - 2]!, target.shape[rank - 1]!];
  const [ph, pw] = [part.shape[rank - 2]!, part.shape[rank - 1]!];
  const r = keptOutputRange(tile.rows, scale[0], imageSize[0], OH);
  const c = keptOutputRange(tile.cols, scale[1], imageSize[1], OW);
  const planes = sizeOf(target.shape.slice(0, -2));
  if (part.dtype !== target.dtype || part.shape.length !== rank || sizeOf(part.shape.slice(0, -2)) !== planes || r.start - r.offset < 0 || r.end - r.offset > ph || c.start - c.offset < 0 || c.end - c.offset > pw) {
    throw new SegwgpuError(
      `tiling: a window's output [${part.shape.join('x')}] does not hold the pixels it should give (rows ${r.start}..${r.end}, columns ${c.start}..${c.end} of [${target.shape.join('x')}])`,
    );
  }
  for (let p = 0; p < planes; p++) {
    for (let y = r.start; y < r.end; y++) {
      const from = (p * ph + (y - r.offset)) * pw - c.offset;
      copyInto(target.data as Elements, (p * OH + y) * OW + c.start, part.data as Elements, from + c.start, from + c.end);
    }
  }
}
