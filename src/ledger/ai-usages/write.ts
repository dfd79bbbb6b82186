// Writes AI tool usages from ingestion. A usage may be recorded as pending and completed later;
// each event carries the whole state and the newest event time wins.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { arrayParam, columnParam } from '../../db/array-param.js';
import type { Database } from '../../db/schema.js';
import { numericTexts } from '../executions/write.js';

export interface AiUsageRow {
  id: string;
  workspace_id: string;
  tool_type: string;
  status: string;
  cost: number;
  input_data: Record<string, unknown>;
  response_data: Record<string, unknown>;
  created_at: Date;
  completed_at: Date | null;
  event_time: Date;
}

/** Upserts usages (one row per id, already reduced to its newest event). */
export async function upsertAiUsages(db: Kysely<Database>, orgId: string, rows: AiUsageRow[]): Promise<void> {
  await upsertAiUsagesStatement(orgId, rows)?.execute(db);
}

/** upsertAiUsages' statement, for a writer sending it with others (null for no rows). */
export function upsertAiUsagesStatement(orgId: string, rows: AiUsageRow[]): RawBuilder<unknown> | null {
  if (rows.length === 0) return null;
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = (key: 'id' | 'workspace_id' | 'tool_type' | 'status') => columnParam(sorted, 'text', key);
  const time = (key: 'created_at' | 'completed_at' | 'event_time') => columnParam(sorted, 'timestamptz', key);
  const json = (key: 'input_data' | 'response_data') =>
    arrayParam(
      'jsonb',
      sorted.map((row) => JSON.stringify(row[key])),
    );
  return sql`
    INSERT INTO ai_usages (org_id, id, workspace_id, tool_type, status, cost, input_data, response_data,
      created_at, completed_at, event_time)
    SELECT ${orgId}, r.* FROM unnest(
      ${text('id')}::text[], ${text('workspace_id')}::text[], ${text('tool_type')}::text[], ${text('status')}::text[],
      ${numericTexts(sorted.map((row) => row.cost))}::text[]::numeric[],
      ${json('input_data')}::jsonb[], ${json('response_data')}::jsonb[],
      ${time('created_at')}::timestamptz[], ${time('completed_at')}::timestamptz[], ${time('event_time')}::timestamptz[]
    ) AS r
    ON CONFLICT (org_id, id) DO UPDATE SET
      workspace_id = excluded.workspace_id, tool_type = excluded.tool_type, status = excluded.status,
      cost = excluded.cost, input_data = excluded.input_data, response_data = excluded.response_data,
      created_at = excluded.created_at, completed_at = excluded.completed_at,
      event_time = excluded.event_time, updated_at = now()
    WHERE ai_usages.event_time <= excluded.event_time`;
}
