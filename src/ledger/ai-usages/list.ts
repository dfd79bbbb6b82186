// The AI tool usages of one workspace (seed 000), newest first by (created_at desc, id desc).
//
// Offsets can be deep (10,000 and more), so the skipping does not touch the table: it runs on an
// ai_usages_*_time_idx index (index-only when the visibility map allows), and only the rows of the
// page itself are fetched, by primary key ("deferred join"). The total is the sum of at most 12
// rows of ai_usage_counts (per tool type and status, kept by triggers: migration 0006).
import { type Kysely, sql } from 'kysely';
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

export interface AiUsagePage {
  usages: AiUsage[];
  /** Usages matching the filters, whatever the page. */
  total: number;
}

function filtered(db: Kysely<Database>, orgId: string, workspaceId: string, query: AiUsageQuery) {
  let select = db.selectFrom('ai_usages').where('org_id', '=', orgId).where('workspace_id', '=', workspaceId);
  if (query.toolType !== undefined) select = select.where('tool_type', '=', query.toolType);
  if (query.status !== undefined) select = select.where('status', '=', query.status);
  return select;
}

/** The page's keys, skipped and limited on the index; exported so tests can EXPLAIN it. */
export function aiUsagePageQuery(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  query: AiUsageQuery,
) {
  const keys = filtered(db, orgId, workspaceId, query)
    .select(['created_at', 'id'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit)
    .offset(query.offset);
  return db
    .with('page', () => keys)
    .selectFrom('page')
    .innerJoin('ai_usages as u', (join) => join.on('u.org_id', '=', orgId).onRef('u.id', '=', 'page.id'))
    .selectAll('u')
    .orderBy('page.created_at', 'desc')
    .orderBy('page.id', 'desc');
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
  const usages = await aiUsagePageQuery(db, orgId, workspaceId, query).execute();
  // A page that is neither empty nor full is the last one, so it already tells the total.
  if (usages.length > 0 && usages.length < query.limit) {
    return { usages, total: query.offset + usages.length };
  }
  if (usages.length === 0 && query.offset === 0) return { usages, total: 0 };
  const counted = await aiUsageCountQuery(db, orgId, workspaceId, query).executeTakeFirstOrThrow();
  return { usages, total: Number(counted.total) };
}
