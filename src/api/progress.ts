/**
 * What a Segmenter reports while it gets ready: the model file's download, its import, the
 * compilation of each plan's GPU pipelines and the plan's first run; and, for an image run in
 * overlap tiles, each tile as it is done. Downloads report bytes as
 * they arrive; compilation reports each pipeline as the driver finishes it (k of n), so a
 * progress bar over the long phase (seconds on a software adapter) is a real one.
 */
import { SegwgpuError } from '../core/errors.js';

export type SegmenterProgress =
  /**
   * The model file: bytes so far, and the total when the server says it (content-length). A
   * tfjs graph model is model.json then its weight shards: the counts go on across the shards
   * (fetched together), and the total covers them once every server has said its size.
   */
  | { readonly phase: 'download'; readonly loadedBytes: number; readonly totalBytes: number | undefined }
  /** Parsing the model into segwgpu's graph (ONNX or TFLite, told by its bytes; tfjs: model.json and its shards). */
  | { readonly phase: 'import'; readonly format: 'onnx' | 'tflite' | 'tfjs' | 'built-in'; readonly bytes: number }
  /**
   * A plan for one image size: its GPU pipelines not compiled on this device yet (pipelines
   * other plans compiled are shared), `compiled` of `total` done; the first event is 0 of total.
   */
  | { readonly phase: 'compile'; readonly width: number; readonly height: number; readonly compiled: number; readonly total: number }
  /** A plan's first run (constant uploads, first dispatch of every pipeline) begins. */
  | { readonly phase: 'first-run'; readonly width: number; readonly height: number }
  /**
   * Overlap-tile inference of an image too large for one plan (SegmenterOptions.tile): tile
   * `index` of `total` of the width x height image is done (index from 1). The tiles' plans
   * report their own 'compile' and 'first-run' at the tile's size.
   */
  | { readonly phase: 'tile'; readonly width: number; readonly height: number; readonly index: number; readonly total: number };

export type ProgressCallback = (progress: SegmenterProgress) => void;

/** Streams a URL, reporting the bytes as chunks arrive. */
export async function fetchWithProgress(url: string | URL, onProgress?: ProgressCallback): Promise<Uint8Array> {
  return (await fetchAllWithProgress([url], onProgress, { what: 'model' }))[0]!;
}

export interface FetchAllOptions {
  /** What the files are, for errors ('model', 'weight shard'). */
  readonly what: string;
  /** Bytes reported before these files (model.json before its shards): the counts go on from there. */
  readonly before?: number;
}

async function open(url: string | URL, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new SegwgpuError(`cannot fetch ${what} ${String(url)}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new SegwgpuError(`cannot fetch ${what} ${String(url)}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

async function readBody(response: Response, onChunk: (bytes: number) => void): Promise<Uint8Array> {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.length);
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
    onChunk(value.length);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * Fetches several URLs at once (a tfjs model's shards, as tfjs fetches them), reporting the bytes
 * of all of them together as chunks arrive; the total is known when every response says its size.
 */
export async function fetchAllWithProgress(urls: readonly (string | URL)[], onProgress: ProgressCallback | undefined, options: FetchAllOptions): Promise<Uint8Array[]> {
  const responses = await Promise.all(urls.map((url) => open(url, options.what)));
  const before = options.before ?? 0;
  const sizes = responses.map((r) => Number(r.headers.get('content-length')) || undefined);
  const totalBytes = sizes.every((s) => s !== undefined) ? before + sizes.reduce((a, b) => a! + b!, 0)! : undefined;
  let loaded = before;
  const report = (bytes: number) => {
    loaded += bytes;
    onProgress?.({ phase: 'download', loadedBytes: loaded, totalBytes });
  };
  return Promise.all(responses.map((r) => readBody(r, report)));
}
