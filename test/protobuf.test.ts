/**
 * The protobuf wire-format reader (src/import/protobuf.ts) on hand-worked byte sequences
 * (https://protobuf.dev/programming-guides/encoding/): varints of every length, fixed-width
 * values, packed and unpacked repeated fields, skipping unknown fields of every wire type, and
 * the errors for truncated and malformed bytes, which must name the byte offset and the field.
 */
import { describe, expect, it } from 'vitest';
import { ProtobufError, ProtobufReader, MAX_NESTING, type MessageSchema } from '../src/import/protobuf.js';
import { bytes, fixed32Field, messageField, stringField, varint, varintField, Wire } from './util/protobuf-encode.js';

/** A test message: field 1..5 of every kind the reader has. */
const TEST = { name: 'Test', fields: { value: 1, text: 2, child: 3, list: 4, floats: 5 } } as const satisfies MessageSchema;

type Reading = (r: ProtobufReader, wire: number) => unknown;

/** Reads `data` as a Test message; every occurrence of field 1 is read with `read`, and its values collected. */
function readField1(data: readonly number[], read: Reading): unknown[] {
  const r = new ProtobufReader(Uint8Array.from(data));
  const values: unknown[] = [];
  r.fields(TEST, (field, wire) => {
    if (field !== TEST.fields.value) return false;
    values.push(read(r, wire));
    return true;
  });
  return values;
}

const uint64: Reading = (r, w) => r.uint64(w);
const int64: Reading = (r, w) => r.int64(w);
const int32: Reading = (r, w) => r.int32(w);
const uint32: Reading = (r, w) => r.uint32(w);

interface TestMessage {
  text: string[];
  list: bigint[];
  floats: number[];
  child?: TestMessage;
}

/** The Test message in full, the way an ONNX decoder reads its messages. */
function decodeTest(r: ProtobufReader): TestMessage {
  const m: TestMessage = { text: [], list: [], floats: [] };
  const f = TEST.fields;
  r.fields(TEST, (field, wire) => {
    switch (field) {
      case f.text: m.text.push(r.string(wire)); return true;
      case f.child: m.child = r.message(wire, decodeTest); return true;
      case f.list: r.repeatedInt64(wire, m.list); return true;
      case f.floats: r.repeatedFloat(wire, m.floats); return true;
      default: return false;
    }
  });
  return m;
}

const decode = (data: readonly number[] | Uint8Array) => decodeTest(new ProtobufReader(Uint8Array.from(data)));

function errorOf(f: () => unknown): ProtobufError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtobufError) return e;
    throw e;
  }
  throw new Error('no error was raised');
}

const MAX_UINT64 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

describe('varints', () => {
  it('one byte', () => {
    expect(readField1([0x08, 0x00, 0x08, 0x01, 0x08, 0x7f], uint64)).toEqual([0n, 1n, 127n]);
    expect(readField1([0x08, 0x7f], int32)).toEqual([127]);
  });

  it('two bytes: 300 is ac 02 (0101100 + 0000010 << 7)', () => {
    expect(readField1([0x08, 0xac, 0x02], uint64)).toEqual([300n]);
    expect(readField1([0x08, 0xac, 0x02], int32)).toEqual([300]);
    expect(readField1([0x08, 0x80, 0x01], uint64)).toEqual([128n]);
  });

  it('past 2^53, exactly: 2^53 + 1 and INT64_MAX (nine bytes)', () => {
    // 2^53 + 1: bit 0 and bit 53 (the 8th group of 7 bits, its bit 4).
    expect(readField1([0x08, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], int64)).toEqual([2n ** 53n + 1n]);
    expect(readField1([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], int64)).toEqual([2n ** 63n - 1n]);
  });

  it('ten bytes: max uint64 as uint64, and as int64 it is -1', () => {
    expect(readField1([0x08, ...MAX_UINT64], uint64)).toEqual([2n ** 64n - 1n]);
    expect(readField1([0x08, ...MAX_UINT64], int64)).toEqual([-1n]);
  });

  it('negative int64: two\'s complement in ten bytes (-2 is fe ff .. ff 01; INT64_MIN is 80 .. 80 01)', () => {
    expect(readField1([0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], int64)).toEqual([-2n]);
    expect(readField1([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], int64)).toEqual([-(2n ** 63n)]);
  });

  it('int32 takes the low 32 bits: negative int32 values are sign-extended to ten bytes', () => {
    expect(readField1([0x08, ...MAX_UINT64], int32)).toEqual([-1]);
    expect(readField1([0x08, ...MAX_UINT64], uint32)).toEqual([0xffffffff]);
    // -128 (an INT8 in int32_data): 80 ff ff ff ff ff ff ff ff 01.
    expect(readField1([0x08, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], int32)).toEqual([-128]);
    // 2^32 + 5 keeps its low bits: 5.
    expect(readField1([0x08, 0x85, 0x80, 0x80, 0x80, 0x10], int32)).toEqual([5]);
  });

  it('agrees with the test encoder on a spread of values', () => {
    expect(varint(300)).toEqual([0xac, 0x02]);
    expect(varint(-1)).toEqual(MAX_UINT64);
    const values = [0n, 1n, 127n, 128n, 16383n, 16384n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 49n - 1n, 2n ** 49n, 2n ** 56n + 3n, 2n ** 63n - 1n, -(2n ** 63n), -7n];
    expect(readField1(values.flatMap((v) => varintField(1, v)), int64)).toEqual(values);
  });

  it('refuses a varint longer than ten bytes', () => {
    const e = errorOf(() => readField1([0x08, ...Array(10).fill(0xff), 0x01], int64));
    expect(e.message).toBe('Test.value, at byte 1: a varint longer than 10 bytes');
  });
});

