// The one writer of activity records, used by ingestion and by self-recording alike.
import type { Kysely } from 'kysely';
import type { Database, NewActivity } from '../../db/schema.js';

// PostgreSQL allows 65,535 bind parameters per statement; an activity row has 27 columns.
const ROWS_PER_STATEMENT = 2000;

/** Inserts records, skipping any whose (org_id, id) is already stored; returns how many were new. */
export async function insertActivities(db: Kysely<Database>, rows: NewActivity[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const result = await db
      .insertInto('activities')
      .values(chunk)
      .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}
