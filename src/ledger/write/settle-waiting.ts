// Model calls that wait for a span that never comes (its parent was sent to another backend, or
// dropped by the exporter) are settled on their own once they have waited `holdMs`: a periodic
// sweep, each org's traces in one transaction, under the same trace locks as the write path, so a
// span that arrives during the sweep is either seen by it or sees its result.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { startPeriodic } from '../../periodic.js';
import { settleSpans } from '../traces/settle-spans.js';
import { waitingTraces } from '../traces/trace-spans.js';
import { byString } from './claims.js';
import { storeExecutions } from './record-batch.js';

const TRACES_PER_ROUND = 200;

/** Settles the traces whose model calls have waited since before `before`; answers how many. */
export async function settleWaitingModelCalls(db: Kysely<Database>, before: Date): Promise<number> {
  const waiting = await waitingTraces(db, before, TRACES_PER_ROUND);
  const byOrg = new Map<string, string[]>();
  for (const { orgId, traceId } of waiting) byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), traceId]);
  for (const orgId of [...byOrg.keys()].sort(byString)) {
    await db.transaction().execute(async (trx) => {
      const step = await settleSpans(trx, orgId, [], {
        settleGapsBefore: before,
        moreTraces: byOrg.get(orgId),
      });
      await storeExecutions(trx, orgId, step.alone);
      await step.finish();
    });
  }
  return waiting.length;
}

/** Starts the sweep every `everyMs`; the returned function stops it and waits for a running round. */
export function startModelCallSettler(
  db: Kysely<Database>,
  holdMs: number,
  everyMs: number,
  onError: (error: unknown) => void,
): () => Promise<void> {
  return startPeriodic(() => settleWaitingModelCalls(db, new Date(Date.now() - holdMs)), everyMs, onError);
}
