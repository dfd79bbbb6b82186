// What POST /otlp/v1/traces answers, request by request: the ExportTraceServiceResponse in the
// request's encoding (decoded here by the OpenTelemetry JS SDK's own deserializer), its
// partial_success for spans recorded nowhere, and a google.rpc.Status for every refusal: bodies
// that are not trace exports (logs and metrics exports built by the real SDKs are named), limits,
// content types, authentication and rate limits with Retry-After.
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { agentRun, memoryTracer } from './agent-run.js';
import { exportBody, jsonSpan, newTraceId } from './json-spans.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world();
});
afterAll(() => t.close());

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json; charset=utf-8';

function post(
  body: Buffer | string,
  headers: Record<string, string>,
  token: string | null = w.serviceToken.token,
) {
  return t.app.inject({
    method: 'POST',
    url: '/otlp/v1/traces',
    headers: { ...(token === null ? {} : bearer(token)), ...headers },
    payload: body,
  });
}

/** google.rpc.Status from a protobuf answer, read with a definition written from status.proto. */
const RpcStatus = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
const statusOf = (raw: Buffer) => RpcStatus.toObject(RpcStatus.decode(raw), { defaults: true });

function tracesOf(build: (tracer: ReturnType<typeof memoryTracer>['tracer']) => void) {
  const traced = memoryTracer();
  build(traced.tracer);
  return traced.spans();
}

