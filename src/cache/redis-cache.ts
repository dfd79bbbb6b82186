// The shared cache: Redis, so several Tally instances answer alike. Built to degrade (see
// redis-connection.ts): every failure reads as a miss, so an outage only costs speed.
import type { Redis } from 'ioredis';
import type { PageCache } from './cache.js';
import { closeRedis, connectRedis, redisReady, redisReadyWithin } from './redis-connection.js';

export class RedisCache implements PageCache {
  private readonly client: Redis;
  private closed = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.client = connectRedis(url, onError);
  }

  private usable(): boolean {
    return !this.closed && redisReady(this.client);
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
    return redisReadyWithin(this.client, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeRedis(this.client);
  }
}
