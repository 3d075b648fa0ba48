/**
 * A minimal protobuf wire-format writer (https://protobuf.dev/programming-guides/encoding/), the
 * counterpart of the reader in src/import/protobuf.ts, for the ONNX exporter
 * (src/export/onnx-proto-writer.ts). No schema compiler and no dependencies: an encoder writes
 * each field by number with the method for its type.
 *
 * - Varints: unsigned values as they are; negative int32 and int64 values as 10-byte two's
 *   complement varints, as protobuf encodes them (int64 exactly, given as bigint or a safe integer).
 * - fixed32 floats little-endian; bytes, strings and nested messages length-delimited; repeated
 *   scalars packed (one length-delimited run), as proto3 writers do and every parser accepts.
 * - Large byte fields (tensor data) are not copied while a message is built: a writer keeps a list
 *   of chunks, a nested message hands its chunks to its parent after the length prefix, and
 *   finish() copies everything once into the result.
 */

const WireType = { VARINT: 0, LEN: 2, I32: 5 } as const;

/** Byte fields at least this long are kept by reference instead of copied into the scratch buffer. */
const BY_REFERENCE_BYTES = 256;

const utf8 = new TextEncoder();

export class ProtobufWriter {
  /** Finished chunks, in order. */
  private readonly chunks: Uint8Array[] = [];
  /** Where small values are written before they become a chunk. */
  private scratch = new Uint8Array(64);
  private used = 0;
  /** Bytes in `chunks`. */
  private chunkBytes = 0;

  /** The encoded size so far, in bytes. */
  get length(): number {
    return this.chunkBytes + this.used;
  }

  /** A varint field (int32, int64, uint64, enum, bool): `value` must be an integer. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WireType.VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed32, little-endian); the value is rounded to float32. */
  float(field: number, value: number): this {
    this.tag(field, WireType.I32);
    this.reserve(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset).setFloat32(this.used, value, true);
    this.advance(4);
    return this;
  }

  /** A bytes field. Long arrays are kept by reference until finish(): do not change them before. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LEN);
    this.varint(value.length);
    this.append(value);
    return this;
  }

  /** A string field, as UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message field: `write` fills a writer of its own, whose bytes follow the length prefix. */
  message(field: number, write: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    this.tag(field, WireType.LEN);
    this.varint(inner.length);
    this.flush();
    inner.flush();
    this.chunks.push(...inner.chunks);
    this.chunkBytes += inner.chunkBytes;
    return this;
  }

  /** A repeated varint field, packed. Nothing is written for an empty list (the field's default). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const run = new ProtobufWriter();
    for (const v of values) run.varint(v);
    return this.bytes(field, run.finish());
  }

  /** A repeated float field, packed (4 bytes each). Nothing is written for an empty list. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const run = new Uint8Array(4 * values.length);
    const view = new DataView(run.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.bytes(field, run);
  }

  /** The message's bytes, in one new array. */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.chunkBytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private tag(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`protobuf: field number ${field} is not valid`);
    this.varint(field * 8 + wire);
  }

  /** One varint. Negative values are written as 64-bit two's complement (10 bytes), as int32 and int64 fields require. */
  private varint(value: number | bigint): void {
    this.reserve(10);
    const b = this.scratch;
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: varint ${value} is not a safe integer (give it as a bigint)`);
      if (value >= 0 && value <= 0xffffffff) {
        let v = value >>> 0;
        while (v >= 0x80) {
          b[this.used++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        b[this.used++] = v;
        return;
      }
      value = BigInt(value);
    }
    if (value >= 1n << 64n || value < -(1n << 63n)) throw new RangeError(`protobuf: varint ${value} does not fit 64 bits`);
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      b[this.used++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    b[this.used++] = Number(v);
  }

  /** Copies small arrays into the scratch buffer; keeps large ones as chunks of their own. */
  private append(value: Uint8Array): void {
    if (value.length >= BY_REFERENCE_BYTES) {
      this.flush();
      this.chunks.push(value);
      this.chunkBytes += value.length;
      return;
    }
    this.reserve(value.length);
    this.scratch.set(value, this.used);
    this.advance(value.length);
  }

  /** Makes room for `n` more bytes in the scratch buffer. */
  private reserve(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    const grown = new Uint8Array(Math.max(2 * this.scratch.length, this.used + n));
    grown.set(this.scratch.subarray(0, this.used));
    this.scratch = grown;
  }

  private advance(n: number): void {
    this.used += n;
  }

  /** Turns the scratch bytes into a chunk, so a chunk kept by reference can follow them. */
  private flush(): void {
    if (this.used > 0) {
      this.chunks.push(this.scratch.slice(0, this.used));
      this.chunkBytes += this.used;
      this.used = 0;
    }
  }
}
