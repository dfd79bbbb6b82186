// The time window of the overview and workspace pages: a preset (24 h, 7 d, 30 d, 90 d) or a
// custom range, its bucket size, and the previous window of the same length to compare with.
export type Preset = '24h' | '7d' | '30d' | '90d' | 'custom';

export interface TimeWindow {
  preset: Preset;
  start: string;
  end: string;
  bucket: 'hour' | 'day';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LENGTHS: Record<Exclude<Preset, 'custom'>, number> = {
  '24h': DAY,
  '7d': 7 * DAY,
  '30d': 30 * DAY,
  '90d': 90 * DAY,
};
export const PRESETS: { value: Preset; label: string }[] = [
  { value: '24h', label: '24 h' },
  { value: '7d', label: '7 d' },
  { value: '30d', label: '30 d' },
  { value: '90d', label: '90 d' },
  { value: 'custom', label: 'Custom' },
];

/** Hourly buckets up to 7 days (168 points), daily beyond (the API allows hours up to 31 days). */
export function bucketFor(lengthMs: number): 'hour' | 'day' {
  return lengthMs <= 7 * DAY ? 'hour' : 'day';
}

/** A preset window ending at the next full hour, so that its buckets are whole. */
export function presetWindow(preset: Exclude<Preset, 'custom'>, now = Date.now()): TimeWindow {
  const end = Math.ceil(now / HOUR) * HOUR;
  const length = LENGTHS[preset];
  const bucket = bucketFor(length);
  const alignedEnd = bucket === 'day' ? Math.ceil(now / DAY) * DAY : end;
  return {
    preset,
    start: new Date(alignedEnd - length).toISOString(),
    end: new Date(alignedEnd).toISOString(),
    bucket,
  };
}

export function customWindow(start: string, end: string): TimeWindow | string {
  const s = Date.parse(start);
  const e = Date.parse(end);
  if (!Number.isFinite(s) || !Number.isFinite(e)) return 'Enter a start and an end';
  if (s >= e) return 'The start must be before the end';
  if (e - s > 90 * DAY) return 'A window is at most 90 days long';
  return {
    preset: 'custom',
    start: new Date(s).toISOString(),
    end: new Date(e).toISOString(),
    bucket: bucketFor(e - s),
  };
}

export function previousOf(window: TimeWindow): { start: string; end: string } {
  const s = Date.parse(window.start);
  const e = Date.parse(window.end);
  return { start: new Date(s - (e - s)).toISOString(), end: window.start };
}

export function bucketEnd(start: string, bucket: 'hour' | 'day'): string {
  return new Date(Date.parse(start) + (bucket === 'day' ? DAY : HOUR)).toISOString();
}

/** `YYYY-MM-DDTHH:MM` in UTC, for <input type="datetime-local"> (labelled as UTC). */
export function toInput(iso: string): string {
  return iso.slice(0, 16);
}

export function fromInput(value: string): string {
  return value ? `${value}:00Z` : '';
}
