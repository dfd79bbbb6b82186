// Who may administer what (API.md §4.2): the deployment admin everything; a token with the
// `admin` ability whose user is an org owner or admin (or an org's service token) its own org
// only. Another org's routes answer 404 and change nothing.
import type { Kysely } from 'kysely';
import { orgStanding, requireAbility } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Database, Workspace } from '../db/schema.js';
import { forbidden, notFound } from '../errors.js';

export async function authorizeOrgAdmin(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
): Promise<void> {
  if (principal.kind !== 'deployment_admin' && principal.orgId !== orgId) throw notFound('org', orgId);
  const org = await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw notFound('org', orgId);
  requireAbility(principal, 'admin');
  if ((await orgStanding(db, principal, orgId)) !== 'admin') throw forbidden('admin');
}

/** Finds the workspace a workspace-only admin route names and authorizes its org. */
export async function authorizeWorkspaceAdmin(
  db: Kysely<Database>,
  principal: Principal,
  workspaceId: string,
): Promise<Workspace> {
  let query = db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId);
  if (principal.kind !== 'deployment_admin') query = query.where('org_id', '=', principal.orgId!);
  const workspace = await query.executeTakeFirst();
  if (!workspace) throw notFound('workspace', workspaceId);
  await authorizeOrgAdmin(db, principal, workspace.org_id);
  return workspace;
}

export function requireDeploymentAdmin(principal: Principal): void {
  if (principal.kind !== 'deployment_admin') throw forbidden('deployment_admin');
}
