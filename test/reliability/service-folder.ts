// A data folder (and, on the PostgreSQL project, a database) for tests that run the service as a
// real process. On PGlite the folder starts from the run's migrated template, sparing an initdb in
// WebAssembly; on PostgreSQL it holds only what the service writes beside its database.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../helpers/test-database.js';

export interface ServiceFolder {
  dataDir: string;
  /** TALLY_DATA_DIR, TALLY_SECRET_KEY and, on PostgreSQL, DATABASE_URL. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function serviceFolder(prefix: string): Promise<ServiceFolder> {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const env: Record<string, string> = { TALLY_DATA_DIR: dataDir, TALLY_SECRET_KEY: TEST_SECRET_KEY };
  let database: TestDatabase | null = null;
  if (testDatabaseKind() === 'pglite') {
    mkdirSync(join(dataDir, 'pglite'));
    execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', join(dataDir, 'pglite')], {
      stdio: 'pipe',
    });
  } else {
    database = await createTestDatabase();
    await database.database.close();
    env.DATABASE_URL = database.url!;
  }
  return {
    dataDir,
    env,
    remove: async () => {
      await database?.drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