describe('a trace export', () => {
  it('answers an empty ExportTraceServiceResponse when every span is recorded, in either encoding', async () => {
    const spans = tracesOf((tracer) => agentRun(tracer, { workspaceId: w.workspace.id, userId: w.owner.id }));
    const proto = await post(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), {
      'content-type': PROTOBUF,
    });
    expect(proto.statusCode).toBe(200);
    expect(proto.headers['content-type']).toBe(PROTOBUF);
    expect(ProtobufTraceSerializer.deserializeResponse(proto.rawPayload)).toEqual({});
    const gzip = await post(gzipSync(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)), {
      'content-type': PROTOBUF,
      'content-encoding': 'gzip',
    });
    expect(gzip.statusCode).toBe(200);
    expect(gzip.rawPayload.length).toBe(0);
  });

  it('counts spans it cannot record in partial_success, says why, and records the rest', async () => {
    const spans = tracesOf((tracer) => {
      tracer
        .startSpan('invoke_agent', {
          attributes: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': 'X',
            'enduser.id': 'u1',
          },
        })
        .end();
      tracer
        .startSpan('execute_tool', {
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'tally.workspace.id': 'no-such-ws' },
        })
        .end();
      tracer
        .startSpan('chat', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'tally.workspace.id': w.workspace.id,
            'enduser.id': w.owner.id,
            'gen_ai.usage.input_tokens': -1,
          },
        })
        .end();
      tracer
        .startSpan('GET /ok', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } })
        .end();
    });
    const [agent, tool, chat] = spans.map((span) => span.spanContext().spanId);
    const message =
      `3 of the spans were rejected: span ${agent}: tally.workspace.id is required (on the span or its resource); ` +
      `span ${chat}: gen_ai.usage.input_tokens must be a non-negative integer up to 2^53 − 1; ` +
      `span ${tool}: tally.workspace.id: no workspace "no-such-ws" in org "${w.org.id}"`;
    const proto = await post(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), {
      'content-type': PROTOBUF,
    });
    expect(proto.statusCode).toBe(200);
    expect(ProtobufTraceSerializer.deserializeResponse(proto.rawPayload)).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: message },
    });
    // The same spans again, in JSON: the recorded one is a duplicate, the others rejected again.
    const json = await post(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!), {
      'content-type': 'application/json',
    });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe(JSON_TYPE);
    expect(json.json()).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: message } });
    const activity = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/activity`,
      headers: bearer(w.ownerToken.token),
    });
    const server = spans[3]!.spanContext();
    expect(
      activity.json().activities.filter((a: { trace_id: string }) => a.trace_id === server.traceId),
    ).toMatchObject([
      {
        id: `${server.traceId}-${server.spanId}`,
        method: 'GET',
        action: 'read',
        success: true,
        workspace_id: null,
      },
    ]);
  });
});

/** A logs export and a metrics export, as the real OpenTelemetry SDKs serialise them. */
async function otherExports() {
  const memory = new InMemoryLogRecordExporter();
  const logs = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  logs.getLogger('app').emit({ body: 'hello', severityText: 'INFO' });
  const logsBody = Buffer.from(ProtobufLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!);
  class Reader extends MetricReader {
    protected async onForceFlush() {}
    protected async onShutdown() {}
  }
  const reader = new Reader();
  const meters = new MeterProvider({ readers: [reader] });
  meters.getMeter('app').createCounter('requests').add(3);
  const { resourceMetrics } = await reader.collect();
  const metricsBody = Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
  await logs.shutdown();
  await meters.shutdown();
  return { logsBody, metricsBody };
}

describe('a body that is not a trace export', () => {
  it.each([
    ['logs', 'logsBody'],
    ['metrics', 'metricsBody'],
  ] as const)('names a %s export sent here (protobuf and JSON)', async (kind, body) => {
    const bodies = await otherExports();
    const proto = await post(bodies[body], { 'content-type': PROTOBUF });
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toBe(PROTOBUF);
    const expected = {
      code: 3,
      message: `This is an OTLP ${kind} export; Tally accepts trace exports only (send ${kind} elsewhere)`,
    };
    expect(statusOf(proto.rawPayload)).toEqual(expected);
    const key = kind === 'logs' ? 'resourceLogs' : 'resourceMetrics';
    const json = await post(JSON.stringify({ [key]: [] }), { 'content-type': 'application/json' });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual(expected);
  });

  it.each([
    [
      'truncated protobuf',
      () => Buffer.from(ProtobufTraceSerializer.serializeRequest(oneRun())!).subarray(0, 40),
      PROTOBUF,
    ],
    ['random bytes', () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTOBUF],
    [
      'a field of the wrong wire type',
      () => Buffer.from([0x0a, 0x04, 0x12, 0x02, 0x12, 0x00, 0x08, 0x01]),
      PROTOBUF,
    ],
    ['JSON that is not an object', () => '[1, 2]', 'application/json'],
    ['JSON whose resourceSpans is not an array', () => '{"resourceSpans": "all"}', 'application/json'],
    ['invalid JSON', () => '{"resourceSpans": [', 'application/json'],
  ])('answers 400 with a Status for %s, and stores nothing', async (_name, body, type) => {
    const response = await post(body(), { 'content-type': type });
    expect(response.statusCode).toBe(400);
    const status = type === PROTOBUF ? statusOf(response.rawPayload) : response.json();
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^The body is not|must be an/);
  });
});

function oneRun() {
  return tracesOf((tracer) => agentRun(tracer, { workspaceId: w.workspace.id, userId: w.owner.id }));
}

describe('limits, types and access', () => {
  it('answers 413 for more than 5,000 spans and 415 for another content type or encoding', async () => {
    const span = (n: number) => ({
      traceId: '1'.repeat(32),
      spanId: n.toString(16).padStart(16, '0'),
      name: 's',
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000000000001',
    });
    const many = {
      resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 10_000 }, (_, n) => span(n + 1)) }] }],
    };
    const tooMany = await post(JSON.stringify(many), { 'content-type': 'application/json' });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json()).toEqual({
      code: 8,
      message: "An export holds at most 5000 spans (got 10000); lower the exporter's batch size",
    });
    const text = await post('x', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toEqual({
      code: 3,
      message: 'Send application/x-protobuf or application/json (OTLP/HTTP)',
    });
    const brotli = await post('x', { 'content-type': PROTOBUF, 'content-encoding': 'br' });
    expect(brotli.statusCode).toBe(415);
    expect(statusOf(brotli.rawPayload)).toEqual({
      code: 3,
      message: 'Content-Encoding "br" is not supported; use gzip or none',
    });
  });

  it('answers 401 and 403 as a Status in the request encoding', async () => {
    const anonymous = await post(Buffer.alloc(0), { 'content-type': PROTOBUF }, null);
    expect(anonymous.statusCode).toBe(401);
    expect(statusOf(anonymous.rawPayload)).toEqual({ code: 16, message: 'Authentication required' });
    const reader = await f.token(w.org.id, { abilities: ['read'] });
    const refused = await post('{"resourceSpans":[]}', { 'content-type': 'application/json' }, reader.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      code: 7,
      message: 'This token may not do this (requires ability:ingest)',
    });
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await buildTestApp({ TALLY_RATE_LIMIT_RPS: '1', TALLY_RATE_LIMIT_BURST: '1' });
  });
  afterAll(() => limited.close());

  it('answers 429 with Retry-After and a RESOURCE_EXHAUSTED Status', async () => {
    const lf = new Factory(limited);
    const lw = await lf.world();
    const send = () =>
      limited.app.inject({
        method: 'POST',
        url: '/otlp/v1/traces',
        headers: { ...bearer(lw.serviceToken.token), 'content-type': PROTOBUF },
        payload: Buffer.alloc(0),
      });
    expect((await send()).statusCode).toBe(200);
    const second = await send();
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(statusOf(second.rawPayload)).toMatchObject({ code: 8 });
  });
});

describe('the deployment admin', () => {
  it('writes each span into the org its tally.org.id names, and rejects spans naming none or an unknown one', async () => {
    const traceId = newTraceId();
    const server = (org: string | null, path: string) =>
      jsonSpan({
        traceId,
        kind: 2,
        attributes: {
          'http.request.method': 'GET',
          'url.path': path,
          ...(org ? { 'tally.org.id': org } : {}),
        },
      });
    // A name no org can have (a NUL, found by the hostile-input property) is refused before any
    // lookup: PostgreSQL refuses a NUL in a text parameter, which answered 500.
    const spans = [
      server(w.org.id, '/admin-1'),
      server(null, '/admin-2'),
      server('no-such-org', '/admin-3'),
      server('\u0000', '/admin-4'),
      server('an org', '/admin-5'),
    ];
    const response = await post(exportBody(spans), { 'content-type': 'application/json' }, t.adminToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '4',
        errorMessage:
          `4 of the spans were rejected: span ${spans[1]!.spanId}: tally.org.id is required with the deployment admin token; ` +
          `span ${spans[2]!.spanId}: tally.org.id: no org "no-such-org"; ` +
          `span ${spans[3]!.spanId}: tally.org.id: must be an id of 1–128 characters of [A-Za-z0-9._:-]; ` +
          `span ${spans[4]!.spanId}: tally.org.id: must be an id of 1–128 characters of [A-Za-z0-9._:-]`,
      },
    });
    const activity = await t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${w.org.id}/activity`,
      headers: bearer(w.ownerToken.token),
    });
    const paths = activity.json().activities.filter((a: { trace_id: string }) => a.trace_id === traceId);
    expect(paths.map((a: { path: string }) => a.path)).toEqual(['/admin-1']);
  });

  it('refuses an org token a span naming another org', async () => {
    const span = jsonSpan({
      traceId: newTraceId(),
      kind: 2,
      attributes: { 'http.request.method': 'GET', 'tally.org.id': 'some-other-org' },
    });
    const response = await post(exportBody([span]), { 'content-type': 'application/json' });
    expect(response.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: `1 of the spans were rejected: span ${span.spanId}: tally.org.id: this token writes only to org "${w.org.id}"`,
      },
    });
  });
});
