// The insights API's activity rollups (migration 0009), kept by the activity writer: it adds
// these statements, built from the cells (../activity/rollup-cells.ts) of the rows it actually
// inserted, to its one rollup statement in the same transaction, so these rollups never
// disagree with the records. Like activity_rollups they are summed in the process and each key is
// written once per batch, in key order (concurrent writers cannot deadlock).
//   activity_totals       per org / workspace, UTC hour and day: one row per bucket, so a 30-day
//                         hourly chart reads 720 rows instead of every (action, resource type,
//                         success) row of activity_rollups
//   activity_key_rollups  requests and failures per user and per endpoint (a record whose
//                         resource_type is `endpoint`, keyed by its resource_id), per workspace
//                         (records without one under ''), UTC hour and day: the top lists
import { type RawBuilder, sql } from 'kysely';
import { arrayParam, columnParam } from '../../db/array-param.js';
import { scopeId } from '../activity/filters.js';
import type { Grain, KeySum, Measures, RollupCell } from '../activity/rollup-cells.js';

interface KeyRow extends KeySum {
  orgId: string;
  workspaceId: string;
  grain: Grain;
  bucket: number;
}

interface TotalRow extends Measures {
  orgId: string;
  scope: 'org' | 'workspace';
  scopeId: string;
  grain: Grain;
  bucket: number;
}

/** The cells' rows of activity_totals (org and workspace scopes) and activity_key_rollups. */
function sums(cells: readonly RollupCell[]) {
  const keys: KeyRow[] = [];
  const totals: TotalRow[] = [];
  for (const { orgId, workspaceId, grain, bucket, totals: measures, keys: keySums } of cells) {
    if (workspaceId !== null) {
      for (const sum of keySums) keys.push({ ...sum, orgId, workspaceId, grain, bucket });
    }
    if (workspaceId === '') continue;
    const scope = workspaceId === null ? 'org' : 'workspace';
    const ids = scopeId(workspaceId === null ? [] : [workspaceId]);
    totals.push({ ...measures, orgId, scope, scopeId: ids, grain, bucket });
  }
  return { keys, totals };
}

/** The sums' buckets (ms since the epoch) as a timestamptz[] parameter. */
export const bucketsParam = (sums: { bucket: number }[]) =>
  arrayParam(
    'timestamptz',
    sums.map((sum) => new Date(sum.bucket)),
  );

/**
 * The statements adding newly inserted activity records to activity_totals and
 * activity_key_rollups (none for a table the cells give no row).
 */
export function insightsRollupInserts(cells: readonly RollupCell[]): RawBuilder<unknown>[] {
  const { keys, totals } = sums(cells);
  const statements: RawBuilder<unknown>[] = [];
  if (totals.length === 0) return statements;
  const text = (key: 'orgId' | 'scope' | 'scopeId' | 'grain') => columnParam(totals, 'text', key);
  const int8 = (key: 'requests' | 'failed' | 'durationCount') => columnParam(totals, 'int8', key);
  const float8 = (key: 'durationSum' | 'tokensSum') => columnParam(totals, 'float8', key);
  statements.push(sql`
    INSERT INTO activity_totals AS r (org_id, scope, scope_id, grain, bucket, requests, failed,
      duration_sum, duration_count, tokens_sum)
    SELECT * FROM unnest(${text('orgId')}::text[], ${text('scope')}::text[], ${text('scopeId')}::text[],
      ${text('grain')}::text[], ${bucketsParam(totals)}::timestamptz[], ${int8('requests')}::int8[],
      ${int8('failed')}::int8[], ${float8('durationSum')}::float8[], ${int8('durationCount')}::int8[],
      ${float8('tokensSum')}::float8[])
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (org_id, scope, scope_id, grain, bucket) DO UPDATE SET
      requests = r.requests + excluded.requests, failed = r.failed + excluded.failed,
      duration_sum = r.duration_sum + excluded.duration_sum,
      duration_count = r.duration_count + excluded.duration_count,
      tokens_sum = r.tokens_sum + excluded.tokens_sum`);
  if (keys.length === 0) return statements;
  const keyText = (key: 'orgId' | 'dimension' | 'grain' | 'workspaceId' | 'key') =>
    columnParam(keys, 'text', key);
  statements.push(sql`
    INSERT INTO activity_key_rollups AS r (org_id, dimension, grain, bucket, workspace_id, key, requests, failed)
    SELECT * FROM unnest(${keyText('orgId')}::text[], ${keyText('dimension')}::text[], ${keyText('grain')}::text[],
      ${bucketsParam(keys)}::timestamptz[], ${keyText('workspaceId')}::text[], ${keyText('key')}::text[],
      ${columnParam(keys, 'int8', 'requests')}::int8[], ${columnParam(keys, 'int8', 'failed')}::int8[])
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (org_id, dimension, grain, bucket, workspace_id, key) DO UPDATE SET
      requests = r.requests + excluded.requests, failed = r.failed + excluded.failed`);
  return statements;
}
