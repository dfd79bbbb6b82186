// Token buckets keyed by a string (an API token id, a client address), in process memory. Each
// bucket holds up to `burst` tokens and refills at `ratePerSecond`; a request takes one. The map
// is bounded: a bucket that has refilled to the brim says nothing a missing bucket would not, so
// idle buckets are dropped as new keys arrive, and past `maxKeys` the least recently used goes.

export interface BucketAnswer {
  allowed: boolean;
  /** Whole requests the bucket still allows right now. */
  remaining: number;
  /** When refused: whole seconds until the bucket holds a token again (at least 1). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  /** The clock reading (ms) `tokens` was computed at. */
  at: number;
}

export const DEFAULT_MAX_KEYS = 100_000;
/** Idle buckets inspected (oldest first) each time a key is added, so the map shrinks on its own. */
const SWEEP_PER_INSERT = 2;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly maxKeys: number = DEFAULT_MAX_KEYS,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
  }

  get size(): number {
    return this.buckets.size;
  }

  has(key: string): boolean {
    return this.buckets.has(key);
  }

  /** Takes one token from `key`'s bucket when it holds one. */
  take(key: string, nowMs: number): BucketAnswer {
    const bucket = this.touch(key, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return this.refusal(bucket);
  }

  /** Whether `key`'s bucket holds a token, without taking it (and without creating a bucket). */
  peek(key: string, nowMs: number): BucketAnswer {
    const bucket = this.buckets.get(key);
    if (!bucket) return { allowed: true, remaining: this.burst, retryAfterSeconds: 0 };
    this.refill(bucket, nowMs);
    if (bucket.tokens >= 1)
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    return this.refusal(bucket);
  }

  private refusal(bucket: Bucket): BucketAnswer {
    const seconds = (1 - bucket.tokens) / this.ratePerSecond;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  private refill(bucket: Bucket, nowMs: number): void {
    // A clock that steps back (tests pin it; NTP may) neither refills nor drains.
    const elapsed = Math.max(0, nowMs - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSecond) / 1000);
    bucket.at = Math.max(bucket.at, nowMs);
  }

  /** The refilled bucket of `key`, moved to the most recently used end of the map. */
  private touch(key: string, nowMs: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      this.refill(bucket, nowMs);
    } else {
      this.sweep(nowMs);
      bucket = { tokens: this.burst, at: nowMs };
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  private sweep(nowMs: number): void {
    let inspected = 0;
    for (const [key, bucket] of this.buckets) {
      if (inspected++ >= SWEEP_PER_INSERT) break;
      this.refill(bucket, nowMs);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
    // Still full of active keys: the least recently used one starts afresh if it comes back.
    while (this.buckets.size >= this.maxKeys) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
  }
}
