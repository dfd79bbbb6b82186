// Server-side prepared statements on PostgreSQL, chosen automatically per connection: a statement
// text a connection has run twice is prepared under a name on its next use, so later executions
// skip parsing and, once PostgreSQL settles on a generic plan (after five executions, when it
// costs no more than the custom ones), planning too. This is what pgJDBC (prepareThreshold) and
// Npgsql (auto-prepare) do. On the activity page query it halves PostgreSQL's CPU per page
// (docs/decisions.md, "Prepared statements").
//
// Only statements with parameters are prepared: a statement without any goes over the simple
// protocol, which also carries multi-statement scripts (migrations) that cannot be prepared. Each
// connection prepares at most MAX_PREPARED statements and tracks at most MAX_CANDIDATES unprepared
// texts, so texts that vary (an IN list of any length) cannot grow memory here or in PostgreSQL.
// `TALLY_PG_PREPARE=off` turns it off for poolers that cannot carry named statements (PgBouncer in
// transaction mode before 1.21).
//
// The same wrapper makes every call through pg's callback form (viaCallback): what a read costs
// in garbage collection depends on it.
import type pg from 'pg';
import { ArrayParam } from './array-param.js';

/** Uses of one text before it is prepared: a text run once is often never run again. */
const PREPARE_AFTER = 2;
const MAX_PREPARED = 200;
const MAX_CANDIDATES = 1_000;
/** PostgreSQL's answer when a prepared statement's result shape changed under it (DDL). */
const CACHED_PLAN_CHANGED = '0A000';

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

interface StatementCache {
  prepared: Map<string, string>;
  candidates: Map<string, number>;
  /** Names handed out so far, forgotten ones included: they stay allocated in the session. */
  next: number;
}

const caches = new WeakMap<pg.PoolClient, StatementCache>();

type Callback = (error: Error | null, result: unknown) => void;

/**
 * One call through pg's callback form, as a promise. pg's own promise form (`client.query(text,
 * values)` without a callback, which Kysely uses) kept every row it read reachable until the next
 * young-generation collection: each page's rows then survived two collections and were promoted
 * to the old generation, where only a full mark-compact frees them. Measured on the activity page
 * statement (6,000 pages of 51 rows, one client): 261 MB promoted and 0.44 s of GC pauses through
 * pg's promise, 1 MB and 0.07 s through its callback (docs/decisions.md, "pg's promise form").
 */
function viaCallback(
  query: QueryFn,
  config: unknown,
  values: unknown,
  onError?: (error: unknown) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done: Callback = (error, result) => {
      if (error) {
        onError?.(error);
        reject(error);
      } else resolve(result);
    };
    query(config, values, done);
  });
}

/**
 * The service's client calls: every call made in pg's callback form (viaCallback), and, when
 * `prepare`, repeated statements prepared. Calls that bring their own callback, or a submittable
 * (a cursor, COPY), go to pg as they are. Returns the pool itself.
 */
export function serviceQueries(pool: pg.Pool, prepare: boolean): pg.Pool {
  pool.on('connect', (client) => {
    const cache: StatementCache = { prepared: new Map(), candidates: new Map(), next: 0 };
    if (prepare) caches.set(client, cache);
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
      if (
        callback !== undefined ||
        typeof values === 'function' ||
        typeof (config as { submit?: unknown } | null)?.submit === 'function'
      ) {
        return query(config, values, callback);
      }
      let encoded: unknown;
      try {
        encoded = encodeArrayParams(values);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!prepare || typeof config !== 'string' || !Array.isArray(encoded) || encoded.length === 0) {
        return viaCallback(query, config, encoded);
      }
      const name = statementName(cache, config);
      if (name === null) return viaCallback(query, config, encoded);
      return viaCallback(query, { name, text: config, values: encoded }, undefined, (error) => {
        // The statement is forgotten so the next use prepares it again against the new shape.
        if ((error as { code?: string }).code === CACHED_PLAN_CHANGED) forget(client, cache, config, name);
      });
    };
  });
  return pool;
}

/**
 * Array parameters encoded before `pg` sees them (src/db/array-param.ts), so a value its element
 * type cannot hold fails the call here. Thrown inside `pg`'s bind, the error would leave a newly
 * named statement closed on the server but recorded as prepared by `pg`, and every later use of
 * it on that connection would fail ("prepared statement … does not exist").
 */
function encodeArrayParams(values: unknown): unknown {
  if (!Array.isArray(values) || !values.some((value) => value instanceof ArrayParam)) return values;
  return values.map((value) => (value instanceof ArrayParam ? value.toPostgres() : value));
}

function statementName(cache: StatementCache, text: string): string | null {
  const name = cache.prepared.get(text);
  if (name !== undefined) return name;
  if (cache.next >= MAX_PREPARED) return null;
  const uses = (cache.candidates.get(text) ?? 0) + 1;
  if (uses <= PREPARE_AFTER) {
    if (cache.candidates.size >= MAX_CANDIDATES) cache.candidates.clear();
    cache.candidates.set(text, uses);
    return null;
  }
  cache.candidates.delete(text);
  const fresh = `tally_${cache.next++}`;
  cache.prepared.set(text, fresh);
  return fresh;
}

function forget(client: pg.PoolClient, cache: StatementCache, text: string, name: string): void {
  cache.prepared.delete(text);
  const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } })
    .connection;
  // The old name stays allocated in the session (DEALLOCATE would cost a round trip); `next`
  // still counts it against the cap.
  if (connection?.parsedStatements) delete connection.parsedStatements[name];
}

/** How many statements a client has prepared (tests). */
export function preparedCount(client: pg.PoolClient): number {
  return caches.get(client)?.prepared.size ?? 0;
}
