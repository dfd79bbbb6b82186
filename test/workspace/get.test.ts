import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/errors.js';
import { workspaceDialect } from '../../src/surfaces/workspace/render.js';
import { Factory, uuid } from '../helpers/factories.js';
import { expectIsolation } from '../helpers/isolation.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());
afterEach(() => {
  t.clock.pinned = null;
});

/** A time far from real time, so that this process's own activity records fall outside windows. */
const PINNED = new Date('2025-03-01T12:00:00.000Z');

const EMPTY_METRICS = {
  executions_24h: 0,
  executions_30d: 0,
  succeeded_executions_24h: 0,
  succeeded_executions_30d: 0,
  credits_24h: 0,
  credits_30d: 0,
  ai_tool_cost_24h: 0,
  ai_tool_cost_30d: 0,
  activity_requests_24h: 0,
  activity_failures_24h: 0,
  computed_at: PINNED.toISOString(),
};

const url = (id: string) => `/api/v1/workspaces/${id}`;
const get = (token: string, id: string) =>
  t.app.inject({ method: 'GET', url: url(id), headers: bearer(token) });

async function admin(method: 'PUT' | 'DELETE', path: string, payload?: object) {
  const response = await t.app.inject({
    method,
    url: path,
    headers: bearer(t.adminToken),
    ...(payload ? { payload } : {}),
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.body ? response.json() : null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GET /api/v1/workspaces/{workspace_id}', () => {
  it('answers the seed body for a workspace without hired agent or integrations', async () => {
    const w = await f.world({ workspaceId: uuid() });
    await admin('PUT', `/v1/admin/orgs/${w.org.id}/workspaces/${w.workspace.id}`, {
      name: 'Acme Marketing',
      owner_user_id: w.owner.id,
      status: 'active',
      settings: { timezone: 'Europe/Paris', features: { autopost: true } },
    });
    const stored = await t.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', w.workspace.id)
      .executeTakeFirstOrThrow();
    t.clock.pinned = PINNED;
    const response = await get(w.ownerToken.token, w.workspace.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      id: w.workspace.id,
      hired_agent_id: null,
      user_id: w.owner.id,
      name: 'Acme Marketing',
      status: 'active',
      settings: { timezone: 'Europe/Paris', features: { autopost: true } },
      metrics_cache: EMPTY_METRICS,
      last_active_at: null,
      created_at: stored.created_at.toISOString(),
      updated_at: stored.updated_at.toISOString(),
      hired_agent: null,
      integration_credentials: [],
    });
  });

  it('lists integration statuses, never a secret', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const secret = `sk_live_${uuid()}`;
    await admin('PUT', `/v1/admin/workspaces/${w.workspace.id}/integrations/stripe`, { secret });
    await admin('PUT', `/v1/admin/workspaces/${w.workspace.id}/integrations/hubspot`, {
      secret: `hub-${uuid()}`,
      status: 'error',
    });
    await admin('PUT', `/v1/admin/workspaces/${w.workspace.id}/integrations/zendesk`, {
      secret: 'z-secret-1',
    });
    await admin('DELETE', `/v1/admin/workspaces/${w.workspace.id}/integrations/zendesk`);
    const rows = await t.db
      .selectFrom('integration_credentials')
      .selectAll()
      .where('workspace_id', '=', w.workspace.id)
      .orderBy('provider')
      .execute();
    const response = await get(w.ownerToken.token, w.workspace.id);
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain(secret);
    expect(response.body).not.toContain('secret');
    expect(response.json().integration_credentials).toEqual([
      {
        provider: 'hubspot',
        status: 'error',
        connected_at: rows[0]!.connected_at.toISOString(),
        last_verified_at: null,
        last_error: null,
      },
      {
        provider: 'stripe',
        status: 'connected',
        connected_at: rows[1]!.connected_at.toISOString(),
        last_verified_at: null,
        last_error: null,
      },
    ]);
  });

  it('accepts every UUID form pydantic accepts', async () => {
    const id = uuid();
    const w = await f.world({ workspaceId: id });
    const hex = id.replaceAll('-', '');
    for (const form of [id, id.toUpperCase(), hex, hex.toUpperCase(), `{${id}}`, `urn:uuid:${id}`]) {
      const response = await get(w.ownerToken.token, encodeURIComponent(form));
      expect(response.statusCode, `${form}: ${response.body}`).toBe(200);
      expect(response.json().id).toBe(id);
    }
  });
});

