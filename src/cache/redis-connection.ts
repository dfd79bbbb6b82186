// One ioredis connection set up to degrade, shared by everything that talks to Redis (the page
// cache, the shared rate limits, the revocation feed): commands are never queued while
// disconnected (they fail at once), each command has a short timeout, and the client keeps
// reconnecting in the background with a capped backoff. Callers treat every failure as "Redis is
// not there right now" and fall back to what one instance can do alone.
import { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 250;
const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * A client for `url`. `onError` hears the first error of each outage only (ioredis reports every
 * failed reconnect, and without a listener reports them as unhandled 'error' events).
 */
export function connectRedis(url: string, onError: (error: unknown) => void = () => {}): Redis {
  const client = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });
  let reported = false;
  client.on('error', (error) => {
    if (!reported) onError(error);
    reported = true;
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

/** Whether `client` can take a command now (anything else would fail at once). */
export function redisReady(client: Redis): boolean {
  return client.status === 'ready';
}

/** Resolves once `client` is ready, or after `timeoutMs`; never rejects. */
export function redisReadyWithin(client: Redis, timeoutMs: number): Promise<void> {
  if (redisReady(client)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.once('ready', done);
  });
}

/** QUIT when connected; during an outage just stop reconnecting. Never rejects. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (!redisReady(client)) {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
