// Where a principal stands in an org or a workspace (API.md §2): the only functions that turn
// roles into permissions. Only the access module's decisions (authorize.ts) call them.
import { type Kysely, sql } from 'kysely';
import { ALL_PERMISSIONS, isPermission, NO_PERMISSIONS, type Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import { PREPARE } from '../db/prepared.js';
import type { Database, Workspace } from '../db/schema.js';
import { canonicalUuid } from '../ids.js';
import type { NamedBy } from '../ledger/workspaces/workspace-names.js';

/** 'admin' covers org owners and admins, service tokens and the deployment admin. */
export type OrgStanding = 'admin' | 'member' | 'none';

export async function orgStanding(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
): Promise<OrgStanding> {
  // Only a user of this org needs its row read; standingOf settles everyone else without it.
  if (principal.kind !== 'user' || principal.orgId !== orgId) return standingOf(principal, orgId, null);
  const user = await db
    .selectFrom('users')
    .select('role')
    .where('org_id', '=', orgId)
    .where('id', '=', principal.userId!)
    .executeTakeFirst();
  return standingOf(principal, orgId, user?.role ?? null);
}

/** The standing orgStanding computes, given the caller's user row's role (null: no such user). */
function standingOf(principal: Principal, orgId: string, userRole: string | null): OrgStanding {
  if (principal.kind === 'deployment_admin') return 'admin';
  if (principal.orgId !== orgId) return 'none';
  if (principal.kind === 'service') return 'admin';
  if (userRole === null) return 'none';
  return userRole === 'member' ? 'member' : 'admin';
}

export interface WorkspaceAccess {
  /** False when the caller belongs neither to the org as admin nor to the workspace. */
  member: boolean;
  permissions: ReadonlySet<Permission>;
}

/** Permissions on one workspace known to exist in `orgId`. */
export async function workspaceAccess(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
  workspaceId: string,
  standing?: OrgStanding,
): Promise<WorkspaceAccess> {
  const orgLevel = standing ?? (await orgStanding(db, principal, orgId));
  // Only a member's workspace role matters; membershipAccess settles the rest without a read.
  if (orgLevel !== 'member' || principal.userId === null) return membershipAccess(principal, orgLevel, null);
  const row = await db
    .selectFrom('workspaces as w')
    .leftJoin('workspace_members as m', (join) =>
      join
        .onRef('m.org_id', '=', 'w.org_id')
        .onRef('m.workspace_id', '=', 'w.id')
        .on('m.user_id', '=', principal.userId!),
    )
    .select(['w.owner_user_id', 'm.role', 'm.permissions'])
    .where('w.org_id', '=', orgId)
    .where('w.id', '=', workspaceId)
    .executeTakeFirst();
  return membershipAccess(principal, orgLevel, row ?? null);
}

interface Membership {
  owner_user_id: string | null;
  role: string | null;
  permissions: string[] | null;
}

/** What workspaceAccess concludes from the org standing and the caller's membership row. */
function membershipAccess(
  principal: Principal,
  standing: OrgStanding,
  row: Membership | null,
): WorkspaceAccess {
  if (standing === 'admin') return { member: true, permissions: ALL_PERMISSIONS };
  if (standing === 'none' || principal.userId === null || !row) {
    return { member: false, permissions: NO_PERMISSIONS };
  }
  if (row.owner_user_id === principal.userId || row.role === 'owner') {
    return { member: true, permissions: ALL_PERMISSIONS };
  }
  if (row.role === 'staff') {
    return { member: true, permissions: new Set((row.permissions ?? []).filter(isPermission)) };
  }
  return { member: false, permissions: NO_PERMISSIONS };
}

export interface WorkspaceWithAccess {
  workspace: Workspace;
  /** Whether the name given was the workspace's id or its UUID alias. */
  namedBy: NamedBy;
  standing: OrgStanding;
  access: WorkspaceAccess;
}

/**
 * A workspace (looked up by its deployment-wide unique id or UUID alias, within the caller's org
 * unless the caller is the deployment admin) with the caller's org standing and permissions on
 * it: what orgStanding and workspaceAccess conclude, read in one statement instead of three round
 * trips. Null when no such workspace is within the caller's reach.
 */
export async function findWorkspaceWithAccess(
  db: Kysely<Database>,
  principal: Principal,
  workspaceId: string,
): Promise<WorkspaceWithAccess | null> {
  const userId = principal.kind === 'user' ? principal.userId : null;
  const alias = canonicalUuid(workspaceId);
  let query = db.selectFrom('workspaces as w').selectAll('w');
  query =
    alias === null
      ? query.where('w.id', '=', workspaceId)
      : // Both are unique indexes; the id wins the (administratively excluded) tie.
        query
          .where((eb) => eb.or([eb('w.id', '=', workspaceId), eb('w.uuid', '=', alias)]))
          .orderBy(sql`w.id = ${workspaceId}`, 'desc')
          .limit(1);
  if (principal.kind !== 'deployment_admin') query = query.where('w.org_id', '=', principal.orgId!);
  const namedBy = (workspace: Workspace): NamedBy => (workspace.id === workspaceId ? 'id' : 'uuid');
  if (userId === null) {
    const workspace = await query.modifyEnd(PREPARE).executeTakeFirst();
    if (!workspace) return null;
    const standing = standingOf(principal, workspace.org_id, null);
    return {
      workspace,
      namedBy: namedBy(workspace),
      standing,
      access: membershipAccess(principal, standing, null),
    };
  }
  const row = await query
    .leftJoin('users as u', (join) => join.onRef('u.org_id', '=', 'w.org_id').on('u.id', '=', userId))
    .leftJoin('workspace_members as m', (join) =>
      join
        .onRef('m.org_id', '=', 'w.org_id')
        .onRef('m.workspace_id', '=', 'w.id')
        .on('m.user_id', '=', userId),
    )
    .select([
      'u.role as caller_org_role',
      'm.role as caller_member_role',
      'm.permissions as caller_permissions',
    ])
    .modifyEnd(PREPARE)
    .executeTakeFirst();
  if (!row) return null;
  const { caller_org_role, caller_member_role, caller_permissions, ...workspace } = row;
  const standing = standingOf(principal, workspace.org_id, caller_org_role);
  const access = membershipAccess(principal, standing, {
    owner_user_id: workspace.owner_user_id,
    role: caller_member_role,
    permissions: caller_permissions,
  });
  return { workspace, namedBy: namedBy(workspace), standing, access };
}
