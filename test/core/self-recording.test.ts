// Every request served for an org becomes an activity record of that org (API.md §4.3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

async function recorded(orgId: string) {
  await t.app.recorder.flush();
  return t.db
    .selectFrom('activities')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('token_id', 'is not', null)
    .orderBy('timestamp')
    .orderBy('id')
    .execute();
}

it('records a request with its principal, route, outcome and action', async () => {
  const w = await f.world();
  const response = await t.app.inject({
    method: 'PUT',
    url: `/v1/admin/workspaces/${w.workspace.id}/members/${w.owner.id}?trace=1`,
    headers: bearer(w.ownerToken.token),
    payload: { role: 'owner' },
  });
  expect(response.statusCode).toBe(201);
  const rows = (await recorded(w.org.id)).filter((row) => row.method === 'PUT');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    org_id: w.org.id,
    trace_id: response.headers['x-request-id'],
    user_id: w.owner.id,
    workspace_id: w.workspace.id,
    principal_type: 'user',
    principal_id: w.owner.id,
    token_id: w.ownerToken.id,
    token_type: 'user',
    method: 'PUT',
    path: `/v1/admin/workspaces/${w.workspace.id}/members/${w.owner.id}`,
    resource_type: 'workspace_member',
    resource_id: w.owner.id,
    action: 'update',
    status_code: 201,
    success: true,
    error_code: null,
  });
  expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(0);
});

it("records failures in the caller's org, never in the org it probed, and nothing without a token", async () => {
  const a = await f.world();
  const b = await f.world();
  const probe = await t.app.inject({
    method: 'GET',
    url: `/v1/admin/orgs/${a.org.id}/tokens`,
    headers: bearer(b.serviceToken.token),
  });
  expect(probe.statusCode).toBe(404);
  await t.app.inject({ method: 'GET', url: `/v1/admin/orgs/${a.org.id}/tokens` });
  const inA = (await recorded(a.org.id)).filter((row) => row.method === 'GET');
  expect(inA).toEqual([]);
  const inB = (await recorded(b.org.id)).filter((row) => row.method === 'GET');
  expect(inB).toHaveLength(1);
  expect(inB[0]).toMatchObject({
    principal_type: 'service',
    principal_id: b.serviceToken.id,
    token_type: 'service',
    status_code: 404,
    success: false,
    error_code: 'HTTP_404',
    action: 'read',
    resource_type: 'token',
  });
});

it('records deployment-admin requests in the org they acted on', async () => {
  const w = await f.world();
  await t.app.inject({
    method: 'DELETE',
    url: `/v1/admin/tokens/${w.ownerToken.id}`,
    headers: bearer(t.adminToken),
  });
  await t.app.recorder.flush();
  const admin = await t.db
    .selectFrom('activities')
    .selectAll()
    .where('org_id', '=', w.org.id)
    .where('principal_id', '=', 'deployment-admin')
    .execute();
  expect(admin.map((row) => [row.method, row.action, row.status_code, row.token_type])).toContainEqual([
    'DELETE',
    'delete',
    204,
    'deployment_admin',
  ]);
});

/** The records of requests to `path` (without the query string), oldest first. */
async function recordedAt(orgId: string, method: string, path: string) {
  return (await recorded(orgId)).filter((row) => row.method === method && row.path === path);
}

