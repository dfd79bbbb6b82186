// Agent usage history (seeds 001/003): what a caller reads once access is decided (src/access), and
// the page query. The query reads one page of `executions` through the workspace, user or type
// index (all ordered created_at desc, id desc) and joins users and agents by primary key for that
// page's rows only.
import { type Kysely, sql } from 'kysely';
import { millisOf } from '../../db/instant-sql.js';
import type { AgentType, Database, Execution } from '../../db/schema.js';
import { ShapedQuery } from '../../db/shaped-queries.js';
import { microsOfDate, microsToText } from '../activity/time.js';
import { type CalendarDate, type UsageWindow, usageWindow, type WindowRequest } from './usage-window.js';

export interface UsageHistoryRequest {
  workspaceId: string;
  /** The `user_id` filter, canonical integer form; null when absent. */
  userId: string | null;
  /** null lists every type. */
  type: AgentType | null;
  window: WindowRequest;
  page: number;
  perPage: number;
}

/** What a listing reads once access is settled: the inputs of the query and of its cache key. */
export interface UsageHistoryScope {
  orgId: string;
  workspaceId: string;
  /** Whose executions: the filter, or the caller alone without `usage:read_others`; null = everyone. */
  userId: string | null;
  type: AgentType | null;
  window: UsageWindow;
  page: number;
  perPage: number;
}

export interface UsageHistorySettings {
  timezone: string;
  usageHistoryMinDate: CalendarDate | null;
}

/** Whose rows and which window a caller reads, once access (src/access) has settled the workspace and the user. */
export function usageHistoryScope(
  access: { orgId: string | null; userId: string | null },
  request: UsageHistoryRequest,
  settings: UsageHistorySettings,
  now: Date,
): UsageHistoryScope {
  return {
    orgId: access.orgId!,
    workspaceId: request.workspaceId,
    userId: access.userId,
    type: request.type,
    window: usageWindow(request.window, now, settings.timezone, settings.usageHistoryMinDate),
    page: request.page,
    perPage: request.perPage,
  };
}

/** One execution of the page, with its user's email and its agent's name and slug. */
export type UsageHistoryRow = Pick<
  Execution,
  | 'id'
  | 'user_id'
  | 'agent_type'
  | 'status'
  | 'credits'
  | 'output'
  | 'output_url'
  | 'output_private'
  | 'root_id'
  | 'execution_origin'
  | 'used_model'
  | 'tokens_input'
  | 'tokens_output'
  | 'tokens_total'
  | 'source'
> & {
  /** Whole milliseconds since the epoch (isoOfMillis): no Date is parsed from the text per row. */
  created_at: number;
  email: string | null;
  agent_name: string | null;
  agent_slug: string | null;
};

/** The page query's values; which filters it has is its shape. */
interface PageValues extends Record<string, unknown> {
  orgId: string;
  workspaceId: string;
  start: Date;
  /** The window's end as PostgreSQL reads it exactly (microsecond text). */
  end: string;
  userId: string | null;
  type: AgentType | null;
  limit: number;
  offset: number;
}

interface PageShape {
  user: boolean;
  type: boolean;
}

function buildPage(db: Kysely<Database>, v: PageValues, shape: PageShape) {
  let page = db
    .selectFrom('executions')
    .select([
      'org_id',
      'id',
      'created_at',
      'user_id',
      'agent_id',
      'agent_type',
      'status',
      'credits',
      'output',
      'output_url',
      'output_private',
      'root_id',
      'execution_origin',
      'used_model',
      'tokens_input',
      'tokens_output',
      'tokens_total',
      'source',
    ])
    .where('org_id', '=', v.orgId)
    .where('workspace_id', '=', v.workspaceId)
    .where('created_at', '>=', v.start)
    // As text: the end can be 10000-01-01T00:00Z (after 9999-12-31), which a Date parameter
    // cannot carry to PGlite (its ISO form is `+010000-…`).
    .where('created_at', '<', sql<Date>`${v.end}::timestamptz`);
  if (shape.user) page = page.where('user_id', '=', v.userId);
  if (shape.type) page = page.where('agent_type', '=', v.type as AgentType);
  const rows = page
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(v.limit)
    .offset(v.offset)
    .as('e');
  return db
    .selectFrom(rows)
    .leftJoin('users as u', (join) => join.onRef('u.org_id', '=', 'e.org_id').onRef('u.id', '=', 'e.user_id'))
    .leftJoin('agents as a', (join) =>
      join.onRef('a.org_id', '=', 'e.org_id').onRef('a.id', '=', 'e.agent_id'),
    )
    .select([
      'e.id',
      sql<number>`${sql.raw(millisOf('e.created_at'))}`.as('created_at'),
      'e.user_id',
      'e.agent_type',
      'e.status',
      'e.credits',
      'e.output',
      'e.output_url',
      'e.output_private',
      'e.root_id',
      'e.execution_origin',
      'e.used_model',
      'e.tokens_input',
      'e.tokens_output',
      'e.tokens_total',
      'e.source',
      'u.email',
      'a.name as agent_name',
      'a.slug as agent_slug',
    ])
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc');
}

function pageValues(scope: UsageHistoryScope): PageValues {
  return {
    orgId: scope.orgId,
    workspaceId: scope.workspaceId,
    start: scope.window.start,
    end: microsToText(microsOfDate(scope.window.end)),
    userId: scope.userId,
    type: scope.type,
    limit: scope.perPage + 1,
    offset: (scope.page - 1) * scope.perPage,
  };
}

const pageShape = (scope: UsageHistoryScope): PageShape => ({
  user: scope.userId !== null,
  type: scope.type !== null,
});

/** The page query, built but not run (tests EXPLAIN it to keep the index plan under review). */
export function usageHistoryQuery(db: Kysely<Database>, scope: UsageHistoryScope) {
  return buildPage(db, pageValues(scope), pageShape(scope));
}

/** The same query, compiled once per shape (src/db/shaped-queries.ts). */
let shaped: ShapedQuery<PageValues, PageShape, UsageHistoryRow> | null = null;
const shapedPages = (db: Kysely<Database>) => {
  shaped ??= new ShapedQuery(
    (values, shape) => buildPage(db, values, shape),
    (shape) => `${shape.user}|${shape.type}`,
  );
  return shaped;
};

/** One page: `per_page + 1` rows are read, and the extra one only sets `hasMore`. */
export async function listUsageHistory(
  db: Kysely<Database>,
  scope: UsageHistoryScope,
): Promise<{ rows: UsageHistoryRow[]; hasMore: boolean }> {
  if (scope.window.start >= scope.window.end) return { rows: [], hasMore: false };
  const query = shapedPages(db).compile(pageValues(scope), pageShape(scope));
  const rows: UsageHistoryRow[] = (await db.executeQuery(query)).rows;
  const hasMore = rows.length > scope.perPage;
  return { rows: hasMore ? rows.slice(0, scope.perPage) : rows, hasMore };
}
