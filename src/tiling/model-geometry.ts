/**
 * What a model allows overlap-tile inference (src/tiling/overlap-tile.ts has the geometry and why
 * it is exact): its alignment (the lcm of the cumulative strides of every map on the way from the
 * image to the outputs), its margin (the outputs' receptive field, rounded up to the alignment),
 * how each output's pixels map onto the input's (1 / its stride), and the nodes that make an
 * output pixel depend on the whole image.
 *
 * The receptive field and stride follow describeModel's compound-kernel rule
 * (src/analysis/model-info.ts) through the ops' `spatial` hooks, with two differences: a 'scale'
 * mapping (Resize) widens the field by 3 of its input pixels (a cubic reads 4 around the point,
 * bilinear 2), which describeModel leaves out; and a node found global passes its input's field on
 * (so that with `approximate` the margin stays the local part's).
 *
 * Global nodes, refused unless the caller accepts approximate tiling:
 *  - an output that is not a map of pixels (rank below 3: Flatten, Gemm, a ReduceMean without
 *    keepdims);
 *  - a window over the whole map (GlobalAveragePool; a pool or conv whose window spans its input
 *    down to one pixel);
 *  - a node without a spatial hook that takes an axis of several pixels down to one (ReduceMean
 *    over the spatial axes with keepdims);
 *  - a node whose geometry differs between the whole image and a tile (a Resize to fixed sizes,
 *    a Slice with fixed ends): found by comparing the layouts, checkTileLayout below.
 * Nodes that follow no pixel grid (a Reshape into 5D and back, as channel shuffles do) are
 * reported the same way, since the pixel grid cannot be followed through them.
 */
import { SegwgpuError, describeNode, type NodeRef } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import type { GraphNode } from '../ir/graph.js';
import { getOp } from '../ops/registry.js';
import type { SpatialMapping, ValueInfo } from '../ops/types.js';
import type { GraphLayout } from '../plan/plan.js';
import type { AxisScale, TileShape } from './overlap-tile.js';

/** A node whose output may depend on the whole image, and why. */
export interface GlobalNode {
  readonly node: NodeRef;
  readonly why: string;
}

export interface ModelTileGeometry {
  readonly imageInput: string;
  /** Window starts and cores are multiples of these (rows, columns). */
  readonly alignment: readonly [number, number];
  /** The largest receptive field of any map on the image path, in input pixels. */
  readonly receptiveField: readonly [number, number];
  /** Context kept on every side of a core: the receptive field rounded up to the alignment. */
  readonly margin: readonly [number, number];
  /** Per graph output: output pixels per input pixel (rows, columns). */
  readonly outputs: ReadonlyMap<string, readonly [AxisScale, AxisScale]>;
  /** Nodes that make outputs depend on the whole image. */
  readonly global: readonly GlobalNode[];
  /** What no tiling can map (outputs off the pixel grid, strides that fit no grid); refused always. */
  readonly unmappable: readonly string[];
  /** Per node on the image path (by name): its geometry and the input it maps, compared at tile sizes. */
  readonly signatures: ReadonlyMap<string, { readonly signature: string; readonly imageArg: number }>;
}

interface Field {
  readonly rf: readonly [number, number];
  readonly jump: readonly [number, number];
}

const AXES = ['rows', 'columns'] as const;
const both = <T>(f: (axis: 0 | 1) => T): [T, T] => [f(0), f(1)];
const spatialOf = (shape: Shape): [number, number] => [shape[shape.length - 2]!, shape[shape.length - 1]!];

/** The field of a hooked op's output from its image input's (describeModel's rule, plus the resize widening). */
function fieldThrough(mapping: SpatialMapping, src: Field): Field {
  if (mapping.kind === 'scale') return { rf: both((a) => src.rf[a] + 3 * src.jump[a]), jump: both((a) => src.jump[a] * mapping.factors[a]!) };
  const { kernel, strides, dilations } = mapping;
  const jump = mapping.kind === 'window' ? src.jump : both((a) => src.jump[a] / strides[a]!);
  return {
    rf: both((a) => src.rf[a] + (kernel[a]! - 1) * dilations[a]! * jump[a]),
    jump: mapping.kind === 'window' ? both((a) => src.jump[a] * strides[a]!) : jump,
  };
}

