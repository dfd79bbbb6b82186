// `npm run bench:memory`: the service's worst case for memory. Eight clients send ingestion
// batches at the limits (5,000 events, ~5 MiB each) at the same time, round after round, at the
// service started as `npm start` starts it; the run reports the peak resident set and the answers
// (200, or 503 + Retry-After from back-pressure), and fails if the service died or any answer was
// something else. Issue #6's budget is 300 MB whatever the load (docs/overload.md).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startServer } from './lib/server.js';

const DATABASE_URL =
  process.env.BENCH_MEMORY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tally_bench_memory';
const CLIENTS = 8;
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 10);
const EVENTS_PER_BATCH = 5_000;

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

async function main(): Promise<void> {
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
    const peakMb = Math.round(server.lifetimePeak() / 1048576);
    const died = server.exited();
    const unexpected = Object.keys(statuses).filter((status) => status !== '200' && status !== '503');
    process.stdout.write(
      `${CLIENTS} clients × ${ROUNDS} rounds of ${EVENTS_PER_BATCH}-event batches (${(Buffer.byteLength(batch()) / 1048576).toFixed(1)} MiB): ` +
        `answers ${JSON.stringify(statuses)}, service peak RSS ${peakMb} MB${died ? `, service DIED (${died})` : ''}\n`,
    );
    if (died || unexpected.length > 0 || peakMb > 300) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:memory: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
