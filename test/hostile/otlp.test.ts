// Property: POST /otlp/v1/traces, given hostile trace exports — spans with hostile ids, times past
// 2^53 and 2^64, attribute keys like __proto__ and constructor, values of every wrong type, deep
// and huge attribute values; protobuf bodies truncated or with bytes flipped; broken gzip, wrong
// content types — answers only 200/400/401/403/413/415, each error a google.rpc.Status in the
// request's encoding, and a 200 never counts more rejected spans than it was sent.
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/test-app.js';
import { agentRun, memoryTracer } from '../otlp/agent-run.js';
import { jsonSpan, newTraceId } from '../otlp/json-spans.js';
import {
  expectStillServing,
  HostileSender,
  type HostileWorld,
  hostileWorld,
  printable,
  runs,
} from './harness.js';
import { hostileText, numbers } from './hostile-text.js';
import {
  brokenGzip,
  contentEncodings,
  contentTypes,
  hostileJson,
  nested,
  toJsonText,
} from './json-arbitraries.js';
import { CATALOGUE } from './route-catalogue.js';

const RUNS = runs(150);
const route = CATALOGUE.find((entry) => entry.surface === 'otlp')!;

let world: HostileWorld;
let sender: HostileSender;
let validProtobuf: Buffer;

beforeAll(async () => {
  world = await hostileWorld();
  sender = new HostileSender(world);
  const traced = memoryTracer();
  agentRun(traced.tracer, { workspaceId: world.numericWorkspaceId, userId: world.ownerId });
  validProtobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(traced.spans())!);
});

afterAll(async () => {
  if (sender) console.info(sender.summary('otlp'));
  await world?.t.close();
});

const RpcStatus = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

const ATTRIBUTE_NAMES = [
  'gen_ai.operation.name',
  'gen_ai.agent.id',
  'gen_ai.agent.name',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.request.model',
  'gen_ai.tool.name',
  'tally.workspace.id',
  'tally.credits',
  'tally.cost',
  'tally.tool_type',
  'tally.agent_type',
  'tally.org.id',
  'enduser.id',
  'user.id',
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'service.name',
  '__proto__',
  'constructor',
  'toString',
  '',
];

/** A hostile attribute value, as an OTLP/JSON AnyValue (or not one at all). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText.map((text) => ({ stringValue: text })),
  numbers.map((text) => ({ intValue: text })),
  fc.double().map((value) => ({ doubleValue: value })),
  fc.constantFrom(
    { intValue: '18446744073709551616' },
    { intValue: '-9223372036854775809' },
    { intValue: 2 ** 53 + 2 },
    { doubleValue: 'NaN' },
    { boolValue: 'yes' },
    { bytesValue: '%%%' },
    { arrayValue: { values: Array.from({ length: 20_000 }, (_, i) => ({ intValue: String(i) })) } },
    { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'x' } }] } },
    nested(40, 'object'),
  ),
  hostileJson,
);

const operations = fc.constantFrom(
  'invoke_agent',
  'execute_tool',
  'chat',
  'embeddings',
  'text_completion',
  'other',
);

/** One span: valid GenAI attributes for the world, then one or two things made hostile. */
const hostileSpan = fc
  .record({
    operation: operations,
    server: fc.boolean(),
    attributes: fc.array(fc.tuple(fc.constantFrom(...ATTRIBUTE_NAMES), hostileValue), { maxLength: 3 }),
    field: fc.constantFrom(
      'traceId',
      'spanId',
      'parentSpanId',
      'startTimeUnixNano',
      'endTimeUnixNano',
      'kind',
      'flags',
      'status',
      'none',
    ),
    value: fc.oneof(hostileJson, numbers, hostileText),
  })
  .map(({ operation, server, attributes, field, value }) => {
    const span: Record<string, unknown> = jsonSpan({
      traceId: newTraceId(),
      kind: server ? 2 : 1,
      attributes: {
        'tally.workspace.id': world.uuidWorkspaceId,
        'enduser.id': world.ownerId,
        'gen_ai.operation.name': operation,
        'gen_ai.agent.name': 'Agent',
        'gen_ai.usage.input_tokens': 3,
        'http.request.method': 'GET',
      },
    });
    const list = span.attributes as { key: string; value: unknown }[];
    for (const [key, hostile] of attributes) list.push({ key, value: hostile });
    if (field !== 'none') span[field] = value;
    return span;
  });