/** A stride as a fraction of whole numbers (an integer, or 1 / an integer), if it is one. */
function wholeFraction(jump: number): AxisScale | undefined {
  const near = (x: number) => Math.abs(x - Math.round(x)) < 1e-6 * Math.max(1, x);
  if (jump >= 1 && near(jump)) return { num: 1, den: Math.round(jump) };
  if (jump > 0 && jump < 1 && near(1 / jump)) return { num: Math.round(1 / jump), den: 1 };
  return undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;
export const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

function showMapping(m: SpatialMapping): string {
  if (m.kind === 'scale') return `scale ${m.factors.map((f) => +f.toPrecision(9)).join('x')}`;
  return `${m.kind} kernel ${m.kernel.join('x')} strides ${m.strides.join('x')} dilations ${m.dilations.join('x')}`;
}

/**
 * A node's geometry at one input size, comparable across sizes: its spatial mapping, or for an
 * op without one how it changes the size of its first image input (a Slice, a Pad).
 */
function signatureOf(layout: GraphLayout, node: GraphNode, mapping: SpatialMapping | undefined, imageArg: number): string {
  if (mapping) return showMapping(mapping);
  const { inputs, outputs } = layout.inferred.nodes.get(node)!;
  const input = inputs[imageArg]?.shape;
  const output = outputs[0]?.shape;
  if (!input || !output || input.length < 3 || output.length < 3) return 'none';
  const [ih, iw] = spatialOf(input);
  const [oh, ow] = spatialOf(output);
  return `size change ${oh - ih}x${ow - iw}`;
}

/** Follows the image's pixel grid through a layout (made for some input size) from `imageInput` to the outputs. */
export function tileGeometryOf(layout: GraphLayout, imageInput: string): ModelTileGeometry {
  const { order, inferred, graph } = layout;
  const fields = new Map<string, Field>([[imageInput, { rf: [1, 1], jump: [1, 1] }]]);
  const global: GlobalNode[] = [];
  const unmappable: string[] = [];
  const signatures = new Map<string, { signature: string; imageArg: number }>();
  let alignment: [number, number] = [1, 1];
  let rf: [number, number] = [1, 1];
  for (const node of order) {
    const imageArgs = node.inputs.map((name, i) => ({ i, field: fields.get(name) })).filter((a): a is { i: number; field: Field } => a.field !== undefined);
    if (imageArgs.length === 0) continue;
    const { resolved, inputs, outputs } = inferred.nodes.get(node)!;
    const named = node.outputs.map((name, i) => ({ name, info: outputs[i] })).filter((o): o is { name: string; info: ValueInfo } => o.name !== '' && o.info !== undefined);
    const mapping = getOp(node).spatial?.(resolved, inputs, outputs);
    // A hooked op maps its input 0; others see what their image inputs see.
    const arg = mapping && fields.has(node.inputs[0]!) ? { i: 0, field: fields.get(node.inputs[0]!)! } : imageArgs[0]!;
    const inShape = inputs[arg.i]!.shape;
    signatures.set(node.name, { signature: signatureOf(layout, node, mapping, arg.i), imageArg: arg.i });
    let why: string | undefined;
    const flat = named.find((o) => o.info.shape.length < 3);
    if (flat) why = `makes '${flat.name}' of shape [${flat.info.shape.join('x')}], which is not a map of pixels`;
    let field: Field;
    if (mapping) {
      if (!why && mapping.kind === 'window' && inShape.length >= 3 && outputs[0]!.shape.length >= 3) {
        const [inH, inW] = spatialOf(inShape);
        const out = spatialOf(outputs[0]!.shape);
        const axis = ([0, 1] as const).find((a) => {
          const size = a === 0 ? inH : inW;
          return size > 1 && (mapping.kernel[a]! - 1) * mapping.dilations[a]! + 1 >= size && out[a] === 1;
        });
        if (axis !== undefined) why = `takes one window over the whole map (its input's ${axis === 0 ? inH : inW} ${AXES[axis]})`;
      }
      field = fieldThrough(mapping, arg.field);
    } else {
      field = { rf: both((a) => Math.max(...imageArgs.map((x) => x.field.rf[a]))), jump: arg.field.jump };
      const out = named[0]?.info.shape;
      if (!why && out && out.length >= 3) {
        for (const x of imageArgs) {
          const shape = inputs[x.i]?.shape;
          if (!shape || shape.length < 3) continue;
          const axis = ([0, 1] as const).find((a) => spatialOf(shape)[a] > 1 && spatialOf(out)[a] === 1);
          if (axis !== undefined) {
            why = `reduces its input's ${spatialOf(shape)[axis]} ${AXES[axis]} to one`;
            break;
          }
        }
      }
    }
    if (why) {
      global.push({ node, why });
      field = arg.field;
    }
    const scale = both((a) => wholeFraction(field.jump[a]));
    if (scale.some((s) => s === undefined)) {
      unmappable.push(`${describeNode(node)} puts its output pixels ${field.jump.map((j) => +j.toPrecision(6)).join('x')} input pixels apart, which no grid of whole pixels follows`);
    } else {
      alignment = both((a) => (scale[a]!.num === 1 ? lcm(alignment[a], scale[a]!.den) : alignment[a]));
      rf = both((a) => Math.max(rf[a], field.rf[a]));
    }
    for (const o of named) if (o.info.shape.length >= 3) fields.set(o.name, field);
  }
  const outputs = new Map<string, readonly [AxisScale, AxisScale]>();
  for (const name of graph.outputs) {
    const field = fields.get(name);
    const shape = layout.values.get(name)?.shape ?? [];
    const scale = field && both((a) => wholeFraction(field.jump[a]));
    if (!field || shape.length < 3) {
      unmappable.push(`output '${name}' of shape [${shape.join('x')}] is not a map of the image's pixels`);
    } else if (scale!.every((s) => s !== undefined)) {
      outputs.set(name, scale as [AxisScale, AxisScale]);
    }
  }
  const margin = both((a) => roundUp(Math.ceil(rf[a]), alignment[a]));
  return { imageInput, alignment, receptiveField: rf, margin, outputs, global, unmappable, signatures };
}

/** Refuses a model tiling cannot map, or (unless approximate) one with global nodes, saying why. */
export function checkTileable(geometry: ModelTileGeometry, approximate: boolean, context: string): void {
  if (geometry.unmappable.length > 0) throw new SegwgpuError(`${context}: tiling cannot map this model: ${geometry.unmappable.join('; ')}`);
  if (geometry.global.length > 0 && !approximate) {
    const g = geometry.global[0]!;
    const more = geometry.global.length > 1 ? ` (and ${geometry.global.length - 1} more node${geometry.global.length > 2 ? 's' : ''}: ${geometry.global.slice(1, 4).map((x) => `'${x.node.name}'`).join(', ')}${geometry.global.length > 4 ? ', ...' : ''})` : '';
    throw new SegwgpuError(
      `${context}: ${describeNode(g.node)} ${g.why}${more}, so output pixels depend on the whole image and tiles would change the result; accept approximate tiling (approximate: true, --tile-approximate) to tile anyway`,
    );
  }
}

/**
 * Compares a layout made at a window's size with the whole image's: every node on the image
 * path must have the geometry it has on the whole image (else its geometry depends on the input's
 * size: a global op), and every output must have the size its stride gives the window (else it
 * cannot be stitched). `expected` gives, per output axis, the size the window's output must have.
 */
export function checkTileLayout(
  geometry: ModelTileGeometry,
  tile: GraphLayout,
  shape: TileShape,
  expected: (output: string, axis: 0 | 1) => number,
  approximate: boolean,
  context: string,
): void {
  const at = `a ${shape.height}x${shape.width} window`;
  if (!approximate) {
    for (const node of tile.order) {
      const whole = geometry.signatures.get(node.name);
      if (whole === undefined) continue;
      const { resolved, inputs, outputs } = tile.inferred.nodes.get(node)!;
      const mapping = getOp(node).spatial?.(resolved, inputs, outputs);
      const here = signatureOf(tile, node, mapping, whole.imageArg);
      if (here !== whole.signature) {
        throw new SegwgpuError(
          `${context}: ${describeNode(node)} has ${here} at ${at} but ${whole.signature} on the whole image: its geometry depends on the input's size (a resize to fixed sizes, a global pool, a fixed crop), so tiles would change the result; accept approximate tiling (approximate: true, --tile-approximate) to tile anyway`,
        );
      }
    }
  }
  for (const name of geometry.outputs.keys()) {
    const shape = tile.values.get(name)?.shape;
    if (!shape) continue;
    for (const axis of [0, 1] as const) {
      const got = spatialOf(shape)[axis];
      const want = expected(name, axis);
      if (got !== want) {
        throw new SegwgpuError(
          `${context}: output '${name}' has ${got} ${AXES[axis]} at ${at}, where its stride gives ${want}: the output does not follow the input's pixel grid (valid convolutions, a crop or pad at the output?), so tiles cannot be stitched`,
        );
      }
    }
  }
}
