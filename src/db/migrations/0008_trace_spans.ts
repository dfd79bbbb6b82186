// The spans of traces received over OTLP, one row per span Tally stored (trace_spans). They link
// a model call to the agent span above it when the two arrive in different requests, in either
// order (exporters send a span when it ends, so children usually come first): a model call's
// tokens count in the nearest agent execution above it, or in an execution of its own when none
// is above it, and exactly once either way. `execution_id` says where a model call's tokens were
// counted (NULL while it waits for the spans above it); `alone` is the execution it becomes when
// it is settled on its own, and is dropped once it is counted.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE trace_spans (
      org_id text NOT NULL REFERENCES orgs (id),
      trace_id text NOT NULL,
      span_id text NOT NULL,
      parent_span_id text,
      parent_remote boolean NOT NULL DEFAULT false,
      role text NOT NULL CHECK (role IN ('agent', 'model_call', 'other')),
      execution_id text,
      tokens_input bigint,
      tokens_output bigint,
      tokens_total bigint,
      model text,
      alone jsonb,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (org_id, trace_id, span_id)
    )`.execute(db);
  // The settler's scan: model calls still waiting, oldest first.
  await sql`
    CREATE INDEX trace_spans_waiting ON trace_spans (received_at)
    WHERE role = 'model_call' AND execution_id IS NULL`.execute(db);
}
