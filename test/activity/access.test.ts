// Access to the activity surface (API.md §2): isolation of every route (401s, another org's
// token → 404), who holds activity:read at org and workspace level, the `read` ability, `me`
// without a user, entities that do not exist, and the order of checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, uid } from '../helpers/factories.js';
import { expectIsolation } from '../helpers/isolation.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { forbiddenBody, get, notFoundBody, stable, UNAUTHENTICATED } from './fixtures.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

type Kind = 'org' | 'user' | 'workspace' | 'me';
interface Route {
  name: string;
  kind: Kind;
  path: (ids: { org: string; ws: string; user: string }) => string;
}

const ROUTES: Route[] = [
  { name: 'org listing', kind: 'org', path: (i) => `/v1/orgs/${i.org}/activity` },
  { name: 'org summary', kind: 'org', path: (i) => `/v1/orgs/${i.org}/activity/summary` },
  { name: 'user listing', kind: 'user', path: (i) => `/v1/orgs/${i.org}/users/${i.user}/activity` },
  { name: 'user summary', kind: 'user', path: (i) => `/v1/orgs/${i.org}/users/${i.user}/activity/summary` },
  {
    name: 'workspace listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/activity`,
  },
  {
    name: 'workspace summary',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/activity/summary`,
  },
  {
    name: 'app listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/apps/a1/activity`,
  },
  {
    name: 'endpoint listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/apps/a1/endpoints/e1/activity`,
  },
  {
    name: 'endpoint summary',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/apps/a1/endpoints/e1/activity/summary`,
  },
  {
    name: 'augmentation listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/augmentations/g1/activity`,
  },
  {
    name: 'action listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/activity/actions/read`,
  },
  {
    name: 'resource listing',
    kind: 'workspace',
    path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/resources/r1/activity`,
  },
  { name: 'search', kind: 'workspace', path: (i) => `/v1/orgs/${i.org}/workspaces/${i.ws}/activity/search` },
  { name: 'me listing', kind: 'me', path: (i) => `/v1/orgs/${i.org}/me/activity` },
  { name: 'me summary', kind: 'me', path: (i) => `/v1/orgs/${i.org}/me/activity/summary` },
];

it('covers the 15 routes of the seed', () => {
  expect(new Set(ROUTES.map((r) => r.path({ org: 'o', ws: 'w', user: 'u' }))).size).toBe(15);
});

async function setup() {
  const w = await f.world();
  const org = w.org.id;
  const admin = await f.user(org, { role: 'admin' });
  const member = await f.user(org, { role: 'member' });
  const wsOwner = await f.user(org, { role: 'member' });
  const staffReader = await f.user(org, { role: 'member' });
  const staffPlain = await f.user(org, { role: 'member' });
  const ws = await f.workspace(org, { ownerId: wsOwner.id });
  await f.member(ws.id, staffReader.id, 'staff', ['activity:read']);
  await f.member(ws.id, staffPlain.id, 'staff', ['workspace:read']);
  const token = async (userId?: string, abilities: string[] = ['read']) =>
    (await f.token(org, { ...(userId ? { userId } : {}), abilities })).token;
  const other = await f.world();
  return {
    org,
    ws: ws.id,
    otherWs: other.workspace.id,
    subject: member.id,
    tokens: {
      owner: w.ownerToken.token,
      admin: await token(admin.id),
      service: await token(undefined),
      deploymentAdmin: t.adminToken,
      member: await token(member.id),
      wsOwner: await token(wsOwner.id),
      staffReader: await token(staffReader.id),
      staffPlain: await token(staffPlain.id),
      noRead: await token(admin.id, ['use_agents', 'ingest']),
    },
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;
type Who = keyof Setup['tokens'];

/** Expected status per caller, per kind of route; a string is the 403's required_permission. */
const MATRIX: Record<Kind, Record<Who, 200 | string>> = {
  org: {
    owner: 200,
    admin: 200,
    service: 200,
    deploymentAdmin: 200,
    member: 'activity:read',
    wsOwner: 'activity:read',
    staffReader: 'activity:read',
    staffPlain: 'activity:read',
    noRead: 'ability:read',
  },
  // The subject of the user routes is `member`, who may read their own records.
  user: {
    owner: 200,
    admin: 200,
    service: 200,
    deploymentAdmin: 200,
    member: 200,
    wsOwner: 'activity:read',
    staffReader: 'activity:read',
    staffPlain: 'activity:read',
    noRead: 'ability:read',
  },
  workspace: {
    owner: 200,
    admin: 200,
    service: 200,
    deploymentAdmin: 200,
    member: 'activity:read',
    wsOwner: 200,
    staffReader: 200,
    staffPlain: 'activity:read',
    noRead: 'ability:read',
  },
  me: {
    owner: 200,
    admin: 200,
    service: 'user_token',
    deploymentAdmin: 'user_token',
    member: 200,
    wsOwner: 200,
    staffReader: 200,
    staffPlain: 200,
    noRead: 'ability:read',
  },
};

describe.each(ROUTES)('$name', (route) => {
  it('isolation: 401 without a valid token, 404 for another org', async () => {
    const s = await setup();
    const url = route.path({ org: s.org, ws: s.ws, user: s.subject });
    await expectIsolation(
      t,
      f,
      s.org,
      { method: 'GET', url },
      {
        unauthenticated: UNAUTHENTICATED,
        otherOrg: { status: 404, body: notFoundBody('org', s.org) },
        volatile: ['timestamp'],
        abilities: ['read'],
      },
    );
    const response = await get(t, url, null);
    expect(stable(response.body)).toEqual(UNAUTHENTICATED);
  });

  it('permissions by role, ability and workspace grant', async () => {
    const s = await setup();
    const url = route.path({ org: s.org, ws: s.ws, user: s.subject });
    for (const [who, expected] of Object.entries(MATRIX[route.kind]) as [Who, 200 | string][]) {
      const response = await get(t, url, s.tokens[who]);
      if (expected === 200) {
        expect(response.status, `${who}: ${JSON.stringify(response.body)}`).toBe(200);
      } else {
        expect(response.status, who).toBe(403);
        expect(stable(response.body), who).toEqual(forbiddenBody(expected));
      }
    }
  });

  it('unknown entities are 404, checked before permission, after validation', async () => {
    const s = await setup();
    const unknownOrg = uid('no-org');
    const response = await get(
      t,
      route.path({ org: unknownOrg, ws: s.ws, user: s.subject }),
      s.tokens.deploymentAdmin,
    );
    expect(response.status).toBe(404);
    expect(stable(response.body)).toEqual(notFoundBody('org', unknownOrg));
    const foreign = await get(t, route.path({ org: unknownOrg, ws: s.ws, user: s.subject }), s.tokens.owner);
    expect(foreign.status).toBe(404);
    expect(stable(foreign.body)).toEqual(notFoundBody('org', unknownOrg));
    if (route.kind === 'workspace') {
      for (const ws of ['no-such-ws', s.otherWs]) {
        for (const who of ['owner', 'member', 'noRead'] as const) {
          const missing = await get(t, route.path({ org: s.org, ws, user: s.subject }), s.tokens[who]);
          expect(missing.status, who).toBe(404);
          expect(stable(missing.body)).toEqual(notFoundBody('workspace', ws));
        }
      }
    }
    if (route.kind === 'user') {
      for (const who of ['owner', 'member', 'noRead'] as const) {
        const missing = await get(
          t,
          route.path({ org: s.org, ws: s.ws, user: 'no-such-user' }),
          s.tokens[who],
        );
        expect(missing.status, who).toBe(404);
        expect(stable(missing.body)).toEqual(notFoundBody('user', 'no-such-user'));
      }
    }
    const query = route.name.includes('summary') ? 'hours=0' : 'limit=0';
    const invalid = await get(
      t,
      `${route.path({ org: unknownOrg, ws: 'x', user: 'y' })}?${query}`,
      s.tokens.member,
    );
    expect(invalid.status).toBe(422);
    const unauthenticated = await get(
      t,
      `${route.path({ org: unknownOrg, ws: 'x', user: 'y' })}?${query}`,
      null,
    );
    expect(unauthenticated.status).toBe(401);
  });
});
