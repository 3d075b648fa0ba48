/**
 * Model sources for the API: a built-in name, a URL (streamed, with progress) or in Node a file
 * path, or the file's bytes. The format is told from the bytes: TFLite flatbuffers carry the
 * identifier "TFL3" at offset 4; everything else is parsed as ONNX. A file that is one of the
 * built-in models (MediaPipe's .tflite passed by URL, say) is recognised by its content and gets
 * the built-in's settings; any other model gets DEFAULT_MODEL_SETTINGS unless told otherwise.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { importOnnx } from '../import/onnx.js';
import { importTflite } from '../import/tflite.js';
import { BUILTIN_MODELS, BUILTIN_MODEL_NAMES, recognizeBuiltinModel } from './builtin-models.js';
import { importNodeBuiltin, isNode } from '../core/environment.js';
import { fetchWithProgress, type ProgressCallback } from './progress.js';
import { DEFAULT_MODEL_SETTINGS, type ModelSource, type SegmentationModel } from './segmentation-model.js';

/** What a caller may say about a model that is not built in (and, to override, about one that is). */
export interface ModelSettings {
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly output?: 'logits' | 'probability';
  readonly labels?: readonly string[];
}

export function isTfliteBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) === 'TFL3';
}

/** Bytes to a graph, by format: TFLite files carry "TFL3" at offset 4, the rest is ONNX. */
export function importModelBytes(bytes: Uint8Array, name: string, onProgress?: ProgressCallback): Graph {
  const tflite = isTfliteBytes(bytes);
  onProgress?.({ phase: 'import', format: tflite ? 'tflite' : 'onnx', bytes: bytes.length });
  return tflite ? importTflite(bytes, { name }) : importOnnx(bytes, { name });
}

function isSegmentationModel(source: ModelSource): source is SegmentationModel {
  return typeof source === 'object' && source !== null && 'graph' in source;
}

/** A string with a scheme of two or more letters is a URL; in Node anything else is a file path. */
function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(text);
}

async function readModelFile(path: string | URL): Promise<Uint8Array> {
  const { readFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new SegwgpuError(`cannot read model file '${String(path)}': ${(e as Error).message}`);
  }
}

function withSettings(model: SegmentationModel, settings: ModelSettings): SegmentationModel {
  return {
    ...model,
    ...(settings.mean && { mean: settings.mean }),
    ...(settings.std && { std: settings.std }),
    ...(settings.output && { output: settings.output }),
    ...(settings.labels && { labels: settings.labels }),
  };
}

export async function resolveModel(source: ModelSource, settings: ModelSettings & { readonly onProgress?: ProgressCallback } = {}): Promise<SegmentationModel> {
  const { onProgress } = settings;
  if (isSegmentationModel(source)) return source;
  let bytes: Uint8Array;
  let name = 'model';
  if (typeof source === 'string' && Object.hasOwn(BUILTIN_MODELS, source)) return withSettings(await BUILTIN_MODELS[source]!.load(onProgress), settings);
  if (typeof source === 'string' && !/[./:\\]/.test(source)) {
    throw new SegwgpuError(`unknown built-in model '${source}' (built-in: ${BUILTIN_MODEL_NAMES.join(', ')}); for a model file give its URL${isNode() ? ' or path' : ''}, or its bytes`);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    name = decodeURIComponent(text.split(/[/\\]/).pop() ?? 'model') || 'model';
    const isFile = isNode() && (source instanceof URL ? source.protocol === 'file:' : !looksLikeUrl(text) || text.startsWith('file:'));
    if (isFile) {
      bytes = await readModelFile(source instanceof URL || text.startsWith('file:') ? new URL(text) : text);
      onProgress?.({ phase: 'download', loadedBytes: bytes.length, totalBytes: bytes.length });
    } else {
      bytes = await fetchWithProgress(source, onProgress);
    }
  } else {
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    onProgress?.({ phase: 'download', loadedBytes: bytes.length, totalBytes: bytes.length });
  }
  const builtin = await recognizeBuiltinModel(bytes);
  if (builtin) return withSettings(await BUILTIN_MODELS[builtin]!.load(onProgress, bytes), settings);
  return withSettings({ graph: importModelBytes(bytes, name, onProgress), ...DEFAULT_MODEL_SETTINGS }, settings);
}
