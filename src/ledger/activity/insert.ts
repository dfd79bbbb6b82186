// The one writer of activity records, used by ingestion and by self-recording alike. It keeps the
// hourly and daily rollups (migration 0002) in step: only records actually inserted are counted, in the same
// transaction, so a duplicate delivery never counts twice and a rollup never runs ahead of the
// records it sums.
import { type Kysely, sql } from 'kysely';
import type { Database, NewActivity } from '../../db/schema.js';
import { scopesOfRecord } from './filters.js';
import { withRollups } from './rollup-table.js';
import { floorDay, floorHour, microsOfDate, microsToText } from './time.js';

// PostgreSQL allows 65,535 bind parameters per statement; an activity row has 27 columns.
const ROWS_PER_STATEMENT = 2000;
// A rollup row has 12 columns.
const ROLLUPS_PER_STATEMENT = 5000;

/** What the rollups need of each inserted record. */
interface InsertedRecord {
  org_id: string;
  timestamp: Date;
  workspace_id: string | null;
  action: string | null;
  resource_type: string | null;
  success: boolean;
  duration_ms: number | null;
  tokens_total: number;
}

interface RollupRow {
  org_id: string;
  scope: string;
  scope_id: string;
  grain: 'hour' | 'day';
  bucket: string;
  action: string;
  resource_type: string;
  success: boolean;
  requests: number;
  duration_sum: number;
  duration_count: number;
  tokens_sum: number;
}

/** Inserts records, skipping any whose (org_id, id) is already stored; returns how many were new. */
export async function insertActivities(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (db.isTransaction) return insertWithRollups(db, rows);
  return db.transaction().execute((trx) => insertWithRollups(trx, rows));
}

async function insertWithRollups(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  const inserted: InsertedRecord[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const result = await db
      .insertInto('activities')
      .values(chunk)
      .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
      .returning([
        'org_id',
        'timestamp',
        'workspace_id',
        'action',
        'resource_type',
        'success',
        'duration_ms',
        'tokens_total',
      ])
      .execute();
    inserted.push(...result);
  }
  await addToRollups(db, inserted);
  return inserted.length;
}

function rollupRows(records: InsertedRecord[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const record of records) {
    // The driver's Date has millisecond precision, which never moves a record across an hour.
    const micros = microsOfDate(record.timestamp);
    const grains = [
      ['hour', microsToText(floorHour(micros))],
      ['day', microsToText(floorDay(micros))],
    ] as const;
    const action = record.action ?? '';
    const resourceType = record.resource_type ?? '';
    const keys = scopesOfRecord(record).flatMap(([scope, scopeId]) =>
      grains.map(([grain, bucket]) => ({ scope, scopeId, grain, bucket })),
    );
    for (const { scope, scopeId, grain, bucket } of keys) {
      const key = JSON.stringify([
        record.org_id,
        scope,
        scopeId,
        grain,
        bucket,
        action,
        resourceType,
        record.success,
      ]);
      let row = byKey.get(key);
      if (!row) {
        row = {
          org_id: record.org_id,
          scope,
          scope_id: scopeId,
          grain,
          bucket,
          action,
          resource_type: resourceType,
          success: record.success,
          requests: 0,
          duration_sum: 0,
          duration_count: 0,
          tokens_sum: 0,
        };
        byKey.set(key, row);
      }
      row.requests += 1;
      if (record.duration_ms !== null) {
        row.duration_sum += record.duration_ms;
        row.duration_count += 1;
      }
      row.tokens_sum += record.tokens_total;
    }
  }
  // A fixed order of row locks, so concurrent writers of the same org cannot deadlock.
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

async function addToRollups(db: Kysely<Database>, records: InsertedRecord[]): Promise<void> {
  const rows = rollupRows(records);
  for (let start = 0; start < rows.length; start += ROLLUPS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROLLUPS_PER_STATEMENT);
    await withRollups(db)
      .insertInto('activity_rollups')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'scope', 'scope_id', 'grain', 'bucket', 'action', 'resource_type', 'success'])
          .doUpdateSet({
            requests: sql`activity_rollups.requests + excluded.requests`,
            duration_sum: sql`activity_rollups.duration_sum + excluded.duration_sum`,
            duration_count: sql`activity_rollups.duration_count + excluded.duration_count`,
            tokens_sum: sql`activity_rollups.tokens_sum + excluded.tokens_sum`,
          }),
      )
      .execute();
  }
}
