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
import { type Kysely, sql } from 'kysely';
import type { Activity, Database } from '../../db/schema.js';
import { invalidInput } from '../../errors.js';
import { countActivities } from './aggregate.js';
import { type CursorQuery, type CursorState, decodeCursor, encodeCursor } from './cursor.js';
import { type ActivityFilter, filterConditions } from './filters.js';
import { type Micros, timestampMicros, timestampParam } from './time.js';

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
  activities: Activity[];
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

/** One page of records, newest first, strictly after `after` when given. Exported for plan checks. */
export function pageQuery(
  db: Kysely<Database>,
  orgId: string,
  filter: ActivityFilter,
  start: Micros | null,
  end: Micros,
  after: { timestamp: Micros; id: string } | null,
  limit: number,
) {
  return db
    .selectFrom('activities')
    .selectAll()
    .select(timestampMicros.as('timestamp_us'))
    .where((eb) => {
      const conditions = [eb('org_id', '=', orgId), ...filterConditions(eb, filter)];
      if (start !== null) conditions.push(eb('timestamp', '>=', timestampParam(start)));
      conditions.push(eb('timestamp', '<', timestampParam(end)));
      if (after) {
        conditions.push(
          eb(sql`("timestamp", id)`, '<', sql`(${timestampParam(after.timestamp)}, ${after.id})`),
        );
      }
      return eb.and(conditions);
    })
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(limit);
}

export async function runListing(
  db: Kysely<Database>,
  cursorKey: Buffer,
  orgId: string,
  plan: ListingPlan,
): Promise<ListingPage> {
  const { request, state, end } = plan;
  const rowsPromise = pageQuery(
    db,
    orgId,
    request.filter,
    request.start,
    end,
    state?.after ?? null,
    request.limit + 1,
  ).execute();
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
          after: { timestamp: Number(last.timestamp_us), id: last.id },
        })
      : null;
  // The rows go out as they are: renderers pick their fields, so timestamp_us is never shown, and
  // copying 27 columns of every row to drop it cost more than the rest of this function.
  const activities: Activity[] = page;
  return { total, hasMore, nextCursor, activities };
}
