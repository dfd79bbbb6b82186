// Revocations seen by every instance within 1 s (contract §4.5), when instances share a Redis.
// A revocation is announced twice: PUBLISHed on a channel, so every subscribed instance evicts the
// token from its cache at once, and counted in an epoch key, which every instance reads every
// POLL_MS off the request path, so a message lost while a subscriber reconnected still evicts (the
// whole token cache: revocations are rare, and a cleared cache costs one lookup per active token).
// The feed also tells the authenticator whether it can be trusted right now: an epoch read issued
// less than CONFIRMED_MS ago means any revocation announced before it has been seen. When Redis
// cannot be read, cached token rows are trusted for 1 s only, so the 1 s bound holds through an
// outage too (the database is the truth; it just gets asked more often).
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, redisReady } from '../cache/redis-connection.js';

const POLL_MS = 250;
/** How recent the last successful epoch read must be for cached rows to outlive 1 s. */
const CONFIRMED_MS = 750;
/** Revocations whose announcement failed, kept for a retry; past this, the oldest go (logged). */
const MAX_PENDING = 10_000;

export interface RevocationFeedLog {
  warn(message: string, error?: unknown): void;
}

export class RevocationFeed {
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly epochKey: string;
  private readonly timer: NodeJS.Timeout;
  private epoch: string | null | undefined = undefined;
  /** performance.now() when the last successful epoch read was issued. */
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private readonly pending = new Set<string>();
  private polling = false;
  private closed = false;

  /**
   * `evict(tokenId)` forgets one token; `evict(null)` forgets every cached token. `commands` is
   * the instance's shared Redis connection (a subscriber needs a connection of its own).
   */
  constructor(
    private readonly commands: Redis,
    url: string,
    prefix: string,
    private readonly evict: (tokenId: string | null) => void,
    private readonly log: RevocationFeedLog,
  ) {
    this.channel = `${prefix}revocations`;
    this.epochKey = `${prefix}revocations:epoch`;
    this.subscriber = connectRedis(url, (error) => log.warn('Redis unavailable: revocation feed', error));
    this.subscriber.on('message', (channel: string, tokenId: string) => {
      if (channel === this.channel) evict(tokenId);
    });
    // Without an offline queue a SUBSCRIBE sent before the connection is up fails, so subscribe on
    // every 'ready' (again after a reconnect; subscribing twice is harmless). The epoch covers
    // whatever is published while the subscriber is away.
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).catch(() => {});
    });
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Whether a revocation announced anywhere would have been seen by now (see the file comment). */
  confirmed(): boolean {
    return performance.now() - this.confirmedAt < CONFIRMED_MS;
  }

  /** Tells every instance that `tokenId` is revoked. Never rejects: a failure is retried by the poll. */
  async announce(tokenId: string): Promise<void> {
    try {
      await this.send(tokenId);
    } catch (error) {
      this.log.warn('Redis unavailable: revocation announced again once it answers', error);
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.values().next().value as string);
      this.pending.add(tokenId);
    }
  }

  private async send(tokenId: string): Promise<void> {
    if (!redisReady(this.commands)) throw new Error('Redis is not connected');
    // The epoch first: an instance that misses the message still sees the count move.
    await this.commands.multi().incr(this.epochKey).publish(this.channel, tokenId).exec();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed || !redisReady(this.commands)) return;
    this.polling = true;
    const issuedAt = performance.now();
    try {
      for (const tokenId of [...this.pending]) {
        await this.send(tokenId);
        this.pending.delete(tokenId);
      }
      const epoch = await this.commands.get(this.epochKey);
      // The first read evicts too: rows cached before it were not covered by any confirmation.
      if (epoch !== this.epoch) this.evict(null);
      this.epoch = epoch;
      this.confirmedAt = issuedAt;
    } catch {
      // Not confirmed: cached rows fall back to 1 s until a read succeeds.
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await closeRedis(this.subscriber);
  }
}
