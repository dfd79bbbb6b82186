// Authenticated encryption of integration secrets at rest: AES-256-GCM with a random 96-bit nonce.
// Stored layout: nonce (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext. The row's org, workspace
// and provider are bound in as associated data, so a ciphertext copied to another row fails.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keys.js';

export interface Sealed {
  keyId: string;
  ciphertext: Buffer;
}

export function seal(keyring: Keyring, plaintext: string, associatedData: string): Sealed {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.encryptionKey.key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: keyring.encryptionKey.id, ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), body]) };
}

export function open(keyring: Keyring, sealed: Sealed, associatedData: string): string {
  const key = keyring.decryptionKeys.get(sealed.keyId);
  if (!key) throw new Error(`no key with id ${sealed.keyId} is configured (set TALLY_PREVIOUS_SECRET_KEYS)`);
  const data = Buffer.from(sealed.ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(data.subarray(12, 28));
  return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
}
