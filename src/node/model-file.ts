/** Loading a model file: ONNX or TFLite, told apart by the bytes (TFLite carries "TFL3"). */
import { basename } from 'node:path';
import type { Graph } from '../ir/graph.js';
import { importModelBytes } from '../api/models.js';
import { readInputFile } from './files.js';

export function loadModelFile(path: string): Graph {
  return importModelBytes(readInputFile(path, 'model file'), basename(path));
}