describe('user_id is the actor, never the user addressed (§4.3, issue 12)', () => {
  it("the owner reading user 42's activity is recorded as the owner's read", async () => {
    const w = await f.world();
    await f.user(w.org.id, { id: '42' });
    const path = `/v1/orgs/${w.org.id}/users/42/activity`;
    for (const url of [path, `${path}/summary`]) {
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(w.ownerToken.token) });
      expect(response.statusCode, response.body).toBe(200);
    }
    for (const url of [path, `${path}/summary`]) {
      const rows = await recordedAt(w.org.id, 'GET', url);
      expect(rows.map((row) => [row.user_id, row.principal_id, row.token_type, row.resource_type])).toEqual([
        [w.owner.id, w.owner.id, 'user', 'activity'],
      ]);
    }
  });

  it("a service token reading user 42's activity reads on user 42's behalf", async () => {
    const w = await f.world();
    await f.user(w.org.id, { id: '42' });
    const path = `/v1/orgs/${w.org.id}/users/42/activity`;
    for (const url of [path, `${path}/summary`]) {
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(w.serviceToken.token) });
      expect(response.statusCode, response.body).toBe(200);
    }
    for (const url of [path, `${path}/summary`]) {
      const rows = await recordedAt(w.org.id, 'GET', url);
      expect(rows.map((row) => [row.user_id, row.principal_id, row.token_type])).toEqual([
        ['42', w.serviceToken.id, 'service'],
      ]);
    }
  });

  it('provisioning user 42 names user 42 as the resource, and the admin (if a user) as the actor', async () => {
    const w = await f.world();
    const admin = await f.user(w.org.id, { role: 'admin' });
    const adminToken = await f.token(w.org.id, { userId: admin.id, abilities: ['admin'] });
    const url = `/v1/admin/orgs/${w.org.id}/users/42`;
    const callers = [
      [t.adminToken, 201],
      [w.serviceToken.token, 200],
      [adminToken.token, 200],
    ] as const;
    for (const [token, status] of callers) {
      const response = await t.app.inject({
        method: 'PUT',
        url,
        headers: bearer(token),
        payload: { email: 'u42@example.test', role: 'member' },
      });
      expect(response.statusCode, response.body).toBe(status);
    }
    await t.app.recorder.flush();
    const rows = await t.db
      .selectFrom('activities')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('method', '=', 'PUT')
      .where('path', '=', url)
      .orderBy('timestamp')
      .orderBy('id')
      .execute();
    expect(rows.map((row) => [row.user_id, row.token_type, row.resource_type, row.resource_id])).toEqual([
      [null, 'deployment_admin', 'user', '42'],
      [null, 'service', 'user', '42'],
      [admin.id, 'user', 'user', '42'],
    ]);
    // Making user 42 a workspace member is likewise recorded as the caller's act on user 42.
    const member = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/workspaces/${w.workspace.id}/members/42`,
      headers: bearer(w.ownerToken.token),
      payload: { role: 'staff' },
    });
    expect(member.statusCode, member.body).toBe(201);
    const memberRows = await recordedAt(w.org.id, 'PUT', `/v1/admin/workspaces/${w.workspace.id}/members/42`);
    expect(memberRows.map((row) => [row.user_id, row.resource_type, row.resource_id])).toEqual([
      [w.owner.id, 'workspace_member', '42'],
    ]);
  });

  it("user 42's own activity lists only what user 42 did", async () => {
    const w = await f.world();
    await f.user(w.org.id, { id: '42' });
    const token42 = await f.token(w.org.id, { userId: '42', abilities: ['*'] });
    // Others act on user 42: the owner and the service token read, the admin provisions.
    for (const token of [w.ownerToken.token, w.serviceToken.token]) {
      const read = await t.app.inject({
        method: 'GET',
        url: `/v1/orgs/${w.org.id}/users/42/activity`,
        headers: bearer(token),
      });
      expect(read.statusCode).toBe(200);
    }
    for (const token of [t.adminToken, w.ownerToken.token]) {
      const put = await t.app.inject({
        method: 'PUT',
        url: `/v1/admin/orgs/${w.org.id}/users/42`,
        headers: bearer(token),
        payload: { email: '42@example.test', role: 'member' },
      });
      expect(put.statusCode).toBe(200);
    }
    // User 42 acts once.
    const own = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/me/activity/summary`,
      headers: bearer(token42.token),
    });
    expect(own.statusCode).toBe(200);
    await t.app.recorder.flush();
    const me = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/me/activity?limit=100`,
      headers: bearer(token42.token),
    });
    expect(me.statusCode, me.body).toBe(200);
    const items = me.json().activities as { method: string; path: string; user_id: string }[];
    // The service token's read stays listed: it was made on user 42's behalf (§4.3).
    expect(items.map((item) => [item.method, item.path, item.user_id]).sort()).toEqual(
      [
        ['GET', `/v1/orgs/${w.org.id}/me/activity/summary`, '42'],
        ['GET', `/v1/orgs/${w.org.id}/users/42/activity`, '42'],
      ].sort(),
    );
  });
});
