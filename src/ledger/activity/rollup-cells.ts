// The sums of the three activity rollup tables, in one pass over the records a batch inserted:
// activity_rollups (insert.ts), activity_totals and activity_key_rollups (insights/
// activity-rollups.ts). A record counts in one cell per grain (UTC hour and day) and scope (its
// org, and its workspace or '' when it has none); a cell holds the totals of its records and their
// sums per outcome (action, resource type, success) and per key (user, endpoint). Each table's
// rows are the cells' sums spread out, so a record costs a handful of map lookups; each table
// keyed its own sums per record before, with an array and a joined string per key, a sixth of
// what ingestion allocated. Every sum still adds its records one by one in batch order, as before,
// so the floating-point sums are the same to the last bit.
import type { NewActivity } from '../../db/schema.js';

export type Grain = 'hour' | 'day';

export const GRAINS: readonly (readonly [Grain, number])[] = [
  ['hour', 3_600_000],
  ['day', 86_400_000],
];

export interface Measures {
  requests: number;
  failed: number;
  durationSum: number;
  durationCount: number;
  tokensSum: number;
}

export interface OutcomeSum extends Measures {
  action: string;
  resourceType: string;
  success: boolean;
}

export interface KeySum {
  dimension: 'user' | 'endpoint';
  key: string;
  requests: number;
  failed: number;
}

export interface RollupCell {
  orgId: string;
  /** null: the org scope (all its records); a workspace id; '' for the records without one. */
  workspaceId: string | null;
  grain: Grain;
  /** The bucket's start, ms since the epoch. */
  bucket: number;
  /** The org and workspace scopes' totals (none for ''). */
  totals: Measures;
  /** Per action, resource type and success (the org and workspace scopes). */
  outcomes: Map<string, OutcomeSum>;
  /** Per user and per endpoint (workspaces and '', not the org scope). */
  keys: Map<string, KeySum>;
}

const measures = (): Measures => ({ requests: 0, failed: 0, durationSum: 0, durationCount: 0, tokensSum: 0 });

function add(sum: Measures, failed: number, duration: number | null, tokens: number): void {
  sum.requests += 1;
  sum.failed += failed;
  if (duration !== null) {
    sum.durationSum += duration;
    sum.durationCount += 1;
  }
  sum.tokensSum += tokens;
}

/** The cells of the rows, in the order they were first met. */
export function rollupCells(rows: readonly NewActivity[]): RollupCell[] {
  const cells = new Map<string, RollupCell>();
  const cellOf = (orgId: string, workspaceId: string | null, grain: Grain, bucket: number): RollupCell => {
    const id = `${grain}\u0001${bucket}\u0001${orgId}\u0001${workspaceId ?? '\u0000'}`;
    let cell = cells.get(id);
    if (!cell) {
      cell = { orgId, workspaceId, grain, bucket, totals: measures(), outcomes: new Map(), keys: new Map() };
      cells.set(id, cell);
    }
    return cell;
  };
  for (const row of rows) {
    const at = row.timestamp.getTime();
    const action = row.action ?? '';
    const resourceType = row.resource_type ?? '';
    const success = Boolean(row.success);
    const failed = success ? 0 : 1;
    const duration = row.duration_ms == null ? null : Number(row.duration_ms);
    const tokens = Number(row.tokens_total ?? 0);
    const workspaceId = row.workspace_id ?? null;
    const outcome = `${action}\u0001${resourceType}\u0001${failed}`;
    const user = row.user_id ?? null;
    const endpoint = resourceType === 'endpoint' ? (row.resource_id ?? null) : null;
    for (const [grain, size] of GRAINS) {
      const bucket = Math.floor(at / size) * size;
      const scopes =
        workspaceId === null
          ? [cellOf(row.org_id, null, grain, bucket)]
          : [cellOf(row.org_id, null, grain, bucket), cellOf(row.org_id, workspaceId, grain, bucket)];
      for (const cell of scopes) {
        add(cell.totals, failed, duration, tokens);
        let sum = cell.outcomes.get(outcome);
        if (!sum) {
          sum = { action, resourceType, success, ...measures() };
          cell.outcomes.set(outcome, sum);
        }
        add(sum, failed, duration, tokens);
      }
      if (user === null && endpoint === null) continue;
      const keyed = workspaceId === null ? cellOf(row.org_id, '', grain, bucket) : scopes[1]!;
      if (user !== null) addKey(keyed, 'user', user, failed);
      if (endpoint !== null) addKey(keyed, 'endpoint', endpoint, failed);
    }
  }
  return [...cells.values()];
}

function addKey(cell: RollupCell, dimension: 'user' | 'endpoint', key: string, failed: number): void {
  const id = `${dimension}\u0001${key}`;
  let sum = cell.keys.get(id);
  if (!sum) {
    sum = { dimension, key, requests: 0, failed: 0 };
    cell.keys.set(id, sum);
  }
  sum.requests += 1;
  sum.failed += failed;
}
