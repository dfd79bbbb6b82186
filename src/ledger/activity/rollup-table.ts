// The row type of activity_rollups (migration 0002) and of activity_rollups_live (0011: the table
// with the queue's rows not yet folded, what readers read), known only to the activity ledger.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface ActivityRollupsTable {
  org_id: string;
  scope: string;
  scope_id: string;
  grain: 'hour' | 'day';
  bucket: Date | string;
  action: string;
  resource_type: string;
  success: boolean;
  requests: number;
  duration_sum: number;
  duration_count: number;
  tokens_sum: number;
}

type RollupTables = { activity_rollups: ActivityRollupsTable; activity_rollups_live: ActivityRollupsTable };

export type ActivityDatabase = Database & RollupTables;

export function withRollups(db: Kysely<Database>): Kysely<ActivityDatabase> {
  return db.withTables<RollupTables>();
}
