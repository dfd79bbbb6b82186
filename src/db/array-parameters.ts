// Array parameters written as PostgreSQL array literals here rather than by `pg` (issue #16).
// Every batch write passes its columns as arrays (`unnest($1::text[], …)`): a batch of 1,000
// events is some 30,000 array elements, and `pg` writes each through a generic value conversion
// and two regular-expression replacements (~10% of ingestion's service CPU in a profile). For the
// arrays the ledger passes (strings, numbers, booleans, big integers and nulls, one level) the
// literal is written here with one test per element; any other array (nested, dates, buffers,
// objects) is left to `pg`. The text is exactly what `pg` writes (test/core/array-parameters.test.ts).
import type pg from 'pg';

/** What needs a backslash inside a quoted element: the quote and the backslash. */
const NEEDS_ESCAPE = /["\\]/;

/** The array literal `pg` would write for a flat array of primitives, or null for any other. */
export function arrayLiteral(values: readonly unknown[]): string | null {
  let literal = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) literal += ',';
    const value = values[i];
    let text: string;
    switch (typeof value) {
      case 'string':
        text = value;
        break;
      case 'number':
      case 'boolean':
      case 'bigint':
        text = String(value);
        break;
      case 'undefined':
        literal += 'NULL';
        continue;
      default:
        if (value === null) {
          literal += 'NULL';
          continue;
        }
        return null;
    }
    literal += NEEDS_ESCAPE.test(text)
      ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
      : `"${text}"`;
  }
  return `${literal}}`;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** The values with each flat array of primitives replaced by its literal (a copy if any was). */
function withLiterals(values: unknown[]): unknown[] {
  let result: unknown[] | null = null;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (!Array.isArray(value)) continue;
    const literal = arrayLiteral(value);
    if (literal === null) continue;
    result ??= values.slice();
    result[i] = literal;
  }
  return result ?? values;
}

/** Makes a pool's clients write their array parameters here. Returns the pool itself. */
export function fastArrayParameters(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
      if (Array.isArray(values)) return query(config, withLiterals(values), callback);
      if (config !== null && typeof config === 'object' && Array.isArray((config as pg.QueryConfig).values)) {
        const withValues = config as pg.QueryConfig;
        return query({ ...withValues, values: withLiterals(withValues.values!) }, values, callback);
      }
      return query(config, values, callback);
    };
  });
  return pool;
}
