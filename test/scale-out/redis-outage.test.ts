// With TALLY_REDIS_URL set but Redis unreachable, an instance keeps its promises alone: rate limits
// fall back to its own buckets, and since no revocation feed can vouch for its token cache, a
// cached token row is trusted for 1 s only (the 1 s bound of contract §4.5 holds through the
// outage; the database is just asked more often). Without Redis nothing changes: rows are cached
// for 5 s, one instance being the supported deployment. The clock is pinned, so ages are exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

const PINNED = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(PINNED.getTime() + ms);

async function revokeBehindItsBack(t: TestApp, tokenId: string) {
  // As another instance would, with no announcement reaching this one.
  await t.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).execute();
}

function scenario(env: Record<string, string>) {
  let t: TestApp;
  let f: Factory;
  beforeAll(async () => {
    t = await buildTestApp({ TALLY_RATE_LIMIT_RPS: '1', TALLY_RATE_LIMIT_BURST: '3', ...env });
    f = new Factory(t);
  });
  afterAll(async () => {
    t.clock.pinned = null;
    await t.close();
  });
  const read = async (token: string, orgId: string, ms: number) => {
    t.clock.pinned = at(ms);
    return t.app.inject({ method: 'GET', url: `/v1/orgs/${orgId}/activity`, headers: bearer(token) });
  };
  return {
    get t() {
      return t;
    },
    get f() {
      return f;
    },
    read,
  };
}

describe('Redis unreachable (TALLY_REDIS_URL set)', () => {
  const s = scenario({ TALLY_REDIS_URL: 'redis://127.0.0.1:1' });

  it('rate limits with the instance’s own bucket', async () => {
    const w = await s.f.world();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await s.read(w.ownerToken.token, w.org.id, 0)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await s.read(w.ownerToken.token, w.org.id, 0);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await s.read(w.ownerToken.token, w.org.id, 1_000)).statusCode).toBe(200);
  });

  it('trusts a cached token row for 1 s only', async () => {
    const w = await s.f.world();
    expect((await s.read(w.ownerToken.token, w.org.id, 0)).statusCode).toBe(200);
    await revokeBehindItsBack(s.t, w.ownerToken.id);
    expect((await s.read(w.ownerToken.token, w.org.id, 999)).statusCode).toBe(200);
    expect((await s.read(w.ownerToken.token, w.org.id, 1_000)).statusCode).toBe(401);
  });
});

describe('without Redis (one instance)', () => {
  const s = scenario({});

  it('trusts a cached token row for 5 s, as before', async () => {
    const w = await s.f.world();
    expect((await s.read(w.ownerToken.token, w.org.id, 0)).statusCode).toBe(200);
    await revokeBehindItsBack(s.t, w.ownerToken.id);
    expect((await s.read(w.ownerToken.token, w.org.id, 4_999)).statusCode).toBe(200);
    expect((await s.read(w.ownerToken.token, w.org.id, 5_000)).statusCode).toBe(401);
  });
});
