// Issue #16: the embedded database's memory settings (src/db/open.ts) are what its PostgreSQL
// runs with, in a data folder opened the way `serve` opens it, whatever the folder's own
// postgresql.conf says.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTarget } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { type LedgerDatabase, openDatabase, PGLITE_SETTINGS } from '../../src/db/open.js';
import { createTestDatabase, testDatabaseKind } from '../helpers/test-database.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tally-pglite-settings-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function shown(database: LedgerDatabase): Promise<Record<string, string>> {
  const settings: Record<string, string> = {};
  for (const name of Object.keys(PGLITE_SETTINGS)) {
    const result = await sql<Record<string, string>>`SHOW ${sql.raw(name)}`.execute(database.db);
    settings[name] = result.rows[0]![name]!;
  }
  return settings;
}

// The embedded database only: the PostgreSQL project's server keeps its own settings.
describe.runIf(testDatabaseKind() === 'pglite')('the embedded database memory settings', () => {
  it('are applied to a data folder opened as serve opens it, over its postgresql.conf', async () => {
    const target = databaseTarget(loadConfig({ TALLY_DATA_DIR: join(root, 'data') }));
    expect(target.kind).toBe('pglite');
    const first = await openDatabase(target);
    try {
      expect(await shown(first)).toEqual(PGLITE_SETTINGS);
      // The budget's figures were measured with these (bench/README.md, bench:memory).
      expect(PGLITE_SETTINGS.shared_buffers).toBe('16MB');
    } finally {
      await first.close();
    }
    if (target.kind !== 'pglite' || target.dataDir === null) throw new Error('expected a data folder');
    // A folder whose configuration asks for more (PGlite's own default, say) still gets these.
    appendFileSync(join(target.dataDir, 'postgresql.conf'), '\nshared_buffers = 128MB\nwork_mem = 64MB\n');
    const again = await openDatabase(target);
    try {
      expect(await shown(again)).toEqual(PGLITE_SETTINGS);
    } finally {
      await again.close();
    }
  });

  it('are applied to a database started from a dumped folder (the tests’ own)', async () => {
    const { database, drop } = await createTestDatabase();
    try {
      expect(await shown(database)).toEqual(PGLITE_SETTINGS);
    } finally {
      await drop();
    }
  });
});
