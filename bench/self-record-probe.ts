// Where PostgreSQL's CPU goes while the service answers cached reads (no SQL of their own): the
// service is started as the benchmark starts it, then PostgreSQL's client backends are watched
// (CPU from /proc/<pid>/schedstat, nanoseconds) through a quiet phase and through cached reads,
// and the statements seen running are sampled from pg_stat_activity every 5 ms.
//
//   node dist-bench/bench/self-record-probe.js --database-url postgres://…/tally_bench_… --requests 2000
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { datasetSpec, ensureDataset } from './lib/dataset.js';
import { measure } from './lib/http-load.js';
import { parseOptions } from './lib/options.js';
import { findTargets, withPg } from './lib/scenarios.js';
import { startServer } from './lib/server.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    requests: { type: 'string', default: '2000' },
    quiet: { type: 'string', default: '5' },
    scale: { type: 'string', default: '0.1' },
    port: { type: 'string', default: '3972' },
  },
});
const url = values['database-url']!;
const options = parseOptions(['--scale', values.scale!, '--database-url', url])!;
const database = new URL(url).pathname.slice(1);
const dataset = await ensureDataset(url, options.secretKey, datasetSpec(options.scale, options.seed), false);
const targets = await withPg(url, (query) => findTargets(query, dataset));

const schedNs = (pid: number) => {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
};
const watcher = new pg.Client({ connectionString: url });
await watcher.connect();
const backends = async () =>
  (
    await watcher.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
         AND pid <> pg_backend_pid() AND application_name <> 'probe-sampler'`,
      [database],
    )
  ).rows.map((row) => row.pid);
const cpuOf = async () => {
  const map = new Map<number, number>();
  for (const pid of await backends()) map.set(pid, schedNs(pid));
  return map;
};
const spent = (before: Map<number, number>, after: Map<number, number>) => {
  let ns = 0;
  for (const [pid, value] of after) ns += value - (before.get(pid) ?? 0);
  return ns / 1e6;
};

/** Samples the statements running in the database until stopped. */
function sampler() {
  const seen = new Map<string, number>();
  let running = true;
  const done = (async () => {
    const client = new pg.Client({ connectionString: url, application_name: 'probe-sampler' });
    await client.connect();
    while (running) {
      const rows = (
        await client.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()
             AND backend_type = 'client backend'`,
          [database],
        )
      ).rows;
      for (const { query } of rows) {
        const key = query.replace(/\s+/g, ' ').slice(0, 70);
        if (key.includes('pg_stat_activity')) continue;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return [...seen].sort((a, b) => b[1] - a[1]).slice(0, 12);
    },
  };
}

const server = await startServer({
  databaseUrl: url,
  secretKey: options.secretKey,
  port: Number(values.port),
  adminToken: options.adminToken,
  profileDir: null,
});
try {
  const headers = {
    authorization: `Bearer ${targets.ownerToken}`,
    'x-workspace-id': targets.integerWorkspaceId,
  };
  const next = () => ({ path: '/workspaces/usage', headers });
  // Warm: the cache, the JIT, the first flushes.
  await measure({ baseUrl: server.baseUrl, concurrency: 1, warmup: 50, requests: 200, next });
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const quietMs = Number(values.quiet) * 1000;
  let sampling = sampler();
  let before = await cpuOf();
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  let after = await cpuOf();
  console.log(`quiet ${quietMs} ms: PostgreSQL ${spent(before, after).toFixed(1)} ms CPU`);
  for (const [query, count] of await sampling.stop()) console.log(`  ${count}× ${query}`);

  const requests = Number(values.requests);
  sampling = sampler();
  before = await cpuOf();
  const started = performance.now();
  const stats = await measure({ baseUrl: server.baseUrl, concurrency: 1, warmup: 0, requests, next });
  // Every record of the phase flushed (the interval is 1 s).
  await new Promise((resolve) => setTimeout(resolve, 1200));
  after = await cpuOf();
  const elapsed = performance.now() - started;
  const pgMs = spent(before, after);
  console.log(
    `${requests} cached reads (${stats.requestsPerSecond} req/s) + flush, ${elapsed.toFixed(0)} ms: PostgreSQL ${pgMs.toFixed(1)} ms CPU, ${(pgMs / requests).toFixed(4)} ms per request`,
  );
  for (const [query, count] of await sampling.stop()) console.log(`  ${count}× ${query}`);
  const last = await watcher.query<{ pid: number; query: string }>(
    `SELECT pid, query FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
    [database],
  );
  for (const { pid, query } of last.rows) {
    const ms = ((after.get(pid) ?? 0) - (before.get(pid) ?? 0)) / 1e6;
    if (ms > 0)
      console.log(`  backend ${pid}: ${ms.toFixed(1)} ms, last: ${query.replace(/\s+/g, ' ').slice(0, 80)}`);
  }
} finally {
  await server.stop();
  await watcher.end();
}
