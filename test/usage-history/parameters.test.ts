// GET /workspaces/usage: Laravel's validation of the header and the query, the time windows,
// the type filter and paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, usage } from './helpers.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<typeof numericWorld>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await numericWorld(f);
});
afterAll(() => t.close());

const NOW = new Date('2025-06-15T12:00:00.000Z');

async function pinned<T>(run: () => Promise<T>, now = NOW): Promise<T> {
  t.clock.pinned = now;
  try {
    return await run();
  } finally {
    t.clock.pinned = null;
  }
}

function laravel422(errors: Record<string, string[]>) {
  const all = Object.values(errors).flat();
  const more = all.length - 1;
  const message = more === 0 ? all[0] : `${all[0]} (and ${more} more ${more === 1 ? 'error' : 'errors'})`;
  return { message, errors };
}

describe('validation', () => {
  const cases: [string, Record<string, string | number>, Record<string, string[]>][] = [
    ['unknown range', { range: '2d' }, { range: ['The selected range is invalid.'] }],
    ['unknown type', { type: 'music' }, { type: ['The selected type is invalid.'] }],
    ['page 0', { page: 0 }, { page: ['The page field must be at least 1.'] }],
    ['page text', { page: 'two' }, { page: ['The page field must be an integer.'] }],
    ['page decimal', { page: '1.5' }, { page: ['The page field must be an integer.'] }],
    ['per_page 0', { per_page: 0 }, { per_page: ['The per page field must be between 1 and 100.'] }],
    ['per_page 101', { per_page: 101 }, { per_page: ['The per page field must be between 1 and 100.'] }],
    ['per_page text', { per_page: 'x' }, { per_page: ['The per page field must be an integer.'] }],
    ['user_id text', { user_id: 'abc' }, { user_id: ['The user id field must be an integer.'] }],
    [
      'start only',
      { start_date: '2025-06-01' },
      { end_date: ['The end date field is required when start date is present.'] },
    ],
    [
      'end only',
      { end_date: '2025-06-01' },
      { start_date: ['The start date field is required when end date is present.'] },
    ],
    [
      'end before start',
      { start_date: '2025-06-02', end_date: '2025-06-01' },
      { end_date: ['The end date field must be a date after or equal to start date.'] },
    ],
    [
      'not a calendar date',
      { start_date: '2025-02-30', end_date: '2025/03/01' },
      {
        start_date: ['The start date field must match the format Y-m-d.'],
        end_date: ['The end date field must match the format Y-m-d.'],
      },
    ],
    [
      '91 days',
      { start_date: '2025-01-01', end_date: '2025-04-01' },
      { end_date: ['The date range may not exceed 90 days.'] },
    ],
    [
      'several at once, in rule order',
      { per_page: 0, type: 'music', page: -1, range: 'week' },
      {
        range: ['The selected range is invalid.'],
        type: ['The selected type is invalid.'],
        page: ['The page field must be at least 1.'],
        per_page: ['The per page field must be between 1 and 100.'],
      },
    ],
  ];
  it.each(cases)('%s is a 422 in Laravel form', async (_label, query, errors) => {
    const response = await usage(t, w.ownerToken.token, w.workspace.id, query);
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json()).toEqual(laravel422(errors));
  });

  it('rejects a missing or non-positive x-workspace-id, together with query errors', async () => {
    const missing = await usage(t, w.ownerToken.token, null, { type: 'music' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({
      message: 'The x-workspace-id header is required. (and 1 more error)',
      errors: {
        'x-workspace-id': ['The x-workspace-id header is required.'],
        type: ['The selected type is invalid.'],
      },
    });
    for (const value of ['abc', '0', '-4', '1.5', '99999999999999999999']) {
      const response = await usage(t, w.ownerToken.token, value);
      expect(response.statusCode, value).toBe(422);
      expect(response.json()).toEqual(
        laravel422({ 'x-workspace-id': ['The x-workspace-id header must be a positive integer.'] }),
      );
    }
  });

  it('reports a repeated parameter as not a string', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/workspaces/usage?page=1&page=2',
      headers: { authorization: `Bearer ${w.ownerToken.token}`, 'x-workspace-id': w.workspace.id },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual(laravel422({ page: ['The page field must be a string.'] }));
  });

  it('treats blank parameters as absent and accepts 89 and 90 day ranges', async () => {
    const queries: Record<string, string>[] = [
      { range: '', type: '', page: '', per_page: '', user_id: '', start_date: '', end_date: '' },
      { start_date: '2025-01-01', end_date: '2025-03-30' },
      { start_date: '2025-01-01', end_date: '2025-03-31' },
      { start_date: '2025-01-01', end_date: '2025-01-01' },
    ];
    for (const query of queries) {
      const response = await usage(t, w.ownerToken.token, w.workspace.id, query);
      expect(response.statusCode, JSON.stringify(query)).toBe(200);
      expect(response.json()).toEqual({ items: [], has_more: false, page: 1, per_page: 20 });
    }
  });
});