describe('fixed-width values', () => {
  it('fixed32 and float: four little-endian bytes', () => {
    expect(readField1([0x0d, 0x78, 0x56, 0x34, 0x12], (r, w) => r.fixed32(w))).toEqual([0x12345678]);
    // 1.5 is 0x3fc00000; -2 is 0xc0000000.
    expect(readField1([0x0d, 0x00, 0x00, 0xc0, 0x3f, 0x0d, 0x00, 0x00, 0x00, 0xc0], (r, w) => r.float(w))).toEqual([1.5, -2]);
  });

  it('fixed64 and double: eight little-endian bytes', () => {
    expect(readField1([0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01], (r, w) => r.fixed64(w))).toEqual([0x0102030405060708n]);
    expect(readField1([0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], (r, w) => r.fixed64(w))).toEqual([2n ** 64n - 1n]);
    // 1.5 is 0x3ff8000000000000.
    expect(readField1([0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f], (r, w) => r.double(w))).toEqual([1.5]);
  });

  it('refuses a truncated fixed32, naming its offset', () => {
    const e = errorOf(() => readField1([0x0d, 0x01, 0x02], (r, w) => r.fixed32(w)));
    expect(e.message).toBe('Test.value, at byte 1: a 4-byte fixed32 runs past the end of the data (3 bytes)');
    expect(e.truncated).toBe(true);
  });
});

describe('length-delimited values', () => {
  it('strings are UTF-8; bytes are views into the input, not copies', () => {
    expect(decode([0x12, 0x02, 0x68, 0x69, 0x12, 0x03, 0xc3, 0xa9, 0x21, 0x12, 0x00]).text).toEqual(['hi', 'é!', '']);
    const data = Uint8Array.from([0x00, 0x08, 0x01, 0x0a, 0x03, 0x61, 0x62, 0x63]).subarray(1);
    const r = new ProtobufReader(data);
    let value: Uint8Array | undefined;
    r.fields(TEST, (field, wire) => {
      if (field === 1 && wire === Wire.LEN) value = r.bytesField(wire);
      return field === 1 && wire === Wire.LEN;
    });
    expect(Array.from(value!)).toEqual([0x61, 0x62, 0x63]);
    expect(value!.buffer).toBe(data.buffer);
    expect(value!.byteOffset).toBe(5);
  });

  it('a Node Buffer gives plain Uint8Array views (whose slice() copies)', () => {
    const r = new ProtobufReader(Buffer.from([0x0a, 0x02, 0x01, 0x02]));
    let value: Uint8Array | undefined;
    r.fields(TEST, (_field, wire) => ((value = r.bytesField(wire)), true));
    expect(Buffer.isBuffer(value)).toBe(false);
    expect(value).toBeInstanceOf(Uint8Array);
  });

  it('nested messages end where their length says', () => {
    const m = decode([...messageField(3, stringField(2, 'inner'), messageField(3, stringField(2, 'deeper'))), ...stringField(2, 'outer')]);
    expect(m.text).toEqual(['outer']);
    expect(m.child?.text).toEqual(['inner']);
    expect(m.child?.child?.text).toEqual(['deeper']);
  });

  it('refuses a length beyond the data, naming the field and offset (truncated)', () => {
    const e = errorOf(() => decode([0x12, 0x05, 0x61]));
    expect(e.message).toBe('Test.text, at byte 1: the length of a string is 5 bytes, but only 1 remains before the end of the data (3 bytes)');
    expect(e.truncated).toBe(true);
    expect(e.offset).toBe(1);
  });

  it('refuses a length beyond its enclosing message (malformed, not truncated), with the path down to it', () => {
    // Field 3 holds 3 bytes (ending at byte 5); inside, field 2 claims 5 bytes.
    const e = errorOf(() => decode([0x1a, 0x03, 0x12, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]));
    expect(e.message).toBe('Test.child > Test.text, at byte 3: the length of a string is 5 bytes, but only 1 remains before the end of its enclosing message (byte 5)');
    expect(e.truncated).toBe(false);
    expect(e.path).toEqual(['Test.child', 'Test.text']);
  });

  it(`refuses messages nested more than ${MAX_NESTING} deep`, () => {
    const nest = (levels: number) => {
      let data: number[] = stringField(2, 'bottom');
      for (let i = 0; i < levels; i++) data = messageField(3, data);
      return data;
    };
    expect(errorOf(() => decode(nest(MAX_NESTING + 1))).message).toMatch(new RegExp(`messages nested more than ${MAX_NESTING} deep`));
    let m = decode(nest(MAX_NESTING));
    for (let i = 0; i < MAX_NESTING; i++) m = m.child!;
    expect(m.text).toEqual(['bottom']);
  });
});