describe('validation (422)', () => {
  let token: string;
  beforeAll(async () => {
    token = (await f.world({ workspaceId: uuid() })).ownerToken.token;
  });

  const detail = (input: string, error: string) => ({
    detail: [
      {
        type: 'uuid_parsing',
        loc: ['path', 'workspace_id'],
        msg: `Input should be a valid UUID, ${error}`,
        input,
        ctx: { error },
      },
    ],
  });

  const charError = (found: string, at: number) =>
    `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${found}\` at ${at}`;

  it.each([
    ['not-a-uuid', charError('n', 1)],
    ['ws-1', charError('w', 1)],
    ['123', 'invalid length: expected length 32 for simple format, found 3'],
    ['0123456789abcdef0123456789abcdef0', 'invalid length: expected length 32 for simple format, found 33'],
    ['12345678-1234-1234-1234', 'invalid group count: expected 5, found 4'],
    ['12345678-1234-1234-1234-1234-5678', 'invalid group count: expected 5, found 6'],
    ['12345678-123-1234-1234-1234567890123', 'invalid group length in group 1: expected 4, found 3'],
    ['1234567-1234-1234-1234-1234567890123', 'invalid group length in group 0: expected 8, found 7'],
    ['12345678-1234-1234-1234-1234567890123', 'invalid group length in group 4: expected 12, found 13'],
    ['3c90c3cc-0d44-4b50-8888-8dd25736052g', charError('g', 36)],
    ['{3c90c3cc-0d44-4b50-8888-8dd25736052x}', charError('x', 37)],
    [
      'urn:uuid:3c90c3cc-0d44-4b50-8888-8dd25736052',
      'invalid group length in group 4: expected 12, found 20',
    ],
  ])('rejects %s', async (input, error) => {
    const response = await get(token, encodeURIComponent(input));
    expect(response.statusCode, response.body).toBe(422);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual(detail(input, error));
  });

  it('authenticates before validating', async () => {
    const response = await t.app.inject({ method: 'GET', url: url('not-a-uuid') });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Not authenticated' });
  });
});

