// What an activity query selects, independent of the route that asked. Each filter is an exact
// match on a column (or a duration bound); `where` applies them to a query over `activities`, and
// `rollupScope` says which rollup rows count the same records, when some do.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface ActivityFilter {
  workspaceId?: string;
  userId?: string;
  appId?: string;
  resourceType?: string;
  resourceId?: string;
  augmentationId?: string;
  action?: string;
  success?: boolean;
  minDurationMs?: number;
  maxDurationMs?: number;
}

type Eb = ExpressionBuilder<Database, 'activities'>;

/**
 * Each filter's column and comparison, in the order conditions are written: one table for the
 * query-builder statements (filterConditions) and the hand-written page statement (listing.ts).
 */
export const FILTER_CONDITIONS = [
  ['workspaceId', 'workspace_id', '='],
  ['userId', 'user_id', '='],
  ['appId', 'app_id', '='],
  ['augmentationId', 'augmentation_id', '='],
  ['resourceType', 'resource_type', '='],
  ['resourceId', 'resource_id', '='],
  ['action', 'action', '='],
  ['success', 'success', '='],
  ['minDurationMs', 'duration_ms', '>='],
  ['maxDurationMs', 'duration_ms', '<='],
] as const satisfies readonly (readonly [keyof ActivityFilter, string, '=' | '>=' | '<='])[];

/** The filter's conditions (the org condition is the caller's, always first). */
export function filterConditions(eb: Eb, filter: ActivityFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  for (const [name, column, op] of FILTER_CONDITIONS) {
    const value = filter[name];
    if (value !== undefined) conditions.push(eb(column, op, value));
  }
  return conditions;
}

export type RollupScopeName = 'org' | 'workspace';

/** The rollup rows counting exactly the records a filter selects. */
export interface RollupSelection {
  scope: RollupScopeName;
  scopeId: string;
  action?: string;
  resourceType?: string;
  success?: boolean;
}

/** Encodes a scope's ids like PostgreSQL's json_build_array(...)::text (used by the backfill). */
export function scopeId(ids: string[]): string {
  return `[${ids.map((id) => JSON.stringify(id)).join(', ')}]`;
}

// Only the org and workspace scopes are rolled up (see insert.ts): they are the ones whose windows
// hold millions of records. Finer scopes (a user, an app, an endpoint, a resource) hold few
// records per window and are counted exactly from their own indexes; rolling them up would write
// more rollup rows than records.

/**
 * The rollup selection equivalent to `filter`, or null when rollups cannot answer it (duration
 * bounds, or an empty-string value that the rollups' '' for "missing" would confuse).
 */
export function rollupSelection(filter: ActivityFilter): RollupSelection | null {
  if (filter.minDurationMs !== undefined || filter.maxDurationMs !== undefined) return null;
  const values = [
    filter.workspaceId,
    filter.userId,
    filter.appId,
    filter.resourceType,
    filter.resourceId,
    filter.augmentationId,
    filter.action,
  ];
  if (values.some((value) => value === '')) return null;
  const { workspaceId: ws, userId, appId, resourceId, augmentationId } = filter;
  if (
    userId !== undefined ||
    appId !== undefined ||
    resourceId !== undefined ||
    augmentationId !== undefined
  ) {
    return null;
  }
  const dims = {
    ...(filter.action !== undefined ? { action: filter.action } : {}),
    ...(filter.resourceType !== undefined ? { resourceType: filter.resourceType } : {}),
    ...(filter.success !== undefined ? { success: filter.success } : {}),
  };
  return ws === undefined
    ? { scope: 'org', scopeId: scopeId([]), ...dims }
    : { scope: 'workspace', scopeId: scopeId([ws]), ...dims };
}
