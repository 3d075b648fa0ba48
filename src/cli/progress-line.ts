/**
 * The CLI's progress line: one line on stderr, rewritten in place while the long phases run
 * (model download and import, a tfjs model's shards included, pipeline compilation k of n:
 * seconds on a software adapter, the first run), cleared when the command goes on. Only on a
 * terminal: piped or redirected output gets nothing extra, so logs and scripts see exactly what
 * they saw before.
 */
import type { ProgressCallback, SegmenterProgress } from '../api/progress.js';

function kilobytes(bytes: number): string {
  return bytes < 1 << 20 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

const FORMAT_NAMES = { onnx: 'ONNX', tflite: 'TFLite', tfjs: 'tfjs graph model' } as const;

export function describeProgress(p: SegmenterProgress): string {
  switch (p.phase) {
    case 'download':
      return `reading the model: ${kilobytes(p.loadedBytes)}${p.totalBytes ? ` of ${kilobytes(p.totalBytes)}` : ''}`;
    case 'import':
      return `importing the model${p.format === 'built-in' ? '' : ` (${FORMAT_NAMES[p.format]}, ${kilobytes(p.bytes)})`}`;
    case 'compile':
      return `compiling GPU kernels for ${p.width}x${p.height}: ${p.compiled} of ${p.total}`;
    case 'first-run':
      return `first run at ${p.width}x${p.height}`;
    case 'tile':
      return `tile ${p.index} of ${p.total} of the ${p.width}x${p.height} image`;
  }
}

export interface ProgressLine {
  /** The Segmenter's onProgress; undefined when the stream is not a terminal. */
  readonly onProgress: ProgressCallback | undefined;
  /** Clears the line (before the command prints its results). */
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { onProgress: undefined, done: () => undefined };
  let shown = false;
  return {
    onProgress: (p) => {
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${`segwgpu: ${describeProgress(p)}…`.slice(0, width)}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
