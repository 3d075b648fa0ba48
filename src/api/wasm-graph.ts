/**
 * Any graph (not only a segmentation model) on onnxruntime-web's wasm EP, through the ONNX export:
 * `segwgpu run --backend wasm`, and the tests that hold the three backends to one another.
 */
import { SegwgpuError } from '../core/errors.js';
import { sizeOf, type Tensor } from '../core/tensor.js';
import type { Graph } from '../ir/graph.js';
import { exportOnnxModel, type ExportedValue } from '../export/onnx-export.js';
import { loadOrtRuntime, type OrtRuntime, type OrtTensor } from './ort-runtime.js';

export interface WasmGraphRun {
  readonly outputs: Record<string, Tensor>;
  /** What ran it: onnxruntime-web's version and threads. */
  readonly engine: string;
  readonly sessionMs: number;
  readonly runMs: number;
}

/**
 * An input as the exported model declares it: its IR dtype, or for a quantized input (int32 in the
 * IR) the uint8 / int8 the model takes, each value checked to fit.
 */
function toOrt(ort: OrtRuntime, t: Tensor, declared: ExportedValue): OrtTensor {
  if (declared.type === 'uint8' || declared.type === 'int8') {
    const [lo, hi] = declared.type === 'uint8' ? [0, 255] : [-128, 127];
    const values = t.data as ArrayLike<number | bigint>;
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Number(values[i]);
      if (!(v >= lo && v <= hi)) throw new SegwgpuError(`run --backend wasm: input '${declared.name}' is ${declared.type} in the exported model, and holds ${v} at flat index ${i}`);
      bytes[i] = v & 0xff;
    }
    // ORT takes int8 data as an Int8Array: the same bytes.
    return new ort.Tensor(declared.type, declared.type === 'int8' ? new Int8Array(bytes.buffer) : bytes, [...t.shape]);
  }
  return new ort.Tensor(t.dtype, t.data as Float32Array | Int32Array | BigInt64Array, [...t.shape]);
}

/** ORT's outputs as segwgpu tensors; booleans and bytes widen to int32, as the importer reads them. */
function fromOrt(name: string, t: OrtTensor): Tensor {
  const shape = [...t.dims];
  switch (t.type) {
    case 'float32':
      return { dtype: 'float32', shape, data: t.data as Float32Array };
    case 'int32':
      return { dtype: 'int32', shape, data: t.data as Int32Array };
    case 'int64':
      return { dtype: 'int64', shape, data: t.data as BigInt64Array };
    case 'bool':
    case 'uint8':
    case 'int8':
      return { dtype: 'int32', shape, data: Int32Array.from(t.data as ArrayLike<number>, Number) };
    default:
      throw new SegwgpuError(`run --backend wasm: output '${name}' came back as ${t.type}, which segwgpu has no tensor type for`);
  }
}

export async function runGraphWasm(graph: Graph, inputs: Readonly<Record<string, Tensor>>, options: { readonly ort?: unknown } = {}): Promise<WasmGraphRun> {
  // Export first: a graph that cannot be written as ONNX fails before ORT is even loaded.
  const { bytes, inputs: declared } = exportOnnxModel(graph);
  const ort = await loadOrtRuntime(options.ort);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    const t1 = performance.now();
    const feeds: Record<string, OrtTensor> = {};
    for (const input of declared) {
      const t = inputs[input.name];
      if (!t) throw new SegwgpuError(`run --backend wasm: no value for input '${input.name}'`);
      feeds[input.name] = toOrt(ort, t, input);
    }
    const out = await session.run(feeds);
    const t2 = performance.now();
    const outputs: Record<string, Tensor> = {};
    for (const name of graph.outputs) {
      const t = out[name];
      if (!t) throw new SegwgpuError(`run --backend wasm: onnxruntime-web returned no output '${name}'`);
      const tensor = fromOrt(name, t);
      if (sizeOf(tensor.shape) !== (tensor.data as ArrayLike<unknown>).length) throw new SegwgpuError(`run --backend wasm: output '${name}' has ${(tensor.data as ArrayLike<unknown>).length} values for shape [${tensor.shape.join('x')}]`);
      outputs[name] = tensor;
    }
    const threads = ort.env.wasm.numThreads;
    return { outputs, engine: `onnxruntime-web ${ort.env.versions?.web ?? ''} wasm EP, ${threads ?? 'default'} thread(s)`, sessionMs: t1 - t0, runMs: t2 - t1 };
  } finally {
    await session.release();
  }
}
