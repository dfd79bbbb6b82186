// Summaries (seed 004): each summary route against a plain-JS computation over the same fixture,
// at several window sizes (whole hours from rollups plus partial edge hours from the records), the
// `hours` bounds, the empty case, and rollup upkeep across batches and duplicate deliveries.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertActivities } from '../../src/ledger/activity/insert.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import {
  buildWorld,
  expectedSummary,
  type FixtureRecord,
  get,
  ingestRecords,
  type World,
} from './fixtures.js';
import { SUMMARIES, withQuery } from './routes.js';

const NOW = new Date('2025-06-01T18:20:30.456Z');
const HOUR = 3_600_000;

let t: TestApp;
let f: Factory;
let w: World;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  t.clock.pinned = NOW;
  w = await buildWorld(t, f, { end: NOW, hours: 30, count: 400, seed: 1234 });
});
beforeEach(() => {
  t.clock.pinned = NOW;
});
afterAll(() => t.close());

function expectSummary(actual: Record<string, unknown>, records: FixtureRecord[], hours: number) {
  const expected = expectedSummary(records, new Date(NOW.getTime() - hours * HOUR), NOW);
  const { avg_duration_ms, total_tokens_used, ...rest } = actual;
  const { avg_duration_ms: avg, total_tokens_used: tokens, ...expectedRest } = expected;
  expect(rest).toEqual(expectedRest);
  // The average is rounded to 2 decimals (a summation order apart, within half a hundredth).
  expect(String(avg_duration_ms)).toMatch(/^\d+(\.\d{1,2})?$/);
  expect(Math.abs((avg_duration_ms as number) - avg)).toBeLessThanOrEqual(0.005 + 1e-9);
  expect(total_tokens_used).toBeCloseTo(tokens, 6);
  return expected;
}

