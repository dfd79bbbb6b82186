// Ledger records → the seed's activity and summary bodies (RFC 3339 UTC times with milliseconds).
import type { ListedActivity, ListingPage } from '../../ledger/activity/listing.js';
import type { ActivitySummary } from '../../ledger/activity/summary.js';

const microsIso = (micros: number) => new Date(Math.floor(micros / 1000)).toISOString();

/** A listed record as the seed shows it: the stored columns, the instant as RFC 3339. */
export type RenderedActivity = Omit<ListedActivity, 'token_usage' | 'metadata'> & {
  timestamp: string;
  // Objects as stored: the ingestion schemas admit only objects here.
  token_usage: Record<string, number> | null;
  metadata: Record<string, unknown>;
};

/**
 * The page body. The records go out as the driver made them, with their instant formatted in
 * place: the response schema serializes exactly the seed's fields, in the seed's order (so
 * `timestamp_us` is never shown), and copying 25 fields of 50 records into new objects cost more
 * than formatting them.
 */
export function renderPage(page: ListingPage) {
  const activities = page.activities as unknown as RenderedActivity[];
  for (const activity of activities) activity.timestamp = microsIso(activity.timestamp_us);
  return {
    total: page.total,
    has_more: page.hasMore,
    next_cursor: page.nextCursor,
    activities,
  };
}

export function renderSummary(summary: ActivitySummary) {
  return {
    total_requests: summary.totalRequests,
    successful_requests: summary.successfulRequests,
    failed_requests: summary.failedRequests,
    avg_duration_ms: summary.avgDurationMs,
    total_tokens_used: summary.totalTokensUsed,
    by_action: summary.byAction,
    by_resource: summary.byResource,
    start_time: microsIso(summary.start),
    end_time: microsIso(summary.end),
  };
}
