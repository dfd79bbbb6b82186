// Event fields keep their JSON types and their dates stay inside years 0001–9999 UTC
// (src/instants.ts): a date out of range, impossible (February 30, 24:00) or a number sent as a
// string rejects its event on its own, naming the field; the rest of the batch is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, numericId, uid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world({ workspaceId: numericId(), ownerId: numericId() });
});
afterAll(() => t.close());

const RANGE = 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z (UTC)';
const FORMAT = 'must be an RFC 3339 date-time with an offset';

function post(events: object[]) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify(events),
  });
}

function event(type: string, data: object, extra: object = {}) {
  return { specversion: '1.0', id: uid('evt'), source: 'test/field-types', type, data, ...extra };
}

const activity = (data: object = {}, extra: object = {}) =>
  event('activity.recorded', { workspace_id: w.workspace.id, status_code: 200, ...data }, extra);

const execution = (data: object = {}) =>
  event('execution.recorded', {
    id: numericId(),
    workspace_id: w.workspace.id,
    user_id: w.owner.id,
    agent: { id: 'writer', slug: 'writer', name: 'Writer', type: 'chat' },
    status: 'succeeded',
    ...data,
  });

const aiUsage = (data: object = {}) =>
  event('ai_usage.recorded', {
    id: uid('usage'),
    workspaceId: w.workspace.id,
    toolType: 'other',
    status: 'completed',
    ...data,
  });

/** Sends one good event and `bad`, and expects `bad` rejected with exactly `errors`. */
async function expectRejected(bad: { id: string }, errors: string[]) {
  const response = await post([activity(), bad]);
  expect(response.statusCode).toBe(207);
  expect(response.json()).toEqual({
    accepted: 1,
    duplicates: 0,
    rejected: [{ index: 1, id: bad.id, errors }],
  });
}

describe('dates of an event', () => {
  const placements: [string, (value: string) => { id: string }][] = [
    ['time', (value) => activity({}, { time: value })],
    ['data.timestamp', (value) => activity({ timestamp: value })],
    ['data.created_at', (value) => execution({ created_at: value })],
    ['data.createdAt', (value) => aiUsage({ createdAt: value })],
    ['data.completedAt', (value) => aiUsage({ completedAt: value })],
  ];
  const values: [string, string][] = [
    ['9999-12-31T23:59:59-01:00', RANGE],
    ['9999-12-31T23:30:00-00:30', RANGE],
    ['0000-01-01T00:00:00Z', RANGE],
    ['0001-01-01T00:59:59+01:00', RANGE],
    ['2024-02-30T00:00:00Z', FORMAT],
    ['2024-01-01T24:00:00Z', FORMAT],
    ['2016-12-31T23:59:60Z', FORMAT],
    ['2024-01-01T00:00:00+24:00', FORMAT],
    ['+010000-01-01T00:00:00Z', FORMAT],
    ['-000001-01-01T00:00:00Z', FORMAT],
  ];
  for (const [field, build] of placements) {
    it(`rejects ${field} out of range or impossible, naming it`, async () => {
      for (const [value, problem] of values) {
        await expectRejected(build(value), [`${field}: ${problem}`]);
      }
    });
  }

  it('stores the first and the last instants of the range, readable on every surface', async () => {
    const first = '0001-01-01T00:00:00.000Z';
    const last = '9999-12-31T23:59:59.999Z';
    const executionId = numericId();
    const usageId = uid('usage');
    const response = await post([
      activity({ id: 'edge-first', timestamp: first }),
      activity({ id: 'edge-last', timestamp: '9999-12-31T23:59:59.999-00:00' }),
      execution({ id: executionId, created_at: last }),
      aiUsage({ id: usageId, createdAt: last, completedAt: '9999-12-31T23:59:59.999+01:00' }),
    ]);
    expect(response.json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] });

    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity?start_time=9999-12-31T23:00:00Z&end_time=9999-12-31T23:59:59.999999Z`,
      headers: bearer(w.ownerToken.token),
    });
    expect(listed.statusCode).toBe(200);
    expect(
      listed.json().activities.map((a: { id: string; timestamp: string }) => [a.id, a.timestamp]),
    ).toEqual([['edge-last', last]]);
    const early = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity?end_time=0001-01-01T00:00:00.001Z`,
      headers: bearer(w.ownerToken.token),
    });
    expect(
      early.json().activities.map((a: { id: string; timestamp: string }) => [a.id, a.timestamp]),
    ).toEqual([['edge-first', first]]);

    const history = await t.app.inject({
      method: 'GET',
      url: '/workspaces/usage?start_date=9999-12-31&end_date=9999-12-31',
      headers: { ...bearer(w.ownerToken.token), 'x-workspace-id': w.workspace.id },
    });
    expect(history.statusCode).toBe(200);
    expect(history.json().items.map((i: { id: number; created_at: string }) => [i.id, i.created_at])).toEqual(
      [[Number(executionId), last]],
    );

    const usages = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workspace/${w.workspace.id}/ai/usages`,
      headers: bearer(w.ownerToken.token),
    });
    expect(usages.statusCode).toBe(200);
    const usage = usages.json().usages.find((u: { id: string }) => u.id === usageId);
    expect([usage.createdAt, usage.completedAt]).toEqual([last, '9999-12-31T22:59:59.999Z']);
  });
});

describe('numbers and booleans of an event are not read from strings', () => {
  const cases: [string, () => { id: string }, string[]][] = [
    ['status_code', () => activity({ status_code: '201' }), ['data.status_code: must be a number']],
    ['duration_ms', () => activity({ duration_ms: '87' }), ['data.duration_ms: must be a number']],
    [
      'stages_completed',
      () => activity({ stages_completed: '1' }),
      ['data.stages_completed: must be a number'],
    ],
    [
      'token_usage',
      () => activity({ token_usage: { total_tokens: '3' } }),
      ['data.token_usage.total_tokens: must be a number'],
    ],
    ['success', () => activity({ success: 'true' }), ['data.success: must be true or false']],
    ['credits', () => execution({ credits: '1.5' }), ['data.credits: must be a number']],
    [
      'tokens',
      () => execution({ tokens: { input: '1', output: 2, total: '3' } }),
      ['data.tokens.input: must be a number', 'data.tokens.total: must be a number'],
    ],
    [
      'output_private',
      () => execution({ output_private: 'true' }),
      ['data.output_private: must be true or false'],
    ],
    ['cost', () => aiUsage({ cost: '0.25' }), ['data.cost: must be a number']],
    [
      'status_code past 2^53',
      () => activity({ status_code: 2 ** 53 + 2 }),
      ['data.status_code: must be an integer'],
    ],
  ];
  for (const [name, bad, errors] of cases) {
    it(`rejects ${name} of the wrong type`, async () => {
      await expectRejected(bad(), errors);
    });
  }
});
