// The instants Tally accepts, wherever a request names one (a query's time window, a usage
// history's dates, a token's expiry, an event's times): years 0001–9999 in UTC. That is what a
// four-digit RFC 3339 / ISO 8601 form can write in UTC, hence what every surface renders (JS
// Date's toISOString turns to `+010000-…` past it, PostgreSQL to `… BC` before it), what
// pydantic's datetime holds (the FastAPI seeds) and well inside PostgreSQL's timestamptz
// (4713 BC – 294276 AD). Every parser of a date or time funnels into instantOf, so a value
// outside is each surface's validation error and never reaches the database.

/** 0001-01-01T00:00:00.000Z (Date.UTC would read year 1 as 1901). */
export const MIN_INSTANT_MS = -62_135_596_800_000;
/** 10000-01-01T00:00:00.000Z: the first instant past the range (exclusive bound). */
export const END_OF_INSTANTS_MS = 253_402_300_800_000;
/** How the range is named in error messages. */
export const INSTANT_RANGE_TEXT = 'between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z (UTC)';

/** True when `ms` (milliseconds since the epoch) is an instant Tally accepts. */
export function inInstantRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms < END_OF_INSTANTS_MS;
}

export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The fraction of a second as written, digits only ('' for none); kept to microseconds. */
  fraction: string;
  /** East of UTC is positive. */
  offsetMinutes: number;
}

/**
 * Microseconds since the epoch of a date-time written field by field, or why it is none:
 * `format` when a field is impossible (month 13, February 30, hour 24, a leap second :60, an
 * offset of 24 hours or more), `range` when the instant in UTC is outside years 0001–9999.
 * Leap seconds are refused: neither JS nor the microsecond arithmetic can hold one, and
 * PostgreSQL would silently move it to the next minute.
 */
export function instantOf(
  fields: DateTimeFields,
): { ms: number; micros: number } | { error: 'format' | 'range' } {
  const { year, month, day, hour, minute, second, fraction, offsetMinutes } = fields;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return { error: 'format' };
  if (Math.abs(offsetMinutes) >= 24 * 60) return { error: 'format' };
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return { error: 'format' }; // 2025-02-30
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime() - offsetMinutes * 60_000;
  if (!inInstantRange(ms)) return { error: 'range' };
  // Past the year 2255 a microsecond count exceeds 2^53 and is held to the nearest 32 µs or so
  // (docs/decisions.md); `ms` is exact, so a Date is built from it and not from `micros`.
  return {
    ms: ms + Number(fraction.slice(0, 3).padEnd(3, '0')),
    micros: ms * 1000 + Number(fraction.slice(0, 6).padEnd(6, '0')),
  };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time with its offset (`2025-01-15T10:30:00.123Z`, `…+02:00`), read strictly:
 * four-digit year, real calendar fields, at most nine fraction digits (kept to milliseconds, as a
 * Date holds them). `format` or `range` as instantOf when it is not one Tally accepts.
 */
export function parseRfc3339(value: string): { date: Date } | { error: 'format' | 'range' } {
  const match = RFC3339.exec(value);
  if (!match) return { error: 'format' };
  const result = instantOfMatch(match);
  if ('error' in result) return result;
  return { date: new Date(result.ms) };
}

/**
 * instantOf of a date-time pattern's match whose groups are, in order: year, month, day, hour,
 * minute, second (the time groups may be absent: midnight), fraction, `Z`, offset sign, offset
 * hours, offset minutes.
 */
export function instantOfMatch(match: RegExpExecArray): ReturnType<typeof instantOf> {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, oh = '0', om = '0'] = match;
  if (Number(om) > 59) return { error: 'format' };
  return instantOf({
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
    fraction,
    offsetMinutes: sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0,
  });
}

/** A calendar date `YYYY-MM-DD` (a real one, so not 2025-02-30), or why it is not one. */
export function checkCalendarDate(value: string): 'ok' | 'format' | 'range' {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return 'format';
  const result = instantOf({
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: 0,
    minute: 0,
    second: 0,
    fraction: '',
    offsetMinutes: 0,
  });
  return 'error' in result ? result.error : 'ok';
}
