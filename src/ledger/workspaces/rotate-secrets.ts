// Key rotation for integration secrets: every ciphertext sealed under an older key (one of
// TALLY_PREVIOUS_SECRET_KEYS) is opened and sealed again under the current key. Rows are walked in
// primary-key order in small batches, each batch in its own transaction, and a row is rewritten
// only if it still holds the ciphertext that was read (a concurrent PUT wins), so the rotation can
// run against a live deployment and be resumed after an interruption.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { open, seal } from '../../secrets/cipher.js';
import type { Keyring } from '../../secrets/keys.js';
import { associatedData } from './integrations.js';

const BATCH = 100;

export interface RotationProgress {
  /** Secrets under an older key when the rotation started. */
  total: number;
  rotated: number;
  /** Rows whose key is not in the keyring (add it to TALLY_PREVIOUS_SECRET_KEYS) or that fail to open. */
  failed: number;
}

export interface RotationFailure {
  orgId: string;
  workspaceId: string;
  provider: string;
  keyId: string;
  reason: string;
}

export interface RotationResult extends RotationProgress {
  keyId: string;
  failures: RotationFailure[];
}

export async function rotateIntegrationSecrets(
  db: Kysely<Database>,
  keyring: Keyring,
  onProgress: (progress: RotationProgress) => void = () => {},
): Promise<RotationResult> {
  const currentKeyId = keyring.encryptionKey.id;
  const counted = await db
    .selectFrom('integration_credentials')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where('key_id', '!=', currentKeyId)
    .executeTakeFirstOrThrow();
  const progress: RotationProgress = { total: Number(counted.total), rotated: 0, failed: 0 };
  const failures: RotationFailure[] = [];
  onProgress({ ...progress });
  let after: { org_id: string; workspace_id: string; provider: string } | null = null;
  for (;;) {
    let query = db
      .selectFrom('integration_credentials')
      .select(['org_id', 'workspace_id', 'provider', 'key_id', 'secret_ciphertext'])
      .where('key_id', '!=', currentKeyId)
      .orderBy('org_id')
      .orderBy('workspace_id')
      .orderBy('provider')
      .limit(BATCH);
    if (after) {
      const from = after;
      query = query.where((eb) =>
        eb(
          eb.refTuple('org_id', 'workspace_id', 'provider'),
          '>',
          eb.tuple(from.org_id, from.workspace_id, from.provider),
        ),
      );
    }
    const rows = await query.execute();
    if (rows.length === 0) break;
    await db.transaction().execute(async (trx) => {
      for (const row of rows) {
        const aad = associatedData(row.org_id, row.workspace_id, row.provider);
        const ciphertext = Buffer.from(row.secret_ciphertext);
        let plaintext: string;
        try {
          plaintext = open(keyring, { keyId: row.key_id, ciphertext }, aad);
        } catch (error) {
          progress.failed += 1;
          failures.push({
            orgId: row.org_id,
            workspaceId: row.workspace_id,
            provider: row.provider,
            keyId: row.key_id,
            reason: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        const sealed = seal(keyring, plaintext, aad);
        const result = await trx
          .updateTable('integration_credentials')
          .set({ secret_ciphertext: sealed.ciphertext, key_id: sealed.keyId })
          .where('org_id', '=', row.org_id)
          .where('workspace_id', '=', row.workspace_id)
          .where('provider', '=', row.provider)
          .where('key_id', '=', row.key_id)
          .where('secret_ciphertext', '=', ciphertext)
          .executeTakeFirst();
        // Zero rows: replaced or deleted meanwhile, so it no longer needs this rotation.
        if (Number(result.numUpdatedRows) > 0) progress.rotated += 1;
      }
    });
    const last = rows[rows.length - 1]!;
    after = { org_id: last.org_id, workspace_id: last.workspace_id, provider: last.provider };
    onProgress({ ...progress });
  }
  return { ...progress, keyId: currentKeyId, failures };
}
