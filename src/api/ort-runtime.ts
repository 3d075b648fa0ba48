/**
 * onnxruntime-web, the engine behind the 'wasm' backend: an optional peer dependency, loaded only
 * when that backend is asked for (or chosen by 'auto'). segwgpu writes no wasm kernels of its own:
 * ORT's wasm EP is a well-kept engine, and the model reaches it as the ONNX that src/export/ writes.
 *
 * Only the few members segwgpu calls are typed here, so the package's types do not depend on
 * onnxruntime-web's: any of its builds fits (`onnxruntime-web`, `onnxruntime-web/wasm`, ...).
 */
import { SegwgpuError } from '../core/errors.js';

export type OrtTensorType = 'float32' | 'int32' | 'int64' | 'uint8' | 'int8';

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

export interface OrtInferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The part of onnxruntime-web's module that segwgpu uses. */
export interface OrtRuntime {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: { executionProviders?: readonly string[]; graphOptimizationLevel?: string }): Promise<OrtInferenceSession>;
  };
  readonly Tensor: new (type: OrtTensorType, data: Uint8Array | Int8Array | Int32Array | Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  readonly env: { readonly versions?: { readonly web?: string }; readonly wasm: { numThreads?: number } };
}

const INSTALL_HELP =
  "the 'wasm' backend runs on onnxruntime-web, an optional peer dependency: npm install onnxruntime-web" +
  " (in a browser, or where a bundler cannot see a dynamic import, pass the module itself: Segmenter.create({ backend: 'wasm', ort: await import('onnxruntime-web/wasm') }))";

/** Whether a value looks like onnxruntime-web's module (its default export counts too). */
function asRuntime(module: unknown): OrtRuntime | undefined {
  for (const candidate of [module, (module as { default?: unknown } | undefined)?.default]) {
    const m = candidate as Partial<OrtRuntime> | undefined;
    if (m && typeof m.InferenceSession?.create === 'function' && typeof m.Tensor === 'function' && m.env?.wasm) return m as OrtRuntime;
  }
  return undefined;
}

let loading: Promise<OrtRuntime> | undefined;

/**
 * The runtime given, or `import('onnxruntime-web')` once per process. The specifier is a runtime
 * value so bundlers building segwgpu into an app that does not use the wasm backend neither
 * resolve nor bundle it (an app that does passes `ort`, or has an import map).
 */
export function loadOrtRuntime(given?: unknown): Promise<OrtRuntime> {
  if (given !== undefined) {
    const runtime = asRuntime(given);
    return runtime ? Promise.resolve(runtime) : Promise.reject(new SegwgpuError(`Segmenter.create: option 'ort' is not onnxruntime-web's module (it has no InferenceSession.create, Tensor and env.wasm); ${INSTALL_HELP}`));
  }
  loading ??= (async () => {
    const specifier: string = 'onnxruntime-web';
    let module: unknown;
    try {
      module = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
    } catch (e) {
      loading = undefined;
      const why = (e as Error).message.split('\n')[0];
      throw new SegwgpuError(`cannot load onnxruntime-web (${why}); ${INSTALL_HELP}`);
    }
    const runtime = asRuntime(module);
    if (!runtime) {
      loading = undefined;
      throw new SegwgpuError(`the module 'onnxruntime-web' resolved here is not onnxruntime-web's (no InferenceSession.create); ${INSTALL_HELP}`);
    }
    return runtime;
  })();
  return loading;
}
