// Measure 1 of issue #6: events per second through `POST /v1/ingest` against COPY of the same new
// records into the same tables, in the same run. Both sides use the same batches, the same number
// of concurrent connections and the same commit unit (one transaction per batch), into the loaded
// benchmark database with every index; both write into orgs of their own, removed afterwards so
// the dataset stays as the marker says.
import http from 'node:http';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase } from '../../src/db/open.js';
import { loadWorld } from '../../src/demo/world.js';
import { CpuMeter } from './cpu.js';
import { percentile } from './http-load.js';
import {
  ACTIVITY_COPY_COLUMNS,
  buildIngestWorkload,
  type CopyUnit,
  EXECUTION_COPY_COLUMNS,
  USAGE_COPY_COLUMNS,
} from './ingest-workload.js';
import type { RunningServer } from './server.js';

export interface PhaseFigures {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number | null;
  cpuMsPerThousandEvents: { service: number | null; postgres: number; client: number };
}

export interface IngestResult {
  batchSize: number;
  clients: number;
  mix: string;
  duplicateShare: number;
  http: PhaseFigures & { accepted: number; duplicates: number; statuses: Record<string, number> };
  /** Batches made only of events already stored: what a duplicate costs. */
  duplicatesOnly: PhaseFigures;
  copy: PhaseFigures;
  /** HTTP events/s over COPY rows/s (COPY loads only the new records: it has nothing to dedupe). */
  ratio: number;
  /**
   * The same batches posted to the ingestion service floor (lib/ingest-floor.ts: Fastify + pg,
   * parse and COPY), into an org of its own; absent when the run has no Fastify service floor.
   */
  floor?: PhaseFigures & { accepted: number; duplicates: number; ratio: number };
  stored: { activities: number; executions: number; usages: number };
  expected: { activities: number; executions: number; usages: number };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Removes everything the orgs own, in every table that has an org_id. */
export async function removeOrgs(databaseUrl: string, orgIds: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND c.table_name <> 'orgs'
         AND t.table_type = 'BASE TABLE'`,
    );
    // Children first: members and hired agents reference workspaces, which reference users.
    const order = (name: string) =>
      [
        'workspace_members',
        'hired_agents',
        'integration_credentials',
        'api_tokens',
        'workspaces',
        'users',
      ].indexOf(name);
    const names = tables.rows.map((row) => row.table_name).sort((a, b) => order(a) - order(b));
    for (const name of names) await client.query(`DELETE FROM "${name}" WHERE org_id = ANY($1)`, [orgIds]);
    await client.query('DELETE FROM orgs WHERE id = ANY($1)', [orgIds]);
    // Each run leaves ~700,000 dead rows behind; left to autovacuum (which waits for 20% of a
    // 10M-row table), a dozen runs slowed the next runs' inserts by half (every unique check and
    // index page visits the dead entries). So the run cleans up after itself.
    process.stderr.write('bench: VACUUM after removing the ingestion orgs…\n');
    for (const name of [...names, 'orgs']) await client.query(`VACUUM (ANALYZE) "${name}"`);
  } finally {
    await client.end();
  }
}

/** One POST of a pre-encoded body (CloudEvents unless `path` and `contentType` say otherwise). */
export function post(
  agent: http.Agent,
  url: URL,
  token: string,
  body: string | Buffer,
  path = '/v1/ingest',
  contentType = 'application/cloudevents-batch+json',
) {
  return new Promise<{ status: number; body: Buffer; ms: number }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Each phase starts from a fresh checkpoint. After one, the first change to each page writes the
 * whole page to the WAL; without this, whichever phase a checkpoint fell into paid that alone
 * (COPY measured anywhere from 20,000 to 48,000 rows/s on the same data).
 */
/**
 * Waits until the activity rollups' queue is empty (at most 10 s): the service folds it within a
 * second of the last commit (src/ledger/activity/rollup-folder.ts), and a phase's CPU figures
 * include those folds. A build without the queue (an earlier revision) has nothing to wait for.
 */
export async function rollupQueueDrained(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query<{ table: string | null }>(
      "SELECT to_regclass('activity_rollup_queue')::text AS table",
    );
    if (exists.rows[0]!.table === null) return;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const left = await client.query<{ left: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM activity_rollup_queue) AS left',
      );
      if (!left.rows[0]!.left) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.stderr.write('bench: the rollup queue was not folded within 10 s\n');
  } finally {
    await client.end();
  }
}

export async function checkpoint(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch (error) {
    // Only superusers (and pg_checkpoint members) may; the phases then run as they come.
    process.stderr.write(`bench: no CHECKPOINT before the phase (${(error as Error).message})\n`);
  } finally {
    await client.end();
  }
}

/** Runs `work(i)` for i in [0, count) on `workers` concurrent loops, in order of i; its seconds. */
export async function pool(
  count: number,
  workers: number,
  work: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(workers, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await work(index);
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function copyUnit(client: pg.Client, orgless: CopyUnit): Promise<void> {
  const copyInto = async (table: string, columns: readonly string[], text: string | null) => {
    if (text === null) return;
    const stream = client.query(
      copyFrom(`COPY ${table} (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN (FORMAT csv)`),
    );
    await pipeline(
      (async function* () {
        yield text;
      })(),
      stream as unknown as Writable,
    );
  };
  await client.query('BEGIN');
  await copyInto('activities', ACTIVITY_COPY_COLUMNS, orgless.activities);
  await copyInto('executions', EXECUTION_COPY_COLUMNS, orgless.executions);
  await copyInto('ai_usages', USAGE_COPY_COLUMNS, orgless.usages);
  await client.query('COMMIT');
}

/** An org token with the ingest ability, made through the admin API as a platform would. */
export async function ingestToken(baseUrl: string, adminToken: string, orgId: string): Promise<string> {
  const answer = await fetch(`${baseUrl}/v1/admin/orgs/${orgId}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench ingestion', abilities: ['ingest'] }),
  });
  if (answer.status !== 201) throw new Error(`could not create an ingestion token: ${await answer.text()}`);
  return ((await answer.json()) as { token: string }).token;
}

