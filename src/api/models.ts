/**
 * Model sources for the API: a built-in name, a URL (streamed, with progress), or bytes. The
 * format is told from the bytes: TFLite flatbuffers carry the identifier "TFL3" at offset 4;
 * everything else is parsed as ONNX.
 */
import { SegwgpuError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { importOnnx } from '../import/onnx.js';
import { importTflite } from '../import/tflite.js';
import { BUILTIN_MODELS } from './builtin-models.js';

/** What the segmentation wrapper needs to know about a model besides its graph. */
export interface SegmentationModel {
  readonly graph: Graph;
  /** Per-channel mean/std applied to pixels scaled to [0, 1]. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly output: 'logits' | 'probability';
  readonly labels?: readonly string[];
}

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | SegmentationModel;

export type ProgressCallback = (loadedBytes: number, totalBytes: number | undefined) => void;

const IMAGENET = { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const };

/** Bytes to a graph, by format: TFLite files carry "TFL3" at offset 4, the rest is ONNX. */
export function importModelBytes(bytes: Uint8Array, name: string): Graph {
  const isTflite = bytes.length >= 8 && String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]) === 'TFL3';
  return isTflite ? importTflite(bytes, { name }) : importOnnx(bytes, { name });
}

/** Streams a URL, reporting progress as chunks arrive. */
export async function fetchWithProgress(url: string | URL, onProgress?: ProgressCallback): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new SegwgpuError(`cannot fetch model ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new SegwgpuError(`cannot fetch model ${url}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length')) || undefined;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.length, total);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

function isSegmentationModel(source: ModelSource): source is SegmentationModel {
  return typeof source === 'object' && source !== null && 'graph' in source;
}

export async function resolveModel(source: ModelSource, options: { onProgress?: ProgressCallback; mean?: readonly [number, number, number]; std?: readonly [number, number, number]; output?: 'logits' | 'probability' } = {}): Promise<SegmentationModel> {
  if (isSegmentationModel(source)) return source;
  const describe = (graph: Graph): SegmentationModel => ({ graph, mean: options.mean ?? IMAGENET.mean, std: options.std ?? IMAGENET.std, output: options.output ?? 'logits' });
  if (typeof source === 'string' && BUILTIN_MODELS[source]) return BUILTIN_MODELS[source].load(options.onProgress);
  if (typeof source === 'string' && !/[./:]/.test(source)) {
    throw new SegwgpuError(`unknown built-in model '${source}' (built-in: ${Object.keys(BUILTIN_MODELS).join(', ')}); pass a URL or the model's bytes for other models`);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const bytes = await fetchWithProgress(source, options.onProgress);
    return describe(importModelBytes(bytes, String(source).split('/').pop() ?? 'model'));
  }
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  options.onProgress?.(bytes.length, bytes.length);
  return describe(importModelBytes(bytes, 'model'));
}
