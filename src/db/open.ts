// Opens the ledger's database: PostgreSQL through a `pg` pool when a connection string is given,
// embedded PGlite otherwise. Both speak the same SQL; type-parsers.ts makes their results agree.
import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DataFolderLock } from './data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';
import { serviceQueries } from './prepared-statements.js';
import type { Database } from './schema.js';
import { INT8_OID, NUMERIC_OID, parseInt8, parseNumeric, pgliteParsers } from './type-parsers.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface LedgerDatabase {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** The PGlite instance, when embedded (tests dump it to make template data directories). */
  pglite: PGlite | null;
  /** The embedded data folder's lock (src/db/data-dir-lock.ts), held until close. */
  lock?: DataFolderLock | null;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number; statementTimeoutMs?: number; prepare?: boolean }
  /** `dataDir` null keeps the database in memory; `loadDataDir` starts from a dumped one. */
  | { kind: 'pglite'; dataDir: string | null; loadDataDir?: Blob };

/**
 * The embedded database's memory settings (issue #16: the service within 300 MB resident with
 * 1,000,000 records under load). PGlite runs PostgreSQL inside the process's WebAssembly memory,
 * which grows and never shrinks, and PostgreSQL touches all of shared_buffers at start: PGlite's
 * default of 128MB was 128 MB resident before the first query. Its data files are read through
 * the operating system, whose page cache (outside the service's resident set) keeps them, so a
 * buffer pool miss costs a system call, not a disk read. It is not free: at 1,000,000 records
 * ingestion costs the service more CPU per event than with 128MB (bench/README.md,
 * `npm run bench:memory`); 16MB is what keeps the peak within the budget measured so far. The others are PostgreSQL's defaults, written down so that a change of
 * PGlite's defaults cannot raise the peak unnoticed; wal_buffers is 1/32 of shared_buffers, as
 * PostgreSQL would choose.
 */
export const PGLITE_SETTINGS = {
  shared_buffers: '16MB',
  wal_buffers: '512kB',
  work_mem: '4MB',
  temp_buffers: '8MB',
  maintenance_work_mem: '64MB',
} as const;

/**
 * V8 compiles hot WebAssembly functions a second time with its optimising compiler. One of
 * PGlite's functions (~100 KB of code, run for every statement) takes ~600 MB of compiler memory
 * and 2–4 s to optimise, a few seconds after the first queries: the service's resident set went
 * from ~300 to ~870 MB, then back. The baseline code (Liftoff) is all PGlite runs here: it reads
 * at about the same CPU per page, but ingestion costs more CPU per event (bench/README.md): the
 * price of staying within the budget. The flags are read when a module is compiled,
 * so they are set before the first PGlite instance compiles its module; they change nothing for
 * PostgreSQL deployments, which never get here.
 */
let wasmTieringOff = false;
function keepWasmAtBaselineTier(): void {
  if (wasmTieringOff) return;
  setFlagsFromString('--no-wasm-dynamic-tiering');
  setFlagsFromString('--no-wasm-tier-up');
  wasmTieringOff = true;
}

/** Longest wait for a PostgreSQL connection (from the pool or a new one to the server). */
const CONNECT_TIMEOUT_MS = 5_000;

/** int8 and numeric as numbers (type-parsers.ts); the benchmark's own pools use it too. */
/**
 * What the service's PostgreSQL pool does on top of `pg` (prepared-statements.ts): every call in
 * pg's callback form, and prepared statements unless turned off. Exported for the benchmark's
 * probes, which must measure the driver as the service runs it.
 */
export function withServiceDriver(pool: pg.Pool, prepare: boolean): pg.Pool {
  return serviceQueries(pool, prepare);
}

export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === NUMERIC_OID) return parseNumeric;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export async function openDatabase(target: DatabaseTarget): Promise<LedgerDatabase> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      types: pgTypes,
      statement_timeout: target.statementTimeoutMs ?? 15000,
      application_name: 'tally',
      // While the server is unreachable a request fails within this time (a 503) instead of
      // waiting for a connection that may never come, and a silently dropped server is noticed.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    // A client that loses its server (restart, crash, network) emits 'error'; unheard, that event
    // kills the process. Idle clients are heard by the pool; checked-out ones only by their own
    // listener, which pg-pool removes from idle clients it hands out, so each client gets one for
    // life. The query in progress, if any, still rejects and the request answers 503; pg-pool
    // drops the broken client when it is released.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    withServiceDriver(pool, target.prepare !== false);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', pglite: null, lock: null, close: () => db.destroy() };
  }
  let lock: DataFolderLock | null = null;
  if (target.dataDir !== null) {
    mkdirSync(target.dataDir, { recursive: true });
    // Every opener of a data folder comes through here: a second process is refused before
    // PGlite touches the folder.
    lock = DataFolderLock.acquire(target.dataDir);
  }
  keepWasmAtBaselineTier();
  let client: PGlite;
  try {
    // Loaded only here: a service on PostgreSQL never holds PGlite's ~1 MB of JavaScript source
    // and its compiled code in its heap, which every full collection marks.
    const { PGlite } = await import('@electric-sql/pglite');
    client = await PGlite.create({
      ...(target.dataDir !== null ? { dataDir: target.dataDir } : {}),
      ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
      parsers: pgliteParsers,
      // Command-line settings of the single-user backend: they apply at every start, whatever
      // the data folder's postgresql.conf says, and leave the folder untouched.
      startParams: [
        ...PGlite.defaultStartParams,
        ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      lock?.release();
    }
  };
  return { db, kind: 'pglite', pglite: client, lock, close };
}
