// Instants as integer microseconds since the Unix epoch. PostgreSQL keeps microseconds and a JS
// Date only milliseconds; cursors and window bounds must not lose the difference, or a page
// boundary between two records of the same millisecond would skip or repeat one. A microsecond
// count up to the year 2255 is below 2^53, so a JS number holds it exactly.
import { sql } from 'kysely';

export type Micros = number;

export const MICROS_PER_HOUR = 3_600_000_000;
export const MICROS_PER_DAY = 24 * MICROS_PER_HOUR;

export function microsOfDate(date: Date): Micros {
  return date.getTime() * 1000;
}

/**
 * `2025-01-15T10:30:00.123456Z`, the text form PostgreSQL parses exactly. Requests hold instants
 * to years 0001–9999 (src/instants.ts), but a bound derived from one can step past it (the hour
 * after 9999-12-31T23:30Z is 10000-01-01T00:00Z): toISOString would write `+010000-…`, which
 * PostgreSQL misreads as a time zone, so such a year is written as PostgreSQL spells it.
 */
export function microsToText(micros: Micros | bigint): string {
  let millis: number;
  let rest: number;
  if (typeof micros === 'bigint') {
    // Exact past 2^53 (a record's position, read from PostgreSQL as text): floored division.
    const whole = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
    millis = Number(whole);
    rest = Number(micros - whole * 1000n);
  } else {
    millis = Math.floor(micros / 1000);
    rest = Math.max(0, Math.min(999, Math.round(micros - millis * 1000)));
  }
  const date = new Date(millis);
  const time = `${date.toISOString().slice(-13, -1)}${String(rest).padStart(3, '0')}Z`; // hh:mm:ss.mmmuuu
  const year = date.getUTCFullYear();
  const monthDay = date.toISOString().slice(-19, -14); // MM-DD
  if (year > 9999) return `${year}-${monthDay}T${time}`;
  if (year < 1) return `${String(1 - year).padStart(4, '0')}-${monthDay}T${time} BC`;
  return `${String(year).padStart(4, '0')}-${monthDay}T${time}`;
}

/** A bind parameter for a timestamptz comparison, exact to the microsecond. */
export function timestampParam(micros: Micros) {
  return sql<Date>`${microsToText(micros)}::timestamptz`;
}

export const floorHour = (micros: Micros): Micros => Math.floor(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR;
export const ceilHour = (micros: Micros): Micros => Math.ceil(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR;
export const floorDay = (micros: Micros): Micros => Math.floor(micros / MICROS_PER_DAY) * MICROS_PER_DAY;
export const ceilDay = (micros: Micros): Micros => Math.ceil(micros / MICROS_PER_DAY) * MICROS_PER_DAY;

/** A selectable expression: the record's timestamp as exact integer microseconds. */
export const timestampMicros = sql<number>`(extract(epoch from "timestamp") * 1000000)::bigint`;

export type Range = { from: Micros | null; to: Micros };

/**
 * Splits [start, end) into whole UTC days and whole UTC hours (served by the rollups) and the
 * partial hours at its edges (read from the records). `from: null` means unbounded below.
 */
export interface WindowSplit {
  days: Range | null;
  hours: Range[];
  edges: Range[];
}

export function splitWindow(start: Micros | null, end: Micros): WindowSplit {
  if (start !== null && start >= end) return { days: null, hours: [], edges: [] };
  const firstHour = start === null ? null : ceilHour(start);
  const lastHour = floorHour(end);
  if (firstHour !== null && firstHour >= lastHour)
    return { days: null, hours: [], edges: [{ from: start, to: end }] };
  const edges: Range[] = [];
  if (start !== null && firstHour !== null && start < firstHour) edges.push({ from: start, to: firstHour });
  if (lastHour < end) edges.push({ from: lastHour, to: end });
  const firstDay = firstHour === null ? null : ceilDay(firstHour);
  const lastDay = floorDay(lastHour);
  if (firstDay !== null && firstDay >= lastDay) {
    return { days: null, hours: [{ from: firstHour, to: lastHour }], edges };
  }
  const hours: Range[] = [];
  if (firstHour !== null && firstDay !== null && firstHour < firstDay)
    hours.push({ from: firstHour, to: firstDay });
  if (lastDay < lastHour) hours.push({ from: lastDay, to: lastHour });
  return { days: { from: firstDay, to: lastDay }, hours, edges };
}
