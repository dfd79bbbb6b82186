// Where PostgreSQL's CPU goes when the service writes activity records: the self-recorder's
// flushes (rows shaped like a cached read's record) and ingestion-sized batches, written through
// the ledger's own writer, each statement's CPU read from the backend's /proc/<pid>/schedstat
// (nanoseconds on the CPU, unlike /proc/<pid>/stat's 10 ms ticks). Run against a copy of a bench
// dataset: it writes into the largest org.
//
//   node dist-bench/bench/write-path-cost.js --database-url postgres://…/db --rows 500 --rounds 40
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { withServiceDriver } from '../src/db/open.js';
import type { Database, NewActivity } from '../src/db/schema.js';
import { uuidv7 } from '../src/ids.js';
import { insertActivities } from '../src/ledger/activity/insert.js';
import { foldQueue } from '../src/ledger/activity/rollup-queue.js';
import { StatementCpu } from './lib/statement-cpu.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    rows: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '40' },
    org: { type: 'string', default: 'demo-1-org-001' },
  },
});
const url = values['database-url'];
if (!url) throw new Error('--database-url is required');
const rows = Number(values.rows);
const rounds = Number(values.rounds);

const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
// As the service sets its pool up (src/db/open.ts).
withServiceDriver(pool, true);
const client = await pool.connect();
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
client.release();

const statements = new StatementCpu(pid);
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: statements.log });

const org = values.org!;
const { workspace_id, user_id } = (
  await sql<{ workspace_id: string; user_id: string }>`
    SELECT workspace_id, user_id FROM activities WHERE org_id = ${org} AND workspace_id IS NOT NULL
      AND user_id IS NOT NULL ORDER BY "timestamp" DESC LIMIT 1`.execute(db)
).rows[0]!;

/** A record as the self-recorder makes it for a cached usage-history read. */
function selfRecorded(): NewActivity {
  return {
    org_id: org,
    id: uuidv7(),
    timestamp: new Date(),
    trace_id: `req-${Math.floor(Math.random() * 1e6).toString(36)}`,
    user_id,
    workspace_id,
    app_id: null,
    principal_type: 'user',
    principal_id: user_id,
    token_id: uuidv7(),
    token_type: 'user',
    method: 'GET',
    path: '/workspaces/usage',
    resource_type: 'execution',
    resource_id: null,
    action: 'read',
    status_code: 200,
    success: true,
    error_code: null,
    duration_ms: 0.731,
    execution_id: null,
    augmentation_id: null,
    stages_completed: null,
    total_stages: null,
    token_usage: null,
    metadata: JSON.stringify({ source: 'tally', route: '/workspaces/usage' }),
    tokens_total: 0,
  };
}

let totalNs = 0;
for (let round = 0; round < rounds; round += 1) {
  const batch = Array.from({ length: rows }, selfRecorded);
  const before = statements.mark();
  await insertActivities(db, batch);
  // The server's folder folds a flush's queued rollups within 200 ms (rollup-folder.ts): at
  // self-recording's pace, one fold per flush, part of the flush's cost.
  await foldQueue(db);
  totalNs += statements.now() - before;
}

const perRow = (ns: number) => (ns / 1e6 / (rows * rounds)).toFixed(4);
console.log(`${rounds} flushes of ${rows} rows into ${org}: PostgreSQL ${perRow(totalNs)} ms CPU per row`);
for (const [name, { ns, count }] of statements.sorted()) {
  console.log(`  ${perRow(ns)} ms/row  ${(ns / 1e6 / count).toFixed(2)} ms/stmt  ×${count}  ${name}`);
}
await db.destroy();
