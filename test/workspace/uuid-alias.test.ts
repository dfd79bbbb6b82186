// A workspace's UUID alias (API.md §1): administration sets it, surface 002 (and 000) find the
// workspace by it, surface 001 by the integer id, ingestion takes either and stores the id, and
// another org's token gets the 404 an unknown uuid gets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId, uid, uuid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, usage } from '../usage-history/helpers.js';

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

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WORKSPACE_NOT_FOUND = { detail: 'Workspace not found' };

function send(method: 'PUT' | 'GET', url: string, token: string, payload?: object) {
  return t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
}

const putWorkspace = (orgId: string, id: string, body: object, token = t.adminToken) =>
  send('PUT', `/v1/admin/orgs/${orgId}/workspaces/${id}`, token, body);

const conflict = (detail: string) => ({ type: 'about:blank', title: 'Conflict', status: 409, detail });

/** An org whose workspace has an integer id and a UUID alias, as platforms keep both. */
async function aliasedWorld() {
  const alias = uuid();
  const w = await f.world({ workspaceId: numericId(), ownerId: numericId() });
  const put = await putWorkspace(w.org.id, w.workspace.id, {
    name: 'Aliased',
    owner_user_id: w.owner.id,
    uuid: alias,
  });
  expect(put.statusCode, put.body).toBe(200);
  const chat = await f.agent(w.org.id, { type: 'chat' });
  return { ...w, alias, chat };
}

