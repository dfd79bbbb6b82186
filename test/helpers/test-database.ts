// One database per test file, cloned from a template migrated once per run: on PostgreSQL with
// CREATE DATABASE … TEMPLATE, on PGlite by loading a dumped data directory.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type LedgerDatabase, openDatabase } from '../../src/db/open.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.TALLY_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export function serverUrl(): string {
  return process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

export function urlForDatabase(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase {
  database: LedgerDatabase;
  /** The connection string, on PostgreSQL (for tests that start a second process). */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const dump = readFileSync(inject('pgliteTemplatePath'));
    const database = await openDatabase({ kind: 'pglite', dataDir: null, loadDataDir: new Blob([dump]) });
    return { database, url: null, drop: () => database.close() };
  }
  const name = `tally_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
  } finally {
    await admin.end();
  }
  const url = urlForDatabase(name);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 5 });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      const client = new pg.Client({ connectionString: serverUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