describe('access', () => {
  const notFound = { detail: 'Workspace not found' };
  const forbidden = { detail: 'Not enough permissions' };

  it('passes the isolation checks', async () => {
    const w = await f.world({ workspaceId: uuid() });
    await expectIsolation(
      t,
      f,
      w.org.id,
      { method: 'GET', url: url(w.workspace.id) },
      {
        unauthenticated: { detail: 'Not authenticated' },
        otherOrg: { status: 404, body: notFound },
        abilities: ['read'],
      },
    );
  });

  it('answers 404 for an unknown workspace, to everyone', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const member = await f.user(w.org.id);
    const memberToken = await f.token(w.org.id, { userId: member.id, abilities: ['ingest'] });
    for (const token of [w.ownerToken.token, memberToken.token, t.adminToken]) {
      const response = await get(token, uuid());
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(notFound);
    }
  });

  it('lets org owners and admins, workspace owners, service tokens and the deployment admin read', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const orgAdmin = await f.user(w.org.id, { role: 'admin' });
    const coOwner = await f.user(w.org.id);
    await f.member(w.workspace.id, coOwner.id, 'owner');
    const reader = await f.user(w.org.id);
    await f.member(w.workspace.id, reader.id, 'staff', ['workspace:read']);
    const ownerOfOther = await f.user(w.org.id);
    const owned = await f.workspace(w.org.id, { id: uuid(), ownerId: ownerOfOther.id });
    const cases: [string, string, string][] = [
      ['org owner', w.ownerToken.token, w.workspace.id],
      [
        'org admin',
        (await f.token(w.org.id, { userId: orgAdmin.id, abilities: ['read'] })).token,
        w.workspace.id,
      ],
      ['member with owner role', (await f.token(w.org.id, { userId: coOwner.id })).token, w.workspace.id],
      ['staff with workspace:read', (await f.token(w.org.id, { userId: reader.id })).token, w.workspace.id],
      ['workspace owner', (await f.token(w.org.id, { userId: ownerOfOther.id })).token, owned.id],
      ['service token', (await f.token(w.org.id, { abilities: ['read'] })).token, w.workspace.id],
      ['deployment admin', t.adminToken, w.workspace.id],
    ];
    for (const [label, token, id] of cases) {
      const response = await get(token, id);
      expect(response.statusCode, `${label}: ${response.body}`).toBe(200);
      expect(response.json().id).toBe(id);
    }
  });

  it('refuses staff without workspace:read and org members outside the workspace', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const staff = await f.user(w.org.id);
    await f.member(w.workspace.id, staff.id, 'staff', [
      'activity:read',
      'ai_usage:read',
      'usage:read_others',
    ]);
    const bare = await f.user(w.org.id);
    await f.member(w.workspace.id, bare.id, 'staff');
    const outsider = await f.user(w.org.id);
    for (const user of [staff, bare, outsider]) {
      const response = await get((await f.token(w.org.id, { userId: user.id })).token, w.workspace.id);
      expect(response.statusCode, user.id).toBe(403);
      expect(response.json()).toEqual(forbidden);
    }
  });

  it('needs the read ability', async () => {
    const w = await f.world({ workspaceId: uuid() });
    for (const abilities of [['use_agents'], ['ingest'], ['admin']]) {
      for (const options of [{ userId: w.owner.id, abilities }, { abilities }]) {
        const token = await f.token(w.org.id, options);
        const response = await get(token.token, w.workspace.id);
        expect(response.statusCode, abilities.join()).toBe(403);
        expect(response.json()).toEqual(forbidden);
      }
    }
  });
});

