// Contract §4.5: two instances of the built service on one PostgreSQL database and one Redis act
// as one deployment. A token's rate limit is one bucket whichever instance answers; the
// failed-authentication limit of an address is one bucket too; a token revoked through one
// instance is refused by the other within 1 s, even when it has just served it from its cache,
// and also when the announcement's message is lost (only the revocation epoch moves).
// PostgreSQL only: PGlite is one process's embedded database, so two instances cannot share it.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Redis } from 'ioredis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenIdOf } from '../../src/auth/tokens.js';

const connectRedis = (url: string) => new IORedis(url);
const closeRedis = (r: IORedis) => r.quit();
const redisReadyWithin = async (r: IORedis, _ms: number) => {
  await new Promise((ok) => r.once('ready', ok));
};

import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../helpers/test-database.js';
import { type Provisioned, provision } from '../reliability/provision.js';
import {
  buildService,
  freePort,
  RELIABILITY_ADMIN_TOKEN,
  ServiceProcess,
} from '../reliability/service-process.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BURST = 5;
/** Exact counts need the burst spent before one request's refill (1 s at 1 request/s). */
const SPEND_WITHIN_MS = 900;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET from `localAddress`, as a client there. */
function get(url: string, token: string, localAddress: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { headers: { authorization: `Bearer ${token}` }, localAddress },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.end();
  });
}

/**
 * A client address of the test's own (any 127.x address reaches a service on 127.0.0.1): the
 * 401s one test provokes drain its address's failed-authentication bucket, not the next test's.
 */
let lastAddress = 1 + Math.floor(Math.random() * 100);
const nextAddress = () => `127.0.0.${++lastAddress}`;

