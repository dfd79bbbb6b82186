import { type Kysely, sql } from 'kysely';
import type { Database, Workspace } from '../../db/schema.js';
import { conflict, invalid } from '../../errors.js';

export interface WorkspaceInput {
  name: string;
  status?: string | undefined;
  owner_user_id: string;
  settings?: Record<string, unknown> | undefined;
}

export async function upsertWorkspace(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  input: WorkspaceInput,
): Promise<{ workspace: Workspace; created: boolean }> {
  const owner = await db
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', input.owner_user_id)
    .executeTakeFirst();
  if (!owner) {
    throw invalid([
      {
        location: 'body',
        field: ['owner_user_id'],
        kind: 'value_error',
        message: `no user "${input.owner_user_id}" in org "${orgId}"`,
        input: input.owner_user_id,
      },
    ]);
  }
  // Workspace ids are unique across the deployment: one in another org is a conflict.
  const elsewhere = await db
    .selectFrom('workspaces')
    .select('org_id')
    .where('id', '=', workspaceId)
    .where('org_id', '!=', orgId)
    .executeTakeFirst();
  if (elsewhere) throw conflict(`Workspace id "${workspaceId}" is already used by another org`);
  const settings = JSON.stringify(input.settings ?? {});
  const row = await db
    .insertInto('workspaces')
    .values({
      org_id: orgId,
      id: workspaceId,
      name: input.name,
      status: input.status ?? 'active',
      owner_user_id: input.owner_user_id,
      settings,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'id']).doUpdateSet({
        name: input.name,
        ...(input.status !== undefined ? { status: input.status } : {}),
        owner_user_id: input.owner_user_id,
        ...(input.settings !== undefined ? { settings } : {}),
        updated_at: sql`now()`,
      }),
    )
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...workspace } = row;
  return { workspace, created };
}

export async function findWorkspace(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
): Promise<Workspace | undefined> {
  return db
    .selectFrom('workspaces')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', workspaceId)
    .executeTakeFirst();
}
