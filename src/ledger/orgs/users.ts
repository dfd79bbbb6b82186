import { type Kysely, type RawBuilder, sql } from 'kysely';
import { arrayParam } from '../../db/array-param.js';
import type { Database, OrgRole, User } from '../../db/schema.js';

export interface UserInput {
  email: string;
  name?: string | null | undefined;
  role: OrgRole;
}

/** Creates or updates a user of an org; `created` tells which (xmax = 0 only on a fresh insert). */
export async function upsertUser(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  input: UserInput,
): Promise<{ user: User; created: boolean }> {
  const row = await db
    .insertInto('users')
    .values({ org_id: orgId, id: userId, email: input.email, name: input.name ?? null, role: input.role })
    .onConflict((oc) =>
      oc.columns(['org_id', 'id']).doUpdateSet({
        email: input.email,
        name: input.name ?? null,
        role: input.role,
        updated_at: sql`now()`,
      }),
    )
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...user } = row;
  return { user, created };
}

export async function findUser(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

/**
 * Makes sure users named by ingested records exist (as members), filling in an email when one
 * is given: the statements, inside the ingestion transaction, that insert the new users and then
 * update the emails that change (the writer sends each beside the agents' own, one round trip).
 */
export function ensureUsersStatements(
  orgId: string,
  users: Map<string, string | null>,
): { insert: RawBuilder<unknown>; update: RawBuilder<unknown> } | null {
  if (users.size === 0) return null;
  const keys = [...users.keys()];
  const ids = arrayParam('text', keys);
  const emails = arrayParam(
    'text',
    keys.map((id) => users.get(id) ?? null),
  );
  // Not one INSERT … ON CONFLICT DO UPDATE … WHERE: that locks every existing row it names, even
  // those it leaves alone, until commit, and every batch of an org names the same users, so
  // concurrent batches queued behind each other (most of ingestion's wall time at 4 clients).
  // New users are inserted without touching existing rows; only emails that change take locks,
  // in key order (concurrent batches cannot deadlock). Two statements, not one: the update must
  // see a user that a concurrent batch inserted while the insert waited for it, which only a
  // later statement's snapshot does.
  return {
    insert: sql`
    INSERT INTO users (org_id, id, email)
    SELECT ${orgId}, u.id, u.email FROM unnest(${ids}::text[], ${emails}::text[]) AS u(id, email)
    ON CONFLICT (org_id, id) DO NOTHING`,
    update: sql`
    WITH changed AS (
      SELECT users.id, u.email FROM users
      JOIN unnest(${ids}::text[], ${emails}::text[]) AS u(id, email) ON users.id = u.id
      WHERE users.org_id = ${orgId} AND u.email IS NOT NULL AND users.email IS DISTINCT FROM u.email
      ORDER BY users.id
      FOR UPDATE OF users
    )
    UPDATE users SET email = changed.email, updated_at = now()
    FROM changed WHERE users.org_id = ${orgId} AND users.id = changed.id`,
  };
}
