// The service's CPU per 1,000 ingested events when batches come one at a time: the benchmark's
// batches (1,000 CloudEvents, 70/20/10, 10% resent) posted over HTTP by one client, each after the
// last was answered, to a freshly started service (`tally serve` with the start script's node
// flags), its CPU read from /proc/<pid>/schedstat (nanoseconds) over the measured batches. With
// `--before REV` the service as it was at REV runs too; the Fastify + pg ingestion floor
// (lib/ingest-floor.ts, as the benchmark's floor row) runs last in each round; a fresh org and
// process per run.
//
// Why beside the benchmark's ingestion row: there, 4 clients keep ~4 batches in flight on a
// 2-core machine shared with PostgreSQL, so the figure carries what concurrency costs (more of the
// young generation survives each scavenge, the cores are contended) and varies by ±15% from run to
// run. One batch at a time measures the code's own cost per event more steadily.
//
//   node dist-bench/bench/ingest-sequential.js --database-url postgres://…/tally_small
//     [--batches 60] [--rounds 5] [--before REV] [--profile DIR] [--clients 1]
//
// `--clients N` posts the measured batches from N clients at once (each sends its next batch when
// its last was answered), as the benchmark's ingestion row does with 4: what concurrency costs
// per event, on a small database and with a fresh process per run, so steadier than that row.
// `--profile DIR` writes each service's V8 CPU profile (node --cpu-prof) into DIR.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/schema.js';
import { loadWorld } from '../src/demo/world.js';
import { buildBefore } from './lib/before.js';
import { ingestToken, post, removeOrgs } from './lib/ingest.js';
import { buildIngestWorkload } from './lib/ingest-workload.js';
import { parseOptions } from './lib/options.js';
import { startServer } from './lib/server.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    batches: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '5' },
    before: { type: 'string' },
    profile: { type: 'string' },
    clients: { type: 'string', default: '1' },
  },
});
const url = values['database-url'];
if (!url) throw new Error('--database-url is required (a database the service has migrated)');
const options = parseOptions(['--database-url', url])!;
const WARM_UP = 5;
const batches = Number(values.batches);
const clients = Number(values.clients);

interface Build {
  name: string;
  /** Where the compiled service is. */
  dir: string;
  /** The Fastify + pg ingestion floor (lib/ingest-floor.ts) instead of `tally serve`. */
  floor?: boolean;
}
const builds: Build[] = [
  ...(values.before ? [{ name: values.before, dir: buildBefore(values.before).dir }] : []),
  { name: 'this checkout', dir: '.' },
  { name: 'Fastify + pg floor', dir: '.', floor: true },
];
const cpuNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
});

const figures = new Map<string, number[]>(builds.map((build) => [build.name, []]));
let seed = 1000;
for (let round = 1; round <= Number(values.rounds); round += 1) {
  for (const build of builds) {
    const workload = buildIngestWorkload({
      events: (batches + WARM_UP) * 1000,
      batchSize: 1000,
      seed: seed++,
      copyOrgId: 'bench-sequential-copy',
      now: Date.now(),
    });
    const orgId = workload.world.id;
    await removeOrgs(url, [orgId]);
    await loadWorld(db, [workload.world]);
    const server = await startServer({
      databaseUrl: url,
      secretKey: options.secretKey,
      port: options.port,
      adminToken: options.adminToken,
      cwd: build.dir,
      profileDir: values.profile ?? null,
      ...(build.floor
        ? {
            entry: [
              'dist-bench/bench/service-floor.js',
              '--database-url',
              url,
              '--port',
              String(options.port),
            ],
          }
        : {}),
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    try {
      const token = build.floor ? '' : await ingestToken(server.baseUrl, options.adminToken, orgId);
      const path = build.floor ? `/ingest-floor/${orgId}` : '/v1/ingest';
      const at = new URL(server.baseUrl);
      // The JIT's warm-up and the token's first lookup are nobody's cost.
      for (const batch of workload.batches.slice(0, WARM_UP)) await post(agent, at, token, batch, path);
      const measured = workload.batches.slice(WARM_UP);
      let next = 0;
      const client = async () => {
        while (next < measured.length) {
          const answer = await post(agent, at, token, measured[next++]!, path);
          if (answer.status !== 200)
            throw new Error(`${answer.status} ${answer.body.toString().slice(0, 300)}`);
        }
      };
      const before = cpuNs(server.pid);
      await Promise.all(Array.from({ length: clients }, client));
      const perThousand = (cpuNs(server.pid) - before) / 1e6 / batches;
      figures.get(build.name)!.push(perThousand);
      console.log(
        `round ${round}, ${build.name}: ${perThousand.toFixed(2)} ms of service CPU per 1,000 events`,
      );
    } finally {
      agent.destroy();
      await server.stop();
      await removeOrgs(url, [orgId]);
    }
  }
}
for (const [name, runs] of figures) {
  const sorted = [...runs].sort((a, b) => a - b);
  console.log(
    `${name}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (${runs.map((run) => run.toFixed(2)).join(', ')})`,
  );
}
await db.destroy();
