// The activity rollups' queue (migration 0011): a writer adds its new records' cells to it, in the
// records' transaction, and a fold adds the queued sums to the rollup tables after the commit.
//   activity_rollups      per org / workspace scope, UTC hour and day, action, resource type and
//                         success (0002): the seed 004 summaries, grouped insights series
//   activity_totals       per org / workspace scope, UTC hour and day (0009): ungrouped charts
//                         read one row per bucket; its rows are activity_rollups' summed, so the
//                         queue holds no arrays of its own for it
//   activity_key_rollups  requests and failures per user and per endpoint (a record whose
//                         resource_type is `endpoint`, keyed by its resource_id), per workspace
//                         (records without one under ''), UTC hour and day (0009): top lists
// Readers read the `*_live` views (the table plus the rows not yet folded), so a committed record
// counts at once; the fold only makes reads cheaper and the tables smaller than the queue.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { columnParam, type ElementType } from '../../db/array-param.js';
import {
  QUEUE_COLUMNS,
  QUEUED_KEYS,
  QUEUED_ROLLUPS,
} from '../../db/migrations/0011_activity_rollup_queue.js';
import type { Database } from '../../db/schema.js';
import type { KeySum, OutcomeSum, RollupCell } from './rollup-cells.js';

/** One activity_rollups row: a cell's outcome in its org or workspace scope. */
type RollupRow = OutcomeSum;

/** One activity_key_rollups row: a user's or endpoint's sums in a workspace ('' for none). */
type KeyRow = KeySum;

/** One org's queue row. */
interface OrgRows {
  orgId: string;
  rollups: RollupRow[];
  keys: KeyRow[];
}

/** The cells' rows (their sums themselves), per org in the order the orgs were first met. */
function rowsPerOrg(cells: readonly RollupCell[]): OrgRows[] {
  const orgs = new Map<string, OrgRows>();
  for (const { orgId, workspaceId, outcomes, keys } of cells) {
    let rows = orgs.get(orgId);
    if (!rows) {
      rows = { orgId, rollups: [], keys: [] };
      orgs.set(orgId, rows);
    }
    if (workspaceId !== null) for (const sum of keys) rows.keys.push(sum);
    // Records without a workspace have no workspace scope (their keys are kept under '').
    if (workspaceId === '') continue;
    for (const outcome of outcomes) rows.rollups.push(outcome);
  }
  return [...orgs.values()];
}

/** The row fields behind each queue column. */
const ROLLUP_FIELDS: Record<(typeof QUEUE_COLUMNS.rollups)[number][0], keyof RollupRow> = {
  scope: 'scope',
  scope_id: 'scopeId',
  grain: 'grain',
  bucket: 'bucket',
  action: 'action',
  resource_type: 'resourceType',
  success: 'success',
  requests: 'requests',
  duration_sum: 'durationSum',
  duration_count: 'durationCount',
  tokens_sum: 'tokensSum',
};

const KEY_FIELDS: Record<(typeof QUEUE_COLUMNS.keys)[number][0], keyof KeyRow> = {
  workspace_id: 'workspaceId',
  dimension: 'dimension',
  key: 'key',
  grain: 'grain',
  bucket: 'bucket',
  requests: 'requests',
  failed: 'failed',
};

const QUEUE_NAMES = sql.raw(
  [
    'org_id',
    ...QUEUE_COLUMNS.rollups.map(([name]) => `r_${name}`),
    ...QUEUE_COLUMNS.keys.map(([name]) => `k_${name}`),
  ].join(', '),
);

function arraysOf<R>(
  rows: readonly R[],
  columns: readonly (readonly [string, ElementType])[],
  fields: Record<string, keyof R>,
): RawBuilder<unknown>[] {
  return columns.map(
    ([name, type]) => sql`${columnParam(rows, type, fields[name]! as never)}::${sql.raw(type)}[]`,
  );
}

/**
 * The statement adding newly inserted records' cells to the queue: one row per org (none when
 * there are no cells). It locks nothing another writer waits for.
 */
export function queueRollupsStatement(cells: readonly RollupCell[]): RawBuilder<unknown> | null {
  if (cells.length === 0) return null;
  const values = rowsPerOrg(cells).map(
    ({ orgId, rollups, keys }) =>
      sql`(${orgId}, ${sql.join([
        ...arraysOf(rollups, QUEUE_COLUMNS.rollups, ROLLUP_FIELDS),
        ...arraysOf(keys, QUEUE_COLUMNS.keys, KEY_FIELDS),
      ])})`,
  );
  return sql`INSERT INTO activity_rollup_queue (${QUEUE_NAMES}) VALUES ${sql.join(values)}`;
}