interface OtlpCase {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  payload: string | Buffer;
  /** Spans in a well-formed body: a 200 may not reject more. */
  spans: number | null;
}

function exportOf(spans: unknown[], resource: [string, unknown][] = []) {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource.map(([key, value]) => ({ key, value })) },
        scopeSpans: [{ scope: { name: 'hostile' }, spans }],
      },
    ],
  };
}

function otlpCase(): fc.Arbitrary<OtlpCase> {
  const spans = fc.array(hostileSpan, { minLength: 1, maxLength: 8 });
  const resource = fc.array(fc.tuple(fc.constantFrom(...ATTRIBUTE_NAMES), hostileValue), { maxLength: 2 });
  const json = (contentType = 'application/json') =>
    fc.tuple(spans, resource).map(([list, res]) => ({
      contentType,
      contentEncoding: undefined,
      payload: toJsonText(exportOf(list, res)),
      spans: list.length,
    }));
  const bytes = fc.integer({ min: 0, max: 4096 });
  return fc.oneof(
    { arbitrary: json(), weight: 6 },
    { arbitrary: json('application/json; charset=utf-8'), weight: 1 },
    {
      // The real SDK's protobuf, cut short or with bytes changed.
      arbitrary: fc
        .tuple(
          bytes,
          fc.array(fc.tuple(bytes, fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          fc.boolean(),
        )
        .map(([cut, flips, truncate]) => {
          const body = Buffer.from(validProtobuf);
          for (const [at, value] of flips) body[at % body.length] = value;
          return {
            contentType: 'application/x-protobuf',
            contentEncoding: undefined,
            payload: truncate ? body.subarray(0, cut % body.length) : body,
            spans: null,
          };
        }),
      weight: 4,
    },
    {
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((random) => ({
        contentType: 'application/x-protobuf',
        contentEncoding: undefined,
        payload: Buffer.from(random),
        spans: null,
      })),
      weight: 1,
    },
    {
      arbitrary: hostileJson.map((value) => ({
        contentType: 'application/json',
        contentEncoding: undefined,
        payload: toJsonText(value),
        spans: null,
      })),
      weight: 1,
    },
    {
      arbitrary: brokenGzip(toJsonText(exportOf([]))).map((payload) => ({
        contentType: 'application/json',
        contentEncoding: 'gzip',
        payload,
        spans: null,
      })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(contentTypes, fc.option(contentEncodings)).map(([contentType, encoding]) => ({
        contentType,
        contentEncoding: encoding ?? undefined,
        payload: toJsonText(exportOf([])),
        spans: null,
      })),
      weight: 1,
    },
  );
}

describe('hostile input on OTLP traces', () => {
  it(`${route.key} answers only its documented statuses, each error a Status in the request's encoding`, async () => {
    await fc.assert(
      fc.asyncProperty(otlpCase().map(printable), fc.constantFrom(...world.tokens), async (c, token) => {
        const headers: Record<string, string> = { ...bearer(token) };
        if (c.contentType !== undefined) headers['content-type'] = c.contentType;
        if (c.contentEncoding !== undefined) headers['content-encoding'] = c.contentEncoding;
        const response = await sender.send(route, {
          method: 'POST',
          url: route.path,
          headers,
          payload: c.payload,
        });
        const protobufAnswer = response.headers['content-type'] === 'application/x-protobuf';
        if (response.statusCode >= 400 && protobufAnswer) {
          const status = RpcStatus.toObject(RpcStatus.decode(response.rawPayload));
          expect(Number.isInteger(status.code) && typeof status.message === 'string').toBe(true);
          expect(status.message).not.toMatch(/node_modules|\.(ts|js):\d+|\bSELECT\b/);
        }
        if (response.statusCode === 200 && c.spans !== null) {
          const body = response.json() as { partialSuccess?: { rejectedSpans: string } };
          expect(Number(body.partialSuccess?.rejectedSpans ?? 0)).toBeLessThanOrEqual(c.spans);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('still serves ordinary requests afterwards', async () => {
    await expectStillServing(world);
  });
});
