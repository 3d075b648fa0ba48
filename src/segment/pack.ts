/** Packing RGBA8 pixels into the words ImageToTensor reads, rows padded to `rowWords`. */
import type { Tensor } from '../core/tensor.js';

/** Bytes per row of a texture-to-buffer copy must be a multiple of 256: 64 pixels. */
export function alignedRowWords(width: number): number {
  return Math.ceil(width / 64) * 64;
}

/**
 * One word per pixel, the bytes R, G, B, A in memory order (as copyTextureToBuffer writes an
 * rgba8unorm texture), rows `rowWords` words apart. Into `into` when given (reused for video).
 */
export function packRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, rowWords = alignedRowWords(width), into?: Int32Array): Tensor<'int32'> {
  const words = into ?? new Int32Array(height * rowWords);
  if (words.length !== height * rowWords) throw new Error(`packRgba: target holds ${words.length} words, needs ${height}x${rowWords}`);
  const target = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const source = new Uint8Array(data.buffer, data.byteOffset, width * height * 4);
  if (rowWords === width) target.set(source);
  else for (let y = 0; y < height; y++) target.set(source.subarray(4 * y * width, 4 * (y + 1) * width), 4 * y * rowWords);
  return { dtype: 'int32', shape: [height, rowWords], data: words };
}
