import { type Kysely, sql } from 'kysely';
import type { Database, Workspace } from '../../db/schema.js';
import { conflict, invalidInput } from '../../errors.js';
import { canonicalUuid } from '../../ids.js';

export interface WorkspaceInput {
  name: string;
  status?: string | undefined;
  owner_user_id: string;
  settings?: Record<string, unknown> | undefined;
  /** The UUID alias (API.md §1): undefined keeps the stored one, null removes it. */
  uuid?: string | null | undefined;
}

const isUniqueViolation = (error: unknown, constraint: string) =>
  typeof error === 'object' &&
  error !== null &&
  (error as { code?: unknown }).code === '23505' &&
  // pg names the constraint; PGlite's message carries it.
  ((error as { constraint?: unknown }).constraint === constraint ||
    String((error as { message?: unknown }).message).includes(constraint));

/**
 * An alias and an id name workspaces in one space (surfaces 000 and 002 and ingestion take either),
 * so neither may name a workspace other than this one: an alias used by another workspace, or
 * equal to another workspace's id, and an id that is another workspace's alias, are conflicts.
 * Checked across the deployment, like ids, so the message names no org.
 */
async function checkNames(db: Kysely<Database>, orgId: string, workspaceId: string, alias: string | null) {
  const others = db
    .selectFrom('workspaces')
    .select(['id', 'uuid'])
    .where((eb) => eb.not(eb.and([eb('org_id', '=', orgId), eb('id', '=', workspaceId)])));
  if (alias !== null) {
    const taken = await others
      .where((eb) => eb.or([eb('uuid', '=', alias), eb('id', '=', alias)]))
      .executeTakeFirst();
    if (taken) throw conflict(`Workspace uuid "${alias}" already names another workspace`);
  }
  const idAsAlias = canonicalUuid(workspaceId);
  if (idAsAlias !== null) {
    const taken = await others.where('uuid', '=', idAsAlias).executeTakeFirst();
    if (taken) throw conflict(`Workspace id "${workspaceId}" is another workspace's uuid`);
  }
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
    throw invalidInput([
      {
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
  const alias = input.uuid == null ? null : canonicalUuid(input.uuid);
  if (input.uuid != null && alias === null) {
    // The surface validates the form; this guards other callers of the ledger.
    throw invalidInput([{ field: ['uuid'], kind: 'uuid_parsing', message: 'not a UUID', input: input.uuid }]);
  }
  await checkNames(db, orgId, workspaceId, alias);
  const settings = JSON.stringify(input.settings ?? {});
  try {
    const row = await db
      .insertInto('workspaces')
      .values({
        org_id: orgId,
        id: workspaceId,
        uuid: alias,
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
          ...(input.uuid !== undefined ? { uuid: alias } : {}),
          updated_at: sql`now()`,
        }),
      )
      .returningAll()
      .returning(sql<boolean>`(xmax = 0)`.as('created'))
      .executeTakeFirstOrThrow();
    const { created, ...workspace } = row;
    return { workspace, created };
  } catch (error) {
    // Two requests giving one alias at once: the unique index settles it after checkNames.
    if (isUniqueViolation(error, 'workspaces_uuid_key')) {
      throw conflict(`Workspace uuid "${alias}" already names another workspace`);
    }
    throw error;
  }
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
