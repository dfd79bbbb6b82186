// Array parameters are written as literals by src/db/array-parameters.ts instead of by `pg`. The
// literal must be exactly `pg`'s (its own prepareValue is the reference here) and must reach
// PostgreSQL as the same values: generated hostile elements (quotes, backslashes, braces, commas,
// the word NULL, empty strings, non-ASCII, numbers past 2^53, non-finite numbers, big integers)
// go through a real round trip on PostgreSQL and come back equal.
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/db/array-parameters.js';
import { openDatabase } from '../../src/db/open.js';
import { createRandom } from '../../src/demo/random.js';
import { createTestDatabase, testDatabaseKind } from '../helpers/test-database.js';

const TEXTS = [
  '',
  'plain',
  'NULL',
  'null',
  'with "quotes"',
  'back\\slash\\',
  '\\"',
  '{braces},commas',
  '  spaced  ',
  'tab\tnewline\n',
  'é ß 中文 😀',
  '__proto__',
  'x'.repeat(3000),
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  1.5,
  1e-7,
  1e21,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

function sample(random: () => number, kind: 'text' | 'number' | 'bool' | 'mixed'): unknown[] {
  const length = Math.floor(random() * 40);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return Array.from({ length }, () => {
    if (random() < 0.15) return random() < 0.5 ? null : undefined;
    switch (kind) {
      case 'text':
        return pick(TEXTS);
      case 'number':
        return pick(NUMBERS);
      case 'bool':
        return random() < 0.5;
      default:
        return pick<unknown>([...TEXTS, ...NUMBERS, true, false, 12345678901234567890n]);
    }
  });
}

const pgPrepare = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

describe('array literals', () => {
  it('are exactly what pg writes, for every flat array of primitives', () => {
    const random = createRandom(11);
    for (let i = 0; i < 2000; i += 1) {
      const values = sample(random, (['text', 'number', 'bool', 'mixed'] as const)[i % 4]!);
      expect(arrayLiteral(values)).toBe(pgPrepare(values));
    }
    expect(arrayLiteral([])).toBe(pgPrepare([]));
  });

  it('leave to pg the arrays they do not cover: nested, dates, buffers, objects', () => {
    expect(arrayLiteral([['a']])).toBeNull();
    expect(arrayLiteral([new Date(0)])).toBeNull();
    expect(arrayLiteral([Buffer.from('x')])).toBeNull();
    expect(arrayLiteral([{ a: 1 }])).toBeNull();
  });

  it.skipIf(testDatabaseKind() === 'pglite')(
    "reach PostgreSQL as the same values as pg's own literals",
    async () => {
      const testDatabase = await createTestDatabase();
      const database = await openDatabase({ kind: 'postgres', url: testDatabase.url!, poolSize: 1 });
      const plain = new pg.Client({ connectionString: testDatabase.url! });
      await plain.connect();
      try {
        const random = createRandom(5);
        const statement = `SELECT $1::text[] AS texts, ($2::float8[])::text[] AS numbers,
          $3::bool[] AS bools, $4::text[] AS mixed`;
        for (let i = 0; i < 60; i += 1) {
          const values = [
            sample(random, 'text'),
            sample(random, 'number'),
            sample(random, 'bool'),
            sample(random, 'mixed'),
          ];
          const viaLedger = await database.db.executeQuery(CompiledQuery.raw(statement, values));
          const viaPg = await plain.query(statement, values);
          expect(viaLedger.rows).toEqual(viaPg.rows);
        }
      } finally {
        await plain.end();
        await database.close();
        await testDatabase.drop();
      }
    },
  );
});
