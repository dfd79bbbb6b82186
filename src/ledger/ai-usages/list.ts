// The AI tool usages of one workspace (seed 000), newest first by (created_at desc, id desc).
//
// Offsets can be deep (10,000 and more), so the skipping does not touch the table: it runs on an
// ai_usages_*_time_idx index (index-only when the visibility map allows), and only the rows of the
// page itself are fetched, by primary key ("deferred join"). The total is the sum of at most 12
// rows of ai_usage_counts (per tool type and status, kept by triggers: migration 0006).
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { AiUsage, Database } from '../../db/schema.js';

export const AI_TOOL_TYPES = [
  'product-marketing-post',
  'image-generation',
  'session-summary',
  'other',
] as const;
export type AiToolType = (typeof AI_TOOL_TYPES)[number];

export const AI_USAGE_STATUSES = ['pending', 'completed', 'failed'] as const;
export type AiUsageStatus = (typeof AI_USAGE_STATUSES)[number];

export interface AiUsageQuery {
  limit: number;
  offset: number;
  toolType?: AiToolType | undefined;
  status?: AiUsageStatus | undefined;
}

/** What a page shows of a usage (the surface names them as seed 000 does). */
export type ListedAiUsage = Pick<
  AiUsage,
  'id' | 'tool_type' | 'status' | 'cost' | 'input_data' | 'response_data' | 'created_at' | 'completed_at'
>;

export interface AiUsagePage {
  usages: ListedAiUsage[];
  /** Usages matching the filters, whatever the page. */
  total: number;
}

/** Each filter's column, in the order conditions are written. */
const FILTER_COLUMNS = [
  ['toolType', 'tool_type'],
  ['status', 'status'],
] as const;

/**
 * The page statement for one combination of filters, written once and kept (four at most): built
 * through the query builder on every request it cost more service CPU than reading its rows (as
 * the activity listing found, src/ledger/activity/listing.ts). Its text depends only on which
 * filters are present, so the driver prepares it (src/db/prepared-statements.ts).
 */
const pageStatements = new Map<string, string>();

function pageStatement(present: readonly string[]): string {
  const key = present.join(',');
  let text = pageStatements.get(key);
  if (text === undefined) {
    let n = 3;
    const conditions = ['org_id = $1', 'workspace_id = $2'];
    for (const column of present) conditions.push(`${column} = $${n++}`);
    // The keys are skipped on the index; only the page's own rows are read, by primary key.
    text =
      `WITH page AS (SELECT created_at, id FROM ai_usages WHERE ${conditions.join(' AND ')} ` +
      `ORDER BY created_at DESC, id DESC LIMIT $${n} OFFSET $${n + 1}) ` +
      'SELECT u.id, u.tool_type, u.status, u.cost, u.input_data, u.response_data, u.created_at, ' +
      'u.completed_at FROM page INNER JOIN ai_usages AS u ON u.org_id = $1 AND u.id = page.id ' +
      'ORDER BY page.created_at DESC, page.id DESC';
    pageStatements.set(key, text);
  }
  return text;
}

/** The page's usages, skipped and limited on the index; exported so tests can EXPLAIN it. */
export function aiUsagePageQuery(
  orgId: string,
  workspaceId: string,
  query: AiUsageQuery,
): CompiledQuery<ListedAiUsage> {
  const present: string[] = [];
  const parameters: unknown[] = [orgId, workspaceId];
  for (const [name, column] of FILTER_COLUMNS) {
    const value = query[name];
    if (value === undefined) continue;
    present.push(column);
    parameters.push(value);
  }
  parameters.push(query.limit, query.offset);
  return CompiledQuery.raw(pageStatement(present), parameters);
}

export function aiUsageCountQuery(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  query: AiUsageQuery,
) {
  let counts = db
    .selectFrom('ai_usage_counts')
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId);
  if (query.toolType !== undefined) counts = counts.where('tool_type', '=', query.toolType);
  if (query.status !== undefined) counts = counts.where('status', '=', query.status);
  return counts.select(sql<string>`coalesce(sum(usages), 0)`.as('total'));
}

export async function listAiUsages(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  query: AiUsageQuery,
): Promise<AiUsagePage> {
  const usages = (await db.executeQuery(aiUsagePageQuery(orgId, workspaceId, query))).rows;
  // A page that is neither empty nor full is the last one, so it already tells the total.
  if (usages.length > 0 && usages.length < query.limit) {
    return { usages, total: query.offset + usages.length };
  }
  if (usages.length === 0 && query.offset === 0) return { usages, total: 0 };
  const counted = await aiUsageCountQuery(db, orgId, workspaceId, query).executeTakeFirstOrThrow();
  return { usages, total: Number(counted.total) };
}
