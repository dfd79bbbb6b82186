// Per-token rate limits, and a limit on failed authentication per client address, so that neither
// one busy token nor a flood of bad tokens can take the service from everyone else. Both run in
// the request's first hooks, before any validation, body parsing or handler database work, and
// answer 429 with Retry-After in the surface's own dialect. With Redis (TALLY_REDIS_URL) both kinds
// of bucket are shared by every instance (redis-token-buckets.ts); without it they live here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { bearerToken, tokenIdOf } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { TallyError } from '../errors.js';
import { type Buckets, RedisTokenBuckets } from './redis-token-buckets.js';
import { TokenBuckets } from './token-buckets.js';

export interface RateLimitsLog {
  warn(message: string, error?: unknown): void;
  info(message: string): void;
}

export class RateLimits {
  /** One bucket per API token id that authenticated. */
  readonly tokens: Buckets;
  /** One bucket per client address, drained by failed authentications only. */
  readonly failures: Buckets;

  constructor(
    config: Pick<Config, 'rateLimitRps' | 'rateLimitBurst' | 'redisPrefix'>,
    readonly nowMs: () => number,
    shared?: { redis: Redis; log: RateLimitsLog },
  ) {
    const rate = config.rateLimitRps;
    const burst = config.rateLimitBurst;
    if (shared) {
      const prefix = `${config.redisPrefix}ratelimit:`;
      this.tokens = new RedisTokenBuckets(shared.redis, `${prefix}token:`, rate, burst, shared.log);
      this.failures = new RedisTokenBuckets(shared.redis, `${prefix}failures:`, rate, burst, shared.log);
    } else {
      this.tokens = new TokenBuckets(rate, burst);
      this.failures = new TokenBuckets(rate, burst);
    }
  }
}

/**
 * The rate limits of a configuration, or null when `TALLY_RATE_LIMIT_RPS` is 0 (off); shared
 * through `redis` when given (the deployment has TALLY_REDIS_URL).
 */
export function rateLimitsOf(
  config: Config,
  now: () => Date,
  shared?: { redis: Redis; log: RateLimitsLog },
): RateLimits | null {
  return config.rateLimitRps > 0 ? new RateLimits(config, () => now().getTime(), shared) : null;
}

const plural = (seconds: number) => `${seconds} second${seconds === 1 ? '' : 's'}`;

function isAuthenticated(request: FastifyRequest): boolean {
  return !request.is404 && request.routeOptions.config.auth !== false;
}

/**
 * Before authentication: once an address has used up its allowance of failed authentications,
 * refuse its requests that would cost a database lookup to authenticate — a well-formed token
 * whose id has not authenticated here recently. Malformed tokens are a 401 without any lookup,
 * and the token rows recently seen are cached by the authenticator, so those pass: one client
 * flooding bad tokens behind a shared proxy does not lock out the others' working tokens.
 */
export function installFailedAuthenticationLimit(app: FastifyInstance, limits: RateLimits): void {
  app.addHook('onRequest', async (request) => {
    if (!isAuthenticated(request)) return;
    const token = bearerToken(request.headers.authorization);
    const tokenId = token ? tokenIdOf(token) : null;
    if (tokenId === null || limits.tokens.has(tokenId)) return;
    const answer = await limits.failures.peek(request.ip, limits.nowMs());
    if (!answer.allowed) {
      throw new TallyError(
        'rate_limited',
        `Too many failed authentication attempts, retry in ${plural(answer.retryAfterSeconds)}`,
        { retryAfterSeconds: answer.retryAfterSeconds },
      );
    }
  });
  // Before the 401 leaves (onSend, not onResponse): with shared buckets the take is a Redis round
  // trip, and a client's next attempt, on any instance, must already see it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && request.principal === null && isAuthenticated(request)) {
      await limits.failures.take(request.ip, limits.nowMs());
    }
    return payload;
  });
}

/**
 * After authentication: one bucket per API token. The deployment admin is exempt: it is the
 * operator's own credential (the CLI and provisioning scripts use it in bulk), not a tenant's.
 * Refused requests are still self-recorded (status 429) through the batched recorder.
 */
export function installTokenRateLimit(app: FastifyInstance, limits: RateLimits): void {
  const limit = String(limits.tokens.burst);
  app.addHook('onRequest', async (request, reply) => {
    const tokenId = request.principal?.tokenId;
    if (!tokenId) return;
    const answer = await limits.tokens.take(tokenId, limits.nowMs());
    reply.header('ratelimit-limit', limit);
    reply.header('ratelimit-remaining', String(answer.remaining));
    if (!answer.allowed) {
      throw new TallyError(
        'rate_limited',
        `Rate limit exceeded, retry in ${plural(answer.retryAfterSeconds)}`,
        {
          retryAfterSeconds: answer.retryAfterSeconds,
        },
      );
    }
  });
}
