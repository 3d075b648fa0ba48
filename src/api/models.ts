/**
 * Model sources for the API: a built-in name, a URL (streamed, with progress) or in Node a file
 * path, or the file's bytes. The format is told from the bytes: TFLite flatbuffers carry the
 * identifier "TFL3" at offset 4; a JSON object with a modelTopology is a tfjs graph model's
 * model.json; everything else is parsed as ONNX. A tfjs model read by URL or path has its weight
 * shards read from beside it (the manifest's paths resolved against model.json's URL, as tfjs's
 * loader does). A file that is one of the built-in models (MediaPipe's .tflite passed by URL,
 * say) is recognised by its content and gets the built-in's settings; any other model gets
 * DEFAULT_MODEL_SETTINGS unless told otherwise.
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { importOnnx } from '../import/onnx.js';
import { importTflite } from '../import/tflite.js';
import { importTfjs, isTfjsModelJson, readTfjsModelJson, tfjsWeightPaths } from '../import/tfjs.js';
import { BUILTIN_MODELS, BUILTIN_MODEL_NAMES, recognizeBuiltinModel } from './builtin-models.js';
import { importNodeBuiltin, isNode } from '../core/environment.js';
import { fetchAllWithProgress, type ProgressCallback } from './progress.js';
import { DEFAULT_MODEL_SETTINGS, type ModelSource, type SegmentationModel } from './segmentation-model.js';
import { detectionOutputsOf } from '../segment/instances.js';

/** What a caller may say about a model that is not built in (and, to override, about one that is). */
export interface ModelSettings {
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly output?: SegmentationModel['output'];
  readonly labels?: readonly string[];
}

export function isTfliteBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!) === 'TFL3';
}

/**
 * Bytes to a graph, by format: TFLite files carry "TFL3" at offset 4, the rest is ONNX. A tfjs
 * model.json alone imports only when its manifest names no shards (its weights are elsewhere:
 * load it by URL or path, or call importTfjs with the shards).
 */
