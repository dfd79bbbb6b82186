// Reads select instants as whole milliseconds since the epoch (millisOf) and format them with
// isoOfMillis (src/surfaces/shared/time.ts) instead of letting the driver parse PostgreSQL's text
// into a Date. The two must write the same text for every instant PostgreSQL holds that a Date
// does: asked of the database itself (PostgreSQL and PGlite), both ways, over instants before 1970
// with sub-millisecond parts, years 0-99 and BC, and past 2^53 microseconds.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { millisOf } from '../../src/db/instant-sql.js';
import { isoOfMillis } from '../../src/surfaces/shared/time.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const INSTANTS = [
  '1970-01-01 00:00:00+00',
  '1969-12-31 23:59:59.9995+00',
  '1969-12-31 23:59:59.000001+00',
  '1900-02-28 12:34:56.789999+00',
  '2026-12-06 08:30:00.123456+00',
  '2024-02-29 23:59:59.999999+00',
  '0099-12-31 23:59:59.999999+00',
  '0001-01-01 00:00:00+00',
  '0001-01-01 00:00:00.000001+00 BC',
  '0045-03-15 11:00:00.5+00 BC',
  '9999-12-31 23:59:59.999999+00',
  '10000-01-01 00:00:00+00',
  '275759-12-31 23:59:59.999999+00',
  '2300-06-01 10:00:00.003+00',
  '9999-12-31 23:59:59.997+00',
  '9999-12-31 23:59:59.994+00',
  '1500-01-01 00:00:00.001+00',
];

it.each(INSTANTS)('writes %s as the driver’s Date would', async (instant) => {
  const { rows } = await sql<{ parsed: Date; millis: number }>`
    SELECT t AS parsed, ${sql.raw(millisOf('t'))} AS millis FROM (SELECT ${instant}::timestamptz AS t) AS i`.execute(
    t.database.db,
  );
  const [row] = rows;
  expect(isoOfMillis(row!.millis)).toBe(row!.parsed.toISOString());
});

// isoOfMillis keeps the last day's date text and writes the time of day itself: it must be the
// Date's text for every instant a Date holds, in any order (a kept day of another instant, days
// before 1970 and the extended years included), and do what the Date does with the rest.
const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
const anyInstant = fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS });
const nearMidnight = fc
  .tuple(fc.integer({ min: -1e8, max: 1e8 }), fc.integer({ min: -2, max: 2 }))
  .map(([day, offset]) => Math.min(MAX_DATE_MS, Math.max(-MAX_DATE_MS, day * DAY_MS + offset)));
const sameDay = fc
  .tuple(fc.integer({ min: -1e8, max: 1e8 - 1 }), fc.array(fc.integer({ min: 0, max: DAY_MS - 1 })))
  .map(([day, times]) => times.map((time) => day * DAY_MS + time));

it('writes every instant a Date holds as its toISOString, whatever came before', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          anyInstant,
          nearMidnight,
          sameDay.map((days) => days[0] ?? 0),
        ),
      ),
      (instants) => {
        for (const millis of instants) expect(isoOfMillis(millis)).toBe(new Date(millis).toISOString());
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(sameDay, (instants) => {
      for (const millis of instants) expect(isoOfMillis(millis)).toBe(new Date(millis).toISOString());
    }),
  );
  for (const millis of [
    0,
    -0,
    -1,
    1,
    DAY_MS - 1,
    -DAY_MS,
    MAX_DATE_MS,
    -MAX_DATE_MS,
    253402300799999,
    253402300800000,
    -62167219200000,
    -62167219200001,
  ]) {
    expect(isoOfMillis(millis)).toBe(new Date(millis).toISOString());
  }
});

it('leaves what a Date would not hold as it is to the Date: fractions formatted, the rest refused', () => {
  isoOfMillis(1_765_000_000_000); // a day kept, which a fraction of it must not use
  expect(isoOfMillis(1_765_000_000_000.5)).toBe(new Date(1_765_000_000_000.5).toISOString());
  expect(isoOfMillis(-0.5)).toBe('1970-01-01T00:00:00.000Z');
  for (const millis of [Number.NaN, MAX_DATE_MS + 1, -MAX_DATE_MS - 1, Number.POSITIVE_INFINITY, 2 ** 63]) {
    expect(() => isoOfMillis(millis)).toThrow(RangeError);
  }
});
