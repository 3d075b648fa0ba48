/** Loading a model file by its format. */
import { basename } from 'node:path';
import { SegwgpuError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { importOnnx } from '../import/onnx.js';
import { readInputFile } from './files.js';

export function loadModelFile(path: string): Graph {
  const bytes = readInputFile(path, 'model file');
  if (/\.onnx$/i.test(path)) return importOnnx(bytes, { name: basename(path) });
  throw new SegwgpuError(`model file '${path}': unknown format (expected a .onnx file)`);
}
