// Failed authentication is limited per client address: once an address has spent its allowance of
// 401s, the requests from it that would cost a token lookup are answered 429 without one, while
// tokens that recently authenticated keep working (a shared proxy is not locked out).
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp({ TALLY_RATE_LIMIT_RPS: '1', TALLY_RATE_LIMIT_BURST: '2' });
  f = new Factory(t);
});
afterAll(() => t.close());
afterEach(() => {
  t.clock.pinned = null;
});

const PINNED = new Date('2026-11-22T10:00:00.000Z');
let forged = 0;
/** A well-formed token naming no row: authenticating it costs a database lookup. */
const unknownToken = () => `tly_${(++forged).toString(16).padStart(32, 'f')}_${'A'.repeat(43)}`;

const call = (orgId: string, token: string, remoteAddress: string) =>
  t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${orgId}/activity/summary`,
    headers: bearer(token),
    remoteAddress,
  });

it('answers 429 to an address past its failed authentications, and only to lookups it would cost', async () => {
  t.clock.pinned = PINNED;
  const w = await f.world();
  const ip = '203.0.113.7';
  // Seen recently: its token id has a bucket, its row is cached by the authenticator.
  expect((await call(w.org.id, w.ownerToken.token, ip)).statusCode).toBe(200);

  expect((await call(w.org.id, unknownToken(), ip)).statusCode).toBe(401);
  expect((await call(w.org.id, unknownToken(), ip)).statusCode).toBe(401);
  const refused = await call(w.org.id, unknownToken(), ip);
  expect(refused.statusCode).toBe(429);
  expect(refused.headers['retry-after']).toBe('1');
  expect(refused.json()).toEqual({
    error: 'RATE_LIMITED',
    message: 'Too many requests',
    details: {},
    timestamp: '2026-11-22T10:00:00.000000',
    status_code: 429,
  });

  // A working token that authenticated recently is still served from that address…
  expect((await call(w.org.id, w.ownerToken.token, ip)).statusCode).toBe(200);
  // …and a forged secret on that known id is a 401 from the cached row, not a lookup.
  const [, id] = /^tly_([0-9a-f]{32})_/.exec(w.ownerToken.token)!;
  expect((await call(w.org.id, `tly_${id}_${'B'.repeat(43)}`, ip)).statusCode).toBe(401);
  // Malformed tokens and no token cost no lookup: they stay a plain 401.
  expect((await call(w.org.id, 'not-a-token', ip)).statusCode).toBe(401);
  // A valid token not seen recently needs a lookup, so it waits like the rest (the price of the
  // protection; a second later the address may try again).
  expect((await call(w.org.id, w.serviceToken.token, ip)).statusCode).toBe(429);

  // Other addresses have their own allowance.
  expect((await call(w.org.id, unknownToken(), '198.51.100.9')).statusCode).toBe(401);
  expect((await call(w.org.id, w.serviceToken.token, '198.51.100.9')).statusCode).toBe(200);

  // The allowance refills at the sustained rate.
  t.clock.pinned = new Date(PINNED.getTime() + 1000);
  expect((await call(w.org.id, unknownToken(), ip)).statusCode).toBe(401);
  expect((await call(w.org.id, unknownToken(), ip)).statusCode).toBe(429);
});

it('refuses in each surface dialect without calling the authenticator', async () => {
  t.clock.pinned = PINNED;
  const ip = '203.0.113.50';
  const w = await f.world();
  for (let i = 0; i < 2; i++) expect((await call(w.org.id, unknownToken(), ip)).statusCode).toBe(401);

  const authenticate = vi.spyOn(t.app.deps.authenticator, 'authenticate');
  try {
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(unknownToken()), 'content-type': 'application/json' },
      payload: '[]',
      remoteAddress: ip,
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Too many failed authentication attempts, retry in 1 second',
    });
    const usage = await t.app.inject({
      method: 'GET',
      url: '/workspaces/usage',
      headers: { ...bearer(unknownToken()), 'x-workspace-id': '1' },
      remoteAddress: ip,
    });
    expect(usage.statusCode).toBe(429);
    expect(usage.json()).toEqual({ message: 'Too Many Attempts.' });
    expect(authenticate).not.toHaveBeenCalled();
  } finally {
    authenticate.mockRestore();
  }
});
