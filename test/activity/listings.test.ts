// Listings (seed 004, API.md §3.1): order, defaults, limit bounds, windows, pagination walks and
// cursors, for every listing route, against a fixture computed independently in JS.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { buildWorld, expectedOrder, get, inWindow, type World, walk } from './fixtures.js';
import { LISTINGS, withQuery } from './routes.js';

const NOW = new Date('2025-03-10T12:34:56.789Z');

let t: TestApp;
let f: Factory;
let w: World;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  t.clock.pinned = NOW;
  w = await buildWorld(t, f, { end: NOW, hours: 6, count: 300 });
});
beforeEach(() => {
  t.clock.pinned = NOW;
});
afterAll(() => t.close());

const ids = (records: { id: string }[]) => records.map((r) => r.id);

describe.each(LISTINGS)('$name listing', (route) => {
  const expected = () => expectedOrder(w.records.filter(route.select(w)));

  it('defaults: newest first, 50 items, total over the window, every field', async () => {
    const all = expected();
    expect(all.length).toBeGreaterThan(0);
    const response = await get(t, route.url(w), w.ownerToken);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(all.length);
    expect(response.body.has_more).toBe(all.length > 50);
    expect(response.body.next_cursor === null).toBe(all.length <= 50);
    expect(response.body.activities).toEqual(all.slice(0, 50));
  });

  it('walks every page without duplicates or gaps, total constant', async () => {
    const all = expected();
    const pages = await walk(t, withQuery(route.url(w), 'limit=7'), w.ownerToken);
    expect(pages.length).toBe(Math.max(1, Math.ceil(all.length / 7)));
    for (const page of pages) expect(page.total).toBe(all.length);
    for (const page of pages.slice(0, -1)) {
      expect(page.has_more).toBe(true);
      expect(page.activities).toHaveLength(7);
    }
    expect(pages.at(-1)!.has_more).toBe(false);
    expect(pages.at(-1)!.next_cursor).toBeNull();
    expect(ids(pages.flatMap((p) => p.activities))).toEqual(ids(all));
  });

  it('applies start_time inclusive and end_time exclusive, across hour boundaries', async () => {
    const start = new Date('2025-03-10T08:15:00.000Z');
    const end = new Date('2025-03-10T11:00:00.000Z');
    const all = expected().filter((r) => inWindow(r, start, end));
    const query = `start_time=${start.toISOString()}&end_time=${end.toISOString()}&limit=200`;
    const response = await get(t, withQuery(route.url(w), query), w.ownerToken);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(all.length);
    expect(ids(response.body.activities)).toEqual(ids(all));
  });

  it('accepts limit 1 and 200, rejects 0, 201 and a non-integer', async () => {
    const all = expected();
    const one = await get(t, withQuery(route.url(w), 'limit=1'), w.ownerToken);
    expect(one.status).toBe(200);
    expect(ids(one.body.activities)).toEqual(ids(all.slice(0, 1)));
    const max = await get(t, withQuery(route.url(w), 'limit=200'), w.ownerToken);
    expect(max.status).toBe(200);
    expect(ids(max.body.activities)).toEqual(ids(all.slice(0, 200)));
    const low = await get(t, withQuery(route.url(w), 'limit=0'), w.ownerToken);
    expect(low).toMatchObject({ status: 422 });
    expect(low.body).toEqual({
      detail: [
        {
          type: 'greater_than_equal',
          loc: ['query', 'limit'],
          msg: 'Input should be greater than or equal to 1',
          input: '0',
          ctx: { ge: 1 },
        },
      ],
    });
    const high = await get(t, withQuery(route.url(w), 'limit=201'), w.ownerToken);
    expect(high.status).toBe(422);
    expect(high.body).toEqual({
      detail: [
        {
          type: 'less_than_equal',
          loc: ['query', 'limit'],
          msg: 'Input should be less than or equal to 200',
          input: '201',
          ctx: { le: 200 },
        },
      ],
    });
    const text = await get(t, withQuery(route.url(w), 'limit=ten'), w.ownerToken);
    expect(text.status).toBe(422);
    expect(text.body).toEqual({
      detail: [
        {
          type: 'int_parsing',
          loc: ['query', 'limit'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: 'ten',
          ctx: {},
        },
      ],
    });
  });

  it('rejects a tampered cursor and a cursor reused with other parameters', async () => {
    const first = await get(t, withQuery(route.url(w), 'limit=1'), w.ownerToken);
    const cursor: string = first.body.next_cursor;
    expect(typeof cursor).toBe('string');
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    for (const bad of [flipped, `${cursor}x`, 'not-a-cursor', `${cursor}.x`]) {
      const response = await get(
        t,
        withQuery(route.url(w), `limit=1&cursor=${encodeURIComponent(bad)}`),
        w.ownerToken,
      );
      expect(response.status, bad).toBe(422);
      expect(response.body).toEqual({
        detail: [
          {
            type: 'value_error',
            loc: ['query', 'cursor'],
            msg: 'Value error, Invalid cursor: it is malformed, altered or belongs to another query',
            input: bad,
            ctx: { error: 'Invalid cursor: it is malformed, altered or belongs to another query' },
          },
        ],
      });
    }
    const refiltered = await get(
      t,
      withQuery(route.url(w), `limit=1&start_time=2025-03-10T07:00:00Z&cursor=${encodeURIComponent(cursor)}`),
      w.ownerToken,
    );
    expect(refiltered.status).toBe(422);
    expect(refiltered.body.detail[0].loc).toEqual(['query', 'cursor']);
    const empty = await get(t, withQuery(route.url(w), 'limit=1&cursor='), w.ownerToken);
    expect(empty.body).toEqual(first.body);
    // A different limit is still the same query.
    const relimited = await get(
      t,
      withQuery(route.url(w), `limit=3&cursor=${encodeURIComponent(cursor)}`),
      w.ownerToken,
    );
    expect(relimited.status).toBe(200);
    expect(ids(relimited.body.activities)).toEqual(ids(expected().slice(1, 4)));
  });
});

describe('cursors across routes', () => {
  it('refuses a cursor from another route, another workspace filter or another search', async () => {
    const ws = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}`;
    const first = await get(t, `${ws}/activity?limit=1`, w.ownerToken);
    const cursor = encodeURIComponent(first.body.next_cursor);
    for (const url of [
      `${ws}/activity/search?limit=1&cursor=${cursor}`,
      `${ws}/activity/actions/read?limit=1&cursor=${cursor}`,
      `/v1/orgs/${w.orgId}/activity?limit=1&cursor=${cursor}`,
      `/v1/orgs/${w.orgId}/workspaces/${w.otherWorkspaceId}/activity?limit=1&cursor=${cursor}`,
    ]) {
      const response = await get(t, url, w.ownerToken);
      expect(response.status, url).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['query', 'cursor']);
    }
    const search = await get(t, `${ws}/activity/search?limit=1&action=read`, w.ownerToken);
    const searchCursor = encodeURIComponent(search.body.next_cursor);
    const other = await get(
      t,
      `${ws}/activity/search?limit=1&action=update&cursor=${searchCursor}`,
      w.ownerToken,
    );
    expect(other.status).toBe(422);
    const dropped = await get(t, `${ws}/activity/search?limit=1&cursor=${searchCursor}`, w.ownerToken);
    expect(dropped.status).toBe(422);
    const same = await get(
      t,
      `${ws}/activity/search?limit=1&action=read&cursor=${searchCursor}`,
      w.ownerToken,
    );
    expect(same.status).toBe(200);
  });

  it('keeps a chain of pages a snapshot: the first request fixes the window end', async () => {
    const url = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity?limit=5`;
    const first = await get(t, url, w.ownerToken);
    const total = first.body.total;
    // Time moves on and a newer record arrives; the chain does not see it.
    const later = new Date(NOW.getTime() + 60_000);
    t.clock.pinned = later;
    const { ingestRecords } = await import('./fixtures.js');
    const newer = {
      ...w.records[0]!,
      id: `late-${Date.now()}`,
      workspace_id: w.workspaceId,
      timestamp: new Date(NOW.getTime() + 1_000).toISOString(),
    };
    await ingestRecords(t, f, w.serviceToken, [newer]);
    const second = await get(t, `${url}&cursor=${encodeURIComponent(first.body.next_cursor)}`, w.ownerToken);
    expect(second.status).toBe(200);
    expect(second.body.total).toBe(total);
    expect(ids(second.body.activities)).not.toContain(newer.id);
    const fresh = await get(t, url, w.ownerToken);
    expect(fresh.body.total).toBe(total + 1);
    expect(fresh.body.activities[0].id).toBe(newer.id);
    w.records.push(newer);
  });
});

