import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/errors.js';
import { usagesDialect } from '../../src/surfaces/ai-usages/render.js';
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

const TOOL_TYPES = ['product-marketing-post', 'image-generation', 'session-summary', 'other'] as const;
const STATUSES = ['pending', 'completed', 'failed'] as const;

interface UsageData {
  id: string;
  workspaceId: string;
  toolType: string;
  status: string;
  cost?: number;
  inputData?: object;
  responseData?: object;
  createdAt: string;
  completedAt?: string | null;
}

function usageEvent(data: UsageData, time?: string) {
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'platform/ai-tools',
    type: 'ai_usage.recorded',
    ...(time ? { time } : {}),
    data,
  };
}

/** The body seed 000 gives for a usage ingested with `data`. */
function expected(data: UsageData) {
  return {
    id: data.id,
    workspaceId: data.workspaceId,
    toolType: data.toolType,
    status: data.status,
    cost: data.cost ?? 0,
    inputData: data.inputData ?? {},
    responseData: data.responseData ?? {},
    createdAt: new Date(data.createdAt).toISOString(),
    completedAt: data.completedAt ? new Date(data.completedAt).toISOString() : null,
  };
}

const url = (workspaceId: string, query = '') =>
  `/api/v1/workspace/${workspaceId}/ai/usages${query ? `?${query}` : ''}`;

function get(token: string, workspaceId: string, query = '') {
  return t.app.inject({ method: 'GET', url: url(workspaceId, query), headers: bearer(token) });
}

const minute = (n: number) => new Date(Date.UTC(2025, 0, 15, 10, 0) + n * 60_000).toISOString();

/** A world with `count` usages cycling through tool types and statuses, one minute apart. */
async function seeded(count: number) {
  const w = await f.world();
  const usages: UsageData[] = [];
  for (let i = 0; i < count; i += 1) {
    const status = STATUSES[i % 3]!;
    usages.push({
      id: `u-${String(i).padStart(4, '0')}`,
      workspaceId: w.workspace.id,
      toolType: TOOL_TYPES[i % 4]!,
      status,
      cost: (i % 8) / 4,
      inputData: { prompt: `prompt ${i}` },
      responseData: status === 'completed' ? { postText: `post ${i}`, overlaysSaved: [] } : {},
      createdAt: minute(i),
      completedAt: status === 'completed' ? minute(i + 0.5) : null,
    });
  }
  await f.ingest(
    w.serviceToken.token,
    usages.map((u) => usageEvent(u)),
  );
  // Newest first: createdAt desc (ids break ties, none here).
  const newestFirst = [...usages].reverse();
  return { ...w, usages, newestFirst };
}

