// start_time and end_time outside years 0001–9999 in UTC (src/instants.ts) are the surface's 422
// on every listing route, never a query PostgreSQL refuses (a 500). Bounds at the very edges of
// the range are served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world();
});
afterAll(() => t.close());

const RANGE_ERROR =
  'out of range: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z (UTC)';

function listings(): string[] {
  const org = `/v1/orgs/${w.org.id}`;
  const ws = `${org}/workspaces/${w.workspace.id}`;
  return [
    `${org}/activity`,
    `${ws}/activity`,
    `${ws}/activity/search`,
    `${ws}/activity/actions/create`,
    `${ws}/apps/app-1/activity`,
    `${ws}/apps/app-1/endpoints/ep-1/activity`,
    `${ws}/augmentations/aug-1/activity`,
    `${ws}/resources/res-1/activity`,
    `${org}/users/${w.owner.id}/activity`,
    `${org}/me/activity`,
  ];
}

function get(url: string, query: string) {
  return t.app.inject({ method: 'GET', url: `${url}?${query}`, headers: bearer(w.ownerToken.token) });
}

const rangeIssue = (field: string, input: string) => ({
  type: 'datetime_parsing',
  loc: ['query', field],
  msg: `Input should be a valid datetime, ${RANGE_ERROR}`,
  input,
  ctx: { error: RANGE_ERROR },
});

const formatIssue = (field: string, input: string) => ({
  type: 'datetime_parsing',
  loc: ['query', field],
  msg: 'Input should be a valid datetime, invalid datetime format',
  input,
  ctx: { error: 'invalid datetime format' },
});

describe('time bounds outside years 0001–9999', () => {
  const outOfRange = [
    '9999-12-31T23:59:59-01:00',
    '9999-12-31T23:30:00-00:31',
    '0000-01-01T00:00:00Z',
    '0000-12-31',
    '0001-01-01T00:00:00+00:01',
    '-62135596801000',
    '253402300800000',
  ];
  const malformed = [
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '2024-01-01T23:59:60Z',
    '2024-02-30T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00+24:00',
    '2024-01-01T00:00:00+23:60',
  ];

  it('are a 422 naming the field on every listing route', async () => {
    for (const url of listings()) {
      for (const value of outOfRange) {
        for (const field of ['start_time', 'end_time']) {
          const response = await get(url, `${field}=${encodeURIComponent(value)}`);
          expect(response.statusCode, `${url} ${field}=${value}`).toBe(422);
          expect(response.json()).toEqual({ detail: [rangeIssue(field, value)] });
        }
      }
    }
  });

  it('are told apart from malformed times, both listed at once', async () => {
    for (const value of malformed) {
      const response = await get(
        `/v1/orgs/${w.org.id}/activity`,
        `start_time=${encodeURIComponent(value)}&end_time=${encodeURIComponent('9999-12-31T23:59:59-01:00')}`,
      );
      expect(response.statusCode, value).toBe(422);
      expect(response.json()).toEqual({
        detail: [formatIssue('start_time', value), rangeIssue('end_time', '9999-12-31T23:59:59-01:00')],
      });
    }
  });

  it('serves windows reaching the very edges of the range', async () => {
    for (const url of listings()) {
      for (const query of [
        'end_time=9999-12-31T23:59:59.999999Z',
        'end_time=9999-12-31T23:59:59.999Z',
        'start_time=9999-12-31T23:59:59%2B01:00&end_time=9999-12-31T23:59:59.999Z',
        'start_time=0001-01-01T00:00:00Z',
        'start_time=0001-01-01T00:59:59%2B00:59',
        'start_time=0001-01-01&end_time=0001-01-01T00:00:01Z',
        `start_time=${encodeURIComponent(`2024-01-01T00:00:00.${'9'.repeat(5_000)}Z`)}`,
        'end_time=253402300799',
      ]) {
        const response = await get(url, query);
        expect(response.statusCode, `${url}?${query} ${response.body}`).toBe(200);
        expect(Array.isArray(response.json().activities)).toBe(true);
      }
    }
  });
});

describe('records at the ends of the range', () => {
  // Past 2255 and before 1685 an instant's count of microseconds exceeds 2^53; pages show it to
  // the millisecond all the same.
  const instants = [
    '9999-12-31T23:59:59.997Z',
    '9999-12-31T23:59:59.994Z',
    '2300-06-01T10:00:00.003Z',
    '1500-01-01T00:00:00.001Z',
    '0001-01-01T00:00:00.001Z',
  ];

  it('are listed at their exact millisecond', async () => {
    const events = instants.map((time, i) => ({
      specversion: '1.0',
      id: `edge-${i}`,
      source: 'tests/activity',
      type: 'activity.recorded',
      time,
      data: { id: `edge-${i}`, timestamp: time, workspace_id: w.workspace.id, action: 'edge', success: true },
    }));
    expect((await f.ingest(w.serviceToken.token, events)).rejected).toEqual([]);
    const response = await get(
      `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity/actions/edge`,
      'limit=10&start_time=0001-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.999999Z',
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().activities.map((a: { timestamp: string }) => a.timestamp)).toEqual(instants);
  });

  it('page one record at a time past 2^53 microseconds, none skipped or repeated', async () => {
    // Records are stored to the millisecond: three records at one instant, two at another, and an
    // explicit end in the year 9999.
    const times = [
      ['far-a', '9999-12-31T23:59:59.994001Z'],
      ['far-b', '9999-12-31T23:59:59.994001Z'],
      ['far-c', '9999-12-31T23:59:59.994Z'],
      ['far-d', '6000-02-29T12:00:00.000001Z'],
      ['far-e', '6000-02-29T12:00:00Z'],
      ['far-f', '2256-01-01T00:00:00.999999Z'],
    ];
    const events = times.map(([id, time]) => ({
      specversion: '1.0',
      id: `evt-${id}`,
      source: 'tests/activity',
      type: 'activity.recorded',
      time,
      data: { id, timestamp: time, workspace_id: w.workspace.id, action: 'far', success: true },
    }));
    expect((await f.ingest(w.serviceToken.token, events)).rejected).toEqual([]);
    const url = `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity/actions/far`;
    const base = 'limit=1&start_time=2200-01-01T00:00:00Z&end_time=9999-12-31T23:59:59.999999Z';
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(url, cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.total).toBe(times.length);
      seen.push(...body.activities.map((a: { id: string }) => a.id));
      cursor = body.next_cursor;
    } while (cursor);
    // Newest first; the same instant by id, descending.
    expect(seen).toEqual(['far-c', 'far-b', 'far-a', 'far-e', 'far-d', 'far-f']);
  });
});
