// Array parameters of the write path (`unnest($1::text[], $2::timestamptz[], …)`), sent to
// PostgreSQL in its binary array format. `pg` writes a JS array as an array literal: every element
// escaped and quoted into one string, built by concatenation, which PostgreSQL then parses back
// (array_in, and each element's text input: a timestamp's is a date parser). Per 1,000 ingested
// events that was a quarter of what the service allocated, and its scavenges' main cost
// (docs/decisions.md, "Array parameters in binary"). In binary each element is its length and its
// bytes, written once into one Buffer; PostgreSQL reads it with array_recv and each element type's
// receive function (a timestamp is eight bytes).
//
// `pg` sends any parameter whose toPostgres() returns a Buffer in binary format, so this needs
// nothing from the driver. PGlite's serializers write text, so its dialect passes the plain values
// (`plainValues`) and PGlite writes the literal as before. The statement's cast (`::text[]`) names
// the parameter's type on both.

/** The element types sent in binary, with their PostgreSQL type OIDs (pg_type.oid). */
const ELEMENT_OIDS = {
  text: 25,
  jsonb: 3802,
  timestamptz: 1184,
  int4: 23,
  int8: 20,
  float8: 701,
  bool: 16,
} as const;

export type ElementType = keyof typeof ELEMENT_OIDS;

/** What each element type takes in JS: jsonb takes its JSON text, timestamptz a Date. */
export interface ElementValue {
  text: string;
  jsonb: string;
  timestamptz: Date;
  int4: number;
  int8: number;
  float8: number;
  bool: boolean;
}

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in ms since the Unix epoch. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** A binary array's header with one dimension: ndim, has-nulls flag, element OID, length, lower bound. */
const HEADER_BYTES = 20;

export class ArrayParam<T extends ElementType = ElementType> {
  constructor(
    readonly type: T,
    /** The values; or, with `field`, the rows whose field they are. */
    private readonly source: readonly unknown[],
    private readonly field: string | null = null,
  ) {}

  /**
   * The values as an array. A column of rows is not built into one until asked (PGlite, logs):
   * sent to PostgreSQL it is written from the rows straight into the buffer.
   */
  get values(): readonly (ElementValue[T] | null)[] {
    const { source, field } = this;
    if (field === null) return source as readonly (ElementValue[T] | null)[];
    const read = fieldReader(field);
    return source.map((row) => (read(row) ?? null) as ElementValue[T] | null);
  }

  /** Called by `pg` for an object parameter: a Buffer is sent in binary format. */
  toPostgres(): Buffer {
    return binaryArray(this.type, this.source, this.field === null ? null : fieldReader(this.field));
  }

  /**
   * The values as a text-format driver takes them (PGlite): timestamps as ISO 8601 text, and whole
   * numbers past 2^53 as BigInts, so their text is their exact digits as in binary (JS writes
   * -2^62 as -4611686018427388000).
   */
  plainValues(): unknown[] {
    if (this.type === 'timestamptz')
      return this.values.map((value) => (value === null ? null : (value as Date).toISOString()));
    if (this.type === 'int8')
      return this.values.map((value) =>
        typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)
          ? BigInt(value)
          : value,
      );
    // A column's values are a fresh array already; a plain array is copied.
    return this.field === null ? [...this.source] : (this.values as unknown[]);
  }

  /** Logged or captured statements show the values, as they would a plain array. */
  toJSON(): unknown[] {
    return this.plainValues().map((value) => (typeof value === 'bigint' ? value.toString() : value));
  }
}

/** An array parameter of the given element type. */
export function arrayParam<T extends ElementType>(
  type: T,
  values: readonly (ElementValue[T] | null)[],
): ArrayParam<T> {
  return new ArrayParam(type, values);
}

/** The keys of R whose values are V. */
type KeysWith<R, V> = { [K in keyof R]-?: R[K] extends V ? K : never }[keyof R];

/**
 * One field of every row as an array parameter; the field's type is checked against the
 * element's. The rows are read as the parameter is written: no array of the field per column
 * (the write path's column arrays were a twentieth of what ingestion allocated).
 */
export function columnParam<R, T extends ElementType>(
  rows: readonly R[],
  type: T,
  key: KeysWith<R, ElementValue[T] | null | undefined> & string,
): ArrayParam<T> {
  return new ArrayParam(type, rows, key);
}

/** Reads one field of a row. */
type FieldReader = (row: unknown) => unknown;

const fieldReaders = new Map<string, FieldReader>();

/**
 * A function reading the field by its name, one per field name, made once. Why not
 * `row[field]`: one site reading ~30 different names (a statement's columns) is megamorphic, a
 * lookup in V8's global stub cache per element (~3 % of ingestion's service CPU in a `perf`
 * profile); a function of its own per name keeps each read monomorphic on the rows' one shape.
 * The names are the code's own column names, never input; JSON.stringify writes any string as a
 * JavaScript string literal.
 */
function fieldReader(field: string): FieldReader {
  let read = fieldReaders.get(field);
  if (read === undefined) {
    read = new Function('row', `return row[${JSON.stringify(field)}];`) as FieldReader;
    fieldReaders.set(field, read);
  }
  return read;
}

/** PGlite's form of a statement's parameters: array parameters as plain arrays. */
export function plainParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) => (value instanceof ArrayParam ? value.plainValues() : value));
}

