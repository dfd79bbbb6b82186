// The insights routes' refusals of invalid parameters: the activity dialect's 422 (pydantic's
// body), exact, for the schema's checks and for the combinations the handlers check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../activity/fixtures.js';
import { Factory } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let world: Awaited<ReturnType<Factory['world']>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  world = await f.world();
});
afterAll(() => t.close());

async function refused(path: string, query: string) {
  const response = await get(t, `/v1/orgs/${world.org.id}${path}?${query}`, world.serviceToken.token);
  expect(response.status, JSON.stringify(response.body)).toBe(422);
  return response.body;
}

const valueError = (field: string, message: string, input: unknown) => ({
  detail: [
    {
      type: 'value_error',
      loc: ['query', field],
      msg: `Value error, ${message}`,
      input,
      ctx: { error: message },
    },
  ],
});

describe('insights: invalid parameters (422)', () => {
  it('schema checks: metric missing or unknown, top and limit out of range, dimension missing', async () => {
    expect(await refused('/insights/series', '')).toEqual({
      detail: [{ type: 'missing', loc: ['query', 'metric'], msg: 'Field required', input: null, ctx: {} }],
    });
    expect(await refused('/insights/series', 'metric=bogus')).toEqual({
      detail: [
        {
          type: 'literal_error',
          loc: ['query', 'metric'],
          msg: "Input should be 'requests', 'failed_requests', 'avg_duration_ms', 'tokens', 'executions', 'credits', 'execution_tokens' or 'ai_tool_usages'",
          input: 'bogus',
          ctx: {
            expected:
              "'requests', 'failed_requests', 'avg_duration_ms', 'tokens', 'executions', 'credits', 'execution_tokens' or 'ai_tool_usages'",
          },
        },
      ],
    });
    expect(await refused('/insights/series', 'metric=requests&top=21')).toEqual({
      detail: [
        {
          type: 'less_than_equal',
          loc: ['query', 'top'],
          msg: 'Input should be less than or equal to 20',
          input: '21',
          ctx: { le: 20 },
        },
      ],
    });
    expect(await refused('/insights/top', 'dimension=users&limit=0')).toEqual({
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
    expect(await refused('/insights/top', '')).toEqual({
      detail: [{ type: 'missing', loc: ['query', 'dimension'], msg: 'Field required', input: null, ctx: {} }],
    });
  });

  it('windows: order, 90 days, hourly buckets up to 31 days, times that do not parse', async () => {
    expect(
      await refused(
        '/insights/series',
        'metric=requests&start_time=2026-03-01T10:00:00Z&end_time=2026-03-01T10:00:00Z',
      ),
    ).toEqual(valueError('end_time', 'end_time must be after start_time', '2026-03-01T10:00:00Z'));
    expect(
      await refused(
        '/insights/top',
        'dimension=users&start_time=2026-01-01T00:00:00Z&end_time=2026-04-01T00:00:01Z',
      ),
    ).toEqual(valueError('start_time', 'the window must not exceed 90 days', '2026-01-01T00:00:00Z'));
    expect(
      await refused(
        '/insights/series',
        'metric=requests&start_time=2026-02-01T00:00:00Z&end_time=2026-03-04T00:00:01Z',
      ),
    ).toEqual(valueError('bucket', 'hour buckets need a window of at most 31 days', 'hour'));
    expect(await refused('/insights/series', 'metric=requests&start_time=yesterday')).toEqual({
      detail: [
        {
          type: 'datetime_parsing',
          loc: ['query', 'start_time'],
          msg: 'Input should be a valid datetime, invalid datetime format',
          input: 'yesterday',
          ctx: { error: 'invalid datetime format' },
        },
      ],
    });
  });

  it('group_by must suit the metric; workspace groups and dimension only on the org routes', async () => {
    expect(await refused('/insights/series', 'metric=requests&group_by=agent')).toEqual(
      valueError('group_by', 'requests can be grouped by action, resource_type, workspace, status', 'agent'),
    );
    expect(await refused('/insights/series', 'metric=credits&group_by=tool_type')).toEqual(
      valueError('group_by', 'credits can be grouped by agent, workspace, status', 'tool_type'),
    );
    expect(await refused('/insights/series', 'metric=ai_tool_usages&group_by=action')).toEqual(
      valueError('group_by', 'ai_tool_usages can be grouped by tool_type, status, workspace', 'action'),
    );
    const ws = `/workspaces/${world.workspace.id}`;
    expect(await refused(`${ws}/insights/series`, 'metric=executions&group_by=workspace')).toEqual(
      valueError('group_by', 'executions can be grouped by agent, status', 'workspace'),
    );
    expect(await refused(`${ws}/insights/top`, 'dimension=workspaces')).toEqual(
      valueError('dimension', 'workspaces is only available on the org routes', 'workspaces'),
    );
  });
});
