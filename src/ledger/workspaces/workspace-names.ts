// A workspace is named by its id or by its UUID alias (API.md §1), so one workspace answers on
// surfaces whose seeds want different forms (an integer in 001, a UUID in 002) and in events that
// use either. The id wins: a name that is some workspace's id means that workspace. Administration
// keeps the two spaces apart (an alias equal to another workspace's id is a conflict), so the
// precedence only matters as a tie-break, never to choose between two real candidates.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { canonicalUuid } from '../../ids.js';

/** How a request named the workspace it found: answers echo the name the caller used. */
export type NamedBy = 'id' | 'uuid';

/** The name to show for a workspace found by `namedBy`: its alias when the caller used it. */
export function workspaceName(workspace: { id: string; uuid: string | null }, namedBy: NamedBy): string {
  return namedBy === 'uuid' && workspace.uuid !== null ? workspace.uuid : workspace.id;
}

/**
 * The ids of the org's workspaces that `names` name (ids or UUID aliases in any case), keyed by
 * name; a name that names no workspace of the org is absent. One statement for a whole batch.
 */
export async function resolveWorkspaceNames(
  db: Kysely<Database>,
  orgId: string,
  names: string[],
): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  if (names.length === 0) return resolved;
  const aliases = [...new Set(names.map(canonicalUuid).filter((alias): alias is string => alias !== null))];
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'uuid'])
    .where('org_id', '=', orgId)
    .where((eb) =>
      aliases.length === 0
        ? eb('id', 'in', names)
        : eb.or([eb('id', 'in', names), eb('uuid', 'in', aliases)]),
    )
    .execute();
  const ids = new Set(rows.map((row) => row.id));
  const byAlias = new Map(rows.flatMap((row) => (row.uuid === null ? [] : [[row.uuid, row.id] as const])));
  for (const name of names) {
    if (ids.has(name)) {
      resolved.set(name, name);
      continue;
    }
    const alias = canonicalUuid(name);
    const id = alias === null ? undefined : byAlias.get(alias);
    if (id !== undefined) resolved.set(name, id);
  }
  return resolved;
}