describe('PUT /v1/admin/orgs/{org_id}/workspaces/{workspace_id} with a uuid alias', () => {
  it('stores the alias in lower case (201), keeps it when omitted (200) and removes it with null', async () => {
    const w = await f.world();
    const id = numericId();
    const alias = uuid();
    const created = await putWorkspace(
      w.org.id,
      id,
      { name: 'Ops', owner_user_id: w.owner.id, uuid: alias.toUpperCase() },
      w.serviceToken.token,
    );
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({
      org_id: w.org.id,
      id,
      uuid: alias,
      name: 'Ops',
      status: 'active',
      owner_user_id: w.owner.id,
      settings: {},
      hired_agent_id: null,
      last_active_at: null,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });

    const kept = await putWorkspace(w.org.id, id, { name: 'Ops 2', owner_user_id: w.owner.id });
    expect(kept.statusCode).toBe(200);
    expect(kept.json()).toMatchObject({ id, uuid: alias, name: 'Ops 2' });

    const other = uuid();
    const changed = await putWorkspace(w.org.id, id, {
      name: 'Ops 2',
      owner_user_id: w.owner.id,
      uuid: other,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id, uuid: other });
    // The old alias is free again: another workspace may take it.
    const reused = await putWorkspace(w.org.id, numericId(), {
      name: 'Reuse',
      owner_user_id: w.owner.id,
      uuid: alias,
    });
    expect(reused.statusCode, reused.body).toBe(201);

    const cleared = await putWorkspace(w.org.id, id, {
      name: 'Ops 2',
      owner_user_id: w.owner.id,
      uuid: null,
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ id, uuid: null });
    const gone = await send('GET', `/api/v1/workspaces/${other}`, w.ownerToken.token);
    expect(gone.statusCode).toBe(404);

    // Giving a workspace the alias it already has changes nothing.
    const again = await putWorkspace(w.org.id, id, { name: 'Ops 2', owner_user_id: w.owner.id, uuid: other });
    const same = await putWorkspace(w.org.id, id, { name: 'Ops 2', owner_user_id: w.owner.id, uuid: other });
    expect([again.statusCode, same.statusCode]).toEqual([200, 200]);
    expect(same.json().uuid).toBe(other);
  });

  it('answers 409 when the alias names another workspace, in any org, by alias or by id', async () => {
    const a = await aliasedWorld();
    const b = await f.world();
    const body = { name: 'Taken', owner_user_id: b.owner.id };

    const sameAlias = await putWorkspace(b.org.id, numericId(), { ...body, uuid: a.alias.toUpperCase() });
    expect(sameAlias.statusCode).toBe(409);
    expect(sameAlias.json()).toEqual(conflict(`Workspace uuid "${a.alias}" already names another workspace`));

    // An alias equal to a workspace's id would make the uuid name two workspaces.
    const uuidId = uuid();
    await f.workspace(a.org.id, { id: uuidId, ownerId: a.owner.id });
    const aliasIsId = await putWorkspace(b.org.id, numericId(), { ...body, uuid: uuidId });
    expect(aliasIsId.statusCode).toBe(409);
    expect(aliasIsId.json()).toEqual(conflict(`Workspace uuid "${uuidId}" already names another workspace`));

    // And the reverse: an id equal to another workspace's alias.
    const idIsAlias = await putWorkspace(b.org.id, a.alias, body);
    expect(idIsAlias.statusCode).toBe(409);
    expect(idIsAlias.json()).toEqual(conflict(`Workspace id "${a.alias}" is another workspace's uuid`));

    // Nothing was written by the refused requests.
    const rows = await t.db
      .selectFrom('workspaces')
      .select(['org_id', 'id'])
      .where((eb) => eb.or([eb('uuid', '=', a.alias), eb('id', '=', a.alias)]))
      .execute();
    expect(rows).toEqual([{ org_id: a.org.id, id: a.workspace.id }]);
  });

  it('gives concurrent requests for one alias one winner and 409s', async () => {
    const w = await f.world();
    const alias = uuid();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        putWorkspace(w.org.id, numericId(), { name: 'Race', owner_user_id: w.owner.id, uuid: alias }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409]);
  });

  it('rejects anything but a UUID string (422), without coercing it', async () => {
    const w = await f.world();
    const alias = uuid();
    const PATTERN =
      'must match pattern ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
    const cases: [unknown, string][] = [
      ['not-a-uuid', PATTERN],
      // An empty string is not null: it does not remove the alias.
      ['', PATTERN],
      // Only the hyphenated form: the alias is stored and shown as given, in lower case.
      [alias.replaceAll('-', ''), PATTERN],
      [`{${alias}}`, PATTERN],
      [`urn:uuid:${alias}`, PATTERN],
      [`${alias} `, PATTERN],
      // JSON bodies are never coerced: not to a string, nor to an array's one element.
      [123, 'must be string'],
      [true, 'must be string'],
      [[alias], 'must be string'],
      [{ uuid: alias }, 'must be string'],
    ];
    for (const [value, detail] of cases) {
      const response = await putWorkspace(w.org.id, numericId(), {
        name: 'Bad',
        owner_user_id: w.owner.id,
        uuid: value,
      });
      expect(response.statusCode, JSON.stringify(value)).toBe(422);
      expect(response.json(), JSON.stringify(value)).toEqual({
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'The request is invalid; see errors',
        errors: [{ pointer: '#/uuid', detail }],
      });
    }
    const stored = await t.db
      .selectFrom('workspaces')
      .select('id')
      .where('org_id', '=', w.org.id)
      .where('name', '=', 'Bad')
      .execute();
    expect(stored).toEqual([]);
  });
});