export async function runIngest(options: {
  server: RunningServer;
  databaseUrl: string;
  databaseName: string;
  adminToken: string;
  events: number;
  batchSize: number;
  clients: number;
  /** The Fastify service floor's process, to measure the ingestion floor beside the service. */
  floor?: { baseUrl: string; pid: number } | null;
}): Promise<IngestResult> {
  const seed = 901;
  const copyOrgId = `bench-copy-${seed}`;
  const floorOrgId = `bench-floor-${seed}`;
  process.stderr.write(`bench: ingestion: building ${options.events.toLocaleString('en-US')} events…\n`);
  const workload = buildIngestWorkload({
    events: options.events,
    batchSize: options.batchSize,
    seed,
    copyOrgId,
    now: Date.now(),
  });
  const ingestOrgId = workload.world.id;
  await removeOrgs(options.databaseUrl, [ingestOrgId, copyOrgId, floorOrgId]);
  const database = await openDatabase({ kind: 'postgres', url: options.databaseUrl, poolSize: 1 });
  try {
    await loadWorld(database.db, [workload.world]);
    await database.db.insertInto('orgs').values({ id: copyOrgId, name: 'Bench COPY reference' }).execute();
    await database.db.insertInto('orgs').values({ id: floorOrgId, name: 'Bench ingestion floor' }).execute();
  } finally {
    await database.close();
  }

  const base = new URL(options.server.baseUrl);
  const token = await ingestToken(options.server.baseUrl, options.adminToken, ingestOrgId);

  const cpu = await CpuMeter.open(options.databaseUrl, options.databaseName, options.server.pid);
  const figures = async (
    events: number,
    run: () => Promise<{ seconds: number; latencies: number[] }>,
    withService: boolean,
    meter = cpu,
  ): Promise<PhaseFigures> => {
    await checkpoint(options.databaseUrl);
    options.server.resetPeak();
    const before = await meter.snapshot();
    const { seconds, latencies } = await run();
    // Folds of the phase's last commits are its work too (not its time: each answer meant committed).
    if (withService) await rollupQueueDrained(options.databaseUrl);
    const after = await meter.snapshot();
    const per = CpuMeter.perRequest(before, after, events / 1000);
    latencies.sort((a, b) => a - b);
    return {
      events,
      seconds: round(seconds),
      eventsPerSecond: Math.round(events / seconds),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      peakRssMb: withService && meter === cpu ? mb(options.server.sampledPeak()) : null,
      cpuMsPerThousandEvents: {
        service: withService ? per.serviceMs : null,
        postgres: per.postgresMs,
        client: per.clientMs,
      },
    };
  };

  const sendAll = async (
    batches: string[],
    tally?: { accepted: number; duplicates: number },
    to: { url: URL; path: string } = { url: base, path: '/v1/ingest' },
  ) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const seconds = await pool(batches.length, options.clients, async (index) => {
      const answer = await post(agent, to.url, token, batches[index]!, to.path);
      latencies.push(answer.ms);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status !== 200)
        throw new Error(`ingestion answered ${answer.status}: ${answer.body.toString('utf8', 0, 300)}`);
      const body = JSON.parse(answer.body.toString('utf8')) as { accepted: number; duplicates: number };
      if (tally) {
        tally.accepted += body.accepted;
        tally.duplicates += body.duplicates;
      }
    });
    agent.destroy();
    return { seconds, latencies, statuses };
  };

  process.stderr.write(
    `bench: ingestion over HTTP: ${workload.batches.length} batches, ${options.clients} clients\n`,
  );
  const tally = { accepted: 0, duplicates: 0 };
  let statuses: Record<string, number> = {};
  const httpFigures = await figures(
    workload.events,
    async () => {
      const result = await sendAll(workload.batches, tally);
      statuses = result.statuses;
      return result;
    },
    true,
  );

  const resend = workload.batches.slice(0, Math.max(1, Math.round(workload.batches.length / 5)));
  process.stderr.write(`bench: ingestion of duplicates only: ${resend.length} batches\n`);
  const duplicateFigures = await figures(resend.length * options.batchSize, () => sendAll(resend), true);

  process.stderr.write(`bench: COPY of the same records: ${workload.copy.length} transactions\n`);
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const uniqueRows = workload.unique.activities + workload.unique.executions + workload.unique.usages;
  let copyFigures: PhaseFigures;
  try {
    const free = [...clients];
    copyFigures = await figures(
      uniqueRows,
      async () => {
        const latencies: number[] = [];
        const seconds = await pool(workload.copy.length, options.clients, async (index) => {
          const client = free.pop()!;
          const started = process.hrtime.bigint();
          try {
            await copyUnit(client, workload.copy[index]!);
          } finally {
            free.push(client);
          }
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        });
        return { seconds, latencies };
      },
      false,
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }

  let floor: IngestResult['floor'];
  if (options.floor) {
    const to = { url: new URL(options.floor.baseUrl), path: `/ingest-floor/${floorOrgId}` };
    process.stderr.write(`bench: the same batches to the ingestion floor (Fastify + pg, COPY)\n`);
    const floorCpu = await CpuMeter.open(options.databaseUrl, options.databaseName, options.floor.pid);
    const floorTally = { accepted: 0, duplicates: 0 };
    try {
      const phase = await figures(
        workload.events,
        () => sendAll(workload.batches, floorTally, to),
        true,
        floorCpu,
      );
      floor = { ...phase, ...floorTally, ratio: round(phase.eventsPerSecond / copyFigures.eventsPerSecond) };
    } finally {
      await floorCpu.close();
    }
  }
  await cpu.close();

  const counter = new pg.Client({ connectionString: options.databaseUrl });
  await counter.connect();
  // Records the workload made (not the service's own self-recorded activity of those requests).
  const count = async (table: string, idPrefix: string) =>
    Number(
      (
        await counter.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${table} WHERE org_id = $1 AND starts_with(id, $2)`,
          [ingestOrgId, idPrefix],
        )
      ).rows[0]!.n,
    );
  const stored = {
    activities: await count('activities', `demo-${seed}-act-`),
    executions: await count('executions', ''),
    usages: await count('ai_usages', ''),
  };
  if (floor) {
    const floorStored = await counter.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM activities WHERE org_id = $1) + (SELECT count(*) FROM executions WHERE org_id = $1)
         + (SELECT count(*) FROM ai_usages WHERE org_id = $1) AS n`,
      [floorOrgId],
    );
    const expected = workload.unique.activities + workload.unique.executions + workload.unique.usages;
    if (Number(floorStored.rows[0]!.n) !== expected || floor.accepted !== expected)
      throw new Error(`the ingestion floor stored ${floorStored.rows[0]!.n} records, not ${expected}`);
  }
  await counter.end();
  await removeOrgs(options.databaseUrl, [ingestOrgId, copyOrgId, floorOrgId]);

  return {
    batchSize: options.batchSize,
    clients: options.clients,
    mix: 'activity 70%, execution 20%, AI usage 10%',
    duplicateShare: 0.1,
    http: { ...httpFigures, ...tally, statuses },
    duplicatesOnly: duplicateFigures,
    copy: copyFigures,
    ratio: round(httpFigures.eventsPerSecond / copyFigures.eventsPerSecond),
    ...(floor ? { floor } : {}),
    stored,
    expected: workload.unique,
  };
}
