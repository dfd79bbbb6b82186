// The ingestion benchmark's workload: the demo generator's records for one fresh org, as the
// CloudEvent batches a platform would send (a realistic mix of types, 10% of each batch resent
// from earlier batches) and as the CSV rows a COPY of the same records would load. Everything is
// built before the clock starts, so the load generator's work is not part of either figure.
import type { NewActivity } from '../../src/db/schema.js';
import { createRandom } from '../../src/demo/random.js';
import { activityBatch, aiUsageBatch, executionBatch, recordContext } from '../../src/demo/records.js';
import { type DemoOrg, planWorld } from '../../src/demo/world.js';
import { parseEvents } from '../../src/ingest/body.js';
import { readEnvelope } from '../../src/ingest/envelope.js';
import { readEventData } from '../../src/ingest/events/read-event.js';
import { ACTIVITY_COLUMNS } from '../../src/ledger/activity/insert.js';
import type { AiUsageRow } from '../../src/ledger/ai-usages/write.js';
import type { ExecutionRow } from '../../src/ledger/executions/write.js';

/** Shares of the event types: most traffic is API activity, then executions, then AI tool usages. */
export const MIX = { activity: 0.7, execution: 0.2, aiUsage: 0.1 } as const;
export const DUPLICATE_SHARE = 0.1;

export interface IngestWorkload {
  world: DemoOrg;
  /** JSON bodies of `application/cloudevents-batch+json` requests. */
  batches: string[];
  events: number;
  duplicatesSent: number;
  /** Distinct events, which is also the number of rows the COPY reference loads. */
  unique: { activities: number; executions: number; usages: number };
  /**
   * The same batches' new records as CSV for COPY, one unit per HTTP batch (committed alike), per
   * table; null where a batch holds none of a kind.
   */
  copy: CopyUnit[];
}

export interface CopyUnit {
  activities: string | null;
  executions: string | null;
  usages: string | null;
}

const SOURCE = 'bench/ingest';

function activityEvent(row: NewActivity): object {
  const { org_id: _org, tokens_total: _total, token_usage, metadata, timestamp, ...rest } = row;
  return {
    specversion: '1.0',
    id: row.id,
    source: SOURCE,
    type: 'activity.recorded',
    time: (timestamp as Date).toISOString(),
    datacontenttype: 'application/json',
    data: {
      ...rest,
      timestamp: (timestamp as Date).toISOString(),
      token_usage: token_usage ? JSON.parse(token_usage as string) : null,
      metadata: metadata ? JSON.parse(metadata as string) : null,
    },
  };
}

function executionEvent(row: ExecutionRow, world: DemoOrg): object {
  const agent = world.agents.find((a) => a.id === row.agent_id)!;
  return {
    specversion: '1.0',
    id: `execution-${row.id}`,
    source: SOURCE,
    type: 'execution.recorded',
    time: row.created_at.toISOString(),
    data: {
      id: row.id,
      workspace_id: row.workspace_id,
      user_id: row.user_id,
      agent: { id: agent.id, slug: agent.slug, name: agent.name, type: agent.type },
      status: row.status,
      credits: row.credits,
      output: row.output,
      output_url: row.output_url,
      output_private: row.output_private,
      root_id: row.root_id,
      execution_origin: row.execution_origin,
      used_model: row.used_model,
      tokens:
        row.tokens_input === null
          ? null
          : { input: row.tokens_input, output: row.tokens_output, total: row.tokens_total },
      created_at: row.created_at.toISOString(),
    },
  };
}

function usageEvent(row: AiUsageRow): object {
  return {
    specversion: '1.0',
    id: `usage-${row.id}`,
    source: SOURCE,
    type: 'ai_usage.recorded',
    time: row.created_at.toISOString(),
    data: {
      id: row.id,
      workspaceId: row.workspace_id,
      toolType: row.tool_type,
      status: row.status,
      cost: row.cost,
      inputData: row.input_data,
      responseData: row.response_data,
      createdAt: row.created_at.toISOString(),
      completedAt: row.completed_at?.toISOString() ?? null,
    },
  };
}

