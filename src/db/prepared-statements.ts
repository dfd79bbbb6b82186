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
import type pg from 'pg';

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

/** Makes a pool's clients prepare their repeated statements. Returns the pool itself. */
export function autoPrepare(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    const cache: StatementCache = { prepared: new Map(), candidates: new Map(), next: 0 };
    caches.set(client, cache);
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
      if (
        callback !== undefined ||
        typeof config !== 'string' ||
        !Array.isArray(values) ||
        values.length === 0
      ) {
        return query(config, values, callback);
      }
      const name = statementName(cache, config);
      if (name === null) return query(config, values);
      const result = query({ name, text: config, values }) as Promise<unknown>;
      return result.catch((error: unknown) => {
        // The statement is forgotten so the next use prepares it again against the new shape.
        if ((error as { code?: string }).code === CACHED_PLAN_CHANGED) forget(client, cache, config, name);
        throw error;
      });
    };
  });
  return pool;
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
