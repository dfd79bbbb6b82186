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
  const ms = wholeMillis(year, month, day, hour, minute, second, offsetMinutes);
  if (typeof ms === 'string') return { error: ms };
  // Past the year 2255 a microsecond count exceeds 2^53 and is held to the nearest 32 µs or so
  // (docs/decisions.md); `ms` is exact, so a Date is built from it and not from `micros`.
  return {
    ms: ms + Number(fraction.slice(0, 3).padEnd(3, '0')),
    micros: ms * 1000 + Number(fraction.slice(0, 6).padEnd(6, '0')),
  };
}

/** Days from 1970-01-01 to a proleptic Gregorian date (as JS dates count; month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * Milliseconds since the epoch of whole calendar and clock fields at an offset (east of UTC
 * positive), `format` when a field is impossible (month 13, February 30, hour 24, a leap second
 * :60, an offset of 24 hours or more), `range` outside years 0001–9999 in UTC. Arithmetic only:
 * the ingestion path reads a few instants per event, and a Date per field check cost more than
 * the rest of reading the event.
 */
function wholeMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  offsetMinutes: number,
): number | 'format' | 'range' {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'format';
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return 'format';
  if (Math.abs(offsetMinutes) >= 24 * 60) return 'format';
  const ms =
    daysFromCivil(year, month, day) * 86_400_000 +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000;
  return inInstantRange(ms) ? ms : 'range';
}

/** The number written by `count` ASCII digits of `value` from `at`, or -1 when one is not a digit. */
function digitsAt(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i += 1) {
    const digit = value.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * Milliseconds since the epoch of an RFC 3339 date-time with its offset, read strictly and
 * without a regular expression (ingestion reads a few per event): `YYYY-MM-DD`, `T`, `t` or a
 * space, `HH:MM:SS`, an optional fraction of 1 to 9 digits (kept to milliseconds), then `Z`, `z`
 * or `±HH:MM`; `format` or `range` as wholeMillis.
 */
export function rfc3339Millis(value: string): number | 'format' | 'range' {
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  const separator = value[10];
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    value[4] !== '-' ||
    value[7] !== '-' ||
    (separator !== 'T' && separator !== 't' && separator !== ' ') ||
    value[13] !== ':' ||
    value[16] !== ':'
  )
    return 'format';
  let at = 19;
  let fractionMs = 0;
  if (value[at] === '.') {
    let count = 0;
    while (count < 10 && digitsAt(value, at + 1 + count, 1) >= 0) count += 1;
    if (count === 0 || count > 9) return 'format';
    for (let i = 0; i < 3; i += 1)
      fractionMs = fractionMs * 10 + (i < count ? digitsAt(value, at + 1 + i, 1) : 0);
    at += 1 + count;
  }
  let offsetMinutes = 0;
  const zone = value[at];
  if (zone === 'Z' || zone === 'z') {
    if (value.length !== at + 1) return 'format';
  } else if (zone === '+' || zone === '-') {
    const offsetHours = digitsAt(value, at + 1, 2);
    const offsetMins = digitsAt(value, at + 4, 2);
    if (offsetHours < 0 || offsetMins < 0 || value[at + 3] !== ':' || value.length !== at + 6)
      return 'format';
    if (offsetMins > 59) return 'format';
    offsetMinutes = (zone === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return 'format';
  }
  const ms = wholeMillis(year, month, day, hour, minute, second, offsetMinutes);
  return typeof ms === 'string' ? ms : ms + fractionMs;
}

/**
 * An RFC 3339 date-time with its offset (`2025-01-15T10:30:00.123Z`, `…+02:00`), read strictly:
 * four-digit year, real calendar fields, at most nine fraction digits (kept to milliseconds, as a
 * Date holds them). `format` or `range` as instantOf when it is not one Tally accepts.
 */
export function parseRfc3339(value: string): { date: Date } | { error: 'format' | 'range' } {
  const ms = rfc3339Millis(value);
  return typeof ms === 'string' ? { error: ms } : { date: new Date(ms) };
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
