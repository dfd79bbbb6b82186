// What the activity rollups cost PostgreSQL as the writer queues them and the folder folds them
// (src/ledger/activity/rollup-queue.ts, rollup-folder.ts; issue #16), by how many batches a fold
// takes. The benchmark's ingestion batches (1,000 CloudEvents, 70/20/10, 10% resent, live traffic
// of the last hour) are read into the rows the activity writer would insert; each batch's new rows
// are summed into cells (the writer's own rollupCells) and queued by the writer's own statement,
// in a transaction of its own, and every `window` batches the queue is folded (the folder's own
// foldQueue), on one connection whose backend CPU is read around each statement. The folder folds
// every FOLD_EVERY commits; window 1 is about what adding each batch's sums in its own
// transaction cost. Rows go to an org of their own per window and are removed after.
//
//   node dist-bench/bench/rollup-fold-cost.js --database-url postgres://…/tally_bench --events 20000
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pgTypes, withServiceDriver } from '../src/db/open.js';
import type { Database, NewActivity } from '../src/db/schema.js';
import { type RollupCell, rollupCells } from '../src/ledger/activity/rollup-cells.js';
import { foldQueue, queueRollupsStatement } from '../src/ledger/activity/rollup-queue.js';
import { buildIngestWorkload } from './lib/ingest-workload.js';
import { schedNs } from './lib/statement-cpu.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    events: { type: 'string', default: '20000' },
    windows: { type: 'string', default: '1,2,4,10,30' },
  },
});
const url = values['database-url']!;
const windows = values.windows!.split(',').map(Number);

interface ActivityData {
  id: string;
  timestamp: string;
  workspace_id: string | null;
  user_id: string | null;
  action: string | null;
  resource_type: string | null;
  resource_id: string | null;
  success: boolean;
  duration_ms: number | null;
  token_usage: { total_tokens?: number } | null;
}

/** Each batch's activity records that are new (first sent), as the writer's rows of `orgId`. */
function newActivities(batches: readonly string[], orgId: string): NewActivity[][] {
  const seen = new Set<string>();
  return batches.map((batch) => {
    const rows: NewActivity[] = [];
    for (const event of JSON.parse(batch) as { type: string; data: ActivityData }[]) {
      if (event.type !== 'activity.recorded' || seen.has(event.data.id)) continue;
      seen.add(event.data.id);
      const data = event.data;
      rows.push({
        org_id: orgId,
        id: data.id,
        timestamp: new Date(data.timestamp),
        workspace_id: data.workspace_id,
        user_id: data.user_id,
        action: data.action,
        resource_type: data.resource_type,
        resource_id: data.resource_id,
        success: data.success,
        duration_ms: data.duration_ms,
        tokens_total: data.token_usage?.total_tokens ?? null,
      } as NewActivity);
    }
    return rows;
  });
}

/** Rows the three tables receive for these cells (what the upserts write). */
function rowCount(cells: readonly RollupCell[]): number {
  let rows = 0;
  for (const cell of cells) {
    if (cell.workspaceId !== '') rows += 1 + cell.outcomes.length;
    if (cell.workspaceId !== null) rows += cell.keys.length;
  }
  return rows;
}

const pool = new pg.Pool({ connectionString: url, max: 1, types: pgTypes, idleTimeoutMillis: 0 });
withServiceDriver(pool, true);
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;
const workload = buildIngestWorkload({
  events: Number(values.events),
  batchSize: 1000,
  seed: 777,
  copyOrgId: 'bench-fold-copy',
  now: Date.now(),
});

const TABLES = ['activity_rollups', 'activity_totals', 'activity_key_rollups'] as const;
const clear = async (orgId: string) => {
  for (const table of TABLES) await sql`DELETE FROM ${sql.table(table)} WHERE org_id = ${orgId}`.execute(db);
};

const per1000 = (value: number) => ((value * 1000) / workload.events).toFixed(1);
console.log(`${workload.events} events in ${workload.batches.length} batches of 1,000`);
console.log(
  'window (batches per fold) · rollup rows per 1,000 events · PostgreSQL ms per 1,000 events: queue writes · folds · both',
);
for (const window of windows) {
  const orgId = `bench-fold-${window}`;
  await clear(orgId);
  const batches = newActivities(workload.batches, orgId);
  // Warm-up: the first window queued and folded, unmeasured, then removed.
  for (const batch of batches.slice(0, window)) await queueRollupsStatement(rollupCells(batch))?.execute(db);
  await foldQueue(db);
  await clear(orgId);
  let queueNs = 0;
  let foldNs = 0;
  let rows = 0;
  for (let start = 0; start < batches.length; start += window) {
    const group = batches.slice(start, start + window);
    rows += rowCount(rollupCells(group.flat()));
    for (const batch of group) {
      const statement = queueRollupsStatement(rollupCells(batch));
      const before = schedNs(pid);
      await db.transaction().execute(async (trx) => {
        await statement?.execute(trx);
      });
      queueNs += schedNs(pid) - before;
    }
    const before = schedNs(pid);
    await foldQueue(db);
    foldNs += schedNs(pid) - before;
  }
  await clear(orgId);
  console.log(
    `${String(window).padStart(6)} · ${per1000(rows).padStart(7)} · ${per1000(queueNs / 1e6).padStart(6)} · ${per1000(foldNs / 1e6).padStart(6)} · ${per1000((queueNs + foldNs) / 1e6).padStart(6)}`,
  );
}
await db.destroy();