describe('windows', () => {
  const url = () => `/v1/orgs/${w.orgId}/activity`;

  it('reads an offset-less time as UTC and honours offsets and fractions', async () => {
    const sorted = expectedOrder(w.records);
    const pivot = sorted[20]!;
    const at = new Date(pivot.timestamp);
    const naive = pivot.timestamp.slice(0, -1); // no offset
    const a = await get(t, `${url()}?end_time=${naive}&limit=1`, w.ownerToken);
    const shifted = new Date(at.getTime() + 2 * 3_600_000).toISOString().slice(0, -1);
    const b = await get(
      t,
      `${url()}?end_time=${encodeURIComponent(`${shifted}+02:00`)}&limit=1`,
      w.ownerToken,
    );
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    expect(a.body.total).toBe(w.records.filter((r) => Date.parse(r.timestamp) < at.getTime()).length);
    const inclusive = await get(t, `${url()}?start_time=${pivot.timestamp}&limit=200`, w.ownerToken);
    expect(inclusive.body.activities.map((r: { id: string }) => r.id)).toContain(pivot.id);
  });

  it('accepts an empty window and rejects start after end', async () => {
    const empty = await get(
      t,
      `${url()}?start_time=2025-03-10T09:00:00Z&end_time=2025-03-10T09:00:00Z`,
      w.ownerToken,
    );
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ total: 0, has_more: false, next_cursor: null, activities: [] });
    const reversed = await get(
      t,
      `${url()}?start_time=2025-03-10T09:00:00Z&end_time=2025-03-10T08:59:59Z`,
      w.ownerToken,
    );
    expect(reversed.status).toBe(422);
    expect(reversed.body).toEqual({
      detail: [
        {
          type: 'value_error',
          loc: ['query', 'end_time'],
          msg: 'Value error, end_time must not be before start_time',
          input: '2025-03-10T08:59:59Z',
          ctx: { error: 'end_time must not be before start_time' },
        },
      ],
    });
  });

  it('rejects an unparseable time', async () => {
    const response = await get(
      t,
      `${url()}?start_time=yesterday&end_time=2025-13-01T00:00:00Z`,
      w.ownerToken,
    );
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      detail: [
        {
          type: 'datetime_parsing',
          loc: ['query', 'start_time'],
          msg: 'Input should be a valid datetime, invalid datetime format',
          input: 'yesterday',
          ctx: { error: 'invalid datetime format' },
        },
        {
          type: 'datetime_parsing',
          loc: ['query', 'end_time'],
          msg: 'Input should be a valid datetime, invalid datetime format',
          input: '2025-13-01T00:00:00Z',
          ctx: { error: 'invalid datetime format' },
        },
      ],
    });
  });

  it('answers an attribute that matches nothing with an empty listing', async () => {
    const ws = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}`;
    for (const path of [
      'apps/nope/activity',
      'apps/nope/endpoints/nope/activity',
      'augmentations/nope/activity',
      'resources/nope/activity',
      'activity/actions/nope',
    ]) {
      const response = await get(t, `${ws}/${path}`, w.ownerToken);
      expect(response.status, path).toBe(200);
      expect(response.body).toEqual({ total: 0, has_more: false, next_cursor: null, activities: [] });
    }
  });
});
