// The dedup claims (`ingested_events`): a write's key is claimed in the transaction that stores
// it, so a write is either stored and claimed or neither.
import { type Kysely, sql } from 'kysely';
import { columnParam } from '../../db/array-param.js';
import type { Database } from '../../db/schema.js';
import type { WriteKey } from './types.js';

export const keyString = (key: WriteKey): string => `${key.source}\u0000${key.eventId}`;

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Claims the keys; returns those that were new (as keyString), the others are duplicates. */
export async function claimKeys(db: Kysely<Database>, orgId: string, keys: WriteKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  // A fixed order keeps concurrent batches that share keys from deadlocking.
  const sorted = [...keys].sort((a, b) => byString(a.source, b.source) || byString(a.eventId, b.eventId));
  const sources = columnParam(sorted, 'text', 'source');
  const eventIds = columnParam(sorted, 'text', 'eventId');
  const result = await sql<{ source: string; event_id: string }>`
    INSERT INTO ingested_events (org_id, source, event_id)
    SELECT ${orgId}, u.source, u.event_id
    FROM unnest(${sources}::text[], ${eventIds}::text[]) AS u(source, event_id)
    ON CONFLICT DO NOTHING
    RETURNING source, event_id`.execute(db);
  return new Set(result.rows.map((row) => keyString({ source: row.source, eventId: row.event_id })));
}

/** Gives claims back (writes rejected against stored state), so a corrected retry is new. */
export async function releaseKeys(db: Kysely<Database>, orgId: string, keys: WriteKey[]): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    DELETE FROM ingested_events AS e
    USING unnest(${keys.map((k) => k.source)}::text[], ${keys.map((k) => k.eventId)}::text[]) AS u(source, event_id)
    WHERE e.org_id = ${orgId} AND e.source = u.source AND e.event_id = u.event_id`.execute(db);
}
