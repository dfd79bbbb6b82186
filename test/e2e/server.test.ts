// The compiled service as a real process: first start prints the admin token once, the README's
// provisioning flow works over HTTP, SIGTERM shuts down cleanly (flushing what it buffered), and
// a restart keeps the data without printing a new token.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const root = join(import.meta.dirname, '..', '..');
let dataDir: string;
let database: TestDatabase | null = null;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.mjs')], {
    cwd: root,
    stdio: 'ignore',
  });
  dataDir = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
  env = { PATH: process.env.PATH, PORT: '0', TALLY_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  if (process.env.TALLY_TEST_DB === 'postgres') {
    database = await createTestDatabase();
    await database.database.close();
    env.DATABASE_URL = database.url!;
    env.TALLY_SECRET_KEY = TEST_SECRET_KEY;
  }
}, 180_000);

afterAll(async () => {
  if (database) await database.drop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

async function start(): Promise<Running> {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'serve'], { env, cwd: root });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const line = out.split('\n').find((l) => l.includes('tally is serving'));
    if (line) return { child, url: JSON.parse(line).url, stderr: () => err, stdout: () => out, exited };
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${err}`);
}

it('serves, provisions through the README flow, shuts down gracefully and restarts with its data', async () => {
  const first = await start();
  const match = /(tly_admin_[A-Za-z0-9_-]{43})/.exec(first.stderr());
  expect(match, first.stderr()).not.toBeNull();
  const admin = match![1]!;
  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const response = await fetch(`${first.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const answer = response.status === 204 ? null : ((await response.json()) as Record<string, unknown>);
    return { status: response.status, body: answer as Record<string, unknown> };
  };
  expect((await call('POST', '/v1/admin/orgs', admin, { id: 'acme', name: 'Acme' })).status).toBe(201);
  expect(
    (await call('PUT', '/v1/admin/orgs/acme/users/42', admin, { email: 'ada@acme.test', role: 'owner' }))
      .status,
  ).toBe(201);
  expect(
    (
      await call('PUT', '/v1/admin/orgs/acme/workspaces/1001', admin, {
        name: 'Marketing',
        owner_user_id: '42',
      })
    ).status,
  ).toBe(201);
  const created = await call('POST', '/v1/admin/orgs/acme/tokens', admin, {
    name: 'ingest',
    abilities: ['ingest', 'read'],
  });
  expect(created.status).toBe(201);
  const token = created.body.token as string;
  // An hour ago, so an explicit window can leave out this test's own (self-recorded) requests.
  const now = new Date(Date.now() - 60 * 60_000).toISOString();
  const until = new Date(Date.now() - 30 * 60_000).toISOString();
  const ingested = await call(
    'POST',
    '/v1/ingest',
    token,
    [1, 2, 3].map((n) => ({
      specversion: '1.0',
      id: `evt-${n}`,
      source: 'acme/api',
      type: 'activity.recorded',
      time: now,
      data: {
        workspace_id: '1001',
        user_id: '42',
        method: 'GET',
        path: '/v1/things',
        action: 'read',
        resource_type: 'report',
        status_code: 200,
      },
    })),
    'application/cloudevents-batch+json',
  );
  expect(ingested).toEqual({ status: 200, body: { accepted: 3, duplicates: 0, rejected: [] } });
  const listing = await call(
    'GET',
    `/v1/orgs/acme/workspaces/1001/activity/search?action=read&end_time=${encodeURIComponent(until)}`,
    token,
  );
  expect(listing.status).toBe(200);
  expect(listing.body.total).toBe(3);
  const summary = await call('GET', '/v1/orgs/acme/workspaces/1001/activity/summary', token);
  // by resource type: the summary's window ends now, so it also holds self-recorded requests
  expect((summary.body.by_resource as Record<string, number>).report).toBe(3);

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.stdout()).toContain('shutting down');
  expect(first.stdout()).not.toContain(admin);
  expect(first.stdout()).not.toContain(token);

  const second = await start();
  try {
    expect(second.stderr()).not.toContain('tly_admin_');
    const response = await fetch(`${second.url}/v1/orgs/acme/activity?limit=200`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const body = (await response.json()) as { activities: { path: string }[] };
    // the three ingested records, and the first run's own requests, flushed at shutdown
    expect(body.activities.filter((a: { path: string }) => a.path === '/v1/things')).toHaveLength(3);
    expect(
      body.activities.some(
        (a: { path: string }) => a.path === '/v1/orgs/acme/workspaces/1001/activity/summary',
      ),
    ).toBe(true);
  } finally {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }
}, 180_000);
