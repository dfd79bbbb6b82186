import { type Kysely, sql } from 'kysely';
import type { Database, WorkspaceMember, WorkspaceRole } from '../../db/schema.js';
import { notFound } from '../../errors.js';

export async function upsertMember(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  userId: string,
  input: { role: WorkspaceRole; permissions?: string[] | undefined },
): Promise<{ member: WorkspaceMember; created: boolean }> {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw notFound('user', userId);
  const permissions = [...new Set(input.permissions ?? [])];
  const row = await db
    .insertInto('workspace_members')
    .values({ org_id: orgId, workspace_id: workspaceId, user_id: userId, role: input.role, permissions })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'workspace_id', 'user_id'])
        .doUpdateSet({ role: input.role, permissions, updated_at: sql`now()` }),
    )
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...member } = row;
  return { member, created };
}
