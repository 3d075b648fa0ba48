/**
 * Image files in Node: JPEG EXIF orientation (all eight, both TIFF byte orders) against
 * hand-worked corner colours, broken Exif blocks that must not stop a photo from decoding, and
 * PNGs of every bit depth (packed 1/2/4-bit palettes and grey, 16-bit) against hand-worked pixels.
 */
import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { encode as encodePng } from 'fast-png';
import { decodeImage, jpegOrientation } from '../src/node/image.js';

// A 4x2 photo as stored, of 8x8 solid blocks (JPEG keeps solid blocks nearly exact):
//   R G
//   B W       (R top-left, G top-right, B bottom-left, W bottom-right)
const BLOCK = 8;
const COLOURS = { R: [255, 0, 0], G: [0, 255, 0], B: [0, 0, 255], W: [255, 255, 255] } as const;
type Corner = keyof typeof COLOURS;
const STORED: Corner[][] = [
  ['R', 'G'],
  ['B', 'W'],
];

function storedJpeg(): Uint8Array {
  const width = 2 * BLOCK * 2; // 2 blocks per colour cell horizontally: a 4x2 grid of blocks, 32x16 pixels
  const height = 2 * BLOCK;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = COLOURS[STORED[y < BLOCK ? 0 : 1]![x < width / 2 ? 0 : 1]!];
      data.set([...c, 255], 4 * (y * width + x));
    }
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, 100).data);
}

/** An APP1 Exif segment with IFD0 holding one tag: Orientation (SHORT, 1 value). */
function exifSegment(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(8 + 2 + 12 + 4));
  tiff.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, littleEndian);
  tiff.setUint32(4, 8, littleEndian);
  tiff.setUint16(8, 1, littleEndian);
  tiff.setUint16(10, 0x0112, littleEndian);
  tiff.setUint16(12, 3, littleEndian);
  tiff.setUint32(14, 1, littleEndian);
  tiff.setUint16(18, orientation, littleEndian);
  const body = new Uint8Array([...new TextEncoder().encode('Exif'), 0, 0, ...new Uint8Array(tiff.buffer)]);
  return new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
}

function withSegment(file: Uint8Array, segment: Uint8Array): Uint8Array {
  return new Uint8Array([...file.subarray(0, 2), ...segment, ...file.subarray(2)]);
}

/** The colour at the middle of each displayed quadrant: [top-left, top-right, bottom-left, bottom-right]. */
function quadrants(image: { width: number; height: number; data: Uint8ClampedArray }): Corner[] {
  const at = (fx: number, fy: number): Corner => {
    const x = Math.floor(fx * image.width);
    const y = Math.floor(fy * image.height);
    const p = Array.from(image.data.subarray(4 * (y * image.width + x), 4 * (y * image.width + x) + 3));
    const name = (Object.keys(COLOURS) as Corner[]).find((k) => COLOURS[k].every((v, i) => Math.abs(v - p[i]!) < 40));
    if (!name) throw new Error(`pixel ${x},${y} is ${p}, none of the test colours`);
    return name;
  };
  return [at(0.25, 0.25), at(0.75, 0.25), at(0.25, 0.75), at(0.75, 0.75)];
}

// Worked from the EXIF spec's meaning of each value (where the stored 0th row and column are
// shown), for the stored R G / B W.
const EXPECTED: Record<number, { size: [number, number]; corners: Corner[] }> = {
  1: { size: [32, 16], corners: ['R', 'G', 'B', 'W'] },
  2: { size: [32, 16], corners: ['G', 'R', 'W', 'B'] }, // mirrored left-right
  3: { size: [32, 16], corners: ['W', 'B', 'G', 'R'] }, // turned 180
  4: { size: [32, 16], corners: ['B', 'W', 'R', 'G'] }, // mirrored top-bottom
  5: { size: [16, 32], corners: ['R', 'B', 'G', 'W'] }, // transposed
  6: { size: [16, 32], corners: ['B', 'R', 'W', 'G'] }, // turned 90 clockwise
  7: { size: [16, 32], corners: ['W', 'G', 'B', 'R'] }, // transversed
  8: { size: [16, 32], corners: ['G', 'W', 'R', 'B'] }, // turned 90 counter-clockwise
};

