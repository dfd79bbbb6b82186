// The time window of an agent usage history listing (seeds 001/003). Calendar days are days of the
// deployment's time zone; a window is [start, end) in UTC instants.

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
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function dayNumber(date: CalendarDate): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
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
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** The wall-clock reading of `instant` in `timeZone`, as if it were UTC (milliseconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
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
  const target = Date.parse(`${date}T00:00:00Z`);
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
  return { start, end };
}
