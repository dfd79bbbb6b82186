// Time series for the insights API, read from rollups only: activity_totals (ungrouped activity:
// one row per bucket), activity_rollups (0002, grouped activity), execution_rollups and
// ai_usage_rollups (0009); the activity ones through their `_live` views, which add the rows not
// yet folded (../activity/rollup-queue.ts). One statement per request: the rows of one grain (the series' bucket
// size) inside the aligned window, summed per bucket and group key. A 30-day hourly activity
// chart of an org reads 720 rows; grouped, 720 × its (action, resource_type, success) rows.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { scopeId } from '../activity/filters.js';
import { type Micros, timestampParam } from '../activity/time.js';
import { labelsOf } from './labels.js';
import { withInsightsTables } from './tables.js';
import { type AlignedWindow, bucketStarts, GRAIN_MICROS, type Grain } from './window.js';

export const ACTIVITY_METRICS = ['requests', 'failed_requests', 'avg_duration_ms', 'tokens'] as const;
export const EXECUTION_METRICS = ['executions', 'credits', 'execution_tokens'] as const;
export const USAGE_METRICS = ['ai_tool_usages'] as const;
export const METRICS = [...ACTIVITY_METRICS, ...EXECUTION_METRICS, ...USAGE_METRICS] as const;
export type Metric = (typeof METRICS)[number];

export const GROUPS = ['action', 'resource_type', 'workspace', 'status', 'agent', 'tool_type'] as const;
export type GroupBy = (typeof GROUPS)[number];

type Family = 'activity' | 'executions' | 'usages';

export function familyOf(metric: Metric): Family {
  if ((ACTIVITY_METRICS as readonly string[]).includes(metric)) return 'activity';
  if ((EXECUTION_METRICS as readonly string[]).includes(metric)) return 'executions';
  return 'usages';
}

/** The group_by values each family of metrics can be split by. */
export const GROUPS_OF: Record<Family, readonly GroupBy[]> = {
  activity: ['action', 'resource_type', 'workspace', 'status'],
  executions: ['agent', 'workspace', 'status'],
  usages: ['tool_type', 'status', 'workspace'],
};

const TABLES: Record<Family, string> = {
  activity: 'activity_rollups_live',
  executions: 'execution_rollups',
  usages: 'ai_usage_rollups',
};

/** What each metric sums: `a` (and `b`, the divisor of an average). */
const MEASURES: Record<Metric, { a: string; b?: string }> = {
  requests: { a: 'sum(requests)' },
  failed_requests: { a: 'sum(CASE WHEN success THEN 0 ELSE requests END)' },
  avg_duration_ms: { a: 'sum(duration_sum)', b: 'sum(duration_count)' },
  tokens: { a: 'sum(tokens_sum)' },
  executions: { a: 'sum(executions)' },
  credits: { a: 'sum(credits)' },
  execution_tokens: { a: 'sum(tokens)' },
  ai_tool_usages: { a: 'sum(usages)' },
};

/** An activity series ungrouped or by workspace reads activity_totals: one row per bucket and scope. */
const TOTAL_MEASURES: Partial<Record<Metric, { a: string; b?: string }>> = {
  requests: { a: 'sum(requests)' },
  failed_requests: { a: 'sum(failed)' },
  avg_duration_ms: { a: 'sum(duration_sum)', b: 'sum(duration_count)' },
  tokens: { a: 'sum(tokens_sum)' },
};

/** The group key of a rollup row (workspace: see scopeFilter). */
const KEYS: Record<Family, Partial<Record<GroupBy, string>>> = {
  activity: {
    action: 'action',
    resource_type: 'resource_type',
    status: "CASE WHEN success THEN 'success' ELSE 'error' END",
    workspace: '(scope_id::json ->> 0)',
  },
  executions: { agent: 'agent_id', status: 'status', workspace: 'workspace_id' },
  usages: { tool_type: 'tool_type', status: 'status', workspace: 'workspace_id' },
};

/** Integer counts stay integers; sums of money lose the binary noise of adding decimals. */
const PRECISION: Partial<Record<Metric, number>> = { credits: 1e6, tokens: 1e6, avg_duration_ms: 100 };

export interface SeriesQuery {
  orgId: string;
  /** The workspace routes' workspace; null for the org. */
  workspaceId: string | null;
  metric: Metric;
  grain: Grain;
  window: AlignedWindow;
  groupBy: GroupBy | null;
  top: number;
}

export interface SeriesLine {
  key: string | null;
  label: string | null;
  values: (number | null)[];
  total: number | null;
}

export interface Series {
  buckets: Micros[];
  series: SeriesLine[];
  total: number | null;
}

/**
 * The rows of one scope: the org's own rows, one workspace's, or (grouping an org by workspace)
 * every workspace's. Activity keys its workspace rows by a JSON array of ids (0002).
 */
