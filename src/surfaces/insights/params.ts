// The window of an insights request: parsed like the activity surface's times, defaulted (the
// 24 hours before now), checked (start before end, at most 90 days; hourly buckets at most 31
// days) and aligned to the buckets. Every refusal is the activity dialect's 422.
import { type FieldIssue, invalid } from '../../errors.js';
import { MICROS_PER_DAY, MICROS_PER_HOUR, type Micros } from '../../ledger/activity/time.js';
import { familyOf, GROUPS_OF, type GroupBy, type Metric } from '../../ledger/insights/series.js';
import type { AlignedWindow, Grain } from '../../ledger/insights/window.js';
import { parseWindow, type WindowQuery } from '../activity/params.js';

export const MAX_WINDOW_DAYS = 90;
export const MAX_HOURLY_DAYS = 31;

const issue = (field: string, message: string, input: unknown): FieldIssue => ({
  location: 'query',
  field: [field],
  kind: 'value_error',
  message,
  input,
});

/** The window as sent or defaulted, checked; not aligned yet (the limits apply to what was asked). */
export function insightsWindow(query: WindowQuery, now: Micros): AlignedWindow {
  const sent = parseWindow(query);
  const end = sent.end ?? now;
  const start = sent.start ?? end - 24 * MICROS_PER_HOUR;
  if (start >= end) {
    const field = query.end_time !== undefined ? 'end_time' : 'start_time';
    throw invalid([issue(field, 'end_time must be after start_time', query[field])]);
  }
  if (end - start > MAX_WINDOW_DAYS * MICROS_PER_DAY) {
    throw invalid([
      issue('start_time', `the window must not exceed ${MAX_WINDOW_DAYS} days`, query.start_time ?? null),
    ]);
  }
  return { start, end };
}

export function checkSeries(
  query: WindowQuery & { bucket: Grain; metric: Metric; group_by?: GroupBy | undefined },
  window: AlignedWindow,
  workspaceRoute: boolean,
): void {
  const issues: FieldIssue[] = [];
  if (query.bucket === 'hour' && window.end - window.start > MAX_HOURLY_DAYS * MICROS_PER_DAY) {
    issues.push(
      issue('bucket', `hour buckets need a window of at most ${MAX_HOURLY_DAYS} days`, query.bucket),
    );
  }
  const groupBy = query.group_by;
  if (groupBy !== undefined) {
    const allowed = GROUPS_OF[familyOf(query.metric)].filter((g) => !(workspaceRoute && g === 'workspace'));
    if (!allowed.includes(groupBy)) {
      issues.push(issue('group_by', `${query.metric} can be grouped by ${allowed.join(', ')}`, groupBy));
    }
  }
  if (issues.length > 0) throw invalid(issues);
}

export function checkDimension(dimension: string, workspaceRoute: boolean): void {
  if (workspaceRoute && dimension === 'workspaces') {
    throw invalid([issue('dimension', 'workspaces is only available on the org routes', dimension)]);
  }
}

/** Bucket starts as the API writes instants. */
export const isoOf = (micros: Micros): string => new Date(micros / 1000).toISOString();

const HOURS = Array.from({ length: 24 }, (_, hour) => `${String(hour).padStart(2, '0')}:00:00.000Z`);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const pad = (value: number, width: number) => String(value).padStart(width, '0');

/**
 * Every bucket start as isoOf writes it. An hourly month is 720 of them and a 90-day series 90
 * midnights, and a Date per name was a sixth of an hourly month's CPU: the hours of one UTC day
 * share its date, so each day's date is written once and its whole hours appended, and the next
 * midnight's date follows from the last by the calendar (years 0000–9999, the four-digit form).
 * Anything else goes through isoOf (test/insights/bucket-names.test.ts holds the two equal).
 */
export function bucketNames(buckets: readonly Micros[]): string[] {
  const names = new Array<string>(buckets.length);
  let dayStart = Number.NaN;
  let date = '';
  // The date of dayStart as numbers, when it has a four-digit year (0 otherwise).
  let year = 0;
  let month = 0;
  let day = 0;
  for (let i = 0; i < buckets.length; i += 1) {
    const at = buckets[i]!;
    const offset = at - dayStart;
    if (offset >= 0 && offset < MICROS_PER_DAY && offset % MICROS_PER_HOUR === 0) {
      names[i] = date + HOURS[offset / MICROS_PER_HOUR]!;
      continue;
    }
    if (offset === MICROS_PER_DAY && month !== 0) {
      day += 1;
      if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) {
        day = 1;
        month = month === 12 ? 1 : month + 1;
        if (month === 1) year += 1;
      }
      if (year <= 9999) {
        dayStart = at;
        date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T`;
        names[i] = date + HOURS[0]!;
        continue;
      }
    }
    const name = isoOf(at);
    names[i] = name;
    month = 0;
    // The day's date ("YYYY-MM-DDT", or "+YYYYYY-MM-DDT" past year 9999) when this is its midnight.
    if (name.endsWith('T00:00:00.000Z')) {
      dayStart = at;
      date = name.slice(0, name.length - HOURS[0]!.length);
      if (date.length === 11) {
        year = Number(date.slice(0, 4));
        month = Number(date.slice(5, 7));
        day = Number(date.slice(8, 10));
      }
    }
  }
  return names;
}
