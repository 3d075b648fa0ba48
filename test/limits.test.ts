/**
 * Size bombs (issue 13): values, plan-time constants and images past the budget of
 * src/core/limits.ts are refused with an error naming where, the shape and the limit, before
 * anything of that size is allocated (these shapes would otherwise reach `new Float32Array(n)` and
 * throw a RangeError, or decode gigabytes).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { segwgpu } from './util/run.js';
import { MAX_HOST_VALUE_ELEMENTS, MAX_IMAGE_PIXELS, MAX_VALUE_ELEMENTS, SizeLimitError } from '../src/core/limits.js';
import { int64Tensor, tensor, type Tensor } from '../src/core/tensor.js';
import type { Graph, GraphNode } from '../src/ir/graph.js';
import { runOpCpu } from '../src/ops/call.js';
import { inferGraph } from '../src/shapes/infer.js';
import { decodeImage, jpegDeclaredSize, pngDeclaredSize } from '../src/node/image.js';

const work = mkdtempSync(join(tmpdir(), 'segwgpu-limits-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error was raised');
}

/** A graph of one node on a 1x3x8x8 input x, with the given constant inputs. */
function oneNodeGraph(node: Omit<GraphNode, 'outputs' | 'domain'>, constants: Record<string, Tensor>): Graph {
  return {
    name: 'bomb',
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] }],
    outputs: ['y'],
    initializers: new Map(Object.entries(constants)),
    nodes: [{ ...node, domain: '', outputs: ['y'] }],
  };
}

const X_SHAPE = new Map([['x', [1, 3, 8, 8]]]);

describe('values past the budget', () => {
  it('ConstantOfShape of 3e10 elements: refused naming the node, the shape and the limit', () => {
    const e = errorOf(() => runOpCpu({ opType: 'ConstantOfShape', name: 'fill', inputs: [int64Tensor([2], [100000, 300000])] }));
    expect(e).toBeInstanceOf(SizeLimitError);
    expect(e.message).toBe(`node 'fill' (ConstantOfShape): output of shape [100000x300000] has 30000000000 elements, more than the limit of ${MAX_HOST_VALUE_ELEMENTS} (MAX_HOST_VALUE_ELEMENTS, values computed while planning)`);
  });

  it('Range over 1e9 steps, float and int64', () => {
    const f = errorOf(() => runOpCpu({ opType: 'Range', name: 'r', inputs: [tensor([], [0]), tensor([], [1e9]), tensor([], [1])] }));
    expect(f.message).toMatch(/^node 'r' \(Range\): output of shape \[1000000000\] has 1000000000 elements, more than the limit/);
    const i = errorOf(() => runOpCpu({ opType: 'Range', name: 'r64', inputs: [int64Tensor([], [0]), int64Tensor([], [5_000_000_000]), int64Tensor([], [1])] }));
    expect(i).toBeInstanceOf(SizeLimitError);
  });

  it('Pad, Resize and Conv pads that make huge outputs are refused in shape inference (info, plan and CPU runs all start there)', () => {
    const pad = oneNodeGraph({ name: 'pad', opType: 'Pad', inputs: ['x', 'pads'], attributes: {} }, { pads: int64Tensor([8], [0, 0, 0, 0, 0, 0, 100000, 100000]) });
    expect(errorOf(() => inferGraph(pad, X_SHAPE)).message).toBe(
      `node 'pad' (Pad): output 'y' of shape [1x3x100008x100008] has 30004800192 elements, more than the limit of ${MAX_VALUE_ELEMENTS} (MAX_VALUE_ELEMENTS)`,
    );
    const resize = oneNodeGraph({ name: 'up', opType: 'Resize', inputs: ['x', '', 'scales'], attributes: { mode: 'nearest' } }, { scales: tensor([4], [1, 1, 20000, 20000]) });
    expect(errorOf(() => inferGraph(resize, X_SHAPE)).message).toMatch(/^node 'up' \(Resize\): output 'y' of shape \[1x3x160000x160000\] has \d+ elements, more than the limit/);
    const conv = oneNodeGraph({ name: 'c', opType: 'Conv', inputs: ['x', 'w'], attributes: { pads: [0, 0, 200000, 200000] } }, { w: tensor([1, 3, 1, 1], [1, 1, 1]) });
    expect(errorOf(() => inferGraph(conv, X_SHAPE))).toBeInstanceOf(SizeLimitError);
  });

  it('a model input declared too large is refused before its nodes', () => {
    const g = oneNodeGraph({ name: 'relu', opType: 'Relu', inputs: ['x'], attributes: {} }, {});
    expect(errorOf(() => inferGraph(g, new Map([['x', [1, 3, 100000, 100000]]]))).message).toMatch(/^model input 'x' of shape \[1x3x100000x100000\] has 30000000000 elements/);
  });

  it('values at the budget still pass', () => {
    expect(() => runOpCpu({ opType: 'ConstantOfShape', inputs: [int64Tensor([1], [1024])] })).not.toThrow();
  });
});

/** A PNG signature and an IHDR chunk declaring width x height, 8-bit RGB; no image data. */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24);
  return b;
}

/** SOI, an APP0 segment, then SOF0 declaring width x height. */
function jpegHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]);
}

describe('images past the budget', () => {
  it('reads the declared size from PNG and JPEG headers', () => {
    expect(pngDeclaredSize(pngHeader(20000, 30000))).toEqual({ width: 20000, height: 30000 });
    expect(jpegDeclaredSize(jpegHeader(60000, 50000))).toEqual({ width: 60000, height: 50000 });
    expect(pngDeclaredSize(new Uint8Array(10))).toBeUndefined();
  });

  it('a 20000x20000 PNG and a 60000x50000 JPEG are refused from their headers, before decoding', () => {
    const png = errorOf(() => decodeImage(pngHeader(20000, 20000), "image 'bomb.png'"));
    expect(png).toBeInstanceOf(SizeLimitError);
    expect(png.message).toBe(`image 'bomb.png' declares 20000x20000 pixels (400000000), more than the limit of ${MAX_IMAGE_PIXELS} (MAX_IMAGE_PIXELS); scale it down first`);
    expect(errorOf(() => decodeImage(jpegHeader(60000, 50000), 'b.jpg')).message).toMatch(/^b\.jpg declares 60000x50000 pixels/);
  });

  it('segwgpu segment on a PNG bomb exits 2 with that message and writes nothing', async () => {
    const dir = join(work, 'segment');
    mkdirSync(dir);
    const bomb = join(dir, 'bomb.png');
    writeFileSync(bomb, pngHeader(20000, 20000));
    const out = join(dir, 'out');
    const r = await segwgpu(['segment', bomb, '--out', join(out, 'mask.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/declares 20000x20000 pixels \(400000000\), more than the limit/);
    expect(readdirSync(dir)).toEqual(['bomb.png']);
  });
});
