// The busiest workspaces, users, endpoints and agents of a window, with their failures, read from
// rollups only: whole days from the day rows, the hours around them from the hour rows.
//   workspaces  activity_totals, scope 'workspace' (requests; failed = success false)
//   users       activity_key_rollups, dimension 'user'
//   endpoints   activity_key_rollups, dimension 'endpoint' (records whose resource_type is endpoint)
//   agents      execution_rollups (executions; failed = status other than 'succeeded')
// The activity tables through their `_live` views, with the rows not yet folded
// (../activity/rollup-queue.ts).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { timestampParam } from '../activity/time.js';
import { labelsOf } from './labels.js';
import { withInsightsTables } from './tables.js';
import { type AlignedWindow, grainRanges } from './window.js';

export const DIMENSIONS = ['workspaces', 'users', 'endpoints', 'agents'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface TopQuery {
  orgId: string;
  workspaceId: string | null;
  dimension: Dimension;
  /** Hour-aligned. */
  window: AlignedWindow;
  limit: number;
}

export interface TopItem {
  key: string;
  label: string;
  requests: number;
  failed: number;
  failure_rate: number;
  /** Workspaces only: the UUID alias that seed 002's workspace route takes (null without one). */
  uuid?: string | null;
}

/** Rows of the grains covering the window (an aligned window is whole days and whole hours). */
function covering(window: AlignedWindow): RawBuilder<unknown> {
  const ranges = grainRanges(window).map(
    (range) =>
      sql`(grain = ${range.grain} AND bucket >= ${timestampParam(range.from)} AND bucket < ${timestampParam(range.to)})`,
  );
  return ranges.length === 0 ? sql`false` : sql`(${sql.join(ranges, sql` OR `)})`;
}

function source(query: TopQuery): RawBuilder<{ key: string; requests: string; failed: string }> {
  const inWindow = covering(query.window);
  switch (query.dimension) {
    case 'workspaces':
      return sql`SELECT (scope_id::json ->> 0) AS key, sum(requests) AS requests, sum(failed) AS failed
        FROM activity_totals_live WHERE org_id = ${query.orgId} AND scope = 'workspace' AND ${inWindow}
        GROUP BY scope_id`;
    case 'users':
    case 'endpoints': {
      const workspace = query.workspaceId === null ? sql`` : sql`AND workspace_id = ${query.workspaceId}`;
      return sql`SELECT key, sum(requests) AS requests, sum(failed) AS failed
        FROM activity_key_rollups_live
        WHERE org_id = ${query.orgId} AND dimension = ${query.dimension === 'users' ? 'user' : 'endpoint'}
          AND ${inWindow} ${workspace}
        GROUP BY key`;
    }
    case 'agents': {
      const scope =
        query.workspaceId === null
          ? sql`scope = 'org' AND workspace_id = ''`
          : sql`scope = 'workspace' AND workspace_id = ${query.workspaceId}`;
      return sql`SELECT agent_id AS key, sum(executions) AS requests,
          sum(CASE WHEN status = 'succeeded' THEN 0 ELSE executions END) AS failed
        FROM execution_rollups WHERE org_id = ${query.orgId} AND ${scope} AND ${inWindow}
        GROUP BY agent_id`;
    }
  }
}

/** The top `limit` keys by requests (ties by key), with labels; failure_rate to 4 decimals. */
export async function readTop(db: Kysely<Database>, query: TopQuery): Promise<TopItem[]> {
  const rows = await sql<{ key: string; requests: string; failed: string }>`
    SELECT key, requests, failed FROM (${source(query)}) AS t
    WHERE requests > 0 ORDER BY requests DESC, key LIMIT ${query.limit}`.execute(withInsightsTables(db));
  const kind = query.dimension === 'endpoints' ? null : query.dimension.slice(0, -1);
  const keys = rows.rows.map((row) => row.key);
  const labels = await labelsOf(db, query.orgId, kind, keys);
  const uuids = query.dimension === 'workspaces' ? await workspaceUuids(db, query.orgId, keys) : null;
  return rows.rows.map((row) => {
    const requests = Number(row.requests);
    const failed = Number(row.failed);
    const key = query.dimension === 'endpoints' ? `endpoint:${row.key}` : row.key;
    const item: TopItem = {
      key,
      label: labels.get(row.key) ?? row.key,
      requests,
      failed,
      failure_rate: Math.round((failed / requests) * 10_000) / 10_000,
    };
    if (uuids !== null) item.uuid = uuids.get(row.key) ?? null;
    return item;
  });
}

/** The UUID aliases of workspaces, so a client can link a workspace to seed 002's details. */
async function workspaceUuids(
  db: Kysely<Database>,
  orgId: string,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'uuid'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.flatMap((row) => (row.uuid === null ? [] : [[row.id, row.uuid] as const])));
}
