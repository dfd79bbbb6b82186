// Activity rollups folded after the commit (issue 16; docs/decisions.md, "Activity rollups folded
// after the commit"). A writer used to upsert every rollup row its records touch inside its own
// transaction: ~1,500 rows per 1,000 events, a quarter of PostgreSQL's ingestion time, and the
// current hour's rows are what every writer of an org waits for. Now the writer adds one queue
// row per org instead, in the same transaction as its records (its cells, summed in the process,
// as arrays), and a fold takes up to a few dozen queue rows at a time and adds their sums to the
// rollup tables in one statement: consecutive batches of live traffic share their hour and day
// cells, so folding ten of them writes a third of the rows.
//
// Readers stay exact at every commit: they read the `*_live` views, each a rollup table plus the
// queue's rows not yet folded. A fold deletes its queue rows and upserts their sums in one
// statement, so any snapshot sees a batch's cells exactly once, in the queue or in the table.
//
// activity_totals needs no arrays of its own: its rows are the activity_rollups rows summed over
// (action, resource type, success), with `failed` the requests of the unsuccessful ones.
import { type Kysely, sql } from 'kysely';

/** The queue's arrays for activity_rollups (r_) and activity_key_rollups (k_), with their types. */
export const QUEUE_COLUMNS = {
  rollups: [
    ['scope', 'text'],
    ['scope_id', 'text'],
    ['grain', 'text'],
    ['bucket', 'timestamptz'],
    ['action', 'text'],
    ['resource_type', 'text'],
    ['success', 'bool'],
    ['requests', 'int8'],
    ['duration_sum', 'float8'],
    ['duration_count', 'int8'],
    ['tokens_sum', 'float8'],
  ],
  keys: [
    ['workspace_id', 'text'],
    ['dimension', 'text'],
    ['key', 'text'],
    ['grain', 'text'],
    ['bucket', 'timestamptz'],
    ['requests', 'int8'],
    ['failed', 'int8'],
  ],
} as const;

const arrays = (prefix: string, columns: readonly (readonly [string, string])[]) =>
  columns.map(([name, type]) => `${prefix}${name} ${type}[] NOT NULL`).join(', ');

/** unnest(q.r_scope, …) AS u(scope, …): a queue row's rows of one table. */
const unnestOf = (prefix: string, columns: readonly (readonly [string, string])[]) =>
  `unnest(${columns.map(([name]) => `q.${prefix}${name}`).join(', ')}) AS u(${columns.map(([name]) => name).join(', ')})`;

export const QUEUED_ROLLUPS = unnestOf('r_', QUEUE_COLUMNS.rollups);
export const QUEUED_KEYS = unnestOf('k_', QUEUE_COLUMNS.keys);

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`CREATE TABLE activity_rollup_queue (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      org_id text NOT NULL,
      ${arrays('r_', QUEUE_COLUMNS.rollups)},
      ${arrays('k_', QUEUE_COLUMNS.keys)})`)
    .execute(db);
  await sql`CREATE INDEX activity_rollup_queue_org_idx ON activity_rollup_queue (org_id)`.execute(db);
  // A queue row lives for a second or so: compressing its arrays would cost more than it saves.
  for (const [prefix, columns] of [
    ['r_', QUEUE_COLUMNS.rollups],
    ['k_', QUEUE_COLUMNS.keys],
  ] as const) {
    for (const [name] of columns)
      await sql
        .raw(`ALTER TABLE activity_rollup_queue ALTER COLUMN ${prefix}${name} SET STORAGE EXTERNAL`)
        .execute(db);
  }
  await createLiveViews(db);
}

/** The views readers read: each rollup table with the queue's rows not yet folded. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function createLiveViews(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`CREATE OR REPLACE VIEW activity_rollups_live AS
      SELECT org_id, scope, scope_id, grain, bucket, action, resource_type, success,
        requests, duration_sum, duration_count, tokens_sum
      FROM activity_rollups
      UNION ALL
      SELECT q.org_id, u.scope, u.scope_id, u.grain, u.bucket, u.action, u.resource_type, u.success,
        u.requests, u.duration_sum, u.duration_count, u.tokens_sum
      FROM activity_rollup_queue q, ${QUEUED_ROLLUPS}`)
    .execute(db);
  await sql
    .raw(`CREATE OR REPLACE VIEW activity_totals_live AS
      SELECT org_id, scope, scope_id, grain, bucket, requests, failed, duration_sum, duration_count, tokens_sum
      FROM activity_totals
      UNION ALL
      SELECT q.org_id, u.scope, u.scope_id, u.grain, u.bucket, u.requests,
        CASE WHEN u.success THEN 0 ELSE u.requests END, u.duration_sum, u.duration_count, u.tokens_sum
      FROM activity_rollup_queue q, ${QUEUED_ROLLUPS}`)
    .execute(db);
  await sql
    .raw(`CREATE OR REPLACE VIEW activity_key_rollups_live AS
      SELECT org_id, workspace_id, dimension, key, grain, bucket, requests, failed
      FROM activity_key_rollups
      UNION ALL
      SELECT q.org_id, u.workspace_id, u.dimension, u.key, u.grain, u.bucket, u.requests, u.failed
      FROM activity_rollup_queue q, ${QUEUED_KEYS}`)
    .execute(db);
}
