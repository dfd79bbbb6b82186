// `last_active_at` of the workspaces a batch wrote to: the newest record time among its stored
// writes, moved forward only.
import { type Kysely, sql } from 'kysely';
import { arrayParam } from '../../db/array-param.js';
import type { Database } from '../../db/schema.js';
import { byString } from './claims.js';

/** Per workspace id (unique across the deployment): its org and the newest record time. */
export type ActiveWorkspaces = Map<string, { orgId: string; at: Date }>;

export function markActive(active: ActiveWorkspaces, orgId: string, workspaceId: string, at: Date): void {
  const current = active.get(workspaceId);
  if (!current || current.at < at) active.set(workspaceId, { orgId, at });
}

/**
 * Moves `last_active_at` forward after the commit, in its own short statement: kept out of the
 * write transaction so concurrent batches for one workspace never wait on its row lock.
 */
export async function touchWorkspaces(db: Kysely<Database>, active: ActiveWorkspaces): Promise<void> {
  if (active.size === 0) return;
  const entries = [...active.entries()].sort(([a], [b]) => byString(a, b));
  const orgIds = arrayParam(
    'text',
    entries.map(([, v]) => v.orgId),
  );
  const ids = arrayParam(
    'text',
    entries.map(([id]) => id),
  );
  const times = arrayParam(
    'timestamptz',
    entries.map(([, v]) => v.at),
  );
  await sql`
    UPDATE workspaces AS w SET last_active_at = u.at
    FROM unnest(${orgIds}::text[], ${ids}::text[], ${times}::timestamptz[]) AS u(org_id, id, at)
    WHERE w.org_id = u.org_id AND w.id = u.id AND (w.last_active_at IS NULL OR w.last_active_at < u.at)`.execute(
    db,
  );
}

/**
 * `last_active_at` of every workspace from its newest record, in one statement: the bulk loader's
 * counterpart of touchWorkspaces (src/demo/load.ts writes beside the entry point). It reads every
 * record, which at benchmark scale takes longer than the service's statement timeout: a bulk
 * load lifts the timeout for this one transaction.
 */
export async function refreshLastActive(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL statement_timeout = 0`.execute(trx);
    await refreshLastActiveIn(trx);
  });
}

async function refreshLastActiveIn(db: Kysely<Database>): Promise<void> {
  await sql`
    UPDATE workspaces AS w SET last_active_at = GREATEST(w.last_active_at, latest.at)
    FROM (
      SELECT org_id, workspace_id, max(at) AS at FROM (
        SELECT org_id, workspace_id, max("timestamp") AS at FROM activities WHERE workspace_id IS NOT NULL
          GROUP BY org_id, workspace_id
        UNION ALL SELECT org_id, workspace_id, max(created_at) FROM executions GROUP BY org_id, workspace_id
        UNION ALL SELECT org_id, workspace_id, max(created_at) FROM ai_usages GROUP BY org_id, workspace_id
      ) AS per_kind GROUP BY org_id, workspace_id
    ) AS latest
    WHERE w.org_id = latest.org_id AND w.id = latest.workspace_id`.execute(db);
}