describe('GET /api/v1/workspace/:workspaceId/ai/usages — listing', () => {
  let world: Awaited<ReturnType<typeof seeded>>;
  beforeAll(async () => {
    world = await seeded(60);
  });

  it('answers the seed body with defaults limit 50, offset 0', async () => {
    const response = await get(world.ownerToken.token, world.workspace.id);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      usages: world.newestFirst.slice(0, 50).map(expected),
      pagination: { total: 60, limit: 50, offset: 0, hasMore: true },
    });
  });

  it('renders every field, completedAt null until completed', async () => {
    const body = (await get(world.ownerToken.token, world.workspace.id, 'limit=3')).json();
    expect(body.usages).toEqual([
      {
        id: 'u-0059',
        workspaceId: world.workspace.id,
        toolType: 'other',
        status: 'failed',
        cost: 0.75,
        inputData: { prompt: 'prompt 59' },
        responseData: {},
        createdAt: '2025-01-15T10:59:00.000Z',
        completedAt: null,
      },
      {
        id: 'u-0058',
        workspaceId: world.workspace.id,
        toolType: 'session-summary',
        status: 'completed',
        cost: 0.5,
        inputData: { prompt: 'prompt 58' },
        responseData: { postText: 'post 58', overlaysSaved: [] },
        createdAt: '2025-01-15T10:58:00.000Z',
        completedAt: '2025-01-15T10:58:30.000Z',
      },
      {
        id: 'u-0057',
        workspaceId: world.workspace.id,
        toolType: 'image-generation',
        status: 'pending',
        cost: 0.25,
        inputData: { prompt: 'prompt 57' },
        responseData: {},
        createdAt: '2025-01-15T10:57:00.000Z',
        completedAt: null,
      },
    ]);
    expect(body.pagination).toEqual({ total: 60, limit: 3, offset: 0, hasMore: true });
  });

  it.each([
    ['limit=1', 0, 1, true],
    ['limit=100', 0, 60, false],
    ['limit=20&offset=40', 40, 20, false],
    ['limit=20&offset=39', 39, 20, true],
    ['offset=50', 50, 10, false],
    ['offset=59', 59, 1, false],
    ['offset=60', 60, 0, false],
    ['offset=1000', 1000, 0, false],
    ['limit=7&offset=0', 0, 7, true],
  ] as const)('pages with %s', async (query, offset, returned, hasMore) => {
    const response = await get(world.ownerToken.token, world.workspace.id, query);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const limit = Number(/limit=(\d+)/.exec(query)?.[1] ?? 50);
    expect(body.usages).toEqual(world.newestFirst.slice(offset, offset + returned).map(expected));
    expect(body.pagination).toEqual({ total: 60, limit, offset, hasMore });
  });

  it.each(TOOL_TYPES)('filters by toolType=%s', async (toolType) => {
    const matching = world.newestFirst.filter((u) => u.toolType === toolType);
    const response = await get(world.ownerToken.token, world.workspace.id, `toolType=${toolType}&limit=10`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      usages: matching.slice(0, 10).map(expected),
      pagination: { total: matching.length, limit: 10, offset: 0, hasMore: true },
    });
  });

  it.each(STATUSES)('filters by status=%s', async (status) => {
    const matching = world.newestFirst.filter((u) => u.status === status);
    const response = await get(world.ownerToken.token, world.workspace.id, `status=${status}&offset=15`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      usages: matching.slice(15).map(expected),
      pagination: { total: 20, limit: 50, offset: 15, hasMore: false },
    });
  });

  it('combines toolType and status', async () => {
    for (const toolType of TOOL_TYPES) {
      for (const status of STATUSES) {
        const matching = world.newestFirst.filter((u) => u.toolType === toolType && u.status === status);
        const response = await get(
          world.ownerToken.token,
          world.workspace.id,
          `toolType=${toolType}&status=${status}&limit=2&offset=1`,
        );
        expect(response.json(), `${toolType}/${status}`).toEqual({
          usages: matching.slice(1, 3).map(expected),
          pagination: { total: matching.length, limit: 2, offset: 1, hasMore: matching.length > 3 },
        });
      }
    }
  });

  it('ignores unknown query parameters', async () => {
    const response = await get(world.ownerToken.token, world.workspace.id, 'limit=2&foo=bar');
    expect(response.statusCode).toBe(200);
    expect(response.json().pagination).toEqual({ total: 60, limit: 2, offset: 0, hasMore: true });
  });

  it('orders equal createdAt by id, descending', async () => {
    const w = await f.world();
    const at = '2025-02-01T00:00:00.000Z';
    const ids = ['tie-b', 'tie-a', 'tie-c'];
    await f.ingest(
      w.serviceToken.token,
      ids.map((id) =>
        usageEvent({ id, workspaceId: w.workspace.id, toolType: 'other', status: 'pending', createdAt: at }),
      ),
    );
    const body = (await get(w.ownerToken.token, w.workspace.id)).json();
    expect(body.usages.map((u: { id: string }) => u.id)).toEqual(['tie-c', 'tie-b', 'tie-a']);
    expect(body.pagination).toEqual({ total: 3, limit: 50, offset: 0, hasMore: false });
  });

  it('answers an empty page for a workspace without usages', async () => {
    const w = await f.world();
    const response = await get(w.ownerToken.token, w.workspace.id, 'offset=5');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      usages: [],
      pagination: { total: 0, limit: 50, offset: 5, hasMore: false },
    });
  });

  it("never lists another workspace's usages", async () => {
    const other = await f.workspace(world.org.id, { ownerId: world.owner.id });
    const response = await get(world.ownerToken.token, other.id);
    expect(response.json()).toEqual({
      usages: [],
      pagination: { total: 0, limit: 50, offset: 0, hasMore: false },
    });
  });
});