/** One CSV field: NULL is an unquoted empty field, everything else is quoted. */
export function csv(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

export const ACTIVITY_COPY_COLUMNS = ACTIVITY_COLUMNS;
export const EXECUTION_COPY_COLUMNS = [
  'org_id',
  'id',
  'workspace_id',
  'user_id',
  'agent_id',
  'agent_type',
  'status',
  'credits',
  'output',
  'output_url',
  'output_private',
  'root_id',
  'execution_origin',
  'used_model',
  'tokens_input',
  'tokens_output',
  'tokens_total',
  'created_at',
  'event_time',
] as const;
export const USAGE_COPY_COLUMNS = [
  'org_id',
  'id',
  'workspace_id',
  'tool_type',
  'status',
  'cost',
  'input_data',
  'response_data',
  'created_at',
  'completed_at',
  'event_time',
] as const;

function csvLine(row: Record<string, unknown>, columns: readonly string[], orgId: string): string {
  return columns.map((column) => csv(column === 'org_id' ? orgId : row[column])).join(',');
}

/**
 * `events` events in batches of `batchSize`: each batch holds (1 − DUPLICATE_SHARE) new events and
 * resends DUPLICATE_SHARE of events from earlier batches (the first batch resends its own).
 */
export function buildIngestWorkload(options: {
  events: number;
  batchSize: number;
  seed: number;
  copyOrgId: string;
  now: number;
}): IngestWorkload {
  const [world] = planWorld({ orgs: 1, workspaces: 40, users: 400, seed: options.seed });
  const batchCount = Math.max(1, Math.round(options.events / options.batchSize));
  const freshPerBatch = Math.round(options.batchSize * (1 - DUPLICATE_SHARE));
  const unique = batchCount * freshPerBatch;
  const counts = {
    activities: Math.round(unique * MIX.activity),
    executions: Math.round(unique * MIX.execution),
    usages: 0,
  };
  counts.usages = unique - counts.activities - counts.executions;
  // Live traffic: every record falls in the last hour, as a platform sends it.
  const ctx = recordContext([world!], { seed: options.seed, days: 1 / 24, now: options.now });
  const activities = activityBatch(ctx, 0, counts.activities, counts.activities);
  const executions = executionBatch(ctx, 0, counts.executions, counts.executions);
  const usages = aiUsageBatch(ctx, 0, counts.usages, counts.usages);

  // Interleave the kinds in time order, so each batch carries the mix.
  const all: { time: number; event: string; kind: 'a' | 'e' | 'u'; line: string }[] = [
    ...activities.map((row) => ({
      time: (row.timestamp as Date).getTime(),
      event: JSON.stringify(activityEvent(row)),
      kind: 'a' as const,
      line: csvLine(row as unknown as Record<string, unknown>, ACTIVITY_COPY_COLUMNS, options.copyOrgId),
    })),
    ...executions.map((row) => ({
      time: row.created_at.getTime(),
      event: JSON.stringify(executionEvent(row, world!)),
      kind: 'e' as const,
      line: csvLine(row as unknown as Record<string, unknown>, EXECUTION_COPY_COLUMNS, options.copyOrgId),
    })),
    ...usages.map((row) => ({
      time: row.created_at.getTime(),
      event: JSON.stringify(usageEvent(row)),
      kind: 'u' as const,
      line: csvLine(row as unknown as Record<string, unknown>, USAGE_COPY_COLUMNS, options.copyOrgId),
    })),
  ].sort((a, b) => a.time - b.time);

  const batches: string[] = [];
  const copy: CopyUnit[] = [];
  let duplicatesSent = 0;
  const random = createRandom(options.seed);
  for (let b = 0; b < batchCount; b += 1) {
    const fresh = all.slice(b * freshPerBatch, (b + 1) * freshPerBatch);
    const sentBefore = b * freshPerBatch;
    const events = fresh.map((item) => item.event);
    for (let d = 0; d < options.batchSize - freshPerBatch; d += 1) {
      const pool = sentBefore > 0 ? sentBefore : fresh.length;
      const from = sentBefore > 0 ? all : fresh;
      events.push(from[Math.floor(random() * pool)]!.event);
      duplicatesSent += 1;
    }
    batches.push(`[${events.join(',')}]`);
    const lines = (kind: 'a' | 'e' | 'u') => {
      const of = fresh.filter((item) => item.kind === kind).map((item) => item.line);
      return of.length === 0 ? null : `${of.join('\n')}\n`;
    };
    copy.push({ activities: lines('a'), executions: lines('e'), usages: lines('u') });
  }
  return {
    world: world!,
    batches,
    events: batchCount * options.batchSize,
    duplicatesSent,
    unique: counts,
    copy,
  };
}

/**
 * The benchmark's batches of 1,000 events as request bodies, for the probes that read them in
 * process (batch-read-cost.ts, event-read-cost.ts, write-footprint.ts): one fixed seed, so their
 * figures compare.
 */
export function probeBodies(events: number): Buffer[] {
  const workload = buildIngestWorkload({
    events,
    batchSize: 1000,
    seed: 777,
    copyOrgId: 'bench-read',
    now: Date.now(),
  });
  return workload.batches.map((batch) => Buffer.from(batch, 'utf8'));
}

/**
 * One body's events read into writes as the ingestion route reads them (src/ingest/routes.ts
 * readBatch, without authentication or orgs), and how many events it held.
 */
export function readProbeBody(body: Buffer, received: Date): { writes: unknown[]; events: number } {
  const parsed = parseEvents(body, 'batch');
  const writes: unknown[] = [];
  for (let index = 0; index < parsed.count; index += 1) {
    const { envelope } = readEnvelope(parsed.at(index), received, parsed);
    if (!envelope) continue;
    const { write } = readEventData(envelope);
    if (write) writes.push(write);
  }
  return { writes, events: parsed.count };
}
