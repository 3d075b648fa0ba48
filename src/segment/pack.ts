/** Packing RGBA8 pixels into the words ImageToTensor reads, rows padded to `rowWords`. */
import type { Tensor } from '../tensor.js';

/** Bytes per row of a texture-to-buffer copy must be a multiple of 256: 64 pixels. */
export function alignedRowWords(width: number): number {
  return Math.ceil(width / 64) * 64;
}

export function packRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, rowWords = alignedRowWords(width)): Tensor<'int32'> {
  const words = new Int32Array(height * rowWords);
  const src = new Int32Array(data.buffer, data.byteOffset, (width * height * 4) / 4);
  if (data.byteOffset % 4 !== 0) throw new Error('packRgba: pixel data must be 4-byte aligned');
  for (let y = 0; y < height; y++) words.set(src.subarray(y * width, (y + 1) * width), y * rowWords);
  return { dtype: 'int32', shape: [height, rowWords], data: words };
}
