// Org B reusing org A's ids inside its own org: ingested events with A's (source, id) and A's record
// ids, and administration naming A's users, workspace and agent. Ids are per org (except workspace
// and token ids), so B's writes land in B, are never "duplicates" of A's (which would reveal that A
// sent them), and change nothing in A.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { orgState } from './org-state.js';
import { Checker, send } from './probe.js';
import { buildTenant, credentialOf, type Tenant } from './tenant.js';

/** Hundreds of requests per test: generous on a loaded 2-core machine. */
const SLOW_MACHINE_MS = 180_000;

let t: TestApp;
let a: Tenant;
let b: Tenant;
let checker: Checker;

beforeAll(async () => {
  t = await buildTestApp();
  a = await buildTenant(t, 'qqA7leak');
  b = await buildTenant(t, 'qqB7leak');
  checker = new Checker(t, a.markers);
});
afterAll(async () => {
  console.info(`tenant isolation collisions: ${checker?.cases ?? 0} cases checked`);
  await t?.close();
});

async function read(tenant: Tenant, url: string, headers: Record<string, string> = {}) {
  const response = await t.app.inject({
    method: 'GET',
    url,
    headers: { ...headers, ...bearer(tenant.ownerToken) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** One image execution, one activity record and one AI usage of `tenant`, read through its API. */
async function recordsOf(tenant: Tenant, perPage: number) {
  const usage = await read(tenant, `/workspaces/usage?per_page=${perPage}`, {
    'x-workspace-id': tenant.workspaces.int,
  });
  const activity = await read(
    tenant,
    `/v1/orgs/${tenant.org}/workspaces/${tenant.workspaces.str}/activity?limit=200`,
  );
  const usages = await read(tenant, `/api/v1/workspace/${tenant.workspaces.str}/ai/usages`);
  return {
    executions: usage.items as { id: number; output: string | null; email: string }[],
    activities: activity.activities as { id: string; path: string }[],
    usages: usages.usages as { id: string; inputData: Record<string, string> }[],
  };
}

it(
  "B's events reusing A's ids are B's own: accepted, never duplicates, and A keeps its records",
  async () => {
    const aBefore = await recordsOf(a, 50);
    const execution = aBefore.executions.find((e) => e.output?.startsWith(a.prefix))!;
    const activity = aBefore.activities.find((r) => r.id.startsWith(`${a.prefix}-act-`))!;
    const usage = aBefore.usages[0]!;
    expect(execution && activity && usage, 'A has records to collide with').toBeTruthy();

    await t.app.recorder.flush();
    const stateBefore = await orgState(t, a.org);
    const at = new Date(Date.now() - 30_000).toISOString();
    const event = (n: number, type: string, data: object) =>
      // A's own event source and ids: deduplication is per org.
      ({
        specversion: '1.0',
        id: `${a.prefix}-evt-${n}`,
        source: `${a.prefix}/source`,
        type,
        time: at,
        data,
      });
    const events = [
      event(1, 'activity.recorded', {
        id: activity.id,
        workspace_id: b.workspaces.str,
        path: `/v1/${b.prefix}/collide`,
        status_code: 200,
      }),
      event(2, 'execution.recorded', {
        id: String(execution.id),
        workspace_id: b.workspaces.int,
        user_id: b.people.owner!.id,
        agent: {
          id: a.agents.image,
          slug: `${b.prefix}-collide`,
          name: `${b.prefix}_collide`,
          type: 'image',
        },
        status: 'succeeded',
        output: `${b.prefix}_collide_output`,
      }),
      event(3, 'ai_usage.recorded', {
        id: usage.id,
        workspaceId: b.workspaces.str,
        toolType: 'other',
        status: 'completed',
        inputData: { prompt: `${b.prefix}_collide_prompt` },
      }),
    ];
    const ingest = await checker.check(
      'collision',
      {
        method: 'POST',
        url: '/v1/ingest',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      },
      credentialOf(b, 'service *'),
      { status: 200, body: { accepted: 3, duplicates: 0, rejected: [] } },
    );
    expect(ingest.statusCode, ingest.body).toBe(200);

    // B reads its own versions, with nothing of A's.
    const bAfter = await recordsOf(b, 49);
    expect(bAfter.executions.find((e) => e.id === execution.id)?.output).toBe(`${b.prefix}_collide_output`);
    expect(bAfter.activities.find((r) => r.id === activity.id)?.path).toBe(`/v1/${b.prefix}/collide`);
    expect(bAfter.usages.find((u) => u.id === usage.id)?.inputData).toEqual({
      prompt: `${b.prefix}_collide_prompt`,
    });

    // A reads exactly what it had (a new page size, so the usage history is not the cached page).
    const aAfter = await recordsOf(a, 49);
    expect(aAfter.executions.find((e) => e.id === execution.id)).toMatchObject({
      output: execution.output,
      email: execution.email,
    });
    expect(aAfter.activities.find((r) => r.id === activity.id)).toEqual(activity);
    expect(aAfter.usages.find((u) => u.id === usage.id)).toEqual(usage);
    await t.app.recorder.flush();
    expect(await orgState(t, a.org, ['activities', 'activity_rollups'])).toEqual(
      Object.fromEntries(Object.entries(stateBefore).filter(([table]) => !table.startsWith('activit'))),
    );
    expect(checker.failures).toEqual([]);
  },
  SLOW_MACHINE_MS,
);

it(
  "B's administration naming A's ids stays in B and reveals nothing of A",
  async () => {
    await t.app.recorder.flush();
    const before = await orgState(t, a.org);
    const service = credentialOf(b, 'service *');
    const put = (url: string, payload: object) => ({ method: 'PUT' as const, url, payload });
    const cases: [
      string,
      ReturnType<typeof put> | { method: 'POST'; url: string; payload: object },
      number,
    ][] = [
      // Workspace ids are unique across the deployment (docs/decisions.md): a 409, naming no org.
      [
        "A's workspace id",
        put(`/v1/admin/orgs/${b.org}/workspaces/${a.workspaces.str}`, {
          name: 'x',
          owner_user_id: b.people.owner!.id,
        }),
        409,
      ],
      [
        "A's user as owner",
        put(`/v1/admin/orgs/${b.org}/workspaces/collide-ws`, {
          name: 'x',
          owner_user_id: a.people.owner!.id,
        }),
        422,
      ],
      [
        "A's user as member",
        put(`/v1/admin/workspaces/${b.workspaces.uuid}/members/${a.people.member!.id}`, { role: 'owner' }),
        404,
      ],
      [
        "A's user for a token",
        {
          method: 'POST',
          url: `/v1/admin/orgs/${b.org}/tokens`,
          payload: { name: 'x', abilities: ['*'], user_id: a.people.owner!.id },
        },
        422,
      ],
      // Users and agents are per org: B gets its own record under the same platform id.
      [
        "A's user id",
        put(`/v1/admin/orgs/${b.org}/users/${a.people.member!.id}`, {
          email: 'c@collide.test',
          role: 'admin',
        }),
        201,
      ],
      [
        "A's agent id",
        put(`/v1/admin/orgs/${b.org}/agents/${a.agents.chat}`, { slug: 'c', name: 'C', type: 'code' }),
        201,
      ],
    ];
    for (const [label, call, status] of cases)
      await checker.check(label, call, service, { status, body: undefined });
    expect(checker.failures).toEqual([]);
    await t.app.recorder.flush();
    expect(await orgState(t, a.org)).toEqual(before);
    // B's member PUT now finds B's own user of that id; A's member is still A's member.
    const member = await send(
      t,
      put(`/v1/admin/workspaces/${b.workspaces.uuid}/members/${a.people.member!.id}`, { role: 'staff' }),
      service,
    );
    expect(member.statusCode, member.body).toBe(201);
    expect(await orgState(t, a.org)).toEqual(before);
  },
  SLOW_MACHINE_MS,
);
