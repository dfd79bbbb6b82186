// Where ingestion's CPU goes, statement by statement: the benchmark's ingestion batches (1,000
// CloudEvents, 70/20/10, 10% resent) posted one at a time to an in-process instance of the app
// (app.inject: no sockets) whose database pool has one connection, so the CPU of that one
// PostgreSQL backend (/proc/<pid>/schedstat, nanoseconds) is read after every statement. The
// service's figure is this process's CPU during the posts, i.e. the route without HTTP parsing.
// The app's rollup folder folds the queued activity rollups as the server does, on the same
// connection, so its statements are counted with the batches'.
//
//   node dist-bench/bench/ingest-cost.js --database-url postgres://…/tally_bench_… --events 20000
//     [--heap-profile FILE]  a sampling heap profile (.heapprofile, every allocation sampled, also
//                            those collected since) of the measured posts alone
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { hashToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { pgTypes, withServiceDriver } from '../src/db/open.js';
import type { Database } from '../src/db/schema.js';
import { loadWorld } from '../src/demo/world.js';
import { buildKeyring } from '../src/secrets/keys.js';
import { removeOrgs } from './lib/ingest.js';
import { buildIngestWorkload } from './lib/ingest-workload.js';
import { parseOptions } from './lib/options.js';
import { StatementCpu } from './lib/statement-cpu.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '1' },
    'heap-profile': { type: 'string' },
  },
});
const url = values['database-url']!;
const options = parseOptions(['--database-url', url])!;

const types = pgTypes;

const pool = new pg.Pool({
  connectionString: url,
  max: 1,
  types,
  idleTimeoutMillis: 0,
});
// As the service sets its pool up (prepared statements: src/db/open.ts).
withServiceDriver(pool, true);
const client = await pool.connect();
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
client.release();

const statements = new StatementCpu(pid);
statements.measuring = false;
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: statements.log });

const config = loadConfig({
  DATABASE_URL: url,
  TALLY_SECRET_KEY: options.secretKey,
  LOG_LEVEL: 'silent',
  TALLY_RATE_LIMIT_RPS: '0',
});
const app = await buildApp({
  config,
  database: { db, kind: 'postgres', pglite: null, close: () => db.destroy() },
  keyring: buildKeyring(options.secretKey, []),
  adminTokenHash: hashToken(options.adminToken),
});
await app.ready();

const totals = { pgNs: 0, serviceUs: 0, events: 0 };
for (let round = 0; round < Number(values.rounds); round += 1) {
  const workload = buildIngestWorkload({
    events: Number(values.events),
    batchSize: 1000,
    seed: 777 + round,
    copyOrgId: 'bench-cost-copy',
    now: Date.now(),
  });
  const orgId = workload.world.id;
  await removeOrgs(url, [orgId]);
  await loadWorld(db, [workload.world]);
  const tokenAnswer = await app.inject({
    method: 'POST',
    url: `/v1/admin/orgs/${orgId}/tokens`,
    headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
    payload: { name: 'cost', abilities: ['ingest'] },
  });
  const token = (JSON.parse(tokenAnswer.body) as { token: string }).token;
  // One unmeasured batch: the JIT's warm-up and the token's first lookup are nobody's cost.
  await app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
    payload: workload.batches[0]!,
  });
  await db.selectFrom('orgs').select('id').limit(1).execute();
  statements.measuring = true;
  const heap = values['heap-profile'] ? await startHeapSampling() : null;
  for (const batch of workload.batches.slice(1)) {
    const cpu = process.cpuUsage();
    const pgBefore = statements.mark();
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
      payload: batch,
    });
    const used = process.cpuUsage(cpu);
    totals.serviceUs += used.user + used.system;
    totals.pgNs += statements.now() - pgBefore;
    totals.events += 1000;
    if (answer.statusCode !== 200) throw new Error(`${answer.statusCode} ${answer.body.slice(0, 300)}`);
  }
  // The activity rollups of the last batches are still queued (the folder folds every
  // TALLY_ROLLUP_FOLD_EVERY commits): folding them is the batches' cost too.
  const pgBefore = statements.mark();
  await app.rollupFolder.fold();
  totals.pgNs += statements.now() - pgBefore;
  statements.measuring = false;
  if (heap) await heap.stop(`${values['heap-profile']}${round === 0 ? '' : `.${round}`}`);
  await removeOrgs(url, [orgId]);
}

/** Samples every 32 kB allocated, kept whether or not a collection has freed it since. */
async function startHeapSampling() {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop(file: string) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

const per1000 = (ms: number) => ((ms * 1000) / totals.events).toFixed(2);
console.log(
  `${totals.events} events: per 1,000 service ${per1000(totals.serviceUs / 1000)} ms (in-process, no HTTP), PostgreSQL ${per1000(totals.pgNs / 1e6)} ms`,
);
for (const [name, { ns, count }] of statements.sorted()) {
  console.log(`  ${per1000(ns / 1e6)} ms/1,000  ×${count}  ${name}`);
}
await app.close();
// The probe's own pools (CPU watcher, removal) may keep the loop alive: the figures are out.
process.exit(0);