describe('JPEG EXIF orientation', () => {
  const plain = storedJpeg();

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i: the photo as it is meant to be shown (both byte orders)', (orientation) => {
    for (const little of [true, false]) {
      const file = withSegment(plain, exifSegment(orientation, little));
      expect(jpegOrientation(file)).toBe(orientation);
      const image = decodeImage(file, 'test.jpg');
      expect([image.width, image.height]).toEqual(EXPECTED[orientation]!.size);
      expect(quadrants(image), `${little ? 'II' : 'MM'}`).toEqual(EXPECTED[orientation]!.corners);
    }
  });

  it('a JPEG without Exif decodes as stored', () => {
    expect(jpegOrientation(plain)).toBe(1);
    expect(quadrants(decodeImage(plain, 'test.jpg'))).toEqual(['R', 'G', 'B', 'W']);
  });

  it('a broken Exif block (truncated, garbage, out-of-range value) is ignored, never fatal', () => {
    const good = exifSegment(6, true);
    const truncated = good.slice(0, good.length - 6);
    truncated[2] = (truncated.length - 2) >> 8;
    truncated[3] = (truncated.length - 2) & 0xff;
    // A TIFF header whose IFD offset points far past the segment.
    const garbageBody = [...new TextEncoder().encode('Exif'), 0, 0, 0x49, 0x49, 0x2a, 0, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6];
    const garbage = new Uint8Array([0xff, 0xe1, 0, garbageBody.length + 2, ...garbageBody]);
    const outOfRange = exifSegment(9, false);
    for (const segment of [truncated, garbage, outOfRange]) {
      const file = withSegment(plain, segment);
      expect(jpegOrientation(file)).toBe(1);
      expect(quadrants(decodeImage(file, 'test.jpg'))).toEqual(['R', 'G', 'B', 'W']);
    }
  });
});

/** Packs samples of `depth` bits (< 8) into rows of whole bytes, as PNG stores them. */
function packRows(samples: number[], width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)]! |= samples[y * width + x]! << (8 - depth - (bit & 7));
    }
  }
  return out;
}

describe('PNG bit depths', () => {
  // 3 pixels a row (rows end mid-byte at every depth below 8), two rows.
  const PALETTE: [number, number, number][] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [10, 20, 30],
  ];

  it.each([1, 2, 4, 8])('a %i-bit palette image gives each pixel its palette colour', (depth) => {
    const entries = Math.min(PALETTE.length, 1 << depth);
    const indices = [0, 1, 2, 3, 2, 1].map((v) => v % entries);
    const data = depth === 8 ? Uint8Array.from(indices) : packRows(indices, 3, 2, depth);
    const png = encodePng({ width: 3, height: 2, data, depth: depth as 1 | 2 | 4 | 8, channels: 1, palette: PALETTE.slice(0, entries) });
    const image = decodeImage(png, 'palette.png');
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(Array.from(image.data)).toEqual(indices.flatMap((k) => [...PALETTE[k]!, 255]));
  });

  it.each([1, 2, 4])('%i-bit grey scales to 0..255', (depth) => {
    const max = (1 << depth) - 1;
    const levels = [0, max, 1, max - 1, 0, max].map((v) => Math.min(max, v));
    const png = encodePng({ width: 3, height: 2, data: packRows(levels, 3, 2, depth), depth: depth as 1 | 2 | 4, channels: 1 });
    const image = decodeImage(png, 'grey.png');
    expect(Array.from(image.data)).toEqual(levels.flatMap((v) => {
      const g = Math.round((v * 255) / max);
      return [g, g, g, 255];
    }));
  });

  it('16-bit RGBA rounds to 8 bits', () => {
    const data = Uint16Array.from([65535, 0, 32768, 65535, 257, 514, 771, 0]);
    const image = decodeImage(encodePng({ width: 2, height: 1, data, depth: 16, channels: 4 }), 'deep.png');
    expect(Array.from(image.data)).toEqual([255, 0, 128, 255, 1, 2, 3, 0]);
  });
});
