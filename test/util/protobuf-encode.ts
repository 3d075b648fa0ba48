/**
 * A tiny protobuf wire-format encoder for tests: builds messages field by field, so tests can
 * state the exact bytes a decoder meets (packed or not, unknown fields, truncation) without a
 * schema compiler. Values are written as given; nothing checks them against a schema.
 */

export const Wire = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** A varint: unsigned values as they are, negative ones as 64-bit two's complement (10 bytes). */
export function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}

export function tag(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

/** One encoded field (tag and value); a message is these concatenated. */
export type Field = number[];

export function concat(...parts: readonly (readonly number[])[]): number[] {
  return parts.flat();
}

export const varintField = (field: number, value: number | bigint): Field => [...tag(field, Wire.VARINT), ...varint(value)];

export function lenField(field: number, payload: readonly number[] | Uint8Array): Field {
  return [...tag(field, Wire.LEN), ...varint(payload.length), ...payload];
}

export const stringField = (field: number, value: string): Field => lenField(field, new TextEncoder().encode(value));

export const messageField = (field: number, ...fields: Field[]): Field => lenField(field, concat(...fields));

export function fixed32Field(field: number, value: number): Field {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return [...tag(field, Wire.I32), ...b];
}

/** A packed repeated varint field (one length-delimited run). */
export const packedVarints = (field: number, values: readonly (number | bigint)[]): Field => lenField(field, values.flatMap((v) => varint(v)));

export const bytes = (...fields: Field[]): Uint8Array => Uint8Array.from(concat(...fields));
