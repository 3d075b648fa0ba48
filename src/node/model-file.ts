/**
 * A model the CLI names: a built-in model's name, or a model file (ONNX or TFLite, told apart by
 * its bytes: TFLite carries "TFL3"; or a tfjs graph model's model.json, whose weight shards are
 * read from the same folder, as its manifest names them). Models keep their own interface: a
 * tfjs model's inputs and outputs stay NHWC as the model declares them.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SegwgpuError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import { BUILTIN_MODELS, BUILTIN_MODEL_NAMES } from '../api/builtin-models.js';
import { importModelBytes } from '../api/models.js';
import { importTfjs, isTfjsModelJson, readTfjsModelJson, tfjsWeightPaths } from '../import/tfjs.js';
import { readInputFile } from './files.js';

/** 'meet' for external/vladmandic/meet/model.json: model.json names the format, its folder the model. */
function tfjsModelName(path: string): string {
  return /^model\.json$/i.test(basename(path)) && basename(dirname(path)) !== '.' ? basename(dirname(path)) : basename(path);
}

export function loadModelFile(path: string): Graph {
  const bytes = readInputFile(path, 'model file');
  if (!isTfjsModelJson(bytes)) return importModelBytes(bytes, basename(path));
  const name = tfjsModelName(path);
  const model = readTfjsModelJson(bytes, name);
  const shards = tfjsWeightPaths(model).map((shard) => readInputFile(join(dirname(path), shard), `weight shard of ${path}`));
  return importTfjs(model, shards, { name });
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