describe.each(SUMMARIES)('$name summary', (route) => {
  const records = () => w.records.filter(route.select(w));

  it('defaults to the last 24 hours', async () => {
    const response = await get(t, route.url(w), w.ownerToken);
    expect(response.status).toBe(200);
    const expected = expectSummary(response.body, records(), 24);
    expect(expected.total_requests).toBeGreaterThan(0);
    expect(response.body.start_time).toBe('2025-05-31T18:20:30.456Z');
    expect(response.body.end_time).toBe('2025-06-01T18:20:30.456Z');
  });

  it.each([1, 3, 29, 168])('hours=%i matches an independent computation', async (hours) => {
    const response = await get(t, withQuery(route.url(w), `hours=${hours}`), w.ownerToken);
    expect(response.status).toBe(200);
    expectSummary(response.body, records(), hours);
  });

  it('rejects hours 0, 169 and a non-integer', async () => {
    const cases: [string, unknown][] = [
      [
        '0',
        {
          type: 'greater_than_equal',
          loc: ['query', 'hours'],
          msg: 'Input should be greater than or equal to 1',
          input: '0',
          ctx: { ge: 1 },
        },
      ],
      [
        '169',
        {
          type: 'less_than_equal',
          loc: ['query', 'hours'],
          msg: 'Input should be less than or equal to 168',
          input: '169',
          ctx: { le: 168 },
        },
      ],
      [
        'a-day',
        {
          type: 'int_parsing',
          loc: ['query', 'hours'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: 'a-day',
          ctx: {},
        },
      ],
    ];
    for (const [hours, issue] of cases) {
      const response = await get(t, withQuery(route.url(w), `hours=${hours}`), w.ownerToken);
      expect(response.status, hours).toBe(422);
      expect(response.body).toEqual({ detail: [issue] });
    }
  });
});

describe('listing totals across day boundaries', () => {
  it('counts unbounded and day-spanning windows exactly', async () => {
    const url = `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity?limit=1`;
    const inWs = w.records.filter((r) => r.workspace_id === w.workspaceId);
    const count = (start: string | null, end: string) =>
      inWs.filter((r) => (start === null || r.timestamp >= start) && r.timestamp < end).length;
    const nowIso = NOW.toISOString();
    expect((await get(t, url, w.ownerToken)).body.total).toBe(count(null, nowIso));
    for (const [start, end] of [
      ['2025-05-31T12:20:30.456Z', '2025-06-01T18:20:30.456Z'],
      ['2025-05-31T00:00:00.000Z', '2025-06-01T00:00:00.000Z'],
      ['2025-05-31T23:59:59.999Z', '2025-06-01T01:00:00.001Z'],
      ['2025-05-01T00:00:00.000Z', '2025-06-01T17:00:00.000Z'],
    ] as const) {
      const response = await get(t, `${url}&start_time=${start}&end_time=${end}`, w.ownerToken);
      expect(response.body.total, `${start} – ${end}`).toBe(count(start, end));
    }
  });
});

describe('summary edge cases', () => {
  it('is all zeros with an average of 0 when nothing happened', async () => {
    t.clock.pinned = new Date('2024-01-01T00:00:00.000Z');
    const response = await get(t, `/v1/orgs/${w.orgId}/activity/summary?hours=5`, w.ownerToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      total_requests: 0,
      successful_requests: 0,
      failed_requests: 0,
      avg_duration_ms: 0,
      total_tokens_used: 0,
      by_action: {},
      by_resource: {},
      start_time: '2023-12-31T19:00:00.000Z',
      end_time: '2024-01-01T00:00:00.000Z',
    });
  });

  it('counts total_tokens_used from total_tokens, else the sum of the values', async () => {
    const base = { ...w.records[0]!, workspace_id: w.workspaceId, duration_ms: 10 };
    const at = new Date('2024-02-02T10:30:00.000Z');
    const records: FixtureRecord[] = [
      {
        ...base,
        id: `tok-a-${Date.now()}`,
        timestamp: at.toISOString(),
        token_usage: { total_tokens: 5, input: 100 },
      },
      {
        ...base,
        id: `tok-b-${Date.now()}`,
        timestamp: at.toISOString(),
        token_usage: { input: 7, output: 8 },
      },
      {
        ...base,
        id: `tok-c-${Date.now()}`,
        timestamp: at.toISOString(),
        token_usage: null,
        duration_ms: null,
      },
    ];
    await ingestRecords(t, f, w.serviceToken, records);
    t.clock.pinned = new Date('2024-02-02T11:00:00.000Z');
    const response = await get(
      t,
      `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/summary?hours=1`,
      w.ownerToken,
    );
    expect(response.body.total_tokens_used).toBe(20);
    expect(response.body.total_requests).toBe(3);
    expect(response.body.avg_duration_ms).toBe(10);
  });

  it('rounds avg_duration_ms to 2 decimals (issue 12 item 10)', async () => {
    const base = { ...w.records[0]!, workspace_id: w.workspaceId, token_usage: null };
    const cases = [
      { at: '2024-03-03T10:30:00.000Z', durations: [10.1, 20.2, 79.6], avg: 36.63 },
      { at: '2024-03-04T10:30:00.000Z', durations: [0.1, 0.2], avg: 0.15 },
      { at: '2024-03-05T10:30:00.000Z', durations: [12.345, 60.9], avg: 36.62 },
    ];
    for (const [c, { at, durations, avg }] of cases.entries()) {
      const records: FixtureRecord[] = durations.map((duration_ms, i) => ({
        ...base,
        id: `avg-${c}-${i}-${Date.now()}`,
        timestamp: at,
        duration_ms,
      }));
      await ingestRecords(t, f, w.serviceToken, records);
      const end = new Date(new Date(at).getTime() + HOUR / 2);
      t.clock.pinned = end;
      const response = await get(
        t,
        `/v1/orgs/${w.orgId}/workspaces/${w.workspaceId}/activity/summary?hours=1`,
        w.ownerToken,
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        total_requests: durations.length,
        successful_requests: base.success ? durations.length : 0,
        failed_requests: base.success ? 0 : durations.length,
        avg_duration_ms: avg,
        total_tokens_used: 0,
        by_action: base.action ? { [base.action]: durations.length } : {},
        by_resource: base.resource_type ? { [base.resource_type]: durations.length } : {},
        start_time: new Date(end.getTime() - HOUR).toISOString(),
        end_time: end.toISOString(),
      });
    }
  });

  it('keeps rollups exact under concurrent writers of one org', async () => {
    const batches = [0, 1, 2, 3].map((b) =>
      w.records.slice(100 + b * 25, 125 + b * 25).map((r) => ({ ...r, id: `${r.id}-concurrent-${b}` })),
    );
    await Promise.all([
      ...batches.map((batch) => ingestRecords(t, f, w.serviceToken, batch)),
      // the same batch twice at once: stored and counted once
      ingestRecords(t, f, w.serviceToken, batches[0]!),
    ]);
    w.records.push(...batches.flat());
    for (const hours of [1, 24, 168]) {
      const response = await get(t, `/v1/orgs/${w.orgId}/activity/summary?hours=${hours}`, w.ownerToken);
      expectSummary(response.body, w.records, hours);
    }
  });

  it('keeps rollups exact across batches and duplicate deliveries', async () => {
    const before = await get(t, `/v1/orgs/${w.orgId}/activity/summary?hours=168`, w.ownerToken);
    // More records into hours that already have rollups, in a second batch.
    const extra = w.records.slice(0, 40).map((r, i) => ({ ...r, id: `${r.id}-again-${i}` }));
    await ingestRecords(t, f, w.serviceToken, extra);
    w.records.push(...extra);
    // A duplicate delivery straight to the writer: nothing new, nothing counted twice.
    const duplicate = await insertActivities(
      t.db,
      extra.map((r) => ({
        ...r,
        org_id: w.orgId,
        timestamp: new Date(r.timestamp),
        token_usage: r.token_usage === null ? null : JSON.stringify(r.token_usage),
        metadata: JSON.stringify(r.metadata),
        tokens_total: 0,
      })),
    );
    expect(duplicate).toBe(0);
    const after = await get(t, `/v1/orgs/${w.orgId}/activity/summary?hours=168`, w.ownerToken);
    expect(after.body.total_requests).toBe(before.body.total_requests + 40);
    for (const hours of [1, 7, 24, 168]) {
      const response = await get(t, `/v1/orgs/${w.orgId}/activity/summary?hours=${hours}`, w.ownerToken);
      expectSummary(response.body, w.records, hours);
    }
  });
});
