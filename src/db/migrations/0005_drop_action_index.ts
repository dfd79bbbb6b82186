// The action index cost a fifth of the write time of every activity record (each secondary index
// entry is paid per record, and this one was wide and scattered) for one route: the workspace's
// action listing. That listing now walks the workspace index with an action filter (actions are
// a handful of values, so a page reads a few times its length), and its total comes from the
// workspace rollups, which carry the action.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS activities_action_time_idx`.execute(db);
}
