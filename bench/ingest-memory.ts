// `npm run bench:memory`: the service's worst case for memory. Eight clients send ingestion
// batches at the limits (5,000 events, ~5 MiB each) at the same time, round after round, at the
// service started as `npm start` starts it; the run reports the peak resident set and the answers
// (200, or 503 + Retry-After from back-pressure), and fails if the service died or any answer was
// something else. Issue #6's budget is 300 MB whatever the load (docs/overload.md).
//
// Issue #16 adds the embedded default (lib/pglite-memory.ts): the same service on PGlite over
// 1,000,000 activity records, idle and under 16 readers of cursor pages + 2 ingesting clients for
// 30 s, with the pages/s and events/s served beside the memory. Both cases run by default;
// `--only postgres` or `--only pglite` runs one. The figures go to bench/results/memory-<date>.*
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PGLITE_MEMORY_SCALE, type PgliteMemoryResult, runPgliteCase } from './lib/pglite-memory.js';
import { machine, revision } from './lib/report.js';
import { startFlags, startServer } from './lib/server.js';

const DATABASE_URL =
  process.env.BENCH_MEMORY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tally_bench_memory';
const CLIENTS = 8;
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 10);
const EVENTS_PER_BATCH = 5_000;
/** Issue #6 and #16: the service's resident memory, whatever the load. */
const BUDGET_MB = 300;

interface PostgresMemoryResult {
  case: 'postgres';
  clients: number;
  rounds: number;
  eventsPerBatch: number;
  batchMiB: number;
  answers: Record<string, number>;
  /** 200 answers × batch size over the rounds' wall time. */
  eventsPerSecond: number;
  peakRssMb: number;
  died: string | null;
  unexpectedAnswers: string[];
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function call(baseUrl: string, token: string, method: string, path: string, body?: object) {
  const answer = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await answer.text();
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : null;
}

async function runPostgresCase(): Promise<PostgresMemoryResult> {
  await ensureDatabase(DATABASE_URL);
  const adminToken = `bench-memory-admin-${randomBytes(12).toString('hex')}`;
  const server = await startServer({
    databaseUrl: DATABASE_URL,
    secretKey: 'tally-bench-memory-secret-key-not-for-production-01',
    port: 3918,
    adminToken,
    env: { LOG_LEVEL: 'error' },
  });
  try {
    const org = `bench-memory-${Date.now()}`;
    const workspace = `${org}-ws`;
    await call(server.baseUrl, adminToken, 'POST', '/v1/admin/orgs', { id: org, name: org });
    await call(server.baseUrl, adminToken, 'PUT', `/v1/admin/orgs/${org}/users/owner`, {
      email: 'owner@example.test',
      role: 'owner',
    });
    await call(server.baseUrl, adminToken, 'PUT', `/v1/admin/orgs/${org}/workspaces/${workspace}`, {
      name: 'memory',
      owner_user_id: 'owner',
    });
    const created = await call(server.baseUrl, adminToken, 'POST', `/v1/admin/orgs/${org}/tokens`, {
      name: 'memory',
      abilities: ['ingest'],
    });
    const token = String(created!.token);
    // Padding that keeps the batch just under the 5 MiB body limit (docs/limits.md).
    const note = 'x'.repeat(740);
    let next = 0;
    const batch = () =>
      JSON.stringify(
        Array.from({ length: EVENTS_PER_BATCH }, () => ({
          specversion: '1.0',
          id: `e-${next++}`,
          source: 'bench-memory',
          type: 'activity.recorded',
          time: new Date().toISOString(),
          data: {
            workspace_id: workspace,
            method: 'POST',
            path: '/v1/things',
            status_code: 200,
            metadata: { note },
          },
        })),
      );
    const statuses: Record<string, number> = {};
    server.resetPeak();
    const clock = process.hrtime.bigint();
    for (let round = 1; round <= ROUNDS && !server.exited(); round += 1) {
      const bodies = Array.from({ length: CLIENTS }, batch);
      await Promise.all(
        bodies.map(async (body) => {
          const answer = await fetch(`${server.baseUrl}/v1/ingest`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/cloudevents-batch+json',
            },
            body,
          }).catch(() => null);
          const status = answer ? String(answer.status) : 'no answer';
          statuses[status] = (statuses[status] ?? 0) + 1;
          await answer?.text();
        }),
      );
      const peak = Math.round(server.sampledPeak() / 1048576);
      process.stderr.write(
        `bench:memory round ${round}/${ROUNDS}: peak RSS ${peak} MB, answers ${JSON.stringify(statuses)}\n`,
      );
    }
    const seconds = Number(process.hrtime.bigint() - clock) / 1e9;
    const peakMb = Math.round(server.lifetimePeak() / 1048576);
    const died = server.exited();
    const unexpected = Object.keys(statuses).filter((status) => status !== '200' && status !== '503');
    const batchMiB = Math.round((Buffer.byteLength(batch()) / 1048576) * 10) / 10;
    process.stdout.write(
      `PostgreSQL: ${CLIENTS} clients × ${ROUNDS} rounds of ${EVENTS_PER_BATCH}-event batches (${batchMiB.toFixed(1)} MiB): ` +
        `answers ${JSON.stringify(statuses)}, service peak RSS ${peakMb} MB${died ? `, service DIED (${died})` : ''}\n`,
    );
    return {
      case: 'postgres',
      clients: CLIENTS,
      rounds: ROUNDS,
      eventsPerBatch: EVENTS_PER_BATCH,
      batchMiB,
      answers: statuses,
      eventsPerSecond: Math.round(((statuses['200'] ?? 0) * EVENTS_PER_BATCH) / seconds),
      peakRssMb: peakMb,
      died,
      unexpectedAnswers: unexpected,
    };
  } finally {
    await server.stop();
  }
}

