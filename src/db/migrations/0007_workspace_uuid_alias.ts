// A workspace's public UUID alias (API.md §1): platforms often key a workspace by an integer and
// publish a UUID for it, and the seeds disagree on the form (001 wants the integer, 002 the UUID).
// Nullable, and unique across the deployment like the id itself, so a UUID names one workspace on
// every surface. PostgreSQL's unique index admits any number of NULLs (workspaces without one).
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE workspaces ADD COLUMN uuid uuid`.execute(db);
  await sql`CREATE UNIQUE INDEX workspaces_uuid_key ON workspaces (uuid)`.execute(db);
}
