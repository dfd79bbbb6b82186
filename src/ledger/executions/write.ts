// Writes executions from ingestion. A recorded event carries the whole state of an execution;
// the newest event time wins (`event_time`), so a late older event changes nothing. Archiving and
// editing are transitions with their own time (`source_event_time`): they drop the content
// (output, output_url) and keep the billing facts; a later recorded event never brings it back.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { arrayParam, columnParam } from '../../db/array-param.js';
import type { Database } from '../../db/schema.js';

export interface ExecutionRow {
  id: string;
  workspace_id: string;
  user_id: string;
  agent_id: string;
  agent_type: string;
  status: string;
  credits: number;
  output: string | null;
  output_url: string | null;
  output_private: boolean;
  root_id: string | null;
  execution_origin: string | null;
  used_model: string | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_total: number | null;
  created_at: Date;
  event_time: Date;
}

/**
 * Numbers for a numeric column, written as JS writes them (shortest round trip) and cast by
 * PostgreSQL: numeric has no binary form here, and float8 → numeric would round to 15 digits.
 */
export function numericTexts(values: number[]) {
  return arrayParam('text', values.map(String));
}

/** Upserts executions (one row per id, already reduced to its newest event). */
export async function upsertExecutions(
  db: Kysely<Database>,
  orgId: string,
  rows: ExecutionRow[],
): Promise<void> {
  await upsertExecutionsStatement(orgId, rows)?.execute(db);
}

/** upsertExecutions' statement, for a writer sending it with others (null for no rows). */
export function upsertExecutionsStatement(orgId: string, rows: ExecutionRow[]): RawBuilder<unknown> | null {
  if (rows.length === 0) return null;
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = (key: Parameters<typeof columnParam<ExecutionRow, 'text'>>[2]) =>
    columnParam(sorted, 'text', key);
  const int8 = (key: 'tokens_input' | 'tokens_output' | 'tokens_total') => columnParam(sorted, 'int8', key);
  return sql`
    INSERT INTO executions (org_id, id, workspace_id, user_id, agent_id, agent_type, status, credits, output,
      output_url, output_private, root_id, execution_origin, used_model, tokens_input, tokens_output, tokens_total,
      created_at, event_time)
    SELECT ${orgId}, r.* FROM unnest(
      ${text('id')}::text[], ${text('workspace_id')}::text[], ${text('user_id')}::text[], ${text('agent_id')}::text[],
      ${text('agent_type')}::text[], ${text('status')}::text[],
      ${numericTexts(sorted.map((row) => row.credits))}::text[]::numeric[],
      ${text('output')}::text[], ${text('output_url')}::text[], ${columnParam(sorted, 'bool', 'output_private')}::boolean[],
      ${text('root_id')}::text[], ${text('execution_origin')}::text[], ${text('used_model')}::text[],
      ${int8('tokens_input')}::bigint[], ${int8('tokens_output')}::bigint[], ${int8('tokens_total')}::bigint[],
      ${columnParam(sorted, 'timestamptz', 'created_at')}::timestamptz[],
      ${columnParam(sorted, 'timestamptz', 'event_time')}::timestamptz[]
    ) AS r
    ON CONFLICT (org_id, id) DO UPDATE SET
      workspace_id = excluded.workspace_id, user_id = excluded.user_id, agent_id = excluded.agent_id,
      agent_type = excluded.agent_type, status = excluded.status, credits = excluded.credits,
      output = CASE WHEN executions.source = 'current' THEN excluded.output END,
      output_url = CASE WHEN executions.source = 'current' THEN excluded.output_url END,
      output_private = excluded.output_private, root_id = excluded.root_id,
      execution_origin = excluded.execution_origin, used_model = excluded.used_model,
      tokens_input = excluded.tokens_input, tokens_output = excluded.tokens_output,
      tokens_total = excluded.tokens_total, created_at = excluded.created_at,
      event_time = excluded.event_time, updated_at = now()
    WHERE executions.event_time <= excluded.event_time`;
}

export interface StoredExecutionRef {
  id: string;
  workspace_id: string;
  agent_type: string;
}

export async function findExecutionRefs(
  db: Kysely<Database>,
  orgId: string,
  ids: string[],
): Promise<Map<string, StoredExecutionRef>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('executions')
    .select(['id', 'workspace_id', 'agent_type'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, row]));
}

export interface SourceChange {
  id: string;
  source: 'archived' | 'edited';
  time: Date;
}

/** Applies archive/edit transitions (one per id, the newest); older transitions change nothing. */
export async function changeExecutionSources(
  db: Kysely<Database>,
  orgId: string,
  changes: SourceChange[],
): Promise<void> {
  if (changes.length === 0) return;
  const sorted = [...changes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = columnParam(sorted, 'text', 'id');
  const sources = columnParam(sorted, 'text', 'source');
  const times = columnParam(sorted, 'timestamptz', 'time');
  await sql`
    UPDATE executions AS e SET source = u.source, source_event_time = u.at, output = NULL, output_url = NULL,
      updated_at = now()
    FROM unnest(${ids}::text[], ${sources}::text[], ${times}::timestamptz[]) AS u(id, source, at)
    WHERE e.org_id = ${orgId} AND e.id = u.id
      AND (e.source_event_time IS NULL OR e.source_event_time <= u.at)`.execute(db);
}
