// Query parameters that Ajv cannot check alone: ISO 8601 times (an offset is optional and its
// absence means UTC, as pydantic reads a naive datetime here) and the window's order.
import { type FieldIssue, invalid } from '../../errors.js';
import { INSTANT_RANGE_TEXT, inInstantRange, instantOfMatch } from '../../instants.js';
import type { Micros } from '../../ledger/activity/time.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
const UNIX = /^-?\d+(?:\.\d+)?$/;

/**
 * Microseconds since the epoch, or why `text` is not a datetime this surface accepts: `format`
 * when pydantic would not read it, `range` when its instant is outside years 0001–9999 in UTC
 * (src/instants.ts).
 */
export function parseDateTime(text: string): Micros | 'format' | 'range' {
  if (UNIX.test(text)) {
    // pydantic reads a number as Unix seconds, or milliseconds when it is too large for seconds.
    const value = Number(text);
    const seconds = Math.abs(value) > 2e10 ? value / 1000 : value;
    if (!inInstantRange(seconds * 1000)) return 'range';
    return Math.round(seconds * 1e6);
  }
  const match = ISO.exec(text);
  if (!match) return 'format';
  const result = instantOfMatch(match);
  return 'error' in result ? result.error : result.micros;
}

export interface WindowQuery {
  start_time?: string | undefined;
  end_time?: string | undefined;
}

/** The window as sent: [start, end), either bound absent; start after end is a 422. */
export function parseWindow(query: WindowQuery): { start: Micros | null; end: Micros | null } {
  const issues: FieldIssue[] = [];
  const read = (field: 'start_time' | 'end_time'): Micros | null => {
    const text = query[field];
    if (text === undefined) return null;
    const micros = parseDateTime(text);
    if (typeof micros === 'number') return micros;
    issues.push({
      location: 'query',
      field: [field],
      kind: 'datetime_parsing',
      message: 'invalid',
      input: text,
      ...(micros === 'range' ? { ctx: { error: `out of range: must be ${INSTANT_RANGE_TEXT}` } } : {}),
    });
    return null;
  };
  const start = read('start_time');
  const end = read('end_time');
  if (issues.length > 0) throw invalid(issues);
  if (start !== null && end !== null && start > end) {
    throw invalid([
      {
        location: 'query',
        field: ['end_time'],
        kind: 'value_error',
        message: 'end_time must not be before start_time',
        input: query.end_time,
      },
    ]);
  }
  return { start, end };
}

export interface DurationQuery {
  min_duration_ms?: number | undefined;
  max_duration_ms?: number | undefined;
}

export function checkDurations(query: DurationQuery): void {
  const { min_duration_ms: min, max_duration_ms: max } = query;
  if (min !== undefined && max !== undefined && min > max) {
    throw invalid([
      {
        location: 'query',
        field: ['max_duration_ms'],
        kind: 'value_error',
        message: 'max_duration_ms must be greater than or equal to min_duration_ms',
        input: max,
      },
    ]);
  }
}
