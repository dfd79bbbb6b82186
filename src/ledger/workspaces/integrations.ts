// Integration credentials of a workspace. The secret is write-only: it is sealed with
// AES-256-GCM (secrets/cipher.ts) before it reaches the database and no read path returns it.
import { type Kysely, sql } from 'kysely';
import type { Database, IntegrationCredential } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import { open, seal } from '../../secrets/cipher.js';
import type { Keyring } from '../../secrets/keys.js';

export type IntegrationStatus = Pick<
  IntegrationCredential,
  'provider' | 'status' | 'connected_at' | 'last_verified_at' | 'last_error'
>;

const STATUS_COLUMNS = ['provider', 'status', 'connected_at', 'last_verified_at', 'last_error'] as const;

/** Binds a ciphertext to its row, so it cannot be moved to another workspace or provider. */
export function associatedData(orgId: string, workspaceId: string, provider: string): string {
  return `${orgId}\u0000${workspaceId}\u0000${provider}`;
}

export async function putIntegration(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  workspaceId: string,
  provider: string,
  input: { secret: string; status?: string | undefined },
): Promise<{ integration: IntegrationStatus; created: boolean }> {
  const sealed = seal(keyring, input.secret, associatedData(orgId, workspaceId, provider));
  const status = input.status ?? 'connected';
  const row = await db
    .insertInto('integration_credentials')
    .values({
      org_id: orgId,
      workspace_id: workspaceId,
      provider,
      secret_ciphertext: sealed.ciphertext,
      key_id: sealed.keyId,
      status,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'workspace_id', 'provider']).doUpdateSet({
        secret_ciphertext: sealed.ciphertext,
        key_id: sealed.keyId,
        status,
        last_error: null,
        updated_at: sql`now()`,
      }),
    )
    .returning(STATUS_COLUMNS)
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...integration } = row;
  return { integration, created };
}

export async function deleteIntegration(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
  provider: string,
): Promise<void> {
  const result = await db
    .deleteFrom('integration_credentials')
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .where('provider', '=', provider)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound('integration', provider);
}

export async function listIntegrationStatuses(
  db: Kysely<Database>,
  orgId: string,
  workspaceId: string,
): Promise<IntegrationStatus[]> {
  return db
    .selectFrom('integration_credentials')
    .select(STATUS_COLUMNS)
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .orderBy('provider')
    .execute();
}

/** Decrypts one stored secret, for the code that calls the integration on the workspace's behalf. */
export async function readIntegrationSecret(
  db: Kysely<Database>,
  keyring: Keyring,
  orgId: string,
  workspaceId: string,
  provider: string,
): Promise<string> {
  const row = await db
    .selectFrom('integration_credentials')
    .select(['secret_ciphertext', 'key_id'])
    .where('org_id', '=', orgId)
    .where('workspace_id', '=', workspaceId)
    .where('provider', '=', provider)
    .executeTakeFirst();
  if (!row) throw notFound('integration', provider);
  return open(
    keyring,
    { keyId: row.key_id, ciphertext: Buffer.from(row.secret_ciphertext) },
    associatedData(orgId, workspaceId, provider),
  );
}
