// Indexes for surfaces 000 and 002. Listing usages filtered by both tool type and status pages and
// counts index-only on one index. The metrics refresher finds recently active workspaces across
// the deployment: like workspaces_id_key, a global index on purpose (it runs for every org).
import { type Kysely, sql } from 'kysely';

const statements = [
  sql`CREATE INDEX ai_usages_tool_status_time_idx
    ON ai_usages (org_id, workspace_id, tool_type, status, created_at DESC, id DESC)`,
  sql`CREATE INDEX workspaces_last_active_idx ON workspaces (last_active_at DESC) WHERE last_active_at IS NOT NULL`,
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
}
