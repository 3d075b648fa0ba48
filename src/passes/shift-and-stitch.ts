/**
 * Shift-and-stitch (Long et al., "Fully Convolutional Networks for Semantic Segmentation", 2015,
 * §3.2): the dense map of a coarse FCN of output stride f from f_H x f_W runs of the coarse
 * network, each at coarse resolution, their outputs interlaced:
 *
 *   dense[..., y*f_H + dy, x*f_W + dx] = coarse_(dy,dx)[..., y, x],   0 <= dy < f_H, 0 <= dx < f_W.
 *
 * Built as one graph of standard ONNX opset-17 ops, so it plans once and runs on every backend
 * (CPU reference, WebGPU, onnxruntime through the ONNX export): the branches share the
 * constants, and the interlacing is, per output, Pad (branches one pixel short, see below), then
 * Unsqueeze + Concat + Reshape along W and again along H, then Slice to the dense size.
 *
 * Two forms of the shifted runs (`shifts`):
 *  - 'input', the literal method: coarse_(dy,dx) is the whole coarse network on the input shifted
 *    up-left, x[:, :, dy:, dx:] (a Slice). It equals the dense map of denseAtrous exactly if and
 *    only if no window at or before the last stride pads at its top or left, and every node
 *    before the last stride is a window or pointwise op (dense-prediction.ts derives the rule);
 *    graphs where it would not hold are refused, naming the node.
 *  - 'per-stride' (the default): the shift is applied where the strides subsample, which is
 *    exact for any padding: branch phase r = sum_l sigma_l * S_l (per axis) runs each strided node
 *    l with its windows moved sigma_l positions on (begin pad b_l - sigma_l, and where that is
 *    negative its input cropped by the rest, a Slice). The runs form a tree: a node after strides
 *    S is run S_H x S_W times, once per phase of its input, and each strided node forks its
 *    input's phase into s_H x s_W phases, so nothing before the first stride is computed twice.
 *    Without top/left padding before the last stride it computes what 'input' computes.
 *
 * Sizes: phase r of a dense axis of N pixels holds ceil((N - r) / f) of them, so when f does not
 * divide N the later branches are one pixel shorter; they are padded at the end to the first
 * branch's size, interlaced, and the result cut to N. The graph is made for one input size
 * (`inputShapes`, or the shapes the model fixes), as a plan is; any size works, divisible by f or not.
 */
import { SegwgpuError, describeNode } from '../core/errors.js';
import { int64Tensor, type Shape, type Tensor } from '../core/tensor.js';
import { withGraph, type Graph, type GraphNode } from '../ir/graph.js';
import type { Attributes } from '../ir/attributes.js';
import { UniqueNames } from '../ir/names.js';
import { inferGraph, resolveInputShapes } from '../shapes/infer.js';
import { analyseStrides, withWindow, type DenseGraph, type DenseOptions, type Stride, type StrideAnalysis } from './dense-prediction.js';

export type ShiftMode = 'input' | 'per-stride';
export const SHIFT_MODES: readonly ShiftMode[] = ['per-stride', 'input'];

export interface ShiftAndStitchOptions extends DenseOptions {
  /** Where the shifts are applied: 'per-stride' (default, exact for any padding) or 'input' (the literal method). */
  readonly shifts?: ShiftMode;
  /** Sizes for inputs with symbolic dimensions: the stitched graph is made for one input size. */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
}

/** Every phase [0, S_H) x [0, S_W), row-major. */
function phases(s: Stride): Stride[] {
  const all: Stride[] = [];
  for (let y = 0; y < s[0]; y++) for (let x = 0; x < s[1]; x++) all.push([y, x]);
  return all;
}

const INT64_MAX = 2n ** 63n - 1n;

/** Nodes and constants added to a graph under fresh names. */
class Emitter {
  readonly nodes: GraphNode[] = [];
  readonly initializers: Map<string, Tensor>;
  readonly names = new UniqueNames();

  constructor(graph: Graph) {
    this.initializers = new Map(graph.initializers);
    for (const i of graph.inputs) this.names.reserve(i.name);
    for (const name of graph.initializers.keys()) this.names.reserve(name);
    for (const n of graph.nodes) {
      this.names.reserve(n.name);
      for (const o of n.outputs) if (o !== '') this.names.reserve(o);
    }
  }

