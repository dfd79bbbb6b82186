// Everything the database holds for one org, as comparable text, to prove that another org's
// requests changed nothing in it. Columns the service moves on its own are left out: the metrics
// cache (recomputed by reads and by the background refresher) and token `last_used_at` (written
// in the background); so are the tables `except` names.
import { sql } from 'kysely';
import { foldRollups } from '../helpers/rollups.js';
import type { TestApp } from '../helpers/test-app.js';

const ORG_TABLES = [
  'users',
  'workspaces',
  'workspace_members',
  'agents',
  'hired_agents',
  'integration_credentials',
  'api_tokens',
  'ingested_events',
  'activities',
  'activity_rollups',
  'executions',
  'execution_rollups',
  'ai_usages',
  'ai_usage_rollups',
] as const;
const MOVING_COLUMNS = new Set(['metrics_cache', 'last_used_at']);

function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  return value;
}

export async function orgState(
  t: TestApp,
  orgId: string,
  except: readonly (typeof ORG_TABLES)[number][] = [],
): Promise<Record<string, string[]>> {
  // Rollups as folded: whether a batch's cells are still queued depends on when the app's folder ran.
  await foldRollups(t.db);
  const state: Record<string, string[]> = {};
  const org = await sql<Record<string, unknown>>`SELECT * FROM orgs WHERE id = ${orgId}`.execute(t.db);
  state.orgs = org.rows.map((row) => JSON.stringify(row, (_key, value) => comparable(value)));
  for (const table of ORG_TABLES) {
    if (except.includes(table)) continue;
    const rows = await sql<
      Record<string, unknown>
    >`SELECT * FROM ${sql.table(table)} WHERE org_id = ${orgId}`.execute(t.db);
    state[table] = rows.rows
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row)
              .filter(([column]) => !MOVING_COLUMNS.has(column))
              .map(([column, value]) => [column, comparable(value)]),
          ),
        ),
      )
      .sort();
  }
  return state;
}
