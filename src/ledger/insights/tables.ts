// Row types of the insights rollups (migration 0009) and of the activity rollups' `_live` views
// (0011), known only to the insights ledger.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ActivityRollupsTable } from '../activity/rollup-table.js';

interface Keyed {
  org_id: string;
  scope: 'org' | 'workspace';
  workspace_id: string;
  grain: 'hour' | 'day';
  bucket: Date | string;
}

export interface ExecutionRollupsTable extends Keyed {
  agent_id: string;
  status: string;
  executions: number | string;
  credits: number | string;
  tokens: number | string;
}

export interface AiUsageRollupsTable extends Keyed {
  tool_type: string;
  status: string;
  usages: number | string;
  cost: number | string;
}

export interface ActivityTotalsTable {
  org_id: string;
  scope: 'org' | 'workspace';
  scope_id: string;
  grain: 'hour' | 'day';
  bucket: Date | string;
  requests: number | string;
  failed: number | string;
  duration_sum: number;
  duration_count: number | string;
  tokens_sum: number;
}

export interface ActivityKeyRollupsTable {
  org_id: string;
  workspace_id: string;
  dimension: 'user' | 'endpoint';
  key: string;
  grain: 'hour' | 'day';
  bucket: Date | string;
  requests: number | string;
  failed: number | string;
}

type InsightsTables = {
  activity_rollups: ActivityRollupsTable;
  activity_rollups_live: ActivityRollupsTable;
  activity_totals_live: ActivityTotalsTable;
  activity_key_rollups_live: ActivityKeyRollupsTable;
  execution_rollups: ExecutionRollupsTable;
  ai_usage_rollups: AiUsageRollupsTable;
  activity_key_rollups: ActivityKeyRollupsTable;
  activity_totals: ActivityTotalsTable;
};

export type InsightsDatabase = Database & InsightsTables;

export function withInsightsTables(db: Kysely<Database>): Kysely<InsightsDatabase> {
  return db.withTables<InsightsTables>();
}
