// The write path's answers, byte for byte: a fixed world ingests fixed batches (new events,
// duplicates within and across batches, a newer and an older event for one execution, a usage
// completed later), then the ingestion answers, the activity summaries, the insights series and
// top lists, and every rollup row of the org are compared with a fixture written before the write
// path was made cheaper (prepared statements, rollup tables' fillfactor). A change in how the
// records or rollups are written that changes any answer fails here.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_TYPES } from '../../src/ingest/events/ai-usage.js';
import { METRICS } from '../../src/ledger/insights/series.js';
import { Factory } from '../helpers/factories.js';
import { FOLD_WHEN_TOLD, foldRollups } from '../helpers/rollups.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp(FOLD_WHEN_TOLD);
  f = new Factory(t);
});
afterAll(() => t.close());

const ORG = 'wpa-org';
const WORKSPACES = ['wpa-ws-1', 'wpa-ws-2', 'wpa-ws-3'];
const USERS = ['wpa-user-1', 'wpa-user-2', 'wpa-user-3', 'wpa-user-4'];
const ACTIONS = ['read', 'create', 'update', 'delete', 'execute'];
const RESOURCES = ['endpoint', 'augmentation', 'app', 'execution'];
const BASE = Date.parse('2026-03-01T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Activity event `i`: spread over five hours and two days' boundaries, every field kind used. */
function activity(i: number) {
  const status = [200, 201, 404, 500, 204][i % 5]!;
  return {
    specversion: '1.0',
    id: `wpa-act-${i}`,
    source: 'test/write-path',
    type: 'activity.recorded',
    time: iso(BASE + i * 263_000),
    data: {
      timestamp: iso(BASE + i * 263_000),
      user_id: i % 7 === 0 ? null : USERS[i % USERS.length],
      workspace_id: i % 11 === 0 ? null : WORKSPACES[i % WORKSPACES.length],
      app_id: i % 3 === 0 ? `app-${i % 2}` : null,
      method: 'GET',
      path: `/v1/things/${i % 6}`,
      resource_type: RESOURCES[i % RESOURCES.length],
      resource_id: `res-${i % 5}`,
      action: ACTIONS[i % ACTIONS.length],
      status_code: status,
      duration_ms: i % 4 === 0 ? null : ((i * 37) % 500) / 7,
      token_usage: i % 3 === 1 ? { input_tokens: i, output_tokens: 2 * i } : null,
      metadata: i % 2 === 0 ? { n: i, tag: `t${i % 3}` } : null,
    },
  };
}

function execution(i: number, at: number, status = 'succeeded') {
  return {
    specversion: '1.0',
    id: `wpa-exe-${i}-${at}`,
    source: 'test/write-path',
    type: 'execution.recorded',
    time: iso(at),
    data: {
      id: `wpa-execution-${i}`,
      workspace_id: WORKSPACES[i % WORKSPACES.length],
      user_id: USERS[i % USERS.length],
      agent: { id: `wpa-agent-${i % 2}`, slug: `agent-${i % 2}`, name: `Agent ${i % 2}`, type: 'chat' },
      status,
      credits: (i % 4) + 0.25,
      tokens: i % 2 === 0 ? { input: 10 * i, output: 5 * i, total: 15 * i } : null,
      created_at: iso(BASE + i * 900_000),
    },
  };
}

function usage(i: number, at: number, status: 'pending' | 'completed') {
  return {
    specversion: '1.0',
    id: `wpa-use-${i}-${status}`,
    source: 'test/write-path',
    type: 'ai_usage.recorded',
    time: iso(at),
    data: {
      id: `wpa-usage-${i}`,
      workspaceId: WORKSPACES[i % WORKSPACES.length],
      toolType: TOOL_TYPES[i % 2],
      status,
      cost: i + 0.5,
      inputData: { prompt: `p${i}` },
      responseData: status === 'completed' ? { ok: true } : {},
      createdAt: iso(BASE + i * 1_200_000),
      ...(status === 'completed' ? { completedAt: iso(BASE + i * 1_200_000 + 60_000) } : {}),
    },
  };
}

async function post(token: string, events: object[]) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify(events),
  });
  return `${response.statusCode} ${response.body}`;
}

async function read(url: string, token: string) {
  const response = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
  return `GET ${url}\n${response.statusCode} ${response.body}`;
}

