// Service CPU of one read, in process: the app built as `tally serve` builds it, requests sent
// with app.inject (no sockets), CPU from process.cpuUsage() (this process is the service and the
// load generator at once; PostgreSQL is apart). Beside it, the same statements answered by a bare
// Fastify route (bench/service-floor.ts's work). The difference is what Tally adds per request.
//
//   node dist-bench/bench/inject-probe.js --database-url URL --only cursor [--requests 3000]
//     [--profile FILE]  a V8 CPU profile (.cpuprofile) of Tally's measured requests alone
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { hashToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, pgTypes } from '../src/db/open.js';
import { buildKeyring } from '../src/secrets/keys.js';
import { datasetSpec, ensureDataset } from './lib/dataset.js';
import { parseOptions } from './lib/options.js';
import { buildScenarios, findTargets, withPg } from './lib/scenarios.js';
import { SqlFloor } from './lib/sql-floor.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    requests: { type: 'string', default: '3000' },
    scale: { type: 'string', default: '0.01' },
    only: { type: 'string', default: 'cursor' },
    which: { type: 'string', default: 'both' },
    profile: { type: 'string' },
  },
});
const url = values['database-url']!;
const count = Number(values.requests);
const options = parseOptions(['--scale', values.scale!, '--database-url', url])!;
const dataset = await ensureDataset(url, options.secretKey, datasetSpec(options.scale, options.seed), false);
const targets = await withPg(url, (query) => findTargets(query, dataset));
const config = loadConfig({
  DATABASE_URL: url,
  TALLY_SECRET_KEY: options.secretKey,
  LOG_LEVEL: 'warn',
  TALLY_RATE_LIMIT_RPS: '0',
});
const database = await openDatabase({ kind: 'postgres', url, prepare: config.pgPrepare });
const app = await buildApp({
  config,
  database,
  keyring: buildKeyring(options.secretKey, []),
  adminTokenHash: hashToken(options.adminToken),
});
await app.ready();

const scenario = buildScenarios(
  await app.listen({ port: 0, host: '127.0.0.1' }),
  targets,
  new Date(),
  1000,
).find((s) => s.name.includes(values.only!))!;
await scenario.prepare?.();
const floor = await SqlFloor.open(url, options.secretKey, options.adminToken);
const captured = await floor.captureRequests(scenario, 10);
await floor.close();

const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes });
const bare = Fastify({ logger: false });
let turn = 0;
const named = captured.map((statements) =>
  statements.map((s, i) => ({
    name: `probe_${turn}_${i}_${s.sql.length}`,
    text: s.sql,
    values: s.parameters as unknown[],
  })),
);
bare.get('/floor', async (_request, reply) => {
  const statements = named[turn++ % named.length]!;
  let rows: unknown[] = [];
  for (const statement of statements) rows = (await pool.query(statement)).rows;
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(rows));
});
await bare.ready();

// Statements sent per request, by their first words (every pg client in this process).
const sent = new Map<string, number>();
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0] as string | { text: string };
  const text = typeof config === 'string' ? config : config.text;
  const key = text.replace(/\s+/g, ' ').slice(0, 60);
  sent.set(key, (sent.get(key) ?? 0) + 1);
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

// Profiles Tally's measured requests of the last round (not start-up, warm-up or the bare route).
const inspector = values.profile ? new Session() : null;
inspector?.connect();
await inspector?.post('Profiler.enable');

async function run(
  label: string,
  profiled: boolean,
  send: () => Promise<{ statusCode: number; body: string }>,
) {
  for (let i = 0; i < Math.min(500, count); i += 1) await send();
  sent.clear();
  if (profiled) await inspector?.post('Profiler.start');
  const start = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const response = await send();
    if (response.statusCode !== 200)
      throw new Error(`${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    bytes += response.body.length;
  }
  const used = process.cpuUsage(start);
  if (profiled && inspector) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(values.profile!, JSON.stringify(profile));
  }
  const ms = (used.user + used.system) / 1000 / count;
  process.stdout.write(
    `${label}: ${ms.toFixed(3)} ms CPU per request, ${((performance.now() - t0) / count).toFixed(3)} ms wall, ${Math.round(bytes / count)} chars\n`,
  );
  for (const [text, n] of sent) process.stdout.write(`  ${(n / count).toFixed(3)} × ${text}\n`);
}
for (let round = 0; round < 3; round += 1) {
  if (values.which !== 'bare')
    await run('tally', round === 2 && inspector !== null, () => {
      const spec = scenario.next();
      return app.inject({ method: 'GET', url: spec.path, headers: spec.headers });
    });
  if (values.which !== 'tally')
    await run('bare fastify', false, () => bare.inject({ method: 'GET', url: '/floor' }));
}
await app.close();
await database.close();
await bare.close();
await pool.end();
// The listening app keeps the loop alive past close (keep-alive sockets of the scenario probe).
process.exit(0);
