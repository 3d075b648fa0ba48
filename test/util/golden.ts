/**
 * PyTorch golden fixtures (test/fixtures/golden/ops/*.json, written by scripts/make_golden_ops.py)
 * as OpCases: the ONNX node (op type, attributes, inputs in ONNX order) and PyTorch's outputs as
 * `expected`, with the tolerance the fixture states for both comparisons.
 *
 * JSON comes in through static imports and base64 is decoded with atob, so the same module runs
 * under vitest in Node and inside a vite bundle in Chromium (no fs, no Buffer).
 */
import type { AttributeValue, Attributes } from '../../src/ir/attributes.js';
import { sizeOf, type Tensor } from '../../src/core/tensor.js';
import type { OpCase } from './cases.js';
import type { Tolerance } from './compare.js';
import activations from '../fixtures/golden/ops/activations.json';
import argmax from '../fixtures/golden/ops/argmax.json';
import averagePool from '../fixtures/golden/ops/averagePool.json';
import batchNormalization from '../fixtures/golden/ops/batchNormalization.json';
import binary from '../fixtures/golden/ops/binary.json';
import concat from '../fixtures/golden/ops/concat.json';
import conv from '../fixtures/golden/ops/conv.json';
import convTranspose from '../fixtures/golden/ops/convTranspose.json';
import maxPool from '../fixtures/golden/ops/maxPool.json';
import maxUnpool from '../fixtures/golden/ops/maxUnpool.json';
import pad from '../fixtures/golden/ops/pad.json';
import resize from '../fixtures/golden/ops/resize.json';
import roiAlign from '../fixtures/golden/ops/roiAlign.json';
import slice from '../fixtures/golden/ops/slice.json';
import softmax from '../fixtures/golden/ops/softmax.json';

/** One tensor as stored: little-endian float32 or int64, base64. */
export interface GoldenTensor {
  readonly dtype: 'float32' | 'int64';
  readonly shape: readonly number[];
  readonly data: string;
}

export interface GoldenCase {
  readonly name: string;
  readonly opType: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** ONNX input order; null for an omitted optional input. */
  readonly inputs: readonly (GoldenTensor | null)[];
  readonly outputs: readonly GoldenTensor[];
  readonly tolerance: Tolerance;
  /** The PyTorch call that produced the outputs, for readers. */
  readonly torch: string;
}

export interface GoldenFixture {
  readonly generator: string;
  readonly torch: string;
  readonly torchvision: string;
  readonly opset: number;
  readonly cases: readonly GoldenCase[];
}

/** The raw fixtures by family key (the file's base name). */
export const goldenFixtures: Readonly<Record<string, GoldenFixture>> = Object.fromEntries(
  Object.entries({
    activations, argmax, averagePool, batchNormalization, binary, concat, conv, convTranspose, maxPool,
    maxUnpool, pad, resize, roiAlign, slice, softmax,
  } as Record<string, unknown>).map(([family, json]) => [family, checkFixture(family, json)]),
);

function fail(where: string, why: string): never {
  throw new Error(`golden fixture ${where}: ${why}`);
}

/** A light structural check, so a hand-edited or truncated file fails with its name, not later. */
function checkFixture(family: string, json: unknown): GoldenFixture {
  const f = json as GoldenFixture;
  if (typeof f !== 'object' || f === null || !Array.isArray(f.cases)) fail(family, 'has no cases array');
  if (f.cases.length === 0) fail(family, 'has no cases');
  for (const c of f.cases) {
    const where = `${family} / ${String(c?.name)}`;
    if (typeof c.name !== 'string' || typeof c.opType !== 'string') fail(where, 'needs name and opType');
    if (typeof c.attributes !== 'object' || c.attributes === null) fail(where, 'needs an attributes object');
    if (!Array.isArray(c.inputs) || !Array.isArray(c.outputs) || c.outputs.length === 0) fail(where, 'needs inputs and outputs');
    if (typeof c.tolerance?.atol !== 'number' || typeof c.tolerance?.rtol !== 'number') fail(where, 'needs tolerance {atol, rtol}');
    for (const t of [...c.inputs, ...c.outputs]) {
      if (t === null) continue;
      if (t.dtype !== 'float32' && t.dtype !== 'int64') fail(where, `has a tensor of dtype ${String(t.dtype)}`);
      if (!Array.isArray(t.shape) || typeof t.data !== 'string') fail(where, 'has a tensor without shape or data');
    }
  }
  return f;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decodes one stored tensor; little-endian whatever the platform. */
export function decodeGoldenTensor(t: GoldenTensor, where = 'tensor'): Tensor {
  const bytes = base64Bytes(t.data);
  const n = sizeOf(t.shape);
  const width = t.dtype === 'float32' ? 4 : 8;
  if (bytes.length !== n * width) {
    fail(where, `shape [${t.shape.join('x')}] (${t.dtype}) needs ${n * width} bytes, the data holds ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (t.dtype === 'float32') {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    return { dtype: 'float32', shape: [...t.shape], data };
  }
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getBigInt64(8 * i, true);
  return { dtype: 'int64', shape: [...t.shape], data };
}

/** One fixture case as an OpCase: GPU vs CPU reference and both vs PyTorch, at the stated tolerance. */
export function goldenOpCase(family: string, c: GoldenCase): OpCase {
  const where = `${family} / ${c.name}`;
  return {
    name: c.name.startsWith(c.opType) ? c.name : `${c.opType} ${c.name}`,
    call: {
      opType: c.opType,
      name: `golden_${family}`,
      attributes: c.attributes as Attributes,
      inputs: c.inputs.map((t, i) => (t === null ? undefined : decodeGoldenTensor(t, `${where} input ${i}`))),
    },
    tolerance: c.tolerance,
    expected: c.outputs.map((t, i) => decodeGoldenTensor(t, `${where} output ${i}`)),
    expectedTolerance: c.tolerance,
  };
}

/** Every golden case, grouped by family key (conv, maxPool, resize...). */
export function goldenCaseFamilies(): Record<string, OpCase[]> {
  return Object.fromEntries(
    Object.entries(goldenFixtures).map(([family, f]) => [family, f.cases.map((c) => goldenOpCase(family, c))]),
  );
}

/** Every golden case of every family (or of one family), in file order. */
export function goldenCases(family?: string): OpCase[] {
  const families = goldenCaseFamilies();
  if (family !== undefined) {
    if (!(family in families)) throw new Error(`no golden fixture family '${family}' (have ${Object.keys(families).join(', ')})`);
    return families[family];
  }
  return Object.values(families).flat();
}
