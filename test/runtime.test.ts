/** The GPU runtime's own rules: dispatch folding, binding-size limits, uniforms from reflection. */
import { describe, expect, it } from 'vitest';
import { foldWorkgroups } from '../src/gpu/dispatch.js';
import { packUniforms, reflectKernel, writtenStorage, type Kernel } from '../src/gpu/kernel.js';
import { runOpGpu } from '../src/exec/run-op.js';
import { tensor } from '../src/core/tensor.js';
import { testGpu } from './util/gpu.js';

describe('foldWorkgroups', () => {
  it('keeps small dispatches 1D and folds large ones into 2D and 3D grids that cover them', () => {
    expect(foldWorkgroups(100, 64, 65535)).toEqual([2, 1, 1]);
    expect(foldWorkgroups(65535 * 64, 64, 65535)).toEqual([65535, 1, 1]);
    expect(foldWorkgroups(65535 * 64 + 1, 64, 65535)).toEqual([65535, 2, 1]);
    const [x, y, z] = foldWorkgroups(10 ** 9, 1, 1000);
    expect([x, y, z]).toEqual([1000, 1000, 1000]);
    expect(() => foldWorkgroups(10 ** 9 + 1, 1, 1000)).toThrow(/exceeds the adapter's 3D workgroup grid/);
  });

  it('runs a dispatch past maxComputeWorkgroupsPerDimension correctly to its last element', async () => {
    const ctx = await testGpu();
    // Relu runs one invocation per 4 elements in workgroups of 64: this needs more than 65535 workgroups.
    const n = 4 * 64 * (ctx.maxWorkgroupsPerDimension + 7) + 3;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 7) - 3;
    const [y] = await runOpGpu(ctx, { opType: 'Relu', inputs: [tensor([n], data)] });
    const out = y.data as Float32Array;
    for (const i of [0, 1, 2, 3, n - 4 * 64 * 7, n - 5, n - 2, n - 1]) expect(out[i]).toBe(Math.max(0, data[i]));
    let bad = 0;
    for (let i = 0; i < n; i++) if (out[i] !== Math.max(0, data[i])) bad++;
    expect(bad).toBe(0);
  });
});

describe('storage binding limits', () => {
  it('refuses a tensor larger than maxStorageBufferBindingSize before any GPU work, naming it', async () => {
    const real = await testGpu();
    const small = { ...real, maxStorageBufferBindingSize: 1024 };
    await expect(runOpGpu(small, { opType: 'Relu', name: 'big_relu', inputs: [tensor([300], new Float32Array(300))] })).rejects.toThrow(
      /node 'big_relu' \(Relu\) input 0 of shape \[300\] needs 1200 bytes, more than this adapter's maxStorageBufferBindingSize \(1024\)/,
    );
  });
});

describe('uniforms from reflection', () => {
  const kernel: Kernel = {
    name: 'probe',
    source: `
struct Params { total: u32, scale: f32, offset: i32, shape: array<vec4u, 2>, }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main() { y[0] = f32(p.total) * p.scale + f32(p.offset) + f32(p.shape[1].w); }`,
  };

  it('packs fields at the offsets WGSL gives them (arrays of vec4 at 16-byte alignment)', () => {
    const layout = reflectKernel(kernel);
    expect(layout.fields.map((f) => [f.name, f.offset])).toEqual([['total', 0], ['scale', 4], ['offset', 8], ['shape', 16]]);
    expect(layout.uniformSize).toBe(48);
    const bytes = new DataView(packUniforms(kernel, layout, { total: 7, scale: 0.5, offset: -2, shape: [1, 2, 3, 4, 5] }));
    expect([bytes.getUint32(0, true), bytes.getFloat32(4, true), bytes.getInt32(8, true)]).toEqual([7, 0.5, -2]);
    expect([bytes.getUint32(16, true), bytes.getUint32(32, true), bytes.getUint32(36, true)]).toEqual([1, 5, 0]);
  });

  it('names the field when params do not match the WGSL struct', () => {
    const layout = reflectKernel(kernel);
    expect(() => packUniforms(kernel, layout, { total: 1, scale: 1, offset: 0 })).toThrow(/kernel probe: params field 'shape' is missing/);
    expect(() => packUniforms(kernel, layout, { total: 1, scale: 1, offset: 0, shape: [], extra: 3 })).toThrow(/params field 'extra' is not in the WGSL uniform struct \(fields: total, scale, offset, shape\)/);
    expect(() => packUniforms(kernel, layout, { total: -1, scale: 1, offset: 0, shape: [] })).toThrow(/params field 'total' value -1 is not a u32/);
    expect(() => packUniforms(kernel, layout, { total: 1, scale: 1, offset: 0, shape: new Array(9).fill(0) })).toThrow(/params field 'shape' needs at most 8 value\(s\), got 9/);
  });
});

describe('storage bindings from reflection', () => {
  const source = (body: string) => `
@group(0) @binding(0) var<storage, read_write> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { ${body} }`;

  it('finds what a kernel writes: element and member assignments, compound ones, increments, addresses', () => {
    const cases: [string, boolean][] = [
      ['y[g.x] = x[g.x];', true],
      ['y[min(g.x, arrayLength(&y) - 1u)].z += x[0].x;', true],
      ['y[x[0].x > 1.0 && g.x == 0u].w = 1.0;', true],
      ['let v = y[g.x]; x[0] = v;', false], // y read only (x written)
      ['let n = arrayLength(&y); x[0] = vec4f(f32(n));', false],
      ['x[0] = select(y[0], y[1], y[0].x >= 0.0 || y[1].x == 2.0);', false],
      ['// y[0] = x[0];\n x[0] = x[1];', false], // a comment is not a write
    ];
    for (const [body, written] of cases) {
      expect([body, writtenStorage(source(body), 'y')]).toEqual([body, written]);
    }
  });

  it('refuses a read-only storage binding, naming it and the reason', () => {
    const kernel: Kernel = { name: 'probe-read', source: source('y[0] = x[0];').replace('var<storage, read_write> x', 'var<storage, read> x') };
    expect(() => reflectKernel(kernel)).toThrow(/kernel probe-read: storage binding 'x' is declared read; declare it read_write, as plans bind it/);
    expect(reflectKernel({ name: 'probe-rw', source: source('y[0] = x[0];') }).storage.map((s) => [s.name, s.written])).toEqual([
      ['x', false],
      ['y', true],
    ]);
  });
});
