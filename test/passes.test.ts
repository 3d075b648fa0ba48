/** Each graph pass on its own: the structure it produces, and unchanged results (CPU executor). */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../src/ir/graph.js';
import { foldBatchNorm, foldConstants, fuseActivation, fuseMulAdd, fusePooledAdd, fuseResidualAdd, optimizeGraph, removeIdentity } from '../src/passes/index.js';
import { runGraphCpu } from '../src/exec/cpu.js';
import { runOpCpu } from '../src/ops/call.js';
import { int64Tensor, tensor } from '../src/core/tensor.js';
import { compareTensors } from './util/compare.js';
import { randomTensor } from './util/random.js';

const noPasses = { fuse: false } as const;

function convBnRelu(): Graph {
  return {
    name: 'conv-bn-relu',
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 7, 9] }],
    outputs: ['y'],
    initializers: new Map([
      ['w', randomTensor([5, 3, 3, 3], 1)],
      ['b', randomTensor([5], 2)],
      ['scale', randomTensor([5], 3, 0.5, 1.5)],
      ['beta', randomTensor([5], 4)],
      ['mean', randomTensor([5], 5)],
      ['var', randomTensor([5], 6, 0.1, 2)],
    ]),
    nodes: [
      { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w', 'b'], outputs: ['c'], attributes: { pads: [1, 1, 1, 1] } },
      { name: 'bn', opType: 'BatchNormalization', domain: '', inputs: ['c', 'scale', 'beta', 'mean', 'var'], outputs: ['n'], attributes: { epsilon: 1e-3 } },
      { name: 'drop', opType: 'Dropout', domain: '', inputs: ['n'], outputs: ['d'], attributes: {} },
      { name: 'relu', opType: 'Relu', domain: '', inputs: ['d'], outputs: ['y'], attributes: {} },
    ],
  };
}

