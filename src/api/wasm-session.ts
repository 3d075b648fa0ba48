/**
 * The 'wasm' backend: the same wrapped graph the WebGPU backend plans (model plus pre- and
 * post-processing), written as standard ONNX (src/export/) and run by onnxruntime-web's wasm EP.
 * It is for machines where WebGPU is missing or only a software rasteriser: there ORT's wasm
 * kernels are several times faster than any WebGPU shader (see the README's Backends).
 *
 * The exported graph takes the photo's RGBA bytes as they are (uint8 [H, W, 4]), so a run copies
 * the pixels once, into ORT's heap; the category mask comes out as int32 (a Cast after ArgMax,
 * cheaper in ORT than widening int64 to small ints here).
 */
import { SegwgpuError } from '../core/errors.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { exportSegmentationOnnx } from '../export/onnx-export.js';
import { WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../segment/wrap.js';
import type { OrtInferenceSession, OrtRuntime } from './ort-runtime.js';
import type { ProgressCallback } from './progress.js';
import { pixelsOf, type ImageSource, type RunOutput, type RunRequest, type SessionBackend, type SizedSession } from './session.js';

/** TensorProto.DataType INT32, Cast's `to`. */
const ONNX_INT32 = 6;

/** The wrapped graph with its category mask cast to int32 (ArgMax and Threshold give int64). */
export function withInt32Category(wrapped: Graph): Graph {
  if (!wrapped.outputs.includes(WRAPPED_CATEGORY)) return wrapped;
  const wide = `${WRAPPED_CATEGORY}/int64`;
  const nodes: GraphNode[] = wrapped.nodes.map((n) => (n.outputs.includes(WRAPPED_CATEGORY) ? { ...n, outputs: n.outputs.map((o) => (o === WRAPPED_CATEGORY ? wide : o)) } : n));
  nodes.push({ name: 'post/category-int32', opType: 'Cast', domain: '', inputs: [wide], outputs: [WRAPPED_CATEGORY], attributes: { to: ONNX_INT32 } });
  return { ...wrapped, nodes };
}

class WasmSession implements SizedSession {
  /** ORT runs one call of a session at a time; later calls wait for the earlier ones. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ort: OrtRuntime,
    private readonly session: OrtInferenceSession,
    private readonly graph: Graph,
    readonly width: number,
    readonly height: number,
  ) {}

  get nodes(): readonly { readonly name: string; readonly opType: string }[] {
    return this.graph.nodes.map((n) => ({ name: n.name, opType: n.opType }));
  }

  run(image: ImageSource, request: RunRequest): Promise<RunOutput> {
    if (request.keepOnGpu) return Promise.reject(new SegwgpuError("segment: keepOnGpu needs the 'webgpu' backend; this Segmenter runs on onnxruntime-web's wasm EP"));
    const { width, height } = this;
    const pixels = pixelsOf(image, width, height);
    // A view, not a copy: ORT copies the bytes into its own heap.
    const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, width * height * 4);
    const feeds = { [WRAPPED_IMAGE_INPUT]: new this.ort.Tensor('uint8', bytes, [height, width, 4]) };
    const result = this.queue.then(async () => {
      const out = await this.session.run(feeds);
      return {
        confidence: out[WRAPPED_CONFIDENCE]?.data as Float32Array | undefined,
        category: out[WRAPPED_CATEGORY]?.data as Int32Array | undefined,
      };
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  destroy(): void {
    void this.queue.then(() => this.session.release()).catch(() => undefined);
  }
}

export class WasmBackend implements SessionBackend {
  readonly name = 'wasm' as const;
  readonly canProfile = false;

  constructor(private readonly ort: OrtRuntime) {}

  get adapterName(): string {
    const threads = this.ort.env.wasm.numThreads;
    return `onnxruntime-web ${this.ort.env.versions?.web ?? ''} wasm EP, ${threads ?? 'default'} thread${threads === 1 ? '' : 's'}`.replace('  ', ' ');
  }

  /** ORT takes the pixels as they are: rows not padded. */
  rowWords(width: number): number {
    return width;
  }

  async createSession(wrapped: Graph, width: number, height: number, onProgress?: ProgressCallback): Promise<SizedSession> {
    const graph = withInt32Category(wrapped);
    // Exported before any of segwgpu's own fusions: ORT makes its own.
    const bytes = exportSegmentationOnnx(graph);
    onProgress?.({ phase: 'compile', width, height, compiled: 0, total: 1 });
    const session = await this.ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    onProgress?.({ phase: 'compile', width, height, compiled: 1, total: 1 });
    return new WasmSession(this.ort, session, graph, width, height);
  }

  close(): void {}
}
