// Access to the insights routes, as to the activity routes they follow: 401 without a token,
// another org's token → 404 as if absent, org views for org-level readers only, workspace views
// for the workspace's owner and staff granted activity:read, and the `read` ability.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forbiddenBody, get, notFoundBody, stable, UNAUTHENTICATED } from '../activity/fixtures.js';
import { Factory } from '../helpers/factories.js';
import { expectIsolation } from '../helpers/isolation.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const ROUTES = [
  { kind: 'org', path: (org: string, _ws: string) => `/v1/orgs/${org}/insights/series?metric=requests` },
  { kind: 'org', path: (org: string, _ws: string) => `/v1/orgs/${org}/insights/top?dimension=workspaces` },
  {
    kind: 'workspace',
    path: (org: string, ws: string) => `/v1/orgs/${org}/workspaces/${ws}/insights/series?metric=credits`,
  },
  {
    kind: 'workspace',
    path: (org: string, ws: string) => `/v1/orgs/${org}/workspaces/${ws}/insights/top?dimension=agents`,
  },
] as const;

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

type Who = keyof Awaited<ReturnType<typeof setup>>['tokens'];
const MATRIX: Record<'org' | 'workspace', Record<Who, 200 | string>> = {
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
};

describe.each(ROUTES)('$kind: $path', (route) => {
  it('isolation: 401 without a valid token, 404 for another org', async () => {
    const s = await setup();
    const url = route.path(s.org, s.ws);
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
  });

  it('permissions by role, ability and workspace grant; unknown and foreign workspaces are 404', async () => {
    const s = await setup();
    for (const [who, expected] of Object.entries(MATRIX[route.kind]) as [Who, 200 | string][]) {
      const response = await get(t, route.path(s.org, s.ws), s.tokens[who]);
      if (expected === 200) {
        expect(response.status, `${who}: ${JSON.stringify(response.body)}`).toBe(200);
      } else {
        expect(response.status, who).toBe(403);
        expect(stable(response.body), who).toEqual(forbiddenBody(expected));
      }
    }
    if (route.kind === 'workspace') {
      for (const ws of ['no-such-ws', s.otherWs]) {
        const missing = await get(t, route.path(s.org, ws), s.tokens.owner);
        expect(missing.status).toBe(404);
        expect(stable(missing.body)).toEqual(notFoundBody('workspace', ws));
      }
    }
  });
});
