// Applies the numbered migrations in order. The list is static (imported, not read from disk), so
// the same code migrates from compiled JavaScript and from the TypeScript sources under test.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as initial from './migrations/0001_initial.js';
import * as activityRollups from './migrations/0002_activity_rollups.js';
import * as usageAndWorkspaceIndexes from './migrations/0004_usage_and_workspace_indexes.js';
import * as dropActionIndex from './migrations/0005_drop_action_index.js';
import * as aiUsageCounts from './migrations/0006_ai_usage_counts.js';
import * as workspaceUuidAlias from './migrations/0007_workspace_uuid_alias.js';
import * as traceSpans from './migrations/0008_trace_spans.js';
import * as insightsRollups from './migrations/0009_insights_rollups.js';
import * as rollupFillfactor from './migrations/0010_rollup_fillfactor.js';
import * as activityRollupQueue from './migrations/0011_activity_rollup_queue.js';
import type { Database } from './schema.js';

const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_activity_rollups': activityRollups,
  '0004_usage_and_workspace_indexes': usageAndWorkspaceIndexes,
  '0005_drop_action_index': dropActionIndex,
  '0006_ai_usage_counts': aiUsageCounts,
  '0007_workspace_uuid_alias': workspaceUuidAlias,
  '0008_trace_spans': traceSpans,
  '0009_insights_rollups': insightsRollups,
  '0010_rollup_fillfactor': rollupFillfactor,
  '0011_activity_rollup_queue': activityRollupQueue,
};

const provider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'tally_migrations',
    migrationLockTableName: 'tally_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
