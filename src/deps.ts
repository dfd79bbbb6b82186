// What route plugins receive from buildApp: the database and the services built around it.
import type { Kysely } from 'kysely';
import type { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import type { DatabaseKind } from './db/open.js';
import type { Database } from './db/schema.js';
import type { GroupCommit } from './ledger/write/group-commit.js';
import type { Keyring } from './secrets/keys.js';

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  dbKind: DatabaseKind;
  keyring: Keyring;
  authenticator: Authenticator;
  /** The ledger's write entry point for the ingestion front doors (recordBatch, group-committed). */
  writer: GroupCommit;
  /** The clock, injectable so tests can pin "now". */
  now: () => Date;
}
