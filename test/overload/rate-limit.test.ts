// Per-token rate limits: a token bucket per API token (burst, then a sustained rate), answered 429
// with Retry-After in each surface's own dialect. The clock is pinned, so refills are exact.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId, uuid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp({ TALLY_RATE_LIMIT_RPS: '2', TALLY_RATE_LIMIT_BURST: '3' });
  f = new Factory(t);
});
afterAll(() => t.close());
afterEach(() => {
  t.clock.pinned = null;
});

const PINNED = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(PINNED.getTime() + ms);

interface Call {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

const send = (token: string, call: Call) =>
  t.app.inject({ ...call, headers: { ...call.headers, ...bearer(token) } });

/** Spends a fresh token's whole burst on `call`, then answers the first refused request. */
async function exhaust(token: string, call: Call) {
  for (let i = 0; i < 3; i++) {
    const response = await send(token, call);
    expect(response.statusCode, response.body).toBeLessThan(400);
    expect(response.headers['ratelimit-limit']).toBe('3');
    expect(response.headers['ratelimit-remaining']).toBe(String(2 - i));
  }
  const refused = await send(token, call);
  expect(refused.statusCode, refused.body).toBe(429);
  expect(refused.headers['retry-after']).toBe('1');
  expect(refused.headers['ratelimit-remaining']).toBe('0');
  return refused;
}

describe('429 in every dialect', () => {
  it('activity (seed 004): the FastAPI envelope', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    const refused = await exhaust(w.ownerToken.token, {
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/activity`,
    });
    expect(refused.json()).toEqual({
      error: 'RATE_LIMITED',
      message: 'Too many requests',
      details: {},
      timestamp: '2026-11-22T10:00:00.000000',
      status_code: 429,
    });
  });

  it('usage history (seeds 001/003): Laravel throttle message', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world({ workspaceId: numericId(), ownerId: numericId() });
    const refused = await exhaust(w.ownerToken.token, {
      method: 'GET',
      url: '/workspaces/usage',
      headers: { 'x-workspace-id': w.workspace.id },
    });
    expect(refused.json()).toEqual({ message: 'Too Many Attempts.' });
  });

  it('AI tool usages (seed 000): Fastify error shape', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    const refused = await exhaust(w.ownerToken.token, {
      method: 'GET',
      url: `/api/v1/workspace/${w.workspace.id}/ai/usages`,
    });
    expect(refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Rate limit exceeded, retry in 1 second',
    });
  });

  it('workspace (seed 002): FastAPI detail', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world({ workspaceId: uuid() });
    const refused = await exhaust(w.ownerToken.token, {
      method: 'GET',
      url: `/api/v1/workspaces/${w.workspace.id}`,
    });
    expect(refused.json()).toEqual({ detail: 'Rate limit exceeded, retry in 1 second' });
  });

  it('ingestion and administration: problem details, before the body is looked at', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    // An unreadable body is a 415 while the token has requests left, and still a 429 after.
    const ingest: Call = {
      method: 'POST',
      url: '/v1/ingest',
      headers: { 'content-type': 'text/plain' },
      payload: 'not events',
    };
    expect((await send(w.serviceToken.token, ingest)).statusCode).toBe(415);
    await send(w.serviceToken.token, ingest);
    await send(w.serviceToken.token, ingest);
    const refused = await send(w.serviceToken.token, ingest);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = {
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Rate limit exceeded, retry in 1 second',
    };
    expect(refused.json()).toEqual(problem);

    const refusedAdmin = await exhaust(w.ownerToken.token, {
      method: 'GET',
      url: `/v1/admin/orgs/${w.org.id}/tokens`,
    });
    expect(refusedAdmin.json()).toEqual(problem);
  });
});

describe('buckets', () => {
  const listing = (orgId: string): Call => ({ method: 'GET', url: `/v1/orgs/${orgId}/activity/summary` });

  it('are per token: another token of the same org and user is served', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    const second = await f.token(w.org.id, { userId: w.owner.id });
    await exhaust(w.ownerToken.token, listing(w.org.id));
    expect((await send(second.token, listing(w.org.id))).statusCode).toBe(200);
    expect((await send(w.serviceToken.token, listing(w.org.id))).statusCode).toBe(200);
    expect((await send(w.ownerToken.token, listing(w.org.id))).statusCode).toBe(429);
  });

  it('refill at the sustained rate, up to the burst', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    const token = w.ownerToken.token;
    await exhaust(token, listing(w.org.id));
    // 2 per second: one request every 500 ms.
    t.clock.pinned = at(499);
    expect((await send(token, listing(w.org.id))).statusCode).toBe(429);
    t.clock.pinned = at(500);
    expect((await send(token, listing(w.org.id))).statusCode).toBe(200);
    expect((await send(token, listing(w.org.id))).statusCode).toBe(429);
    // A long pause refills to the burst (3), not beyond.
    t.clock.pinned = at(60_000);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(token, listing(w.org.id))).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('record refused requests as activity of the token (status 429), through the batched recorder', async () => {
    t.clock.pinned = PINNED;
    const w = await f.world();
    const refused = await exhaust(w.ownerToken.token, listing(w.org.id));
    await t.app.recorder.flush();
    const row = await t.db
      .selectFrom('activities')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('trace_id', '=', String(refused.headers['x-request-id']))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      token_id: w.ownerToken.id,
      status_code: 429,
      success: false,
      error_code: 'HTTP_429',
      path: `/v1/orgs/${w.org.id}/activity/summary`,
    });
  });

  it('leave the deployment admin alone', async () => {
    t.clock.pinned = PINNED;
    const org = await f.org();
    for (let i = 0; i < 10; i++) {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/admin/orgs/${org.id}/tokens`,
        headers: bearer(t.adminToken),
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('leave unauthenticated routes alone', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  });
});
