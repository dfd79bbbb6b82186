// The shared cache: Redis, so several Tally instances answer alike. Built to degrade: commands are
// never queued while disconnected (they fail at once), each command has a short timeout, and every
// failure reads as a miss. The client keeps reconnecting in the background with a capped backoff.
import { Redis } from 'ioredis';
import type { PageCache } from './cache.js';

const CONNECT_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 250;
const MAX_RECONNECT_DELAY_MS = 5_000;

export class RedisCache implements PageCache {
  private readonly client: Redis;
  private closed = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.client = new Redis(url, {
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableReadyCheck: true,
      retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
    });
    // Without a listener ioredis reports every failed reconnect as an unhandled 'error' event.
    let reported = false;
    this.client.on('error', (error) => {
      if (!reported) onError(error);
      reported = true;
    });
    this.client.on('ready', () => {
      reported = false;
    });
  }

  private usable(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  async get(key: string): Promise<string | null> {
    if (!this.usable()) return null;
    try {
      return await this.client.get(this.prefix + key);
    } catch (error) {
      this.onError(error);
      return null;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (!this.usable()) return;
    try {
      await this.client.set(this.prefix + key, value, 'PX', ttlMs);
    } catch (error) {
      this.onError(error);
    }
  }

  ready(timeoutMs: number): Promise<void> {
    if (this.usable()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.client.once('ready', done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // QUIT needs a live connection; during an outage just stop reconnecting.
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
