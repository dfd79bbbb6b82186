// The one place where the two drivers' result types are made to agree. `pg` returns int8 and
// numeric as strings; PGlite returns int8 as a number and numeric as a string. Tally's counts fit
// in a double and its amounts (credits, costs) are rendered as JSON numbers anyway, so both
// become numbers here and no other code needs to know which driver answered.

import pg from 'pg';

export const INT8_OID = 20;
export const NUMERIC_OID = 1700;

export const parseInt8 = (value: string): number => Number(value);
export const parseNumeric = (value: string): number => Number(value);

export const TIMESTAMPTZ_OID = 1184;

/**
 * PGlite reads a timestamptz with JS's lenient date parser, which takes `0001-01-01 00:00:00+00`
 * for the year 2001; `pg` reads it with postgres-date, exact for every year Tally holds
 * (src/instants.ts). Both use postgres-date.
 */
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;

/** Parsers in PGlite's `parsers` option shape: oid → (text) => value. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [INT8_OID]: parseInt8,
  [NUMERIC_OID]: parseNumeric,
  [TIMESTAMPTZ_OID]: parseTimestamptz,
};
