// A PostgreSQL connection that dies in the middle of an ingest transaction (a failover, an operator
// terminating backends, a crash): the caller gets a 503 with Retry-After, nothing of the batch is
// stored or claimed, the same batch is accepted on retry, and the pool carries on. A trigger that
// terminates its own backend makes the loss happen at one exact point, every time.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';

const DOOMED_SOURCE = 'reliability/connection-dies';

describe.runIf(testDatabaseKind() === 'postgres')('a connection lost inside the ingest transaction', () => {
  let t: TestApp;
  let f: Factory;
  let w: Awaited<ReturnType<Factory['world']>>;

  beforeAll(async () => {
    t = await buildTestApp();
    f = new Factory(t);
    w = await f.world();
    await sql`
      CREATE FUNCTION reliability_terminate_self() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.source = ${sql.lit(DOOMED_SOURCE)} THEN
          PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NEW;
      END $$`.execute(t.db);
    await sql`
      CREATE TRIGGER reliability_terminate_self BEFORE INSERT ON ingested_events
      FOR EACH ROW EXECUTE FUNCTION reliability_terminate_self()`.execute(t.db);
  });
  afterAll(() => t.close());

  const events = (ids: string[]) =>
    ids.map((id) => ({
      specversion: '1.0',
      id,
      source: DOOMED_SOURCE,
      type: 'ai_usage.recorded',
      data: { id, workspaceId: w.workspace.id, toolType: 'other', status: 'completed', cost: 0.5 },
    }));
  const ingest = (ids: string[]) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify(events(ids)),
    });

  it('answers 503 with Retry-After, stores nothing, and accepts the retry', async () => {
    const lost = await ingest(['usage-1', 'usage-2']);
    expect(lost.statusCode, lost.body).toBe(503);
    expect(lost.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(lost.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(lost.json()).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The database is unavailable; retry shortly',
    });
    const stored = async () =>
      (
        await t.db
          .selectFrom('ai_usages')
          .select('id')
          .where('org_id', '=', w.org.id)
          .where('id', 'in', ['usage-1', 'usage-2'])
          .execute()
      ).length;
    expect(await stored()).toBe(0);
    const claims = await t.db
      .selectFrom('ingested_events')
      .select('event_id')
      .where('org_id', '=', w.org.id)
      .where('source', '=', DOOMED_SOURCE)
      .execute();
    expect(claims).toEqual([]);

    // The cause is gone; the same pool serves the retry, which is all new.
    await sql`DROP TRIGGER reliability_terminate_self ON ingested_events`.execute(t.db);
    const retried = await ingest(['usage-1', 'usage-2']);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await stored()).toBe(2);
  });
});
