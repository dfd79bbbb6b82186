// Rollups of activity records, so totals and summaries over long windows read a few hundred
// small rows instead of every record. One row per (scope, grain, bucket, action, resource_type,
// success), where `grain` is 'hour' or 'day' and `bucket` the UTC hour or day it starts; a window
// is answered from whole days, then whole hours, then the records of its partial hours. `scope`
// is 'org' or 'workspace' (the scopes whose windows hold millions of records; finer ones are
// counted from their indexes) and `scope_id` the ids it filters by (a JSON array, unambiguous
// whatever the ids contain). insertActivities maintains the rows in the
// same transaction as the records, so a rollup never disagrees with the records it counts.
// Missing action/resource_type are stored as '' because key columns cannot be null.
import { type Kysely, sql } from 'kysely';

const statements = [
  sql`CREATE TABLE activity_rollups (
    org_id text NOT NULL,
    scope text NOT NULL,
    scope_id text NOT NULL,
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    bucket timestamptz NOT NULL,
    action text NOT NULL,
    resource_type text NOT NULL,
    success boolean NOT NULL,
    requests bigint NOT NULL,
    duration_sum double precision NOT NULL,
    duration_count bigint NOT NULL,
    tokens_sum double precision NOT NULL,
    PRIMARY KEY (org_id, scope, scope_id, grain, bucket, action, resource_type, success)
  )`,
];

// Records stored before this migration are rolled up once; UTC buckets whatever the session zone.
const buckets = {
  hour: sql`(date_trunc('hour', a."timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`,
  day: sql`(date_trunc('day', a."timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`,
};
const dims = sql`coalesce(a.action, ''), coalesce(a.resource_type, ''), a.success`;
const sums = sql`count(*), coalesce(sum(a.duration_ms), 0), count(a.duration_ms), coalesce(sum(a.tokens_total), 0)`;

function backfill(scope: string, scopeId: ReturnType<typeof sql>, where: ReturnType<typeof sql>) {
  return (['hour', 'day'] as const).map(
    (grain) => sql`INSERT INTO activity_rollups
      (org_id, scope, scope_id, grain, bucket, action, resource_type, success,
       requests, duration_sum, duration_count, tokens_sum)
    SELECT a.org_id, ${scope}, ${scopeId}, ${grain}, ${buckets[grain]}, ${dims}, ${sums}
    FROM activities a WHERE ${where}
    GROUP BY a.org_id, 3, 5, 6, 7, 8`,
  );
}

const backfills = [
  // both scopes, at both grains
  backfill('org', sql`'[]'`, sql`true`),
  backfill('workspace', sql`json_build_array(a.workspace_id)::text`, sql`a.workspace_id IS NOT NULL`),
].flat();

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
  await backfillRollups(db);
}

/** Rolls up every stored record; only for an empty activity_rollups (the migration, tests). */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function backfillRollups(db: Kysely<any>): Promise<void> {
  for (const statement of backfills) await statement.execute(db);
}