function scopeFilter(family: Family, query: SeriesQuery): RawBuilder<unknown> {
  if (query.workspaceId !== null) {
    return family === 'activity'
      ? sql`scope = 'workspace' AND scope_id = ${scopeId([query.workspaceId])}`
      : sql`scope = 'workspace' AND workspace_id = ${query.workspaceId}`;
  }
  if (query.groupBy === 'workspace') return sql`scope = 'workspace'`;
  return family === 'activity'
    ? sql`scope = 'org' AND scope_id = '[]'`
    : sql`scope = 'org' AND workspace_id = ''`;
}

interface Row {
  at: string | number;
  key: string | null;
  a: string | number | null;
  b: string | number | null;
}

interface Accumulator {
  key: string | null;
  /** The fold of the groups beyond the top N. */
  other?: true;
  a: number[];
  b: number[];
}

const round = (value: number, precision: number | undefined) =>
  precision === undefined ? value : Math.round(value * precision) / precision;

export async function readSeries(db: Kysely<Database>, query: SeriesQuery): Promise<Series> {
  const family = familyOf(query.metric);
  const totals = family === 'activity' && (query.groupBy === null || query.groupBy === 'workspace');
  const measure = (totals ? TOTAL_MEASURES : MEASURES)[query.metric]!;
  const table = totals ? 'activity_totals_live' : TABLES[family];
  const keyColumn = query.groupBy === null ? 'NULL::text' : KEYS[family][query.groupBy]!;
  const result = await sql<Row>`
    SELECT (extract(epoch FROM bucket) * 1000000)::bigint AS at, key, a, b FROM (
      SELECT bucket, ${sql.raw(keyColumn)} AS key, ${sql.raw(measure.a)} AS a, ${sql.raw(measure.b ?? 'NULL::bigint')} AS b
      FROM ${sql.table(table)}
      WHERE org_id = ${query.orgId} AND ${scopeFilter(family, query)} AND grain = ${query.grain}
        AND bucket >= ${timestampParam(query.window.start)} AND bucket < ${timestampParam(query.window.end)}
      GROUP BY 1, 2) AS s`.execute(withInsightsTables(db));

  const buckets = bucketStarts(query.window, query.grain);
  const size = GRAIN_MICROS[query.grain];
  const groups = new Map<string | null, Accumulator>();
  const accumulator = (key: string | null) => {
    let found = groups.get(key);
    if (!found) {
      found = { key, a: new Array(buckets.length).fill(0), b: new Array(buckets.length).fill(0) };
      groups.set(key, found);
    }
    return found;
  };
  if (query.groupBy === null) accumulator(null);
  for (const row of result.rows) {
    const index = Math.round((Number(row.at) - query.window.start) / size);
    const into = accumulator(row.key);
    into.a[index]! += Number(row.a ?? 0);
    into.b[index]! += Number(row.b ?? 0);
  }

  const average = measure.b !== undefined;
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  // Groups rank by their window total; an average by the number of records it averages.
  const weight = (group: Accumulator) => sum(average ? group.b : group.a);
  let ranked = [...groups.values()];
  if (query.groupBy !== null) {
    ranked = ranked
      .filter((group) => sum(group.a) !== 0 || sum(group.b) !== 0)
      .sort((x, y) => weight(y) - weight(x) || ((x.key ?? '') < (y.key ?? '') ? -1 : 1));
  }
  const kept = ranked.slice(0, query.groupBy === null ? 1 : query.top);
  const folded = ranked.slice(kept.length);
  const lines: Accumulator[] = [...kept];
  if (folded.length > 0) {
    const other: Accumulator = {
      key: 'other',
      other: true,
      a: new Array(buckets.length).fill(0),
      b: new Array(buckets.length).fill(0),
    };
    for (const group of folded) {
      group.a.forEach((v, i) => {
        other.a[i]! += v;
      });
      group.b.forEach((v, i) => {
        other.b[i]! += v;
      });
    }
    lines.push(other);
  }

  const precision = PRECISION[query.metric];
  const value = (a: number, b: number): number | null =>
    average ? (b === 0 ? null : round(a / b, precision)) : round(a, precision);
  const labels = await labelsOf(
    db,
    query.orgId,
    query.groupBy,
    kept.map((group) => group.key ?? ''),
  );
  const all = [...groups.values()];
  return {
    buckets,
    series: lines.map((line) => ({
      key: line.key,
      label: line.key === null ? null : line.other ? 'other' : (labels.get(line.key) ?? line.key),
      values: line.a.map((a, i) => value(a, line.b[i]!)),
      total: value(sum(line.a), sum(line.b)),
    })),
    total: value(sum(all.flatMap((g) => g.a)), sum(all.flatMap((g) => g.b))),
  };
}
