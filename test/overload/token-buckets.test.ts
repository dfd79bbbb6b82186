// The token bucket itself, by properties over random request timelines: never more than the burst
// plus the sustained rate, never a refusal for a client that keeps to the rate, an honest
// Retry-After, and a map that stays within its bound whatever keys arrive.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/http/token-buckets.js';

const settings = fc.record({ rate: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) });
/** Request times in ms, ascending, with many requests sharing an instant. */
const timeline = fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 80 }).map((gaps) => {
  let now = 0;
  return gaps.map((gap) => {
    now += gap < 200 ? 0 : gap - 200;
    return now;
  });
});

describe('TokenBuckets', () => {
  it('allows at most burst + rate × elapsed in any window of requests', () => {
    fc.assert(
      fc.property(settings, timeline, ({ rate, burst }, times) => {
        const buckets = new TokenBuckets(rate, burst);
        const allowed = times.map((at) => buckets.take('k', at).allowed);
        for (let i = 0; i < times.length; i++) {
          let count = 0;
          for (let j = i; j < times.length; j++) {
            if (allowed[j]) count += 1;
            expect(count).toBeLessThanOrEqual(burst + (rate * (times[j]! - times[i]!)) / 1000 + 1e-9);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never refuses a burst followed by requests kept to the rate', () => {
    fc.assert(
      fc.property(settings, fc.integer({ min: 1, max: 40 }), ({ rate, burst }, later) => {
        const buckets = new TokenBuckets(rate, burst);
        for (let i = 0; i < burst; i++) expect(buckets.take('k', 0).allowed).toBe(true);
        const spacing = Math.ceil(1000 / rate);
        for (let i = 1; i <= later; i++) expect(buckets.take('k', i * spacing).allowed).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('answers a Retry-After (whole seconds, at least 1) after which the request is allowed', () => {
    fc.assert(
      fc.property(settings, timeline, ({ rate, burst }, times) => {
        const buckets = new TokenBuckets(rate, burst);
        for (const at of times) {
          const answer = buckets.take('k', at);
          if (answer.allowed) continue;
          expect(Number.isInteger(answer.retryAfterSeconds)).toBe(true);
          expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          // peek never takes: asked twice, it answers the same.
          expect(buckets.peek('k', at)).toEqual(answer);
          expect(buckets.peek('k', at)).toEqual(answer);
          expect(buckets.take('k', at + answer.retryAfterSeconds * 1000).allowed).toBe(true);
          return;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps at most maxKeys buckets, and drops buckets that have refilled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 300,
        }),
        (requests) => {
          const buckets = new TokenBuckets(10, 5, 64);
          let now = 0;
          for (const [key, gap] of requests) {
            now += gap;
            buckets.take(`token-${key}`, now);
            expect(buckets.size).toBeLessThanOrEqual(64);
          }
        },
      ),
      { numRuns: 100 },
    );
    const buckets = new TokenBuckets(10, 5);
    for (let i = 0; i < 1000; i++) buckets.take(`once-${i}`, i * 1000);
    // Each new key inspects the oldest ones; a bucket idle for 1 s at 10/s is full again.
    expect(buckets.size).toBeLessThan(10);
  });

  it('neither refills nor drains when the clock steps back', () => {
    const buckets = new TokenBuckets(1, 2);
    expect(buckets.take('k', 10_000).allowed).toBe(true);
    expect(buckets.take('k', 10_000).allowed).toBe(true);
    expect(buckets.take('k', 5_000).allowed).toBe(false);
    expect(buckets.take('k', 11_000).allowed).toBe(true);
  });
});
