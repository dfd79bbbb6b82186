// The demo's hired agents and integrations (seed 002's workspace details), so a newcomer's
// workspace page shows them rather than "none". Planned from each workspace's position in its org,
// not from the random stream, so adding them left every demo record as it was. Integration secrets
// are sealed with the deployment's keyring exactly as the admin route seals them (never stored in
// plain text); they are random, as a demo secret derivable from the seed would be a public one.
// Rows are per workspace (a few per workspace, at most a few thousand for the benchmark's 1,000
// workspaces), written once per org, and kept when they exist: rerunning a seed changes nothing.
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { associatedData } from '../ledger/workspaces/integrations.js';
import { seal } from '../secrets/cipher.js';
import type { Keyring } from '../secrets/keys.js';
import type { DemoOrg } from './world.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoHire {
  /** A stable UUID, so a reload finds the same hire. */
  id: string;
  agentType: string;
  displayName: string;
  personaName: string;
  tier: string;
  status: 'active' | 'paused';
  /** Days before the demo's end. */
  hiredDaysAgo: number;
}

export interface DemoIntegration {
  provider: string;
  status: 'connected' | 'error';
  lastError: string | null;
  /** Days before the demo's end. */
  connectedDaysAgo: number;
}

const PERSONAS = ['Sam', 'Ava', 'Noor', 'Kai', 'Mia', 'Leo', 'Zoe', 'Ravi'];
const TIERS = ['pro', 'starter', 'business'];
const PROVIDERS = ['slack', 'github', 'hubspot', 'google_drive', 'zendesk', 'notion'];

/**
 * Three workspaces in four hire an agent of the org (every seventh hire is paused); the first
 * workspace of each org has three integrations (one failing), the others none, one or two.
 */
export function planHire(
  agents: DemoOrg['agents'],
  index: number,
  workspaceId: string,
  seed: number,
): { hire: DemoHire | null; integrations: DemoIntegration[] } {
  const agent = agents[index % agents.length];
  const hire: DemoHire | null =
    index % 4 === 3 || agent === undefined
      ? null
      : {
          id: hireId(seed, workspaceId),
          agentType: agent.type,
          displayName: agent.name,
          personaName: PERSONAS[index % PERSONAS.length]!,
          tier: TIERS[index % TIERS.length]!,
          status: index % 7 === 5 ? 'paused' : 'active',
          hiredDaysAgo: 20 + (index % 40),
        };
  const count = index === 0 ? 3 : index % 3;
  const integrations = Array.from({ length: count }, (_, i): DemoIntegration => {
    const provider = PROVIDERS[(index + i) % PROVIDERS.length]!;
    const failing = (index === 0 && i === 2) || (index > 0 && (index + i) % 5 === 4);
    return {
      provider,
      status: failing ? 'error' : 'connected',
      lastError: failing ? `${provider} refused the stored token (401 Unauthorized): reconnect it` : null,
      connectedDaysAgo: 10 + ((index + i * 3) % 30),
    };
  });
  return { hire, integrations };
}

/** A stable UUID per workspace (`d2` keeps it apart from the workspace aliases' `d1`). */
function hireId(seed: number, workspaceId: string): string {
  const hex = (BigInt(seed) * 1_000_003n + BigInt(workspaceId)).toString(16).padStart(12, '0').slice(-12);
  return `d2000000-0000-4000-8000-${hex}`;
}

/** Writes the planned hires and integrations (existing ones are kept). `now` is the demo's end (ms). */
export async function loadHires(
  db: Kysely<Database>,
  keyring: Keyring,
  orgs: DemoOrg[],
  now: number,
): Promise<void> {
  const at = (daysAgo: number, hours = 0) => new Date(now - daysAgo * DAY + hours * HOUR);
  await db.transaction().execute(async (trx) => {
    for (const org of orgs) {
      const hired = org.workspaces.flatMap((w) => (w.hire ? [{ workspace: w, hire: w.hire }] : []));
      if (hired.length > 0) {
        await trx
          .insertInto('hired_agents')
          .values(
            hired.map(({ workspace, hire }) => ({
              org_id: org.id,
              id: hire.id,
              workspace_id: workspace.id,
              user_id: workspace.ownerId,
              agent_type: hire.agentType,
              display_name: hire.displayName,
              persona_name: hire.personaName,
              status: hire.status,
              tier: hire.tier,
              hired_at: at(hire.hiredDaysAgo),
              paused_at: hire.status === 'paused' ? at(2) : null,
              created_at: at(hire.hiredDaysAgo),
              updated_at: at(hire.hiredDaysAgo),
            })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
        // The workspace names its hire only when it has none yet (an admin's later hire stays).
        await sql`
          UPDATE workspaces AS w SET hired_agent_id = h.id::uuid
          FROM unnest(${hired.map((h) => h.workspace.id)}::text[], ${hired.map((h) => h.hire.id)}::text[])
            AS h(workspace_id, id)
          WHERE w.org_id = ${org.id} AND w.id = h.workspace_id AND w.hired_agent_id IS NULL`.execute(trx);
      }
      const integrations = org.workspaces.flatMap((w) =>
        w.integrations.map((integration) => ({ workspace: w, integration })),
      );
      if (integrations.length === 0) continue;
      await trx
        .insertInto('integration_credentials')
        .values(
          integrations.map(({ workspace, integration }) => {
            const secret = `demo_${integration.provider}_${randomBytes(18).toString('base64url')}`;
            const sealed = seal(keyring, secret, associatedData(org.id, workspace.id, integration.provider));
            const connected = at(integration.connectedDaysAgo);
            return {
              org_id: org.id,
              workspace_id: workspace.id,
              provider: integration.provider,
              secret_ciphertext: sealed.ciphertext,
              key_id: sealed.keyId,
              status: integration.status,
              connected_at: connected,
              last_verified_at:
                integration.status === 'connected' ? at(0, -(1 + (integration.connectedDaysAgo % 6))) : null,
              last_error: integration.lastError,
              created_at: connected,
              updated_at: connected,
            };
          }),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
}
