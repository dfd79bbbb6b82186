// Keeps the metrics of recently active workspaces fresh ahead of reads: every 30 s, workspaces
// that received records in the last 15 minutes and whose metrics are older than 60 s (or were
// never computed) are recomputed, at most 200 per round. Quiet workspaces are refreshed lazily by
// the read that needs them (metrics.ts).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { startPeriodic } from '../../periodic.js';
import { computeWorkspaceMetrics, METRICS_MAX_AGE_MS, storeWorkspaceMetrics } from './metrics.js';

export const REFRESH_INTERVAL_MS = 30_000;
const ACTIVE_WITHIN_MS = 15 * 60 * 1000;
const PER_ROUND = 200;

/** One round; returns how many workspaces were recomputed. */
export async function refreshActiveWorkspaceMetrics(db: Kysely<Database>, now: Date): Promise<number> {
  const activeSince = new Date(now.getTime() - ACTIVE_WITHIN_MS);
  const staleBefore = new Date(now.getTime() - METRICS_MAX_AGE_MS);
  // Deployment-wide on purpose (the refresher serves every org); each recomputation below is
  // scoped to the workspace's own org.
  const due = await db
    .selectFrom('workspaces')
    .select(['org_id', 'id'])
    .where('last_active_at', '>=', activeSince)
    .where((eb) =>
      eb.or([
        eb(sql`metrics_cache ->> 'computed_at'`, 'is', null),
        eb(sql`(metrics_cache ->> 'computed_at')::timestamptz`, '<=', staleBefore),
        eb(sql`(metrics_cache ->> 'computed_at')::timestamptz`, '>', now),
      ]),
    )
    .orderBy('last_active_at', 'desc')
    .limit(PER_ROUND)
    .execute();
  for (const workspace of due) {
    const metrics = await computeWorkspaceMetrics(db, workspace.org_id, workspace.id, now);
    await storeWorkspaceMetrics(db, workspace.org_id, workspace.id, metrics);
  }
  return due.length;
}

/** Starts the periodic refresher; the returned function stops it and waits for a running round. */
export function startMetricsRefresher(
  db: Kysely<Database>,
  now: () => Date,
  onError: (error: unknown) => void,
): () => Promise<void> {
  return startPeriodic(() => refreshActiveWorkspaceMetrics(db, now()), REFRESH_INTERVAL_MS, onError);
}
