/** `segwgpu info`'s per-node figures (src/analysis/model-info.ts) against hand-worked values. */
import { describe, expect, it } from 'vitest';
import { describeModel } from '../src/analysis/model-info.js';
import { tensor } from '../src/core/tensor.js';
import type { Graph } from '../src/ir/graph.js';
import { layoutGraph } from '../src/plan/plan.js';
import { randomTensor } from './util/random.js';

// x [1,1,8,8] -> Conv 3x3 pad 1 (1->2) -> MaxPool 2x2 s2 -> Conv 3x3 dilation 2 pad 2 (2->2)
// -> ConvTranspose 2x2 s2 (2->2) -> Resize x2 (linear) -> Relu.
const graph: Graph = {
  name: 'fields',
  opset: 17,
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 8, 8] }],
  outputs: ['y'],
  initializers: new Map([
    ['w1', randomTensor([2, 1, 3, 3], 1)],
    ['w2', randomTensor([2, 2, 3, 3], 2)],
    ['wt', randomTensor([2, 2, 2, 2], 3)],
    ['scales', tensor([4], [1, 1, 2, 2])],
  ]),
  nodes: [
    { name: 'conv1', opType: 'Conv', domain: '', inputs: ['x', 'w1'], outputs: ['c1'], attributes: { pads: [1, 1, 1, 1] } },
    { name: 'pool', opType: 'MaxPool', domain: '', inputs: ['c1'], outputs: ['p'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
    { name: 'conv2', opType: 'Conv', domain: '', inputs: ['p', 'w2'], outputs: ['c2'], attributes: { pads: [2, 2, 2, 2], dilations: [2, 2] } },
    { name: 'up', opType: 'ConvTranspose', domain: '', inputs: ['c2', 'wt'], outputs: ['u'], attributes: { strides: [2, 2] } },
    { name: 'resize', opType: 'Resize', domain: '', inputs: ['u', '', 'scales'], outputs: ['r'], attributes: { mode: 'linear' } },
    { name: 'relu', opType: 'Relu', domain: '', inputs: ['r'], outputs: ['y'], attributes: {} },
  ],
};

describe('model info', () => {
  it('gives MACs, receptive fields and output strides by the compound-kernel rule', () => {
    const info = describeModel(layoutGraph(graph, { fuse: false }));
    const byName = Object.fromEntries(info.nodes.map((n) => [n.name, n]));
    // MACs: outputs x taps per output (Conv), inputs x taps per input (ConvTranspose).
    expect(byName.conv1!.macs).toBe(2 * 8 * 8 * 1 * 9);
    expect(byName.conv2!.macs).toBe(2 * 4 * 4 * 2 * 9);
    expect(byName.up!.macs).toBe(2 * 4 * 4 * 2 * 2 * 2);
    expect(byName.pool!.macs).toBe(0);
    expect(info.macs).toBe(1152 + 576 + 256);
    // Fields: 1 + 2 = 3; + 1 * 1 = 4 (jump 2); + 2 * 2 * 2 = 12; jump 2 / 2 = 1, + 1 = 13; resize halves the jump.
    expect(byName.conv1!.receptiveField).toEqual([3, 3]);
    expect(byName.pool!.receptiveField).toEqual([4, 4]);
    expect(byName.pool!.outputStride).toEqual([2, 2]);
    expect(byName.conv2!.receptiveField).toEqual([12, 12]);
    expect(byName.up!.receptiveField).toEqual([13, 13]);
    expect(byName.up!.outputStride).toEqual([1, 1]);
    expect(byName.resize!.outputStride).toEqual([0.5, 0.5]);
    expect(byName.relu!.receptiveField).toEqual([13, 13]);
    expect(info.parameters).toBe(18 + 36 + 16 + 4);
  });
});
