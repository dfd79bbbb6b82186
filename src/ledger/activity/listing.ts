// Activity listings: newest first by ("timestamp" DESC, id DESC), keyset-paginated so every page
// is one index range scan whatever its depth:
//
//   SELECT … FROM activities
//   WHERE org_id = $1 AND <filters> AND "timestamp" >= $start AND "timestamp" < $end
//     AND ("timestamp", id) < ($after_timestamp, $after_id)        -- pages after the first
//   ORDER BY "timestamp" DESC, id DESC LIMIT $limit + 1
//
// served by activities_{org,workspace,user,app,resource,augmentation,action}_time_idx. The first
// page fixes the window's end (the request's end_time, else now) and counts the total; later
// pages carry both in their cursor, so a chain of pages is one stable snapshot.
import { CompiledQuery, type Kysely } from 'kysely';
import { millisOf } from '../../db/instant-sql.js';
import type { Activity, Database } from '../../db/schema.js';
import { invalidInput } from '../../errors.js';
import { countActivities } from './aggregate.js';
import { type CursorQuery, type CursorState, decodeCursor, encodeCursor } from './cursor.js';
import { type ActivityFilter, FILTER_CONDITIONS } from './filters.js';
import { type Micros, microsToText } from './time.js';

export interface ListingRequest {
  /** Route name and path ids; part of what a cursor is bound to. */
  route: string[];
  filter: ActivityFilter;
  /** The filters as the caller sent them (bound into cursors). */
  sentFilters: Record<string, string | number | boolean>;
  start: Micros | null;
  end: Micros | null;
  limit: number;
  cursor?: string | undefined;
}

/** A listing whose cursor has been checked; the check is validation and precedes any lookup. */
export interface ListingPlan {
  request: ListingRequest;
  query: CursorQuery;
  state: CursorState | null;
  end: Micros;
}

export interface ListingPage {
  total: number;
  hasMore: boolean;
  nextCursor: string | null;
  activities: ListedActivity[];
}

export function planListing(cursorKey: Buffer, request: ListingRequest, now: Micros): ListingPlan {
  const query: CursorQuery = {
    route: request.route,
    filters: request.sentFilters,
    start: request.start,
    end: request.end,
  };
  if (request.cursor === undefined) return { request, query, state: null, end: request.end ?? now };
  const state = decodeCursor(cursorKey, query, request.cursor);
  if (!state) {
    throw invalidInput([
      {
        field: ['cursor'],
        kind: 'value_error',
        message: 'Invalid cursor: it is malformed, altered or belongs to another query',
        input: request.cursor,
      },
    ]);
  }
  return { request, query, state, end: state.snapshotEnd };
}

/** The columns of a record as the seed shows them, in its order (listings, `tally export`). */
export const SHOWN_ACTIVITY_COLUMNS = [
  'id',
  'timestamp',
  'trace_id',
  'user_id',
  'workspace_id',
  'app_id',
  'principal_type',
  'principal_id',
  'token_id',
  'token_type',
  'method',
  'path',
  'resource_type',
  'resource_id',
  'action',
  'status_code',
  'success',
  'error_code',
  'duration_ms',
  'execution_id',
  'augmentation_id',
  'stages_completed',
  'total_stages',
  'token_usage',
  'metadata',
] as const satisfies readonly (keyof Activity)[];

/**
 * The select list: the shown columns in the seed's order, so that a row object's keys come out in
 * the order the page shows them (src/surfaces/activity/page-json.ts writes the rows as they
 * are); the instant as whole milliseconds (no Date to parse; the page formats it in place), and a
 * record stored without metadata lists `{}` (the seed's). Last, the instant in microseconds, the
 * position a cursor carries, which the page blanks (JSON leaves out what is undefined).
 */
const SELECT_LIST = [
  ...SHOWN_ACTIVITY_COLUMNS.map((column) =>
    column === 'timestamp'
      ? `${millisOf('"timestamp"')} AS "timestamp"`
      : column === 'metadata'
        ? `COALESCE(metadata, '{}'::jsonb) AS metadata`
        : column,
  ),
  // As text: a number holds it exactly only up to 2^53 (the year 2255).
  '((extract(epoch from "timestamp") * 1000000)::bigint)::text AS timestamp_us',
].join(', ');

