// The benchmark's data: loaded once per database with `tally demo`, then reused. A marker file
// (git-ignored, it holds the demo tokens) records what was loaded; a run whose dataset differs
// refuses to mix data unless --reload drops and recreates the database.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface DatasetSpec {
  activities: number;
  executions: number;
  usages: number;
  orgs: number;
  workspaces: number;
  users: number;
  days: number;
  seed: number;
}

export interface DemoOrgTokens {
  org_id: string;
  records?: { activities: number; executions: number; usages: number };
  owner_user_id: string;
  service_token: string;
  owner_token: string;
  /** The first workspaces of the org, by id (integer form) and UUID alias. */
  workspaces: { id: string; uuid: string }[];
}

export interface Dataset {
  spec: DatasetSpec;
  /** When the data was loaded: the demo spreads records over the `days` before this instant. */
  loadedAt: string;
  loadSeconds: number | null;
  demo: { seed: number; orgs: DemoOrgTokens[] };
}

/**
 * Issue #6: 10,000,000 activity records, 2,000,000 executions and 1,000,000 AI usages over 90 days,
 * across 100 orgs and 1,000 workspaces. Workspaces per org and records per workspace are Zipf-like
 * (see src/demo), so the largest org holds ~70% of the records: ~1.8M activity records in its
 * last 7 days at full scale.
 */
export function datasetSpec(scale: number, seed: number): DatasetSpec {
  return {
    activities: Math.round(10_000_000 * scale),
    executions: Math.round(2_000_000 * scale),
    usages: Math.round(1_000_000 * scale),
    orgs: 100,
    workspaces: 1000,
    users: 5000,
    days: 90,
    seed,
  };
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

function markerPath(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return join(
    'bench',
    '.tmp',
    `dataset-${url.hostname}-${url.port || 5432}-${databaseName(databaseUrl)}.json`,
  );
}

function sameSpec(a: DatasetSpec, b: DatasetSpec): boolean {
  return (Object.keys(a) as (keyof DatasetSpec)[]).every((key) => a[key] === b[key]);
}

async function withServerClient<T>(databaseUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function databaseExists(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  return withServerClient(databaseUrl, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (result.rowCount ?? 0) > 0;
  });
}

async function orgCount(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'orgs'");
    if ((tables.rowCount ?? 0) === 0) return 0;
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM orgs');
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function recreateDatabase(databaseUrl: string, exists: boolean): Promise<void> {
  const name = databaseName(databaseUrl);
  await withServerClient(databaseUrl, async (client) => {
    if (exists) {
      // Only ever drop a database this tool owns.
      if (!name.startsWith('tally_bench')) {
        throw new Error(`refusing to drop "${name}": only databases named tally_bench* are dropped`);
      }
      await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
}

/** Runs `tally demo` with `env` naming the database (DATABASE_URL, or TALLY_DATA_DIR for PGlite). */
export function runDemo(env: Record<string, string>, spec: DatasetSpec): Promise<Dataset['demo']> {
  const args = [
    'dist/cli/main.js',
    'demo',
    ...(
      ['activities', 'executions', 'usages', 'orgs', 'workspaces', 'users', 'days', 'seed'] as const
    ).flatMap((key) => [`--${key}`, String(spec[key])]),
  ];
  process.stderr.write(`bench: loading data: node ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      // Progress (stderr) is shown as it goes; stdout is the JSON with the tokens.
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`tally demo exited with ${code}`));
      try {
        resolve(JSON.parse(out) as Dataset['demo']);
      } catch (error) {
        reject(new Error(`tally demo printed no JSON: ${String(error)}`));
      }
    });
  });
}

/** Vacuums and analyzes after the bulk load, so that runs measure settled tables and fresh statistics. */
async function settle(databaseUrl: string): Promise<void> {
  process.stderr.write('bench: VACUUM (ANALYZE) after loading\n');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
}

/** Makes sure the database holds exactly `spec`, loading it when needed, and returns its tokens. */
export async function ensureDataset(
  databaseUrl: string,
  secretKey: string,
  spec: DatasetSpec,
  reload: boolean,
): Promise<Dataset> {
  const marker = markerPath(databaseUrl);
  const exists = await databaseExists(databaseUrl);
  const orgs = exists ? await orgCount(databaseUrl) : 0;
  if (exists && orgs > 0 && existsSync(marker) && !reload) {
    const dataset = JSON.parse(readFileSync(marker, 'utf8')) as Dataset;
    // Demos before the workspace UUID alias printed workspaces as bare ids and stored no alias.
    const aliased = typeof dataset.demo.orgs[0]?.workspaces[0] === 'object';
    if (sameSpec(dataset.spec, spec) && aliased) {
      process.stderr.write(`bench: reusing the data loaded at ${dataset.loadedAt} (${marker})\n`);
      return dataset;
    }
  }
  if (exists && orgs > 0 && !reload) {
    throw new Error(
      `database "${databaseName(databaseUrl)}" holds other data than this run needs (or its marker ${marker} is missing); ` +
        'pass --reload to drop and reload it, or --database-url to use another database',
    );
  }
  // From here the database is (re)filled: a marker left by an interrupted load must not survive.
  rmSync(marker, { force: true });
  if (exists && orgs > 0) {
    await recreateDatabase(databaseUrl, true);
  } else if (!exists) {
    await recreateDatabase(databaseUrl, false);
  }
  const started = Date.now();
  const demo = await runDemo({ DATABASE_URL: databaseUrl, TALLY_SECRET_KEY: secretKey }, spec);
  await settle(databaseUrl);
  const dataset: Dataset = {
    spec,
    loadedAt: new Date(started).toISOString(),
    loadSeconds: Math.round((Date.now() - started) / 100) / 10,
    demo,
  };
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, `${JSON.stringify(dataset, null, 2)}\n`);
  return dataset;
}
