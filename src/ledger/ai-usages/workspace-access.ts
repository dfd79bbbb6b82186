// Routes that name only a workspace (surfaces 000 and 002) resolve it here, in API.md §2's order:
// a workspace that does not exist, or lives in an org the caller has no standing in, is missing
// (404); then the token's ability and the caller's permission on the workspace (403). The name in
// the path is the workspace's id or its UUID alias (API.md §1).
import type { Kysely } from 'kysely';
import { findWorkspaceWithAccess, requireAbility } from '../../auth/access.js';
import type { Ability, Permission } from '../../auth/permissions.js';
import type { Principal } from '../../auth/principal.js';
import type { Database, Workspace } from '../../db/schema.js';
import { forbidden, notFound } from '../../errors.js';
import type { NamedBy } from '../workspaces/workspace-names.js';

export async function authorizeWorkspaceRead(
  db: Kysely<Database>,
  principal: Principal,
  workspaceId: string,
  permission: Permission,
  ability: Exclude<Ability, '*'>,
): Promise<{ workspace: Workspace; namedBy: NamedBy }> {
  // Workspace ids and aliases are unique across the deployment; a token only ever sees its own org's.
  const found = await findWorkspaceWithAccess(db, principal, workspaceId);
  if (!found || found.standing === 'none') throw notFound('workspace', workspaceId);
  requireAbility(principal, ability);
  if (!found.access.permissions.has(permission)) throw forbidden(permission);
  return { workspace: found.workspace, namedBy: found.namedBy };
}
