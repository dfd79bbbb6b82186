// The one place that decides access (API.md §2): a route's declared requirement (requirements.ts)
// and the principal in, the caller's resolved access out, or the refusal. Checks run in the order
// the contract fixes: existence first (what the caller cannot see is missing, 404, like what does
// not exist), then the token's ability, then the permission (403). Usage history (seed 003) is the
// exception its seed documents: ability first, and an outsider's workspace is the same 403 as a
// non-member's. Each kind reads what it needs and no more: at most the lookups the surfaces made
// before this module existed (a workspace, its caller's role and membership in one statement).
import type { Kysely } from 'kysely';
import { hasAbility } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { Database, Workspace } from '../db/schema.js';
import { forbidden, notFound } from '../errors.js';
import { findOrg } from '../ledger/orgs/orgs.js';
import { tokenOrg } from '../ledger/tokens/tokens.js';
import type { NamedBy } from '../ledger/workspaces/workspace-names.js';
import type { AccessRequirement, InputName, NeededAbility } from './requirements.js';
import { findWorkspaceWithAccess, type OrgStanding, orgStanding, workspaceAccess } from './standing.js';

/** What the handler learns about the caller once access is granted. */
export interface ResolvedAccess {
  /** The org the route acts in, known to exist; null for public routes and the deployment admin's writes. */
  orgId: string | null;
  /** The caller's standing in that org. */
  standing: OrgStanding;
  /** The workspace the route addresses, when it addresses one by itself (admin, 000, 002, 001/003). */
  workspace: Workspace | null;
  /** Whether that workspace was named by its id or its UUID alias. */
  namedBy: NamedBy | null;
  /** Whose records the caller reads: the caller on `org-self`, the filter or the caller on usage history. */
  userId: string | null;
  /** Usage history: whether the caller may read other users' rows. */
  seesOthers: boolean;
}

/** The value of each input the requirement names (a path parameter, or what the handler parsed). */
export type AccessInputs = (name: InputName) => string | null;

const GRANTED: ResolvedAccess = {
  orgId: null,
  standing: 'none',
  workspace: null,
  namedBy: null,
  userId: null,
  seesOthers: false,
};

/** Throws forbidden unless the token carries `ability`; names the ability as the missing permission. */
function requireAbility(principal: Principal, ability: NeededAbility): void {
  if (!hasAbility(principal.abilities, ability)) throw forbidden(`ability:${ability}`);
}