describe('time windows (UTC)', () => {
  // The instants around each boundary, relative to NOW = 2025-06-15T12:00Z (end of day 06-16T00:00Z).
  const marks = {
    tomorrow: '2025-06-16T00:00:00.000Z',
    lateToday: '2025-06-15T23:59:59.999Z',
    today: '2025-06-15T00:00:00.000Z',
    yesterday: '2025-06-14T23:59:59.999Z',
    day7: '2025-06-09T00:00:00.000Z',
    day8: '2025-06-08T23:59:59.999Z',
    day30: '2025-05-17T00:00:00.000Z',
    day31: '2025-05-16T23:59:59.999Z',
    custom: '2025-03-01T10:00:00.000Z',
  };
  let ws: Awaited<ReturnType<typeof numericWorld>>;
  const idOf: Record<string, number> = {};
  beforeAll(async () => {
    ws = await numericWorld(f);
    const events = Object.entries(marks).map(([name, createdAt]) => {
      const id = numericId();
      idOf[name] = Number(id);
      return executionEvent({
        id,
        workspaceId: ws.workspace.id,
        userId: ws.owner.id,
        agent: ws.chat,
        createdAt,
      });
    });
    await f.ingest(ws.serviceToken.token, events);
  });
  const listed = async (query: Record<string, string>) => {
    const response = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, query));
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items.map((item: { id: number }) => item.id);
  };
  const ids = (...names: (keyof typeof marks)[]) => names.map((name) => idOf[name]);

  it('1d is the 24 hours before the end of today', async () => {
    expect(await listed({ range: '1d' })).toEqual(ids('lateToday', 'today'));
  });
  it('7d is the last seven calendar days', async () => {
    expect(await listed({ range: '7d' })).toEqual(ids('lateToday', 'today', 'yesterday', 'day7'));
  });
  it('30d is the last thirty calendar days, and the default', async () => {
    const thirty = ids('lateToday', 'today', 'yesterday', 'day7', 'day8', 'day30');
    expect(await listed({ range: '30d' })).toEqual(thirty);
    expect(await listed({})).toEqual(thirty);
  });
  it('custom dates are whole days, both inclusive, and win over range', async () => {
    expect(await listed({ start_date: '2025-06-15', end_date: '2025-06-15' })).toEqual(
      ids('lateToday', 'today'),
    );
    expect(await listed({ range: '1d', start_date: '2025-03-01', end_date: '2025-03-01' })).toEqual(
      ids('custom'),
    );
    expect(await listed({ start_date: '2025-05-16', end_date: '2025-06-08' })).toEqual(
      ids('day8', 'day30', 'day31'),
    );
    expect(await listed({ start_date: '2025-06-16', end_date: '2025-06-20' })).toEqual(ids('tomorrow'));
  });
});

describe('type filter and paging', () => {
  const TYPES = ['chat', 'image', 'text', 'voiceover', 'video', 'code'] as const;
  let ws: Awaited<ReturnType<typeof numericWorld>>;
  const idOf: Record<string, number> = {};
  beforeAll(async () => {
    ws = await numericWorld(f);
    const events = [];
    for (const [index, type] of TYPES.entries()) {
      const agent = await f.agent(ws.org.id, { type });
      const id = numericId();
      idOf[type] = Number(id);
      const createdAt = new Date(NOW.getTime() - (index + 1) * 60_000).toISOString();
      events.push(
        executionEvent({ id, workspaceId: ws.workspace.id, userId: ws.owner.id, agent, createdAt }),
      );
    }
    await f.ingest(ws.serviceToken.token, events);
  });

  it.each(TYPES)('type=%s lists only that type', async (type) => {
    const response = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, { type }));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.items.map((item: { id: number; type: string }) => [item.id, item.type])).toEqual([
      [idOf[type], type],
    ]);
  });

  it('type=all lists every type', async () => {
    const response = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, { type: 'all' }));
    expect(response.json().items.map((item: { type: string }) => item.type)).toEqual([...TYPES]);
  });

  it('pages to the end with has_more', async () => {
    const pages = [];
    for (let page = 1; page <= 4; page += 1) {
      const response = await pinned(() =>
        usage(t, ws.ownerToken.token, ws.workspace.id, { page, per_page: 2 }),
      );
      expect(response.statusCode).toBe(200);
      const body = response.json();
      pages.push({ ...body, items: body.items.map((item: { type: string }) => item.type) });
    }
    expect(pages).toEqual([
      { items: ['chat', 'image'], has_more: true, page: 1, per_page: 2 },
      { items: ['text', 'voiceover'], has_more: true, page: 2, per_page: 2 },
      { items: ['video', 'code'], has_more: false, page: 3, per_page: 2 },
      { items: [], has_more: false, page: 4, per_page: 2 },
    ]);
    const all = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, { per_page: 100 }));
    expect(all.json()).toMatchObject({ has_more: false, page: 1, per_page: 100 });
    expect(all.json().items).toHaveLength(6);
    const exact = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, { per_page: 6 }));
    expect(exact.json().has_more).toBe(false);
    const short = await pinned(() => usage(t, ws.ownerToken.token, ws.workspace.id, { per_page: 5 }));
    expect(short.json().has_more).toBe(true);
  });
});
