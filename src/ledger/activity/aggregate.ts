// Counts and sums over a time window, exact and cheap: whole UTC days and whole UTC hours come from
// activity_rollups (a few rows per bucket and scope; read as activity_rollups_live, with the rows
// not yet folded in: ./rollup-queue.ts), and only the partial hours at the window's
// edges are read from the records, through the same (org_id, scope…, "timestamp") indexes the
// listings use. A year-long window costs ~365 day buckets + ≤ 46 hour buckets + ≤ 2 partial hours.
//
//   -- whole days, then whole hours (grain = 'hour')
//   SELECT action, resource_type, success, sum(requests), sum(duration_sum), sum(duration_count),
//          sum(tokens_sum)
//   FROM activity_rollups_live
//   WHERE org_id = $1 AND scope = $2 AND scope_id = $3 AND grain = 'day'
//     AND bucket >= $4 AND bucket < $5 [AND action = …]
//   GROUP BY action, resource_type, success
//   -- edges (each under an hour long)
//   SELECT coalesce(action, ''), coalesce(resource_type, ''), success, count(*), sum(duration_ms),
//          count(duration_ms), sum(tokens_total)
//   FROM activities WHERE org_id = $1 AND <filters> AND "timestamp" >= $2 AND "timestamp" < $3
//   GROUP BY 1, 2, 3
//
// A partial edge hour is read from its smaller side: its own records, or the hour's rollup minus
// the records of the rest of the hour. The window of a live dashboard ends now, in the current
// hour, which holds the most records of all (the service's own requests are recorded there too):
// the rest of that hour is the future, so its rollup row costs a few rows where its records cost
// tens of thousands. Rollups are queued in the same transaction as their records, so the
// difference is exact (up to floating-point rounding of duration sums).
//
// Filters the rollups cannot answer (duration bounds) are counted from the records over the whole
// window instead, still through the scope's index.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ShapedQuery } from '../../db/shaped-queries.js';
import { type ActivityFilter, FILTER_CONDITIONS, filterConditions, rollupSelection } from './filters.js';
import { withRollups } from './rollup-table.js';
import { floorHour, MICROS_PER_HOUR, type Micros, microsToText, type Range, splitWindow } from './time.js';

export interface Bucket {
  action: string;
  resourceType: string;
  success: boolean;
  requests: number;
  durationSum: number;
  durationCount: number;
  tokensSum: number;
}

export interface Window {
  start: Micros | null;
  end: Micros;
}

interface BucketRow {
  action: string;
  resource_type: string;
  success: boolean;
  requests: number | string;
  duration_sum: number | string | null;
  duration_count: number | string;
  tokens_sum: number | string | null;
}

const toBucket = (row: BucketRow): Bucket => ({
  action: row.action,
  resourceType: row.resource_type,
  success: row.success,
  requests: Number(row.requests),
  durationSum: Number(row.duration_sum ?? 0),
  durationCount: Number(row.duration_count),
  tokensSum: Number(row.tokens_sum ?? 0),
});

/** An instant bound as PostgreSQL reads it exactly (the text of src/ledger/activity/time.ts). */
const at = (text: unknown) => sql<Date>`${text}::timestamptz`;

interface RecordsShape {
  /** The filters present, in ActivityFilter's order. */
  filters: (keyof ActivityFilter)[];
  from: boolean;
}