  constant(base: string, values: readonly (number | bigint)[]): string {
    const name = this.names.fresh(base);
    this.initializers.set(name, int64Tensor([values.length], [...values]));
    return name;
  }

  /** One node writing one new value (or `output`); returns the value's name. */
  emit(opType: string, inputs: readonly string[], attributes: Attributes, base: string, output?: string): string {
    const out = output ?? this.names.fresh(base);
    this.nodes.push({ name: this.names.fresh(`${base}/${opType}`), opType, domain: '', inputs, outputs: [out], attributes });
    return out;
  }

  /** x cropped by `crop` pixels at the start of its last two axes (of a rank-`rank` value). */
  crop(x: string, crop: Stride, rank: number, base: string): string {
    const axes = [0, 1].filter((a) => crop[a]! > 0);
    if (axes.length === 0) return x;
    const starts = this.constant(`${base}/starts`, axes.map((a) => crop[a]!));
    const ends = this.constant(`${base}/ends`, axes.map(() => INT64_MAX));
    const sliceAxes = this.constant(`${base}/axes`, axes.map((a) => rank - 2 + a));
    return this.emit('Slice', [x, starts, ends, sliceAxes], {}, base);
  }
}

const phaseSuffix = (p: Stride): string => `phase${p[0]}_${p[1]}`;

/** 'per-stride': the tree of shifted runs; returns each output's branches [dy][dx]. */
function perStrideBranches(a: StrideAnalysis, e: Emitter): Map<string, string[][]> {
  const at = new Map<string, string>();
  const valueAt = (v: string, p: Stride): string => {
    const s = a.strides.get(v);
    if (!s || (s[0] === 1 && s[1] === 1)) return v;
    const name = at.get(`${p[0]},${p[1]}|${v}`);
    if (name === undefined) throw new Error(`shift-and-stitch: no phase ${p.join(',')} of '${v}'`);
    return name;
  };
  const define = (v: string, p: Stride): string => {
    const name = e.names.fresh(`${v}@${phaseSuffix(p)}`);
    at.set(`${p[0]},${p[1]}|${v}`, name);
    return name;
  };
  for (const node of a.graph.nodes) {
    const role = a.roles.get(node)!;
    if (role.kind === 'constant' || role.kind === 'unstrided' || (role.kind === 'window' && !role.changed)) {
      e.nodes.push(node);
      continue;
    }
    if (role.kind === 'pointwise') {
      for (const p of phases(role.stride)) {
        const inputs = node.inputs.map((i) => (i === '' ? i : valueAt(i, p)));
        const outputs = node.outputs.map((o) => (o === '' ? o : define(o, p)));
        e.nodes.push({ ...node, name: e.names.fresh(`${node.name}@${phaseSuffix(p)}`), inputs, outputs });
      }
      continue;
    }
    const { inStride: S, window: w } = role;
    for (const p of phases(S)) {
      for (const sigma of phases(w.strides)) {
        const out: Stride = [p[0] + sigma[0] * S[0], p[1] + sigma[1] * S[1]];
        const suffix = phaseSuffix(out);
        // Windows moved sigma on: begin pad b - sigma, the rest of sigma cropped off the input.
        const crop: Stride = [Math.max(0, sigma[0] - w.padsBegin[0]), Math.max(0, sigma[1] - w.padsBegin[1])];
        const x = e.crop(valueAt(node.inputs[0]!, p), crop, 4, `${node.name}@${suffix}/shift`);
        const moved = sigma[0] !== 0 || sigma[1] !== 0;
        const padsBegin: Stride = [Math.max(0, w.padsBegin[0] - sigma[0]), Math.max(0, w.padsBegin[1] - sigma[1])];
        const attributes = moved ? withWindow(node, w.strides, w.dilations, padsBegin, w.padsEnd) : node.attributes;
        const inputs = node.inputs.map((i, k) => (k === 0 ? x : i === '' ? i : valueAt(i, out)));
        // Only Y: MaxPool's Indices are refused where read (dense-prediction.ts).
        const outputs = node.outputs.map((o, k) => (k === 0 ? define(o, out) : ''));
        e.nodes.push({ ...node, name: e.names.fresh(`${node.name}@${suffix}`), inputs, outputs, attributes });
      }
    }
  }
  return new Map(a.graph.outputs.map((o) => [o, branchGrid(a.factor, (p) => valueAt(o, p))]));
}

