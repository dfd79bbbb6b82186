// Who is asking. Every core function takes a Principal and nothing from HTTP.
import type { Ability } from './permissions.js';

export type PrincipalKind =
  /** The deployment admin token: any org, every ability, no user. */
  | 'deployment_admin'
  /** An org's service token: acts as an admin of its org within its abilities, no user. */
  | 'service'
  /** A user's token: what the user may do in its org, narrowed by the token's abilities. */
  | 'user';

export interface Principal {
  kind: PrincipalKind;
  /** The org the token belongs to; null for the deployment admin. */
  orgId: string | null;
  userId: string | null;
  tokenId: string | null;
  abilities: ReadonlySet<Ability>;
}

export const DEPLOYMENT_ADMIN: Principal = Object.freeze({
  kind: 'deployment_admin',
  orgId: null,
  userId: null,
  tokenId: null,
  abilities: new Set<Ability>(['*']),
});

/** The principal_type recorded in activity: `user` for user tokens, `service` otherwise. */
export function principalType(principal: Principal): 'user' | 'service' {
  return principal.kind === 'user' ? 'user' : 'service';
}
