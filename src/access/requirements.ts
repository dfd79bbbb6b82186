// What a route needs, declared in its options (`config: { access: … }`) and decided in one place
// (authorize.ts). Each requirement names the token ability it needs, what the route addresses
// (an org, a workspace, a user, a token: the route input holding its id) and the permission or
// standing the caller must hold on it. The kinds are the contract's (API.md §2, §4), each with
// its surface's answer for an outsider: 404 as if absent, except usage history's 403 (seed 003).
import type { Ability, Permission } from '../auth/permissions.js';

/** An ability a route can require (`*` is what a token holds, never what a route asks). */
export type NeededAbility = Exclude<Ability, '*'>;

/**
 * The name of the route input holding an id: a path parameter by default; a handler that reads
 * it elsewhere (a header) or parses it first (a UUID) hands the value to authorize itself.
 */
export type InputName = string;

export type AccessRequirement =
  /** No token needed (probes, the OpenAPI document, event schemas): `auth: false` routes only. */
  | { kind: 'public' }
  /** The deployment admin token only (creating orgs). */
  | { kind: 'deployment-admin' }
  /** An admin of the org named by `org`: org owners and admins, its service tokens, the deployment admin. */
  | { kind: 'org-admin'; ability: NeededAbility; org: InputName }
  /** An admin of the org owning the workspace `workspace` (found within the caller's org). */
  | { kind: 'workspace-admin'; ability: NeededAbility; workspace: InputName }
  /** An admin of the org owning the token `token`. */
  | { kind: 'token-admin'; ability: NeededAbility; token: InputName }
  /** Org-wide reads: org-level readers (owners, admins, service tokens) of the org `org`. */
  | { kind: 'org'; ability: NeededAbility; org: InputName; permission: Permission }
  /** One workspace of the org `org`: org-level readers, its owner, staff granted `permission`. */
  | {
      kind: 'org-workspace';
      ability: NeededAbility;
      org: InputName;
      workspace: InputName;
      permission: Permission;
    }
  /** One user of the org `org`: org-level readers, and the user themself. */
  | { kind: 'org-user'; ability: NeededAbility; org: InputName; user: InputName; permission: Permission }
  /** The caller's own records in the org `org`: a user token of the org. */
  | { kind: 'org-self'; ability: NeededAbility; org: InputName }
  /** A workspace named by id or UUID alias alone (deployment-wide unique), needing `permission`. */
  | { kind: 'workspace'; ability: NeededAbility; workspace: InputName; permission: Permission }
  /**
   * A workspace the caller belongs to, named by id or alias, where an outsider gets the same 403 as
   * a non-member (seed 003); reading another user's rows (`user`, when given) needs `others`.
   */
  | {
      kind: 'workspace-member';
      ability: NeededAbility;
      workspace: InputName;
      user: InputName;
      others: Permission;
    }
  /** Writes into the token's own org: org owners and admins, service tokens, the deployment admin. */
  | { kind: 'own-org-admin'; ability: NeededAbility };

export type AccessKind = AccessRequirement['kind'];
