// Opens the ledger's database: PostgreSQL through a `pg` pool when a connection string is given,
// embedded PGlite otherwise. Both speak the same SQL; type-parsers.ts makes their results agree.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DataFolderLock } from './data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';
import { preparedName } from './prepared.js';
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
  | { kind: 'postgres'; url: string; poolSize?: number; statementTimeoutMs?: number }
  /** `dataDir` null keeps the database in memory; `loadDataDir` starts from a dumped one. */
  | { kind: 'pglite'; dataDir: string | null; loadDataDir?: Blob };

/** Longest wait for a PostgreSQL connection (from the pool or a new one to the server). */
const CONNECT_TIMEOUT_MS = 5_000;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === NUMERIC_OID) return parseNumeric;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Sends the statements that ask for it (prepared.ts) as named, per-connection prepared statements. */
export class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this only reroutes one.
  override query(config: any, values?: any, callback?: any): any {
    const name = typeof config === 'string' ? preparedName(config) : null;
    if (name !== null && Array.isArray(values)) return super.query({ name, text: config, values }, callback);
    return super.query(config, values, callback);
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<LedgerDatabase> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      Client: PreparingClient,
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
  let client: PGlite;
  try {
    client = await PGlite.create({
      ...(target.dataDir !== null ? { dataDir: target.dataDir } : {}),
      ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
      parsers: pgliteParsers,
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
