// Administration bodies are JSON and keep their types: nothing is coerced (src/http/validators.ts),
// so a string where a list belongs, a number or a boolean where a string belongs, a list where a
// string belongs, or null where a value is required is a 422 naming the field. Query strings are
// still read as text and coerced. Dates in a body are held to years 0001–9999 UTC (src/instants.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world();
});
afterAll(() => t.close());

const PROBLEM = 'application/problem+json; charset=utf-8';
const RANGE = 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z (UTC)';

function invalid(errors: { pointer: string; detail: string }[]) {
  return {
    type: 'about:blank',
    title: 'Unprocessable Content',
    status: 422,
    detail: 'The request is invalid; see errors',
    errors,
  };
}

function send(method: 'POST' | 'PUT', url: string, payload: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
}

async function tokenCount(orgId: string): Promise<number> {
  const listed = await t.app.inject({
    method: 'GET',
    url: `/v1/admin/orgs/${orgId}/tokens`,
    headers: bearer(t.adminToken),
  });
  return (listed.json() as unknown[]).length;
}

describe('administration bodies are not coerced', () => {
  it('refuses abilities given as a string, and creates no token', async () => {
    const before = await tokenCount(w.org.id);
    const response = await send('POST', `/v1/admin/orgs/${w.org.id}/tokens`, {
      name: 'one',
      abilities: 'admin',
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toBe(PROBLEM);
    expect(response.json()).toEqual(invalid([{ pointer: '#/abilities', detail: 'must be array' }]));
    expect(await tokenCount(w.org.id)).toBe(before);
  });

  const cases: {
    name: string;
    method: 'POST' | 'PUT';
    url: () => string;
    body: unknown;
    errors: object[];
  }[] = [
    {
      name: 'a token name given as a number',
      method: 'POST',
      url: () => `/v1/admin/orgs/${w.org.id}/tokens`,
      body: { name: 42, abilities: ['read'] },
      errors: [{ pointer: '#/name', detail: 'must be string' }],
    },
    {
      name: 'a token user_id given as a number',
      method: 'POST',
      url: () => `/v1/admin/orgs/${w.org.id}/tokens`,
      body: { name: 'n', user_id: 42, abilities: ['read'] },
      errors: [{ pointer: '#/user_id', detail: 'must be string' }],
    },
    {
      name: 'a token expiry given as a number',
      method: 'POST',
      url: () => `/v1/admin/orgs/${w.org.id}/tokens`,
      body: { name: 'n', abilities: ['read'], expires_at: 4102444800 },
      errors: [{ pointer: '#/expires_at', detail: 'must be string' }],
    },
    {
      name: 'an org name given as a boolean',
      method: 'POST',
      url: () => '/v1/admin/orgs',
      body: { id: `org-${numericId()}`, name: true },
      errors: [{ pointer: '#/name', detail: 'must be string' }],
    },
    {
      name: 'an org name given as null',
      method: 'POST',
      url: () => '/v1/admin/orgs',
      body: { id: `org-${numericId()}`, name: null },
      errors: [{ pointer: '#/name', detail: 'must be string' }],
    },
    {
      name: 'a role given as a list of one',
      method: 'PUT',
      url: () => `/v1/admin/orgs/${w.org.id}/users/${numericId()}`,
      body: { email: 'a@example.test', role: ['owner'] },
      errors: [{ pointer: '#/role', detail: 'must be string' }],
    },
    {
      name: 'an email given as null',
      method: 'PUT',
      url: () => `/v1/admin/orgs/${w.org.id}/users/${numericId()}`,
      body: { email: null, role: 'member' },
      errors: [{ pointer: '#/email', detail: 'must be string' }],
    },
    {
      name: 'a workspace status given as a boolean and its owner as a number',
      method: 'PUT',
      url: () => `/v1/admin/orgs/${w.org.id}/workspaces/${numericId()}`,
      body: { name: 'W', status: true, owner_user_id: Number(numericId()) },
      errors: [
        { pointer: '#/status', detail: 'must be string' },
        { pointer: '#/owner_user_id', detail: 'must be string' },
      ],
    },
    {
      name: 'member permissions given as a string',
      method: 'PUT',
      url: () => `/v1/admin/workspaces/${w.workspace.id}/members/${w.owner.id}`,
      body: { role: 'staff', permissions: 'activity:read' },
      errors: [{ pointer: '#/permissions', detail: 'must be array' }],
    },
    {
      name: 'an integration secret given as a number',
      method: 'PUT',
      url: () => `/v1/admin/workspaces/${w.workspace.id}/integrations/github`,
      body: { secret: 123456789012345 },
      errors: [{ pointer: '#/secret', detail: 'must be string' }],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const response = await send(c.method, c.url(), c.body);
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.json()).toEqual(invalid(c.errors as { pointer: string; detail: string }[]));
    });
  }

  it('still coerces query strings, which are text', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/activity?limit=1`,
      headers: bearer(w.ownerToken.token),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().activities.length).toBeLessThanOrEqual(1);
  });
});

describe('token expiry dates', () => {
  const url = () => `/v1/admin/orgs/${w.org.id}/tokens`;

  for (const expiresAt of [
    '9999-12-31T23:59:59-01:00',
    '9999-12-31T23:59:59.999-00:01',
    '9999-12-31T22:00:00-23:59',
  ]) {
    it(`refuses ${expiresAt}, past the year 9999 in UTC`, async () => {
      const response = await send('POST', url(), { name: 'n', abilities: ['read'], expires_at: expiresAt });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual(invalid([{ pointer: '#/expires_at', detail: RANGE }]));
    });
  }

  for (const expiresAt of ['+010000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z']) {
    it(`refuses ${expiresAt}, not an RFC 3339 date-time`, async () => {
      const response = await send('POST', url(), { name: 'n', abilities: ['read'], expires_at: expiresAt });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual(invalid([{ pointer: '#/expires_at', detail: 'must be date-time' }]));
    });
  }

  for (const expiresAt of ['2099-12-31T23:59:60Z', '2099-02-29T00:00:00Z', '2099-01-01T00:00:00+0100']) {
    it(`refuses ${expiresAt}, an impossible time`, async () => {
      const response = await send('POST', url(), { name: 'n', abilities: ['read'], expires_at: expiresAt });
      expect(response.statusCode).toBe(422);
      expect(response.json().errors).toHaveLength(1);
      expect(response.json().errors[0].pointer).toBe('#/expires_at');
    });
  }

  it('keeps the last millisecond of 9999, also given with a positive offset', async () => {
    const last = await send('POST', url(), {
      name: 'n',
      abilities: ['read'],
      expires_at: '9999-12-31T23:59:59.999Z',
    });
    expect(last.statusCode).toBe(201);
    expect(last.json().expires_at).toBe('9999-12-31T23:59:59.999Z');
    const shifted = await send('POST', url(), {
      name: 'n',
      abilities: ['read'],
      expires_at: '9999-12-31T23:59:59.999+01:00',
    });
    expect(shifted.statusCode).toBe(201);
    expect(shifted.json().expires_at).toBe('9999-12-31T22:59:59.999Z');
  });
});
