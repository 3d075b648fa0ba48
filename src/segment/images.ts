/** Conversions between RGBA pixels and tensors, and mask rendering; shared by Node and browser. */
import type { Tensor } from '../core/tensor.js';

/** RGBA bytes -> [1, 3, H, W] float32 in 0..255 (scaling and normalisation happen on the GPU). */
export function rgbaToTensor(data: Uint8ClampedArray | Uint8Array, width: number, height: number): Tensor<'float32'> {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = data[4 * i];
    out[plane + i] = data[4 * i + 1];
    out[2 * plane + i] = data[4 * i + 2];
  }
  return { dtype: 'float32', shape: [1, 3, height, width], data: out };
}

/** A fixed, distinguishable colour per class (class 0, background, is transparent in overlays). */
export function classColor(k: number): [number, number, number] {
  const palette: [number, number, number][] = [
    [0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
    [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255],
    [170, 110, 40], [255, 250, 200], [128, 0, 0], [170, 255, 195], [128, 128, 0], [255, 215, 180], [0, 0, 128], [128, 128, 128],
  ];
  return palette[k % palette.length];
}

/** The category mask as an RGBA image, one colour per class. */
export function colorizeCategories(category: ArrayLike<number | bigint>, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = classColor(Number(category[i]));
    out.set([r, g, b, 255], 4 * i);
  }
  return out;
}

/** The photo with every non-background class tinted by its colour. */
export function overlayCategories(photo: Uint8ClampedArray, category: ArrayLike<number | bigint>, width: number, height: number, alpha = 0.55): Uint8ClampedArray {
  const out = new Uint8ClampedArray(photo);
  for (let i = 0; i < width * height; i++) {
    const k = Number(category[i]);
    if (k === 0) continue;
    const c = classColor(k);
    for (let j = 0; j < 3; j++) out[4 * i + j] = (1 - alpha) * photo[4 * i + j] + alpha * c[j];
    out[4 * i + 3] = 255;
  }
  return out;
}
