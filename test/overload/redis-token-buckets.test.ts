// The shared token bucket (TALLY_REDIS_URL) against the real Redis at 127.0.0.1:6379: the same
// answers as the in-process bucket over random timelines, one bucket for every client of the
// deployment however many requests race, and the in-process bucket when Redis is not there.
// Keys live under a prefix of this run's own, so parallel runs never share a bucket.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, redisReadyWithin } from '../../src/cache/redis-connection.js';
import { RedisTokenBuckets } from '../../src/http/redis-token-buckets.js';
import { TokenBuckets } from '../../src/http/token-buckets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test:${randomBytes(6).toString('hex')}:`;

interface Logged {
  level: 'warn' | 'info';
  message: string;
}
function recordingLog() {
  const lines: Logged[] = [];
  return {
    lines,
    warn: (message: string) => lines.push({ level: 'warn', message }),
    info: (message: string) => lines.push({ level: 'info', message }),
  };
}

let first: Redis;
let second: Redis;
beforeAll(async () => {
  first = connectRedis(REDIS_URL);
  second = connectRedis(REDIS_URL);
  await Promise.all([redisReadyWithin(first, 5_000), redisReadyWithin(second, 5_000)]);
  expect(first.status, 'the suite needs Redis at 127.0.0.1:6379').toBe('ready');
});
afterAll(async () => {
  const keys = await first.keys(`${prefix}*`);
  if (keys.length > 0) await first.del(...keys);
  await closeRedis(first);
  await closeRedis(second);
});

let keyCount = 0;
const freshKey = () => `k${keyCount++}`;

const settings = fc.record({ rate: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) });
const step = fc.record({ gap: fc.integer({ min: 0, max: 400 }), peek: fc.boolean() });

describe('RedisTokenBuckets', () => {
  it('answers exactly as the in-process bucket: allowed, remaining and Retry-After', async () => {
    await fc.assert(
      fc.asyncProperty(
        settings,
        fc.array(step, { minLength: 1, maxLength: 40 }),
        async ({ rate, burst }, steps) => {
          const log = recordingLog();
          const shared = new RedisTokenBuckets(first, prefix, rate, burst, log);
          const local = new TokenBuckets(rate, burst);
          const key = freshKey();
          let now = 1_700_000_000_000;
          for (const { gap, peek } of steps) {
            now += gap < 200 ? 0 : gap - 200;
            const expected = peek ? local.peek(key, now) : local.take(key, now);
            const answer = peek ? await shared.peek(key, now) : await shared.take(key, now);
            expect(answer).toEqual(expected);
          }
          // Answered by Redis, not by the fallback (which would agree as well).
          expect(log.lines).toEqual([]);
          expect(await first.exists(`${prefix}${key}`)).toBe(steps.some((s) => !s.peek) ? 1 : 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives two instances one bucket: 200 racing takes get exactly the burst', async () => {
    const key = freshKey();
    const now = Date.now();
    const a = new RedisTokenBuckets(first, prefix, 1, 25, recordingLog());
    const b = new RedisTokenBuckets(second, prefix, 1, 25, recordingLog());
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).take(key, now)),
    );
    const allowed = answers.filter((answer) => answer.allowed);
    expect(allowed).toHaveLength(25);
    expect(allowed.map((answer) => answer.remaining).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
    for (const refused of answers.filter((answer) => !answer.allowed)) {
      expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    }
  });

  it('keeps each bucket only until it would be full again', async () => {
    const key = freshKey();
    const buckets = new RedisTokenBuckets(first, prefix, 2, 4, recordingLog());
    await buckets.take(key, Date.now());
    const ttl = await first.pttl(`${prefix}${key}`);
    // Empty to full takes burst / rate = 2 s; a second more for clocks that disagree.
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
    // A peek never writes.
    const other = freshKey();
    expect(await buckets.peek(other, Date.now())).toEqual({
      allowed: true,
      remaining: 4,
      retryAfterSeconds: 0,
    });
    expect(await first.exists(`${prefix}${other}`)).toBe(0);
  });

  it('falls back to a bucket of its own when Redis is unreachable, and says so once', async () => {
    const unreachable = connectRedis('redis://127.0.0.1:1');
    try {
      const log = recordingLog();
      const buckets = new RedisTokenBuckets(unreachable, prefix, 1, 3, log);
      const now = Date.now();
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await buckets.take('down', now));
      expect(answers.map((answer) => answer.allowed)).toEqual([true, true, true, false, false]);
      expect(answers[3]).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
      expect(buckets.has('down')).toBe(true);
      expect(log.lines).toEqual([
        { level: 'warn', message: 'Redis unavailable: rate limits are per instance until it answers again' },
      ]);
    } finally {
      await closeRedis(unreachable);
    }
  });
});
