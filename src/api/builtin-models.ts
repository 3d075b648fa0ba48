/**
 * Models segwgpu knows by name. 'selfie' and 'selfie-landscape' are MediaPipe's pretrained selfie
 * segmenters (Apache-2.0), shipped as TFLite files inside the npm package
 * @mediapipe/selfie_segmentation: a person probability at 256x256 and 144x256. The others are
 * built in TS with seeded random weights (they exercise the pipeline, not a real task).
 */
import { SegwgpuError } from '../errors.js';
import { BUILTIN_MODELS as BUILT_GRAPHS } from '../builders/builtin.js';
import { importTflite } from '../import/tflite.js';
import { fetchWithProgress, type ProgressCallback, type SegmentationModel } from './models.js';

export interface BuiltinModel {
  readonly describe: string;
  load(onProgress?: ProgressCallback): Promise<SegmentationModel>;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const };

/**
 * Reads a bundled file: from disk under Node (file: URLs), by fetch in a browser, where the
 * bundler has emitted it as an asset next to the code.
 */
export async function loadBundledFile(url: URL, onProgress?: ProgressCallback): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    try {
      const bytes = new Uint8Array(await readFile(url));
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    } catch (e) {
      throw new SegwgpuError(`cannot read bundled model ${url.pathname}: ${(e as Error).message} (run npm ci: it comes from @mediapipe/selfie_segmentation)`);
    }
  }
  return fetchWithProgress(url, onProgress);
}

function mediapipeSelfie(file: string, describe: string, name: string): BuiltinModel {
  return {
    describe,
    async load(onProgress) {
      // A literal `new URL(..., import.meta.url)` so bundlers (vite) emit the file as an asset;
      // `?no-inline` because vite's library mode would otherwise inline it as base64 (+660 KB).
      const url =
        file === 'selfie_segmentation.tflite'
          ? new URL('../../node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite?no-inline', import.meta.url)
          : new URL('../../node_modules/@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite?no-inline', import.meta.url);
      const bytes = await loadBundledFile(url, onProgress);
      // MediaPipe feeds these models RGB in [0, 1] (its graph's output_tensor_float_range {0, 1}).
      return { graph: importTflite(bytes, { name }), mean: [0, 0, 0], std: [1, 1, 1], output: 'probability', labels: ['background', 'person'] };
    },
  };
}

export const BUILTIN_MODELS: Readonly<Record<string, BuiltinModel>> = {
  selfie: mediapipeSelfie('selfie_segmentation.tflite', "MediaPipe selfie segmentation (general, 256x256 input), pretrained", 'selfie'),
  'selfie-landscape': mediapipeSelfie('selfie_segmentation_landscape.tflite', 'MediaPipe selfie segmentation (landscape, 144x256 input), pretrained', 'selfie-landscape'),
  ...Object.fromEntries(
    Object.entries(BUILT_GRAPHS).map(([name, m]) => [
      name,
      { describe: m.describe, load: async (onProgress?: ProgressCallback) => (onProgress?.(1, 1), { graph: m.build(), ...IMAGENET, output: 'logits' as const }) },
    ]),
  ),
};

export const DEFAULT_MODEL = 'selfie';
