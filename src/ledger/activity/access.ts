// Who may read which activity (API.md §2), in the order of checks the contract fixes: existence
// first (an org the caller has no standing in, like an unknown org, workspace or user, is a 404),
// then the token's `read` ability, then the `activity:read` permission (403).
import type { Kysely } from 'kysely';
import { type OrgStanding, orgStanding, requireAbility, workspaceAccess } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import { forbidden, notFound } from '../../errors.js';

const PERMISSION = 'activity:read';

/** The caller's standing in an org that exists; an org outside the caller's reach is a 404. */
async function standingIn(db: Kysely<Database>, principal: Principal, orgId: string): Promise<OrgStanding> {
  const standing = await orgStanding(db, principal, orgId);
  if (standing === 'none') throw notFound('org', orgId);
  if (principal.kind === 'deployment_admin') {
    const org = await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst();
    if (!org) throw notFound('org', orgId);
  }
  return standing;
}

/** Org-wide activity: org owners and admins, service tokens. */
export async function authorizeOrgActivity(db: Kysely<Database>, principal: Principal, orgId: string) {
  const standing = await standingIn(db, principal, orgId);
  requireAbility(principal, 'read');
  if (standing !== 'admin') throw forbidden(PERMISSION);
}

/** One workspace's activity: org-level readers, the workspace's owner, staff granted activity:read. */
export async function authorizeWorkspaceActivity(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
  workspaceId: string,
) {
  const standing = await standingIn(db, principal, orgId);
  const workspace = await db
    .selectFrom('workspaces')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  if (!workspace) throw notFound('workspace', workspaceId);
  requireAbility(principal, 'read');
  const access = await workspaceAccess(db, principal, orgId, workspaceId, standing);
  if (!access.permissions.has(PERMISSION)) throw forbidden(PERMISSION);
}

/**
 * One user's activity across the org: org-level readers, and the user themself (the same records
 * the `me` routes already give them).
 */
export async function authorizeUserActivity(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
  userId: string,
) {
  const standing = await standingIn(db, principal, orgId);
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw notFound('user', userId);
  requireAbility(principal, 'read');
  if (standing !== 'admin' && principal.userId !== userId) throw forbidden(PERMISSION);
}

/** The caller's own activity: any user of the org; a token without a user has no "me" (403). */
export async function authorizeOwnActivity(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
): Promise<string> {
  await standingIn(db, principal, orgId);
  requireAbility(principal, 'read');
  if (principal.userId === null) throw forbidden('user_token');
  return principal.userId;
}
