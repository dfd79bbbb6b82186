// Crash safety, part 1 (issue #7): the service is SIGKILLed in the middle of sustained ingestion
// from concurrent clients, restarted on the same data, and the clients retry whatever was not
// acknowledged. Every acknowledged event must be stored exactly once, and once every retry is
// acknowledged the ledger holds exactly the events sent. Runs on PGlite (a data directory) and on
// PostgreSQL alike.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../helpers/test-database.js';
import { IngestClients } from './ingest-clients.js';
import { provision } from './provision.js';
import { buildService, freePort, ServiceProcess } from './service-process.js';
import { checkLedger, readStored, type StoredEvents } from './stored-events.js';

const BATCH_SIZE = 30;
const KILL_AFTER_BATCHES = 8;
const FINISH_AFTER_BATCHES = 24;

let dataDir: string | undefined;
let database: TestDatabase | null = null;
let env: Record<string, string>;
const services: ServiceProcess[] = [];
let loadToAbandon: IngestClients | null = null;

beforeAll(async () => {
  buildService();
  dataDir = mkdtempSync(join(tmpdir(), 'tally-sigkill-'));
  env = { TALLY_DATA_DIR: dataDir };
  if (testDatabaseKind() === 'pglite') {
    // The run's migrated template as the data directory: a fresh one costs an initdb in
    // WebAssembly first (the e2e test covers that start); this test is about the restart.
    const pgdata = join(dataDir, 'pglite');
    mkdirSync(pgdata);
    execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', pgdata], { stdio: 'pipe' });
  }
  if (testDatabaseKind() === 'postgres') {
    database = await createTestDatabase();
    await database.database.close();
    env.DATABASE_URL = database.url!;
    env.TALLY_SECRET_KEY = TEST_SECRET_KEY;
  }
}, 180_000);

afterAll(async () => {
  loadToAbandon?.abandon();
  for (const service of services) await service.crash();
  if (database) await database.drop().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(port: number): Promise<ServiceProcess> {
  const service = await ServiceProcess.start(port, env);
  services.push(service);
  return service;
}

/** Reads the ledger once the service is gone: PGlite's data directory admits one process only. */
async function storedEvents(orgId: string, prefix: string): Promise<StoredEvents> {
  const opened = database
    ? await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 1 })
    : await openDatabase({ kind: 'pglite', dataDir: join(dataDir!, 'pglite') });
  try {
    return await readStored(opened.db, orgId, prefix);
  } finally {
    await opened.close();
  }
}

it('stores every acknowledged event exactly once across a SIGKILL in mid-ingestion', async () => {
  const port = await freePort();
  const startedAt = Date.now();
  const first = await start(port);
  const firstStartMs = Date.now() - startedAt;
  const target = { url: first.url };
  const { world, token } = await provision(first.url);
  const prefix = `sigkill-${randomBytes(3).toString('hex')}`;
  const load = new IngestClients({
    target,
    token,
    world,
    prefix,
    clients: 4,
    batchSize: BATCH_SIZE,
    maxBatches: 200,
    retryDelayMs: 100,
    deadlineMs: 100_000,
  });
  loadToAbandon = load;
  load.start();

  // Kill while batches are on the wire: their answers are lost, committed or not.
  await load.waitFor(
    () => load.acknowledgedCount >= KILL_AFTER_BATCHES && load.inFlight.size > 0,
    'acknowledged batches with more in flight',
  );
  const inFlightAtKill = [...load.inFlight];
  const killedAt = Date.now();
  await first.crash();
  await load.waitFor(
    () => load.attempts.some((a) => a.outcome === 'network' && a.startedAt >= killedAt),
    'clients to see the service gone',
  );

  const second = await start(port);
  const restartedAt = Date.now();
  const acknowledgedBeforeRestart = load.acknowledgedCount;
  await load.waitFor(() => load.acknowledgedCount >= FINISH_AFTER_BATCHES, 'ingestion to resume', 60_000);
  await load.finish();

  // Batches whose answer was lost in the crash, and a few acknowledged before it, sent again: all
  // duplicates, nothing counted twice.
  const resent = [...new Set([...inFlightAtKill, 0, 1, 2])];
  for (const batch of resent) {
    expect(await load.resend(batch)).toMatchObject({ accepted: 0, duplicates: BATCH_SIZE });
  }

  // Callers only ever saw an acknowledgement or a dropped connection: no 5xx, no other answer.
  const unexpected = load.attempts.filter((a) => a.outcome !== 200 && a.outcome !== 'network');
  expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);
  const refused = load.attempts.filter((a) => a.outcome === 'network').length;
  expect(refused).toBeGreaterThan(0);

  const ingestMs = Date.now() - restartedAt;
  const acknowledgedAfterRestart = load.acknowledgedCount - acknowledgedBeforeRestart;
  expect(await second.stop()).toBe(0);
  const check = checkLedger(load, await storedEvents(world.orgId, prefix));
  console.log(
    `[crash-safety] SIGKILL (${testDatabaseKind()}): ${check.events} events in ${check.batches} batches ` +
      `(${JSON.stringify(check.byKind)}); killed with ${inFlightAtKill.length} batches in flight, ` +
      `${check.committedUnacknowledged} of them committed before the kill; ${refused} refused attempts; ` +
      `first start ${firstStartMs} ms, down ${restartedAt - killedAt} ms (restart included), then ` +
      `${acknowledgedAfterRestart} batches in ${ingestMs} ms; acknowledged ${check.acknowledged}, stored ${check.stored}, ` +
      `duplicates 0; ${resent.length} acknowledged batches re-sent: all duplicates`,
  );
}, 150_000);
