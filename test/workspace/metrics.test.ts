// metrics_cache against an independent computation over a fixture, its 60 s freshness, the
// background refresher, and last_active_at following the newest ingested record.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refreshActiveWorkspaceMetrics } from '../../src/ledger/workspaces/metrics-refresher.js';
import { Factory, uid, uuid } from '../helpers/factories.js';
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

// Far from real time, so that this process's own (self-recorded) activity never falls in a window.
const NOW = Date.parse('2025-03-01T12:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

interface Execution {
  id: string;
  status: string;
  credits: number;
  created_at: string;
}
interface Usage {
  id: string;
  status: string;
  cost: number;
  createdAt: string;
}
interface Activity {
  id: string;
  status_code: number;
  timestamp: string;
}

// Times probe every edge: window starts are inclusive, `now` itself is excluded, the future too.
const OFFSETS = [
  -1,
  -HOUR,
  -DAY + 1,
  -DAY,
  -DAY - 1,
  -3 * DAY,
  -29 * DAY,
  -30 * DAY,
  -30 * DAY - 1,
  -45 * DAY,
  0,
  HOUR,
];
const EXECUTION_STATUSES = ['succeeded', 'failed', 'running', 'succeeded'];
const CREDITS = [1.5, 0.25, 3, 10.125];
const USAGE_STATUSES = ['completed', 'pending', 'failed'];
const COSTS = [0.5, 0.125, 2.25];
const STATUS_CODES = [200, 201, 404, 500, 302];

function fixture() {
  const executions: Execution[] = [];
  const usages: Usage[] = [];
  const activities: Activity[] = [];
  OFFSETS.forEach((offset, i) => {
    for (let k = 0; k < 3; k += 1) {
      const n = i * 3 + k;
      executions.push({
        id: uid('exec'),
        status: EXECUTION_STATUSES[n % 4]!,
        credits: CREDITS[n % 4]!,
        created_at: at(offset),
      });
      usages.push({
        id: uid('usage'),
        status: USAGE_STATUSES[n % 3]!,
        cost: COSTS[n % 3]!,
        createdAt: at(offset),
      });
      activities.push({ id: uid('act'), status_code: STATUS_CODES[n % 5]!, timestamp: at(offset) });
    }
  });
  return { executions, usages, activities };
}

/** What the metrics must be, computed here from the fixture alone. */
function expectedMetrics(data: ReturnType<typeof fixture>, now: number) {
  const inWindow = (iso: string, span: number) => {
    const time = Date.parse(iso);
    return time >= now - span && time < now;
  };
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const executions = (span: number) => data.executions.filter((e) => inWindow(e.created_at, span));
  const succeeded = (span: number) => executions(span).filter((e) => e.status === 'succeeded');
  const usages = (span: number) => data.usages.filter((u) => inWindow(u.createdAt, span));
  const activities = data.activities.filter((a) => inWindow(a.timestamp, DAY));
  return {
    executions_24h: executions(DAY).length,
    executions_30d: executions(30 * DAY).length,
    succeeded_executions_24h: succeeded(DAY).length,
    succeeded_executions_30d: succeeded(30 * DAY).length,
    credits_24h: sum(succeeded(DAY).map((e) => e.credits)),
    credits_30d: sum(succeeded(30 * DAY).map((e) => e.credits)),
    ai_tool_cost_24h: sum(usages(DAY).map((u) => u.cost)),
    ai_tool_cost_30d: sum(usages(30 * DAY).map((u) => u.cost)),
    activity_requests_24h: activities.length,
    activity_failures_24h: activities.filter((a) => a.status_code >= 400).length,
    computed_at: new Date(now).toISOString(),
  };
}

async function ingestFixture(token: string, workspaceId: string, data: ReturnType<typeof fixture>) {
  const user = uid('platform-user');
  const agent = { id: uid('agent'), slug: 'writer', name: 'Writer', type: 'text' };
  const event = (type: string, payload: object) => ({
    specversion: '1.0',
    id: uid('evt'),
    source: 'platform/test',
    type,
    data: payload,
  });
  await f.ingest(token, [
    ...data.executions.map((e) =>
      event('execution.recorded', { ...e, workspace_id: workspaceId, user_id: user, agent, output: 'x' }),
    ),
    ...data.usages.map((u) =>
      event('ai_usage.recorded', { ...u, workspaceId, toolType: 'other', inputData: {}, responseData: {} }),
    ),
    ...data.activities.map((a) =>
      event('activity.recorded', { ...a, workspace_id: workspaceId, method: 'POST', path: '/v1/run' }),
    ),
  ]);
}

async function read(token: string, workspaceId: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/workspaces/${workspaceId}`,
    headers: bearer(token),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('metrics_cache', () => {
  it('matches an independent computation over the fixture, and stays at most 60 s old', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const neighbour = await f.workspace(w.org.id, { id: uuid(), ownerId: w.owner.id });
    const data = fixture();
    await ingestFixture(w.serviceToken.token, w.workspace.id, data);
    // Another workspace's records never count.
    await ingestFixture(w.serviceToken.token, neighbour.id, fixture());

    t.clock.pinned = new Date(NOW);
    const first = await read(w.ownerToken.token, w.workspace.id);
    const expected = expectedMetrics(data, NOW);
    expect(expected.executions_24h).toBeGreaterThan(0);
    expect(expected.activity_failures_24h).toBeGreaterThan(0);
    expect(first.metrics_cache).toEqual(expected);
    const stored = await t.db
      .selectFrom('workspaces')
      .select(['metrics_cache', 'updated_at'])
      .where('id', '=', w.workspace.id)
      .executeTakeFirstOrThrow();
    expect(stored.metrics_cache).toEqual(expected);
    expect(stored.updated_at.toISOString()).toBe(first.updated_at);

    // New records within 60 s are not seen yet: the cached figures are served.
    const later = { executions: [], usages: [], activities: [] } as ReturnType<typeof fixture>;
    later.executions.push({ id: uid('exec'), status: 'succeeded', credits: 4, created_at: at(-2 * HOUR) });
    later.usages.push({ id: uid('usage'), status: 'completed', cost: 1, createdAt: at(-2 * HOUR) });
    later.activities.push({ id: uid('act'), status_code: 503, timestamp: at(-2 * HOUR) });
    await ingestFixture(w.serviceToken.token, w.workspace.id, later);
    t.clock.pinned = new Date(NOW + 59_000);
    expect((await read(w.ownerToken.token, w.workspace.id)).metrics_cache).toEqual(expected);

    // Past 60 s they are recomputed, over windows that moved with the clock.
    const next = NOW + 60_000;
    t.clock.pinned = new Date(next);
    const combined = {
      executions: [...data.executions, ...later.executions],
      usages: [...data.usages, ...later.usages],
      activities: [...data.activities, ...later.activities],
    };
    const recomputed = (await read(w.ownerToken.token, w.workspace.id)).metrics_cache;
    expect(recomputed).toEqual(expectedMetrics(combined, next));
    const withoutLater = expectedMetrics(data, next);
    expect(recomputed.executions_24h).toBe(withoutLater.executions_24h + 1);
    expect(recomputed.activity_failures_24h).toBe(withoutLater.activity_failures_24h + 1);

    // A clock stepped back (computed_at in the future) is treated as stale too.
    t.clock.pinned = new Date(NOW - DAY);
    expect((await read(w.ownerToken.token, w.workspace.id)).metrics_cache).toEqual(
      expectedMetrics(combined, NOW - DAY),
    );
  });

  it('is all zeros for a workspace without records, also for concurrent first reads', async () => {
    const w = await f.world({ workspaceId: uuid() });
    t.clock.pinned = new Date(NOW);
    const bodies = await Promise.all(
      Array.from({ length: 5 }, () => read(w.ownerToken.token, w.workspace.id)),
    );
    for (const body of bodies) {
      expect(body.metrics_cache).toEqual(
        expectedMetrics({ executions: [], usages: [], activities: [] }, NOW),
      );
    }
  });
});

describe('background refresher', () => {
  it('recomputes stale metrics of recently active workspaces only', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const quiet = await f.workspace(w.org.id, { id: uuid(), ownerId: w.owner.id });
    const data = fixture();
    await ingestFixture(w.serviceToken.token, w.workspace.id, data);
    const old = { executions: [], usages: [], activities: [] } as ReturnType<typeof fixture>;
    old.executions.push({ id: uid('exec'), status: 'succeeded', credits: 1, created_at: at(-2 * DAY) });
    await ingestFixture(w.serviceToken.token, quiet.id, old);

    const metricsOf = async (id: string) =>
      (
        await t.db
          .selectFrom('workspaces')
          .select('metrics_cache')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).metrics_cache;

    // The newest record of the active workspace is an hour ahead of NOW; of the quiet one, 2 days old.
    const refreshAt = NOW + HOUR + 60_000;
    await refreshActiveWorkspaceMetrics(t.db, new Date(refreshAt));
    expect(await metricsOf(w.workspace.id)).toEqual(expectedMetrics(data, refreshAt));
    expect(await metricsOf(quiet.id)).toEqual({});

    // Fresh metrics are left alone; stale ones are recomputed on a later round.
    await refreshActiveWorkspaceMetrics(t.db, new Date(refreshAt + 30_000));
    expect(await metricsOf(w.workspace.id)).toEqual(expectedMetrics(data, refreshAt));
    await refreshActiveWorkspaceMetrics(t.db, new Date(refreshAt + 61_000));
    expect(await metricsOf(w.workspace.id)).toEqual(expectedMetrics(data, refreshAt + 61_000));

    // A read within 60 s of the refresh serves the refreshed figures as they are.
    t.clock.pinned = new Date(refreshAt + 90_000);
    expect((await read(w.ownerToken.token, w.workspace.id)).metrics_cache).toEqual(
      expectedMetrics(data, refreshAt + 61_000),
    );
  });
});

describe('last_active_at', () => {
  it('follows the newest ingested record of the workspace', async () => {
    const w = await f.world({ workspaceId: uuid() });
    expect((await read(w.ownerToken.token, w.workspace.id)).last_active_at).toBeNull();
    const data = fixture();
    await ingestFixture(w.serviceToken.token, w.workspace.id, data);
    const newest = Math.max(
      ...[...data.executions.map((e) => e.created_at), ...data.usages.map((u) => u.createdAt)].map(
        Date.parse,
      ),
      ...data.activities.map((a) => Date.parse(a.timestamp)),
    );
    expect((await read(w.ownerToken.token, w.workspace.id)).last_active_at).toBe(
      new Date(newest).toISOString(),
    );

    // An older record does not move it back; a newer one moves it forward.
    const older = { executions: [], usages: [], activities: [] } as ReturnType<typeof fixture>;
    older.usages.push({ id: uid('usage'), status: 'pending', cost: 0, createdAt: at(-DAY) });
    await ingestFixture(w.serviceToken.token, w.workspace.id, older);
    expect((await read(w.ownerToken.token, w.workspace.id)).last_active_at).toBe(
      new Date(newest).toISOString(),
    );
    const newer = { executions: [], usages: [], activities: [] } as ReturnType<typeof fixture>;
    newer.activities.push({ id: uid('act'), status_code: 200, timestamp: at(2 * DAY) });
    await ingestFixture(w.serviceToken.token, w.workspace.id, newer);
    expect((await read(w.ownerToken.token, w.workspace.id)).last_active_at).toBe(at(2 * DAY));
  });
});
