/**
 * A minimal protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/) for
 * the hand-written ONNX decoder (src/import/onnx-proto.ts). No schema compiler and no
 * dependencies: a decoder switches on field numbers and asks the reader for each field's value.
 *
 * - Varints up to 10 bytes. 64-bit integers come back as bigint (exact); int32 is a varint's low
 *   32 bits, as protobuf's sign-extended encoding of negative int32 values requires.
 * - fixed32 / fixed64 / float / double, little-endian. Length-delimited values (bytes, strings,
 *   nested messages) are read in place: bytes are subarray views of the input, never copies.
 * - Repeated scalars are accepted packed (one length-delimited run) and unpacked (one field per
 *   value), mixed freely, as protobuf requires of parsers.
 * - Fields a decoder does not know are skipped, of every wire type, groups (3/4) included: files
 *   from newer schemas decode. A known field with the wrong wire type is an error (the bytes are
 *   not that schema), as are truncated or malformed bytes: a ProtobufError names what was being
 *   read, its byte offset and the message.field path down to it.
 */

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const WIRE_TYPE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32'];

/** Nested messages (and groups) deeper than this are refused, as protobuf's own parsers do, so a hostile file cannot overflow the stack. */
export const MAX_NESTING = 100;

export class ProtobufError extends Error {
  override name = 'ProtobufError';
  /** 'Message.field' from the outermost message down to the one that failed. */
  readonly path: string[] = [];

  constructor(
    /** What is wrong, without the location. */
    readonly problem: string,
    /** Byte offset in the input where the value that failed starts. */
    readonly offset: number,
    /** True when the bytes end early (as opposed to bytes that are wrong). */
    readonly truncated = false,
  ) {
    super(`at byte ${offset}: ${problem}`);
  }

  /** Adds the enclosing message's field to the path (called on the way out of each message). */
  within(segment: string): void {
    this.path.unshift(segment);
    this.message = `${this.path.join(' > ')}, at byte ${this.offset}: ${this.problem}`;
  }
}

/** A message's name and field numbers; the names are only used in errors. */
export interface MessageSchema {
  readonly name: string;
  readonly fields: Readonly<Record<string, number>>;
}

function fieldName(schema: MessageSchema, field: number): string {
  const entry = Object.entries(schema.fields).find(([, n]) => n === field);
  return entry ? entry[0] : `field ${field}`;
}

function wireTypeName(wire: number): string {
  return `${wire} (${WIRE_TYPE_NAMES[wire] ?? 'invalid'})`;
}

// As fast as hand-decoding even short ASCII names (measured), and its strings are flat.
const utf8 = new TextDecoder();