/**
 * A listed record: what a page shows, its instant as whole milliseconds since the epoch (exact;
 * microseconds past 2^53 are not), and that instant in microseconds for the cursor.
 */
export type ListedActivity = Omit<
  Pick<Activity, (typeof SHOWN_ACTIVITY_COLUMNS)[number]>,
  'metadata' | 'timestamp'
> & {
  metadata: NonNullable<Activity['metadata']>;
  timestamp: number;
  timestamp_us: string | undefined;
};

/**
 * The page statement for one combination of filters, bounds and position, written once and kept:
 * a page is the hottest read, and building it through the query builder cost more service CPU
 * than parsing its rows. Its text depends only on which parameters are present, so the driver
 * prepares it (src/db/prepared-statements.ts).
 */
const pageStatements = new Map<string, string>();

function pageStatement(present: (keyof ActivityFilter)[], hasStart: boolean, hasAfter: boolean): string {
  const key = `${present.join(',')}|${hasStart}|${hasAfter}`;
  let text = pageStatements.get(key);
  if (text === undefined) {
    let n = 1;
    const conditions = [`org_id = $${n++}`];
    for (const [name, column, op] of FILTER_CONDITIONS) {
      if (present.includes(name)) conditions.push(`${column} ${op} $${n++}`);
    }
    if (hasStart) conditions.push(`"timestamp" >= $${n++}::timestamptz`);
    conditions.push(`"timestamp" < $${n++}::timestamptz`);
    if (hasAfter) conditions.push(`("timestamp", id) < ($${n++}::timestamptz, $${n++})`);
    // Qualified: the select list's "timestamp" is the microseconds, and ORDER BY would take it.
    text = `SELECT ${SELECT_LIST} FROM activities WHERE ${conditions.join(' AND ')} ORDER BY activities."timestamp" DESC, id DESC LIMIT $${n}`;
    pageStatements.set(key, text);
  }
  return text;
}

/** One page of records, newest first, strictly after `after` when given. Exported for plan checks. */
export function pageQuery(
  orgId: string,
  filter: ActivityFilter,
  start: Micros | null,
  end: Micros,
  after: { timestamp: bigint; id: string } | null,
  limit: number,
): CompiledQuery<ListedActivity> {
  const present: (keyof ActivityFilter)[] = [];
  const parameters: unknown[] = [orgId];
  for (const [name] of FILTER_CONDITIONS) {
    const value = filter[name];
    if (value === undefined) continue;
    present.push(name);
    parameters.push(value);
  }
  if (start !== null) parameters.push(microsToText(start));
  parameters.push(microsToText(end));
  if (after) parameters.push(microsToText(after.timestamp), after.id);
  parameters.push(limit);
  return CompiledQuery.raw(pageStatement(present, start !== null, after !== null), parameters);
}

export async function runListing(
  db: Kysely<Database>,
  cursorKey: Buffer,
  orgId: string,
  plan: ListingPlan,
): Promise<ListingPage> {
  const { request, state, end } = plan;
  const rowsPromise = db
    .executeQuery(
      pageQuery(orgId, request.filter, request.start, end, state?.after ?? null, request.limit + 1),
    )
    .then((result) => result.rows);
  const totalPromise = state
    ? Promise.resolve(state.total)
    : countActivities(db, orgId, request.filter, { start: request.start, end });
  const [rows, total] = await Promise.all([rowsPromise, totalPromise]);
  const hasMore = rows.length > request.limit;
  const page = hasMore ? rows.slice(0, request.limit) : rows;
  const last = page.at(-1);
  const nextCursor =
    hasMore && last
      ? encodeCursor(cursorKey, plan.query, {
          snapshotEnd: end,
          total,
          after: { timestamp: BigInt(last.timestamp_us!), id: last.id },
        })
      : null;
  return { total, hasMore, nextCursor, activities: page };
}
