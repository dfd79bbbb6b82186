// GET …/insights/series through the front door: every metric, every group_by, top N and "other",
// window alignment and defaults, on the org and on one workspace, against a world whose records
// are all known (world.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../activity/fixtures.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { HOURS, insightsWorld, WINDOW } from './world.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<typeof insightsWorld>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await insightsWorld(f);
});
afterAll(() => t.close());

async function series(query: string, workspaceId?: string) {
  const scope = workspaceId ? `/workspaces/${workspaceId}` : '';
  const response = await get(
    t,
    `/v1/orgs/${w.org.id}${scope}/insights/series?${query}`,
    w.serviceToken.token,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const line = (key: string | null, label: string | null, values: (number | null)[], total: number | null) => ({
  key,
  label,
  values,
  total,
});

const hourly = (metric: string, lines: ReturnType<typeof line>[], total: number | null) => ({
  metric,
  bucket: 'hour',
  start_time: HOURS[0],
  end_time: '2026-03-01T14:00:00.000Z',
  buckets: HOURS,
  series: lines,
  total,
});

describe('insights series: metrics', () => {
  it.each([
    ['requests', [3, 1, 0, 1], 5],
    ['failed_requests', [1, 0, 0, 1], 2],
    ['avg_duration_ms', [150, null, null, 20], 117.5],
    ['tokens', [10, 30, 0, 0], 40],
    ['executions', [2, 0, 1, 0], 3],
    ['credits', [3.75, 0, 4, 0], 7.75],
    ['execution_tokens', [15, 0, 0, 0], 15],
    ['ai_tool_usages', [2, 0, 0, 1], 3],
  ] as const)('%s of the org', async (metric, values, total) => {
    expect(await series(`metric=${metric}&${WINDOW}`)).toEqual(
      hourly(metric, [line(null, null, [...values], total)], total),
    );
  });

  it.each([
    ['requests', [2, 1, 0, 0], 3],
    ['avg_duration_ms', [200, null, null, null], 200],
    ['executions', [2, 0, 0, 0], 2],
    ['credits', [3.75, 0, 0, 0], 3.75],
    ['ai_tool_usages', [2, 0, 0, 0], 2],
  ] as const)('%s of one workspace', async (metric, values, total) => {
    expect(await series(`metric=${metric}&${WINDOW}`, w.w1.id)).toEqual(
      hourly(metric, [line(null, null, [...values], total)], total),
    );
  });
});

describe('insights series: group_by', () => {
  it('activity by action, resource_type, status and workspace', async () => {
    expect(await series(`metric=requests&group_by=action&${WINDOW}`)).toEqual(
      hourly(
        'requests',
        [
          line('read', 'read', [2, 0, 0, 0], 2),
          line('', '(none)', [0, 0, 0, 1], 1),
          line('create', 'create', [1, 0, 0, 0], 1),
          line('execute', 'execute', [0, 1, 0, 0], 1),
        ],
        5,
      ),
    );
    expect(await series(`metric=requests&group_by=resource_type&${WINDOW}`)).toEqual(
      hourly(
        'requests',
        [
          line('endpoint', 'endpoint', [2, 1, 0, 0], 3),
          line('', '(none)', [0, 0, 0, 1], 1),
          line('app', 'app', [1, 0, 0, 0], 1),
        ],
        5,
      ),
    );
    expect(await series(`metric=failed_requests&group_by=status&${WINDOW}`)).toEqual(
      hourly('failed_requests', [line('error', 'error', [1, 0, 0, 1], 2)], 2),
    );
    expect(await series(`metric=requests&group_by=status&${WINDOW}`)).toEqual(
      hourly(
        'requests',
        [line('success', 'success', [2, 1, 0, 0], 3), line('error', 'error', [1, 0, 0, 1], 2)],
        5,
      ),
    );
    // Records without a workspace belong to no group: the total is that of the groups shown.
    expect(await series(`metric=requests&group_by=workspace&${WINDOW}`)).toEqual(
      hourly(
        'requests',
        [line(w.w1.id, 'Acme Support', [2, 1, 0, 0], 3), line(w.w2.id, 'Beta Labs', [1, 0, 0, 0], 1)],
        4,
      ),
    );
    expect(await series(`metric=avg_duration_ms&group_by=workspace&${WINDOW}`)).toEqual(
      hourly(
        'avg_duration_ms',
        [
          line(w.w1.id, 'Acme Support', [200, null, null, null], 200),
          line(w.w2.id, 'Beta Labs', [50, null, null, null], 50),
        ],
        150,
      ),
    );
  });

  it('executions by agent, status and workspace; usages by tool type, status and workspace', async () => {
    expect(await series(`metric=credits&group_by=agent&${WINDOW}`)).toEqual(
      hourly(
        'credits',
        [line(w.image.id, 'Painter', [0, 0, 4, 0], 4), line(w.chat.id, 'Chat Bot', [3.75, 0, 0, 0], 3.75)],
        7.75,
      ),
    );
    expect(await series(`metric=executions&group_by=status&${WINDOW}`)).toEqual(
      hourly(
        'executions',
        [line('succeeded', 'succeeded', [1, 0, 1, 0], 2), line('failed', 'failed', [1, 0, 0, 0], 1)],
        3,
      ),
    );
    expect(await series(`metric=execution_tokens&group_by=workspace&${WINDOW}`)).toEqual(
      hourly('execution_tokens', [line(w.w1.id, 'Acme Support', [15, 0, 0, 0], 15)], 15),
    );
    expect(await series(`metric=ai_tool_usages&group_by=tool_type&${WINDOW}`)).toEqual(
      hourly(
        'ai_tool_usages',
        [
          line('image-generation', 'image-generation', [2, 0, 0, 0], 2),
          line('other', 'other', [0, 0, 0, 1], 1),
        ],
        3,
      ),
    );
    expect(await series(`metric=ai_tool_usages&group_by=status&${WINDOW}`, w.w1.id)).toEqual(
      hourly(
        'ai_tool_usages',
        [line('completed', 'completed', [1, 0, 0, 0], 1), line('failed', 'failed', [1, 0, 0, 0], 1)],
        2,
      ),
    );
    expect(await series(`metric=ai_tool_usages&group_by=workspace&${WINDOW}`)).toEqual(
      hourly(
        'ai_tool_usages',
        [line(w.w1.id, 'Acme Support', [2, 0, 0, 0], 2), line(w.w2.id, 'Beta Labs', [0, 0, 0, 1], 1)],
        3,
      ),
    );
  });

  it('keeps the top N groups by window total and folds the rest into "other"', async () => {
    expect(await series(`metric=requests&group_by=action&top=2&${WINDOW}`)).toEqual(
      hourly(
        'requests',
        [
          line('read', 'read', [2, 0, 0, 0], 2),
          line('', '(none)', [0, 0, 0, 1], 1),
          line('other', 'other', [1, 1, 0, 0], 2),
        ],
        5,
      ),
    );
    expect(await series(`metric=requests&group_by=action&top=1&${WINDOW}`, w.w1.id)).toEqual(
      hourly('requests', [line('read', 'read', [2, 0, 0, 0], 2), line('other', 'other', [0, 1, 0, 0], 1)], 3),
    );
  });
});

describe('insights series: windows and buckets', () => {
  it('aligns start down and end up to the bucket; end is exclusive', async () => {
    const body = await series(
      'metric=requests&start_time=2026-03-01T10:59:59Z&end_time=2026-03-01T11:00:00.001Z',
    );
    expect(body).toMatchObject({
      start_time: '2026-03-01T10:00:00.000Z',
      end_time: '2026-03-01T12:00:00.000Z',
      buckets: ['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z'],
      series: [line(null, null, [3, 1], 4)],
      total: 4,
    });
    const exclusive = await series(
      'metric=requests&start_time=2026-03-01T10:00:00Z&end_time=2026-03-01T11:00:00Z',
    );
    expect(exclusive).toMatchObject({ buckets: ['2026-03-01T10:00:00.000Z'], total: 3 });
  });

  it('day buckets', async () => {
    expect(
      await series(
        'metric=requests&bucket=day&start_time=2026-03-01T05:00:00Z&end_time=2026-03-02T01:00:00Z',
      ),
    ).toEqual({
      metric: 'requests',
      bucket: 'day',
      start_time: '2026-03-01T00:00:00.000Z',
      end_time: '2026-03-03T00:00:00.000Z',
      buckets: ['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      series: [line(null, null, [5, 1], 6)],
      total: 6,
    });
  });

  it('a 90-day daily and a 31-day hourly window are allowed, empty buckets included', async () => {
    const daily = await series(
      'metric=executions&bucket=day&start_time=2026-01-01T00:00:00Z&end_time=2026-04-01T00:00:00Z',
    );
    expect(daily.buckets).toHaveLength(90);
    expect(daily.series[0].values.filter((v: number) => v !== 0)).toEqual([3]);
    expect(daily.buckets[daily.series[0].values.indexOf(3)]).toBe('2026-03-01T00:00:00.000Z');
    const hourlyMonth = await series(
      'metric=executions&start_time=2026-02-01T00:00:00Z&end_time=2026-03-04T00:00:00Z',
    );
    expect(hourlyMonth.buckets).toHaveLength(31 * 24);
    expect(hourlyMonth.total).toBe(3);
  });

  it('defaults to the 24 hours before now, in hour buckets', async () => {
    t.clock.pinned = new Date('2026-03-01T20:30:00Z');
    try {
      const body = await series('metric=executions');
      expect(body.start_time).toBe('2026-02-28T20:00:00.000Z');
      expect(body.end_time).toBe('2026-03-01T21:00:00.000Z');
      expect(body.buckets).toHaveLength(25);
      expect(body.total).toBe(3);
    } finally {
      t.clock.pinned = null;
    }
  });
});
