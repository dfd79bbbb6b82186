// The in-process cache: a map bounded in entries and in characters, with expiry times read from the
// app's clock (so tests can move time). Insertion order doubles as age order, so evicting the first
// keys drops the oldest, and with one TTL per namespace the oldest are also the first to expire.
import type { PageCache } from './cache.js';

const DEFAULT_MAX_ENTRIES = 10_000;
/**
 * 16 Mi characters: 16 MiB of pages (JSON is ASCII, which V8 stores a byte a character), a tenth of
 * the service's heap cap (192 MiB, `npm start`); Redis holds more for those who need it.
 */
const DEFAULT_MAX_CHARS = 16 * 1024 * 1024;

export class MemoryCache implements PageCache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private chars = 0;

  constructor(
    private readonly now: () => Date,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly maxChars = DEFAULT_MAX_CHARS,
  ) {}

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now().getTime()) {
      this.remove(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (value.length > this.maxChars) return;
    this.remove(key);
    const now = this.now().getTime();
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    this.chars += value.length;
    for (const [oldest, entry] of this.entries) {
      const full = this.entries.size > this.maxEntries || this.chars > this.maxChars;
      if (!full && entry.expiresAt > now) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.chars -= entry.value.length;
    this.entries.delete(key);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.chars = 0;
  }
}
