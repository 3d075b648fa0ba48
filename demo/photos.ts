/** Photos as the page segments them: decoded without colour conversion, so the model sees the file's own pixel values. */

export interface Photo {
  readonly name: string;
  readonly blob: Blob;
  readonly bitmap: ImageBitmap;
  readonly pixels: ImageData;
  readonly width: number;
  readonly height: number;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

/** Decodes a photo, downscaled (high quality) so its longest side is at most `maxSide`. */
export async function decodePhoto(blob: Blob, name: string, maxSide: number): Promise<Photo> {
  const options: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' };
  let bitmap = await createImageBitmap(blob, options);
  const originalWidth = bitmap.width;
  const originalHeight = bitmap.height;
  const scale = Math.min(1, maxSide / Math.max(originalWidth, originalHeight));
  if (scale < 1) {
    bitmap.close();
    const resizeWidth = Math.max(1, Math.round(originalWidth * scale));
    const resizeHeight = Math.max(1, Math.round(originalHeight * scale));
    bitmap = await createImageBitmap(blob, { ...options, resizeWidth, resizeHeight, resizeQuality: 'high' });
  }
  const { width, height } = bitmap;
  const scratch = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  scratch.drawImage(bitmap, 0, 0);
  const pixels = scratch.getImageData(0, 0, width, height);
  return { name, blob, bitmap, pixels, width, height, originalWidth, originalHeight };
}
