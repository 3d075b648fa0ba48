/** Image files in Node: PNG and JPEG decoding to RGBA, PNG encoding. Browsers use their own decoders. */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { SegwgpuError } from '../errors.js';
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
  try {
    if (isPng) {
      const png = decodePng(bytes);
      const { width, height, channels } = png;
      const src = png.data;
      const max = png.depth === 16 ? 65535 : png.depth === 8 ? 255 : (1 << png.depth) - 1;
      const rgba = new Uint8ClampedArray(width * height * 4);
      const palette = png.palette;
      for (let i = 0; i < width * height; i++) {
        if (palette) {
          const entry = palette[src[i]];
          rgba.set([entry[0], entry[1], entry[2], entry.length > 3 ? (entry as number[])[3] : 255], 4 * i);
          continue;
        }
        const v = (k: number) => Math.round((src[i * channels + k] * 255) / max);
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
      return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    }
  } catch (e) {
    throw new SegwgpuError(`cannot decode ${what}: ${(e as Error).message}`);
  }
  throw new SegwgpuError(`${what} is neither a PNG nor a JPEG file`);
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
