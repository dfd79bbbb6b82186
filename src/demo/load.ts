// Loads a synthetic dataset through the ledger's own writers (so rollups and every derived figure
// are maintained exactly as for ingested data), chunk by chunk in constant memory, with progress.
// A bulk loader, it stands beside the write entry point (ledger/write/record-batch.ts) rather than
// going through it: its records come from no event, so there is no dedup key to claim (a claim per
// record would double the rows written for nothing), its workspaces, users and agents are created
// up front (world.ts), each record id is written once, and `last_active_at` is set once at the end.
// What the entry point's invariants protect still holds: rollups are kept by the same insert, and
// a later event about a demo record is ordered against it by the same upserts.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertActivities } from '../ledger/activity/insert.js';
import { foldQueue } from '../ledger/activity/rollup-queue.js';
import { upsertAiUsages } from '../ledger/ai-usages/write.js';
import { upsertExecutions } from '../ledger/executions/write.js';
import { refreshLastActive } from '../ledger/write/last-active.js';
import type { Keyring } from '../secrets/keys.js';
import { loadHires } from './hires.js';
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

/**
 * Writes `total` records in chunks, `writers` at a time. Chunks are handed out in order (so time
 * stays nearly ordered) and each is generated synchronously when taken, so the data does not
 * depend on which write finishes first.
 */
async function inChunks(
  total: number,
  writers: number,
  bar: { add(count: number): void },
  write: (start: number, count: number) => Promise<void>,
): Promise<void> {
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
  await Promise.all(Array.from({ length: writers }, worker));
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

/** `keyring` seals the demo integrations' secrets, as the admin route does. */
export async function loadDemo(
  db: Kysely<Database>,
  keyring: Keyring,
  options: DemoOptions,
  progress: ProgressSink,
) {
  const orgs: DemoOrg[] = planWorld(options);
  await loadWorld(db, orgs);
  const window = { seed: options.seed, days: options.days, now: options.now ?? Date.now() };
  await loadHires(db, keyring, orgs, window.now);
  // One random stream per record kind: the kinds load concurrently (PostgreSQL then keeps both
  // cores busy) and each stays deterministic.
  const contexts = [0, 1, 2].map((stream) => recordContext(orgs, { ...window, stream }));
  const [activityCtx, executionCtx, usageCtx] = contexts as [RecordContext, RecordContext, RecordContext];
  const summary: LoadSummary = new Map(
    orgs.map((org) => [org.id, { activities: 0, executions: 0, usages: 0 }]),
  );
  const orgOfWorkspace = new Map(activityCtx.workspaces.map((w) => [w.id, w.orgId]));
  const bar = progress.start('records', options.activities + options.executions + options.usages);
  await Promise.all([
    inChunks(options.activities, 2, bar, async (start, count) => {
      const rows = activityBatch(activityCtx, start, count, options.activities);
      for (const row of rows) summary.get(row.org_id)!.activities += 1;
      await insertActivities(db, rows);
      // Folded at once: a demo loads weeks of records, nobody is waiting on its writes.
      await foldQueue(db);
    }),
    inChunks(options.executions, 1, bar, async (start, count) => {
      const rows = executionBatch(executionCtx, start, count, options.executions);
      const byOrg = groupByOrg(rows, orgOfWorkspace);
      await db.transaction().execute(async (trx) => {
        for (const [orgId, orgRows] of byOrg) {
          summary.get(orgId)!.executions += orgRows.length;
          await upsertExecutions(trx, orgId, orgRows);
        }
      });
    }),
    inChunks(options.usages, 1, bar, async (start, count) => {
      const rows = aiUsageBatch(usageCtx, start, count, options.usages);
      const byOrg = groupByOrg(rows, orgOfWorkspace);
      await db.transaction().execute(async (trx) => {
        for (const [orgId, orgRows] of byOrg) {
          summary.get(orgId)!.usages += orgRows.length;
          await upsertAiUsages(trx, orgId, orgRows);
        }
      });
    }),
  ]);
  bar.finish();
  await refreshLastActive(db);
  return { orgs, summary };
}
