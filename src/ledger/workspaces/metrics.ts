// A workspace's derived figures (seed 002's `metrics_cache`), computed from the ledger.
//
// Design: the figures are a cache on the workspace row, never older than 60 s when read. A read
// that finds them older (or missing) recomputes them with a few aggregate queries, each a range
// scan on a (org_id, workspace_id, time) index bounded to the window, and stores the result; a
// background refresher (metrics-refresher.ts) recomputes them ahead of time for workspaces with
// recent activity, so reads of busy workspaces rarely pay for it. Windows are half-open,
// [now − 24 h, now) and [now − 30 d, now), like the activity summaries.
import { type Kysely, sql } from 'kysely';
import type { Database, Workspace } from '../../db/schema.js';

export const METRICS_MAX_AGE_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface WorkspaceMetrics {
  executions_24h: number;
  executions_30d: number;
  succeeded_executions_24h: number;
  succeeded_executions_30d: number;
  /** Credits of succeeded executions (others cost nothing, as in seed 001). */
  credits_24h: number;
  credits_30d: number;
  /** Cost of the AI tool usages created in the window, whatever their status. */
  ai_tool_cost_24h: number;
  ai_tool_cost_30d: number;
  activity_requests_24h: number;
  activity_failures_24h: number;
  computed_at: string;
}

export async function computeWorkspaceMetrics(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  now: Date,
): Promise<WorkspaceMetrics> {
  const day = new Date(now.getTime() - DAY_MS);
  const month = new Date(now.getTime() - 30 * DAY_MS);
  const executions = await sql<{
    executions_24h: number;
    executions_30d: number;
    succeeded_24h: number;
    succeeded_30d: number;
    credits_24h: number;
    credits_30d: number;
  }>`
    SELECT count(*) FILTER (WHERE created_at >= ${day}) AS executions_24h,
           count(*) AS executions_30d,
           count(*) FILTER (WHERE status = 'succeeded' AND created_at >= ${day}) AS succeeded_24h,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded_30d,
           coalesce(sum(credits) FILTER (WHERE status = 'succeeded' AND created_at >= ${day}), 0) AS credits_24h,
           coalesce(sum(credits) FILTER (WHERE status = 'succeeded'), 0) AS credits_30d
      FROM executions
     WHERE org_id = ${orgId} AND workspace_id = ${workspaceId}
       AND created_at >= ${month} AND created_at < ${now}`.execute(db);
  const usages = await sql<{ cost_24h: number; cost_30d: number }>`
    SELECT coalesce(sum(cost) FILTER (WHERE created_at >= ${day}), 0) AS cost_24h,
           coalesce(sum(cost), 0) AS cost_30d
      FROM ai_usages
     WHERE org_id = ${orgId} AND workspace_id = ${workspaceId}
       AND created_at >= ${month} AND created_at < ${now}`.execute(db);
  const activity = await sql<{ requests: number; failures: number }>`
    SELECT count(*) AS requests, count(*) FILTER (WHERE NOT success) AS failures
      FROM activities
     WHERE org_id = ${orgId} AND workspace_id = ${workspaceId}
       AND "timestamp" >= ${day} AND "timestamp" < ${now}`.execute(db);
  const e = executions.rows[0]!;
  const u = usages.rows[0]!;
  const a = activity.rows[0]!;
  return {
    executions_24h: Number(e.executions_24h),
    executions_30d: Number(e.executions_30d),
    succeeded_executions_24h: Number(e.succeeded_24h),
    succeeded_executions_30d: Number(e.succeeded_30d),
    credits_24h: Number(e.credits_24h),
    credits_30d: Number(e.credits_30d),
    ai_tool_cost_24h: Number(u.cost_24h),
    ai_tool_cost_30d: Number(u.cost_30d),
    activity_requests_24h: Number(a.requests),
    activity_failures_24h: Number(a.failures),
    computed_at: now.toISOString(),
  };
}

/** Fresh means computed within the last 60 s (a time ahead of `now` is a clock step back: stale). */
export function isFresh(cache: unknown, now: Date): boolean {
  if (!cache || typeof cache !== 'object') return false;
  const computedAt = (cache as { computed_at?: unknown }).computed_at;
  if (typeof computedAt !== 'string') return false;
  const age = now.getTime() - Date.parse(computedAt);
  return age >= 0 && age < METRICS_MAX_AGE_MS;
}

export async function storeWorkspaceMetrics(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  metrics: WorkspaceMetrics,
): Promise<void> {
  // A derived cache, not an edit of the workspace: updated_at stays as it is.
  await db
    .updateTable('workspaces')
    .set({ metrics_cache: JSON.stringify(metrics) })
    .where('org_id', '=', orgId)
    .where('id', '=', workspaceId)
    .execute();
}

/** Recomputations in flight in this process, so a burst of reads of one stale workspace shares one. */
const inFlightByDb = new WeakMap<Kysely<Database>, Map<string, Promise<WorkspaceMetrics>>>();

/** The workspace's metrics as of at most 60 s ago, recomputed and stored when older. */
export async function currentWorkspaceMetrics(
  db: Kysely<Database>,
  workspace: Pick<Workspace, 'org_id' | 'id' | 'metrics_cache'>,
  now: Date,
): Promise<Record<string, unknown>> {
  if (isFresh(workspace.metrics_cache, now)) return workspace.metrics_cache as Record<string, unknown>;
  let inFlight = inFlightByDb.get(db);
  if (!inFlight) {
    inFlight = new Map();
    inFlightByDb.set(db, inFlight);
  }
  const key = `${workspace.org_id}\u0000${workspace.id}`;
  const running = inFlight.get(key);
  if (running) {
    const shared = await running.catch(() => null);
    if (shared && isFresh(shared, now)) return { ...shared };
  }
  const recompute = (async () => {
    const metrics = await computeWorkspaceMetrics(db, workspace.org_id, workspace.id, now);
    await storeWorkspaceMetrics(db, workspace.org_id, workspace.id, metrics);
    return metrics;
  })();
  inFlight.set(key, recompute);
  try {
    return { ...(await recompute) };
  } finally {
    if (inFlight.get(key) === recompute) inFlight.delete(key);
  }
}
