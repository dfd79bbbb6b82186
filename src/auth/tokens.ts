// API token secrets. A token reads `tly_<token id hex>_<secret>`: the id part finds the row in one
// index lookup, the secret is 256 random bits, and only SHA-256 of the whole token is stored. A
// fast hash is right here (unlike passwords): the input has full entropy, so there is nothing
// to brute-force, and authentication stays a microsecond affair.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PATTERN = /^tly_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
export const ADMIN_TOKEN_PREFIX = 'tly_admin_';

export function hashToken(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Makes the plaintext of a new API token for the row `tokenId` (a UUID). */
export function newTokenSecret(tokenId: string): string {
  return `tly_${tokenId.replaceAll('-', '')}_${randomBytes(32).toString('base64url')}`;
}

export function newAdminToken(): string {
  return `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The token row id named by a presented token, or null when it is not shaped like one. */
export function tokenIdOf(token: string): string | null {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const hex = match[1]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads `Authorization: Bearer <token>`; anything else is no token at all. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