/** Every rollup row of the org before the test's present (self-recorded requests land later). */
async function rollupRows(): Promise<string[]> {
  const tables = [
    ['activity_rollups', 'scope, scope_id, grain, bucket, action, resource_type, success'],
    ['activity_totals', 'scope, scope_id, grain, bucket'],
    ['activity_key_rollups', 'dimension, grain, bucket, workspace_id, key'],
    ['execution_rollups', 'scope, workspace_id, grain, bucket, agent_id, status'],
    ['ai_usage_rollups', 'scope, workspace_id, grain, bucket, tool_type, status'],
  ] as const;
  await foldRollups(t.db);
  const lines: string[] = [];
  for (const [table, order] of tables) {
    const rows = await sql<{ row: string }>`
      SELECT ${sql.lit(table)} || ' ' || (to_jsonb(r) - 'org_id')::text AS row FROM ${sql.table(table)} AS r
      WHERE org_id = ${ORG} AND bucket < '2026-04-01T00:00:00Z' ORDER BY ${sql.raw(order)}`.execute(t.db);
    lines.push(...rows.rows.map((r) => r.row));
  }
  const counts = await sql<{ row: string }>`
    SELECT 'ai_usage_counts ' || (to_jsonb(c) - 'org_id')::text AS row FROM ai_usage_counts AS c
    WHERE org_id = ${ORG} ORDER BY workspace_id, tool_type, status`.execute(t.db);
  lines.push(...counts.rows.map((r) => r.row));
  return lines;
}

describe('write path answers', () => {
  it('are byte for byte those of the fixture', async () => {
    await f.org(ORG);
    const owner = await f.user(ORG, { id: 'wpa-owner', role: 'owner' });
    for (const id of USERS) await f.user(ORG, { id });
    for (const id of WORKSPACES) await f.workspace(ORG, { id, ownerId: owner.id });
    const service = await f.token(ORG);

    const activities = Array.from({ length: 80 }, (_, i) => activity(i));
    const answers: string[] = [];
    // New events, one resent within the batch.
    answers.push(
      await post(service.token, [
        ...activities.slice(0, 40),
        activities[3]!,
        execution(0, BASE + 1000),
        execution(1, BASE + 2000, 'running'),
        usage(0, BASE + 3000, 'pending'),
      ]),
    );
    // Resends across batches, a newer execution event, an older one that changes nothing, a usage completed.
    answers.push(
      await post(service.token, [
        ...activities.slice(30, 80),
        execution(1, BASE + 9000, 'succeeded'),
        execution(0, BASE + 500, 'failed'),
        execution(2, BASE + 4000),
        execution(3, BASE + 4000),
        usage(0, BASE + 8000, 'completed'),
        usage(1, BASE + 8000, 'completed'),
        usage(2, BASE + 8000, 'pending'),
      ]),
    );
    // Everything again: duplicates only.
    answers.push(await post(service.token, activities.slice(0, 20)));

    t.clock.pinned = new Date('2026-03-01T16:30:00Z');
    const window = 'start_time=2026-03-01T08:00:00Z&end_time=2026-03-02T00:00:00Z';
    const reads = [
      `/v1/orgs/${ORG}/activity/summary?hours=12`,
      `/v1/orgs/${ORG}/workspaces/${WORKSPACES[0]}/activity/summary?hours=12`,
      `/v1/orgs/${ORG}/activity?${window}&limit=5`,
      ...METRICS.map((metric) => `/v1/orgs/${ORG}/insights/series?metric=${metric}&bucket=hour&${window}`),
      `/v1/orgs/${ORG}/insights/series?metric=requests&bucket=day&${window}`,
      `/v1/orgs/${ORG}/insights/series?metric=requests&group_by=action&bucket=hour&${window}`,
      ...['workspaces', 'users', 'endpoints', 'agents'].map(
        (dimension) => `/v1/orgs/${ORG}/insights/top?dimension=${dimension}&${window}`,
      ),
      `/v1/orgs/${ORG}/workspaces/${WORKSPACES[1]}/insights/top?dimension=users&${window}`,
    ];
    for (const url of reads) answers.push(await read(url, service.token));
    t.clock.pinned = null;

    const text = [...answers, ...(await rollupRows())].join('\n');
    await expect(`${text}\n`).toMatchFileSnapshot('./__fixtures__/write-path-answers.txt');
  });
});
