// Token buckets shared by every instance through Redis: one bucket per key across the deployment,
// with the semantics of the in-process TokenBuckets (burst, refill at the rate, whole remaining
// requests, Retry-After in whole seconds of at least 1). Each take or peek is one atomic Lua
// script (EVALSHA, loaded once by ioredis), so concurrent requests on any instance never take
// more than the bucket holds. The clock is the instance's (the app clock, as for the in-process
// buckets); a clock behind the bucket's neither refills nor drains it.
//
// Redis unreachable or slow: the answer comes from an in-process bucket of the same size, which
// shadows every request this instance let through, so the fallback starts from what this instance
// spent. The outage is reported once; for FALLBACK_MS after a failed command Redis is not asked
// again, so a hung Redis costs one command timeout a second, not one per request.
import type { Redis } from 'ioredis';
import { redisReady } from '../cache/redis-connection.js';
import { type BucketAnswer, TokenBuckets } from './token-buckets.js';

const FALLBACK_MS = 1_000;

// KEYS[1] the bucket; ARGV: rate per second, burst, now (ms), 1 to take or 0 to peek, expiry (ms).
// The bucket is a hash {t: tokens (fractional), at: ms the tokens were computed at}. A missing
// bucket is a full one, and a full one expires: nothing is lost by forgetting it.
// Returns {allowed 0|1, whole requests remaining, Retry-After seconds}.
const BUCKET_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local take = ARGV[4] == '1'
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
at = math.max(at, now)
if tokens >= 1 then
  if take then
    tokens = tokens - 1
    redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'at', string.format('%d', at))
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
  end
  return {1, math.floor(tokens), 0}
end
return {0, 0, math.max(1, math.ceil((1 - tokens) / rate))}
`;

type ScriptedRedis = Redis & {
  tallyTokenBucket(
    key: string,
    rate: number,
    burst: number,
    nowMs: number,
    take: 0 | 1,
    expiryMs: number,
  ): Promise<[number, number, number]>;
};

export interface Buckets {
  readonly burst: number;
  /** Whether this instance let `key` through recently (local knowledge, no round trip). */
  has(key: string): boolean;
  take(key: string, nowMs: number): BucketAnswer | Promise<BucketAnswer>;
  peek(key: string, nowMs: number): BucketAnswer | Promise<BucketAnswer>;
}

export class RedisTokenBuckets implements Buckets {
  private readonly redis: ScriptedRedis;
  private readonly local: TokenBuckets;
  /** A bucket refills from empty to full in this time; a full bucket may be forgotten. */
  private readonly expiryMs: number;
  private unavailableUntil = 0;
  private degraded = false;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly log: { warn(message: string, error?: unknown): void; info(message: string): void },
  ) {
    this.local = new TokenBuckets(ratePerSecond, burst);
    this.expiryMs = Math.ceil((burst / ratePerSecond) * 1000) + 1_000;
    if (!('tallyTokenBucket' in redis)) {
      redis.defineCommand('tallyTokenBucket', { numberOfKeys: 1, lua: BUCKET_SCRIPT });
    }
    this.redis = redis as ScriptedRedis;
  }

  has(key: string): boolean {
    return this.local.has(key);
  }

  async take(key: string, nowMs: number): Promise<BucketAnswer> {
    const shared = await this.ask(key, nowMs, 1);
    if (shared === null) return this.local.take(key, nowMs);
    // The shadow: what this instance let through, for `has` and for the fallback.
    if (shared.allowed) this.local.take(key, nowMs);
    return shared;
  }

  async peek(key: string, nowMs: number): Promise<BucketAnswer> {
    return (await this.ask(key, nowMs, 0)) ?? this.local.peek(key, nowMs);
  }

  /** The shared bucket's answer, or null when Redis cannot give one now. */
  private async ask(key: string, nowMs: number, take: 0 | 1): Promise<BucketAnswer | null> {
    if (!redisReady(this.redis) || Date.now() < this.unavailableUntil) {
      this.degrade(null);
      return null;
    }
    try {
      const [allowed, remaining, retryAfterSeconds] = await this.redis.tallyTokenBucket(
        this.prefix + key,
        this.ratePerSecond,
        this.burst,
        Math.floor(nowMs),
        take,
        this.expiryMs,
      );
      if (this.degraded) {
        this.degraded = false;
        this.log.info('rate limits are shared through Redis again');
      }
      return { allowed: allowed === 1, remaining, retryAfterSeconds };
    } catch (error) {
      this.unavailableUntil = Date.now() + FALLBACK_MS;
      this.degrade(error);
      return null;
    }
  }

  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.log.warn('Redis unavailable: rate limits are per instance until it answers again', error);
  }
}
