// A small key/value cache for rendered pages. Callers treat it as best effort: `get` answers null
// and `set` does nothing when the backing store is unavailable, so a cache outage only costs
// speed, never correctness or availability.

export interface PageCache {
  /** The cached value, or null when absent, expired or the store is unreachable. */
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlMs`; failures are swallowed. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Resolves once the store can answer, or after `timeoutMs`; never rejects. */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
