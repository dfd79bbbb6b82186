// Reads select instants as whole milliseconds since the epoch (millisOf) and format them with
// isoOfMillis (src/surfaces/shared/time.ts) instead of letting the driver parse PostgreSQL's text
// into a Date. The two must write the same text for every instant PostgreSQL holds that a Date
// does: asked of the database itself (PostgreSQL and PGlite), both ways, over instants before 1970
// with sub-millisecond parts, years 0-99 and BC, and past 2^53 microseconds.
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
