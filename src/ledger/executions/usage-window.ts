// The time window of an agent usage history listing (seeds 001/003). Calendar days are days of the
// deployment's time zone; a window is [start, end) in UTC instants.

import { checkCalendarDate, END_OF_INSTANTS_MS, MIN_INSTANT_MS } from '../../instants.js';

export type UsageRange = '1d' | '7d' | '30d';

/** A calendar date `YYYY-MM-DD`. */
export type CalendarDate = string;

export interface UsageWindow {
  start: Date;
  /** Exclusive. */
  end: Date;
}

export const MAX_CUSTOM_RANGE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** True for a real calendar date written exactly `YYYY-MM-DD` (so 2025-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  return checkCalendarDate(value) === 'ok';
}

/** Midnight UTC of a date, also of `10000-01-01` (the day after the last), which Date.parse refuses. */
function utcMidnight(date: CalendarDate): number {
  const [year, month, day] = date.split('-').map(Number);
  const midnight = new Date(0);
  midnight.setUTCFullYear(year!, month! - 1, day!);
  return midnight.getTime();
}

function dayNumber(date: CalendarDate): number {
  return utcMidnight(date) / DAY_MS;
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const next = new Date(utcMidnight(date) + days * DAY_MS);
  // The day after 9999-12-31 is written as the surfaces cannot (`+010000-01-01`): keep it parseable.
  const year = next.getUTCFullYear();
  return year > 9999 ? `${year}-${next.toISOString().slice(-19, -14)}` : next.toISOString().slice(0, 10);
}

/** Days from `start` to `end` counted inclusively (the same day is 1). */
export function inclusiveDays(start: CalendarDate, end: CalendarDate): number {
  return dayNumber(end) - dayNumber(start) + 1;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** The wall-clock reading of `instant` in `timeZone`, as if it were UTC (milliseconds). */
export function wallClock(instant: number, timeZone: string): number {
  // UTC reads as itself (to the second): no Intl formatting, which cost ~10 µs per call and a
  // usage-history request makes several (issue #16). test/usage-history/window.test.ts holds the
  // two ways equal.
  if (timeZone === 'UTC') return Math.floor(instant / 1000) * 1000;
  return wallClockByIntl(instant, timeZone);
}

/** The wall-clock reading through Intl's calendar fields (any time zone). Exported for tests. */
export function wallClockByIntl(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  let beforeChrist = false;
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type === 'era') beforeChrist = part.value === 'BC';
    else if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  // Not Date.UTC, which reads the years 0–99 as 1900–1999; 1 BC is the astronomical year 0.
  const date = new Date(0);
  date.setUTCFullYear(beforeChrist ? 1 - parts.year! : parts.year!, parts.month! - 1, parts.day!);
  date.setUTCHours(parts.hour!, parts.minute!, parts.second!, 0);
  return date.getTime();
}

/** The calendar date `instant` falls on in `timeZone`. */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  return new Date(wallClock(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

/**
 * The instant a calendar day begins in `timeZone`. Offsets are found by iteration, which settles
 * in two steps; a midnight skipped by a DST jump resolves to the first instant of that day.
 */
export function startOfDay(date: CalendarDate, timeZone: string): Date {
  const target = utcMidnight(date);
  let guess = target;
  for (let step = 0; step < 3; step += 1) {
    const offset = wallClock(guess, timeZone) - guess;
    const next = target - offset;
    if (next === guess) break;
    guess = next;
  }
  // A midnight skipped by a DST jump: the guess lands on the previous day; move to the next.
  if (calendarDateIn(new Date(guess), timeZone) < date) guess += 3600_000;
  return new Date(guess);
}

export type WindowRequest =
  | { kind: 'range'; range: UsageRange }
  | { kind: 'dates'; start: CalendarDate; end: CalendarDate };

/**
 * The window a request asks for. `range` counts back from the end of the current day: 1d is the
 * 24 hours before it, 7d and 30d the last 7 or 30 calendar days ending with today. Custom dates are
 * whole days, both inclusive. The start is clamped, silently, to `minDate`.
 */
export function usageWindow(
  request: WindowRequest,
  now: Date,
  timeZone: string,
  minDate: CalendarDate | null,
): UsageWindow {
  let start: Date;
  let end: Date;
  if (request.kind === 'dates') {
    start = startOfDay(request.start, timeZone);
    end = startOfDay(addDays(request.end, 1), timeZone);
  } else {
    const today = calendarDateIn(now, timeZone);
    end = startOfDay(addDays(today, 1), timeZone);
    start =
      request.range === '1d'
        ? new Date(end.getTime() - DAY_MS)
        : startOfDay(addDays(today, request.range === '7d' ? -6 : -29), timeZone);
  }
  if (minDate !== null) {
    const floor = startOfDay(minDate, timeZone);
    if (floor > start) start = floor;
  }
  // Days at the ends of years 0001–9999 can begin or end outside them in the deployment's zone;
  // nothing is recorded there (src/instants.ts), so the window stops at the range's edges.
  if (start.getTime() < MIN_INSTANT_MS) start = new Date(MIN_INSTANT_MS);
  if (end.getTime() > END_OF_INSTANTS_MS) end = new Date(END_OF_INSTANTS_MS);
  return { start, end };
}
