// Every request served for an org becomes an activity record of that org (API.md §4.3).
import { afterAll, beforeAll, expect, it } from 'vitest';
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
