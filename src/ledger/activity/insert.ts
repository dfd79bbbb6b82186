// The one writer of activity records, used by ingestion and by self-recording alike. It keeps the
// hourly and daily rollups (migration 0002) in step, in the same transaction: the insert reports
// which rows were actually new (a duplicate delivery never counts twice), this process sums those
// rows per rollup key, and one more statement adds the sums to the three rollup tables. Summing
// here rather than in SQL keeps PostgreSQL's share of a batch close to the bare insert: a SQL
// aggregate over the inserted rows (each expanded to four scope/grain rows) cost about as much
// again as the insert itself.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type ArrayParam, arrayParam, columnParam, type ElementType } from '../../db/array-param.js';
import { type AnsweringPart, asOneStatement } from '../../db/one-statement.js';
import type { Database, NewActivity } from '../../db/schema.js';
import { bucketsParam, insightsRollupInserts } from '../insights/activity-rollups.js';
import { type OutcomeSum, type RollupCell, rollupCells } from './rollup-cells.js';

/**
 * Rows per statement: the arrays are one parameter per column, so this bounds only its size. Group
 * commit (../write/group-commit.ts) never groups more writes than this, so a group's records go
 * in one statement, as a request's largest batch does.
 */
export const ROWS_PER_STATEMENT = 5000;

/** Every column of `activities`, with the PostgreSQL type of its array parameter. */
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
] as const satisfies readonly (readonly [keyof NewActivity, ElementType])[];

/** The columns of `activities` in the order the writer fills them (the benchmark's COPY uses it). */
export const ACTIVITY_COLUMNS: readonly (keyof NewActivity)[] = COLUMNS.map(([name]) => name);

function columnArray(rows: NewActivity[], column: keyof NewActivity, type: ElementType): ArrayParam {
  return arrayParam(
    type,
    rows.map((row) => (row[column] ?? null) as never),
  );
}

/**
 * Inserts records with their rollups, in one transaction (the caller's, if it is one), skipping
 * any whose (org_id, id) is already stored; returns how many were new.
 */
