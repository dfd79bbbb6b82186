// Everything that must be in place before the service answers: the schema migrated, the secret key
// known, and the deployment admin token's hash stored. Shared by `serve`, `migrate` and the CLI.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { hashToken, newAdminToken } from './auth/tokens.js';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { migrateToLatest } from './db/migrate.js';
import { type DatabaseTarget, type LedgerDatabase, openDatabase } from './db/open.js';
import type { Database } from './db/schema.js';
import { buildKeyring, type Keyring } from './secrets/keys.js';

const ADMIN_TOKEN_HASH_KEY = 'admin_token_sha256';

/** The PGlite data folder inside TALLY_DATA_DIR. */
export function embeddedDataDir(config: Config): string {
  return join(config.dataDir, 'pglite');
}

export function databaseTarget(config: Config): DatabaseTarget {
  return config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        poolSize: config.dbPoolSize,
        statementTimeoutMs: config.statementTimeoutMs,
        prepare: config.pgPrepare,
      }
    : { kind: 'pglite', dataDir: embeddedDataDir(config) };
}

/** TALLY_SECRET_KEY, or for the embedded default a key generated once and kept in the data folder. */
export function resolveSecretKey(config: Config): string {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) throw new ConfigError('TALLY_SECRET_KEY', 'is required with DATABASE_URL');
  const path = join(config.dataDir, 'secret.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return key;
}

export interface AdminTokenState {
  /** Null only when generation was deferred (`serve` generates once it listens). */
  hash: Buffer | null;
  /** The plaintext, only when it was generated just now (to be shown once). */
  generated: string | null;
}

/** The configured or stored deployment admin token's hash, or null when there is none yet. */
export async function knownAdminTokenHash(db: Kysely<Database>, config: Config): Promise<Buffer | null> {
  if (config.adminToken) return hashToken(config.adminToken);
  const stored = await db
    .selectFrom('deployment_settings')
    .select('value')
    .where('key', '=', ADMIN_TOKEN_HASH_KEY)
    .executeTakeFirst();
  return stored ? Buffer.from(stored.value, 'hex') : null;
}

export async function resolveAdminToken(
  db: Kysely<Database>,
  config: Config,
): Promise<AdminTokenState & { hash: Buffer }> {
  const known = await knownAdminTokenHash(db, config);
  if (known) return { hash: known, generated: null };
  const token = newAdminToken();
  const hash = hashToken(token);
  const inserted = await db
    .insertInto('deployment_settings')
    .values({ key: ADMIN_TOKEN_HASH_KEY, value: hash.toString('hex') })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('value')
    .executeTakeFirst();
  // Another instance may have generated one first; then that one stands.
  if (!inserted) return resolveAdminToken(db, config);
  return { hash, generated: token };
}

export interface Deployment {
  database: LedgerDatabase;
  keyring: Keyring;
  adminToken: AdminTokenState;
}

export interface PrepareOptions {
  /**
   * False leaves a missing admin token ungenerated (hash null): `serve` generates, stores and
   * shows it only once it listens, so a start that fails never swallows an unshown token.
   */
  generateAdminToken?: boolean;
}

export async function prepareDeployment(config: Config, options: PrepareOptions = {}): Promise<Deployment> {
  const secretKey = resolveSecretKey(config);
  const database = await openDatabase(databaseTarget(config));
  try {
    await migrateToLatest(database.db);
    const adminToken =
      options.generateAdminToken === false
        ? { hash: await knownAdminTokenHash(database.db, config), generated: null }
        : await resolveAdminToken(database.db, config);
    return { database, keyring: buildKeyring(secretKey, config.previousSecretKeys), adminToken };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export function announceAdminToken(token: string, err: NodeJS.WritableStream = process.stderr): void {
  err.write(
    [
      '',
      '  Tally generated the deployment admin token. It is shown this once and stored only as a hash:',
      '',
      `    ${token}`,
      '',
      '  Keep it safe (or set TALLY_ADMIN_TOKEN to choose your own).',
      '',
    ].join('\n'),
  );
}