function buildFromRecords(db: Kysely<Database>, v: Record<string, unknown>, shape: RecordsShape) {
  const filter = Object.fromEntries(shape.filters.map((name) => [name, v[name]])) as ActivityFilter;
  return db
    .selectFrom('activities')
    .select([
      sql<string>`coalesce(action, '')`.as('action'),
      sql<string>`coalesce(resource_type, '')`.as('resource_type'),
      'success',
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(duration_ms)`.as('duration_sum'),
      sql<number>`count(duration_ms)`.as('duration_count'),
      sql<number>`sum(tokens_total)`.as('tokens_sum'),
    ])
    .where((eb) => {
      const conditions = [eb('org_id', '=', v.orgId as string), ...filterConditions(eb, filter)];
      if (shape.from) conditions.push(eb('timestamp', '>=', at(v.from)));
      conditions.push(eb('timestamp', '<', at(v.to)));
      return eb.and(conditions);
    })
    .groupBy([sql`1`, sql`2`, 'success']);
}

interface RollupsShape {
  from: boolean;
  action: boolean;
  resourceType: boolean;
  success: boolean;
}

function buildFromRollups(db: Kysely<Database>, v: Record<string, unknown>, shape: RollupsShape) {
  let query = withRollups(db)
    .selectFrom('activity_rollups_live')
    .select([
      'action',
      'resource_type',
      'success',
      sql<number>`sum(requests)`.as('requests'),
      sql<number>`sum(duration_sum)`.as('duration_sum'),
      sql<number>`sum(duration_count)`.as('duration_count'),
      sql<number>`sum(tokens_sum)`.as('tokens_sum'),
    ])
    .where('org_id', '=', v.orgId as string)
    .where('scope', '=', v.scope as string)
    .where('scope_id', '=', v.scopeId as string)
    .where('grain', '=', v.grain as 'hour' | 'day')
    .where('bucket', '<', at(v.to));
  if (shape.from) query = query.where('bucket', '>=', at(v.from));
  if (shape.action) query = query.where('action', '=', v.action as string);
  if (shape.resourceType) query = query.where('resource_type', '=', v.resourceType as string);
  if (shape.success) query = query.where('success', '=', v.success as boolean);
  return query.groupBy(['action', 'resource_type', 'success']);
}

/**
 * The summaries' and totals' statements, compiled once per shape (src/db/shaped-queries.ts): a
 * first page with its total runs four or five of them, and building each through Kysely per
 * request cost more service CPU than reading their few rows.
 */
let shaped: {
  records: ShapedQuery<Record<string, unknown>, RecordsShape, BucketRow>;
  rollups: ShapedQuery<Record<string, unknown>, RollupsShape, BucketRow>;
} | null = null;
const shapedQueries = (db: Kysely<Database>) => {
  shaped ??= {
    records: new ShapedQuery(
      (values, shape) => buildFromRecords(db, values, shape),
      (shape) => `${shape.filters.join(',')}|${shape.from}`,
    ),
    rollups: new ShapedQuery(
      (values, shape) => buildFromRollups(db, values, shape),
      (shape) => `${shape.from}|${shape.action}|${shape.resourceType}|${shape.success}`,
    ),
  };
  return shaped;
};

async function fromRecords(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  from: Micros | null,
  to: Micros,
): Promise<Bucket[]> {
  const values: Record<string, unknown> = {
    orgId,
    from: from === null ? null : microsToText(from),
    to: microsToText(to),
  };
  const filters: (keyof ActivityFilter)[] = [];
  for (const [name] of FILTER_CONDITIONS) {
    if (filter[name] === undefined) continue;
    filters.push(name);
    values[name] = filter[name];
  }
  const query = shapedQueries(db).records.compile(values, { filters, from: from !== null });
  return (await db.executeQuery(query)).rows.map(toBucket);
}

async function fromRollups(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  grain: 'hour' | 'day',
  from: Micros | null,
  to: Micros,
): Promise<Bucket[] | null> {
  const selection = rollupSelection(filter);
  if (!selection) return null;
  const values = {
    orgId,
    scope: selection.scope,
    scopeId: selection.scopeId,
    grain,
    from: from === null ? null : microsToText(from),
    to: microsToText(to),
    action: selection.action ?? null,
    resourceType: selection.resourceType ?? null,
    success: selection.success ?? null,
  };
  const query = shapedQueries(db).rollups.compile(values, {
    from: from !== null,
    action: selection.action !== undefined,
    resourceType: selection.resourceType !== undefined,
    success: selection.success !== undefined,
  });
  return (await db.executeQuery(query)).rows.map(toBucket);
}

interface Part {
  buckets: Promise<Bucket[] | null>;
  /** -1 for records taken away from an hour's rollup. */
  sign: 1 | -1;
}

/**
 * An edge: its records, or (when that is cheaper) the hour's rollup minus the rest of the hour.
 * Which side is cheaper is a matter of speed only, both are exact: the rest of an hour that runs
 * into the future holds (next to) no records, however busy the hour so far; otherwise the shorter
 * side is read.
 */
function edgeParts(db: Kysely<Database>, orgId: string, filter: ActivityFilter, edge: Range): Part[] {
  const from = edge.from as Micros;
  const hourStart = floorHour(from);
  const hourEnd = hourStart + MICROS_PER_HOUR;
  const restIsFuture = from === hourStart && edge.to >= Date.now() * 1000 - FUTURE_MARGIN;
  // A short window can straddle two hours (10:30–11:15): only an edge inside one hour has a rollup.
  if (edge.to > hourEnd || (!restIsFuture && edge.to - from <= MICROS_PER_HOUR / 2)) {
    return [{ buckets: fromRecords(db, orgId, filter, from, edge.to), sign: 1 }];
  }
  const parts: Part[] = [{ buckets: fromRollups(db, orgId, filter, 'hour', hourStart, hourEnd), sign: 1 }];
  if (hourStart < from) parts.push({ buckets: fromRecords(db, orgId, filter, hourStart, from), sign: -1 });
  if (edge.to < hourEnd) parts.push({ buckets: fromRecords(db, orgId, filter, edge.to, hourEnd), sign: -1 });
  return parts;
}

/** A window that ended this long ago still counts as ending now (its rest of the hour is new). */
const FUTURE_MARGIN = 60_000_000;

/** Buckets (action × resource_type × success) of the records matching `filter` in [start, end). */
export async function aggregate(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  window: Window,
): Promise<Bucket[]> {
  if (rollupSelection(filter) === null) return fromRecords(db, orgId, filter, window.start, window.end);
  const split = splitWindow(window.start, window.end);
  const parts: Part[] = [];
  for (const edge of split.edges) {
    // An unbounded start never makes a partial edge below; guard for the type anyway.
    if (edge.from === null) parts.push({ buckets: fromRecords(db, orgId, filter, null, edge.to), sign: 1 });
    else parts.push(...edgeParts(db, orgId, filter, edge));
  }
  if (split.days)
    parts.push({ buckets: fromRollups(db, orgId, filter, 'day', split.days.from, split.days.to), sign: 1 });
  for (const range of split.hours)
    parts.push({ buckets: fromRollups(db, orgId, filter, 'hour', range.from, range.to), sign: 1 });
  const merged = new Map<string, Bucket>();
  const answers = await Promise.all(parts.map((part) => part.buckets));
  for (const [index, buckets] of answers.entries()) {
    const sign = parts[index]!.sign;
    for (const bucket of buckets ?? []) {
      const key = JSON.stringify([bucket.action, bucket.resourceType, bucket.success]);
      let into = merged.get(key);
      if (!into) {
        into = { ...bucket, requests: 0, durationSum: 0, durationCount: 0, tokensSum: 0 };
        merged.set(key, into);
      }
      into.requests += sign * bucket.requests;
      into.durationSum += sign * bucket.durationSum;
      into.durationCount += sign * bucket.durationCount;
      into.tokensSum += sign * bucket.tokensSum;
    }
  }
  // A bucket whose records were all taken away is not in the window; a sum of nothing is 0.
  const buckets = [...merged.values()].filter((bucket) => bucket.requests > 0);
  for (const bucket of buckets) if (bucket.durationCount === 0) bucket.durationSum = 0;
  return buckets;
}

export async function countActivities(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  window: Window,
): Promise<number> {
  const buckets = await aggregate(db, orgId, filter, window);
  return buckets.reduce((sum, bucket) => sum + bucket.requests, 0);
}