describe('hired agent lifecycle', () => {
  it('follows hire, pause, resume, cancel and a new hire', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const hiredAgentPath = `/v1/admin/workspaces/${w.workspace.id}/hired-agent`;
    const body = {
      agent_type: 'marketing',
      display_name: 'Maya',
      tier: 'pro',
      stripe_subscription_id: 'sub_123',
      config: { tone: 'friendly' },
      persona_name: 'Maya the Marketer',
    };
    const read = async () => {
      const response = await get(w.ownerToken.token, w.workspace.id);
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    const stored = async (id: string) =>
      t.db.selectFrom('hired_agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    const hired = await admin('PUT', hiredAgentPath, { ...body, status: 'active' });
    let row = await stored(hired.id);
    let workspace = await read();
    expect(workspace.hired_agent_id).toBe(hired.id);
    expect(workspace.hired_agent).toEqual({
      id: hired.id,
      user_id: w.owner.id,
      agent_type: 'marketing',
      display_name: 'Maya',
      status: 'active',
      tier: 'pro',
      stripe_subscription_id: 'sub_123',
      config: { tone: 'friendly' },
      hired_at: row.hired_at.toISOString(),
      paused_at: null,
      cancelled_at: null,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      persona_name: 'Maya the Marketer',
    });

    await admin('PUT', hiredAgentPath, { ...body, status: 'paused' });
    row = await stored(hired.id);
    workspace = await read();
    expect(workspace.hired_agent_id).toBe(hired.id);
    expect(workspace.hired_agent).toMatchObject({ id: hired.id, status: 'paused', cancelled_at: null });
    expect(workspace.hired_agent.paused_at).toMatch(ISO);
    expect(workspace.hired_agent.paused_at).toBe(row.paused_at!.toISOString());
    const pausedAt = workspace.hired_agent.paused_at;

    // Pausing again keeps the first pause time.
    await admin('PUT', hiredAgentPath, { ...body, status: 'paused', tier: 'enterprise' });
    workspace = await read();
    expect(workspace.hired_agent).toMatchObject({
      status: 'paused',
      tier: 'enterprise',
      paused_at: pausedAt,
    });

    await admin('PUT', hiredAgentPath, { ...body, status: 'active' });
    workspace = await read();
    expect(workspace.hired_agent).toMatchObject({
      id: hired.id,
      status: 'active',
      paused_at: null,
      cancelled_at: null,
      hired_at: row.hired_at.toISOString(),
    });

    await admin('PUT', hiredAgentPath, { ...body, status: 'cancelled' });
    row = await stored(hired.id);
    workspace = await read();
    expect(workspace.hired_agent_id).toBe(hired.id);
    expect(workspace.hired_agent).toMatchObject({ id: hired.id, status: 'cancelled', paused_at: null });
    expect(workspace.hired_agent.cancelled_at).toBe(row.cancelled_at!.toISOString());

    // Cancelling twice is refused; a new hire gets a new id and the workspace follows it.
    const again = await t.app.inject({
      method: 'PUT',
      url: hiredAgentPath,
      headers: bearer(t.adminToken),
      payload: { ...body, status: 'cancelled' },
    });
    expect(again.statusCode).toBe(422);
    const rehired = await t.app.inject({
      method: 'PUT',
      url: hiredAgentPath,
      headers: bearer(t.adminToken),
      payload: { ...body, display_name: 'Max', status: 'paused' },
    });
    expect(rehired.statusCode).toBe(201);
    const next = rehired.json();
    expect(next.id).not.toBe(hired.id);
    workspace = await read();
    expect(workspace.hired_agent_id).toBe(next.id);
    expect(workspace.hired_agent).toMatchObject({
      id: next.id,
      display_name: 'Max',
      status: 'paused',
      cancelled_at: null,
    });
    expect(workspace.hired_agent.paused_at).toMatch(ISO);
  });

  it('hires once when first hires race', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.app.inject({
          method: 'PUT',
          url: `/v1/admin/workspaces/${w.workspace.id}/hired-agent`,
          headers: bearer(t.adminToken),
          payload: { agent_type: 'support', display_name: `Sam ${i}`, tier: 'free', status: 'active' },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((r) => r.json().id));
    expect(ids.size).toBe(1);
    const rows = await t.db
      .selectFrom('hired_agents')
      .select('id')
      .where('workspace_id', '=', w.workspace.id)
      .execute();
    expect(rows.map((row) => row.id)).toEqual([...ids]);
    expect((await get(w.ownerToken.token, w.workspace.id)).json().hired_agent_id).toBe([...ids][0]);
  });

  it('refuses to cancel when nothing is hired', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const response = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/workspaces/${w.workspace.id}/hired-agent`,
      headers: bearer(t.adminToken),
      payload: { agent_type: 'x', display_name: 'X', tier: 'free', status: 'cancelled' },
    });
    expect(response.statusCode).toBe(422);
    const workspace = (await get(w.ownerToken.token, w.workspace.id)).json();
    expect(workspace.hired_agent_id).toBeNull();
    expect(workspace.hired_agent).toBeNull();
  });
});

describe('OpenAPI', () => {
  it('documents both read routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths;
    expect(paths['/api/v1/workspaces/{workspace_id}'].get.responses['200']).toBeDefined();
    expect(
      paths['/api/v1/workspace/{workspaceId}/ai/usages'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['limit', 'offset', 'toolType', 'status', 'workspaceId']));
  });
});

describe('error dialect', () => {
  it('renders crashes in the FastAPI form', () => {
    expect(workspaceDialect(new TallyError('internal', 'boom'), {} as never)).toEqual({
      status: 500,
      body: { detail: 'Internal Server Error' },
    });
  });
});
