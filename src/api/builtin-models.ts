/**
 * Models segwgpu knows by name. 'selfie' (the default) and 'selfie-landscape' are MediaPipe's
 * pretrained selfie segmenters (Apache-2.0, from the npm package @mediapipe/selfie_segmentation):
 * a person probability at 256x256 and 144x256. The others are built in TS with seeded random
 * weights (they exercise the pipeline, not a real task).
 *
 * The two .tflite files are imported as `?inline` modules: the library build turns each into a
 * JavaScript module of its own holding the bytes (base64), loaded by a dynamic import only when
 * the model is used. Unlike an asset URL, a module resolves the same way in Node, under every
 * bundler with its default configuration (vite dev pre-bundles dependencies into another folder,
 * which breaks asset URLs relative to the module; esbuild copies no assets) and from a plain
 * `<script type="module">`, wherever npm put the package.
 */
import { importTflite } from '../import/tflite.js';
import { BUILT_GRAPHS } from '../builders/builtin.js';
import { bytesOfDataUrl } from '../core/environment.js';
import type { ProgressCallback } from './progress.js';
import type { SegmentationModel } from './segmentation-model.js';

export interface BuiltinModel {
  readonly describe: string;
  /** A built-in that is a model file: its size and bytes, to recognise it when passed as bytes. */
  readonly file?: { readonly bytes: number; readonly load: () => Promise<Uint8Array> };
  /** The model with its settings; a given file's bytes (already known to be this model) skip the load. */
  load(onProgress?: ProgressCallback, fileBytes?: Uint8Array): Promise<SegmentationModel>;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

// One literal dynamic import per file, so that bundlers split each into its own chunk.
const selfieFiles = {
  general: {
    bytes: 249024,
    load: async () => bytesOfDataUrl((await import('@mediapipe/selfie_segmentation/selfie_segmentation.tflite?inline')).default),
  },
  landscape: {
    bytes: 249792,
    load: async () => bytesOfDataUrl((await import('@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite?inline')).default),
  },
};

function mediapipeSelfie(name: string, file: NonNullable<BuiltinModel['file']>, describe: string): BuiltinModel {
  return {
    describe,
    file,
    async load(onProgress, fileBytes) {
      const bytes = fileBytes ?? (await file.load());
      if (!fileBytes) onProgress?.({ phase: 'download', loadedBytes: bytes.length, totalBytes: bytes.length });
      onProgress?.({ phase: 'import', format: 'tflite', bytes: bytes.length });
      // MediaPipe feeds these models RGB in [0, 1] (its graph's output_tensor_float_range {0, 1});
      // their one output channel is the person probability.
      return { graph: importTflite(bytes, { name }), mean: [0, 0, 0], std: [1, 1, 1], output: 'probability', labels: ['background', 'person'], builtin: name };
    },
  };
}

export const BUILTIN_MODELS: Readonly<Record<string, BuiltinModel>> = {
  selfie: mediapipeSelfie('selfie', selfieFiles.general, 'MediaPipe selfie segmentation (general, 256x256 input), pretrained'),
  'selfie-landscape': mediapipeSelfie('selfie-landscape', selfieFiles.landscape, 'MediaPipe selfie segmentation (landscape, 144x256 input), pretrained'),
  ...Object.fromEntries(
    Object.entries(BUILT_GRAPHS).map(([name, m]): [string, BuiltinModel] => [
      name,
      {
        describe: m.describe,
        load: async (onProgress) => {
          onProgress?.({ phase: 'import', format: 'built-in', bytes: 0 });
          return { graph: m.build(), ...IMAGENET, output: 'logits', builtin: name };
        },
      },
    ]),
  ),
};

export const DEFAULT_MODEL = 'selfie';

export const BUILTIN_MODEL_NAMES: readonly string[] = Object.keys(BUILTIN_MODELS);

/**
 * The built-in model whose file these bytes are, if any: sizes first (cheap), then the bytes
 * themselves, so a copy of MediaPipe's .tflite passed by URL, path or bytes gets the built-in's
 * normalisation, output kind and labels instead of the defaults for unknown models.
 */
export async function recognizeBuiltinModel(bytes: Uint8Array): Promise<string | undefined> {
  for (const [name, model] of Object.entries(BUILTIN_MODELS)) {
    if (!model.file || model.file.bytes !== bytes.length) continue;
    const known = await model.file.load();
    if (known.length === bytes.length && known.every((b, i) => b === bytes[i])) return name;
  }
  return undefined;
}
