// OTLP/HTTP traces from the real OpenTelemetry JS SDK and its two OTLP exporters (protobuf and
// JSON), configured only by the environment variables an operator sets, against a listening
// Tally: one agent run must show up on usage history (seed 001), AI tool usages (seed 000),
// activity and its summary (seed 004) with the right tokens, once, however it is sent.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { numericWorld, usage } from '../usage-history/helpers.js';
import {
  agentRun,
  type ExporterKind,
  exporterFromEnvironment,
  exportSpans,
  memoryTracer,
} from './agent-run.js';

let t: TestApp;
let f: Factory;
let endpoint: string;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  endpoint = `http://127.0.0.1:${address.port}/otlp`;
});
afterAll(() => t.close());

type World = Awaited<ReturnType<typeof numericWorld>>;

const exporterFor = (kind: ExporterKind, token: string) =>
  exporterFromEnvironment(kind, {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
  });

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
const idOf = (span: ReadableSpan) => `${span.spanContext().traceId}-${span.spanContext().spanId}`;
const iso = (span: ReadableSpan, at: 'start' | 'end') => {
  const [seconds, nanos] = at === 'start' ? span.startTime : span.endTime;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
};

/** What every surface shows of the workspace, in the fields an agent run sets. */
async function surfaces(w: World) {
  const history = await usage(t, w.ownerToken.token, w.workspace.id);
  const usages = await t.app.inject({
    method: 'GET',
    url: `/api/v1/workspace/${w.workspace.id}/ai/usages`,
    headers: bearer(w.ownerToken.token),
  });
  const activity = await t.app.inject({
    method: 'GET',
    // The workspace's own activity also holds the reads this test makes (self-recording).
    url: `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity/search?resource_type=agents`,
    headers: bearer(w.ownerToken.token),
  });
  const summary = await t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity/summary?hours=1`,
    headers: bearer(w.ownerToken.token),
  });
  for (const response of [history, usages, activity, summary])
    expect(response.statusCode, response.body).toBe(200);
  return {
    history: history.json(),
    usages: usages.json(),
    activity: activity.json(),
    summary: summary.json(),
  };
}

/** The surfaces after one agent run of `spans`, exactly. */
function expectOneRun(seen: Awaited<ReturnType<typeof surfaces>>, w: World, spans: ReadableSpan[]) {
  const [agent] = byName(spans, 'invoke_agent Support Bot');
  const [tool] = byName(spans, 'execute_tool search_docs');
  const [server] = byName(spans, 'POST /v1/agents/{agent_id}/runs');
  const traceId = agent!.spanContext().traceId;
  expect(seen.history).toEqual({
    items: [
      {
        id: idOf(agent!),
        created_at: iso(agent!, 'start'),
        user_id: Number(w.owner.id),
        type: 'chat',
        status: 'succeeded',
        email: expect.any(String),
        credits: 3,
        name: 'Support Bot',
        slug: 'support-bot',
        output: 'This content is only available in the app.',
        root_id: null,
        execution_origin: 'otlp',
        source: 'current',
        used_model: 'gpt-4o',
        tokens: { input: 250, output: 50, total: 300 },
        link: `/dashboard/user/ai/chat/ai-chat/support-bot?_chat_id=${idOf(agent!)}`,
      },
    ],
    has_more: false,
    page: 1,
    per_page: 20,
  });
  expect(seen.usages).toEqual({
    usages: [
      {
        id: idOf(tool!),
        workspaceId: w.workspace.id,
        toolType: 'session-summary',
        status: 'completed',
        cost: 0,
        inputData: {
          tool_name: 'search_docs',
          tool_call_id: 'call_1',
          trace_id: traceId,
          span_id: tool!.spanContext().spanId,
        },
        responseData: {},
        createdAt: iso(tool!, 'start'),
        completedAt: iso(tool!, 'end'),
      },
    ],
    pagination: { total: 1, limit: 50, offset: 0, hasMore: false },
  });
  expect(seen.activity.total).toBe(1);
  expect(seen.activity.activities[0]).toMatchObject({
    id: idOf(server!),
    trace_id: traceId,
    user_id: w.owner.id,
    workspace_id: w.workspace.id,
    method: 'POST',
    path: '/v1/agents/{agent_id}/runs',
    resource_type: 'agents',
    action: 'create',
    status_code: 201,
    success: true,
    token_usage: { input_tokens: 250, output_tokens: 50, total_tokens: 300 },
  });
  expect(seen.summary).toMatchObject({ total_tokens_used: 300, by_resource: { agents: 1 } });
}

describe.each(['protobuf', 'json'] as const)('the %s exporter', (kind) => {
  it('records an agent run on every surface, and a resend changes nothing', async () => {
    const w = await numericWorld(f);
    const traced = memoryTracer();
    agentRun(traced.tracer, { workspaceId: w.workspace.id, userId: w.owner.id });
    const spans = traced.spans();
    expect(spans).toHaveLength(5);
    const exporter = exporterFor(kind, w.serviceToken.token);

    expect(await exportSpans(exporter, spans)).toEqual({ code: 0 });
    const first = await surfaces(w);
    expectOneRun(first, w, spans);

    expect(await exportSpans(exporter, spans)).toEqual({ code: 0 });
    const again = await surfaces(w);
    expect({ ...again, summary: null }).toEqual({ ...first, summary: null });
    expect(again.summary).toMatchObject({ total_tokens_used: 300, by_resource: { agents: 1 } });
    await exporter.shutdown();
    await traced.shutdown();
  });

  it.each([
    [
      'children first, in separate exports',
      (s: ReadableSpan[]) => [s.filter(isCall), s.filter((x) => !isCall(x))],
    ],
    [
      'parents first, in separate exports',
      (s: ReadableSpan[]) => [s.filter((x) => !isCall(x)), s.filter(isCall)],
    ],
    ['one span per export, the top last', (s: ReadableSpan[]) => s.map((x) => [x])],
    ['one span per export, the top first', (s: ReadableSpan[]) => [...s].reverse().map((x) => [x])],
  ])('counts the tokens once when spans arrive %s', async (_name, split) => {
    const w = await numericWorld(f);
    const traced = memoryTracer();
    agentRun(traced.tracer, { workspaceId: w.workspace.id, userId: w.owner.id });
    const spans = traced.spans();
    const exporter = exporterFor(kind, w.serviceToken.token);
    for (const part of split(spans)) expect(await exportSpans(exporter, part)).toEqual({ code: 0 });
    const seen = await surfaces(w);
    expect(seen.history.items).toHaveLength(1);
    expect(seen.history.items[0].tokens).toEqual({ input: 250, output: 50, total: 300 });
    await exporter.shutdown();
    await traced.shutdown();
  });
});

const isCall = (span: ReadableSpan) => span.name.startsWith('chat ');

describe('an exporter told to wait', () => {
  let limited: TestApp;
  let limitedEndpoint: string;
  beforeAll(async () => {
    limited = await buildTestApp({ TALLY_RATE_LIMIT_RPS: '1', TALLY_RATE_LIMIT_BURST: '1' });
    await limited.app.listen({ port: 0, host: '127.0.0.1' });
    const address = limited.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    limitedEndpoint = `http://127.0.0.1:${address.port}/otlp`;
  });
  afterAll(() => limited.close());

  it.each([
    'protobuf',
    'json',
  ] as const)('retries a 429 after Retry-After and delivers (%s)', async (kind) => {
    const lw = await numericWorld(new Factory(limited));
    const exporter = exporterFromEnvironment(kind, {
      OTEL_EXPORTER_OTLP_ENDPOINT: limitedEndpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${lw.serviceToken.token}`,
    });
    const traced = memoryTracer();
    agentRun(traced.tracer, { workspaceId: lw.workspace.id, userId: lw.owner.id });
    const started = Date.now();
    // The first export takes the token's one request of this second; the second is refused 429
    // with Retry-After: 1, and the exporter's own retry delivers it.
    expect(await exportSpans(exporter, traced.spans().slice(0, 2))).toEqual({ code: 0 });
    expect(await exportSpans(exporter, traced.spans().slice(2))).toEqual({ code: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const history = await usage(limited, lw.ownerToken.token, lw.workspace.id);
    expect(history.json().items[0].tokens).toEqual({ input: 250, output: 50, total: 300 });
    await exporter.shutdown();
  }, 30_000);
});
