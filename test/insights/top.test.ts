// GET …/insights/top through the front door: each dimension of the org and of a workspace, the
// limit, hour alignment, and items ordered by requests then key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../activity/fixtures.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { insightsWorld, WINDOW } from './world.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<typeof insightsWorld>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await insightsWorld(f);
});
afterAll(() => t.close());

async function top(query: string, workspaceId?: string) {
  const scope = workspaceId ? `/workspaces/${workspaceId}` : '';
  const response = await get(t, `/v1/orgs/${w.org.id}${scope}/insights/top?${query}`, w.serviceToken.token);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const item = (key: string, label: string, requests: number, failed: number, failure_rate: number) => ({
  key,
  label,
  requests,
  failed,
  failure_rate,
});

/** A workspaces item also carries the workspace's UUID alias, or null. */
const workspace = (
  key: string,
  label: string,
  uuid: string | null,
  requests: number,
  failed: number,
  failure_rate: number,
) => ({ ...item(key, label, requests, failed, failure_rate), uuid });

const answer = (dimension: string, items: ReturnType<typeof item>[]) => ({
  dimension,
  start_time: '2026-03-01T10:00:00.000Z',
  end_time: '2026-03-01T14:00:00.000Z',
  items,
});

/** Users are labelled by name, else email (the factory gives them an email only). */
const email = (id: string) => `${id}@example.test`;

describe('insights top', () => {
  it('busiest workspaces, users, endpoints and agents of the org', async () => {
    expect(await top(`dimension=workspaces&${WINDOW}`)).toEqual(
      answer('workspaces', [
        workspace(w.w1.id, 'Acme Support', w.w1.uuid, 3, 1, 0.3333),
        workspace(w.w2.id, 'Beta Labs', null, 1, 0, 0),
      ]),
    );
    const [first, second] = [w.u1.id, w.u2.id].sort();
    expect(await top(`dimension=users&${WINDOW}`)).toEqual(
      answer('users', [
        item(first!, email(first!), 2, first === w.u1.id ? 1 : 0, first === w.u1.id ? 0.5 : 0),
        item(second!, email(second!), 2, second === w.u1.id ? 1 : 0, second === w.u1.id ? 0.5 : 0),
      ]),
    );
    expect(await top(`dimension=endpoints&${WINDOW}`)).toEqual(
      answer('endpoints', [item('endpoint:ep-1', 'ep-1', 2, 1, 0.5), item('endpoint:ep-2', 'ep-2', 1, 0, 0)]),
    );
    expect(await top(`dimension=agents&${WINDOW}`)).toEqual(
      answer('agents', [item(w.chat.id, 'Chat Bot', 2, 1, 0.5), item(w.image.id, 'Painter', 1, 0, 0)]),
    );
  });

  it('of one workspace', async () => {
    expect(await top(`dimension=users&${WINDOW}`, w.w1.id)).toEqual(
      answer('users', [item(w.u1.id, email(w.u1.id), 2, 1, 0.5), item(w.u2.id, email(w.u2.id), 1, 0, 0)]),
    );
    expect(await top(`dimension=agents&${WINDOW}`, w.w2.id)).toEqual(
      answer('agents', [item(w.image.id, 'Painter', 1, 0, 0)]),
    );
    expect(await top(`dimension=endpoints&${WINDOW}`, w.w2.id)).toEqual(answer('endpoints', []));
  });

  it('limit, and a window aligned to whole hours (days and hours from their rollups)', async () => {
    expect(await top(`dimension=agents&limit=1&${WINDOW}`)).toEqual(
      answer('agents', [item(w.chat.id, 'Chat Bot', 2, 1, 0.5)]),
    );
    expect(
      await top('dimension=workspaces&start_time=2026-03-01T10:40:00Z&end_time=2026-03-01T10:50:00Z'),
    ).toEqual({
      dimension: 'workspaces',
      start_time: '2026-03-01T10:00:00.000Z',
      end_time: '2026-03-01T11:00:00.000Z',
      items: [
        workspace(w.w1.id, 'Acme Support', w.w1.uuid, 2, 1, 0.5),
        workspace(w.w2.id, 'Beta Labs', null, 1, 0, 0),
      ],
    });
    // Whole days (02-28 … 03-01 from day rows) plus the hours of 03-02 before 01:00.
    expect(
      await top('dimension=workspaces&start_time=2026-02-28T00:00:00Z&end_time=2026-03-02T00:30:00Z'),
    ).toEqual({
      dimension: 'workspaces',
      start_time: '2026-02-28T00:00:00.000Z',
      end_time: '2026-03-02T01:00:00.000Z',
      items: [
        workspace(w.w1.id, 'Acme Support', w.w1.uuid, 4, 1, 0.25),
        workspace(w.w2.id, 'Beta Labs', null, 1, 0, 0),
      ],
    });
  });
});
