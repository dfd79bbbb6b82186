// The trace_spans table (migration 0008): the links between the spans of a trace Tally stored,
// and where each model call's tokens were counted.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { byString } from '../write/claims.js';
import type { ExecutionWrite, SpanRef, TokenCounts } from '../write/types.js';
import type { SpanNode, SpanRole, Trace } from './span-graph.js';

export interface NewSpan {
  span: SpanRef;
  role: SpanRole;
  executionId: string | null;
  tokens: TokenCounts | null;
  model: string | null;
  alone: ExecutionWrite | null;
}

/**
 * Serialises the settling of each trace: two requests carrying spans of one trace (a model call
 * and its agent, say) would otherwise each miss the other's uncommitted span. Held until the
 * transaction ends; taken in trace order, so requests sharing traces cannot deadlock.
 */
export async function lockTraces(db: Kysely<Database>, orgId: string, traceIds: string[]): Promise<void> {
  if (traceIds.length === 0) return;
  const sorted = [...new Set(traceIds)].sort(byString);
  await sql`
    SELECT count(pg_advisory_xact_lock(hashtextextended(${orgId} || '/' || t.id, 7)))
    FROM (SELECT id FROM unnest(${sorted}::text[]) AS u(id) ORDER BY id) AS t`.execute(db);
}

function aloneOf(value: unknown): ExecutionWrite | null {
  if (value === null || value === undefined) return null;
  const write = (typeof value === 'string' ? JSON.parse(value) : value) as ExecutionWrite & {
    time: string;
    record: { created_at: string };
  };
  return {
    ...write,
    time: new Date(write.time),
    record: { ...write.record, created_at: new Date(write.record.created_at) },
  };
}

export async function insertSpans(db: Kysely<Database>, orgId: string, spans: NewSpan[]): Promise<void> {
  if (spans.length === 0) return;
  const col = <T>(pick: (span: NewSpan) => T) => spans.map(pick);
  // The waiting model calls' executions go as one JSON array (one parameter, parsed once by
  // PostgreSQL), matched to their rows by position, rather than as a jsonb[] literal.
  await sql`
    INSERT INTO trace_spans (org_id, trace_id, span_id, parent_span_id, parent_remote, role, execution_id,
      tokens_input, tokens_output, tokens_total, model, alone)
    SELECT ${orgId}, u.trace_id, u.span_id, u.parent_span_id, u.parent_remote, u.role, u.execution_id,
      u.tokens_input, u.tokens_output, u.tokens_total, u.model, NULLIF(a.alone, 'null'::jsonb)
    FROM unnest(
      ${col((s) => s.span.traceId)}::text[], ${col((s) => s.span.spanId)}::text[],
      ${col((s) => s.span.parentSpanId)}::text[], ${col((s) => s.span.parentRemote)}::boolean[],
      ${col((s) => s.role)}::text[], ${col((s) => s.executionId)}::text[],
      ${col((s) => s.tokens?.input ?? null)}::bigint[], ${col((s) => s.tokens?.output ?? null)}::bigint[],
      ${col((s) => s.tokens?.total ?? null)}::bigint[], ${col((s) => s.model)}::text[]
    ) WITH ORDINALITY AS u(trace_id, span_id, parent_span_id, parent_remote, role, execution_id,
      tokens_input, tokens_output, tokens_total, model, n)
    JOIN jsonb_array_elements(${JSON.stringify(spans.map((s) => s.alone))}::jsonb) WITH ORDINALITY AS a(alone, n)
      USING (n)
    ON CONFLICT DO NOTHING`.execute(db);
}

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  parent_remote: boolean;
  role: SpanRole;
  execution_id: string | null;
  tokens_input: string | number | null;
  tokens_output: string | number | null;
  tokens_total: string | number | null;
  model: string | null;
  alone: unknown;
  received_at: Date | string;
}