describe('passes', () => {
  const x = randomTensor([2, 3, 7, 9], 11);

  it('removeIdentity drops Dropout and rewires its reader', () => {
    const g = removeIdentity(convBnRelu());
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
    expect(g.nodes[2].inputs).toEqual(['n']);
  });

  it('foldBatchNorm folds BN into the Conv without changing results', () => {
    const g = removeIdentity(convBnRelu());
    const folded = foldBatchNorm(g);
    expect(folded.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu']);
    const before = runGraphCpu(g, { x }, noPasses).y;
    const after = runGraphCpu(folded, { x }, noPasses).y;
    const cmp = compareTensors(after, before, { atol: 1e-5, rtol: 1e-5 });
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('fuseActivation moves Relu into the Conv epilogue without changing results', () => {
    const g = foldBatchNorm(removeIdentity(convBnRelu()));
    const fused = fuseActivation(g);
    expect(fused.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(fused.nodes[0].attributes.activation).toBe('Relu');
    expect(fused.nodes[0].outputs).toEqual(['y']);
    const cmp = compareTensors(runGraphCpu(fused, { x }, noPasses).y, runGraphCpu(g, { x }, noPasses).y, { atol: 1e-6, rtol: 1e-6 });
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('fuseActivation moves a head Sigmoid into the ConvTranspose without changing results', () => {
    const g: Graph = {
      name: 'head',
      opset: 17,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4, 3, 5] }],
      outputs: ['y'],
      initializers: new Map([['w', randomTensor([4, 1, 2, 2], 61)], ['b', randomTensor([1], 62)]]),
      nodes: [
        { name: 'up', opType: 'ConvTranspose', domain: '', inputs: ['x', 'w', 'b'], outputs: ['u'], attributes: { strides: [2, 2] } },
        { name: 'sig', opType: 'Sigmoid', domain: '', inputs: ['u'], outputs: ['y'], attributes: {} },
      ],
    };
    const fused = fuseActivation(g);
    expect(fused.nodes.map((n) => n.opType)).toEqual(['ConvTranspose']);
    expect(fused.nodes[0].attributes.activation).toBe('Sigmoid');
    const xs = randomTensor([1, 4, 3, 5], 63);
    const cmp = compareTensors(runGraphCpu(fused, { x: xs }, noPasses).y, runGraphCpu(g, { x: xs }, noPasses).y, { atol: 1e-6, rtol: 1e-6 });
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('optimizeGraph leaves a value the caller keeps (keepValues) unfused, and the outputs as they were', () => {
    const g = removeIdentity(convBnRelu());
    const kept = optimizeGraph(g, new Map([['x', [2, 3, 7, 9]]]), {}, ['n']).graph;
    expect(kept.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu']);
    expect(kept.nodes[0].outputs).toEqual(['n']);
    expect(kept.outputs).toEqual(['y']);
    expect(optimizeGraph(g, new Map([['x', [2, 3, 7, 9]]])).graph.nodes.map((n) => n.opType)).toEqual(['Conv']);
  });

  it('fuseActivation leaves a Conv whose output has a second reader alone', () => {
    const g = convBnRelu();
    const branched: Graph = { ...g, outputs: ['y', 'c'] };
    const fused = fuseActivation(foldBatchNorm(removeIdentity(branched)));
    expect(fused.nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
  });

  // A MobileNet-style block: skip = conv1(x); y = relu(dw(skip)) + skip; z = conv3(y) + y.
  function residualBlock(extraOutputs: string[] = []): Graph {
    return {
      name: 'residual-block',
      opset: 17,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 6, 7] }],
      outputs: ['z', ...extraOutputs],
      initializers: new Map([
        ['w1', randomTensor([4, 3, 1, 1], 21)],
        ['wd', randomTensor([4, 1, 3, 3], 22)],
        ['bd', randomTensor([4], 23)],
        ['w3', randomTensor([4, 4, 3, 3], 24)],
        ['bias', randomTensor([1, 4, 1, 1], 25)],
      ]),
      nodes: [
        { name: 'conv1', opType: 'Conv', domain: '', inputs: ['x', 'w1'], outputs: ['skip'], attributes: {} },
        { name: 'dw', opType: 'Conv', domain: '', inputs: ['skip', 'wd', 'bd'], outputs: ['d'], attributes: { group: 4, pads: [1, 1, 1, 1] } },
        { name: 'relu', opType: 'Relu', domain: '', inputs: ['d'], outputs: ['r'], attributes: {} },
        { name: 'add1', opType: 'Add', domain: '', inputs: ['r', 'skip'], outputs: ['y'], attributes: {} },
        { name: 'conv3', opType: 'Conv', domain: '', inputs: ['y', 'w3'], outputs: ['c3'], attributes: { pads: [1, 1, 1, 1] } },
        // Residual on the left this time, the conv on the right.
        { name: 'add2', opType: 'Add', domain: '', inputs: ['y', 'c3'], outputs: ['z0'], attributes: {} },
        // A broadcast add of a constant is not a skip connection: it stays.
        { name: 'add3', opType: 'Add', domain: '', inputs: ['z0', 'bias'], outputs: ['z'], attributes: {} },
      ],
    };
  }
  const shapes = new Map([['x', [1, 3, 6, 7]]]);
  const xb = randomTensor([1, 3, 6, 7], 26);

  it('fuseResidualAdd moves skip-connection Adds into the Conv epilogue without changing results', () => {
    const g = residualBlock();
    const fused = fuseResidualAdd(fuseActivation(g), shapes);
    // The fused Conv keeps its name (profiles read naturally) and takes the Add's place.
    expect(fused.nodes.map((n) => n.name)).toEqual(['conv1', 'dw', 'conv3', 'add3']);
    expect(fused.nodes.map((n) => n.opType)).toEqual(['Conv', 'Conv', 'Conv', 'Add']);
    expect(fused.nodes[1]).toMatchObject({ inputs: ['skip', 'wd', 'bd', 'skip'], outputs: ['y'], attributes: { group: 4, activation: 'Relu' } });
    expect(fused.nodes[2]).toMatchObject({ inputs: ['y', 'w3', '', 'y'], outputs: ['z0'] });
    const cmp = compareTensors(runGraphCpu(fused, { x: xb }, noPasses).z, runGraphCpu(g, { x: xb }, noPasses).z, { atol: 1e-6, rtol: 1e-6 });
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('fuseResidualAdd leaves an Add whose Conv output has another reader', () => {
    const fused = fuseResidualAdd(fuseActivation(residualBlock(['c3'])), shapes);
    expect(fused.nodes.map((n) => n.name)).toEqual(['conv1', 'dw', 'conv3', 'add2', 'add3']);
  });

  // MediaPipe's selfie decoder: skip * se(skip + up) + up, with the SE scale [1, C, 1, 1].
  function squeezeExciteSkip(): Graph {
    return {
      name: 'se-skip',
      opset: 17,
      inputs: [
        { name: 'skip', dtype: 'float32', shape: [1, 4, 5, 8] },
        { name: 'up', dtype: 'float32', shape: [1, 4, 5, 8] },
      ],
      outputs: ['y', 'z'],
      initializers: new Map([['w', randomTensor([4, 4, 1, 1], 41)], ['half', tensor([1], [0.5])]]),
      nodes: [
        { name: 'sum', opType: 'Add', domain: '', inputs: ['skip', 'up'], outputs: ['s'], attributes: {} },
        { name: 'pool', opType: 'GlobalAveragePool', domain: '', inputs: ['s'], outputs: ['p'], attributes: {} },
        { name: 'fc', opType: 'Conv', domain: '', inputs: ['p', 'w'], outputs: ['e'], attributes: { activation: 'Sigmoid' } },
        { name: 'scale', opType: 'Mul', domain: '', inputs: ['skip', 'e'], outputs: ['m'], attributes: {} },
        { name: 'add', opType: 'Add', domain: '', inputs: ['up', 'm'], outputs: ['y'], attributes: {} },
        // A constant addend is not fused.
        { name: 'scale2', opType: 'Mul', domain: '', inputs: ['y', 'e'], outputs: ['m2'], attributes: {} },
        { name: 'shift', opType: 'Add', domain: '', inputs: ['m2', 'half'], outputs: ['z'], attributes: {} },
      ],
    };
  }

  it('fuseMulAdd folds an Add of a product into the Mul without changing results', () => {
    const g = squeezeExciteSkip();
    const fused = fuseMulAdd(g, new Map([['skip', [1, 4, 5, 8]], ['up', [1, 4, 5, 8]]]));
    expect(fused.nodes.map((n) => n.name)).toEqual(['sum', 'pool', 'fc', 'scale', 'scale2', 'shift']);
    expect(fused.nodes[3]).toMatchObject({ opType: 'Mul', inputs: ['skip', 'e', 'up'], outputs: ['y'] });
    const inputs = { skip: randomTensor([1, 4, 5, 8], 42), up: randomTensor([1, 4, 5, 8], 43) };
    for (const out of ['y', 'z']) {
      const cmp = compareTensors(runGraphCpu(fused, inputs, noPasses)[out], runGraphCpu(g, inputs, noPasses)[out], { atol: 0, rtol: 0 });
      expect(cmp.ok, cmp.message).toBe(true);
    }
  });

  it('fusePooledAdd averages a sum without writing it, without changing results', () => {
    const g = squeezeExciteSkip();
    const fused = fusePooledAdd(g, new Map([['skip', [1, 4, 5, 8]], ['up', [1, 4, 5, 8]]]));
    expect(fused.nodes.map((n) => n.name)).toEqual(['pool', 'fc', 'scale', 'add', 'scale2', 'shift']);
    expect(fused.nodes[0]).toMatchObject({ opType: 'GlobalAveragePool', inputs: ['skip', 'up'], outputs: ['p'] });
    const inputs = { skip: randomTensor([1, 4, 5, 8], 44), up: randomTensor([1, 4, 5, 8], 45) };
    for (const out of ['y', 'z']) {
      const cmp = compareTensors(runGraphCpu(fused, inputs, noPasses)[out], runGraphCpu(g, inputs, noPasses)[out], { atol: 1e-7, rtol: 1e-6 });
      expect(cmp.ok, cmp.message).toBe(true);
    }
    // A sum with a second reader is kept.
    expect(fusePooledAdd({ ...g, outputs: [...g.outputs, 's'] }, new Map([['skip', [1, 4, 5, 8]], ['up', [1, 4, 5, 8]]])).nodes.map((n) => n.name)).toContain('sum');
  });

  it('foldConstants evaluates a torch-style shape subgraph feeding Resize', () => {
    // sizes = Concat(Slice(Shape(x), 0, 2), [14, 18]) -> Resize(x, sizes): the pattern torch.onnx.export emits.
    const g: Graph = {
      name: 'shape-subgraph',
      opset: 17,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 7, 9] }],
      outputs: ['y'],
      initializers: new Map([
        ['zero', int64Tensor([1], [0])],
        ['two', int64Tensor([1], [2])],
        ['hw', int64Tensor([2], [14, 18])],
      ]),
      nodes: [
        { name: 'shape', opType: 'Shape', domain: '', inputs: ['x'], outputs: ['s'], attributes: {} },
        { name: 'nc', opType: 'Slice', domain: '', inputs: ['s', 'zero', 'two'], outputs: ['nc'], attributes: {} },
        { name: 'sizes', opType: 'Concat', domain: '', inputs: ['nc', 'hw'], outputs: ['sizes'], attributes: { axis: 0 } },
        { name: 'resize', opType: 'Resize', domain: '', inputs: ['x', '', '', 'sizes'], outputs: ['y'], attributes: { mode: 'nearest' } },
      ],
    };
    const folded = foldConstants(g, new Map([['x', [1, 2, 7, 9]]]));
    expect(folded.nodes.map((n) => n.opType)).toEqual(['Resize']);
    expect(Array.from(folded.initializers.get('sizes')!.data as BigInt64Array, Number)).toEqual([1, 2, 14, 18]);
    const xs = randomTensor([1, 2, 7, 9], 3);
    expect(compareTensors(runGraphCpu(folded, { x: xs }, noPasses).y, runGraphCpu(g, { x: xs }, noPasses).y, { atol: 0, rtol: 0 }).ok).toBe(true);
  });

  it('folds int64 shape arithmetic exactly, past 2^53 (CPU references in BigInt)', () => {
    const [product] = runOpCpu({ opType: 'Mul', inputs: [int64Tensor([2], [2n ** 40n, -3n]), int64Tensor([1], [2n ** 20n])] });
    expect(Array.from(product.data as BigInt64Array)).toEqual([2n ** 60n, -3n * 2n ** 20n]);
    const [sum] = runOpCpu({ opType: 'Add', inputs: [int64Tensor([1], [2n ** 62n]), int64Tensor([1], [2n ** 62n])] });
    expect(Array.from(sum.data as BigInt64Array)).toEqual([-(2n ** 63n)]); // wraps like int64
  });

  it('foldConstants keeps a node that depends on a runtime input', () => {
    const g: Graph = {
      name: 'runtime',
      opset: 17,
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      outputs: ['y'],
      initializers: new Map([['a', tensor([3], [1, 2, 3])], ['b', tensor([3], [1, 1, 1])]]),
      nodes: [
        { name: 'ab', opType: 'Add', domain: '', inputs: ['a', 'b'], outputs: ['ab'], attributes: {} },
        { name: 'y', opType: 'Mul', domain: '', inputs: ['x', 'ab'], outputs: ['y'], attributes: {} },
      ],
    };
    const folded = foldConstants(g, new Map([['x', [3]]]));
    expect(folded.nodes.map((n) => n.name)).toEqual(['y']);
    expect(Array.from(folded.initializers.get('ab')!.data as Float32Array)).toEqual([2, 3, 4]);
  });
});
