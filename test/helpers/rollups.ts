// Folds the activity rollups' queue into the rollup tables (src/ledger/activity/rollup-queue.ts),
// for tests that read the tables themselves rather than the `_live` views the service reads. Every
// queue row there when it starts is folded when it returns, including rows a fold of the app's
// own folder held meanwhile (foldQueue skips those: this waits for them).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { foldQueue } from '../../src/ledger/activity/rollup-queue.js';

/**
 * buildTestApp's environment for an app whose folder folds only when told (and on close): a test
 * that compares float sums to the last bit needs one fold of the whole queue, as sums added in
 * another grouping can differ in the last binary digit.
 */
export const FOLD_WHEN_TOLD = { TALLY_ROLLUP_FOLD_EVERY: '1000000', TALLY_ROLLUP_FOLD_MS: '3600000' };

export async function foldRollups(db: Kysely<Database>): Promise<void> {
  const last = await sql<{
    id: string | null;
  }>`SELECT max(id)::text AS id FROM activity_rollup_queue`.execute(db);
  const upTo = last.rows[0]!.id;
  if (upTo === null) return;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    await foldQueue(db);
    const left = await sql<{ left: boolean }>`
      SELECT EXISTS (SELECT 1 FROM activity_rollup_queue WHERE id <= ${upTo}::bigint) AS left`.execute(db);
    if (!left.rows[0]!.left) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the activity rollup queue was not folded');
}
