// buildTestApp: the real app on a fresh database of its own, with a known deployment admin token,
// a clock tests can pin, and the production logger (same redaction) writing every request at trace
// level into the run's log, which the global teardown scans for secrets. Every answer it gives is
// checked against its OpenAPI document (openapi-conformance.ts).
import type { Kysely } from 'kysely';
import { buildApp, type TallyApp } from '../../src/app.js';
import { bearerToken, hashToken } from '../../src/auth/tokens.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { checkAnswersAgainstDocument } from './openapi-conformance.js';
import { flushRunLog, registerSecret, runLogDestination } from './run-log.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz';
export const TEST_ADMIN_TOKEN = 'tly_admin_test-deployment-admin-token-0123456789';

export interface TestClock {
  /** When set, the app's "now"; otherwise the real time. */
  pinned: Date | null;
  now(): Date;
}

export interface TestApp {
  app: TallyApp;
  db: Kysely<Database>;
  config: Config;
  testDatabase: TestDatabase;
  clock: TestClock;
  adminToken: string;
  close(): Promise<void>;
}

/** The logger `serve` builds from the config (src/server.ts), writing into the run's log. */
export function testLogger(config: Config) {
  return { ...(createLogger(config) as object), stream: runLogDestination() };
}

const API_TOKEN = /tly_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/g;

/**
 * Registers every secret that crosses the app's front door, whichever test sends it: tokens
 * presented or answered, and `secret` fields of request bodies (integration secrets). The hooks
 * only observe; onResponse runs even when authentication or validation failed.
 */
function registerSecretsCrossing(app: TallyApp): void {
  app.addHook('onResponse', async (request) => {
    const presented = bearerToken(request.headers.authorization);
    if (presented) registerSecret(presented, 'presented token');
    const secret = (request.body as { secret?: unknown } | undefined)?.secret;
    if (typeof secret === 'string') registerSecret(secret, 'integration secret');
  });
  app.addHook('onSend', async (_request, _reply, payload) => {
    if (typeof payload === 'string' && payload.includes('tly_')) {
      for (const [token] of payload.matchAll(API_TOKEN)) registerSecret(token, 'token secret');
    }
    return payload;
  });
}

export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    TALLY_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'trace',
    // Per-token rate limits would make the suite's bursts of requests flaky; tests of them opt in.
    TALLY_RATE_LIMIT_RPS: '0',
    ...env,
  });
  registerSecret(TEST_ADMIN_TOKEN, 'admin token');
  if (config.secretKey) registerSecret(config.secretKey, 'secret key');
  const testDatabase = await createTestDatabase();
  const clock: TestClock = {
    pinned: null,
    now() {
      return this.pinned ? new Date(this.pinned) : new Date();
    },
  };
  const app = await buildApp({
    config,
    database: testDatabase.database,
    keyring: buildKeyring(config.secretKey!, config.previousSecretKeys),
    adminTokenHash: hashToken(TEST_ADMIN_TOKEN),
    logger: testLogger(config),
    now: () => clock.now(),
  });
  registerSecretsCrossing(app);
  checkAnswersAgainstDocument(app);
  await app.ready();
  return {
    app,
    db: testDatabase.database.db,
    config,
    testDatabase,
    clock,
    adminToken: TEST_ADMIN_TOKEN,
    close: async () => {
      await app.close();
      await flushRunLog();
      await testDatabase.drop();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
