// Display names of the keys the insights API groups by: workspace and agent names, a user's name
// or email. Keys without one (actions, statuses, tool types, endpoints) are their own label, and
// records that carry no action or resource type (stored as '') are labelled "(none)".
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export type LabelledKind = 'workspace' | 'agent' | 'user' | string | null;

export async function labelsOf(
  db: Kysely<Database>,
  orgId: string,
  kind: LabelledKind,
  keys: string[],
): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  if (keys.includes('')) labels.set('', '(none)');
  const ids = keys.filter((key) => key !== '');
  if (ids.length === 0) return labels;
  if (kind === 'workspace') {
    const rows = await db
      .selectFrom('workspaces')
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) labels.set(row.id, row.name);
  } else if (kind === 'agent') {
    const rows = await db
      .selectFrom('agents')
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) labels.set(row.id, row.name);
  } else if (kind === 'user') {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'name', 'email'])
      .where('org_id', '=', orgId)
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) labels.set(row.id, row.name ?? row.email ?? row.id);
  }
  return labels;
}