export function importModelBytes(bytes: Uint8Array, name: string, onProgress?: ProgressCallback): Graph {
  if (isTfjsModelJson(bytes)) {
    const paths = tfjsWeightPaths(readTfjsModelJson(bytes, name));
    if (paths.length > 0) {
      throw new SegwgpuError(`${name} is a tfjs graph model (model.json) whose weights are in ${paths.join(', ')}: load it by its URL${isNode() ? ' or path' : ''}, so the shards are read from beside it, or call importTfjs(modelJson, shards)`);
    }
    onProgress?.({ phase: 'import', format: 'tfjs', bytes: bytes.length });
    return importTfjs(bytes, [], { name });
  }
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

async function readModelFile(path: string | URL, what: string): Promise<Uint8Array> {
  const { readFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new SegwgpuError(`cannot read ${what} '${path instanceof URL && path.protocol === 'file:' ? decodeURIComponent(path.pathname) : String(path)}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Where a model named by a string or URL is: a file (Node: a path or a file: URL, as a file:
 * URL so that shards resolve beside it) or a URL to fetch (absolute; a relative one against the
 * page's address, as fetch resolves it).
 */
async function locate(source: string | URL): Promise<{ readonly url: URL; readonly file: boolean }> {
  const text = String(source);
  if (isNode() && (source instanceof URL ? source.protocol === 'file:' : !looksLikeUrl(text) || text.startsWith('file:'))) {
    if (source instanceof URL || text.startsWith('file:')) return { url: new URL(text), file: true };
    const { pathToFileURL } = await importNodeBuiltin<typeof import('node:url')>('node:url');
    return { url: pathToFileURL(text), file: true };
  }
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return { url: new URL(text, base), file: false };
  } catch {
    throw new SegwgpuError(`'${text}' is not a URL a model can be fetched from`);
  }
}

/** Reads files by location, reporting download progress over all of them (continuing from `before` bytes); `what` names them in errors. */
async function readAll(urls: readonly URL[], file: boolean, onProgress: ProgressCallback | undefined, what: string, before = 0): Promise<Uint8Array[]> {
  if (!file) return fetchAllWithProgress(urls, onProgress, { what, before });
  const files = await Promise.all(urls.map((u) => readModelFile(u, `${what} file`)));
  const total = before + files.reduce((n, f) => n + f.length, 0);
  onProgress?.({ phase: 'download', loadedBytes: total, totalBytes: total });
  return files;
}

export interface LoadTfjsModelOptions {
  readonly onProgress?: ProgressCallback;
  /** Rank-4 graph inputs and outputs in NHWC (the model's own, default) or NCHW (what a Segmenter takes). */
  readonly layout?: 'nhwc' | 'nchw';
  /** Names the graph and errors; default model.json's folder name. */
  readonly name?: string;
}

/** The shards of a tfjs model.json already read from `url`: fetched or read from beside it, then imported. */
async function importTfjsAt(url: URL, file: boolean, json: Uint8Array, name: string, options: LoadTfjsModelOptions): Promise<Graph> {
  const model = readTfjsModelJson(json, name);
  const shardUrls = tfjsWeightPaths(model).map((p) => new URL(p, url));
  const shards = await readAll(shardUrls, file, options.onProgress, 'weight shard', json.length);
  options.onProgress?.({ phase: 'import', format: 'tfjs', bytes: shards.reduce((n, s) => n + s.length, json.length) });
  return importTfjs(model, shards, { name, layout: options.layout ?? 'nhwc' });
}

/** A name for a model at a URL: its file name, or for a tfjs model.json its folder's ('meet' for .../meet/model.json). */
function modelNameOf(url: URL, tfjs: boolean): string {
  const parts = decodeURIComponent(url.pathname).split('/').filter((p) => p !== '');
  const name = tfjs && parts.length >= 2 && /^model\.json$/i.test(parts.at(-1)!) ? parts.at(-2)! : parts.at(-1);
  return name || 'model';
}

/**
 * A tfjs graph model by the URL (or, in Node, path) of its model.json: model.json, then every
 * shard its manifest names, resolved against model.json's URL and fetched together, with
 * download progress over all of them. Returns the imported graph (see importTfjs).
 */
export async function loadTfjsModel(source: string | URL, options: LoadTfjsModelOptions = {}): Promise<Graph> {
  const { url, file } = await locate(source);
  const [json] = await readAll([url], file, options.onProgress, 'model');
  if (!isTfjsModelJson(json!)) throw new SegwgpuError(`${String(source)} is not a tfjs graph model's model.json`);
  return importTfjsAt(url, file, json!, options.name ?? modelNameOf(url, true), options);
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

/**
 * The SegmentationModel of a source. Model files by URL or path are read here (tfjs model.json
 * with their shards); a tfjs model is imported with NCHW inputs and outputs, the layout the
 * Segmenter's pre- and post-processing work in.
 */
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
    const { url, file } = await locate(source);
    [bytes] = (await readAll([url], file, onProgress, 'model')) as [Uint8Array];
    const tfjs = isTfjsModelJson(bytes);
    name = modelNameOf(url, tfjs);
    if (tfjs) return withSettings(settingsFor(await importTfjsAt(url, file, bytes, name, { onProgress, layout: 'nchw' })), settings);
  } else {
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    onProgress?.({ phase: 'download', loadedBytes: bytes.length, totalBytes: bytes.length });
  }
  const builtin = await recognizeBuiltinModel(bytes);
  if (builtin) return withSettings(await BUILTIN_MODELS[builtin]!.load(onProgress, bytes), settings);
  return withSettings(settingsFor(importModelBytes(bytes, name, onProgress)), settings);
}

/**
 * A model file's defaults: a detection model (torchvision's Mask R-CNN: boxes, labels, scores,
 * masks; src/segment/instances.ts) gives instances and takes pixels / 255 as they are (it
 * normalises inside); any other gets DEFAULT_MODEL_SETTINGS.
 */
function settingsFor(graph: Graph): SegmentationModel {
  if (detectionOutputsOf(graph)) return { graph, mean: [0, 0, 0], std: [1, 1, 1], output: 'instances' };
  return { graph, ...DEFAULT_MODEL_SETTINGS };
}
