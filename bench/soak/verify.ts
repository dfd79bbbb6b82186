// After the soak: are the events the service acknowledged all in the database? Looked up by id,
// straight in PostgreSQL (not through the API, whose own reads are what is being soaked).
import pg from 'pg';
import { EVENT_KINDS, type EventFactory, type EventKind } from './events.js';
import type { IngestLedger } from './ingest-ledger.js';

export interface StoredCounts {
  /** Acknowledged events whose dedup claim (org, source, event id) is in ingested_events. */
  claims: Record<EventKind, number>;
  /** Acknowledged events whose record is there: the activity, execution or AI usage by id, or
   *  for an archival the execution, now archived. */
  records: Record<EventKind, number>;
  /** Every claim of the run's sources, acknowledged or not (requests without an answer may have committed). */
  claimsOfRun: number;
}

const CHUNK = 20_000;

async function countIn(client: pg.Client, sql: string, params: unknown[], ids: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const result = await client.query<{ n: string }>(sql, [...params, ids.slice(i, i + CHUNK)]);
    total += Number(result.rows[0]!.n);
  }
  return total;
}

const RECORD_QUERY: Record<EventKind, string> = {
  activity: 'SELECT count(*) AS n FROM activities WHERE org_id = $1 AND id = ANY($2::text[])',
  execution: 'SELECT count(*) AS n FROM executions WHERE org_id = $1 AND id = ANY($2::text[])',
  ai_usage: 'SELECT count(*) AS n FROM ai_usages WHERE org_id = $1 AND id = ANY($2::text[])',
  archive: `SELECT count(*) AS n FROM executions WHERE org_id = $1 AND id = ANY($2::text[]) AND source = 'archived'`,
};

export async function countStored(
  databaseUrl: string,
  orgId: string,
  ledger: IngestLedger,
): Promise<StoredCounts> {
  const factory: EventFactory = ledger.factory;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const claims = {} as Record<EventKind, number>;
    const records = {} as Record<EventKind, number>;
    for (const kind of EVENT_KINDS) {
      const numbers = ledger.acknowledgedNumbers[kind];
      const eventIds = numbers.map((n) => factory.id(kind, n));
      claims[kind] = await countIn(
        client,
        'SELECT count(*) AS n FROM ingested_events WHERE org_id = $1 AND source = $2 AND event_id = ANY($3::text[])',
        [orgId, factory.sources[kind]],
        eventIds,
      );
      // An archival's record is the execution it archived; the other kinds' record ids are their event ids.
      const recordIds =
        kind === 'archive'
          ? ledger.archivedExecutionNumbers.map((n) => factory.id('execution', n))
          : eventIds;
      records[kind] = await countIn(client, RECORD_QUERY[kind], [orgId], recordIds);
    }
    const run = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM ingested_events WHERE org_id = $1 AND source = ANY($2::text[])',
      [orgId, [...new Set(Object.values(factory.sources))]],
    );
    return { claims, records, claimsOfRun: Number(run.rows[0]!.n) };
  } finally {
    await client.end();
  }
}
