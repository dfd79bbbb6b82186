// Migrates the template database once per run. With TALLY_TEST_DB=postgres an unreachable server
// fails the run: the PostgreSQL suite must never pass by skipping. It also provides the run's log
// directory, and its teardown fails the run if any log holds a registered secret (log-scan.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { describeLeaks, scanRunLogs } from './log-scan.js';
import { serverUrl, urlForDatabase } from './test-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    postgresTemplate: string;
    /** The run's log directory: workers' JSON-lines logs and the registered secrets. */
    testRunDir: string;
  }
}

/**
 * Throws (failing `vitest run`) when a log of the run holds a registered secret. The directory is
 * kept then, for the investigation; TALLY_TEST_KEEP_LOGS=1 keeps it anyway.
 */
function scanAndClean(projectName: string, runDir: string): void {
  const result = scanRunLogs(runDir);
  if (result.leaks.length > 0) {
    // Vitest 4 prints a teardown's error ("error during close") but keeps the exit code it had.
    process.exitCode = 1;
    throw new Error(`[${projectName}] ${describeLeaks(result.leaks)}`);
  }
  const megabytes = (result.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `[${projectName}] secret scan: ${result.files} log files (${megabytes} MB), ${result.secrets} secrets, none in plain text\n`,
  );
  if (process.env.TALLY_TEST_KEEP_LOGS === '1')
    process.stdout.write(`[${projectName}] logs kept in ${runDir}\n`);
  else rmSync(runDir, { recursive: true, force: true });
}

async function withServer<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL tests need a server at ${serverUrl()} (set TEST_DATABASE_URL); it is unreachable: ${
        (error as Error).message
      }`,
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  // The app serves the built web console at /console/: build it first when its sources changed.
  execFileSync(
    process.execPath,
    [join(import.meta.dirname, '../../scripts/build-console.mjs'), '--if-needed'],
    {
      stdio: 'inherit',
    },
  );
  const runDir = mkdtempSync(join(tmpdir(), `tally-test-run-${project.name}-`));
  project.provide('testRunDir', runDir);
  // Worker env is per project, but global setup runs in the main process: ask the project.
  if (project.name !== 'postgres') {
    const dir = mkdtempSync(join(tmpdir(), 'tally-pglite-'));
    const database = await openDatabase({ kind: 'pglite', dataDir: null });
    await migrateToLatest(database.db);
    const dump = await database.pglite!.dumpDataDir('none');
    await database.close();
    const path = join(dir, 'template.tar');
    writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteTemplatePath', path);
    project.provide('postgresTemplate', '');
    return () => {
      rmSync(dir, { recursive: true, force: true });
      scanAndClean(project.name, runDir);
    };
  }

  const template = `tally_template_${randomBytes(6).toString('hex')}`;
  await withServer((client) => client.query(`CREATE DATABASE ${template}`));
  const database = await openDatabase({ kind: 'postgres', url: urlForDatabase(template), poolSize: 1 });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  project.provide('postgresTemplate', template);
  project.provide('pgliteTemplatePath', '');
  return async () => {
    await withServer((client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
    scanAndClean(project.name, runDir);
  };
}