/** Queue rows a fold statement takes at most: a few seconds of a busy org's batches. */
export const FOLD_ROWS = 64;

/**
 * The fold: takes up to `limit` queue rows (the oldest that no other fold holds) and adds their
 * sums to the three tables, in one statement, so no snapshot sees a queue row both in the queue
 * and in a table, or in neither. Each upsert writes its keys in key order and every fold sends
 * the same statement, so concurrent folds (other instances) cannot deadlock. Answers how many
 * queue rows it took.
 */
export function foldStatement(limit = FOLD_ROWS): RawBuilder<{ taken: number }> {
  return sql<{ taken: number }>`
    WITH taken AS (
      DELETE FROM activity_rollup_queue WHERE id IN (
        SELECT id FROM activity_rollup_queue ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING *
    ), outcomes AS (
      SELECT q.org_id, u.* FROM taken q, ${sql.raw(QUEUED_ROLLUPS)}
    ), keyed AS (
      SELECT q.org_id, u.* FROM taken q, ${sql.raw(QUEUED_KEYS)}
    ), rollups AS (
      INSERT INTO activity_rollups AS r (org_id, scope, scope_id, grain, bucket, action, resource_type,
        success, requests, duration_sum, duration_count, tokens_sum)
      SELECT org_id, scope, scope_id, grain, bucket, action, resource_type, success, sum(requests),
        sum(duration_sum), sum(duration_count), sum(tokens_sum)
      FROM outcomes GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
      ORDER BY org_id COLLATE "C", scope COLLATE "C", scope_id COLLATE "C", grain COLLATE "C", bucket,
        action COLLATE "C", resource_type COLLATE "C", success
      ON CONFLICT (org_id, scope, scope_id, grain, bucket, action, resource_type, success) DO UPDATE SET
        requests = r.requests + excluded.requests, duration_sum = r.duration_sum + excluded.duration_sum,
        duration_count = r.duration_count + excluded.duration_count,
        tokens_sum = r.tokens_sum + excluded.tokens_sum
    ), totals AS (
      INSERT INTO activity_totals AS r (org_id, scope, scope_id, grain, bucket, requests, failed,
        duration_sum, duration_count, tokens_sum)
      SELECT org_id, scope, scope_id, grain, bucket, sum(requests),
        sum(CASE WHEN success THEN 0 ELSE requests END), sum(duration_sum), sum(duration_count),
        sum(tokens_sum)
      FROM outcomes GROUP BY 1, 2, 3, 4, 5
      ORDER BY org_id COLLATE "C", scope COLLATE "C", scope_id COLLATE "C", grain COLLATE "C", bucket
      ON CONFLICT (org_id, scope, scope_id, grain, bucket) DO UPDATE SET
        requests = r.requests + excluded.requests, failed = r.failed + excluded.failed,
        duration_sum = r.duration_sum + excluded.duration_sum,
        duration_count = r.duration_count + excluded.duration_count,
        tokens_sum = r.tokens_sum + excluded.tokens_sum
    ), keys AS (
      INSERT INTO activity_key_rollups AS r (org_id, dimension, grain, bucket, workspace_id, key,
        requests, failed)
      SELECT org_id, dimension, grain, bucket, workspace_id, key, sum(requests), sum(failed)
      FROM keyed GROUP BY 1, 2, 3, 4, 5, 6
      ORDER BY org_id COLLATE "C", dimension COLLATE "C", grain COLLATE "C", bucket,
        workspace_id COLLATE "C", key COLLATE "C"
      ON CONFLICT (org_id, dimension, grain, bucket, workspace_id, key) DO UPDATE SET
        requests = r.requests + excluded.requests, failed = r.failed + excluded.failed
    )
    SELECT count(*)::int AS taken FROM taken`;
}

/**
 * Folds the whole queue, a statement of at most FOLD_ROWS queue rows at a time (rows another fold
 * holds are left to it); answers how many rows it folded.
 */
export async function foldQueue(db: Kysely<Database>): Promise<number> {
  let folded = 0;
  for (;;) {
    const result = await foldStatement().execute(db);
    const taken = result.rows[0]!.taken;
    folded += taken;
    if (taken < FOLD_ROWS) return folded;
  }
}