/** Every stored span of the traces, by trace id. */
export async function loadTraces(
  db: Kysely<Database>,
  orgId: string,
  traceIds: string[],
): Promise<Map<string, Trace>> {
  const traces = new Map<string, Trace>();
  if (traceIds.length === 0) return traces;
  const { rows } = await sql<SpanRow>`
    SELECT trace_id, span_id, parent_span_id, parent_remote, role, execution_id, tokens_input, tokens_output,
      tokens_total, model, alone, received_at
    FROM trace_spans WHERE org_id = ${orgId} AND trace_id = ANY(${[...new Set(traceIds)]}::text[])`.execute(
    db,
  );
  for (const row of rows) {
    let trace = traces.get(row.trace_id);
    if (!trace) {
      trace = new Map();
      traces.set(row.trace_id, trace);
    }
    const node: SpanNode = {
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      parentRemote: row.parent_remote,
      role: row.role,
      executionId: row.execution_id,
      tokens:
        row.tokens_total === null
          ? null
          : {
              input: Number(row.tokens_input),
              output: Number(row.tokens_output),
              total: Number(row.tokens_total),
            },
      model: row.model,
      alone: aloneOf(row.alone),
      receivedAt: new Date(row.received_at),
    };
    trace.set(row.span_id, node);
  }
  return traces;
}

/** Records where model calls' tokens were counted; they wait no more. */
export async function markCounted(
  db: Kysely<Database>,
  orgId: string,
  counted: { traceId: string; spanId: string; executionId: string }[],
): Promise<void> {
  if (counted.length === 0) return;
  await sql`
    UPDATE trace_spans AS s SET execution_id = u.execution_id, alone = NULL
    FROM unnest(${counted.map((c) => c.traceId)}::text[], ${counted.map((c) => c.spanId)}::text[],
      ${counted.map((c) => c.executionId)}::text[]) AS u(trace_id, span_id, execution_id)
    WHERE s.org_id = ${orgId} AND s.trace_id = u.trace_id AND s.span_id = u.span_id`.execute(db);
}

/** Adds model calls' tokens to stored executions (an execution with no model yet takes theirs). */
export async function addExecutionTokens(
  db: Kysely<Database>,
  orgId: string,
  additions: Map<string, { tokens: TokenCounts; model: string | null }>,
): Promise<void> {
  if (additions.size === 0) return;
  const sorted = [...additions].sort(([a], [b]) => byString(a, b));
  await sql`
    UPDATE executions AS e SET
      tokens_input = COALESCE(e.tokens_input, 0) + u.input,
      tokens_output = COALESCE(e.tokens_output, 0) + u.output,
      tokens_total = COALESCE(e.tokens_total, 0) + u.total,
      used_model = COALESCE(e.used_model, u.model),
      updated_at = now()
    FROM unnest(${sorted.map(([id]) => id)}::text[], ${sorted.map(([, a]) => a.tokens.input)}::bigint[],
      ${sorted.map(([, a]) => a.tokens.output)}::bigint[], ${sorted.map(([, a]) => a.tokens.total)}::bigint[],
      ${sorted.map(([, a]) => a.model)}::text[]) AS u(id, input, output, total, model)
    WHERE e.org_id = ${orgId} AND e.id = u.id`.execute(db);
}

/** Traces with a model call that has waited since before `before`, oldest first. */
export async function waitingTraces(
  db: Kysely<Database>,
  before: Date,
  limit: number,
): Promise<{ orgId: string; traceId: string }[]> {
  const { rows } = await sql<{ org_id: string; trace_id: string }>`
    SELECT org_id, trace_id FROM (
      SELECT org_id, trace_id, min(received_at) AS since FROM trace_spans
      WHERE role = 'model_call' AND execution_id IS NULL AND received_at < ${before.toISOString()}::timestamptz
      GROUP BY org_id, trace_id
    ) AS waiting ORDER BY since LIMIT ${limit}`.execute(db);
  return rows.map((row) => ({ orgId: row.org_id, traceId: row.trace_id }));
}
