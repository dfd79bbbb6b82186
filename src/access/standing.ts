// Where a principal stands in an org or a workspace (API.md §2): the only functions that turn
// roles into permissions. Only the access module's decisions (authorize.ts) call them.
import { type Compilable, type Kysely, sql } from 'kysely';
import { ALL_PERMISSIONS, isPermission, NO_PERMISSIONS, type Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { Database, Workspace } from '../db/schema.js';
import { ShapedQuery } from '../db/shaped-queries.js';
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

interface LookupValues extends Record<string, unknown> {
  workspaceId: string;
  alias: string | null;
  orgId: string | null;
  userId: string | null;
}

interface LookupShape {
  /** The name is shaped like a UUID: it may be the alias. */
  alias: boolean;
  /** Within the caller's org (everyone but the deployment admin). */
  inOrg: boolean;
  /** The caller is a user: their org role and workspace membership come along. */
  user: boolean;
}

interface LookupRow extends Workspace {
  caller_org_role?: string | null;
  caller_member_role?: string | null;
  caller_permissions?: string[] | null;
}

function buildLookup(db: Kysely<Database>, v: LookupValues, shape: LookupShape) {
  let query = db.selectFrom('workspaces as w').selectAll('w');
  query = !shape.alias
    ? query.where('w.id', '=', v.workspaceId)
    : // Both are unique indexes; the id wins the (administratively excluded) tie.
      query
        .where((eb) => eb.or([eb('w.id', '=', v.workspaceId), eb('w.uuid', '=', v.alias as string)]))
        .orderBy(sql`w.id = ${v.workspaceId}`, 'desc')
        .limit(1);
  if (shape.inOrg) query = query.where('w.org_id', '=', v.orgId as string);
  if (!shape.user) return query as unknown as Compilable<LookupRow>;
  return query
    .leftJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 'w.org_id').on('u.id', '=', v.userId as string),
    )
    .leftJoin('workspace_members as m', (join) =>
      join
        .onRef('m.org_id', '=', 'w.org_id')
        .onRef('m.workspace_id', '=', 'w.id')
        .on('m.user_id', '=', v.userId as string),
    )
    .select([
      'u.role as caller_org_role',
      'm.role as caller_member_role',
      'm.permissions as caller_permissions',
    ]) as unknown as Compilable<LookupRow>;
}

/** The lookup, compiled once per shape: it runs on every request naming a workspace. */
let lookups: ShapedQuery<LookupValues, LookupShape, LookupRow> | null = null;

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
  lookups ??= new ShapedQuery(
    (values, shape) => buildLookup(db, values, shape),
    (shape) => `${shape.alias}|${shape.inOrg}|${shape.user}`,
  );
  const query = lookups.compile(
    { workspaceId, alias, orgId: principal.orgId, userId },
    { alias: alias !== null, inOrg: principal.kind !== 'deployment_admin', user: userId !== null },
  );
  const row = (await db.executeQuery(query)).rows[0];
  if (!row) return null;
  const { caller_org_role, caller_member_role, caller_permissions, ...workspace } = row;
  const namedBy: NamedBy = workspace.id === workspaceId ? 'id' : 'uuid';
  const standing = standingOf(principal, workspace.org_id, caller_org_role ?? null);
  const access = membershipAccess(principal, standing, {
    owner_user_id: workspace.owner_user_id,
    role: caller_member_role ?? null,
    permissions: caller_permissions ?? null,
  });
  return { workspace, namedBy, standing, access };
}