describe('pending → completed', () => {
  it('shows the newer state, and a late older event changes nothing', async () => {
    const w = await f.world();
    const base = {
      id: 'usage-1',
      workspaceId: w.workspace.id,
      toolType: 'product-marketing-post',
      createdAt: '2025-01-15T10:30:00.000Z',
      cost: 0.1,
      inputData: { product: 'shoes' },
    };
    await f.ingest(w.serviceToken.token, [
      usageEvent({ ...base, status: 'pending' }, '2025-01-15T10:30:00.000Z'),
    ]);
    const pending = (await get(w.ownerToken.token, w.workspace.id)).json();
    expect(pending.usages).toEqual([expected({ ...base, status: 'pending' })]);

    const completed = {
      ...base,
      status: 'completed',
      responseData: { postText: 'Check out our new product!', overlaysSaved: [] },
      completedAt: '2025-01-15T10:30:05.000Z',
    };
    await f.ingest(w.serviceToken.token, [usageEvent(completed, '2025-01-15T10:30:05.000Z')]);
    const after = (await get(w.ownerToken.token, w.workspace.id)).json();
    expect(after).toEqual({
      usages: [expected(completed)],
      pagination: { total: 1, limit: 50, offset: 0, hasMore: false },
    });

    // A stale event (older time) arriving late, e.g. a retried pending notification.
    await f.ingest(w.serviceToken.token, [
      usageEvent({ ...base, status: 'pending', cost: 0 }, '2025-01-15T10:30:01.000Z'),
    ]);
    expect((await get(w.ownerToken.token, w.workspace.id)).json()).toEqual(after);
    expect((await get(w.ownerToken.token, w.workspace.id, 'status=pending')).json().usages).toEqual([]);
    expect((await get(w.ownerToken.token, w.workspace.id, 'status=completed')).json().usages).toEqual([
      expected(completed),
    ]);
  });

  it('keeps the newest state when both arrive in one batch, newest first', async () => {
    const w = await f.world();
    const base = {
      id: 'usage-2',
      workspaceId: w.workspace.id,
      toolType: 'image-generation',
      createdAt: '2025-01-15T11:00:00.000Z',
    };
    const failed = { ...base, status: 'failed', responseData: { error: 'timeout' } };
    await f.ingest(w.serviceToken.token, [
      usageEvent(failed, '2025-01-15T11:01:00.000Z'),
      usageEvent({ ...base, status: 'pending' }, '2025-01-15T11:00:00.000Z'),
    ]);
    expect((await get(w.ownerToken.token, w.workspace.id)).json().usages).toEqual([expected(failed)]);
  });
});

describe('validation (400)', () => {
  let w: Awaited<ReturnType<Factory['world']>>;
  beforeAll(async () => {
    w = await f.world();
  });

  const bad = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

  it.each([
    ['limit=0', 'querystring/limit must be >= 1'],
    ['limit=101', 'querystring/limit must be <= 100'],
    ['limit=-5', 'querystring/limit must be >= 1'],
    ['limit=abc', 'querystring/limit must be integer'],
    ['limit=1.5', 'querystring/limit must be integer'],
    ['limit=', 'querystring/limit must be integer'],
    ['offset=-1', 'querystring/offset must be >= 0'],
    ['offset=x', 'querystring/offset must be integer'],
    ['offset=2147483648', 'querystring/offset must be <= 2147483647'],
    [
      'toolType=video',
      "querystring/toolType must be one of 'product-marketing-post', 'image-generation', 'session-summary' or 'other'",
    ],
    [
      'toolType=',
      "querystring/toolType must be one of 'product-marketing-post', 'image-generation', 'session-summary' or 'other'",
    ],
    ['status=done', "querystring/status must be one of 'pending', 'completed' or 'failed'"],
    ['status=Completed', "querystring/status must be one of 'pending', 'completed' or 'failed'"],
    [
      'limit=0&offset=-1&status=x',
      "querystring/limit must be >= 1, querystring/offset must be >= 0, querystring/status must be one of 'pending', 'completed' or 'failed'",
    ],
  ])('rejects %s', async (query, message) => {
    const response = await get(w.ownerToken.token, w.workspace.id, query);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual(bad(message));
  });

  it('accepts the bounds', async () => {
    for (const query of ['limit=1', 'limit=100', 'offset=0', 'offset=2147483647']) {
      expect((await get(w.ownerToken.token, w.workspace.id, query)).statusCode, query).toBe(200);
    }
  });

  it('authenticates before validating, and validates before looking the workspace up', async () => {
    const noToken = await t.app.inject({ method: 'GET', url: url(w.workspace.id, 'limit=0') });
    expect(noToken.statusCode).toBe(401);
    const unknown = await get(w.ownerToken.token, 'no-such-workspace', 'limit=0');
    expect(unknown.json()).toEqual(bad('querystring/limit must be >= 1'));
  });
});

