import type { Kysely } from 'kysely';
import type { Database, Org } from '../../db/schema.js';
import { conflict } from '../../errors.js';

export async function createOrg(db: Kysely<Database>, input: { id: string; name: string }): Promise<Org> {
  const row = await db
    .insertInto('orgs')
    .values({ id: input.id, name: input.name })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict(`An org with id "${input.id}" already exists`);
  return row;
}

export async function findOrg(db: Kysely<Database>, orgId: string): Promise<Org | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function listOrgs(db: Kysely<Database>): Promise<Org[]> {
  return db.selectFrom('orgs').selectAll().orderBy('id').execute();
}