export async function insertActivities(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  if (rows.length === 0) return 0;
  const write = async (trx: Kysely<Database>) => {
    const fresh = await insertActivityRecords(trx, rows);
    await addToActivityRollups(trx, rollupCells(fresh));
    return fresh.length;
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

/** What an activity insert answers: how many rows were new, and their keys when some were not. */
interface InsertAnswer {
  inserted: number;
  keys: string[] | null;
}

/**
 * The insert of at most ROWS_PER_STATEMENT records as the answering part of a larger statement
 * (../../db/one-statement.ts), skipping any whose (org_id, id) is already stored, and how to read
 * the rows it inserted from its answer. Their rollups are the caller's to add in the same
 * transaction (activityRollupStatements).
 */
export function activityInsertPart(rows: NewActivity[]): {
  part: AnsweringPart<InsertAnswer>;
  inserted(answer: InsertAnswer): NewActivity[];
} {
  const names = sql.join(COLUMNS.map(([name]) => sql.ref(name)));
  const arrays = sql.join(
    COLUMNS.map(([name, type]) => sql`${columnArray(rows, name, type)}::${sql.raw(type)}[]`),
  );
  return {
    part: {
      name: 'inserted',
      statement: sql`
        INSERT INTO activities (${names})
        SELECT * FROM unnest(${arrays})
        ON CONFLICT (org_id, id) DO NOTHING
        RETURNING org_id, id`,
      // The keys come back only when some row was skipped: the common case returns one number.
      select: sql<InsertAnswer>`
        SELECT count(*)::int AS inserted,
          CASE WHEN count(*) < ${rows.length}
            THEN coalesce(array_agg(org_id || chr(1) || id), ARRAY[]::text[]) END AS keys
        FROM inserted`,
    },
    inserted: ({ keys }) => (keys === null ? rows : insertedRows(rows, new Set(keys))),
  };
}

/**
 * Inserts records, skipping any whose (org_id, id) is already stored, and returns the rows it
 * inserted. Their rollups are the caller's to add in the same transaction (addToActivityRollups):
 * the ledger's write entry point adds them last, once for the whole group, so the rollup rows'
 * locks, which every writer of an org's current hour waits for, are held only until the commit.
 */
export async function insertActivityRecords(
  db: Kysely<Database>,
  rows: NewActivity[],
): Promise<NewActivity[]> {
  const inserted: NewActivity[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const { part, inserted: read } = activityInsertPart(rows.slice(start, start + ROWS_PER_STATEMENT));
    const result = await asOneStatement([], part)!.execute(db);
    for (const row of read(result.rows[0]!)) inserted.push(row);
  }
  return inserted;
}

/**
 * The statements adding cells to the three activity rollup tables (the benchmark's fold-cost
 * probe runs them too). Each upsert locks its rows in key order, and every writer's statement
 * runs them in the same order: writers cannot deadlock on them.
 */
export function activityRollupStatements(cells: readonly RollupCell[]): RawBuilder<unknown>[] {
  return [...activityRollupInserts(cells), ...insightsRollupInserts(cells)];
}

/** Adds cells to the three activity rollup tables, in one statement (../../db/one-statement.ts). */
export async function addToActivityRollups(
  db: Kysely<Database>,
  cells: readonly RollupCell[],
): Promise<void> {
  await asOneStatement(activityRollupStatements(cells))?.execute(db);
}

/** The rows the insert kept: the first of each (org_id, id) it reported as inserted. */
function insertedRows(chunk: NewActivity[], keys: Set<string>): NewActivity[] {
  const kept: NewActivity[] = [];
  for (const row of chunk) {
    const key = `${row.org_id}\u0001${row.id}`;
    if (keys.delete(key)) kept.push(row);
  }
  return kept;
}

/** One activity_rollups row's key and sums: a cell's outcome, in its org or workspace scope. */
interface RollupSum extends OutcomeSum {
  orgId: string;
  scope: 'org' | 'workspace';
  workspaceId: string | null;
  grain: 'hour' | 'day';
  bucket: number;
}

/** The cells' sums per outcome: org and workspace scopes, UTC hours and days. */
function rollupSums(cells: readonly RollupCell[]): RollupSum[] {
  const sums: RollupSum[] = [];
  for (const { orgId, workspaceId, grain, bucket, outcomes } of cells) {
    if (workspaceId === '') continue;
    const scope = workspaceId === null ? 'org' : 'workspace';
    for (const outcome of outcomes) sums.push({ ...outcome, orgId, scope, workspaceId, grain, bucket });
  }
  return sums;
}

/**
 * The statement adding the sums to their rollup rows. Rows are written in key order, so concurrent
 * writers of one org take their row locks in the same order and cannot deadlock; the workspace
 * scope id is built by the same json_build_array as the migration's backfill.
 */
function activityRollupInserts(cells: readonly RollupCell[]): RawBuilder<unknown>[] {
  const sums = rollupSums(cells);
  if (sums.length === 0) return [];
  const text = (key: 'orgId' | 'scope' | 'workspaceId' | 'grain' | 'action' | 'resourceType') =>
    columnParam(sums, 'text', key);
  return [
    sql`
    INSERT INTO activity_rollups (org_id, scope, scope_id, grain, bucket, action, resource_type, success,
      requests, duration_sum, duration_count, tokens_sum)
    SELECT u.org_id, u.scope,
      CASE WHEN u.scope = 'org' THEN '[]' ELSE json_build_array(u.workspace_id)::text END,
      u.grain, u.bucket, u.action, u.resource_type, u.success,
      u.requests, u.duration_sum, u.duration_count, u.tokens_sum
    FROM unnest(${text('orgId')}::text[], ${text('scope')}::text[], ${text('workspaceId')}::text[],
      ${text('grain')}::text[], ${bucketsParam(sums)}::timestamptz[], ${text('action')}::text[],
      ${text('resourceType')}::text[], ${columnParam(sums, 'bool', 'success')}::bool[],
      ${columnParam(sums, 'int8', 'requests')}::int8[], ${columnParam(sums, 'float8', 'durationSum')}::float8[],
      ${columnParam(sums, 'int8', 'durationCount')}::int8[], ${columnParam(sums, 'float8', 'tokensSum')}::float8[])
      AS u(org_id, scope, workspace_id, grain, bucket, action, resource_type, success,
        requests, duration_sum, duration_count, tokens_sum)
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT (org_id, scope, scope_id, grain, bucket, action, resource_type, success) DO UPDATE SET
      requests = activity_rollups.requests + excluded.requests,
      duration_sum = activity_rollups.duration_sum + excluded.duration_sum,
      duration_count = activity_rollups.duration_count + excluded.duration_count,
      tokens_sum = activity_rollups.tokens_sum + excluded.tokens_sum`,
  ];
}