describe('access', () => {
  const notFound = { statusCode: 404, error: 'Not Found', message: 'Workspace not found' };
  const forbidden = {
    statusCode: 403,
    error: 'Forbidden',
    message: 'You do not have permission to list the AI tool usages of this workspace',
  };

  it('passes the isolation checks', async () => {
    const w = await f.world();
    await expectIsolation(
      t,
      f,
      w.org.id,
      { method: 'GET', url: url(w.workspace.id) },
      {
        unauthenticated: {
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Missing or invalid authentication token',
        },
        otherOrg: { status: 404, body: notFound },
        abilities: ['read'],
      },
    );
  });

  it('answers 404 for an unknown workspace, even to the deployment admin', async () => {
    const w = await f.world();
    expect((await get(w.ownerToken.token, 'ws-unknown')).json()).toEqual(notFound);
    const admin = await get(t.adminToken, 'ws-unknown');
    expect(admin.statusCode).toBe(404);
    expect(admin.json()).toEqual(notFound);
  });

  it('lets the workspace owner, org owners and admins, service tokens and the deployment admin read', async () => {
    const w = await f.world();
    const orgAdmin = await f.user(w.org.id, { role: 'admin' });
    const coOwner = await f.user(w.org.id);
    await f.member(w.workspace.id, coOwner.id, 'owner');
    const workspaceOwner = await f.user(w.org.id);
    const owned = await f.workspace(w.org.id, { ownerId: workspaceOwner.id });
    const cases: [string, string, string][] = [
      ['org owner', w.ownerToken.token, w.workspace.id],
      [
        'org admin',
        (await f.token(w.org.id, { userId: orgAdmin.id, abilities: ['read'] })).token,
        w.workspace.id,
      ],
      ['member with owner role', (await f.token(w.org.id, { userId: coOwner.id })).token, w.workspace.id],
      [
        'workspace owner (org member)',
        (await f.token(w.org.id, { userId: workspaceOwner.id })).token,
        owned.id,
      ],
      ['service token', (await f.token(w.org.id, { abilities: ['read'] })).token, w.workspace.id],
      ['deployment admin', t.adminToken, w.workspace.id],
    ];
    for (const [label, token, workspaceId] of cases) {
      const response = await get(token, workspaceId);
      expect(response.statusCode, `${label}: ${response.body}`).toBe(200);
    }
  });

  it('lets staff read only with ai_usage:read', async () => {
    const w = await f.world();
    const reader = await f.user(w.org.id);
    await f.member(w.workspace.id, reader.id, 'staff', ['ai_usage:read']);
    const other = await f.user(w.org.id);
    await f.member(w.workspace.id, other.id, 'staff', [
      'activity:read',
      'workspace:read',
      'usage:read_others',
    ]);
    const bare = await f.user(w.org.id);
    await f.member(w.workspace.id, bare.id, 'staff');
    const outsider = await f.user(w.org.id);

    const ok = await get(
      (await f.token(w.org.id, { userId: reader.id, abilities: ['read'] })).token,
      w.workspace.id,
    );
    expect(ok.statusCode).toBe(200);
    for (const user of [other, bare, outsider]) {
      const response = await get((await f.token(w.org.id, { userId: user.id })).token, w.workspace.id);
      expect(response.statusCode, user.id).toBe(403);
      expect(response.json()).toEqual(forbidden);
    }
  });

  it('needs the read ability', async () => {
    const w = await f.world();
    for (const abilities of [['use_agents'], ['ingest'], ['admin'], ['use_agents', 'ingest', 'admin']]) {
      const owner = await f.token(w.org.id, { userId: w.owner.id, abilities });
      const service = await f.token(w.org.id, { abilities });
      for (const token of [owner, service]) {
        const response = await get(token.token, w.workspace.id);
        expect(response.statusCode, abilities.join(',')).toBe(403);
        expect(response.json()).toEqual(forbidden);
      }
    }
    const star = await f.token(w.org.id, { userId: w.owner.id, abilities: ['*'] });
    expect((await get(star.token, w.workspace.id)).statusCode).toBe(200);
  });

  it('checks existence before permission', async () => {
    const w = await f.world();
    const member = await f.user(w.org.id);
    const token = await f.token(w.org.id, { userId: member.id, abilities: ['ingest'] });
    expect((await get(token.token, 'ws-missing')).json()).toEqual(notFound);
    expect((await get(token.token, w.workspace.id)).json()).toEqual(forbidden);
  });

  it('records the request as an activity of the workspace org', async () => {
    const w = await f.world();
    await get(w.ownerToken.token, w.workspace.id, 'limit=5');
    await t.app.recorder.flush();
    const records = await t.db
      .selectFrom('activities')
      .selectAll()
      .where('org_id', '=', w.org.id)
      .where('resource_type', '=', 'ai_usage')
      .execute();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      workspace_id: w.workspace.id,
      user_id: w.owner.id,
      method: 'GET',
      path: `/api/v1/workspace/${w.workspace.id}/ai/usages`,
      status_code: 200,
      action: 'read',
      success: true,
    });
  });
});

describe('error dialect', () => {
  it('renders crashes and outages in the seed form', () => {
    const request = {} as never;
    expect(usagesDialect(new TallyError('internal', 'boom'), request)).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'An unexpected error occurred while processing the request',
      },
    });
    expect(
      usagesDialect(new TallyError('unavailable', 'The database is unavailable; retry shortly'), request),
    ).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable; retry shortly',
      },
    });
  });
});
