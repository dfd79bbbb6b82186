// Numbers for people: 1.2k, 3.4M, 350 ms, 3.4 s, 5.1%. Exact values stay available in titles
// and in each chart's table view.
const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function compact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      const digits = Math.abs(scaled) >= 100 ? 0 : 1;
      return `${trim(scaled.toFixed(digits))}${suffix}`;
    }
  }
  return abs >= 100 || Number.isInteger(value)
    ? String(Math.round(value))
    : trim(value.toFixed(abs >= 10 ? 1 : 2));
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function full(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return exact.format(value);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim((ms / 1000).toFixed(1))} s`;
  return `${trim((ms / 60_000).toFixed(1))} min`;
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  const value = ratio * 100;
  return `${trim(value.toFixed(value >= 10 || value === 0 ? 0 : 1))}%`;
}

/** The change from `previous` to `current`, e.g. "+12%" or "−3%"; null without a base. */
export function change(current: number | null, previous: number | null): string | null {
  if (current === null || previous === null || previous === 0) return null;
  const ratio = (current - previous) / previous;
  const sign = ratio > 0 ? '+' : ratio < 0 ? '−' : '±';
  return `${sign}${percent(Math.abs(ratio))}`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});
const dayOnly = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** A timestamp in UTC, the time zone every API of Tally speaks. */
export function when(iso: string | null | undefined, bucket: 'hour' | 'day' = 'hour'): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${(bucket === 'day' ? dayOnly : dateTime).format(date)}${bucket === 'day' ? '' : ' UTC'}`;
}
