// The insights API's activity rollups (migration 0009), kept by the activity writer: it calls
// this with the rows it actually inserted, in the same transaction, so these rollups never
// disagree with the records. Like activity_rollups they are summed in the process and each key is
// written once per batch, in key order (concurrent writers cannot deadlock).
//   activity_totals       per org / workspace, UTC hour and day: one row per bucket, so a 30-day
//                         hourly chart reads 720 rows instead of every (action, resource type,
//                         success) row of activity_rollups
//   activity_key_rollups  requests and failures per user and per endpoint (a record whose
//                         resource_type is `endpoint`, keyed by its resource_id), per workspace
//                         (records without one under ''), UTC hour and day: the top lists
import { type Kysely, sql } from 'kysely';
import { arrayParam, columnParam } from '../../db/array-param.js';
import type { Database, NewActivity } from '../../db/schema.js';
import { scopeId } from '../activity/filters.js';

const GRAINS = [
  ['hour', 3_600_000],
  ['day', 86_400_000],
] as const;

interface KeySum {
  orgId: string;
  workspaceId: string;
  dimension: 'user' | 'endpoint';
  key: string;
  grain: 'hour' | 'day';
  bucket: number;
  requests: number;
  failed: number;
}

interface TotalSum {
  orgId: string;
  scope: 'org' | 'workspace';
  scopeId: string;
  grain: 'hour' | 'day';
  bucket: number;
  requests: number;
  failed: number;
  durationSum: number;
  durationCount: number;
  tokensSum: number;
}

/** The keys a record counts under: its user, and its endpoint when it names one. */
function activityKeys(row: NewActivity) {
  const keys: ['user' | 'endpoint', string][] = [];
  if (row.user_id != null) keys.push(['user', row.user_id]);
  if (row.resource_type === 'endpoint' && row.resource_id != null) keys.push(['endpoint', row.resource_id]);
  return keys;
}

function sums(rows: NewActivity[]) {
  const keys = new Map<string, KeySum>();
  const totals = new Map<string, TotalSum>();
  for (const row of rows) {
    const at = new Date(row.timestamp as Date | string).getTime();
    const workspaceId = row.workspace_id ?? '';
    const failed = row.success ? 0 : 1;
    const duration = row.duration_ms ?? null;
    for (const [grain, size] of GRAINS) {
      const bucket = Math.floor(at / size) * size;
      for (const [dimension, key] of activityKeys(row)) {
        const id = [row.org_id, dimension, grain, bucket, workspaceId, key].join('\u0001');
        let sum = keys.get(id);
        if (!sum) {
          sum = { orgId: row.org_id, workspaceId, dimension, key, grain, bucket, requests: 0, failed: 0 };
          keys.set(id, sum);
        }
        sum.requests += 1;
        sum.failed += failed;
      }
      const scopes = row.workspace_id == null ? (['org'] as const) : (['org', 'workspace'] as const);
      for (const scope of scopes) {
        const ids = scope === 'org' ? scopeId([]) : scopeId([workspaceId]);
        const id = [row.org_id, scope, ids, grain, bucket].join('\u0001');
        let sum = totals.get(id);
        if (!sum) {
          sum = {
            orgId: row.org_id,
            scope,
            scopeId: ids,
            grain,
            bucket,
            requests: 0,
            failed: 0,
            durationSum: 0,
            durationCount: 0,
            tokensSum: 0,
          };
          totals.set(id, sum);
        }
        sum.requests += 1;
        sum.failed += failed;
        if (duration !== null) {
          sum.durationSum += Number(duration);
          sum.durationCount += 1;
        }
        sum.tokensSum += Number(row.tokens_total ?? 0);
      }
    }
  }
  return { keys: [...keys.values()], totals: [...totals.values()] };
}

/** The sums' buckets (ms since the epoch) as a timestamptz[] parameter. */
export const bucketsParam = (sums: { bucket: number }[]) =>
  arrayParam(
    'timestamptz',
    sums.map((sum) => new Date(sum.bucket)),
  );

/** Adds newly inserted activity records to activity_totals and activity_key_rollups. */
export async function addToInsightsRollups(db: Kysely<Database>, rows: NewActivity[]): Promise<void> {
  if (rows.length === 0) return;
  const { keys, totals } = sums(rows);
  const text = (key: 'orgId' | 'scope' | 'scopeId' | 'grain') => columnParam(totals, 'text', key);
  const int8 = (key: 'requests' | 'failed' | 'durationCount') => columnParam(totals, 'int8', key);
  const float8 = (key: 'durationSum' | 'tokensSum') => columnParam(totals, 'float8', key);
  await sql`
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
      tokens_sum = r.tokens_sum + excluded.tokens_sum`.execute(db);
  if (keys.length === 0) return;
  const keyText = (key: 'orgId' | 'dimension' | 'grain' | 'workspaceId' | 'key') =>
    columnParam(keys, 'text', key);
  await sql`
    INSERT INTO activity_key_rollups AS r (org_id, dimension, grain, bucket, workspace_id, key, requests, failed)
    SELECT * FROM unnest(${keyText('orgId')}::text[], ${keyText('dimension')}::text[], ${keyText('grain')}::text[],
      ${bucketsParam(keys)}::timestamptz[], ${keyText('workspaceId')}::text[], ${keyText('key')}::text[],
      ${columnParam(keys, 'int8', 'requests')}::int8[], ${columnParam(keys, 'int8', 'failed')}::int8[])
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (org_id, dimension, grain, bucket, workspace_id, key) DO UPDATE SET
      requests = r.requests + excluded.requests, failed = r.failed + excluded.failed`.execute(db);
}
