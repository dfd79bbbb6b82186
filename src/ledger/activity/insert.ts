// The one writer of activity records, used by ingestion and by self-recording alike. It keeps the
// hourly and daily rollups (migration 0002) in step: one statement inserts the records and adds
// exactly the ones actually inserted to their org and workspace rollup rows, in the same
// transaction, so a duplicate delivery never counts twice and a rollup never runs ahead of the
// records it sums. Doing both in SQL keeps the write to one round trip per chunk: the records
// never come back to this process to be aggregated.
import { type Kysely, sql } from 'kysely';
import type { Database, NewActivity } from '../../db/schema.js';

/** Rows per statement: the arrays are one parameter per column, so this bounds only its size. */
const ROWS_PER_STATEMENT = 5000;

/** Every column of `activities`, with the PostgreSQL type its array parameter is cast to. */
const COLUMNS = [
  ['org_id', 'text'],
  ['id', 'text'],
  ['timestamp', 'timestamptz'],
  ['trace_id', 'text'],
  ['user_id', 'text'],
  ['workspace_id', 'text'],
  ['app_id', 'text'],
  ['principal_type', 'text'],
  ['principal_id', 'text'],
  ['token_id', 'text'],
  ['token_type', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
  ['action', 'text'],
  ['status_code', 'int4'],
  ['success', 'bool'],
  ['error_code', 'text'],
  ['duration_ms', 'float8'],
  ['execution_id', 'text'],
  ['augmentation_id', 'text'],
  ['stages_completed', 'int4'],
  ['total_stages', 'int4'],
  ['token_usage', 'jsonb'],
  ['metadata', 'jsonb'],
  ['tokens_total', 'float8'],
] as const satisfies readonly (readonly [keyof NewActivity, string])[];

function columnArray(rows: NewActivity[], column: keyof NewActivity): unknown[] {
  return rows.map((row) => {
    const value = row[column];
    if (value instanceof Date) return value.toISOString();
    return value ?? null;
  });
}

/** Inserts records, skipping any whose (org_id, id) is already stored; returns how many were new. */
export async function insertActivities(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (db.isTransaction) return insertWithRollups(db, rows);
  return db.transaction().execute((trx) => insertWithRollups(trx, rows));
}

async function insertWithRollups(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const names = sql.join(COLUMNS.map(([name]) => sql.ref(name)));
    const arrays = sql.join(
      COLUMNS.map(([name, type]) => sql`${columnArray(chunk, name)}::${sql.raw(type)}[]`),
    );
    // Rollup rows are written in key order, so concurrent writers of one org take their row
    // locks in the same order and cannot deadlock. Buckets are UTC hours and days, exactly as
    // the migration's backfill computes them.
    const result = await sql<{ inserted: number }>`
      WITH inserted AS (
        INSERT INTO activities (${names})
        SELECT * FROM unnest(${arrays})
        ON CONFLICT (org_id, id) DO NOTHING
        RETURNING org_id, "timestamp", workspace_id, action, resource_type, success, duration_ms, tokens_total
      ), rolled_up AS (
        INSERT INTO activity_rollups (org_id, scope, scope_id, grain, bucket, action, resource_type, success,
          requests, duration_sum, duration_count, tokens_sum)
        SELECT i.org_id, s.scope, s.scope_id, g.grain,
          (date_trunc(g.grain, i."timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
          coalesce(i.action, ''), coalesce(i.resource_type, ''), i.success,
          count(*), coalesce(sum(i.duration_ms), 0), count(i.duration_ms), coalesce(sum(i.tokens_total), 0)
        FROM inserted AS i
        CROSS JOIN LATERAL (VALUES ('org', '[]'), ('workspace', json_build_array(i.workspace_id)::text))
          AS s(scope, scope_id)
        CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
        WHERE s.scope = 'org' OR i.workspace_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (org_id, scope, scope_id, grain, bucket, action, resource_type, success) DO UPDATE SET
          requests = activity_rollups.requests + excluded.requests,
          duration_sum = activity_rollups.duration_sum + excluded.duration_sum,
          duration_count = activity_rollups.duration_count + excluded.duration_count,
          tokens_sum = activity_rollups.tokens_sum + excluded.tokens_sum
      )
      SELECT count(*)::int AS inserted FROM inserted`.execute(db);
    inserted += Number(result.rows[0]?.inserted ?? 0);
  }
  return inserted;
}