describe('one workspace on every surface', () => {
  it('002 finds it by the alias and by a uuid id, answering the uuid asked for', async () => {
    const a = await aliasedWorld();
    const byAlias = await send('GET', `/api/v1/workspaces/${a.alias}`, a.ownerToken.token);
    expect(byAlias.statusCode, byAlias.body).toBe(200);
    expect(byAlias.json()).toMatchObject({ id: a.alias, user_id: a.owner.id, name: 'Aliased' });
    // Every form pydantic accepts names the alias too; the answer shows the canonical uuid.
    const upper = await send('GET', `/api/v1/workspaces/{${a.alias.toUpperCase()}}`, a.ownerToken.token);
    expect(upper.statusCode).toBe(200);
    expect(upper.json().id).toBe(a.alias);

    // A workspace whose id is a uuid and which has an alias answers on both, with the uuid asked for.
    const id = uuid();
    const alias = uuid();
    await f.workspace(a.org.id, { id, ownerId: a.owner.id, uuid: alias });
    const byId = await send('GET', `/api/v1/workspaces/${id}`, a.ownerToken.token);
    const byItsAlias = await send('GET', `/api/v1/workspaces/${alias}`, a.ownerToken.token);
    expect([byId.statusCode, byItsAlias.statusCode]).toEqual([200, 200]);
    expect(byId.json().id).toBe(id);
    expect(byItsAlias.json().id).toBe(alias);
    const { id: _a, ...restById } = byId.json();
    const { id: _b, ...restByAlias } = byItsAlias.json();
    expect(restByAlias).toEqual(restById);

    // The reads by alias are recorded under the workspace's id, like reads by id.
    await t.app.recorder.flush();
    const recorded = await t.db
      .selectFrom('activities')
      .select(['path', 'workspace_id'])
      .where('org_id', '=', a.org.id)
      .where('path', 'in', [`/api/v1/workspaces/${a.alias}`, `/api/v1/workspaces/${alias}`])
      .orderBy('path')
      .execute();
    expect(recorded).toEqual(
      [
        { path: `/api/v1/workspaces/${a.alias}`, workspace_id: a.workspace.id },
        { path: `/api/v1/workspaces/${alias}`, workspace_id: id },
      ].sort((x, y) => (x.path < y.path ? -1 : 1)),
    );
  });

  it('ingestion by alias lands on the workspace: 001 by integer id, 004 and 000 show it', async () => {
    const a = await aliasedWorld();
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    const byAlias = executionEvent({
      workspaceId: a.alias.toUpperCase(),
      userId: a.owner.id,
      agent: a.chat,
      createdAt,
    });
    const byId = executionEvent({
      workspaceId: a.workspace.id,
      userId: a.owner.id,
      agent: a.chat,
      createdAt: new Date(Date.now() - 120_000).toISOString(),
    });
    const activityId = uid('act');
    const usageId = uid('usage');
    const result = await f.ingest(a.serviceToken.token, [
      byAlias,
      byId,
      {
        specversion: '1.0',
        id: uid('evt'),
        source: 'test/uuid-alias',
        type: 'activity.recorded',
        time: createdAt,
        data: { id: activityId, workspace_id: a.alias, status_code: 200, action: 'read' },
      },
      {
        specversion: '1.0',
        id: uid('evt'),
        source: 'test/uuid-alias',
        type: 'ai_usage.recorded',
        time: createdAt,
        data: { id: usageId, workspaceId: a.alias, toolType: 'other', status: 'completed', createdAt },
      },
    ]);
    expect(result).toEqual({ accepted: 4, duplicates: 0, rejected: [] });

    // 001 reads the workspace by its integer id: both executions, stored on that id.
    const history = await usage(t, a.ownerToken.token, a.workspace.id);
    expect(history.statusCode, history.body).toBe(200);
    expect(history.json().items.map((item: { id: number }) => String(item.id))).toEqual([
      byAlias.data.id,
      byId.data.id,
    ]);

    // 004: the activity is the workspace's, under its id.
    const activity = await send(
      'GET',
      `/v1/orgs/${a.org.id}/workspaces/${a.workspace.id}/activity`,
      a.serviceToken.token,
    );
    expect(activity.statusCode, activity.body).toBe(200);
    const ids = activity.json().activities.map((r: { id: string }) => r.id);
    expect(ids).toContain(activityId);
    expect(activity.json().activities.find((r: { id: string }) => r.id === activityId).workspace_id).toBe(
      a.workspace.id,
    );

    // 000 by id and by alias: the same usage, named as the caller named the workspace.
    const usagesById = await send('GET', `/api/v1/workspace/${a.workspace.id}/ai/usages`, a.ownerToken.token);
    const usagesByAlias = await send('GET', `/api/v1/workspace/${a.alias}/ai/usages`, a.ownerToken.token);
    expect([usagesById.statusCode, usagesByAlias.statusCode]).toEqual([200, 200]);
    expect(
      usagesById.json().usages.map((u: { id: string; workspaceId: string }) => [u.id, u.workspaceId]),
    ).toEqual([[usageId, a.workspace.id]]);
    expect(
      usagesByAlias.json().usages.map((u: { id: string; workspaceId: string }) => [u.id, u.workspaceId]),
    ).toEqual([[usageId, a.alias]]);

    // Stored on the id: the records are the same whichever name the event used.
    const stored = await t.db
      .selectFrom('executions')
      .select(['id', 'workspace_id'])
      .where('org_id', '=', a.org.id)
      .orderBy('id')
      .execute();
    expect(stored).toEqual(
      [byAlias.data.id, byId.data.id].sort().map((id) => ({ id, workspace_id: a.workspace.id })),
    );

    // 002 by alias counts the executions in its metrics, like the id would.
    const details = await send('GET', `/api/v1/workspaces/${a.alias}`, a.ownerToken.token);
    expect(details.json().metrics_cache.executions_24h).toBe(2);
    expect(details.json().last_active_at).toBe(createdAt);
  });

  it('archives an execution named by id through an event naming the alias', async () => {
    const a = await aliasedWorld();
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    const recorded = executionEvent({
      workspaceId: a.workspace.id,
      userId: a.owner.id,
      agent: a.chat,
      createdAt,
    });
    await f.ingest(a.serviceToken.token, [recorded]);
    const archived = await f.ingest(a.serviceToken.token, [
      {
        specversion: '1.0',
        id: uid('evt'),
        source: 'test/uuid-alias',
        type: 'execution.archived',
        time: new Date().toISOString(),
        data: { id: recorded.data.id, workspace_id: a.alias },
      },
    ]);
    expect(archived).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const history = await usage(t, a.ownerToken.token, a.workspace.id);
    expect(history.json().items[0]).toMatchObject({ source: 'archived', output: 'This item was deleted.' });
  });

  it('004 names workspaces by id only: the alias is an unknown workspace', async () => {
    const a = await aliasedWorld();
    const response = await send(
      'GET',
      `/v1/orgs/${a.org.id}/workspaces/${a.alias}/activity`,
      a.serviceToken.token,
    );
    expect(response.statusCode).toBe(404);
  });
});

