/**
 * What a Segmenter reports while it gets ready: the model file's download, its import, the
 * compilation of each plan's GPU pipelines and the plan's first run. Downloads report bytes as
 * they arrive; compilation reports each pipeline as the driver finishes it (k of n), so a
 * progress bar over the long phase (seconds on a software adapter) is a real one.
 */
import { SegwgpuError } from '../core/errors.js';

export type SegmenterProgress =
  /** The model file: bytes so far, and the total when the server says it (content-length). */
  | { readonly phase: 'download'; readonly loadedBytes: number; readonly totalBytes: number | undefined }
  /** Parsing the model file into segwgpu's graph (ONNX or TFLite, told by its bytes). */
  | { readonly phase: 'import'; readonly format: 'onnx' | 'tflite' | 'built-in'; readonly bytes: number }
  /**
   * A plan for one image size: its GPU pipelines not compiled on this device yet (pipelines
   * other plans compiled are shared), `compiled` of `total` done; the first event is 0 of total.
   */
  | { readonly phase: 'compile'; readonly width: number; readonly height: number; readonly compiled: number; readonly total: number }
  /** A plan's first run (constant uploads, first dispatch of every pipeline) begins. */
  | { readonly phase: 'first-run'; readonly width: number; readonly height: number };

export type ProgressCallback = (progress: SegmenterProgress) => void;

/** Streams a URL, reporting the bytes as chunks arrive. */
export async function fetchWithProgress(url: string | URL, onProgress?: ProgressCallback): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new SegwgpuError(`cannot fetch model ${String(url)}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new SegwgpuError(`cannot fetch model ${String(url)}: HTTP ${response.status} ${response.statusText}`);
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ phase: 'download', loadedBytes: bytes.length, totalBytes });
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
    onProgress?.({ phase: 'download', loadedBytes: loaded, totalBytes });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}