export class ProtobufReader {
  /** Offset of the next byte to read. */
  private pos = 0;
  /** End of the message being read: no value may run past it. */
  private limit: number;
  private depth = 0;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array over the same memory, so the views handed out behave alike whatever the
    // caller passed (a Node Buffer's slice() is a view, a Uint8Array's a copy).
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.limit = bytes.byteLength;
  }

  /**
   * Reads the fields of the message being read (up to the end of its bytes), calling
   * `onField(field, wireType)` for each: it reads the value with this reader and returns true, or
   * returns false for a field it does not know, which is then skipped. Errors from inside come
   * out with `schema.name.field` added to their path.
   */
  fields(schema: MessageSchema, onField: (field: number, wireType: number) => boolean): void {
    let field = 0;
    try {
      while (this.pos < this.limit) {
        field = 0;
        const tag = this.tag();
        field = tag >>> 3;
        if (!onField(field, tag & 7)) this.skip(tag);
      }
    } catch (e) {
      if (e instanceof ProtobufError) e.within(field === 0 ? schema.name : `${schema.name}.${fieldName(schema, field)}`);
      throw e;
    }
  }

  /** A nested message (a length-delimited field): `decode` reads its fields, as `fields` does. */
  message<T>(wire: number, decode: (r: ProtobufReader) => T): T {
    this.expectWire(wire, WireType.LEN, 'an embedded message');
    const end = this.lengthPrefix('an embedded message');
    if (this.depth >= MAX_NESTING) throw new ProtobufError(`messages nested more than ${MAX_NESTING} deep`, this.pos);
    const outer = this.limit;
    this.limit = end;
    this.depth++;
    const value = decode(this);
    this.depth--;
    this.pos = end;
    this.limit = outer;
    return value;
  }

  /** An int32 or enum field: the varint's low 32 bits, signed. */
  int32(wire: number): number {
    this.expectWire(wire, WireType.VARINT, 'an int32');
    return this.varint32() | 0;
  }

  /** A uint32 field: the varint's low 32 bits. */
  uint32(wire: number): number {
    this.expectWire(wire, WireType.VARINT, 'a uint32');
    return this.varint32();
  }

  /** An int64 field, exact. Negative values are 10-byte varints (two's complement). */
  int64(wire: number): bigint {
    this.expectWire(wire, WireType.VARINT, 'an int64');
    return this.varint64(true);
  }

  /** A uint64 field, exact. */
  uint64(wire: number): bigint {
    this.expectWire(wire, WireType.VARINT, 'a uint64');
    return this.varint64(false);
  }

  fixed32(wire: number): number {
    this.expectWire(wire, WireType.I32, 'a fixed32');
    return this.readFixed32();
  }

  fixed64(wire: number): bigint {
    this.expectWire(wire, WireType.I64, 'a fixed64');
    return this.readFixed64();
  }

  float(wire: number): number {
    this.expectWire(wire, WireType.I32, 'a float');
    return this.readFloat();
  }

  double(wire: number): number {
    this.expectWire(wire, WireType.I64, 'a double');
    return this.readDouble();
  }

  /** A bytes field, as a view into the input (no copy: copy it to keep it past the input's life). */
  bytesField(wire: number): Uint8Array {
    this.expectWire(wire, WireType.LEN, 'a bytes field');
    const end = this.lengthPrefix('a bytes field');
    const value = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return value;
  }

  /** A string field, decoded as UTF-8 (invalid sequences become U+FFFD, as in protobufjs). */
  string(wire: number): string {
    this.expectWire(wire, WireType.LEN, 'a string');
    const end = this.lengthPrefix('a string');
    const s = utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end;
    return s;
  }

  /** A repeated int32 (or enum) field's values, packed or not, appended to `out`. */
  repeatedInt32(wire: number, out: number[]): void {
    this.repeated(wire, WireType.VARINT, 'an int32', () => this.varint32() | 0, out);
  }

  /** A repeated int64 field's values, packed or not, appended to `out`. */
  repeatedInt64(wire: number, out: bigint[]): void {
    this.repeated(wire, WireType.VARINT, 'an int64', () => this.varint64(true), out);
  }

  /** A repeated float field's values, packed or not, appended to `out`. */
  repeatedFloat(wire: number, out: number[]): void {
    this.repeated(wire, WireType.I32, 'a float', () => this.readFloat(), out);
  }

  /** A repeated double field's values, packed or not, appended to `out`. */
  repeatedDouble(wire: number, out: number[]): void {
    this.repeated(wire, WireType.I64, 'a double', () => this.readDouble(), out);
  }

  /** Skips the value of a field no decoder knows, of any wire type. */
  skip(tag: number): void {
    const start = this.pos;
    switch (tag & 7) {
      case WireType.VARINT:
        this.varintNumber();
        return;
      case WireType.I64:
        this.need(8, 'a 64-bit value', start);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.pos = this.lengthPrefix('a length-delimited value');
        return;
      case WireType.I32:
        this.need(4, 'a 32-bit value', start);
        this.pos += 4;
        return;
      case WireType.SGROUP:
        this.skipGroup(tag >>> 3, start);
        return;
      default:
        throw new ProtobufError(`an end-group tag (field ${tag >>> 3}) with no group open`, start);
    }
  }

  /** A field's tag: field number << 3 | wire type. Field number 0 and wire types 6 and 7 do not exist. */
  private tag(): number {
    const start = this.pos;
    const tag = this.varint32();
    if (tag >>> 3 === 0 || (tag & 7) > 5) {
      throw new ProtobufError(`invalid field tag 0x${tag.toString(16)} (field number ${tag >>> 3}, wire type ${tag & 7})`, start);
    }
    return tag;
  }

  /** Skips a (deprecated) group's fields up to its end-group tag, which must carry the same field number. */
  private skipGroup(field: number, start: number): void {
    if (this.depth >= MAX_NESTING) throw new ProtobufError(`groups nested more than ${MAX_NESTING} deep`, start);
    this.depth++;
    for (;;) {
      if (this.pos >= this.limit) throw this.overrun(`group (field ${field}) with no end-group tag`, start);
      const tagAt = this.pos;
      const tag = this.tag();
      if ((tag & 7) === WireType.EGROUP) {
        if (tag >>> 3 !== field) throw new ProtobufError(`end-group tag for field ${tag >>> 3} closes the group of field ${field}`, tagAt);
        break;
      }
      this.skip(tag);
    }
    this.depth--;
  }

  private expectWire(wire: number, expected: number, what: string): void {
    if (wire !== expected) {
      throw new ProtobufError(`expected ${what}, wire type ${wireTypeName(expected)}, but found wire type ${wireTypeName(wire)}`, this.pos);
    }
  }

  /** One value (wire type `scalarWire`), or a packed run of them (LEN), appended to `out`. */
  private repeated<T>(wire: number, scalarWire: number, what: string, readOne: () => T, out: T[]): void {
    if (wire !== WireType.LEN) {
      this.expectWire(wire, scalarWire, `${what} or packed values of it`);
      out.push(readOne());
      return;
    }
    const end = this.lengthPrefix(`packed values of ${what}`);
    const outer = this.limit;
    this.limit = end;
    while (this.pos < end) out.push(readOne());
    this.limit = outer;
  }

  /** Reads a length prefix and returns where the value ends, checking it lies inside the message. */
  private lengthPrefix(what: string): number {
    const start = this.pos;
    const length = this.varintNumber();
    if (length > this.limit - this.pos) {
      const truncated = this.limit === this.bytes.length;
      const where = truncated ? `the end of the data (${this.bytes.length} bytes)` : `the end of its enclosing message (byte ${this.limit})`;
      const left = this.limit - this.pos;
      throw new ProtobufError(`the length of ${what} is ${length} bytes, but only ${left} ${left === 1 ? 'remains' : 'remain'} before ${where}`, start, truncated);
    }
    return this.pos + length;
  }

  private need(n: number, what: string, start = this.pos): void {
    if (this.limit - this.pos < n) throw this.overrun(what, start);
  }

  private overrun(what: string, start: number): ProtobufError {
    const truncated = this.limit === this.bytes.length;
    const where = truncated ? `the end of the data (${this.bytes.length} bytes)` : `the end of its enclosing message (byte ${this.limit})`;
    return new ProtobufError(`${what} runs past ${where}`, start, truncated);
  }

  private byteAt(p: number, start: number): number {
    if (p >= this.limit) throw this.overrun('a varint', start);
    return this.bytes[p];
  }

  /** A varint's low 32 bits, unsigned; longer varints (up to 10 bytes) are read whole. */
  private varint32(): number {
    const b = this.bytes;
    const start = this.pos;
    if (start < this.limit && b[start] < 0x80) {
      this.pos = start + 1;
      return b[start];
    }
    let result = 0;
    for (let i = 0, p = start; i < 10; i++) {
      const byte = this.byteAt(p++, start);
      // Bits past 32 fall off the shift, which is what taking the low 32 bits means.
      if (i < 5) result |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        this.pos = p;
        return result >>> 0;
      }
    }
    throw new ProtobufError('a varint longer than 10 bytes', start);
  }

  /**
   * A varint as a 64-bit bigint, two's complement when `signed` (int64), else unsigned (uint64).
   * Bits past 64 are dropped, as protobuf's parsers do.
   */
  private varint64(signed: boolean): bigint {
    const start = this.pos;
    let p = start;
    // Seven bytes (49 bits) add up exactly in a double; only longer varints need bigint arithmetic.
    let low = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      const byte = this.byteAt(p++, start);
      low += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        this.pos = p;
        return BigInt(low);
      }
    }
    let value = BigInt(low);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      const byte = this.byteAt(p++, start);
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = p;
        return signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value);
      }
    }
    throw new ProtobufError('a varint longer than 10 bytes', start);
  }

  /** A varint as a number: exact up to 2^53, rounded beyond (for lengths, where such values are out of range anyway). */
  private varintNumber(): number {
    const b = this.bytes;
    const start = this.pos;
    if (start < this.limit && b[start] < 0x80) {
      this.pos = start + 1;
      return b[start];
    }
    let value = 0;
    for (let i = 0, p = start; i < 10; i++) {
      const byte = this.byteAt(p++, start);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        this.pos = p;
        return value;
      }
    }
    throw new ProtobufError('a varint longer than 10 bytes', start);
  }

  private readFixed32(): number {
    this.need(4, 'a 4-byte fixed32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private readFixed64(): bigint {
    this.need(8, 'an 8-byte fixed64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private readFloat(): number {
    this.need(4, 'a 4-byte float');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  private readDouble(): number {
    this.need(8, 'an 8-byte double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
}
