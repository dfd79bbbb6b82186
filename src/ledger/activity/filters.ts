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

/** Every filter's name, in the order their conditions are written. */
export const FILTER_NAMES = [
  'workspaceId',
  'userId',
  'appId',
  'augmentationId',
  'resourceType',
  'resourceId',
  'action',
  'success',
  'minDurationMs',
  'maxDurationMs',
] as const satisfies readonly (keyof ActivityFilter)[];

/** The filter's conditions (the org condition is the caller's, always first). */
export function filterConditions(eb: Eb, filter: ActivityFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.workspaceId !== undefined) conditions.push(eb('workspace_id', '=', filter.workspaceId));
  if (filter.userId !== undefined) conditions.push(eb('user_id', '=', filter.userId));
  if (filter.appId !== undefined) conditions.push(eb('app_id', '=', filter.appId));
  if (filter.augmentationId !== undefined) conditions.push(eb('augmentation_id', '=', filter.augmentationId));
  if (filter.resourceType !== undefined) conditions.push(eb('resource_type', '=', filter.resourceType));
  if (filter.resourceId !== undefined) conditions.push(eb('resource_id', '=', filter.resourceId));
  if (filter.action !== undefined) conditions.push(eb('action', '=', filter.action));
  if (filter.success !== undefined) conditions.push(eb('success', '=', filter.success));
  if (filter.minDurationMs !== undefined) conditions.push(eb('duration_ms', '>=', filter.minDurationMs));
  if (filter.maxDurationMs !== undefined) conditions.push(eb('duration_ms', '<=', filter.maxDurationMs));
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
