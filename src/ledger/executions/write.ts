// Writes executions from ingestion. A recorded event carries the whole state of an execution;
// the newest event time wins (`event_time`), so a late older event changes nothing. Archiving and
// editing are transitions with their own time (`source_event_time`): they drop the content
// (output, output_url) and keep the billing facts; a later recorded event never brings it back.
import { type Kysely, sql } from 'kysely';
import { PREPARE } from '../../db/prepared.js';
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

const column = <K extends keyof ExecutionRow>(rows: ExecutionRow[], key: K) => rows.map((row) => row[key]);
const times = (values: Date[]) => values.map((value) => value.toISOString());

/** Upserts executions (one row per id, already reduced to its newest event). */
export async function upsertExecutions(
  db: Kysely<Database>,
  orgId: string,
  rows: ExecutionRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await sql`
    INSERT INTO executions (org_id, id, workspace_id, user_id, agent_id, agent_type, status, credits, output,
      output_url, output_private, root_id, execution_origin, used_model, tokens_input, tokens_output, tokens_total,
      created_at, event_time)
    SELECT ${orgId}, r.* FROM unnest(
      ${column(sorted, 'id')}::text[], ${column(sorted, 'workspace_id')}::text[], ${column(sorted, 'user_id')}::text[],
      ${column(sorted, 'agent_id')}::text[], ${column(sorted, 'agent_type')}::text[], ${column(sorted, 'status')}::text[],
      ${column(sorted, 'credits')}::numeric[], ${column(sorted, 'output')}::text[], ${column(sorted, 'output_url')}::text[],
      ${column(sorted, 'output_private')}::boolean[], ${column(sorted, 'root_id')}::text[],
      ${column(sorted, 'execution_origin')}::text[], ${column(sorted, 'used_model')}::text[],
      ${column(sorted, 'tokens_input')}::bigint[], ${column(sorted, 'tokens_output')}::bigint[],
      ${column(sorted, 'tokens_total')}::bigint[], ${times(column(sorted, 'created_at'))}::timestamptz[],
      ${times(column(sorted, 'event_time'))}::timestamptz[]
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
    WHERE executions.event_time <= excluded.event_time${PREPARE}`.execute(db);
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
  await sql`
    UPDATE executions AS e SET source = u.source, source_event_time = u.at, output = NULL, output_url = NULL,
      updated_at = now()
    FROM unnest(${sorted.map((c) => c.id)}::text[], ${sorted.map((c) => c.source)}::text[],
      ${sorted.map((c) => c.time.toISOString())}::timestamptz[]) AS u(id, source, at)
    WHERE e.org_id = ${orgId} AND e.id = u.id
      AND (e.source_event_time IS NULL OR e.source_event_time <= u.at)`.execute(db);
}
