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

/**
 * Every bucket start as isoOf writes it. An hourly month is 720 of them, and a Date per name was
 * a sixth of the request's CPU: the hours of one UTC day share its date, so each day is formatted
 * once and its whole hours appended. Anything not a whole hour of a day already formatted goes
 * through isoOf (test/insights/bucket-names.test.ts holds the two equal).
 */
export function bucketNames(buckets: readonly Micros[]): string[] {
  const names = new Array<string>(buckets.length);
  let dayStart = Number.NaN;
  let date = '';
  for (let i = 0; i < buckets.length; i += 1) {
    const at = buckets[i]!;
    const offset = at - dayStart;
    if (offset >= 0 && offset < 24 * MICROS_PER_HOUR && offset % MICROS_PER_HOUR === 0) {
      names[i] = date + HOURS[offset / MICROS_PER_HOUR]!;
      continue;
    }
    const name = isoOf(at);
    names[i] = name;
    // The day's date ("YYYY-MM-DDT", or "+YYYYYY-MM-DDT" past year 9999) when this is its midnight.
    if (name.endsWith('T00:00:00.000Z')) {
      dayStart = at;
      date = name.slice(0, name.length - HOURS[0]!.length);
    }
  }
  return names;
}
