// Activity summaries over [now − hours, now), from the same exact aggregation as listing totals.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { aggregate } from './aggregate.js';
import type { ActivityFilter } from './filters.js';
import { MICROS_PER_HOUR, type Micros } from './time.js';

export interface ActivitySummary {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  /**
   * Mean of the records' duration_ms (records without one are left out), rounded to 2 decimals
   * (10 µs); 0 when none. Unrounded, binary floating point and the rollups' running sums show
   * noise such as 36.629999999999995, which no client should have to clean up.
   */
  avgDurationMs: number;
  totalTokensUsed: number;
  /** Records per action; records without an action are counted in no bucket. */
  byAction: Record<string, number>;
  /** Records per resource_type; records without one are counted in no bucket. */
  byResource: Record<string, number>;
  start: Micros;
  end: Micros;
}

export async function summarizeActivities(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  hours: number,
  now: Micros,
): Promise<ActivitySummary> {
  const start = now - hours * MICROS_PER_HOUR;
  const buckets = await aggregate(db, orgId, filter, { start, end: now });
  const summary: ActivitySummary = {
    totalRequests: 0,
    successfulRequests: 0,
    failedRequests: 0,
    avgDurationMs: 0,
    totalTokensUsed: 0,
    byAction: {},
    byResource: {},
    start,
    end: now,
  };
  let durationSum = 0;
  let durationCount = 0;
  for (const bucket of buckets) {
    summary.totalRequests += bucket.requests;
    if (bucket.success) summary.successfulRequests += bucket.requests;
    else summary.failedRequests += bucket.requests;
    durationSum += bucket.durationSum;
    durationCount += bucket.durationCount;
    summary.totalTokensUsed += bucket.tokensSum;
    if (bucket.action !== '') {
      summary.byAction[bucket.action] = (summary.byAction[bucket.action] ?? 0) + bucket.requests;
    }
    if (bucket.resourceType !== '') {
      summary.byResource[bucket.resourceType] =
        (summary.byResource[bucket.resourceType] ?? 0) + bucket.requests;
    }
  }
  summary.avgDurationMs = durationCount === 0 ? 0 : roundMs(durationSum / durationCount);
  return summary;
}

/** Milliseconds to 2 decimals; the division by 100 gives the double that prints as such. */
function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
