// Inputs that pass schema validation but must never reach the database: numerals overflowing a
// double, and NUL characters. Each surface answers them with its own validation error, and a
// sweep of hostile values over every read route never produces a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId, uuid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
let uuidWorkspace: string;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world({ workspaceId: numericId() });
  uuidWorkspace = uuid();
  await f.workspace(w.org.id, { id: uuidWorkspace, ownerId: w.owner.id });
});
afterAll(() => t.close());

function get(url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url, headers: { ...bearer(w.ownerToken.token), ...headers } });
}

describe('numerals beyond a double', () => {
  it('are a 422 int_parsing on the activity surface', async () => {
    const response = await get(`/v1/orgs/${w.org.id}/activity?limit=1e400`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          type: 'int_parsing',
          loc: ['query', 'limit'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: '1e400',
          ctx: {},
        },
      ],
    });
    const summary = await get(`/v1/orgs/${w.org.id}/activity/summary?hours=-1e999`);
    expect(summary.statusCode).toBe(422);
    expect(summary.json().detail[0]).toMatchObject({ type: 'int_parsing', loc: ['query', 'hours'] });
  });

  it('are a 400 on the AI usages surface', async () => {
    const response = await get(`/api/v1/workspace/${uuidWorkspace}/ai/usages?offset=1e400`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('are a Laravel 422 on usage history', async () => {
    const response = await get('/workspaces/usage?per_page=1e400', { 'x-workspace-id': w.workspace.id });
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.per_page).toBeDefined();
  });
});

describe('NUL characters', () => {
  it('in a query or path value are the surface validation error', async () => {
    const query = await get(
      `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity/search?user_id=a%00b`,
    );
    expect(query.statusCode).toBe(422);
    expect(query.json().detail[0]).toMatchObject({ type: 'value_error', loc: ['query', 'user_id'] });
    const path = await get(`/v1/orgs/${w.org.id}/users/a%00b/activity`);
    expect(path.statusCode).toBe(422);
    expect(path.json().detail[0]).toMatchObject({ loc: ['path', 'user_id'] });
    const usages = await get(`/api/v1/workspace/a%00b/ai/usages`);
    expect(usages.statusCode).toBe(400);
  });

  it('in an administration body are a 422 pointing at the field', async () => {
    const response = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/orgs/${w.org.id}/agents/a1`,
      headers: bearer(w.serviceToken.token),
      payload: { slug: 'x', name: 'bad\u0000name', type: 'chat' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([
      { pointer: '#/name', detail: 'must not contain NUL (\\u0000) characters' },
    ]);
  });

  it('in an ingested event reject that event only', async () => {
    const event = (id: string, path: string) => ({
      specversion: '1.0',
      id,
      source: 's',
      type: 'activity.recorded',
      data: { workspace_id: w.workspace.id, path, status_code: 200, metadata: { note: path } },
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
      payload: JSON.stringify([event('ok', '/fine'), event('nul', '/bad\u0000')]),
    });
    expect(response.statusCode).toBe(207);
    expect(response.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 1, id: 'nul', errors: ['event: strings must not contain NUL (\\u0000) characters'] },
      ],
    });
  });
});

it('never answers 5xx to hostile values on any read route', async () => {
  const o = w.org.id;
  const ws = w.workspace.id;
  const routes = [
    `/v1/orgs/${o}/activity`,
    `/v1/orgs/${o}/activity/summary`,
    `/v1/orgs/${o}/workspaces/${ws}/activity/search`,
    `/v1/orgs/${o}/users/${w.owner.id}/activity`,
    `/v1/orgs/${o}/workspaces/${ws}/apps/a/endpoints/e/activity/summary`,
    `/v1/orgs/${o}/me/activity`,
    '/workspaces/usage',
    `/api/v1/workspace/${uuidWorkspace}/ai/usages`,
    `/api/v1/workspaces/${uuidWorkspace}`,
  ];
  const params = [
    'limit',
    'cursor',
    'start_time',
    'end_time',
    'hours',
    'min_duration_ms',
    'user_id',
    'workspace_id',
    'start_date',
    'per_page',
    'offset',
    'toolType',
  ];
  const values = [
    '1e400',
    '-1',
    '%00',
    "' OR 1=1 --",
    '9'.repeat(40),
    '2025-02-30T25:61:00Z',
    'x'.repeat(3000),
    '😀',
  ];
  const failures: string[] = [];
  for (const route of routes) {
    for (const param of params) {
      for (const value of values) {
        const encoded = value === '%00' ? value : encodeURIComponent(value);
        const url = `${route}?${param}=${encoded}&${param}=${encoded}`;
        const response = await get(url, { 'x-workspace-id': ws });
        if (response.statusCode >= 500) failures.push(`${response.statusCode} ${url.slice(0, 120)}`);
      }
    }
  }
  expect(failures).toEqual([]);
}, 300_000);
