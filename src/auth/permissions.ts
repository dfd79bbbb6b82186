// Roles, permissions and token abilities, exactly as API.md §2 lays them out.

export const PERMISSIONS = ['activity:read', 'usage:read_others', 'ai_usage:read', 'workspace:read'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ABILITIES = ['read', 'use_agents', 'ingest', 'admin', '*'] as const;
export type Ability = (typeof ABILITIES)[number];

/** Org owners and admins, workspace owners and service tokens hold every permission. */
export const ALL_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS);
export const NO_PERMISSIONS: ReadonlySet<Permission> = new Set();

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function isAbility(value: string): value is Ability {
  return (ABILITIES as readonly string[]).includes(value);
}

export function hasAbility(abilities: ReadonlySet<string>, ability: Exclude<Ability, '*'>): boolean {
  return abilities.has('*') || abilities.has(ability);
}
