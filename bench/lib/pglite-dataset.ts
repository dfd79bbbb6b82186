// The PGlite variant of the benchmark's data: the same `tally demo` dataset in an embedded data
// directory (bench/.tmp/pglite-<scale>), loaded once and reused like the PostgreSQL one. PGlite
// is single-process, so the benchmark reads the directory only while the service is stopped.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataFolderLock } from '../../src/db/data-dir-lock.js';
import { type Dataset, type DatasetSpec, runDemo } from './dataset.js';
import type { Query } from './scenarios.js';

export function pgliteDataDir(scale: number): string {
  return join('bench', '.tmp', `pglite-${String(scale).replace('.', '_')}`);
}

const markerOf = (dataDir: string) => `${dataDir}.dataset.json`;

const sameSpec = (a: DatasetSpec, b: DatasetSpec) =>
  (Object.keys(a) as (keyof DatasetSpec)[]).every((key) => a[key] === b[key]);

export async function ensurePgliteDataset(
  dataDir: string,
  secretKey: string,
  spec: DatasetSpec,
  reload: boolean,
): Promise<Dataset> {
  const marker = markerOf(dataDir);
  if (!reload && existsSync(marker) && existsSync(dataDir)) {
    const dataset = JSON.parse(readFileSync(marker, 'utf8')) as Dataset;
    if (sameSpec(dataset.spec, spec)) {
      process.stderr.write(`bench: reusing the PGlite data loaded at ${dataset.loadedAt} (${dataDir})\n`);
      return dataset;
    }
    if (!reload) throw new Error(`${dataDir} holds another dataset; pass --reload to load this one`);
  }
  rmSync(marker, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const demo = await runDemo({ TALLY_DATA_DIR: dataDir, TALLY_SECRET_KEY: secretKey }, spec);
  await withPglite(dataDir, async (query) => {
    process.stderr.write('bench: VACUUM (ANALYZE) after loading\n');
    await query('VACUUM (ANALYZE)');
  });
  const dataset: Dataset = {
    spec,
    loadedAt: new Date(started).toISOString(),
    loadSeconds: Math.round((Date.now() - started) / 100) / 10,
    demo,
  };
  writeFileSync(marker, `${JSON.stringify(dataset, null, 2)}\n`);
  return dataset;
}

/** Opens the data directory (the service must not be running on it) for a few queries. */
export async function withPglite<T>(dataDir: string, run: (query: Query) => Promise<T>): Promise<T> {
  // The service keeps its database in <TALLY_DATA_DIR>/pglite (src/bootstrap.ts); its lock
  // refuses the folder while another process holds it (src/db/data-dir-lock.ts).
  const lock = DataFolderLock.acquire(join(dataDir, 'pglite'));
  try {
    const client = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
    try {
      return await run(
        async (text, params = []) => (await client.query(text, params as unknown[])).rows as never,
      );
    } finally {
      await client.close();
    }
  } finally {
    lock.release();
  }
}
