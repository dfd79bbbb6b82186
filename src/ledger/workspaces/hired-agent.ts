// The hired agent of a workspace (seed 002). PUT with a status drives the lifecycle: `active` hires
// (or resumes a paused one), `paused` sets paused_at, `cancelled` sets cancelled_at. After a
// cancellation the next `active` or `paused` hires anew, with a new id; `hired_agent_id` on the
// workspace always names the latest hire, so a cancelled agent stays visible with cancelled_at.
import { type Kysely, sql } from 'kysely';
import type { Database, HiredAgent, Workspace } from '../../db/schema.js';
import { invalidInput } from '../../errors.js';
import { uuidv7 } from '../../ids.js';

export const HIRED_AGENT_STATUSES = ['active', 'paused', 'cancelled'] as const;
export type HiredAgentStatus = (typeof HIRED_AGENT_STATUSES)[number];

export interface HiredAgentInput {
  agent_type: string;
  display_name: string;
  status: HiredAgentStatus;
  tier: string;
  stripe_subscription_id?: string | null | undefined;
  config?: Record<string, unknown> | undefined;
  persona_name?: string | null | undefined;
}

export async function findHiredAgent(
  db: Kysely<Database>,
  orgId: string,
  hiredAgentId: string,
): Promise<HiredAgent | undefined> {
  return db
    .selectFrom('hired_agents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', hiredAgentId)
    .executeTakeFirst();
}

export async function putHiredAgent(
  db: Kysely<Database>,
  workspace: Workspace,
  input: HiredAgentInput,
): Promise<{ hiredAgent: HiredAgent; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    // Lock the workspace and read its hired agent afresh: two concurrent first hires must not both
    // insert (the second would orphan the first), and the caller's copy of the row may be stale.
    const locked = await trx
      .selectFrom('workspaces')
      .select('hired_agent_id')
      .where('org_id', '=', workspace.org_id)
      .where('id', '=', workspace.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const current = locked.hired_agent_id
      ? await findHiredAgent(trx, workspace.org_id, locked.hired_agent_id)
      : undefined;
    const fields = {
      agent_type: input.agent_type,
      display_name: input.display_name,
      status: input.status,
      tier: input.tier,
      ...(input.stripe_subscription_id !== undefined
        ? { stripe_subscription_id: input.stripe_subscription_id }
        : {}),
      ...(input.config !== undefined ? { config: JSON.stringify(input.config) } : {}),
      ...(input.persona_name !== undefined ? { persona_name: input.persona_name } : {}),
    };
    if (current && current.cancelled_at === null) {
      const hiredAgent = await trx
        .updateTable('hired_agents')
        .set({
          ...fields,
          paused_at:
            input.status === 'paused'
              ? sql`coalesce(paused_at, now())`
              : input.status === 'active'
                ? null
                : sql`paused_at`,
          cancelled_at: input.status === 'cancelled' ? sql`now()` : null,
          updated_at: sql`now()`,
        })
        .where('org_id', '=', current.org_id)
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { hiredAgent, created: false };
    }
    if (input.status === 'cancelled') {
      throw invalidInput([
        {
          field: ['status'],
          kind: 'value_error',
          message: 'there is no hired agent to cancel',
          input: input.status,
        },
      ]);
    }
    const hiredAgent = await trx
      .insertInto('hired_agents')
      .values({
        org_id: workspace.org_id,
        id: uuidv7(),
        workspace_id: workspace.id,
        user_id: workspace.owner_user_id,
        ...fields,
        paused_at: input.status === 'paused' ? sql`now()` : null,
        cancelled_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('workspaces')
      .set({ hired_agent_id: hiredAgent.id, updated_at: sql`now()` })
      .where('org_id', '=', workspace.org_id)
      .where('id', '=', workspace.id)
      .execute();
    return { hiredAgent, created: true };
  });
}