describe.skipIf(testDatabaseKind() === 'pglite')(
  'two instances, one PostgreSQL, one Redis (PostgreSQL only: an embedded PGlite database belongs to one process)',
  () => {
    const prefix = `tally-test:${randomBytes(6).toString('hex')}:`;
    let database: TestDatabase;
    let a: ServiceProcess;
    let b: ServiceProcess;
    let redis: Redis;
    let world: Provisioned;

    beforeAll(async () => {
      buildService();
      database = await createTestDatabase();
      redis = connectRedis(REDIS_URL);
      await redisReadyWithin(redis, 5_000);
      const env = {
        DATABASE_URL: database.url!,
        TALLY_SECRET_KEY: TEST_SECRET_KEY,
        TALLY_REDIS_URL: REDIS_URL,
        TALLY_REDIS_PREFIX: prefix,
        TALLY_RATE_LIMIT_RPS: '1',
        TALLY_RATE_LIMIT_BURST: String(BURST),
      };
      [a, b] = await Promise.all([
        freePort().then((port) => ServiceProcess.start(port, env)),
        freePort().then((port) => ServiceProcess.start(port, env)),
      ]);
      world = await provision(a.url);
    }, 180_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      if (redis) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await closeRedis(redis);
      }
      await database?.drop();
    }, 60_000);

    const usages = (service: ServiceProcess) =>
      `${service.url}/api/v1/workspace/${world.world.workspaceId}/ai/usages?limit=5`;

    async function newToken(): Promise<string> {
      const response = await fetch(`${a.url}/v1/admin/orgs/${world.world.orgId}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `scale-out ${randomBytes(3).toString('hex')}`, abilities: ['read'] }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { token: string }).token;
    }

    /**
     * Requests alternated between A and B until the first refusal (at most 2 × BURST + 2): the
     * answers before it. Tried again with a fresh token when the machine was too slow to spend
     * the burst within SPEND_WITHIN_MS (a refill would then be a legitimate extra answer).
     */
    async function alternateUntilRefused(
      send: (service: ServiceProcess, i: number) => Promise<Answer>,
    ): Promise<{ served: Answer[]; refused: Answer | null }> {
      for (let attempt = 0; ; attempt++) {
        const started = Date.now();
        const served: Answer[] = [];
        let refused: Answer | null = null;
        for (let i = 0; i < 2 * BURST + 2 && refused === null; i++) {
          const answer = await send(i % 2 === 0 ? a : b, i);
          if (answer.status === 429) refused = answer;
          else served.push(answer);
        }
        if (Date.now() - started < SPEND_WITHIN_MS || attempt === 4) return { served, refused };
      }
    }

    it('one bucket per token: BURST answers across both instances, then 429 with Retry-After', async () => {
      let token = '';
      const from = nextAddress();
      const { served, refused } = await alternateUntilRefused(async (service, i) => {
        if (i === 0) token = await newToken();
        return get(usages(service), token, from);
      });
      expect(served.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(served.map((answer) => answer.headers['ratelimit-remaining'])).toEqual([
        '4',
        '3',
        '2',
        '1',
        '0',
      ]);
      expect(refused).not.toBeNull();
      expect(refused!.status).toBe(429);
      expect(refused!.headers['retry-after']).toBe('1');
      expect(refused!.headers['ratelimit-limit']).toBe('5');
      expect(refused!.headers['ratelimit-remaining']).toBe('0');
      expect(JSON.parse(refused!.body)).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Rate limit exceeded, retry in 1 second',
      });
    });

    /** Polls `service` with `token` until it answers 401: the milliseconds since `since`. */
    async function msUntilRefused(service: ServiceProcess, token: string, from: string, since: number) {
      const deadline = since + 6_000;
      while (Date.now() < deadline) {
        const answer = await get(usages(service), token, from);
        // 200, or 429 (authenticated, then limited): still honoured.
        if (answer.status === 401) return Date.now() - since;
        expect([200, 429]).toContain(answer.status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return Number.POSITIVE_INFINITY;
    }

    it('a token revoked through A is refused by B within 1 s, though B has it cached', async () => {
      // Both instances listen for announcements (the epoch alone would also pass the 1 s bound).
      const channel = `${prefix}revocations`;
      await expect
        .poll(() => redis.pubsub('NUMSUB', channel), { timeout: 3_000, interval: 50 })
        .toEqual([channel, 2]);
      const token = await newToken();
      const from = nextAddress();
      // B serves it (and caches its row) right before the revocation.
      expect((await get(usages(b), token, from)).status).toBe(200);
      const revokedAt = Date.now();
      const revoke = await fetch(`${a.url}/v1/admin/tokens/${tokenIdOf(token)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}` },
      });
      expect(revoke.status).toBe(204);
      expect(await msUntilRefused(b, token, from, revokedAt)).toBeLessThanOrEqual(1_000);
      expect((await get(usages(a), token, from)).status).toBe(401);
    });

    it('a revocation whose message was lost is refused within 1 s: the epoch evicts', async () => {
      const token = await newToken();
      const from = nextAddress();
      expect((await get(usages(b), token, from)).status).toBe(200);
      expect((await get(usages(a), token, from)).status).toBe(200);
      // As an instance whose PUBLISH never arrived: the row is revoked and only the epoch moves.
      const revokedAt = Date.now();
      await database.database.db
        .updateTable('api_tokens')
        .set({ revoked_at: new Date() })
        .where('id', '=', tokenIdOf(token)!)
        .execute();
      await redis.incr(`${prefix}revocations:epoch`);
      const [onA, onB] = await Promise.all([
        msUntilRefused(a, token, from, revokedAt),
        msUntilRefused(b, token, from, revokedAt),
      ]);
      expect(onA).toBeLessThanOrEqual(1_000);
      expect(onB).toBeLessThanOrEqual(1_000);
    });

    it('one failed-authentication bucket per address: BURST 401s across both instances, then 429', async () => {
      const address = nextAddress();
      const forged = () => `tly_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;
      const { served, refused } = await alternateUntilRefused((service) =>
        get(usages(service), forged(), address),
      );
      expect(served.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
      expect(refused).not.toBeNull();
      expect(refused!.headers['retry-after']).toBe('1');
      expect(JSON.parse(refused!.body)).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Too many failed authentication attempts, retry in 1 second',
      });
    });
  },
);
