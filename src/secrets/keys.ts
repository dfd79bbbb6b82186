// Keys derived from the deployment secret (TALLY_SECRET_KEY). Each purpose gets its own key via
// HKDF, so a key used to sign cursors can never decrypt an integration secret. The key id is a
// short fingerprint of the encryption key, stored beside each ciphertext so that after a rotation
// Tally knows which key sealed which row.
import { createHash, hkdfSync } from 'node:crypto';

export type KeyPurpose = 'cursor-signing' | 'link-signing' | 'integration-encryption';

export function deriveKey(secretKey: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'tally', `tally:${purpose}:v1`, 32));
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export interface Keyring {
  cursorKey: Buffer;
  linkKey: Buffer;
  /** Encrypts new secrets. */
  encryptionKey: { id: string; key: Buffer };
  /** Every key that may still decrypt: the current one first, then previous secret keys'. */
  decryptionKeys: Map<string, Buffer>;
}

export function buildKeyring(secretKey: string, previousSecretKeys: string[] = []): Keyring {
  const encryption = deriveKey(secretKey, 'integration-encryption');
  const decryptionKeys = new Map<string, Buffer>([[keyId(encryption), encryption]]);
  for (const previous of previousSecretKeys) {
    const key = deriveKey(previous, 'integration-encryption');
    decryptionKeys.set(keyId(key), key);
  }
  return {
    cursorKey: deriveKey(secretKey, 'cursor-signing'),
    linkKey: deriveKey(secretKey, 'link-signing'),
    encryptionKey: { id: keyId(encryption), key: encryption },
    decryptionKeys,
  };
}
