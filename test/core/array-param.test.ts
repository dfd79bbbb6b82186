// The write path's array parameters go to PostgreSQL in binary (src/db/array-param.ts) and to
// PGlite as plain arrays, which PGlite writes as text. Each element type's values at its edges are
// sent both ways, as the parameter and as the array literal `pg` would write for a plain array,
// and PostgreSQL's own rendering of the two must be the same: the binary form stores exactly what
// the text form stored. On PostgreSQL the parameter travels in binary (its bytes are no array
// literal: sent as text they would be refused).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  arrayParam,
  binaryArray,
  columnParam,
  type ElementType,
  plainParameters,
} from '../../src/db/array-param.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const LONG = 'x'.repeat(100_000);
const CASES: { type: ElementType; values: unknown[] }[] = [
  {
    type: 'text',
    values: [
      '',
      'plain',
      'quote " backslash \\ comma , brace { } NULL',
      'NULL',
      'é 中文 🎉',
      '\u00a0 \t\n',
      null,
      LONG,
    ],
  },
  { type: 'jsonb', values: ['{}', '{"a":[1,2,{"b":null}],"é":"🎉"}', '"text"', '1e400', 'null', null, '[]'] },
  {
    type: 'timestamptz',
    values: [
      new Date('1970-01-01T00:00:00Z'),
      new Date('2000-01-01T00:00:00Z'),
      new Date('1999-12-31T23:59:59.999Z'),
      new Date('2026-12-06T09:30:00.123Z'),
      new Date('0001-01-01T00:00:00Z'),
      new Date('1500-06-15T12:00:00.001Z'),
      new Date('2300-06-01T10:00:00.003Z'),
      new Date('9999-12-31T23:59:59.999Z'),
      null,
    ],
  },
  { type: 'int4', values: [0, 1, -1, 2_147_483_647, -2_147_483_648, null] },
  {
    type: 'int8',
    values: [
      0,
      -1,
      2 ** 32,
      -(2 ** 32) - 1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 54 - 2,
      -(2 ** 62),
      null,
    ],
  },
  {
    type: 'float8',
    values: [
      0,
      -0,
      1.5,
      0.1 + 0.2,
      5e-324,
      Number.MAX_VALUE,
      -1e300,
      2 ** 53 + 2,
      Number.NaN,
      Infinity,
      -Infinity,
      null,
    ],
  },
  { type: 'bool', values: [true, false, null] },
];

/**
 * The array literal `pg` writes for a plain array, as the text form sent it before; but a whole
 * number past 2^53, which JS writes with its shortest digits (-2^62 as -4611686018427388000), goes
 * as its exact digits: binary stores the integer the double holds (-4611686018427387904).
 */
function literal(values: unknown[], type: ElementType): unknown[] {
  if (type === 'timestamptz')
    return values.map((value) => (value === null ? null : (value as Date).toISOString()));
  if (type === 'int8') return values.map((value) => (value === null ? null : BigInt(value as number)));
  return values;
}

