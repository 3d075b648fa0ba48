/**
 * The CPU-reference backend: the very graph the WebGPU backend plans (the model wrapped for the
 * image size), run node by node by the ops' plain-TS references. Slow (seconds) and obviously
 * correct: the yardstick `validate` and the demo's "validate" switch compare the GPU with. It runs
 * anywhere, a Web Worker included, and needs no GPU.
 */
import { SegwgpuError } from '../core/errors.js';
import type { NodeTiming } from '../exec/gpu.js';
import { runGraphCpu } from '../exec/cpu.js';
import type { Graph } from '../ir/graph.js';
import { WRAPPED_CATEGORY, WRAPPED_CONFIDENCE, WRAPPED_IMAGE_INPUT } from '../segment/wrap.js';
import { packRgba } from '../segment/pack.js';
import { pixelsOf, type ImageSource, type RunOutput, type RunRequest, type SessionBackend, type SizedSession } from './session.js';

class CpuSession implements SizedSession {
  constructor(
    private readonly graph: Graph,
    readonly width: number,
    readonly height: number,
  ) {}

  get nodes(): readonly { readonly name: string; readonly opType: string }[] {
    return this.graph.nodes.map((n) => ({ name: n.name, opType: n.opType }));
  }

  async run(image: ImageSource, request: RunRequest): Promise<RunOutput> {
    if (request.keepOnGpu) throw new SegwgpuError("segment: keepOnGpu needs the 'webgpu' backend; this Segmenter runs the CPU reference");
    const { width, height } = this;
    const rowWords = this.graph.inputs[0]!.shape[1] as number;
    const timings: NodeTiming[] | undefined = request.profile ? [] : undefined;
    const outputs = runGraphCpu(this.graph, { [WRAPPED_IMAGE_INPUT]: packRgba(pixelsOf(image, width, height), width, height, rowWords) }, {
      onNodeRun: timings && ((node, ms) => timings.push({ node: node.name, opType: node.opType, ms })),
    });
    const category = outputs[WRAPPED_CATEGORY];
    return {
      confidence: outputs[WRAPPED_CONFIDENCE]?.data as Float32Array | undefined,
      // The reference widens indices to int64 as ONNX declares them; the masks need small ints.
      category: category && Int32Array.from(category.data as BigInt64Array, Number),
      timings,
    };
  }

  destroy(): void {}
}

export class CpuBackend implements SessionBackend {
  readonly name = 'cpu' as const;
  readonly adapterName = 'cpu reference';
  readonly canProfile = true;

  async createSession(wrapped: Graph, width: number, height: number): Promise<SizedSession> {
    return new CpuSession(wrapped, width, height);
  }

  close(): void {}
}
