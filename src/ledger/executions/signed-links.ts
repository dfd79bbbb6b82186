// Signed, expiring links to private execution outputs (seed 001's "signed URL from storage").
//
// A link is the stored `output_url` with two query parameters appended:
//   tally_expires   = Unix time (seconds) after which the link is refused
//   tally_signature = base64url(HMAC-SHA256(link key, <the URL up to and including tally_expires>))
// The link key is derived from TALLY_SECRET_KEY (see src/secrets/keys.ts: HKDF-SHA256, salt
// "tally", info "tally:link-signing:v1", 32 bytes), so the platform's storage proxy, given the
// same secret, verifies a link with `verifySignedLink` or the same few steps in any language:
// split off `&tally_signature=…`, recompute the HMAC over the rest, compare in constant time,
// and check that `tally_expires` has not passed.
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../../secrets/hmac.js';

/** How long a signed link stays valid; well beyond the listing cache's 60 s. */
export const SIGNED_LINK_TTL_SECONDS = 60 * 60;

function signature(key: Buffer, unsigned: string): string {
  return hmacSha256(key, unsigned).toString('base64url');
}

export function signLink(key: Buffer, url: string, now: Date, ttlSeconds = SIGNED_LINK_TTL_SECONDS): string {
  const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const hashAt = url.indexOf('#');
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  const unsigned = `${base}${base.includes('?') ? '&' : '?'}tally_expires=${expires}`;
  return `${unsigned}&tally_signature=${signature(key, unsigned)}`;
}

/** True when `link` was signed with `key` and has not expired at `now`. */
export function verifySignedLink(key: Buffer, link: string, now: Date): boolean {
  const match = /^(.*[?&]tally_expires=(\d+))&tally_signature=([A-Za-z0-9_-]+)$/.exec(link);
  if (!match) return false;
  const [, unsigned, expires, given] = match as unknown as [string, string, string, string];
  const expected = Buffer.from(signature(key, unsigned));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false;
  return Number(expires) * 1000 > now.getTime();
}