describe.each(CASES)('$type[]', ({ type, values }) => {
  it('stores what the array literal stored', async () => {
    const param = arrayParam(type, values as never);
    const cast = sql.raw(`${type}[]`);
    const { rows } = await sql<{ binary: string; text: string }>`
      SELECT ${param}::${cast}::text AS binary, ${literal(values, type)}::${cast}::text AS text`.execute(
      t.database.db,
    );
    expect(rows[0]!.binary).toBe(rows[0]!.text);
    // And element by element, in order, with the nulls where they were.
    const { rows: elements } = await sql<{ n: number; value: string | null }>`
      SELECT n::int, v::text AS value FROM unnest(${param}::${cast}) WITH ORDINALITY AS u(v, n) ORDER BY n`.execute(
      t.database.db,
    );
    expect(elements.map((row) => row.value === null)).toEqual(values.map((value) => value === null));
  });

  it('sends an empty array', async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT cardinality(${arrayParam(type, [])}::${sql.raw(`${type}[]`)})::int AS n`.execute(t.database.db);
    expect(rows[0]!.n).toBe(0);
  });
});

it('goes to pg as a Buffer in binary format, and to PGlite as the plain values', () => {
  const param = arrayParam('timestamptz', [new Date('2026-01-02T03:04:05.006Z'), null]);
  const buffer = param.toPostgres();
  expect(buffer).toBeInstanceOf(Buffer);
  // ndim 1, has nulls, timestamptz (1184), 2 elements from 1, then 8 bytes and a null.
  expect([0, 4, 8, 12, 16].map((at) => buffer.readInt32BE(at))).toEqual([1, 1, 1184, 2, 1]);
  expect(buffer.readInt32BE(20)).toBe(8);
  expect(buffer.readBigInt64BE(24)).toBe(
    BigInt(Date.parse('2026-01-02T03:04:05.006Z') - 946_684_800_000) * 1000n,
  );
  expect(buffer.readInt32BE(32)).toBe(-1);
  expect(buffer.length).toBe(36);
  expect(plainParameters([param, 'x', 1])).toEqual([['2026-01-02T03:04:05.006Z', null], 'x', 1]);
  expect(JSON.stringify({ param })).toBe('{"param":["2026-01-02T03:04:05.006Z",null]}');
  expect(plainParameters([arrayParam('int8', [1, -(2 ** 62)])])).toEqual([[1, -(2n ** 62n)]]);
  expect(JSON.stringify(arrayParam('int8', [1, -(2 ** 62)]))).toBe('[1,"-4611686018427387904"]');
});

it('writes text of every UTF-8 width, up to three bytes per UTF-16 unit, into a buffer cut to fit', () => {
  // The header (20 bytes), then each element's length and bytes.
  const element = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const header = (count: number) => {
    const buffer = Buffer.alloc(20);
    buffer.writeInt32BE(1, 0);
    buffer.writeInt32BE(0, 4);
    buffer.writeInt32BE(25, 8);
    buffer.writeInt32BE(count, 12);
    buffer.writeInt32BE(1, 16);
    return buffer;
  };
  for (const values of [['中文字'], ['a', 'é', '中', '🎉', '\ud800'], ['ascii only', '']]) {
    // A lone surrogate is written as U+FFFD, as Buffer.from writes it (PostgreSQL's text never sees one).
    expect(binaryArray('text', values)).toEqual(
      Buffer.concat([header(values.length), ...values.map(element)]),
    );
  }
});

it('refuses what its element type cannot hold instead of storing something else', () => {
  expect(() => binaryArray('int4', [1.5])).toThrow(RangeError);
  expect(() => binaryArray('int4', [2 ** 31])).toThrow(RangeError);
  expect(() => binaryArray('int8', [2 ** 63])).toThrow(RangeError);
  expect(() => binaryArray('int8', [0.5])).toThrow(RangeError);
  expect(() => binaryArray('timestamptz', [new Date(Number.NaN)])).toThrow(RangeError);
});

it('is refused by PostgreSQL for a NUL as the text form is', async () => {
  const refusal = async (value: unknown) => {
    try {
      await sql`SELECT ${value}::text[]`.execute(t.database.db);
      return null;
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };
  const binary = await refusal(arrayParam('text', ['a\u0000b']));
  expect(binary).not.toBeNull();
  expect(binary).toBe(await refusal(['a\u0000b']));
});

// The write path's columns are read from their rows as the parameter is written (columnParam):
// the bytes and the plain values must be those of the column built as an array first, an absent
// field (undefined) a null like a null one, and a field named like Object.prototype's members
// read as the row's own.
it('writes a column of rows as the array of that field would be written', () => {
  for (const { type, values } of CASES) {
    const rows = values.map((value, index) =>
      index % 3 === 2 && value === null ? {} : { value, constructor: 1 },
    );
    const column = columnParam(rows as { value?: never }[], type, 'value');
    const asArray = rows.map((row) => (row as { value?: unknown }).value ?? null);
    expect(column.toPostgres()).toEqual(binaryArray(type, asArray));
    expect(column.values).toEqual(asArray);
    expect(column.plainValues()).toEqual(arrayParam(type, asArray as never).plainValues());
  }
  const named = columnParam(
    [{ constructor: 'a', __proto__: null }, { constructor: null }] as { constructor: string | null }[],
    'text',
    'constructor',
  );
  expect(named.values).toEqual(['a', null]);
  expect(named.toPostgres()).toEqual(binaryArray('text', ['a', null]));
});
