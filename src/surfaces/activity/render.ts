// A ledger summary → the seed's summary body (RFC 3339 UTC times with milliseconds); pages are
// written by page-json.ts.
import type { ActivitySummary } from '../../ledger/activity/summary.js';
import { isoOfMicros } from '../shared/time.js';

export function renderSummary(summary: ActivitySummary) {
  return {
    total_requests: summary.totalRequests,
    successful_requests: summary.successfulRequests,
    failed_requests: summary.failedRequests,
    avg_duration_ms: summary.avgDurationMs,
    total_tokens_used: summary.totalTokensUsed,
    by_action: summary.byAction,
    by_resource: summary.byResource,
    start_time: isoOfMicros(summary.start),
    end_time: isoOfMicros(summary.end),
  };
}
