// What the database holds after a crash scenario, compared event by event with what the clients
// sent and what the service acknowledged.
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { EVENT_SOURCE, type RecordKind } from './events.js';
import type { IngestClients } from './ingest-clients.js';

export interface StoredEvents {
  /** Record id → how many rows carry it, per kind. */
  rows: Record<RecordKind, Map<string, number>>;
  /** Dedup claims (org, source, id) stored for the clients' source. */
  claims: number;
}

const TABLES = { activity: 'activities', execution: 'executions', ai_usage: 'ai_usages' } as const;

export async function readStored(db: Kysely<Database>, orgId: string, prefix: string): Promise<StoredEvents> {
  const rows = {} as StoredEvents['rows'];
  for (const [kind, table] of Object.entries(TABLES) as [RecordKind, string][]) {
    const result = await sql<{ id: string; copies: number | string }>`
      SELECT id, count(*) AS copies FROM ${sql.table(table)}
      WHERE org_id = ${orgId} AND id LIKE ${`${prefix}-%`} GROUP BY id`.execute(db);
    rows[kind] = new Map(result.rows.map((row) => [row.id, Number(row.copies)]));
  }
  const claims = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM ingested_events WHERE org_id = ${orgId} AND source = ${EVENT_SOURCE}`.execute(
    db,
  );
  return { rows, claims: Number(claims.rows[0]!.n) };
}

export interface LedgerCheck {
  batches: number;
  events: number;
  acknowledged: number;
  stored: number;
  byKind: Record<RecordKind, number>;
  /** Batches first acknowledged as duplicates: committed by an attempt whose answer was lost. */
  committedUnacknowledged: number;
}

/**
 * Every batch was acknowledged in the end; each event is stored exactly once, in the table of its
 * kind; each batch's first acknowledgement is all-new or all-duplicate (a batch is one transaction).
 */
export function checkLedger(clients: IngestClients, stored: StoredEvents): LedgerCheck {
  const byKind = { activity: 0, execution: 0, ai_usage: 0 };
  let events = 0;
  let acknowledged = 0;
  let committedUnacknowledged = 0;
  for (const [batch, sent] of clients.batches) {
    const ack = clients.acknowledgements.get(batch);
    expect(ack, `batch ${batch} acknowledged`).toBeDefined();
    const whole = { accepted: sent.length, duplicates: 0 };
    const replayed = { accepted: 0, duplicates: sent.length };
    expect([whole, replayed], `batch ${batch}: ${JSON.stringify(ack)}`).toContainEqual({
      accepted: ack!.accepted,
      duplicates: ack!.duplicates,
    });
    if (ack!.duplicates > 0) {
      // Only a batch whose earlier attempt failed can have been committed already.
      expect(ack!.failedAttempts, `batch ${batch}`).toBeGreaterThan(0);
      committedUnacknowledged += 1;
    }
    for (const event of sent) {
      events += 1;
      acknowledged += 1;
      expect(stored.rows[event.kind].get(event.id) ?? 0, `${event.kind} ${event.id} stored once`).toBe(1);
      byKind[event.kind] += 1;
    }
  }
  const storedTotal = Object.values(stored.rows).reduce((sum, map) => sum + map.size, 0);
  const copies = Object.values(stored.rows).reduce(
    (sum, map) => sum + [...map.values()].reduce((a, b) => a + b, 0),
    0,
  );
  // Nothing stored that was not sent, nothing stored twice, one claim per event.
  expect(storedTotal).toBe(events);
  expect(copies).toBe(events);
  for (const kind of Object.keys(byKind) as RecordKind[]) expect(stored.rows[kind].size).toBe(byKind[kind]);
  expect(stored.claims).toBe(events);
  return {
    batches: clients.batches.size,
    events,
    acknowledged,
    stored: storedTotal,
    byKind,
    committedUnacknowledged,
  };
}
