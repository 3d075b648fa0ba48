/** Image files in Node: PNG and JPEG decoding to RGBA, PNG encoding. Browsers use their own decoders. */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { SegwgpuError } from '../core/errors.js';
import { checkImageSize } from '../core/limits.js';
import { readInputFile } from './files.js';

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** Row-major RGBA, 8 bits per channel. */
  readonly data: Uint8ClampedArray;
}

export function decodeImage(bytes: Uint8Array, what: string): RgbaImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  // The size budget from the header, before the decoder allocates the pixels.
  const declared = isPng ? pngDeclaredSize(bytes) : isJpeg ? jpegDeclaredSize(bytes) : undefined;
  if (declared) checkImageSize(what, declared.width, declared.height);
  try {
    if (isPng) {
      const png = decodePng(bytes);
      const { width, height, channels, depth } = png;
      const src = png.data;
      const max = depth === 16 ? 65535 : depth === 8 ? 255 : (1 << depth) - 1;
      // Depths below 8 (1, 2, 4 bits: palettes, grey) come packed, rows padded to whole bytes.
      const rowBytes = Math.ceil((width * channels * depth) / 8);
      const sample =
        depth >= 8
          ? (pixel: number, k: number) => src[pixel * channels + k]!
          : (pixel: number, k: number) => {
              const y = Math.floor(pixel / width);
              const bit = ((pixel - y * width) * channels + k) * depth;
              return (src[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
            };
      const rgba = new Uint8ClampedArray(width * height * 4);
      const palette = png.palette;
      for (let i = 0; i < width * height; i++) {
        if (palette) {
          const index = sample(i, 0);
          const entry = palette[index];
          if (!entry) throw new Error(`pixel ${i % width},${Math.floor(i / width)} uses palette entry ${index}, and the palette has ${palette.length}`);
          rgba.set([entry[0], entry[1], entry[2], entry.length > 3 ? (entry as number[])[3]! : 255], 4 * i);
          continue;
        }
        const v = (k: number) => Math.round((sample(i, k) * 255) / max);
        const gray = channels <= 2;
        rgba[4 * i] = v(0);
        rgba[4 * i + 1] = gray ? v(0) : v(1);
        rgba[4 * i + 2] = gray ? v(0) : v(2);
        rgba[4 * i + 3] = channels === 2 ? v(1) : channels === 4 ? v(3) : 255;
      }
      return { width, height, data: rgba };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      const stored = { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
      return orient(stored, jpegOrientation(bytes));
    }
  } catch (e) {
    throw new SegwgpuError(`cannot decode ${what}: ${(e as Error).message}`);
  }
  throw new SegwgpuError(`${what} is neither a PNG nor a JPEG file`);
}

/** Width and height from a PNG's IHDR chunk (it must come first), or undefined if it is not there. */
export function pngDeclaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Width and height from a JPEG's first start-of-frame segment (SOF0-SOF15 except DHT, JPG and
 * DAC), walking the segments from the start; undefined if the walk runs out of bytes.
 */
export function jpegDeclaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // no length field
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5]! << 8) | bytes[at + 6]!, width: (bytes[at + 7]! << 8) | bytes[at + 8]! };
    }
    if (marker === 0xda || length < 2) return undefined; // scan data before any frame header
    at += 2 + length;
  }
  return undefined;
}

/**
 * A JPEG's EXIF orientation (tag 0x0112 in IFD0 of the APP1 "Exif" segment, 1-8), 1 when it has
 * none or the Exif block cannot be read: a broken Exif block never stops the photo from decoding.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  // Markers up to the image data (SOS), each with its 16-bit big-endian length.
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const length = view.getUint16(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) break;
    const start = at + 4;
    if (marker === 0xe1 && length >= 8 && String.fromCharCode(...bytes.subarray(start, start + 4)) === 'Exif' && bytes[start + 4] === 0 && bytes[start + 5] === 0) {
      return exifOrientation(view, start + 6, at + 2 + length);
    }
    at += 2 + length;
  }
  return 1;
}

function exifOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return 1;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    // SHORT, one value, kept in the first two bytes of the value field.
    if (view.getUint16(entry + 2, little) !== 3) return 1;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The stored pixels turned as the EXIF orientation says they are to be shown (as browsers do by
 * default, image-orientation: from-image): 2 flips left-right, 3 turns 180 degrees, 4 flips
 * top-bottom, 5 transposes, 6 turns 90 degrees clockwise, 7 transverses, 8 turns 90 degrees
 * counter-clockwise. 5 to 8 swap width and height.
 */
export function orient(image: RgbaImage, orientation: number): RgbaImage {
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const swaps = orientation >= 5;
  const width = swaps ? h : w;
  const height = swaps ? w : h;
  const out = new Uint8ClampedArray(width * height * 4);
  // One word per pixel; a view needs 4-byte alignment, which a copy always has.
  const pixels = data.byteOffset % 4 === 0 ? data : data.slice();
  const source = new Uint32Array(pixels.buffer, pixels.byteOffset, w * h);
  const target = new Uint32Array(out.buffer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // The stored pixel shown at (x, y).
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      target[y * width + x] = source[sy * w + sx]!;
    }
  }
  return { width, height, data: out };
}

export function readImageFile(path: string): RgbaImage {
  return decodeImage(readInputFile(path, 'image file'), `image file '${path}'`);
}

export function encodeRgbaPng(image: RgbaImage): Uint8Array {
  return encodePng({ width: image.width, height: image.height, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), channels: 4, depth: 8 });
}

export function encodeGrayPng(width: number, height: number, data: Uint8Array): Uint8Array {
  return encodePng({ width, height, data, channels: 1, depth: 8 });
}