export async function authorize(
  db: Kysely<Database>,
  principal: Principal,
  requirement: AccessRequirement,
  input: AccessInputs,
): Promise<ResolvedAccess> {
  const required = (name: InputName): string => {
    const value = input(name);
    // A route declares inputs its handler supplies; a missing one is a bug, never a caller's error.
    if (value === null) throw new Error(`access input "${name}" was not supplied`);
    return value;
  };
  switch (requirement.kind) {
    case 'public':
      return GRANTED;
    case 'deployment-admin':
      if (principal.kind !== 'deployment_admin') throw forbidden('deployment_admin');
      return { ...GRANTED, standing: 'admin' };
    case 'org-admin':
      return orgAdmin(db, principal, required(requirement.org), requirement.ability);
    case 'workspace-admin': {
      const workspaceId = required(requirement.workspace);
      let query = db.selectFrom('workspaces').selectAll().where('id', '=', workspaceId);
      if (principal.kind !== 'deployment_admin') query = query.where('org_id', '=', principal.orgId!);
      const workspace = await query.executeTakeFirst();
      if (!workspace) throw notFound('workspace', workspaceId);
      const access = await orgAdmin(db, principal, workspace.org_id, requirement.ability);
      return { ...access, workspace, namedBy: 'id' };
    }
    case 'token-admin': {
      const tokenId = required(requirement.token);
      const orgId = await tokenOrg(db, tokenId);
      if (orgId === null || (principal.kind !== 'deployment_admin' && principal.orgId !== orgId)) {
        throw notFound('token', tokenId);
      }
      return orgAdmin(db, principal, orgId, requirement.ability);
    }
    case 'org': {
      const orgId = required(requirement.org);
      const standing = await standingIn(db, principal, orgId);
      requireAbility(principal, requirement.ability);
      if (standing !== 'admin') throw forbidden(requirement.permission);
      return { ...GRANTED, orgId, standing };
    }
    case 'org-workspace': {
      const orgId = required(requirement.org);
      const workspaceId = required(requirement.workspace);
      const standing = await standingIn(db, principal, orgId);
      if (!(await inOrg(db, 'workspaces', orgId, workspaceId))) throw notFound('workspace', workspaceId);
      requireAbility(principal, requirement.ability);
      const access = await workspaceAccess(db, principal, orgId, workspaceId, standing);
      if (!access.permissions.has(requirement.permission)) throw forbidden(requirement.permission);
      return { ...GRANTED, orgId, standing };
    }
    case 'org-user': {
      const orgId = required(requirement.org);
      const userId = required(requirement.user);
      const standing = await standingIn(db, principal, orgId);
      if (!(await inOrg(db, 'users', orgId, userId))) throw notFound('user', userId);
      requireAbility(principal, requirement.ability);
      if (standing !== 'admin' && principal.userId !== userId) throw forbidden(requirement.permission);
      return { ...GRANTED, orgId, standing, userId };
    }
    case 'org-self': {
      const orgId = required(requirement.org);
      const standing = await standingIn(db, principal, orgId);
      requireAbility(principal, requirement.ability);
      if (principal.userId === null) throw forbidden('user_token');
      return { ...GRANTED, orgId, standing, userId: principal.userId };
    }
    case 'workspace': {
      const name = required(requirement.workspace);
      // Workspace ids and aliases are unique across the deployment; a token only ever sees its own org's.
      const found = await findWorkspaceWithAccess(db, principal, name);
      if (!found || found.standing === 'none') throw notFound('workspace', name);
      requireAbility(principal, requirement.ability);
      if (!found.access.permissions.has(requirement.permission)) throw forbidden(requirement.permission);
      return workspaceGranted(found);
    }
    case 'workspace-member': {
      requireAbility(principal, requirement.ability);
      const found = await findWorkspaceWithAccess(db, principal, required(requirement.workspace));
      if (!found || !found.access.member) throw forbidden(WORKSPACE_ACCESS);
      const seesOthers = found.access.permissions.has(requirement.others);
      const userId = input(requirement.user);
      if (userId !== null && userId !== principal.userId && !seesOthers) throw forbidden(requirement.others);
      return {
        ...workspaceGranted(found),
        userId: userId ?? (seesOthers ? null : principal.userId),
        seesOthers,
      };
    }
    case 'own-org-admin': {
      requireAbility(principal, requirement.ability);
      const standing =
        principal.kind === 'user' ? await orgStanding(db, principal, principal.orgId!) : 'admin';
      if (standing !== 'admin') {
        throw forbidden(
          requirement.ability,
          `Only org owners and admins (or service tokens) may ${requirement.ability}`,
        );
      }
      return { ...GRANTED, orgId: principal.orgId, standing };
    }
  }
}

/** The permission a usage-history 403 names when the workspace is missing, foreign or not the caller's. */
export const WORKSPACE_ACCESS = 'workspace:access';

function workspaceGranted(found: {
  workspace: Workspace;
  namedBy: NamedBy;
  standing: OrgStanding;
}): ResolvedAccess {
  return {
    ...GRANTED,
    orgId: found.workspace.org_id,
    standing: found.standing,
    workspace: found.workspace,
    namedBy: found.namedBy,
  };
}

/** Whether the org holds the workspace or user a route names (one indexed lookup). */
async function inOrg(db: Kysely<Database>, table: 'workspaces' | 'users', orgId: string, id: string) {
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

/** The caller's standing in an org that exists; an org outside the caller's reach is a 404. */
async function standingIn(db: Kysely<Database>, principal: Principal, orgId: string): Promise<OrgStanding> {
  const standing = await orgStanding(db, principal, orgId);
  if (standing === 'none') throw notFound('org', orgId);
  if (principal.kind === 'deployment_admin') {
    if (!(await findOrg(db, orgId))) throw notFound('org', orgId);
  }
  return standing;
}

/**
 * Administration (API.md §4.2): the deployment admin everything; a token with the ability whose
 * user is an org owner or admin (or an org's service token) its own org only. Another org's routes
 * answer 404 and change nothing.
 */
async function orgAdmin(
  db: Kysely<Database>,
  principal: Principal,
  orgId: string,
  ability: NeededAbility,
): Promise<ResolvedAccess> {
  if (principal.kind !== 'deployment_admin' && principal.orgId !== orgId) throw notFound('org', orgId);
  if (!(await findOrg(db, orgId))) throw notFound('org', orgId);
  requireAbility(principal, ability);
  if ((await orgStanding(db, principal, orgId)) !== 'admin') throw forbidden('admin');
  return { ...GRANTED, orgId, standing: 'admin' };
}