function branchGrid(f: Stride, of: (p: Stride) => string): string[][] {
  return Array.from({ length: f[0] }, (_, dy) => Array.from({ length: f[1] }, (_, dx) => of([dy, dx])));
}

/** Refuses what the literal input shift would not compute exactly (see the file comment). */
function checkInputShift(a: StrideAnalysis): void {
  const f = a.factor;
  for (const node of a.graph.nodes) {
    const role = a.roles.get(node)!;
    const why = (text: string) => new SegwgpuError(`shift-and-stitch (shifts 'input'): ${describeNode(node)} ${text}; shifts 'per-stride' is exact for any graph denseAtrous takes`);
    if (role.kind === 'unstrided' && !role.pointwise) throw why(`comes before the last stride and does not commute with shifting the input (${role.why})`);
    if (role.kind !== 'window') continue;
    const early = [0, 1].filter((ax) => role.inStride[ax]! < f[ax]! && role.window.padsBegin[ax]! > 0);
    if (early.length > 0) {
      throw why(
        `pads [${role.window.padsBegin.join(', ')}] at its top/left before the last stride (accumulated stride ${role.inStride.join('x')} of ${f.join('x')}): ` +
          'the shifted copies would pad where the dense map has pixels',
      );
    }
  }
  for (const input of a.graph.inputs) {
    if (a.graph.nodes.some((n) => n.inputs.includes(input.name)) && input.shape.length !== 4) {
      throw new SegwgpuError(`shift-and-stitch (shifts 'input'): input '${input.name}' has rank ${input.shape.length}; only NCHW inputs (rank 4) can be shifted`);
    }
  }
}

/** 'input': f_H x f_W copies of the coarse graph on shifted inputs; returns each output's branches. */
function inputShiftBranches(a: StrideAnalysis, e: Emitter): Map<string, string[][]> {
  checkInputShift(a);
  const constantNodes = a.graph.nodes.filter((n) => a.roles.get(n)!.kind === 'constant');
  e.nodes.push(...constantNodes);
  const shifted = a.graph.inputs.filter((i) => a.graph.nodes.some((n) => n.inputs.includes(i.name)));
  const names = new Map<string, Map<string, string>>();
  for (const p of phases(a.factor)) {
    const suffix = phaseSuffix(p);
    const rename = new Map<string, string>();
    for (const input of shifted) rename.set(input.name, e.crop(input.name, p, 4, `${input.name}@${suffix}`));
    const renamed = (v: string) => rename.get(v) ?? v;
    for (const node of a.graph.nodes) {
      if (a.roles.get(node)!.kind === 'constant') continue;
      const outputs = node.outputs.map((o) => {
        if (o === '') return o;
        const name = e.names.fresh(`${o}@${suffix}`);
        rename.set(o, name);
        return name;
      });
      e.nodes.push({ ...node, name: e.names.fresh(`${node.name}@${suffix}`), inputs: node.inputs.map(renamed), outputs });
    }
    names.set(`${p[0]},${p[1]}`, rename);
  }
  return new Map(a.graph.outputs.map((o) => [o, branchGrid(a.factor, (p) => names.get(`${p[0]},${p[1]}`)!.get(o)!)]));
}

/**
 * Interlaces branches [dy][dx] of shapes [..., h_dy, w_dx] into `out`, [..., sum h, sum w]:
 * out[..., y*f_H + dy, x*f_W + dx] = branch[dy][dx][..., y, x].
 */