/** Bytes of a fixed-size element type after its 4-byte length. */
const FIXED_BYTES: Partial<Record<ElementType, number>> = {
  timestamptz: 8,
  int8: 8,
  float8: 8,
  int4: 4,
  bool: 1,
};

/**
 * Room for a text or jsonb element after its 4-byte length: a UTF-16 code unit is at most three
 * bytes of UTF-8 (jsonb adds its version byte). Measuring each string exactly first
 * (Buffer.byteLength) was a second pass over it, as long as writing it; the buffer is cut to
 * what was written instead.
 */
function textRoom(type: ElementType, value: string): number {
  return (type === 'jsonb' ? 1 : 0) + 3 * value.length;
}

/**
 * PostgreSQL's binary array format (array_send/array_recv), one dimension, lower bound 1, of the
 * values, or with `read` of what it reads from each of them (undefined is null either way).
 */
export function binaryArray(
  type: ElementType,
  values: readonly unknown[],
  read: FieldReader | null = null,
): Buffer {
  const count = values.length;
  if (count === 0) {
    const empty = Buffer.allocUnsafe(12);
    empty.writeInt32BE(0, 0);
    empty.writeInt32BE(0, 4);
    empty.writeInt32BE(ELEMENT_OIDS[type], 8);
    return empty;
  }
  // A fixed-size type's room is known from the count alone (a null takes less than a value);
  // text's is summed from the values' lengths. Indexed loops: a for…of here allocated an iterator
  // result per element until optimised.
  const fixed = FIXED_BYTES[type];
  let size = HEADER_BYTES;
  if (fixed !== undefined) size += count * (4 + fixed);
  else {
    for (let i = 0; i < count; i++) {
      const value = read === null ? values[i] : read(values[i]);
      size += value === null || value === undefined ? 4 : 4 + textRoom(type, value as string);
    }
  }
  const buffer = Buffer.allocUnsafe(size);
  let nulls = 0;
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const value = read === null ? values[i] : read(values[i]);
    if (value === null || value === undefined) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      nulls = 1;
      continue;
    }
    at = writeElement(buffer, at, type, value);
  }
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(nulls, 4);
  buffer.writeInt32BE(ELEMENT_OIDS[type], 8);
  buffer.writeInt32BE(count, 12);
  buffer.writeInt32BE(1, 16);
  return at === size ? buffer : buffer.subarray(0, at);
}

function writeElement(buffer: Buffer, at: number, type: ElementType, value: unknown): number {
  switch (type) {
    case 'text': {
      const length = buffer.write(value as string, at + 4, 'utf8');
      buffer.writeInt32BE(length, at);
      return at + 4 + length;
    }
    case 'jsonb': {
      // jsonb's binary form is a version byte (1) and the JSON text.
      buffer.writeUInt8(1, at + 4);
      const length = 1 + buffer.write(value as string, at + 5, 'utf8');
      buffer.writeInt32BE(length, at);
      return at + 4 + length;
    }
    case 'timestamptz': {
      const ms = (value as Date).getTime();
      if (!Number.isFinite(ms)) throw new RangeError('An invalid Date cannot be written as a timestamptz');
      buffer.writeInt32BE(8, at);
      writeMicroseconds(buffer, at + 4, ms - PG_EPOCH_MS);
      return at + 12;
    }
    case 'int8': {
      const number = value as number;
      buffer.writeInt32BE(8, at);
      if (Number.isSafeInteger(number)) writeInt64(buffer, at + 4, number);
      // A whole double past 2^53 (a sum of two token counts) is exact as a BigInt.
      else if (Number.isInteger(number) && Math.abs(number) < 2 ** 63)
        buffer.writeBigInt64BE(BigInt(number), at + 4);
      else throw new RangeError(`${number} is not an int8`);
      return at + 12;
    }
    case 'int4': {
      const number = value as number;
      if (!Number.isInteger(number) || number < -2_147_483_648 || number > 2_147_483_647)
        throw new RangeError(`${number} is not an int4`);
      buffer.writeInt32BE(4, at);
      buffer.writeInt32BE(number, at + 4);
      return at + 8;
    }
    case 'float8':
      buffer.writeInt32BE(8, at);
      // `+ 0` turns -0 into 0, as the text form ("0") did.
      buffer.writeDoubleBE((value as number) + 0, at + 4);
      return at + 12;
    case 'bool':
      buffer.writeInt32BE(1, at);
      buffer.writeUInt8(value ? 1 : 0, at + 4);
      return at + 5;
  }
}

/** A safe integer as a big-endian int64 (two's complement). */
function writeInt64(buffer: Buffer, at: number, number: number): void {
  const high = Math.floor(number / TWO_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(number - high * TWO_32, at + 4);
}

/**
 * Milliseconds from PostgreSQL's epoch as int64 microseconds. Past 2^53 µs (over 285 years from
 * 2000) the product is not exact in a double, so it is taken as a BigInt there.
 */
function writeMicroseconds(buffer: Buffer, at: number, ms: number): void {
  const micros = ms * 1000;
  if (Number.isSafeInteger(micros)) writeInt64(buffer, at, micros);
  else buffer.writeBigInt64BE(BigInt(ms) * 1000n, at);
}
