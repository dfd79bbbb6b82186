// TALLY_STATEMENT_TIMEOUT_MS: on PostgreSQL a statement that runs too long (here: one waiting on a
// lock another session holds) is cancelled by the server, answered 503 + Retry-After in the
// surface's dialect, and the rest of the service keeps answering meanwhile. PGlite is one
// embedded connection with no statement timeout, so this is a PostgreSQL-only proof.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type TallyApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { databaseTarget } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { type LedgerDatabase, openDatabase } from '../../src/db/open.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { Factory, uid } from '../helpers/factories.js';
import {
  bearer,
  buildTestApp,
  TEST_ADMIN_TOKEN,
  TEST_SECRET_KEY,
  type TestApp,
} from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';

const onPostgres = testDatabaseKind() === 'postgres';

describe.runIf(onPostgres)('on PostgreSQL', () => {
  let t: TestApp;
  let database: LedgerDatabase;
  let app: TallyApp;
  beforeAll(async () => {
    // Provisioning goes through an ordinary app; the app under test shares its database with a
    // 100 ms statement timeout, opened from the setting exactly as `tally serve` opens it.
    t = await buildTestApp();
    const config = loadConfig({
      DATABASE_URL: t.testDatabase.url!,
      TALLY_SECRET_KEY: TEST_SECRET_KEY,
      TALLY_STATEMENT_TIMEOUT_MS: '100',
      TALLY_RATE_LIMIT_RPS: '0',
      LOG_LEVEL: 'silent',
    });
    database = await openDatabase(databaseTarget(config));
    app = await buildApp({
      config,
      database,
      keyring: buildKeyring(config.secretKey!, config.previousSecretKeys),
      adminTokenHash: hashToken(TEST_ADMIN_TOKEN),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
    await t.close();
  });

  /** Runs `during` while another session holds an exclusive lock on `table`. */
  async function whileLocked<T>(table: string, during: () => Promise<T>): Promise<T> {
    const locker = new pg.Client({ connectionString: t.testDatabase.url! });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      return await during();
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }

  const usageEvent = (workspaceId: string) => ({
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/overload',
    type: 'ai_usage.recorded',
    time: '2026-11-22T10:00:00.000Z',
    data: {
      id: uid('usage'),
      workspaceId,
      toolType: 'other',
      status: 'completed',
      createdAt: '2026-11-22T10:00:00.000Z',
    },
  });

  it('cancels a statement past the timeout with a 503 while other requests are served', async () => {
    const w = await new Factory(t).world();
    const headers = bearer(w.ownerToken.token);
    const usages = `/api/v1/workspace/${w.workspace.id}/ai/usages`;
    expect((await app.inject({ method: 'GET', url: usages, headers })).statusCode).toBe(200);

    await whileLocked('ai_usages', async () => {
      const started = Date.now();
      const stuck = app.inject({ method: 'GET', url: usages, headers });
      // Served while the other request waits on the lock.
      const summary = await app.inject({
        method: 'GET',
        url: `/v1/orgs/${w.org.id}/activity/summary`,
        headers,
      });
      expect(summary.statusCode).toBe(200);

      const timedOut = await stuck;
      expect(timedOut.statusCode).toBe(503);
      expect(timedOut.headers['retry-after']).toBe('1');
      expect(timedOut.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The query took too long; retry shortly',
      });
      // Cancelled by the server after 100 ms, not after the 15 s default.
      expect(Date.now() - started).toBeLessThan(5_000);
      // The pool's connection came back: the service still answers.
      expect(
        (await app.inject({ method: 'GET', url: `/v1/orgs/${w.org.id}/activity`, headers })).statusCode,
      ).toBe(200);
    });
    expect((await app.inject({ method: 'GET', url: usages, headers })).statusCode).toBe(200);
  });

  it('rolls an ingestion back on timeout, so that the retry is accepted', async () => {
    const w = await new Factory(t).world();
    const payload = JSON.stringify([usageEvent(w.workspace.id)]);
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/ingest',
        headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
        payload,
      });
    const refused = await whileLocked('ai_usages', send);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.json()).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The query took too long; retry shortly',
    });
    // The event's dedup claim was rolled back with the rest: the retry is not a "duplicate".
    expect((await send()).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });
});

it.runIf(!onPostgres)('PGlite has no statement timeout (one embedded connection): nothing to cancel', () => {
  expect(databaseTarget(loadConfig({ TALLY_STATEMENT_TIMEOUT_MS: '100' }))).toEqual({
    kind: 'pglite',
    dataDir: 'data/pglite',
  });
});