function stitch(e: Emitter, out: string, branches: string[][], shapeOf: (v: string) => Shape): void {
  const [fh, fw] = [branches.length, branches[0]!.length];
  const first = shapeOf(branches[0]![0]!);
  const r = first.length;
  const lead = first.slice(0, r - 2);
  const [h, w] = [first[r - 2]!, first[r - 1]!];
  const heights = branches.map((row) => shapeOf(row[0]!)[r - 2]!);
  const widths = branches[0]!.map((v) => shapeOf(v)[r - 1]!);
  const [denseH, denseW] = [heights.reduce((x, y) => x + y, 0), widths.reduce((x, y) => x + y, 0)];
  const cut = denseH !== h * fh || denseW !== w * fw;
  // The last node writes `out` itself: the cut, else the interlacing along H, else along W.
  const last = cut ? 'cut' : fh > 1 ? 'H' : 'W';
  const padded = branches.map((row, dy) =>
    row.map((v, dx) => {
      const s = shapeOf(v);
      if (s[r - 2] !== heights[dy] || s[r - 1] !== widths[dx]) throw new Error(`shift-and-stitch: branch ${dy},${dx} is [${s.join('x')}], its row and column say ${heights[dy]}x${widths[dx]}`);
      if (s[r - 2] === h && s[r - 1] === w) return v;
      const pads = new Array<number>(2 * r).fill(0);
      pads[2 * r - 2] = h - s[r - 2]!;
      pads[2 * r - 1] = w - s[r - 1]!;
      return e.emit('Pad', [v, e.constant(`${out}/stitch/pads`, pads)], {}, `${out}/stitch/padded`);
    }),
  );
  const interlace = (values: string[], axis: number, shape: number[], output?: string): string => {
    const unsqueezed = values.map((v) => e.emit('Unsqueeze', [v, e.constant(`${out}/stitch/axes`, [axis + 1])], {}, `${out}/stitch/unsqueezed`));
    const joined = e.emit('Concat', unsqueezed, { axis: axis + 1 }, `${out}/stitch/joined`);
    return e.emit('Reshape', [joined, e.constant(`${out}/stitch/shape`, shape)], {}, `${out}/stitch/interlaced`, output);
  };
  const rows = padded.map((row) => (fw > 1 ? interlace(row, r - 1, [...lead, h, w * fw], last === 'W' ? out : undefined) : row[0]!));
  const whole = fh > 1 ? interlace(rows, r - 2, [...lead, h * fh, w * fw], last === 'H' ? out : undefined) : rows[0]!;
  if (cut) {
    const starts = e.constant(`${out}/stitch/starts`, [0, 0]);
    const ends = e.constant(`${out}/stitch/ends`, [denseH, denseW]);
    e.emit('Slice', [whole, starts, ends, e.constant(`${out}/stitch/axes`, [r - 2, r - 1])], {}, `${out}/stitch/cut`, out);
  }
}

/**
 * The shift-and-stitch graph of a coarse FCN (file comment): the same inputs, declared at the one
 * size the graph is made for, and each chosen output dense under its own name. Refuses what denseAtrous refuses, and for
 * shifts 'input' what the literal shift would not compute exactly.
 */
export function shiftAndStitch(graph: Graph, options: ShiftAndStitchOptions = {}): DenseGraph {
  const analysis = analyseStrides(graph, options);
  const { factor } = analysis;
  if (factor[0] === 1 && factor[1] === 1) return { graph: analysis.graph, factor };
  const inputShapes = resolveInputShapes(analysis.graph, options.inputShapes);
  const e = new Emitter(analysis.graph);
  const branches = (options.shifts ?? 'per-stride') === 'input' ? inputShiftBranches(analysis, e) : perStrideBranches(analysis, e);
  const runs = withGraph(analysis.graph, { nodes: [...e.nodes], initializers: new Map(e.initializers), outputs: [...branches.values()].flat(2) });
  const { values } = inferGraph(runs, inputShapes);
  const shapeOf = (v: string): Shape => values.get(v)!.shape;
  for (const [out, grid] of branches) stitch(e, out, grid, shapeOf);
  // Made for these sizes: the inputs say so (symbolic dims become them).
  const inputs = analysis.graph.inputs.map((i) => ({ ...i, shape: [...(inputShapes.get(i.name) ?? i.shape)] }));
  return { graph: withGraph(analysis.graph, { nodes: e.nodes, initializers: e.initializers, inputs }), factor };
}
