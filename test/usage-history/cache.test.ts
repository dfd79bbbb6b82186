// The 60-second listing cache: in process by default, shared through Redis when TALLY_REDIS_URL is
// set, and a Redis outage only turns caching off.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type TallyApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { Factory, numericId } from '../helpers/factories.js';
import { buildTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, usage } from './helpers.js';

const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

async function ids(response: { statusCode: number; body: string; json(): { items: { id: number }[] } }) {
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map((item) => item.id);
}

async function addRow(f: Factory, w: Awaited<ReturnType<typeof numericWorld>>, userId = w.owner.id) {
  const id = numericId();
  await f.ingest(w.serviceToken.token, [
    executionEvent({ id, workspaceId: w.workspace.id, userId, agent: w.chat, createdAt: recent(1) }),
  ]);
  return Number(id);
}

describe('in-process cache', () => {
  let t: TestApp;
  let f: Factory;
  beforeAll(async () => {
    t = await buildTestApp();
    f = new Factory(t);
  });
  afterAll(() => t.close());

  it('serves an identical request from cache for 60 seconds', async () => {
    const w = await numericWorld(f);
    const first = await addRow(f, w);
    const now = new Date();
    t.clock.pinned = now;
    try {
      const before = await usage(t, w.ownerToken.token, w.workspace.id);
      const second = await addRow(f, w);
      const cached = await usage(t, w.ownerToken.token, w.workspace.id);
      expect(cached.body).toBe(before.body);
      expect(await ids(cached)).toEqual([first]);
      // Another page size is another key: fresh.
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id, { per_page: 10 }))).toEqual([
        second,
        first,
      ]);
      t.clock.pinned = new Date(now.getTime() + 59_000);
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id))).toEqual([first]);
      t.clock.pinned = new Date(now.getTime() + 60_000);
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id))).toEqual([second, first]);
    } finally {
      t.clock.pinned = null;
    }
  });

  it('never serves a cached page to a caller who may not see it', async () => {
    const w = await numericWorld(f);
    const staff = await f.user(w.org.id, { id: numericId() });
    await f.member(w.workspace.id, staff.id, 'staff', ['usage:read_others']);
    const staffToken = (await f.token(w.org.id, { userId: staff.id, abilities: ['use_agents'] })).token;
    const ownerRow = await addRow(f, w);
    const staffRow = await addRow(f, w, staff.id);
    const everyone = [staffRow, ownerRow].sort((a, b) => b - a);
    const now = new Date();
    t.clock.pinned = now;
    try {
      // Cached for callers who see everyone…
      expect((await ids(await usage(t, w.ownerToken.token, w.workspace.id))).sort((a, b) => b - a)).toEqual(
        everyone,
      );
      expect((await ids(await usage(t, staffToken, w.workspace.id))).sort((a, b) => b - a)).toEqual(everyone);
      // …then the staff member loses usage:read_others: within the 60 s they see only their own rows.
      await f.member(w.workspace.id, staff.id, 'staff', []);
      expect(await ids(await usage(t, staffToken, w.workspace.id))).toEqual([staffRow]);
      const other = await usage(t, staffToken, w.workspace.id, { user_id: w.owner.id });
      expect(other.statusCode).toBe(403);
      // And removed from the workspace: nothing at all.
      const outsider = await f.user(w.org.id, { id: numericId() });
      const outsiderToken = (await f.token(w.org.id, { userId: outsider.id, abilities: ['use_agents'] }))
        .token;
      expect((await usage(t, outsiderToken, w.workspace.id)).statusCode).toBe(403);
    } finally {
      t.clock.pinned = null;
    }
  });
});

/** A second instance over the same database, as another server of the same deployment would be. */
async function secondInstance(t: TestApp): Promise<TallyApp> {
  const app = await buildApp({
    config: t.config,
    database: t.testDatabase.database,
    keyring: buildKeyring(t.config.secretKey!, t.config.previousSecretKeys),
    adminTokenHash: hashToken(TEST_ADMIN_TOKEN),
  });
  await app.ready();
  return app;
}

describe('Redis cache', () => {
  let t: TestApp;
  let f: Factory;
  let other: TallyApp;
  beforeAll(async () => {
    // A prefix of this run's own: parallel runs on the same Redis never share a page.
    t = await buildTestApp({
      TALLY_REDIS_URL: 'redis://127.0.0.1:6379',
      TALLY_REDIS_PREFIX: `tally-test:${randomBytes(6).toString('hex')}:`,
    });
    f = new Factory(t);
    other = await secondInstance(t);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('is shared by every instance', async () => {
    const w = await numericWorld(f);
    const first = await addRow(f, w);
    const before = await usage(t, w.ownerToken.token, w.workspace.id);
    expect(await ids(before)).toEqual([first]);
    const second = await addRow(f, w);
    const elsewhere = await usage({ ...t, app: other }, w.ownerToken.token, w.workspace.id);
    expect(elsewhere.body).toBe(before.body);
    // A caller limited to their own rows gets their own key, on every instance.
    const staff = await f.user(w.org.id, { id: numericId() });
    await f.member(w.workspace.id, staff.id, 'staff');
    const staffToken = (await f.token(w.org.id, { userId: staff.id, abilities: ['use_agents'] })).token;
    expect(await ids(await usage({ ...t, app: other }, staffToken, w.workspace.id))).toEqual([]);
    expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id, { per_page: 5 }))).toEqual([
      second,
      first,
    ]);
  });
});

describe('Redis outage', () => {
  it('answers uncached when Redis refuses connections', async () => {
    const t = await buildTestApp({ TALLY_REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const f = new Factory(t);
      const w = await numericWorld(f);
      const first = await addRow(f, w);
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id))).toEqual([first]);
      const second = await addRow(f, w);
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id))).toEqual([second, first]);
    } finally {
      await t.close();
    }
  });

  it('answers promptly when Redis accepts connections but never replies', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const t = await buildTestApp({ TALLY_REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const f = new Factory(t);
      const w = await numericWorld(f);
      const first = await addRow(f, w);
      const started = Date.now();
      expect(await ids(await usage(t, w.ownerToken.token, w.workspace.id))).toEqual([first]);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await t.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