const USAGE = `npm run bench:memory [-- options]

  --only postgres|pglite  run one case (default: both)
  --seconds N             length of the embedded case's mixed load [30]
  --scale S               the embedded dataset's scale, as \`npm run bench -- --pglite --scale S\`
                          [0.1: 1,000,000 activity records; the budget applies at 0.1]
  --reload                reload the embedded dataset (bench/.tmp/pglite-<scale>) first
`;

function markdown(report: {
  date: string;
  command: string;
  revision: { commit: string; uncommittedSrc: string[] };
  loadAverage: { start: number; end: number };
  postgres: PostgresMemoryResult | null;
  pglite: PgliteMemoryResult | null;
}): string {
  const lines = [
    `# Tally memory benchmark — ${report.date}`,
    '',
    `Command: \`${report.command}\``,
    '',
    `Code: commit ${report.revision.commit}${report.revision.uncommittedSrc.length > 0 ? ` (uncommitted: ${report.revision.uncommittedSrc.join(', ')})` : ' (src/ clean)'}; ` +
      `1-minute load average ${report.loadAverage.start} at the start, ${report.loadAverage.end} at the end. ` +
      `The service runs as \`npm start\` runs it (its node flags: \`${startFlags().join(' ')}\`). Budget: ${BUDGET_MB} MB resident (MB = MiB).`,
    '',
  ];
  const pgCase = report.postgres;
  if (pgCase) {
    lines.push(
      '## PostgreSQL: ingestion at the limits',
      '',
      `${pgCase.clients} clients × ${pgCase.rounds} rounds of ${pgCase.eventsPerBatch.toLocaleString('en-US')}-event batches (${pgCase.batchMiB} MiB each), all at once.`,
      '',
      '| peak RSS (VmHWM) MB | events/s | answers |',
      '|--:|--:|---|',
      `| **${pgCase.peakRssMb}** | ${pgCase.eventsPerSecond.toLocaleString('en-US')} | ${JSON.stringify(pgCase.answers)}${pgCase.died ? ` — service DIED (${pgCase.died})` : ''} |`,
      '',
    );
  }
  const lite = report.pglite;
  if (lite) {
    lines.push(
      `## PGlite (embedded default): ${lite.records.activities.toLocaleString('en-US')} activity records`,
      '',
      `Data: \`${lite.dataDir}\` (\`tally demo\`: ${lite.records.activities.toLocaleString('en-US')} activity records, ` +
        `${lite.records.executions.toLocaleString('en-US')} executions, ${lite.records.usages.toLocaleString('en-US')} AI usages), copied for the run. ` +
        `Readers replay the chain of ${lite.cursorPages} cursor pages (7 days of the largest org) in turn; ingesting clients send batches of ` +
        `${lite.batchSize.toLocaleString('en-US')} CloudEvents (70% activity, 20% execution, 10% AI usage, 10% of each batch resent). ` +
        `Settings: ${Object.entries(lite.settings)
          .map(([name, value]) => `${name}=${value}`)
          .join(', ')}.`,
      '',
      '| phase | s | peak RSS MB | RSS at end MB | pages/s | events/s | page p50 · p99 ms | batch p50 · p99 ms | service cores | service CPU ms per page · per 1,000 events | V8 heap used · total (new · old space) MB | external MB | array buffers MB |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const phase of lite.phases) {
      const cell = (value: number | undefined) => (value === undefined ? '–' : value.toLocaleString('en-US'));
      lines.push(
        `| ${phase.name} | ${phase.seconds} | **${phase.peakRssMb}** | ${phase.endRssMb} | ${cell(phase.pagesPerSecond)} | ${cell(phase.eventsPerSecond)} | ` +
          `${phase.pageP50Ms === undefined ? '–' : `${phase.pageP50Ms} · ${phase.pageP99Ms}`} | ` +
          `${phase.batchP50Ms === undefined ? '–' : `${phase.batchP50Ms} · ${phase.batchP99Ms}`} | ${cell(phase.serviceCores)} | ` +
          `${phase.serviceCpuMsPerPage ?? '–'} · ${phase.serviceCpuMsPer1000Events ?? '–'} | ` +
          `${phase.split ? `${phase.split.heapUsed} · ${phase.split.heapTotal} (${phase.split.newSpace} · ${phase.split.oldSpace})` : '–'} | ${phase.split?.external ?? '–'} | ${phase.split?.arrayBuffers ?? '–'} |`,
      );
    }
    lines.push(
      '',
      `Service peak resident memory over the whole run (VmHWM): **${lite.peakRssMb} MB**` +
        `${lite.died ? `; the service DIED (${lite.died})` : ''}` +
        `${lite.unexpectedAnswers.length > 0 ? `; unexpected: ${lite.unexpectedAnswers.join(', ')}` : ''}.`,
      '',
      'Peak RSS: VmRSS sampled every 50 ms. The split: process.memoryUsage() maxima inside the service (sampled every 100 ms by ' +
        "`bench/lib/memory-probe.ts`, loaded with `node --import`); PGlite's WebAssembly memory is counted in `external` " +
        '(not in array buffers), and it grows but never shrinks.',
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      seconds: { type: 'string' },
      reload: { type: 'boolean' },
      scale: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.only !== undefined && values.only !== 'postgres' && values.only !== 'pglite')
    throw new Error(`--only takes postgres or pglite, not ${values.only}`);
  const seconds = values.seconds === undefined ? 30 : Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('--seconds takes a positive integer');
  const scale = values.scale === undefined ? PGLITE_MEMORY_SCALE : Number(values.scale);
  if (!(scale > 0)) throw new Error('--scale takes a positive number');
  const code = revision();
  const loadAtStart = loadavg()[0]!;
  const date = new Date();
  const postgres = values.only === 'pglite' ? null : await runPostgresCase();
  const pglite =
    values.only === 'postgres'
      ? null
      : await runPgliteCase({
          port: 3919,
          adminToken: `bench-memory-admin-${randomBytes(12).toString('hex')}`,
          seconds,
          reload: values.reload ?? false,
          scale,
        });
  const report = {
    benchmark: 'memory',
    date: date.toISOString(),
    command: [
      'npm run bench:memory',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: machine(),
    revision: code,
    loadAverage: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
    budgetMb: BUDGET_MB,
    postgres,
    pglite,
  };
  const text = markdown(report);
  const name =
    `memory-${date.toISOString().slice(0, 16).replace(':', '')}${values.only ? `-${values.only}` : ''}` +
    (pglite && scale !== PGLITE_MEMORY_SCALE ? `-scale-${String(scale).replace('.', '_')}` : '');
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join('bench', 'results', `${name}.md`), text);
  process.stdout.write(`\n${text}\nbench:memory: written to bench/results/${name}.{json,md}\n`);
  const failed = [
    ...(postgres && (postgres.died || postgres.unexpectedAnswers.length > 0 || postgres.peakRssMb > BUDGET_MB)
      ? [
          `PostgreSQL: peak ${postgres.peakRssMb} MB${postgres.died ? ', died' : ''}${postgres.unexpectedAnswers.length ? `, answers ${postgres.unexpectedAnswers.join(' ')}` : ''}`,
        ]
      : []),
    ...(pglite && (pglite.died || pglite.unexpectedAnswers.length > 0 || pglite.peakRssMb > BUDGET_MB)
      ? [
          `PGlite: peak ${pglite.peakRssMb} MB${pglite.died ? ', died' : ''}${pglite.unexpectedAnswers.length ? `, ${pglite.unexpectedAnswers.join(', ')}` : ''}`,
        ]
      : []),
  ];
  if (failed.length > 0) {
    process.stderr.write(`bench:memory: FAILED (budget ${BUDGET_MB} MB): ${failed.join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:memory: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
