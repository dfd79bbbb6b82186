import { type Kysely, type RawBuilder, sql } from 'kysely';
import { arrayParam } from '../../db/array-param.js';
import type { Agent, AgentType, Database } from '../../db/schema.js';

export const AGENT_TYPES: readonly AgentType[] = ['chat', 'image', 'text', 'voiceover', 'video', 'code'];

export interface AgentInput {
  slug: string;
  name: string;
  type: AgentType;
}

export async function upsertAgent(
  db: Kysely<Database>,
  orgId: string,
  agentId: string,
  input: AgentInput,
): Promise<{ agent: Agent; created: boolean }> {
  const row = await db
    .insertInto('agents')
    .values({ org_id: orgId, id: agentId, ...input })
    .onConflict((oc) => oc.columns(['org_id', 'id']).doUpdateSet({ ...input, updated_at: sql`now()` }))
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...agent } = row;
  return { agent, created };
}

/**
 * The statements, inside the ingestion transaction, that upsert the agents named by ingested
 * executions: as with users (ensureUsersStatements), insert the new, then lock and update only the
 * agents that changed, so batches naming the same agents do not queue behind each other's commits.
 */
export function upsertAgentsStatements(
  orgId: string,
  agents: Map<string, AgentInput>,
): { insert: RawBuilder<unknown>; update: RawBuilder<unknown> } | null {
  if (agents.size === 0) return null;
  const keys = [...agents.keys()];
  const ids = arrayParam('text', keys);
  const slugs = arrayParam(
    'text',
    keys.map((id) => agents.get(id)!.slug),
  );
  const names = arrayParam(
    'text',
    keys.map((id) => agents.get(id)!.name),
  );
  const types = arrayParam(
    'text',
    keys.map((id) => agents.get(id)!.type),
  );
  return {
    insert: sql`
    INSERT INTO agents (org_id, id, slug, name, type)
    SELECT ${orgId}, a.id, a.slug, a.name, a.type
    FROM unnest(${ids}::text[], ${slugs}::text[], ${names}::text[], ${types}::text[]) AS a(id, slug, name, type)
    ON CONFLICT (org_id, id) DO NOTHING`,
    update: sql`
    WITH changed AS (
      SELECT agents.id, a.slug, a.name, a.type FROM agents
      JOIN unnest(${ids}::text[], ${slugs}::text[], ${names}::text[], ${types}::text[]) AS a(id, slug, name, type)
        ON agents.id = a.id
      WHERE agents.org_id = ${orgId}
        AND (agents.slug, agents.name, agents.type) IS DISTINCT FROM (a.slug, a.name, a.type)
      ORDER BY agents.id
      FOR UPDATE OF agents
    )
    UPDATE agents SET slug = changed.slug, name = changed.name, type = changed.type, updated_at = now()
    FROM changed WHERE agents.org_id = ${orgId} AND agents.id = changed.id`,
  };
}
