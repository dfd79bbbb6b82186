// Tenant isolation matrix (issue #7): every route the app serves, called with every credential of a
// second org (B) and without a valid token, addressing the first org's (A's) resources, must give
// the surface's "not yours" answer and show nothing of A; B's own-scope reads show nothing of A;
// B's writes change nothing in A; A's own callers who lack the ability, role or permission are
// refused as documented, again without a leak.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { servedRoutes } from './app-routes.js';
import { insiderRefusal, outsiderAnswer } from './expectations.js';
import { findLeaks } from './leaks.js';
import { orgState } from './org-state.js';
import { Checker, send } from './probe.js';
import { isRead, ROUTE_TABLE } from './route-table.js';
import { buildTenant, type Credential, credentialOf, type Tenant } from './tenant.js';

/** Hundreds of requests per test: generous on a loaded 2-core machine. */
const SLOW_MACHINE_MS = 180_000;

let t: TestApp;
let a: Tenant;
let b: Tenant;
let outsiders: Credential[];
let checker: Checker;
let controls = 0;

const anonymous = (label: string, authorization: string | null): Credential => ({
  label,
  authorization,
  kind: 'anonymous',
  person: null,
  abilities: [],
});

beforeAll(async () => {
  t = await buildTestApp();
  a = await buildTenant(t, 'qqA7leak');
  b = await buildTenant(t, 'qqB7leak');
  const revoked = await t.app.inject({
    method: 'POST',
    url: `/v1/admin/orgs/${b.org}/tokens`,
    headers: bearer(t.adminToken),
    payload: { name: 'revoked', abilities: ['*'], user_id: b.people.owner!.id },
  });
  await t.app.inject({
    method: 'DELETE',
    url: `/v1/admin/tokens/${revoked.json().id}`,
    headers: bearer(t.adminToken),
  });
  outsiders = [
    ...b.credentials,
    anonymous('no token', null),
    anonymous('malformed header', `Token ${b.serviceToken}`),
    anonymous('unknown token', `Bearer tly_${'0'.repeat(32)}_${'A'.repeat(43)}`),
    anonymous('revoked B token', `Bearer ${revoked.json().token}`),
  ];
  checker = new Checker(t, a.markers);
});

afterAll(async () => {
  const phases = Object.entries(checker?.phases ?? {}).map(([phase, n]) => `${phase} ${n}`);
  console.info(
    `tenant isolation matrix: ${checker?.cases ?? 0} isolation cases checked (${phases.join(', ')}; ` +
      `${Object.keys(ROUTE_TABLE).length} routes, ${outsiders?.length ?? 0} outside credentials, ` +
      `${a?.credentials.length ?? 0} inside credentials) and ${controls} positive controls`,
  );
  await t?.close();
});

const entries = () => Object.entries(ROUTE_TABLE);

it('has no token without abilities to test: one cannot be created', async () => {
  const response = await t.app.inject({
    method: 'POST',
    url: `/v1/admin/orgs/${b.org}/tokens`,
    headers: bearer(t.adminToken),
    payload: { name: 'none', abilities: [] },
  });
  expect(response.statusCode, response.body).toBe(422);
});

it('covers every route the app serves, and only those', () => {
  expect(Object.keys(ROUTE_TABLE).sort()).toEqual(servedRoutes(t.app));
});

it(
  "A's owner finds A's records on every read route: the probes address real data",
  async () => {
    for (const [key, spec] of entries()) {
      if (!isRead(key) || spec.guard === 'public') continue;
      const owner = credentialOf(a, 'owner *');
      for (const call of spec.calls(a)) {
        const answer = await send(t, call, owner);
        controls += 1;
        expect(answer.statusCode, `${call.url}: ${answer.body}`).toBe(200);
        // A summary of endpoint records names no A string (its keys are fixed); its counts show the data.
        const seen =
          findLeaks(a.markers, call, answer).length > 0 || JSON.parse(answer.body).total_requests > 0;
        expect(seen, `${call.url} shows none of A's records: ${answer.body}`).toBe(true);
      }
    }
  },
  SLOW_MACHINE_MS,
);

