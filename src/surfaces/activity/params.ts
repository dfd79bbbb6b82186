// Query parameters that Ajv cannot check alone: ISO 8601 times (an offset is optional and its
// absence means UTC, as pydantic reads a naive datetime here) and the window's order.
import { type FieldIssue, invalid } from '../../errors.js';
import type { Micros } from '../../ledger/activity/time.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
const UNIX = /^-?\d+(?:\.\d+)?$/;

/** Microseconds since the epoch, or null when `text` is not a datetime pydantic would accept. */
export function parseDateTime(text: string): Micros | null {
  if (UNIX.test(text)) {
    // pydantic reads a number as Unix seconds, or milliseconds when it is too large for seconds.
    const value = Number(text);
    const seconds = Math.abs(value) > 2e10 ? value / 1000 : value;
    const micros = Math.round(seconds * 1e6);
    return Number.isSafeInteger(micros) ? micros : null;
  }
  const match = ISO.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, oh = '0', om = '0'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return null; // 2025-02-30
  date.setUTCHours(hour, minute, second, 0);
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  if (Number(oh) > 23 || Number(om) > 59) return null;
  const micros = date.getTime() * 1000 + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return micros - offsetMinutes * 60_000_000;
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
    if (micros === null) {
      issues.push({
        location: 'query',
        field: [field],
        kind: 'datetime_parsing',
        message: 'invalid',
        input: text,
      });
    }
    return micros;
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
