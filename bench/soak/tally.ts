// Latency and status accounting for a stretch of time (a window, the capacity probe, the whole
// soak per route). Every request is expected to be a 200; anything else is an error, a 5xx or a
// failed exchange also a failure of the soak.
import { percentile } from '../lib/http-load.js';
import type { RequestKind } from './mix.js';

export interface Figures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Status "0" is an exchange without an answer; "dropped" a request never sent (too many in flight). */
export type StatusCounts = Record<string, number>;

const round = (value: number) => Math.round(value * 100) / 100;

export function figures(latencies: number[]): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

export class Tally {
  readonly latencies: Record<RequestKind, number[]> = { read: [], ingest: [] };
  readonly byRoute = new Map<string, number[]>();
  readonly statuses: StatusCounts = {};
  errors = 0;
  /** 5xx answers and exchanges that got no answer at all. */
  failures = 0;
  firstError: string | null = null;

  constructor(private readonly keepRoutes = false) {}

  record(kind: RequestKind, name: string, status: number | 'dropped', ms: number, detail = ''): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status === 'dropped') {
      this.errors += 1;
      this.firstError ??= `${name}: not sent, too many requests in flight`;
      return;
    }
    // Latency is that of answers: an exchange that failed has none (it is counted as a failure).
    if (status !== 0) this.latencies[kind].push(ms);
    if (status !== 0 && this.keepRoutes) {
      const list = this.byRoute.get(name);
      if (list) list.push(ms);
      else this.byRoute.set(name, [ms]);
    }
    if (status !== 200) {
      this.errors += 1;
      if (status === 0 || status >= 500) this.failures += 1;
      this.firstError ??= `${name}: ${status === 0 ? 'no answer' : status} ${detail.slice(0, 300)}`;
    }
  }

  /** Answers received (whatever their status). */
  completed(): number {
    return this.latencies.read.length + this.latencies.ingest.length;
  }

  /** Adds another tally's counts (not its latencies) into this one. */
  absorbCounts(other: Tally): void {
    for (const [status, n] of Object.entries(other.statuses)) {
      this.statuses[status] = (this.statuses[status] ?? 0) + n;
    }
    this.errors += other.errors;
    this.failures += other.failures;
    this.firstError ??= other.firstError;
  }
}
