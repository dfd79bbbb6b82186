/** RFC 3339 UTC with milliseconds, the form every body uses (`2025-01-15T10:30:00.000Z`). */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/**
 * An instant read as whole milliseconds since the epoch (statements select it so, exactly: no Date
 * parsed from PostgreSQL's text per row) as the same RFC 3339 text `pg` would have made of it
 * (postgres-date drops the microseconds). Microseconds would not do: past the year 2255 (and
 * before 1685) a count of them exceeds 2^53 and is held to the nearest 32 µs or so, which can
 * move the millisecond (src/db/instant-sql.ts; test/core/instant-millis.test.ts).
 */
export const isoOfMillis = (millis: number): string => new Date(millis).toISOString();

/** Window bounds computed in microseconds by the service itself (summaries) as RFC 3339 text. */
export const isoOfMicros = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString();
