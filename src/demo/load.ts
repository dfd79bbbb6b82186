// Loads a synthetic dataset through the ledger's own writers (so rollups and every derived figure
// are maintained exactly as for ingested data), chunk by chunk in constant memory, with progress.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertActivities } from '../ledger/activity/insert.js';
import { upsertAiUsages } from '../ledger/ai-usages/write.js';
import { upsertExecutions } from '../ledger/executions/write.js';
import { activityBatch, aiUsageBatch, executionBatch, type RecordContext, recordContext } from './records.js';
import { type DemoOrg, loadWorld, planWorld } from './world.js';

export interface DemoOptions {
  orgs: number;
  workspaces: number;
  users: number;
  activities: number;
  executions: number;
  usages: number;
  days: number;
  seed: number;
  /** The end of the data's time window (ms); defaults to now. */
  now?: number;
}

export interface ProgressSink {
  start(label: string, total: number): { add(count: number): void; finish(): void };
}

const CHUNK = 5_000;
const WRITERS = 2;

/**
 * Writes `total` records in chunks, two at a time: PostgreSQL then works on both cores while
 * this process generates the next chunk. Chunks go out in order, so time stays nearly ordered.
 */
async function inChunks(
  total: number,
  progress: ProgressSink,
  label: string,
  write: (start: number, count: number) => Promise<void>,
): Promise<void> {
  if (total <= 0) return;
  const bar = progress.start(label, total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const start = next;
      const count = Math.min(CHUNK, total - start);
      next += count;
      await write(start, count);
      bar.add(count);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, worker));
  bar.finish();
}

function groupByOrg<T extends { workspace_id: string }>(
  rows: T[],
  orgOf: Map<string, string>,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const orgId = orgOf.get(row.workspace_id)!;
    const group = groups.get(orgId);
    if (group) group.push(row);
    else groups.set(orgId, [row]);
  }
  return groups;
}

/** Per org, by record kind: how many records each org got. */
export type LoadSummary = Map<string, { activities: number; executions: number; usages: number }>;

export async function loadDemo(db: Kysely<Database>, options: DemoOptions, progress: ProgressSink) {
  const orgs: DemoOrg[] = planWorld(options);
  await loadWorld(db, orgs);
  const ctx: RecordContext = recordContext(orgs, {
    seed: options.seed,
    days: options.days,
    now: options.now ?? Date.now(),
  });
  const summary: LoadSummary = new Map(
    orgs.map((org) => [org.id, { activities: 0, executions: 0, usages: 0 }]),
  );
  await inChunks(options.activities, progress, 'activity  ', async (start, count) => {
    const rows = activityBatch(ctx, start, count, options.activities);
    for (const row of rows) summary.get(row.org_id)!.activities += 1;
    await insertActivities(db, rows);
  });
  const orgOfWorkspace = new Map(ctx.workspaces.map((w) => [w.id, w.orgId]));
  await inChunks(options.executions, progress, 'executions', async (start, count) => {
    const rows = executionBatch(ctx, start, count, options.executions);
    const byOrg = groupByOrg(rows, orgOfWorkspace);
    await db.transaction().execute(async (trx) => {
      for (const [orgId, orgRows] of byOrg) {
        summary.get(orgId)!.executions += orgRows.length;
        await upsertExecutions(trx, orgId, orgRows);
      }
    });
  });
  await inChunks(options.usages, progress, 'AI usages ', async (start, count) => {
    const rows = aiUsageBatch(ctx, start, count, options.usages);
    const byOrg = groupByOrg(rows, orgOfWorkspace);
    await db.transaction().execute(async (trx) => {
      for (const [orgId, orgRows] of byOrg) {
        summary.get(orgId)!.usages += orgRows.length;
        await upsertAiUsages(trx, orgId, orgRows);
      }
    });
  });
  await refreshLastActive(db);
  return { orgs, summary };
}

/** `last_active_at` of every workspace from its newest record, in one statement per kind. */
async function refreshLastActive(db: Kysely<Database>): Promise<void> {
  await sql`
    UPDATE workspaces AS w SET last_active_at = GREATEST(w.last_active_at, latest.at)
    FROM (
      SELECT org_id, workspace_id, max(at) AS at FROM (
        SELECT org_id, workspace_id, max("timestamp") AS at FROM activities WHERE workspace_id IS NOT NULL
          GROUP BY org_id, workspace_id
        UNION ALL SELECT org_id, workspace_id, max(created_at) FROM executions GROUP BY org_id, workspace_id
        UNION ALL SELECT org_id, workspace_id, max(created_at) FROM ai_usages GROUP BY org_id, workspace_id
      ) AS per_kind GROUP BY org_id, workspace_id
    ) AS latest
    WHERE w.org_id = latest.org_id AND w.id = latest.workspace_id`.execute(db);
}
