// buildTestApp: the real app on a fresh database of its own, with a known deployment admin token
// and a clock tests can pin.
import type { Kysely } from 'kysely';
import { buildApp, type TallyApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { buildKeyring } from '../../src/secrets/keys.js';
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

export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ TALLY_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...env });
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
    now: () => clock.now(),
  });
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
      await testDatabase.drop();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
