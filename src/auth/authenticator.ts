// Turns a presented bearer token into a Principal. Token rows are cached for a few seconds so a
// burst of requests costs one lookup; revocation through this process evicts at once. Other
// instances: without Redis (one instance is the supported deployment) they would see it within
// CACHE_TTL_MS; with Redis the revocation feed evicts everywhere at once, and a cached row
// outlives CONFIRMED_TTL_MS only while the feed is confirmed, so every instance refuses a revoked
// token within 1 s (contract §4.5). `last_used_at` is kept in memory and written in one statement
// per flush instead of one write per request.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Ability } from './permissions.js';
import { DEPLOYMENT_ADMIN, type Principal } from './principal.js';
import type { RevocationFeed } from './revocation-feed.js';
import { hashToken, sameHash, tokenIdOf } from './tokens.js';

const CACHE_TTL_MS = 5_000;
/** With a revocation feed that cannot vouch for the cache right now, rows are re-read this often. */
const UNCONFIRMED_TTL_MS = 1_000;
const CACHE_MAX = 10_000;
const LAST_USED_FLUSH_MS = 30_000;

interface CachedToken {
  orgId: string;
  userId: string | null;
  secretHash: Uint8Array;
  abilities: ReadonlySet<Ability>;
  expiresAt: number | null;
  revoked: boolean;
  fetchedAt: number;
}

export class Authenticator {
  private readonly cache = new Map<string, CachedToken>();
  private readonly lastUsed = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;
  private feed: Pick<RevocationFeed, 'confirmed' | 'announce'> | null = null;
  /** Counts evictions, so a lookup that raced one does not cache the row it read before it. */
  private evictions = 0;
  /** Hashes that authenticate as the deployment admin (see acceptAdminToken). */
  private readonly adminTokenHashes: Uint8Array[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    adminTokenHash: Uint8Array | null,
    private readonly now: () => number = Date.now,
  ) {
    if (adminTokenHash !== null) this.adminTokenHashes.push(adminTokenHash);
    this.timer = setInterval(() => void this.flushLastUsed().catch(() => {}), LAST_USED_FLUSH_MS);
    this.timer.unref();
  }

  async authenticate(token: string): Promise<Principal | null> {
    const presented = hashToken(token);
    if (this.adminTokenHashes.some((hash) => sameHash(presented, hash))) return DEPLOYMENT_ADMIN;
    const tokenId = tokenIdOf(token);
    if (tokenId === null) return null;
    const row = await this.lookup(tokenId);
    if (!row || row.revoked || !sameHash(presented, row.secretHash)) return null;
    const now = this.now();
    if (row.expiresAt !== null && row.expiresAt <= now) return null;
    this.lastUsed.set(tokenId, new Date(now));
    return {
      kind: row.userId === null ? 'service' : 'user',
      orgId: row.orgId,
      userId: row.userId,
      tokenId,
      abilities: row.abilities,
    };
  }

  /**
   * Accepts one more deployment-admin token: the one generated once the server listens, and the
   * in-memory one under which the control socket runs administration commands.
   */
  acceptAdminToken(hash: Uint8Array): void {
    this.adminTokenHashes.push(hash);
  }

  /** Shares revocations with the other instances of the deployment (with Redis). */
  useRevocationFeed(feed: Pick<RevocationFeed, 'confirmed' | 'announce'>): void {
    this.feed = feed;
  }

  /**
   * After a revocation: forgets the token at once, so this instance never serves it again, and
   * tells the other instances (resolves once told, or once the announcement is queued for retry).
   */
  async revoked(tokenId: string): Promise<void> {
    this.forget(tokenId);
    await this.feed?.announce(tokenId);
  }

  /** Drops one cached token row, or every one (`null`): the revocation feed's eviction. */
  forget(tokenId: string | null): void {
    this.evictions++;
    if (tokenId === null) this.cache.clear();
    else this.cache.delete(tokenId);
  }

  private fresh(entry: CachedToken): boolean {
    const age = this.now() - entry.fetchedAt;
    if (age >= CACHE_TTL_MS) return false;
    return this.feed === null || age < UNCONFIRMED_TTL_MS || this.feed.confirmed();
  }

  private async lookup(tokenId: string): Promise<CachedToken | null> {
    const cached = this.cache.get(tokenId);
    if (cached && this.fresh(cached)) return cached;
    const evictions = this.evictions;
    const row = await this.db
      .selectFrom('api_tokens')
      .select(['org_id', 'user_id', 'secret_hash', 'abilities', 'expires_at', 'revoked_at'])
      .where('id', '=', tokenId)
      .executeTakeFirst();
    if (!row) {
      this.cache.delete(tokenId);
      return null;
    }
    const entry: CachedToken = {
      orgId: row.org_id,
      userId: row.user_id,
      secretHash: row.secret_hash,
      abilities: new Set(row.abilities as Ability[]),
      expiresAt: row.expires_at ? row.expires_at.getTime() : null,
      revoked: row.revoked_at !== null,
      fetchedAt: this.now(),
    };
    // A revocation announced while the row was read may not be in it: used once, not cached.
    if (evictions !== this.evictions) return entry;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(tokenId, entry);
    return entry;
  }

  /** Writes the remembered `last_used_at` times in one statement. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const entries = [...this.lastUsed.entries()];
    this.lastUsed.clear();
    const ids = entries.map(([id]) => id);
    const times = entries.map(([, at]) => at.toISOString());
    try {
      await sql`
        UPDATE api_tokens AS t SET last_used_at = u.at
        FROM unnest(${ids}::uuid[], ${times}::timestamptz[]) AS u(id, at)
        WHERE t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)`.execute(this.db);
    } catch (error) {
      // Kept for the next flush (the database may be restarting); a use seen meanwhile is newer.
      for (const [id, at] of entries) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // `last_used_at` is advisory: a database that is down at shutdown must not fail the shutdown
    // (the ledger's own writes were all committed before they were acknowledged).
    await this.flushLastUsed().catch(() => {});
  }
}
