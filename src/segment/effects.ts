/**
 * Background effects from a foreground confidence mask (video-call style), on RGBA pixels:
 * blur (three box-blur passes approximate a Gaussian) and replacement, blended per pixel by the
 * confidence so edges stay soft. Plain TS, shared by the CLI and the demo.
 */

/** Three passes of a separable box blur of the given radius: close to a Gaussian of sigma ~ radius. */
export function blurRgba(src: Uint8ClampedArray, width: number, height: number, radius: number): Uint8ClampedArray {
  let a = Float32Array.from(src);
  let b = new Float32Array(a.length);
  const r = Math.max(1, Math.round(radius));
  for (let pass = 0; pass < 3; pass++) {
    boxPass(a, b, width, height, r, true);
    boxPass(b, a, width, height, r, false);
  }
  b = a;
  return Uint8ClampedArray.from(b);
}

function boxPass(src: Float32Array, dst: Float32Array, width: number, height: number, r: number, horizontal: boolean): void {
  const [lines, length] = horizontal ? [height, width] : [width, height];
  const at = (line: number, i: number) => 4 * (horizontal ? line * width + i : i * width + line);
  const scale = 1 / (2 * r + 1);
  for (let line = 0; line < lines; line++) {
    for (let c = 0; c < 4; c++) {
      // Running sum over the window, edges clamped.
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += src[at(line, Math.min(length - 1, Math.max(0, k))) + c];
      for (let i = 0; i < length; i++) {
        dst[at(line, i) + c] = sum * scale;
        sum += src[at(line, Math.min(length - 1, i + r + 1)) + c] - src[at(line, Math.max(0, i - r)) + c];
      }
    }
  }
}

/** out = confidence * foreground + (1 - confidence) * background, per pixel. */
export function blendByConfidence(foreground: Uint8ClampedArray, background: Uint8ClampedArray, confidence: ArrayLike<number>): Uint8ClampedArray {
  const out = new Uint8ClampedArray(foreground.length);
  for (let i = 0; i < confidence.length; i++) {
    const a = Math.min(1, Math.max(0, confidence[i]));
    for (let c = 0; c < 3; c++) out[4 * i + c] = a * foreground[4 * i + c] + (1 - a) * background[4 * i + c];
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Bilinear resize of RGBA pixels, scaled to cover the target (cropping the overflow, centred). */
export function coverRgba(src: Uint8ClampedArray, width: number, height: number, targetWidth: number, targetHeight: number): Uint8ClampedArray {
  const scale = Math.max(targetWidth / width, targetHeight / height);
  const offsetX = (width * scale - targetWidth) / 2;
  const offsetY = (height * scale - targetHeight) / 2;
  const out = new Uint8ClampedArray(targetWidth * targetHeight * 4);
  for (let y = 0; y < targetHeight; y++) {
    const sy = Math.min(height - 1, Math.max(0, (y + offsetY + 0.5) / scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < targetWidth; x++) {
      const sx = Math.min(width - 1, Math.max(0, (x + offsetX + 0.5) / scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 4; c++) {
        const top = src[4 * (y0 * width + x0) + c] * (1 - fx) + src[4 * (y0 * width + x1) + c] * fx;
        const bottom = src[4 * (y1 * width + x0) + c] * (1 - fx) + src[4 * (y1 * width + x1) + c] * fx;
        out[4 * (y * targetWidth + x) + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/** The confidence mask as 8-bit gray levels. */
export function confidenceToGray(confidence: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(confidence, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
}
