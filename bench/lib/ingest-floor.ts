// The ingestion service floor (issue #16): the least a Fastify + pg service does to take the
// benchmark's CloudEvent batches and store their records. Fastify parses the body (JSON.parse),
// then per event: skip it when its (source, id) was claimed before (a Set in memory: no durable
// claim), else turn its `data` into its table's CSV line, and COPY each table's lines in one
// transaction per batch. No authentication, validation, hostile-input checks, rollups, users or
// agents, workspaces' last activity, self-recording or logging. It reads only the shapes the
// workload sends (lib/ingest-workload.ts), so it is a floor for this workload, not a service.
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { tokensTotal } from '../../src/ledger/activity/tokens-total.js';
import { ACTIVITY_COPY_COLUMNS, csv, EXECUTION_COPY_COLUMNS, USAGE_COPY_COLUMNS } from './ingest-workload.js';

interface CloudEvent {
  id: string;
  source: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}

type Line = (orgId: string, event: CloudEvent) => string;

const line = (columns: readonly string[], values: Record<string, unknown>): string =>
  columns.map((column) => csv(values[column])).join(',');

const activityLine: Line = (orgId, { id, time, data }) =>
  line(ACTIVITY_COPY_COLUMNS, {
    ...data,
    org_id: orgId,
    id: data.id ?? id,
    timestamp: data.timestamp ?? time,
    tokens_total: tokensTotal(data.token_usage as Record<string, unknown> | null),
  });

const executionLine: Line = (orgId, { time, data }) => {
  const agent = data.agent as { id: string; type: string };
  const tokens = data.tokens as { input: number; output: number; total: number } | null;
  return line(EXECUTION_COPY_COLUMNS, {
    ...data,
    org_id: orgId,
    agent_id: agent.id,
    agent_type: agent.type,
    tokens_input: tokens?.input,
    tokens_output: tokens?.output,
    tokens_total: tokens?.total,
    event_time: time,
  });
};

const usageLine: Line = (orgId, { time, data }) =>
  line(USAGE_COPY_COLUMNS, {
    org_id: orgId,
    id: data.id,
    workspace_id: data.workspaceId,
    tool_type: data.toolType,
    status: data.status,
    cost: data.cost,
    input_data: data.inputData,
    response_data: data.responseData,
    created_at: data.createdAt,
    completed_at: data.completedAt,
    event_time: time,
  });

const TABLES = [
  { type: 'activity.recorded', table: 'activities', columns: ACTIVITY_COPY_COLUMNS, line: activityLine },
  { type: 'execution.recorded', table: 'executions', columns: EXECUTION_COPY_COLUMNS, line: executionLine },
  { type: 'ai_usage.recorded', table: 'ai_usages', columns: USAGE_COPY_COLUMNS, line: usageLine },
] as const;

export class IngestFloor {
  private readonly claimed = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  async write(orgId: string, events: CloudEvent[]): Promise<{ accepted: number; duplicates: number }> {
    // Claimed at once (one thread: no other batch can claim between the check and the add), so a
    // concurrent batch resending one of these events skips it; given back if the batch fails.
    const keys = new Set<string>();
    const lines = TABLES.map((): string[] => []);
    for (const event of events) {
      const key = `${event.source}\u0000${event.id}`;
      if (this.claimed.has(key)) continue;
      this.claimed.add(key);
      keys.add(key);
      const at = TABLES.findIndex((table) => table.type === event.type);
      if (at < 0) throw new Error(`the ingestion floor reads only the workload's types, not ${event.type}`);
      lines[at]!.push(TABLES[at]!.line(orgId, event));
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const [at, { table, columns }] of TABLES.entries()) {
        if (lines[at]!.length === 0) continue;
        const copy = client.query(
          copyFrom(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN (FORMAT csv)`),
        );
        await pipeline(
          (async function* () {
            yield `${lines[at]!.join('\n')}\n`;
          })(),
          copy as unknown as Writable,
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      for (const key of keys) this.claimed.delete(key);
      throw error;
    } finally {
      client.release();
    }
    return { accepted: keys.size, duplicates: events.length - keys.size };
  }
}
