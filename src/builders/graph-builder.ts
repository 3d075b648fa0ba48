/**
 * A small helper for building IR graphs in TS: unique names, initializers from seeded random
 * weights (He-style scaling so activations stay in a sane range), and one method per layer kind.
 */
import { int64Tensor, sizeOf, tensor, type Tensor } from '../core/tensor.js';
import type { Graph, GraphInput, GraphNode } from '../ir/graph.js';
import type { Attributes } from '../ir/attributes.js';

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly initializers = new Map<string, Tensor>();
  private readonly inputs: GraphInput[] = [];
  private counter = 0;
  private seed: number;

  constructor(
    readonly name: string,
    seed = 1,
  ) {
    this.seed = seed >>> 0 || 1;
  }

  /** Uniform in [-1, 1), mulberry32: the same weights on every run and machine. */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, shape: (number | string)[]): string {
    this.inputs.push({ name, dtype: 'float32', shape });
    return name;
  }

  constant(prefix: string, t: Tensor): string {
    const name = this.fresh(prefix);
    this.initializers.set(name, t);
    return name;
  }

  /** Random weights with standard deviation ~ sqrt(2 / fanIn) (uniform with matching variance). */
  weights(prefix: string, shape: number[], fanIn: number): string {
    const scale = Math.sqrt(6 / fanIn);
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = this.random() * scale;
    return this.constant(prefix, tensor(shape, data));
  }

  smallValues(prefix: string, shape: number[], amplitude: number, offset = 0): string {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = offset + this.random() * amplitude;
    return this.constant(prefix, tensor(shape, data));
  }

  ints(prefix: string, values: number[]): string {
    return this.constant(prefix, int64Tensor([values.length], values));
  }

  floats(prefix: string, values: number[]): string {
    return this.constant(prefix, tensor([values.length], values));
  }

  node(opType: string, inputs: string[], attributes: Attributes = {}, outputCount = 1, name?: string): string[] {
    const nodeName = name ?? this.fresh(opType.toLowerCase());
    const outputs = Array.from({ length: outputCount }, (_, i) => (outputCount === 1 ? nodeName : `${nodeName}:${i}`));
    this.nodes.push({ name: nodeName, opType, domain: '', inputs, outputs, attributes });
    return outputs;
  }

  conv(x: string, cin: number, cout: number, k: number, options: { pad?: number; stride?: number; group?: number; bias?: boolean; name?: string } = {}): string {
    const group = options.group ?? 1;
    const w = this.weights(`${options.name ?? 'conv'}_w`, [cout, cin / group, k, k], (cin / group) * k * k);
    const inputs = [x, w];
    if (options.bias !== false) inputs.push(this.smallValues(`${options.name ?? 'conv'}_b`, [cout], 0.1));
    const pad = options.pad ?? 0;
    return this.node('Conv', inputs, { kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [options.stride ?? 1, options.stride ?? 1], group }, 1, options.name)[0];
  }

  batchNorm(x: string, channels: number): string {
    const scale = this.smallValues('bn_scale', [channels], 0.3, 1);
    const bias = this.smallValues('bn_bias', [channels], 0.1);
    const mean = this.smallValues('bn_mean', [channels], 0.2);
    const variance = this.smallValues('bn_var', [channels], 0.3, 1);
    return this.node('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: 1e-5 })[0];
  }

  relu(x: string): string {
    return this.node('Relu', [x])[0];
  }

  maxPool(x: string, k: number, stride: number, options: { ceil?: boolean; withIndices?: boolean } = {}): string[] {
    return this.node('MaxPool', [x], { kernel_shape: [k, k], strides: [stride, stride], ceil_mode: options.ceil ? 1 : 0 }, options.withIndices ? 2 : 1);
  }

  /** ConvTranspose with weights set to a bilinear upsampling kernel per channel (FCN's initialisation). */
  bilinearUpsample(x: string, channels: number, factor: number, k: number, options: { pad?: number; bias?: boolean } = {}): string {
    const w = new Float32Array(channels * channels * k * k);
    const f = Math.ceil(k / 2);
    const center = k % 2 === 1 ? f - 1 : f - 0.5;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < k; y++) {
        for (let xx = 0; xx < k; xx++) {
          w[((c * channels + c) * k + y) * k + xx] = (1 - Math.abs(y - center) / f) * (1 - Math.abs(xx - center) / f);
        }
      }
    }
    const inputs = [x, this.constant('upsample_w', tensor([channels, channels, k, k], w))];
    if (options.bias) inputs.push(this.constant('upsample_b', tensor([channels], new Float32Array(channels))));
    const pad = options.pad ?? 0;
    return this.node('ConvTranspose', inputs, { kernel_shape: [k, k], strides: [factor, factor], pads: [pad, pad, pad, pad] })[0];
  }

  /** Crops H and W of an NCHW tensor: [offset, offset + size) along each, via Slice. */
  crop(x: string, offsetH: number, offsetW: number, height: number, width: number): string {
    const starts = this.ints('crop_starts', [offsetH, offsetW]);
    const ends = this.ints('crop_ends', [offsetH + height, offsetW + width]);
    const axes = this.ints('crop_axes', [2, 3]);
    return this.node('Slice', [x, starts, ends, axes])[0];
  }

  build(outputs: string[]): Graph {
    return { name: this.name, opset: 17, inputs: [...this.inputs], outputs, initializers: new Map(this.initializers), nodes: [...this.nodes] };
  }
}
