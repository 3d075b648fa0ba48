/**
 * A model the CLI names: a built-in model's name, or a model file (ONNX or TFLite, told apart by
 * its bytes: TFLite carries "TFL3").
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { BUILTIN_MODELS, BUILTIN_MODEL_NAMES } from '../api/builtin-models.js';
import { importModelBytes } from '../api/models.js';
import { readInputFile } from './files.js';

export function loadModelFile(path: string): Graph {
  return importModelBytes(readInputFile(path, 'model file'), basename(path));
}

/** Is this the name of a built-in model rather than a file? (A file of that name wins.) */
export function isBuiltinModelName(source: string): boolean {
  return Object.hasOwn(BUILTIN_MODELS, source) && !existsSync(source);
}

/** The graph of a built-in model by name, or of a model file by path. */
export async function loadModel(source: string): Promise<Graph> {
  if (isBuiltinModelName(source)) return (await BUILTIN_MODELS[source]!.load()).graph;
  if (!existsSync(source)) throw new SegwgpuError(`'${source}' is neither a model file nor a built-in model (built-in: ${BUILTIN_MODEL_NAMES.join(', ')})`);
  return loadModelFile(source);
}