describe('isolation of the alias', () => {
  it("another org's token gets the 404 an unknown uuid gets, on 002 and 000, and cannot ingest to it", async () => {
    const a = await aliasedWorld();
    const b = await f.world();
    const unknown = await send('GET', `/api/v1/workspaces/${uuid()}`, b.ownerToken.token);
    expect(unknown.statusCode).toBe(404);
    for (const token of [b.ownerToken.token, b.serviceToken.token]) {
      const other = await send('GET', `/api/v1/workspaces/${a.alias}`, token);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual(WORKSPACE_NOT_FOUND);
      expect(other.json()).toEqual(unknown.json());
      const usages = await send('GET', `/api/v1/workspace/${a.alias}/ai/usages`, token);
      expect(usages.statusCode).toBe(404);
    }
    // The deployment admin reaches every org, by alias too.
    const admin = await send('GET', `/api/v1/workspaces/${a.alias}`, t.adminToken);
    expect(admin.statusCode).toBe(200);
    expect(admin.json().id).toBe(a.alias);

    const event = {
      specversion: '1.0',
      id: uid('evt'),
      source: 'test/uuid-alias',
      type: 'activity.recorded',
      data: { workspace_id: a.alias, status_code: 200 },
    };
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(b.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify([event]),
    });
    expect(response.statusCode).toBe(207);
    expect(response.json().rejected).toEqual([
      {
        index: 0,
        id: event.id,
        errors: [`data.workspace_id: no workspace "${a.alias}" in org "${b.org.id}"`],
      },
    ]);
    // Nothing stored for the event (its record's id defaults to the event's id), in either org.
    const leaked = await t.db.selectFrom('activities').select('org_id').where('id', '=', event.id).execute();
    expect(leaked).toEqual([]);
  });
});
