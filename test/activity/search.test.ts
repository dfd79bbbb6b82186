// Workspace search (seed 004): every filter, every enum value, duration bounds, combined filters,
// and pagination over filtered results (including filters the rollups cannot answer).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { ACTIONS, buildWorld, expectedOrder, type FixtureRecord, get, type World, walk } from './fixtures.js';

const NOW = new Date('2025-05-01T09:10:11.121Z');

let t: TestApp;
let f: Factory;
let w: World;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  t.clock.pinned = NOW;
  w = await buildWorld(t, f, { end: NOW, hours: 5, count: 250, seed: 7 });
});
beforeEach(() => {
  t.clock.pinned = NOW;
});
afterAll(() => t.close());

const url = (query: string) =>
  `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/search?limit=200&${query}`;
const ids = (records: { id: string }[]) => records.map((r) => r.id);

async function expectSearch(query: string, select: (r: FixtureRecord) => boolean) {
  const expected = expectedOrder(w.records.filter((r) => r.workspace_id === w.workspaceId && select(r)));
  const response = await get(t, url(query), w.ownerToken);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.total, query).toBe(expected.length);
  expect(ids(response.body.activities), query).toEqual(ids(expected));
  return expected;
}

describe('search filters', () => {
  it.each(ACTIONS)('action=%s', async (action) => {
    await expectSearch(`action=${action}`, (r) => r.action === action);
  });

  it('status=success and status=error map to success', async () => {
    const ok = await expectSearch('status=success', (r) => r.success);
    const failed = await expectSearch('status=error', (r) => !r.success);
    expect(ok.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
  });

  it('resource_type and user_id match exactly', async () => {
    await expectSearch('resource_type=endpoint', (r) => r.resource_type === 'endpoint');
    await expectSearch('resource_type=Endpoint', () => false);
    await expectSearch(`user_id=${w.userIds[1]}`, (r) => r.user_id === w.userIds[1]);
    await expectSearch('user_id=nobody', () => false);
  });

  it('duration bounds are inclusive and accept 0', async () => {
    await expectSearch('min_duration_ms=0', (r) => r.duration_ms !== null);
    await expectSearch('max_duration_ms=0', (r) => r.duration_ms !== null && r.duration_ms <= 0);
    await expectSearch(
      'min_duration_ms=500&max_duration_ms=1500',
      (r) => r.duration_ms !== null && r.duration_ms >= 500 && r.duration_ms <= 1500,
    );
    await expectSearch('min_duration_ms=700&max_duration_ms=700', (r) => r.duration_ms === 700);
  });

  it('combines filters', async () => {
    await expectSearch(
      `action=read&status=success&resource_type=app&user_id=${w.userIds[0]}`,
      (r) => r.action === 'read' && r.success && r.resource_type === 'app' && r.user_id === w.userIds[0],
    );
    await expectSearch(
      'status=error&min_duration_ms=100',
      (r) => !r.success && r.duration_ms !== null && r.duration_ms >= 100,
    );
  });

  it('pages through a duration-filtered search with a constant total', async () => {
    const expected = expectedOrder(
      w.records.filter(
        (r) => r.workspace_id === w.workspaceId && r.duration_ms !== null && r.duration_ms >= 300,
      ),
    );
    const base = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/search?min_duration_ms=300&limit=11`;
    const pages = await walk(t, base, w.ownerToken);
    for (const page of pages) expect(page.total).toBe(expected.length);
    expect(ids(pages.flatMap((p) => p.activities))).toEqual(ids(expected));
    expect(pages.at(-1)!.next_cursor).toBeNull();
  });
});

describe('search validation', () => {
  const cases: [string, unknown][] = [
    [
      'action=publish',
      {
        type: 'literal_error',
        loc: ['query', 'action'],
        msg: "Input should be 'create', 'read', 'update', 'delete', 'execute' or 'trigger'",
        input: 'publish',
        ctx: { expected: "'create', 'read', 'update', 'delete', 'execute' or 'trigger'" },
      },
    ],
    [
      'status=ok',
      {
        type: 'literal_error',
        loc: ['query', 'status'],
        msg: "Input should be 'success' or 'error'",
        input: 'ok',
        ctx: { expected: "'success' or 'error'" },
      },
    ],
    [
      'min_duration_ms=-1',
      {
        type: 'greater_than_equal',
        loc: ['query', 'min_duration_ms'],
        msg: 'Input should be greater than or equal to 0',
        input: '-1',
        ctx: { ge: 0 },
      },
    ],
    [
      'max_duration_ms=-1',
      {
        type: 'greater_than_equal',
        loc: ['query', 'max_duration_ms'],
        msg: 'Input should be greater than or equal to 0',
        input: '-1',
        ctx: { ge: 0 },
      },
    ],
    [
      'min_duration_ms=fast',
      {
        type: 'int_parsing',
        loc: ['query', 'min_duration_ms'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: 'fast',
        ctx: {},
      },
    ],
    [
      'min_duration_ms=11&max_duration_ms=10',
      {
        type: 'value_error',
        loc: ['query', 'max_duration_ms'],
        msg: 'Value error, max_duration_ms must be greater than or equal to min_duration_ms',
        input: '10',
        ctx: { error: 'max_duration_ms must be greater than or equal to min_duration_ms' },
      },
    ],
  ];

  it.each(cases)('%s is a 422', async (query, issue) => {
    const response = await get(t, url(query), w.ownerToken);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ detail: [issue] });
  });

  it('reports every invalid parameter at once', async () => {
    const response = await get(t, url('action=x&status=y&limit=0'), w.ownerToken);
    expect(response.status).toBe(422);
    expect(response.body.detail.map((d: { loc: string[] }) => d.loc[1]).sort()).toEqual([
      'action',
      'limit',
      'status',
    ]);
  });
});
