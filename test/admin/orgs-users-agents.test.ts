import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, uid } from '../helpers/factories.js';
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
const PROBLEM = 'application/problem+json; charset=utf-8';
const UNAUTHENTICATED = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Authentication required',
};

function send(method: 'POST' | 'PUT' | 'GET' | 'DELETE', url: string, token: string, payload?: object) {
  return t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

function notFound(type: string, id: string) {
  return { type: 'about:blank', title: 'Not Found', status: 404, detail: `${type} "${id}" was not found` };
}

describe('POST /v1/admin/orgs', () => {
  it('creates an org (201) and refuses the same id again (409)', async () => {
    const id = uid('org');
    const created = await send('POST', '/v1/admin/orgs', t.adminToken, { id, name: 'Acme' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      id,
      name: 'Acme',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const again = await send('POST', '/v1/admin/orgs', t.adminToken, { id, name: 'Other' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toBe(PROBLEM);
    expect(again.json()).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: `An org with id "${id}" already exists`,
    });
  });

  it('answers 422 with every invalid field', async () => {
    const response = await send('POST', '/v1/admin/orgs', t.adminToken, { id: 'bad id!', extra: 1 });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toBe(PROBLEM);
    const body = response.json();
    expect(body).toMatchObject({ type: 'about:blank', title: 'Unprocessable Content', status: 422 });
    expect(body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '#/extra',
      '#/id',
      '#/name',
    ]);
  });

  it('is for the deployment admin only', async () => {
    const w = await f.world();
    const response = await send('POST', '/v1/admin/orgs', w.serviceToken.token, {
      id: uid('org'),
      name: 'X',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'This token may not do this (requires deployment_admin)',
    });
  });

  it('passes the isolation checks', async () => {
    const org = await f.org();
    await expectIsolation(
      t,
      f,
      org.id,
      { method: 'POST', url: '/v1/admin/orgs', payload: { id: uid('org'), name: 'X' } },
      {
        unauthenticated: UNAUTHENTICATED,
        otherOrg: {
          status: 403,
          body: {
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            detail: 'This token may not do this (requires deployment_admin)',
          },
        },
      },
    );
  });
});

describe('PUT /v1/admin/orgs/{org_id}/users/{user_id}', () => {
  it('creates (201) then updates (200) a user', async () => {
    const org = await f.org();
    const url = `/v1/admin/orgs/${org.id}/users/42`;
    const created = await send('PUT', url, t.adminToken, { email: 'ada@x.test', role: 'owner', name: 'Ada' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      org_id: org.id,
      id: '42',
      email: 'ada@x.test',
      name: 'Ada',
      role: 'owner',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const updated = await send('PUT', url, t.adminToken, { email: 'ada@y.test', role: 'admin' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ email: 'ada@y.test', role: 'admin', name: null });
  });

  it('rejects an invalid body and an unknown org', async () => {
    const org = await f.org();
    const invalid = await send('PUT', `/v1/admin/orgs/${org.id}/users/1`, t.adminToken, {
      email: 'nope',
      role: 'king',
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors).toEqual([
      { pointer: '#/email', detail: 'must match pattern ^[^\\s@]+@[^\\s@]+$' },
      { pointer: '#/role', detail: "must be one of 'owner', 'admin' or 'member'" },
    ]);
    const unknown = await send('PUT', '/v1/admin/orgs/no-such-org/users/1', t.adminToken, {
      email: 'a@b.c',
      role: 'member',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual(notFound('org', 'no-such-org'));
  });

  it("lets an org admin manage its own org only; another org's admin gets 404 and changes nothing", async () => {
    const a = await f.world();
    const b = await f.world();
    const own = await send('PUT', `/v1/admin/orgs/${a.org.id}/users/7`, a.ownerToken.token, {
      email: 'a@b.c',
      role: 'member',
    });
    expect(own.statusCode).toBe(201);
    const other = await send('PUT', `/v1/admin/orgs/${a.org.id}/users/8`, b.ownerToken.token, {
      email: 'a@b.c',
      role: 'owner',
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(notFound('org', a.org.id));
    const stored = await t.db
      .selectFrom('users')
      .select('id')
      .where('org_id', '=', a.org.id)
      .where('id', '=', '8')
      .execute();
    expect(stored).toEqual([]);
  });

  it('refuses members and tokens without the admin ability (403)', async () => {
    const w = await f.world();
    const member = await f.user(w.org.id, { role: 'member' });
    const memberToken = await f.token(w.org.id, { userId: member.id, abilities: ['*'] });
    const readOnly = await f.token(w.org.id, { userId: w.owner.id, abilities: ['read'] });
    for (const [token, requirement] of [
      [memberToken.token, 'admin'],
      [readOnly.token, 'ability:admin'],
    ] as const) {
      const response = await send('PUT', `/v1/admin/orgs/${w.org.id}/users/9`, token, {
        email: 'a@b.c',
        role: 'member',
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().detail).toBe(`This token may not do this (requires ${requirement})`);
    }
  });

  it('passes the isolation checks', async () => {
    const org = await f.org();
    await expectIsolation(
      t,
      f,
      org.id,
      { method: 'PUT', url: `/v1/admin/orgs/${org.id}/users/5`, payload: { email: 'a@b.c', role: 'member' } },
      { unauthenticated: UNAUTHENTICATED, otherOrg: { status: 404, body: notFound('org', org.id) } },
    );
  });
});

describe('PUT /v1/admin/orgs/{org_id}/agents/{agent_id}', () => {
  it('creates and updates an agent, validating its type', async () => {
    const w = await f.world();
    const url = `/v1/admin/orgs/${w.org.id}/agents/writer`;
    const created = await send('PUT', url, w.serviceToken.token, {
      slug: 'writer',
      name: 'Writer',
      type: 'text',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      org_id: w.org.id,
      id: 'writer',
      slug: 'writer',
      name: 'Writer',
      type: 'text',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const updated = await send('PUT', url, w.serviceToken.token, {
      slug: 'writer-2',
      name: 'Writer 2',
      type: 'chat',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ slug: 'writer-2', type: 'chat' });
    const invalid = await send('PUT', url, w.serviceToken.token, { slug: 'x', name: 'x', type: 'robot' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors).toEqual([
      { pointer: '#/type', detail: "must be one of 'chat', 'image', 'text', 'voiceover', 'video' or 'code'" },
    ]);
  });

  it('passes the isolation checks', async () => {
    const org = await f.org();
    await expectIsolation(
      t,
      f,
      org.id,
      {
        method: 'PUT',
        url: `/v1/admin/orgs/${org.id}/agents/a1`,
        payload: { slug: 'a', name: 'A', type: 'chat' },
      },
      { unauthenticated: UNAUTHENTICATED, otherOrg: { status: 404, body: notFound('org', org.id) } },
    );
  });
});
