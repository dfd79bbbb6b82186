// GET /workspaces/usage: who may list what. 401 before validation before existence before permission;
// a workspace that does not exist or is not the caller's is a 403, as the seed says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId } from '../helpers/factories.js';
import { expectIsolation } from '../helpers/isolation.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, usage } from './helpers.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const UNAUTHORIZED = { message: 'This action is unauthorized.' };
const recent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** A workspace with rows of its owner and of a staff member, and users of every standing. */
async function team() {
  const w = await numericWorld(f);
  const org = w.org.id;
  const staff = await f.user(org, { id: numericId() });
  const reader = await f.user(org, { id: numericId() });
  const outsider = await f.user(org, { id: numericId() });
  const admin = await f.user(org, { id: numericId(), role: 'admin' });
  await f.member(w.workspace.id, staff.id, 'staff');
  await f.member(w.workspace.id, reader.id, 'staff', ['usage:read_others']);
  const ownerRow = numericId();
  const staffRow = numericId();
  const readerRow = numericId();
  await f.ingest(w.serviceToken.token, [
    executionEvent({
      id: ownerRow,
      workspaceId: w.workspace.id,
      userId: w.owner.id,
      agent: w.chat,
      createdAt: recent(3),
    }),
    executionEvent({
      id: staffRow,
      workspaceId: w.workspace.id,
      userId: staff.id,
      agent: w.chat,
      createdAt: recent(2),
    }),
    executionEvent({
      id: readerRow,
      workspaceId: w.workspace.id,
      userId: reader.id,
      agent: w.chat,
      createdAt: recent(1),
    }),
  ]);
  const token = async (userId: string, abilities = ['use_agents']) =>
    (await f.token(org, { userId, abilities })).token;
  return {
    ...w,
    users: { staff, reader, outsider, admin },
    rows: { owner: Number(ownerRow), staff: Number(staffRow), reader: Number(readerRow) },
    tokens: {
      staff: await token(staff.id),
      reader: await token(reader.id),
      outsider: await token(outsider.id),
      admin: await token(admin.id),
      service: (await f.token(org, { abilities: ['use_agents'] })).token,
    },
  };
}

async function ids(response: Awaited<ReturnType<typeof usage>>) {
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map((item: { id: number }) => item.id);
}

describe('GET /workspaces/usage access', () => {
  it('passes the isolation checks', async () => {
    const w = await numericWorld(f);
    await expectIsolation(
      t,
      f,
      w.org.id,
      { method: 'GET', url: '/workspaces/usage', headers: { 'x-workspace-id': w.workspace.id } },
      {
        unauthenticated: { message: 'Unauthenticated.' },
        otherOrg: { status: 403, body: UNAUTHORIZED },
        abilities: ['use_agents'],
      },
    );
  });

  it('authenticates before validating', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/workspaces/usage?per_page=0' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ message: 'Unauthenticated.' });
  });

  it('shows everyone to owners, org admins, readers, service tokens and the deployment admin', async () => {
    const w = await team();
    const everyone = [w.rows.reader, w.rows.staff, w.rows.owner];
    for (const token of [
      w.ownerToken.token,
      w.tokens.admin,
      w.tokens.reader,
      w.tokens.service,
      t.adminToken,
    ]) {
      expect(await ids(await usage(t, token, w.workspace.id))).toEqual(everyone);
      expect(await ids(await usage(t, token, w.workspace.id, { user_id: w.users.staff.id }))).toEqual([
        w.rows.staff,
      ]);
    }
  });

  it('limits staff without usage:read_others to their own rows', async () => {
    const w = await team();
    expect(await ids(await usage(t, w.tokens.staff, w.workspace.id))).toEqual([w.rows.staff]);
    expect(await ids(await usage(t, w.tokens.staff, w.workspace.id, { user_id: w.users.staff.id }))).toEqual([
      w.rows.staff,
    ]);
    for (const other of [w.owner.id, w.users.reader.id, '123']) {
      const response = await usage(t, w.tokens.staff, w.workspace.id, { user_id: other });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual(UNAUTHORIZED);
    }
  });

  it('forbids org members outside the workspace and workspaces that do not exist', async () => {
    const w = await team();
    const outsider = await usage(t, w.tokens.outsider, w.workspace.id);
    expect(outsider.statusCode).toBe(403);
    expect(outsider.json()).toEqual(UNAUTHORIZED);
    for (const token of [w.ownerToken.token, w.tokens.service, t.adminToken]) {
      const missing = await usage(t, token, numericId());
      expect(missing.statusCode).toBe(403);
      expect(missing.json()).toEqual(UNAUTHORIZED);
    }
  });

  it('requires the use_agents ability, after validation', async () => {
    const w = await team();
    const reading = (await f.token(w.org.id, { userId: w.owner.id, abilities: ['read', 'ingest'] })).token;
    const response = await usage(t, reading, w.workspace.id);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ message: 'Invalid ability provided.' });
    const invalid = await usage(t, reading, w.workspace.id, { per_page: 0 });
    expect(invalid.statusCode).toBe(422);
    const all = (await f.token(w.org.id, { userId: w.owner.id, abilities: ['*'] })).token;
    expect(await ids(await usage(t, all, w.workspace.id))).toHaveLength(3);
  });

  it('records the request in the workspace org, also for the deployment admin', async () => {
    const w = await team();
    // leading zeros are read as the integer; the record names the workspace the handler resolved
    const response = await usage(t, t.adminToken, `00${w.workspace.id}`);
    expect(response.statusCode).toBe(200);
    await t.app.recorder.flush();
    const records = await t.db
      .selectFrom('activities')
      .select(['workspace_id', 'resource_type', 'path', 'status_code', 'token_type'])
      .where('org_id', '=', w.org.id)
      .where('path', '=', '/workspaces/usage')
      .execute();
    expect(records).toEqual([
      {
        workspace_id: w.workspace.id,
        resource_type: 'execution',
        path: '/workspaces/usage',
        status_code: 200,
        token_type: 'deployment_admin',
      },
    ]);
  });

  it('is described in the OpenAPI document', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const operation = response.json().paths['/workspaces/usage'].get;
    const parameters = operation.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`);
    expect(parameters).toEqual(
      expect.arrayContaining([
        'header:x-workspace-id',
        'query:range',
        'query:start_date',
        'query:end_date',
        'query:user_id',
        'query:type',
        'query:page',
        'query:per_page',
      ]),
    );
    // Besides the route's own (401, 403, 422), the statuses every authenticated route shares.
    expect(Object.keys(operation.responses).sort()).toEqual(
      ['200', '400', '401', '403', '414', '422', '429', '431', '500', '503'].sort(),
    );
  });
});
