// The usage history window in a deployment time zone, with the min-date clamp: the pure functions,
// then the same rules through the HTTP API of a deployment configured for New York.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOfDay,
  usageWindow,
  wallClock,
  wallClockByIntl,
} from '../../src/ledger/executions/usage-window.js';
import { Factory, numericId } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, numericWorld, usage } from './helpers.js';

const iso = (window: { start: Date; end: Date }) => [window.start.toISOString(), window.end.toISOString()];

describe('wall clock in UTC', () => {
  it('reads every instant as Intl does, to the second, across the whole range of dates', () => {
    const instants = [
      0, -1, 1, 999, 1000, -999, -1000, -1001, 1_781_525_000_123, -62_198_755_200_000, -62_198_755_200_001,
    ];
    // Spread over ±8.64e15 ms (the Date range), and the edges themselves.
    for (let i = -100; i <= 100; i += 1) instants.push(Math.round(i * 8.6e13) + (i % 7) * 137);
    instants.push(8.64e15, -8.64e15);
    for (const instant of instants) expect(wallClock(instant, 'UTC')).toBe(wallClockByIntl(instant, 'UTC'));
  });
});

describe('usageWindow', () => {
  it('finds the start of a calendar day in a time zone, across DST changes', () => {
    expect(startOfDay('2025-01-15', 'UTC').toISOString()).toBe('2025-01-15T00:00:00.000Z');
    expect(startOfDay('2025-01-15', 'Europe/Paris').toISOString()).toBe('2025-01-14T23:00:00.000Z');
    expect(startOfDay('2025-07-15', 'Europe/Paris').toISOString()).toBe('2025-07-14T22:00:00.000Z');
    expect(startOfDay('2025-03-09', 'America/New_York').toISOString()).toBe('2025-03-09T05:00:00.000Z');
    expect(startOfDay('2025-03-10', 'America/New_York').toISOString()).toBe('2025-03-10T04:00:00.000Z');
    expect(startOfDay('2025-01-01', 'Asia/Kolkata').toISOString()).toBe('2024-12-31T18:30:00.000Z');
    // Santiago skips midnight on 2024-09-08: the day starts at 01:00 local (04:00Z).
    expect(startOfDay('2024-09-08', 'America/Santiago').toISOString()).toBe('2024-09-08T04:00:00.000Z');
  });

  it('counts ranges back from the end of the current day', () => {
    const now = new Date('2025-03-10T03:30:00.000Z'); // 2025-03-09 23:30 in New York (DST began that day)
    const zone = 'America/New_York';
    expect(iso(usageWindow({ kind: 'range', range: '1d' }, now, zone, null))).toEqual([
      '2025-03-09T04:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ]);
    expect(iso(usageWindow({ kind: 'range', range: '7d' }, now, zone, null))).toEqual([
      '2025-03-03T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ]);
    expect(iso(usageWindow({ kind: 'range', range: '30d' }, now, zone, null))).toEqual([
      '2025-02-08T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ]);
    expect(
      iso(usageWindow({ kind: 'dates', start: '2025-03-01', end: '2025-03-09' }, now, zone, null)),
    ).toEqual(['2025-03-01T05:00:00.000Z', '2025-03-10T04:00:00.000Z']);
  });

  it('clamps the start to the minimum date, silently', () => {
    const now = new Date('2025-06-15T12:00:00.000Z');
    expect(iso(usageWindow({ kind: 'range', range: '30d' }, now, 'UTC', '2025-06-10'))).toEqual([
      '2025-06-10T00:00:00.000Z',
      '2025-06-16T00:00:00.000Z',
    ]);
    expect(iso(usageWindow({ kind: 'range', range: '1d' }, now, 'UTC', '2025-06-10'))).toEqual([
      '2025-06-15T00:00:00.000Z',
      '2025-06-16T00:00:00.000Z',
    ]);
    const after = usageWindow(
      { kind: 'dates', start: '2025-01-01', end: '2025-01-31' },
      now,
      'UTC',
      '2025-06-10',
    );
    expect(after.start >= after.end).toBe(true);
  });
});

describe('GET /workspaces/usage in a New York deployment with a minimum date', () => {
  let t: TestApp;
  let f: Factory;
  beforeAll(async () => {
    t = await buildTestApp({
      TALLY_TIMEZONE: 'America/New_York',
      TALLY_USAGE_HISTORY_MIN_DATE: '2025-06-10',
    });
    f = new Factory(t);
  });
  afterAll(() => t.close());

  it('uses New York calendar days and clamps the start', async () => {
    const w = await numericWorld(f);
    const marks = {
      // 2025-06-16 00:00 in New York is 04:00Z.
      nextDay: '2025-06-16T04:00:00.000Z',
      lateToday: '2025-06-16T03:59:59.999Z',
      today: '2025-06-15T04:00:00.000Z',
      yesterday: '2025-06-15T03:59:59.999Z',
      minDate: '2025-06-10T04:00:00.000Z',
      beforeMin: '2025-06-10T03:59:59.999Z',
    };
    const idOf: Record<string, number> = {};
    await f.ingest(
      w.serviceToken.token,
      Object.entries(marks).map(([name, createdAt]) => {
        const id = numericId();
        idOf[name] = Number(id);
        return executionEvent({
          id,
          workspaceId: w.workspace.id,
          userId: w.owner.id,
          agent: w.chat,
          createdAt,
        });
      }),
    );
    const list = async (query: Record<string, string>) => {
      // 2025-06-15 22:00 in New York, already 2025-06-16 in UTC.
      t.clock.pinned = new Date('2025-06-16T02:00:00.000Z');
      try {
        const response = await usage(t, w.ownerToken.token, w.workspace.id, query);
        expect(response.statusCode, response.body).toBe(200);
        return response.json().items.map((item: { id: number }) => item.id);
      } finally {
        t.clock.pinned = null;
      }
    };
    const ids = (...names: (keyof typeof marks)[]) => names.map((name) => idOf[name]);
    expect(await list({ range: '1d' })).toEqual(ids('lateToday', 'today'));
    expect(await list({ range: '30d' })).toEqual(ids('lateToday', 'today', 'yesterday', 'minDate'));
    expect(await list({ start_date: '2025-06-01', end_date: '2025-06-14' })).toEqual(
      ids('yesterday', 'minDate'),
    );
    expect(await list({ start_date: '2025-05-01', end_date: '2025-05-31' })).toEqual([]);
  });
});
