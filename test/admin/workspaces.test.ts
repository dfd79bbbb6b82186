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

function send(method: 'POST' | 'PUT' | 'GET' | 'DELETE', url: string, token: string, payload?: object) {
  return t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

describe('PUT /v1/admin/orgs/{org_id}/workspaces/{workspace_id}', () => {
  it('creates (201) and updates (200) a workspace', async () => {
    const w = await f.world();
    const id = uid('ws');
    const url = `/v1/admin/orgs/${w.org.id}/workspaces/${id}`;
    const created = await send('PUT', url, w.serviceToken.token, {
      name: 'Marketing',
      owner_user_id: w.owner.id,
      settings: { locale: 'en' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      org_id: w.org.id,
      id,
      uuid: null,
      name: 'Marketing',
      status: 'active',
      owner_user_id: w.owner.id,
      settings: { locale: 'en' },
      hired_agent_id: null,
      last_active_at: null,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const updated = await send('PUT', url, w.serviceToken.token, {
      name: 'Sales',
      owner_user_id: w.owner.id,
      status: 'suspended',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Sales', status: 'suspended', settings: { locale: 'en' } });
  });

  it('rejects an unknown owner (422) and a workspace id used by another org (409)', async () => {
    const a = await f.world();
    const b = await f.world();
    const unknownOwner = await send(
      'PUT',
      `/v1/admin/orgs/${a.org.id}/workspaces/${uid('ws')}`,
      t.adminToken,
      {
        name: 'X',
        owner_user_id: 'ghost',
      },
    );
    expect(unknownOwner.statusCode).toBe(422);
    expect(unknownOwner.json().errors).toEqual([
      { pointer: '#/owner_user_id', detail: `no user "ghost" in org "${a.org.id}"` },
    ]);
    const taken = await send('PUT', `/v1/admin/orgs/${b.org.id}/workspaces/${a.workspace.id}`, t.adminToken, {
      name: 'X',
      owner_user_id: b.owner.id,
    });
    expect(taken.statusCode).toBe(409);
    const missingName = await send('PUT', `/v1/admin/orgs/${a.org.id}/workspaces/w`, t.adminToken, {
      owner_user_id: 'x',
    });
    expect(missingName.statusCode).toBe(422);
    expect(missingName.json().errors).toEqual([{ pointer: '#/name', detail: 'Field required' }]);
  });

  it('passes the isolation checks', async () => {
    const w = await f.world();
    await expectIsolation(
      t,
      f,
      w.org.id,
      {
        method: 'PUT',
        url: `/v1/admin/orgs/${w.org.id}/workspaces/${uid('ws')}`,
        payload: { name: 'X', owner_user_id: w.owner.id },
      },
      { unauthenticated: UNAUTHENTICATED, otherOrg: { status: 404, body: notFound('org', w.org.id) } },
    );
  });
});

describe('PUT /v1/admin/workspaces/{workspace_id}/members/{user_id}', () => {
  it('adds and changes a member with permissions', async () => {
    const w = await f.world();
    const staff = await f.user(w.org.id);
    const url = `/v1/admin/workspaces/${w.workspace.id}/members/${staff.id}`;
    const created = await send('PUT', url, w.ownerToken.token, {
      role: 'staff',
      permissions: ['activity:read'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      org_id: w.org.id,
      workspace_id: w.workspace.id,
      user_id: staff.id,
      role: 'staff',
      permissions: ['activity:read'],
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const updated = await send('PUT', url, w.ownerToken.token, { role: 'owner' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ role: 'owner', permissions: [] });
  });

  it('rejects unknown permissions, users and workspaces', async () => {
    const w = await f.world();
    const bad = await send(
      'PUT',
      `/v1/admin/workspaces/${w.workspace.id}/members/${w.owner.id}`,
      t.adminToken,
      {
        role: 'staff',
        permissions: ['everything'],
      },
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([
      {
        pointer: '#/permissions/0',
        detail: "must be one of 'activity:read', 'usage:read_others', 'ai_usage:read' or 'workspace:read'",
      },
    ]);
    const noUser = await send('PUT', `/v1/admin/workspaces/${w.workspace.id}/members/ghost`, t.adminToken, {
      role: 'staff',
    });
    expect(noUser.statusCode).toBe(404);
    expect(noUser.json()).toEqual(notFound('user', 'ghost'));
    const noWorkspace = await send('PUT', '/v1/admin/workspaces/nowhere/members/x', t.adminToken, {
      role: 'staff',
    });
    expect(noWorkspace.statusCode).toBe(404);
    expect(noWorkspace.json()).toEqual(notFound('workspace', 'nowhere'));
  });

  it('passes the isolation checks', async () => {
    const w = await f.world();
    await expectIsolation(
      t,
      f,
      w.org.id,
      {
        method: 'PUT',
        url: `/v1/admin/workspaces/${w.workspace.id}/members/${w.owner.id}`,
        payload: { role: 'owner' },
      },
      {
        unauthenticated: UNAUTHENTICATED,
        otherOrg: { status: 404, body: notFound('workspace', w.workspace.id) },
      },
    );
  });
});

describe('PUT /v1/admin/workspaces/{workspace_id}/hired-agent', () => {
  const hire = {
    agent_type: 'marketer',
    display_name: 'Mia',
    status: 'active',
    tier: 'pro',
    config: { tone: 'warm' },
  };

  it('hires (201), pauses, resumes and cancels (200), then hires anew', async () => {
    const w = await f.world();
    const url = `/v1/admin/workspaces/${w.workspace.id}/hired-agent`;
    const hired = await send('PUT', url, w.serviceToken.token, hire);
    expect(hired.statusCode).toBe(201);
    expect(hired.json()).toEqual({
      id: expect.any(String),
      workspace_id: w.workspace.id,
      user_id: w.owner.id,
      agent_type: 'marketer',
      display_name: 'Mia',
      status: 'active',
      tier: 'pro',
      stripe_subscription_id: null,
      config: { tone: 'warm' },
      hired_at: expect.stringMatching(ISO),
      paused_at: null,
      cancelled_at: null,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
      persona_name: null,
    });
    const id = hired.json().id;
    const paused = await send('PUT', url, w.serviceToken.token, { ...hire, status: 'paused' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ id, status: 'paused', paused_at: expect.stringMatching(ISO) });
    const resumed = await send('PUT', url, w.serviceToken.token, hire);
    expect(resumed.json()).toMatchObject({ id, status: 'active', paused_at: null });
    const cancelled = await send('PUT', url, w.serviceToken.token, { ...hire, status: 'cancelled' });
    expect(cancelled.json()).toMatchObject({
      id,
      status: 'cancelled',
      cancelled_at: expect.stringMatching(ISO),
    });
    const rehired = await send('PUT', url, w.serviceToken.token, hire);
    expect(rehired.statusCode).toBe(201);
    expect(rehired.json().id).not.toBe(id);
    const workspace = await t.db
      .selectFrom('workspaces')
      .select('hired_agent_id')
      .where('id', '=', w.workspace.id)
      .executeTakeFirstOrThrow();
    expect(workspace.hired_agent_id).toBe(rehired.json().id);
  });

  it('cannot cancel when nothing is hired, and validates the status', async () => {
    const w = await f.world();
    const url = `/v1/admin/workspaces/${w.workspace.id}/hired-agent`;
    const cancel = await send('PUT', url, t.adminToken, { ...hire, status: 'cancelled' });
    expect(cancel.statusCode).toBe(422);
    expect(cancel.json().errors).toEqual([
      { pointer: '#/status', detail: 'there is no hired agent to cancel' },
    ]);
    const bad = await send('PUT', url, t.adminToken, { ...hire, status: 'fired' });
    expect(bad.statusCode).toBe(422);
  });

  it('passes the isolation checks', async () => {
    const w = await f.world();
    await expectIsolation(
      t,
      f,
      w.org.id,
      { method: 'PUT', url: `/v1/admin/workspaces/${w.workspace.id}/hired-agent`, payload: hire },
      {
        unauthenticated: UNAUTHENTICATED,
        otherOrg: { status: 404, body: notFound('workspace', w.workspace.id) },
      },
    );
  });
});

describe('/v1/admin/workspaces/{workspace_id}/integrations/{provider}', () => {
  it('connects (201), replaces (200) and disconnects (204) an integration, never echoing the secret', async () => {
    const w = await f.world();
    const url = `/v1/admin/workspaces/${w.workspace.id}/integrations/stripe`;
    const created = await send('PUT', url, w.serviceToken.token, { secret: 'sk_live_first' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      provider: 'stripe',
      status: 'connected',
      connected_at: expect.stringMatching(ISO),
      last_verified_at: null,
      last_error: null,
    });
    expect(created.body).not.toContain('sk_live');
    const replaced = await send('PUT', url, w.serviceToken.token, {
      secret: 'sk_live_second',
      status: 'pending',
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ provider: 'stripe', status: 'pending' });
    const deleted = await send('DELETE', url, w.serviceToken.token);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const again = await send('DELETE', url, w.serviceToken.token);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual(notFound('integration', 'stripe'));
  });

  it('validates the provider name and the body', async () => {
    const w = await f.world();
    const badProvider = await send(
      'PUT',
      `/v1/admin/workspaces/${w.workspace.id}/integrations/Bad%20Name`,
      t.adminToken,
      {
        secret: 's',
      },
    );
    expect(badProvider.statusCode).toBe(422);
    expect(badProvider.json().errors[0].pointer).toBe('#/path/provider');
    const noSecret = await send(
      'PUT',
      `/v1/admin/workspaces/${w.workspace.id}/integrations/slack`,
      t.adminToken,
      {},
    );
    expect(noSecret.statusCode).toBe(422);
    expect(noSecret.json().errors).toEqual([{ pointer: '#/secret', detail: 'Field required' }]);
  });

  it('passes the isolation checks (PUT and DELETE)', async () => {
    const w = await f.world();
    const url = `/v1/admin/workspaces/${w.workspace.id}/integrations/slack`;
    const expected = {
      unauthenticated: UNAUTHENTICATED,
      otherOrg: { status: 404, body: notFound('workspace', w.workspace.id) },
    };
    await expectIsolation(t, f, w.org.id, { method: 'PUT', url, payload: { secret: 'xoxb-1' } }, expected);
    await expectIsolation(t, f, w.org.id, { method: 'DELETE', url }, expected);
  });
});
