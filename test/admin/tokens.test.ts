import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { expectIsolation } from '../helpers/isolation.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TOKEN = /^tly_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;
const UNAUTHENTICATED = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Authentication required',
};
const notFound = (type: string, id: string) => ({
  type: 'about:blank',
  title: 'Not Found',
  status: 404,
  detail: `${type} "${id}" was not found`,
});

function send(method: 'POST' | 'GET' | 'DELETE', url: string, token: string, payload?: object) {
  return t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

describe('POST /v1/admin/orgs/{org_id}/tokens', () => {
  it('creates a user token and a service token, showing the secret once', async () => {
    const w = await f.world();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, w.ownerToken.token, {
      name: 'reporting',
      user_id: w.owner.id,
      abilities: ['read', 'use_agents'],
      expires_at: expiresAt,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      org_id: w.org.id,
      user_id: w.owner.id,
      name: 'reporting',
      abilities: ['read', 'use_agents'],
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
      created_at: expect.stringMatching(ISO),
      token: expect.stringMatching(TOKEN),
    });
    expect(body.token.slice(4, 36)).toBe(body.id.replaceAll('-', ''));

    const service = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, t.adminToken, {
      name: 'svc',
      abilities: ['ingest'],
    });
    expect(service.statusCode).toBe(201);
    expect(service.json()).toMatchObject({ user_id: null, abilities: ['ingest'], expires_at: null });
  });

  it('refuses an expired expiry, unknown abilities and an unknown user (422)', async () => {
    const w = await f.world();
    const response = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, t.adminToken, {
      name: 'x',
      user_id: 'ghost',
      abilities: ['read'],
      expires_at: '2020-01-01T00:00:00Z',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'The request is invalid; see errors',
      errors: [
        {
          pointer: '#/expires_at',
          detail: 'must be in the future: a token cannot be created already expired',
        },
        { pointer: '#/user_id', detail: `no user "ghost" in org "${w.org.id}"` },
      ],
    });
    const abilities = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, t.adminToken, {
      name: 'x',
      abilities: ['fly'],
    });
    expect(abilities.statusCode).toBe(422);
    expect(abilities.json().errors).toEqual([
      { pointer: '#/abilities/0', detail: "must be one of 'read', 'use_agents', 'ingest', 'admin' or '*'" },
    ]);
    const none = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, t.adminToken, {
      name: 'x',
      abilities: [],
    });
    expect(none.statusCode).toBe(422);
  });

  it('passes the isolation checks', async () => {
    const org = await f.org();
    await expectIsolation(
      t,
      f,
      org.id,
      { method: 'POST', url: `/v1/admin/orgs/${org.id}/tokens`, payload: { name: 'x', abilities: ['read'] } },
      { unauthenticated: UNAUTHENTICATED, otherOrg: { status: 404, body: notFound('org', org.id) } },
    );
  });
});

describe('GET /v1/admin/orgs/{org_id}/tokens', () => {
  it('lists tokens newest first, never with a secret, and records last use', async () => {
    const w = await f.world();
    const list = await send('GET', `/v1/admin/orgs/${w.org.id}/tokens`, w.serviceToken.token);
    expect(list.statusCode).toBe(200);
    const tokens = list.json().tokens;
    expect(tokens.map((token: { id: string }) => token.id)).toEqual([w.serviceToken.id, w.ownerToken.id]);
    expect(list.body).not.toContain(w.serviceToken.token);
    expect(tokens[0]).not.toHaveProperty('token');
    await t.app.deps.authenticator.flushLastUsed();
    const after = await send('GET', `/v1/admin/orgs/${w.org.id}/tokens`, w.ownerToken.token);
    const service = after.json().tokens.find((token: { id: string }) => token.id === w.serviceToken.id);
    expect(service.last_used_at).toMatch(ISO);
  });

  it('passes the isolation checks', async () => {
    const org = await f.org();
    await expectIsolation(
      t,
      f,
      org.id,
      { method: 'GET', url: `/v1/admin/orgs/${org.id}/tokens` },
      { unauthenticated: UNAUTHENTICATED, otherOrg: { status: 404, body: notFound('org', org.id) } },
    );
  });
});

describe('DELETE /v1/admin/tokens/{token_id}', () => {
  it('revokes a token at once; revoking again is harmless', async () => {
    const w = await f.world();
    const reader = await f.token(w.org.id, { userId: w.owner.id });
    const before = await send('GET', `/v1/admin/orgs/${w.org.id}/tokens`, reader.token);
    expect(before.statusCode).toBe(200);
    const revoked = await send('DELETE', `/v1/admin/tokens/${reader.id}`, w.ownerToken.token);
    expect(revoked.statusCode).toBe(204);
    const after = await send('GET', `/v1/admin/orgs/${w.org.id}/tokens`, reader.token);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual(UNAUTHENTICATED);
    const listed = await send('GET', `/v1/admin/orgs/${w.org.id}/tokens`, w.ownerToken.token);
    const row = listed.json().tokens.find((token: { id: string }) => token.id === reader.id);
    expect(row.revoked_at).toMatch(ISO);
    expect((await send('DELETE', `/v1/admin/tokens/${reader.id}`, w.ownerToken.token)).statusCode).toBe(204);
  });

  it("answers 404 for an unknown token or another org's, and 422 for a malformed id", async () => {
    const a = await f.world();
    const b = await f.world();
    const unknown = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const missing = await send('DELETE', `/v1/admin/tokens/${unknown}`, a.ownerToken.token);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(notFound('token', unknown));
    const foreign = await send('DELETE', `/v1/admin/tokens/${b.serviceToken.id}`, a.ownerToken.token);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(notFound('token', b.serviceToken.id));
    const stillWorks = await send('GET', `/v1/admin/orgs/${b.org.id}/tokens`, b.serviceToken.token);
    expect(stillWorks.statusCode).toBe(200);
    const malformed = await send('DELETE', '/v1/admin/tokens/not-a-uuid', a.ownerToken.token);
    expect(malformed.statusCode).toBe(422);
  });

  it('passes the isolation checks', async () => {
    const w = await f.world();
    await expectIsolation(
      t,
      f,
      w.org.id,
      { method: 'DELETE', url: `/v1/admin/tokens/${w.serviceToken.id}` },
      {
        unauthenticated: UNAUTHENTICATED,
        otherOrg: { status: 404, body: notFound('token', w.serviceToken.id) },
      },
    );
  });
});

describe('token expiry', () => {
  it('accepts a token until it expires and refuses it after', async () => {
    const w = await f.world();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const token = await f.token(w.org.id, { userId: w.owner.id, expiresAt: expiresAt.toISOString() });
    const url = `/v1/admin/orgs/${w.org.id}/tokens`;
    t.clock.pinned = new Date(expiresAt.getTime() - 1000);
    expect((await send('GET', url, token.token)).statusCode).toBe(200);
    t.clock.pinned = expiresAt;
    try {
      const expired = await send('GET', url, token.token);
      expect(expired.statusCode).toBe(401);
      expect(expired.json()).toEqual(UNAUTHENTICATED);
    } finally {
      t.clock.pinned = null;
    }
  });
});
