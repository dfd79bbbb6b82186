// Crash safety, part 2 (issue #7): PostgreSQL crashes (immediate stop) and comes back while
// clients ingest and read. While it is down every caller gets a prompt 503 with Retry-After in its
// surface's dialect (never a 500, a 401, a stack trace or a hang); when it is back the same
// service process recovers by itself, and every acknowledged event is stored exactly once.
// PostgreSQL only: an embedded database cannot go down on its own. The instance is private (see
// private-postgres.ts), so the shared server other test files use is never touched.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';
import { type Attempt, IngestClients } from './ingest-clients.js';
import { expectOutageAnswer, probeWhileDown } from './outage-answers.js';
import { PrivatePostgres } from './private-postgres.js';
import { provision } from './provision.js';
import { buildService, freePort, ServiceProcess } from './service-process.js';
import { checkLedger, readStored } from './stored-events.js';

const BATCH_SIZE = 20;
/** Longest a request may take while the database is down: a prompt answer, not a hang. */
const PROMPT_MS = 5_000;
const OUTAGE_MS = 6_000;

describe.runIf(testDatabaseKind() === 'postgres')('PostgreSQL restarted under load', () => {
  let postgres: PrivatePostgres | null = null;
  let service: ServiceProcess | null = null;
  let loadToAbandon: IngestClients | null = null;

  beforeAll(async () => {
    buildService();
    postgres = await PrivatePostgres.create();
  }, 180_000);

  afterAll(async () => {
    loadToAbandon?.abandon();
    await service?.crash();
    await postgres?.destroy();
  }, 60_000);

  it('answers 503 with Retry-After while it is down, recovers without a restart and loses nothing acknowledged', async () => {
    const pg = postgres!;
    service = await ServiceProcess.start(await freePort(), {
      DATABASE_URL: pg.url(),
      TALLY_SECRET_KEY: TEST_SECRET_KEY,
    });
    const running = service;
    const { world, token, spareToken } = await provision(running.url);
    const prefix = `pgrestart-${randomBytes(3).toString('hex')}`;
    const clients = new IngestClients({
      target: { url: running.url },
      token,
      world,
      prefix,
      clients: 3,
      readers: 1,
      batchSize: BATCH_SIZE,
      maxBatches: 400,
      retryDelayMs: 150,
      deadlineMs: 100_000,
    });
    loadToAbandon = clients;
    clients.start();
    await clients.waitFor(() => clients.acknowledgedCount >= 8, 'ingestion to run');

    const crashAt = Date.now();
    await pg.crash();
    const downAt = Date.now();
    // Down for a few seconds: longer than the token cache lasts and than a connection attempt may.
    const sawOutage = (a: Attempt) => a.startedAt >= downAt && a.outcome === 503;
    await clients.waitFor(
      () =>
        Date.now() - downAt >= OUTAGE_MS &&
        clients.attempts.filter((a) => sawOutage(a) && a.batch !== null).length >= 6 &&
        clients.attempts.some((a) => sawOutage(a) && a.batch === null),
      'ingest and read clients to meet the outage',
    );
    await probeWhileDown(running.url, world, spareToken);

    const restartAt = Date.now();
    await pg.start();
    const upAt = Date.now();
    const acknowledgedAtRestart = clients.acknowledgedCount;
    await clients.waitFor(
      () => clients.acknowledgedCount >= acknowledgedAtRestart + 8,
      'ingestion to recover without a service restart',
      30_000,
    );
    const recovered = clients.attempts.find(
      (a) => a.startedAt >= upAt && a.batch !== null && a.outcome === 200,
    );
    await clients.finish();
    expect(running.running, 'the service process is still the one started first').toBe(true);

    // While it was down: prompt 503s with Retry-After, in each surface's dialect.
    const duringOutage = clients.attempts.filter((a) => a.startedAt >= downAt && a.endedAt <= restartAt);
    expect(duringOutage.length).toBeGreaterThan(0);
    for (const attempt of duringOutage) expectOutageAnswer(attempt, PROMPT_MS);
    // Around the crash and the restart a request may still succeed; nothing else is allowed.
    const others = clients.attempts.filter((a) => a.outcome !== 200 && a.outcome !== 503);
    expect(others, JSON.stringify(others.slice(0, 3))).toEqual([]);
    // Nothing was logged as an unhandled error (a 500 in disguise).
    expect(running.logLines().filter((line) => line.level >= 50)).toEqual([]);

    // The token first presented during the outage works now.
    const spare = await fetch(`${running.url}/v1/orgs/${world.orgId}/activity/summary?hours=1`, {
      headers: { authorization: `Bearer ${spareToken}` },
    });
    expect(spare.status).toBe(200);
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);

    const opened = await openDatabase({ kind: 'postgres', url: pg.url(), poolSize: 1 });
    try {
      // The self-recorded requests answered 503 during the outage were kept and written after it.
      const recordedOutage = await waitForRecordedOutage(opened.db, world.orgId);
      expect(recordedOutage).toBeGreaterThan(0);
      expect(await running.stop()).toBe(0);
      const check = checkLedger(clients, await readStored(opened.db, world.orgId, prefix));
      const outageIngest = duringOutage.filter((a) => a.batch !== null);
      console.log(
        `[crash-safety] PostgreSQL restart: ${check.events} events in ${check.batches} batches ` +
          `(${JSON.stringify(check.byKind)}); down ${restartAt - crashAt} ms, restart took ${upAt - restartAt} ms, ` +
          `first ingest acknowledged ${recovered ? recovered.endedAt - upAt : '?'} ms after PostgreSQL was up; ` +
          `${duringOutage.length} requests during the outage (${outageIngest.length} ingest), all 503 with ` +
          `Retry-After, slowest ${Math.max(...duringOutage.map((a) => a.endedAt - a.startedAt))} ms; ` +
          `${check.committedUnacknowledged} batches committed but unanswered; acknowledged ${check.acknowledged}, ` +
          `stored ${check.stored}, duplicates 0; ${recordedOutage} self-recorded 503s written after recovery`,
      );
    } finally {
      await opened.close();
    }
  }, 150_000);
});

async function waitForRecordedOutage(
  db: Awaited<ReturnType<typeof openDatabase>>['db'],
  orgId: string,
): Promise<number> {
  const until = Date.now() + 15_000;
  for (;;) {
    const row = await db
      .selectFrom('activities')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', orgId)
      .where('status_code', '=', 503)
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0 || Date.now() > until) return Number(row.n);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
