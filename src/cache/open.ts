// Which cache a deployment gets: Redis when TALLY_REDIS_URL is set (shared by every instance),
// otherwise one in this process.
import type { Config } from '../config.js';
import type { PageCache } from './cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';

export function openCache(
  config: Pick<Config, 'redisUrl' | 'redisPrefix'>,
  options: { namespace: string; now: () => Date; onError?: (error: unknown) => void },
): PageCache {
  if (config.redisUrl)
    return new RedisCache(config.redisUrl, `${config.redisPrefix}${options.namespace}:`, options.onError);
  return new MemoryCache(options.now);
}
