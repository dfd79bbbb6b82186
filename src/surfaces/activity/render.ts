// Ledger records → the seed's activity and summary bodies (RFC 3339 UTC times with milliseconds).
import type { Activity } from '../../db/schema.js';
import type { ListingPage } from '../../ledger/activity/listing.js';
import type { ActivitySummary } from '../../ledger/activity/summary.js';
import { iso } from '../shared/time.js';

const microsIso = (micros: number) => new Date(Math.floor(micros / 1000)).toISOString();

export function renderActivity(activity: Activity) {
  return {
    id: activity.id,
    timestamp: iso(activity.timestamp),
    trace_id: activity.trace_id,
    user_id: activity.user_id,
    workspace_id: activity.workspace_id,
    app_id: activity.app_id,
    principal_type: activity.principal_type,
    principal_id: activity.principal_id,
    token_id: activity.token_id,
    token_type: activity.token_type,
    method: activity.method,
    path: activity.path,
    resource_type: activity.resource_type,
    resource_id: activity.resource_id,
    action: activity.action,
    status_code: activity.status_code,
    success: activity.success,
    error_code: activity.error_code,
    duration_ms: activity.duration_ms,
    execution_id: activity.execution_id,
    augmentation_id: activity.augmentation_id,
    stages_completed: activity.stages_completed,
    total_stages: activity.total_stages,
    token_usage: (activity.token_usage ?? null) as Record<string, number> | null,
    // The seed's metadata is always an object; a record stored without one shows {}.
    metadata: (activity.metadata ?? {}) as Record<string, unknown>,
  };
}

export function renderPage(page: ListingPage) {
  return {
    total: page.total,
    has_more: page.hasMore,
    next_cursor: page.nextCursor,
    activities: page.activities.map(renderActivity),
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
