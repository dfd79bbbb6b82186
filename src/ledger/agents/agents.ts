import { type Kysely, sql } from 'kysely';
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

/** Upserts the agents named by ingested executions in one statement (inside the ingest transaction). */
export async function upsertAgents(
  db: Kysely<Database>,
  orgId: string,
  agents: Map<string, AgentInput>,
): Promise<void> {
  if (agents.size === 0) return;
  const ids = [...agents.keys()];
  const slugs = ids.map((id) => agents.get(id)!.slug);
  const names = ids.map((id) => agents.get(id)!.name);
  const types = ids.map((id) => agents.get(id)!.type);
  await sql`
    INSERT INTO agents (org_id, id, slug, name, type)
    SELECT ${orgId}, a.id, a.slug, a.name, a.type
    FROM unnest(${ids}::text[], ${slugs}::text[], ${names}::text[], ${types}::text[]) AS a(id, slug, name, type)
    ON CONFLICT (org_id, id) DO UPDATE SET slug = excluded.slug, name = excluded.name, type = excluded.type,
      updated_at = now()
      WHERE (agents.slug, agents.name, agents.type) IS DISTINCT FROM (excluded.slug, excluded.name, excluded.type)`.execute(
    db,
  );
}
