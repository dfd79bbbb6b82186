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
import { scopeId } from './filters.js';

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

/**
 * Where a cell's sums go: each sum carries its cell's place, so the queue's rows are the sums
 * themselves (rollup-queue.ts), not copies of them with the place added.
 */
interface CellPlace {
  grain: Grain;
  /** The bucket's start (one Date per cell, shared by its sums). */
  bucket: Date;
}

export interface OutcomeSum extends Measures, CellPlace {
  scope: 'org' | 'workspace';
  /** The scope's id as the rollup tables key it (filters.ts scopeId). */
  scopeId: string;
  action: string;
  resourceType: string;
  success: boolean;
}

export interface KeySum extends CellPlace {
  /** The workspace, '' for the records without one. */
  workspaceId: string;
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
  /** Per action, resource type and success (the org and workspace scopes), in the order first met. */
  outcomes: OutcomeSum[];
  /** Per user and per endpoint (workspaces and '', not the org scope), in the order first met. */
  keys: KeySum[];
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

/**
 * A cell being summed, with its lookups. Every lookup is keyed by values the rows already hold
 * (strings, the bucket number, success as an index), nested instead of joined into one string, so
 * counting a record allocates nothing once its cells and sums exist.
 */
class CellSums {
  readonly cell: RollupCell;
  private readonly place: CellPlace;
  /** The scope its outcome sums are queued under, worked out once per cell. */
  private readonly scope: Pick<OutcomeSum, 'scope' | 'scopeId'>;
  /** action → resource type → [succeeded, failed]. */
  private readonly outcomes = new Map<string, Map<string, (OutcomeSum | undefined)[]>>();
  private readonly users = new Map<string, KeySum>();
  private readonly endpoints = new Map<string, KeySum>();

  constructor(orgId: string, workspaceId: string | null, grain: Grain, bucket: number) {
    this.cell = { orgId, workspaceId, grain, bucket, totals: measures(), outcomes: [], keys: [] };
    this.place = { grain, bucket: new Date(bucket) };
    this.scope =
      workspaceId === null
        ? { scope: 'org', scopeId: scopeId([]) }
        : { scope: 'workspace', scopeId: scopeId([workspaceId]) };
  }

  addRecord(
    action: string,
    resourceType: string,
    failed: number,
    duration: number | null,
    tokens: number,
  ): void {
    add(this.cell.totals, failed, duration, tokens);
    let byType = this.outcomes.get(action);
    if (!byType) {
      byType = new Map();
      this.outcomes.set(action, byType);
    }
    let pair = byType.get(resourceType);
    if (!pair) {
      pair = [undefined, undefined];
      byType.set(resourceType, pair);
    }
    let sum = pair[failed];
    if (!sum) {
      sum = {
        scope: this.scope.scope,
        scopeId: this.scope.scopeId,
        grain: this.place.grain,
        bucket: this.place.bucket,
        action,
        resourceType,
        success: failed === 0,
        requests: 0,
        failed: 0,
        durationSum: 0,
        durationCount: 0,
        tokensSum: 0,
      };
      pair[failed] = sum;
      this.cell.outcomes.push(sum);
    }
    add(sum, failed, duration, tokens);
  }

  addKey(dimension: 'user' | 'endpoint', key: string, failed: number): void {
    const sums = dimension === 'user' ? this.users : this.endpoints;
    let sum = sums.get(key);
    if (!sum) {
      const { grain, bucket } = this.place;
      sum = {
        workspaceId: this.cell.workspaceId ?? '',
        grain,
        bucket,
        dimension,
        key,
        requests: 0,
        failed: 0,
      };
      sums.set(key, sum);
      this.cell.keys.push(sum);
    }
    sum.requests += 1;
    sum.failed += failed;
  }
}

/** The cells of the rows, in the order they were first met. */
export function rollupCells(rows: readonly NewActivity[]): RollupCell[] {
  const cells: RollupCell[] = [];
  // org → grain (GRAINS' index) → bucket → scope (null, a workspace id or '').
  const orgs = new Map<string, Map<number, Map<string | null, CellSums>>[]>();
  const cellOf = (orgId: string, workspaceId: string | null, grain: number, bucket: number): CellSums => {
    let grains = orgs.get(orgId);
    if (!grains) {
      grains = GRAINS.map(() => new Map());
      orgs.set(orgId, grains);
    }
    let scopes = grains[grain]!.get(bucket);
    if (!scopes) {
      scopes = new Map();
      grains[grain]!.set(bucket, scopes);
    }
    let sums = scopes.get(workspaceId);
    if (!sums) {
      sums = new CellSums(orgId, workspaceId, GRAINS[grain]![0], bucket);
      scopes.set(workspaceId, sums);
      cells.push(sums.cell);
    }
    return sums;
  };
  for (const row of rows) {
    const at = row.timestamp.getTime();
    const action = row.action ?? '';
    const resourceType = row.resource_type ?? '';
    const failed = row.success ? 0 : 1;
    const duration = row.duration_ms == null ? null : Number(row.duration_ms);
    const tokens = Number(row.tokens_total ?? 0);
    const workspaceId = row.workspace_id ?? null;
    const user = row.user_id ?? null;
    const endpoint = resourceType === 'endpoint' ? (row.resource_id ?? null) : null;
    for (let grain = 0; grain < GRAINS.length; grain += 1) {
      const size = GRAINS[grain]![1];
      const bucket = Math.floor(at / size) * size;
      cellOf(row.org_id, null, grain, bucket).addRecord(action, resourceType, failed, duration, tokens);
      const workspace = workspaceId === null ? null : cellOf(row.org_id, workspaceId, grain, bucket);
      workspace?.addRecord(action, resourceType, failed, duration, tokens);
      if (user === null && endpoint === null) continue;
      const keyed = workspace ?? cellOf(row.org_id, '', grain, bucket);
      if (user !== null) keyed.addKey('user', user, failed);
      if (endpoint !== null) keyed.addKey('endpoint', endpoint, failed);
    }
  }
  return cells;
}