it(
  "B's callers see nothing of A in their own scope",
  async () => {
    for (const [key, spec] of entries()) {
      if (!isRead(key)) continue;
      // B's tokens that may read something (tokens narrowed to one ability read less, not more).
      for (const credential of b.credentials.filter((c) => c.abilities.includes('*'))) {
        for (const call of spec.calls(b)) await checker.check('own scope', call, credential);
      }
    }
    // B's scope named with A's ids: what A's ids name does not exist in B.
    const owner = credentialOf(b, 'owner *');
    const inB = `/v1/orgs/${b.org}`;
    const aIds = [
      `${inB}/users/${a.people.member!.id}/activity`,
      `${inB}/workspaces/${a.workspaces.str}/activity`,
      `${inB}/me/activity?workspace_id=${a.workspaces.str}`,
      `${inB}/workspaces/${b.workspaces.str}/activity/search?user_id=${a.people.member!.id}`,
      `${inB}/workspaces/${b.workspaces.str}/apps/${a.attributes.app}/activity`,
      `${inB}/workspaces/${b.workspaces.str}/resources/${a.attributes.resource}/activity`,
    ];
    for (const url of aIds) await checker.check('own scope, A ids', { method: 'GET', url }, owner);
    // A cursor of A's listing pins A's query: replayed on B's listing it is refused like a forgery.
    const aPage = await send(
      t,
      { method: 'GET', url: `/v1/orgs/${a.org}/activity?limit=1` },
      credentialOf(a, 'owner *'),
    );
    const cursor = encodeURIComponent(JSON.parse(aPage.body).next_cursor);
    await checker.check(
      'own scope, A cursor',
      { method: 'GET', url: `${inB}/activity?limit=1&cursor=${cursor}` },
      owner,
      { status: 422, body: undefined },
    );
    await checker.check(
      'own scope, A ids',
      {
        method: 'GET',
        url: `/workspaces/usage?user_id=${a.people.wsOwner!.id}`,
        headers: { 'x-workspace-id': b.workspaces.int },
      },
      owner,
    );
    expect(checker.failures).toEqual([]);
  },
  SLOW_MACHINE_MS,
);

it(
  "B's callers addressing A get the surface's not-yours answer, see nothing of A and change nothing",
  async () => {
    await t.app.recorder.flush();
    const before = await orgState(t, a.org);
    for (const [key, spec] of entries()) {
      for (const credential of outsiders) {
        for (const call of spec.calls(a)) {
          await checker.check(`outsider ${key}`, call, credential, outsiderAnswer(spec, credential, a));
        }
      }
    }
    expect(checker.failures).toEqual([]);
    await t.app.recorder.flush();
    // Nothing written into A: no record, no self-recorded activity, no token, no hire, no member.
    expect(await orgState(t, a.org)).toEqual(before);
    const service = credentialOf(a, 'service *');
    const tokens = await send(t, { method: 'GET', url: `/v1/admin/orgs/${a.org}/tokens` }, service);
    expect(tokens.statusCode, 'A service token still valid').toBe(200);
    const workspace = await send(
      t,
      { method: 'GET', url: `/api/v1/workspaces/${a.workspaces.uuid}` },
      service,
    );
    expect(JSON.parse(workspace.body)).toMatchObject({
      name: `${a.prefix}_name_ws_uuid`,
      user_id: a.people.wsOwner!.id,
      hired_agent: { display_name: `${a.prefix}_hired_display`, status: 'active', cancelled_at: null },
      integration_credentials: [
        { provider: 'github', status: 'connected' },
        { provider: 'slack', status: 'connected' },
      ],
    });
  },
  SLOW_MACHINE_MS,
);

it(
  "A's callers without the ability, role or permission are refused as documented, without a leak",
  async () => {
    await t.app.recorder.flush();
    const before = await orgState(t, a.org, ['activities', 'activity_rollups']);
    const refusals = new Set<string>();
    for (const [key, spec] of entries()) {
      for (const credential of a.credentials) {
        const refusal = insiderRefusal(spec.guard, credential, a);
        if (refusal === null) continue;
        refusals.add(`${spec.guard}: ${credential.label}`);
        for (const call of spec.calls(a)) await checker.check(`insider ${key}`, call, credential, refusal);
      }
    }
    expect(checker.failures).toEqual([]);
    // Refusals write nothing but their own self-recorded activity.
    expect(await orgState(t, a.org, ['activities', 'activity_rollups'])).toEqual(before);
    // Every kind of refusal is exercised: each staff grant short of the route's, each missing ability.
    expect(refusals).toContain('activity-workspace: staff:ai_usage:read *');
    expect(refusals).toContain('ai-usages: staff:workspace:read *');
    expect(refusals).toContain('workspace: staff:none *');
    expect(refusals).toContain('usage-history: staff:activity:read *');
    expect(refusals).toContain('usage-history: member *');
    expect(refusals).toContain('activity-me: service *');
    expect(refusals).toContain('admin-org: owner read');
    expect(refusals).toContain('ingest: member *');
  },
  SLOW_MACHINE_MS,
);
