// The one writer of activity records, used by ingestion and by self-recording alike. It keeps the
// hourly and daily rollups in step, in the same transaction: the insert reports which rows were
// actually new (a duplicate delivery never counts twice), this process sums those rows per rollup
// key, and one more statement queues the sums for the three rollup tables (rollup-queue.ts). Summing
// here rather than in SQL keeps PostgreSQL's share of a batch close to the bare insert: a SQL
// aggregate over the inserted rows (each expanded to four scope/grain rows) cost about as much
// again as the insert itself.
import { type Kysely, sql } from 'kysely';
import { ArrayParam, type ElementType } from '../../db/array-param.js';
import { type AnsweringPart, asOneStatement } from '../../db/one-statement.js';
import type { Database, NewActivity } from '../../db/schema.js';
import { rollupCells } from './rollup-cells.js';
import { queueRollupsStatement } from './rollup-queue.js';

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

/** The rows' column, read from the rows as the parameter is written (array-param.ts). */
function columnArray(rows: NewActivity[], column: keyof NewActivity, type: ElementType): ArrayParam {
  return new ArrayParam(type, rows, column);
}

/**
 * Inserts records with their rollups queued, in one transaction (the caller's, if it is one), skipping
 * any whose (org_id, id) is already stored; returns how many were new.
 */
export async function insertActivities(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  if (rows.length === 0) return 0;
  const write = async (trx: Kysely<Database>) => {
    const fresh = await insertActivityRecords(trx, rows);
    await queueRollupsStatement(rollupCells(fresh))?.execute(trx);
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
 * the rows it inserted from its answer. Their rollups are the caller's to queue in the same
 * transaction (queueRollupsStatement).
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
 * inserted. Their rollups are the caller's to queue in the same transaction (queueRollupsStatement).
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

/** The rows the insert kept: the first of each (org_id, id) it reported as inserted. */
function insertedRows(chunk: NewActivity[], keys: Set<string>): NewActivity[] {
  const kept: NewActivity[] = [];
  for (const row of chunk) {
    const key = `${row.org_id}\u0001${row.id}`;
    if (keys.delete(key)) kept.push(row);
  }
  return kept;
}