describe('repeated scalars', () => {
  // Field 4 = int64 [3, 270, -1]: 270 is 8e 02; -1 is ten bytes.
  const unpacked = [0x20, 0x03, 0x20, 0x8e, 0x02, 0x20, ...MAX_UINT64];
  const packed = [0x22, 13, 0x03, 0x8e, 0x02, ...MAX_UINT64];

  it('accepts unpacked and packed encodings alike, and both mixed (appending)', () => {
    expect(decode(unpacked).list).toEqual([3n, 270n, -1n]);
    expect(decode(packed).list).toEqual([3n, 270n, -1n]);
    expect(decode([...packed, 0x20, 0x07, ...packed]).list).toEqual([3n, 270n, -1n, 7n, 3n, 270n, -1n]);
    expect(decode([0x22, 0x00]).list).toEqual([]);
  });

  it('packed and unpacked floats', () => {
    // Field 5: 1.5 and -2, packed (2a 08 ...) then one unpacked (2d ...).
    const m = decode([0x2a, 0x08, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x2d, 0x00, 0x00, 0x80, 0x3f]);
    expect(m.floats).toEqual([1.5, -2, 1]);
  });

  it('refuses a packed run whose last value runs past the run', () => {
    // 6 bytes of packed floats: the second float starts at byte 6 and has only 2 bytes left in the run.
    const e = errorOf(() => decode([0x2a, 0x06, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x12, 0x00]));
    expect(e.message).toBe('Test.floats, at byte 6: a 4-byte float runs past the end of its enclosing message (byte 8)');
  });

  it('refuses a known field with the wrong wire type, naming both', () => {
    expect(errorOf(() => decode([0x10, 0x01])).message).toBe('Test.text, at byte 1: expected a string, wire type 2 (LEN), but found wire type 0 (VARINT)');
    expect(errorOf(() => decode([0x25, 0, 0, 0, 0])).message).toMatch(/^Test\.list, at byte 1: expected an int64 or packed values of it, wire type 0 \(VARINT\), but found wire type 5 \(I32\)/);
  });
});

describe('unknown fields', () => {
  it('skips every wire type, groups (nested ones too) included, and reads the fields around them', () => {
    const data = [
      ...stringField(2, 'first'),
      ...varintField(9, -1), // VARINT, ten bytes
      0x51, 1, 2, 3, 4, 5, 6, 7, 8, // field 10, I64
      ...stringField(11, 'ignored'), // LEN
      ...fixed32Field(12, 7), // I32
      0x6b, ...varintField(1, 5), 0x73, ...stringField(2, 'x'), 0x74, 0x6c, // field 13 SGROUP { 1: 5, 14 SGROUP { 2: 'x' } 14 EGROUP } 13 EGROUP
      ...stringField(2, 'last'),
    ];
    expect(decode(data).text).toEqual(['first', 'last']);
  });

  it('skips unknown fields of nested messages too (newer schemas decode)', () => {
    const m = decode([...messageField(3, varintField(99, 12345), stringField(2, 'kept')), ...varintField(1, 1)]);
    expect(m.child?.text).toEqual(['kept']);
  });

  it('refuses a varint running off the end, naming its offset', () => {
    const e = errorOf(() => decode([0x48, 0x80]));
    expect(e.message).toBe('Test.field 9, at byte 1: a varint runs past the end of the data (2 bytes)');
    expect(e.truncated).toBe(true);
    expect(errorOf(() => decode([0x12, 0x01, 0x61, 0xff])).message).toBe('Test, at byte 3: a varint runs past the end of the data (4 bytes)');
  });

  it('refuses bad tags and broken groups', () => {
    expect(errorOf(() => decode([0x00])).message).toBe('Test, at byte 0: invalid field tag 0x0 (field number 0, wire type 0)');
    expect(errorOf(() => decode([0x0e])).message).toBe('Test, at byte 0: invalid field tag 0xe (field number 1, wire type 6)');
    expect(errorOf(() => decode([0x4f])).message).toMatch(/wire type 7/);
    expect(errorOf(() => decode([0x4c])).message).toBe('Test.field 9, at byte 1: an end-group tag (field 9) with no group open');
    expect(errorOf(() => decode([0x4b, 0x08, 0x01])).message).toBe('Test.field 9, at byte 1: group (field 9) with no end-group tag runs past the end of the data (3 bytes)');
    expect(errorOf(() => decode([0x4b, 0x54])).message).toBe('Test.field 9, at byte 1: end-group tag for field 10 closes the group of field 9');
  });

  it('refuses an unknown field whose length runs past the data', () => {
    const e = errorOf(() => decode(bytes(stringField(2, 'ok'), [0x5a, 0x10, 0x61])));
    expect(e.message).toBe('Test.field 11, at byte 5: the length of a length-delimited value is 16 bytes, but only 1 remains before the end of the data (7 bytes)');
  });
});
