// Activity requests and failures per user and per endpoint (a record whose resource_type is
// `endpoint`, keyed by its resource_id), per workspace, UTC hour and day: activity_key_rollups
// (migration 0009), behind the insights API's busiest users and endpoints. The activity writer
// calls this with the rows it actually inserted, in the same transaction, so the rollup never
// disagrees with the records; like activity_rollups it sums in the process and writes each key
// once per batch, in key order (concurrent writers cannot deadlock).
import { type Kysely, sql } from 'kysely';
import type { Database, NewActivity } from '../../db/schema.js';

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

/** The keys a record counts under: its user, and its endpoint when it names one. */
export function activityKeys(row: Pick<NewActivity, 'user_id' | 'resource_type' | 'resource_id'>) {
  const keys: ['user' | 'endpoint', string][] = [];
  if (row.user_id != null) keys.push(['user', row.user_id]);
  if (row.resource_type === 'endpoint' && row.resource_id != null) keys.push(['endpoint', row.resource_id]);
  return keys;
}

function sums(rows: NewActivity[]): KeySum[] {
  const byKey = new Map<string, KeySum>();
  for (const row of rows) {
    const at = new Date(row.timestamp as Date | string).getTime();
    const workspaceId = row.workspace_id ?? '';
    for (const [dimension, key] of activityKeys(row)) {
      for (const [grain, size] of GRAINS) {
        const bucket = Math.floor(at / size) * size;
        const id = [row.org_id, dimension, grain, bucket, workspaceId, key].join('\u0001');
        let sum = byKey.get(id);
        if (!sum) {
          sum = { orgId: row.org_id, workspaceId, dimension, key, grain, bucket, requests: 0, failed: 0 };
          byKey.set(id, sum);
        }
        sum.requests += 1;
        if (!row.success) sum.failed += 1;
      }
    }
  }
  return [...byKey.values()];
}

/** Adds newly inserted activity records to activity_key_rollups. */
export async function addToActivityKeyRollups(db: Kysely<Database>, rows: NewActivity[]): Promise<void> {
  const keySums = sums(rows);
  if (keySums.length === 0) return;
  const column = <K extends keyof KeySum>(key: K) => keySums.map((sum) => sum[key]);
  await sql`
    INSERT INTO activity_key_rollups AS r (org_id, dimension, grain, bucket, workspace_id, key, requests, failed)
    SELECT * FROM unnest(${column('orgId')}::text[], ${column('dimension')}::text[], ${column('grain')}::text[],
      ${keySums.map((sum) => new Date(sum.bucket).toISOString())}::timestamptz[], ${column('workspaceId')}::text[],
      ${column('key')}::text[], ${column('requests')}::int8[], ${column('failed')}::int8[])
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (org_id, dimension, grain, bucket, workspace_id, key) DO UPDATE SET
      requests = r.requests + excluded.requests, failed = r.failed + excluded.failed`.execute(db);
}
