// The three content modes of the CloudEvents HTTP binding, sent by the real CNCF SDK (`cloudevents`
// 10.x): binary (the SDK's default: attributes in ce-* headers, the body is data), structured and
// batched. Each event must land on its read surface; a request carrying one event answers its
// rejection as a 400 problem document (the SDK's emitter never looks at the status).
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { CloudEvent, emitterFor, HTTP, httpTransport, type Message, Mode } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, type Factory as FactoryType, numericId, uid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { numericWorld, usage } from '../usage-history/helpers.js';

let t: TestApp;
let f: FactoryType;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const PROBLEM = 'application/problem+json; charset=utf-8';
const OK_ONE = { accepted: 1, duplicates: 0, rejected: [] };

type World = Awaited<ReturnType<typeof numericWorld>>;

/** Sends an SDK message exactly as serialised (headers and body), with the token added. */
function send(message: Message, token: string, extra: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...(message.headers as Record<string, string>), ...bearer(token), ...extra },
    payload: message.body as string | Buffer,
  });
}

/** Raw headers and body, for what the SDK would refuse to build. */
function sendRaw(headers: Record<string, string>, body: string | Buffer, token: string) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...headers, ...bearer(token) },
    payload: body,
  });
}

type Answer = Awaited<ReturnType<typeof send>>;

/** A 400 problem document (a one-event request's rejection), with exactly this detail and errors. */
function expectRejected(response: Answer, detail: string, errors: { pointer: string; detail: string }[]) {
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toBe(PROBLEM);
  expect(response.json()).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail, errors });
}

const recently = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

function activityEvent(w: World, id: string, extra: object = {}) {
  return new CloudEvent({
    id,
    source: 'platform/api',
    type: 'activity.recorded',
    time: recently(30),
    data: { workspace_id: w.workspace.id, method: 'POST', path: `/v1/${id}`, status_code: 201, ...extra },
  });
}

function executionEvent(w: World, executionId: string) {
  const time = recently(20);
  return new CloudEvent({
    id: uid('evt'),
    source: 'platform/agents',
    type: 'execution.recorded',
    time,
    data: {
      id: executionId,
      workspace_id: w.workspace.id,
      user_id: w.owner.id,
      agent: w.chat,
      status: 'succeeded',
      credits: 2,
      output: 'hello',
      output_url: null,
      output_private: false,
      root_id: null,
      execution_origin: 'api',
      used_model: 'gpt-4o',
      tokens: { input: 1, output: 2, total: 3 },
      created_at: time,
    },
  });
}

function aiUsageEvent(w: World, usageId: string) {
  return new CloudEvent({
    id: uid('evt'),
    source: 'platform/ai-tools',
    type: 'ai_usage.recorded',
    time: recently(10),
    data: {
      id: usageId,
      workspaceId: w.workspace.id,
      toolType: 'image-generation',
      status: 'completed',
      cost: 0.25,
      inputData: { prompt: 'a cat' },
      responseData: { url: 'https://example.test/cat.png' },
      createdAt: recently(10),
      completedAt: recently(5),
    },
  });
}

/** The ids of the workspace's ingested activity records (seed 004), not Tally's own records. */
async function activityIds(w: World): Promise<string[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity`,
    headers: bearer(w.ownerToken.token),
  });
  expect(response.statusCode, response.body).toBe(200);
  const activities = response.json().activities as { id: string; metadata: { source?: string } | null }[];
  return activities
    .filter((a) => a.metadata?.source !== 'tally')
    .map((a) => a.id)
    .sort();
}

/** The execution ids of the workspace's usage history (seed 001). */
async function executionIds(w: World): Promise<string[]> {
  const response = await usage(t, w.ownerToken.token, w.workspace.id);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().items as { id: number }[]).map((item) => String(item.id)).sort();
}

/** The AI usages of the workspace (seed 000). */
async function aiUsages(w: World): Promise<{ id: string; cost: number; status: string }[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/workspace/${w.workspace.id}/ai/usages`,
    headers: bearer(w.ownerToken.token),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().usages;
}

/** Every event type in one mode, then each read back on its surface. */
async function roundTrip(serialise: (event: CloudEvent<unknown>) => Message) {
  const w = await numericWorld(f);
  const executionId = numericId();
  const usageId = uid('usage');
  const events: CloudEvent<unknown>[] = [
    activityEvent(w, uid('act')),
    executionEvent(w, executionId),
    aiUsageEvent(w, usageId),
  ];
  for (const event of events) {
    const response = await send(serialise(event), w.serviceToken.token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(OK_ONE);
  }
  expect(await activityIds(w)).toEqual([events[0]!.id]);
  expect(await executionIds(w)).toEqual([executionId]);
  expect(await aiUsages(w)).toMatchObject([{ id: usageId, cost: 0.25, status: 'completed' }]);
  return { w, events };
}

describe('binary content mode (the SDK default)', () => {
  it('records every event type sent with HTTP.binary; a resend is a duplicate', async () => {
    const message = HTTP.binary(new CloudEvent({ type: 't', source: 's', data: { a: 1 } }));
    // What the SDK sends: attributes in ce-* headers, data as the body.
    expect(message.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'ce-specversion': '1.0',
      'ce-type': 't',
      'ce-source': 's',
    });
    expect(message.body).toBe('{"a":1}');

    const { w, events } = await roundTrip((event) => HTTP.binary(event));
    for (const event of events) {
      const again = await send(HTTP.binary(event), w.serviceToken.token);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    }
    // The same event in structured mode is the same (source, id): a duplicate too.
    const structured = await send(HTTP.structured(events[0]!), w.serviceToken.token);
    expect(structured.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await activityIds(w)).toEqual([events[0]!.id]);
  });

  it('percent-decodes header values and unquotes quoted strings (binding §3.1.3.2)', async () => {
    const w = await numericWorld(f);
    const event = activityEvent(w, 'pct-1');
    const message = HTTP.binary(event);
    const headers = {
      ...(message.headers as Record<string, string>),
      // "Euro € 😀" as the binding encodes it, and an id needlessly encoded and quoted.
      'ce-source': 'Euro%20%E2%82%AC%20%F0%9F%98%80',
      'ce-id': '"pct%2d1"',
      // Extensions are accepted and ignored; headers that are no attribute names too.
      'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'ce-my-extension': 'z',
      'ce-__proto__': 'x',
    };
    const response = await sendRaw(headers, message.body as string, w.serviceToken.token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(OK_ONE);
    // Stored under the decoded (source, id): the structured form of the same event is a duplicate.
    // (Not a URI reference, so the SDK builds it only unvalidated; Tally takes any string.)
    const same = new CloudEvent({ ...event, source: 'Euro € 😀' }, false);
    const again = await send(HTTP.structured(same), w.serviceToken.token);
    expect(again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await activityIds(w)).toEqual(['pct-1']);

    const overlong = await sendRaw(
      { ...headers, 'ce-id': 'pct-2', 'ce-source': 'bad%C0%A0' },
      message.body as string,
      w.serviceToken.token,
    );
    expectRejected(overlong, 'The event was rejected; see errors', [
      {
        pointer: '#/header/ce-source',
        detail: 'must be percent-encoded UTF-8 (CloudEvents HTTP binding §3.1.3.2)',
      },
    ]);
  });

  it('reads a gzip body, under the same limits as the other modes', async () => {
    const w = await numericWorld(f);
    const message = HTTP.binary(activityEvent(w, 'gz-1'));
    const response = await send(
      { headers: message.headers, body: gzipSync(message.body as string) },
      w.serviceToken.token,
      { 'content-encoding': 'gzip' },
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(OK_ONE);
    const big = HTTP.binary(activityEvent(w, 'big', { metadata: { blob: 'x'.repeat(6 * 1024 * 1024) } }));
    const tooBig = await send(big, w.serviceToken.token);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.headers['content-type']).toBe(PROBLEM);
    expect(await activityIds(w)).toEqual(['gz-1']);
  });

  it('answers an invalid event with a 400 problem naming each error, in headers and body', async () => {
    const w = await numericWorld(f);
    const event = activityEvent(w, 'bad-1', { status_code: 'two hundred', duration_ms: -1 });
    const response = await send(HTTP.binary(event), w.serviceToken.token);
    expectRejected(response, 'The event "bad-1" was rejected; see errors', [
      { pointer: '#/status_code', detail: 'must be a number' },
      { pointer: '#/duration_ms', detail: 'must be ≥ 0' },
    ]);

    const ghost = activityEvent(w, 'ghost-1', { workspace_id: 'ghost-workspace' });
    const unknownWorkspace = await send(HTTP.binary(ghost), w.serviceToken.token);
    expect(unknownWorkspace.statusCode).toBe(400);
    expect(unknownWorkspace.json().errors).toEqual([
      { pointer: '#/workspace_id', detail: `no workspace "ghost-workspace" in org "${w.org.id}"` },
    ]);

    const unknownType = new CloudEvent({ ...activityEvent(w, 'inv-1'), type: 'invoice.paid' });
    const typed = await send(HTTP.binary(unknownType), w.serviceToken.token);
    expectRejected(typed, 'The event "inv-1" was rejected; see errors', [
      {
        pointer: '#/header/ce-type',
        detail:
          'unknown event type "invoice.paid" (expected one of activity.recorded, execution.recorded, execution.archived, execution.edited, ai_usage.recorded)',
      },
    ]);
    expect(await activityIds(w)).toEqual([]);
  });

  it('names the missing ce- headers, a wrong ce-specversion and a missing body', async () => {
    const w = await numericWorld(f);
    const body = JSON.stringify({ workspace_id: w.workspace.id, status_code: 200 });
    const json = { 'content-type': 'application/json' };
    const missing = await sendRaw({ ...json, 'ce-specversion': '1.0' }, body, w.serviceToken.token);
    expectRejected(missing, 'The event was rejected; see errors', [
      { pointer: '#/header/ce-id', detail: 'is required' },
      { pointer: '#/header/ce-source', detail: 'is required' },
      { pointer: '#/header/ce-type', detail: 'is required' },
    ]);
    const attributes = { 'ce-id': 'e-1', 'ce-source': 's', 'ce-type': 'activity.recorded' };
    const old = await sendRaw(
      { ...json, ...attributes, 'ce-specversion': '0.3' },
      body,
      w.serviceToken.token,
    );
    expect(old.json().errors).toEqual([{ pointer: '#/header/ce-specversion', detail: 'must be "1.0"' }]);
    const empty = await sendRaw(
      { ...json, ...attributes, 'ce-specversion': '1.0' },
      '',
      w.serviceToken.token,
    );
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors).toEqual([{ pointer: '#', detail: 'is required' }]);
    const array = await sendRaw(
      { ...json, ...attributes, 'ce-specversion': '1.0' },
      '[1]',
      w.serviceToken.token,
    );
    expect(array.json().errors).toEqual([{ pointer: '#', detail: 'must be an object' }]);
    const contentTypeHeader = await sendRaw(
      { ...json, ...attributes, 'ce-specversion': '1.0', 'ce-datacontenttype': 'application/json' },
      body,
      w.serviceToken.token,
    );
    expect(contentTypeHeader.statusCode).toBe(400);
    expect(contentTypeHeader.json().errors).toEqual([
      {
        pointer: '#/header/ce-datacontenttype',
        detail: 'must not be sent: in binary mode the Content-Type header is datacontenttype',
      },
    ]);
    expect(await activityIds(w)).toEqual([]);
  });

  it('answers a body that is not JSON with a clear 400, and data of another type with a 415', async () => {
    const w = await numericWorld(f);
    const message = HTTP.binary(activityEvent(w, 'nj-1'));
    const malformed = await send(
      { headers: message.headers, body: '{"workspace_id": ' },
      w.serviceToken.token,
    );
    expectRejected(
      malformed,
      "The body is not valid JSON: in binary mode the body is the event's data, read as JSON",
      [{ pointer: '#', detail: 'is not valid JSON' }],
    );
    const text = await send(
      { headers: { ...message.headers, 'content-type': 'text/plain' }, body: 'hello' },
      w.serviceToken.token,
    );
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toBe(PROBLEM);
    expect(text.json()).toEqual({
      type: 'about:blank',
      title: 'Unsupported Media Type',
      status: 415,
      detail:
        'In binary mode the body is the event\'s data, which Tally reads as JSON: send Content-Type application/json (got "text/plain")',
    });
    expect(await activityIds(w)).toEqual([]);
  });
});

describe('structured content mode', () => {
  it('records every event type sent with HTTP.structured', async () => {
    const message = HTTP.structured(new CloudEvent({ type: 't', source: 's', data: { a: 1 } }));
    expect(message.headers).toEqual({ 'content-type': 'application/cloudevents+json; charset=utf-8' });
    await roundTrip((event) => HTTP.structured(event));
  });

  it('answers an invalid event with a 400 problem naming each error', async () => {
    const w = await numericWorld(f);
    const event = new CloudEvent({ ...aiUsageEvent(w, 'u-bad'), id: 'bad-usage' });
    const bad = new CloudEvent({
      ...event,
      data: { ...(event.data as object), toolType: 'video', status: 'done', cost: -1 },
    });
    const response = await send(HTTP.structured(bad), w.serviceToken.token);
    expectRejected(response, 'The event "bad-usage" was rejected; see errors', [
      {
        pointer: '#/data/toolType',
        detail: 'must be one of product-marketing-post, image-generation, session-summary, other',
      },
      { pointer: '#/data/status', detail: 'must be one of pending, completed, failed' },
      { pointer: '#/data/cost', detail: 'must be ≥ 0' },
    ]);
    // One event as plain application/json is one event too.
    const plain = await sendRaw(
      { 'content-type': 'application/json' },
      JSON.stringify({ specversion: '1.0', source: 's', type: 'activity.recorded', data: {} }),
      w.serviceToken.token,
    );
    expect(plain.statusCode).toBe(400);
    expect(plain.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The event was rejected; see errors',
      errors: [{ pointer: '#/id', detail: 'is required' }],
    });
    expect(await aiUsages(w)).toEqual([]);
  });
});

describe('the SDK emitter against a listening server', () => {
  let url: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    url = `http://127.0.0.1:${address.port}/v1/ingest`;
  });

  it('delivers with its defaults (binary mode) and in structured mode', async () => {
    const w = await numericWorld(f);
    const options = { headers: bearer(w.serviceToken.token) };

    const binary = emitterFor(httpTransport(url));
    const first = activityEvent(w, 'emit-1');
    const answer = (await binary(first, options)) as { body: string; headers: Record<string, string> };
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual(OK_ONE);
    const resent = (await binary(first, options)) as { body: string };
    expect(JSON.parse(resent.body)).toEqual({ accepted: 0, duplicates: 1, rejected: [] });

    const structured = emitterFor(httpTransport(url), { mode: Mode.STRUCTURED });
    const second = (await structured(activityEvent(w, 'emit-2'), options)) as { body: string };
    expect(JSON.parse(second.body)).toEqual(OK_ONE);

    const invalid = (await binary(activityEvent(w, 'emit-3', { status_code: 'no' }), options)) as {
      body: string;
      headers: Record<string, string>;
    };
    expect(invalid.headers['content-type']).toBe(PROBLEM);
    expect(JSON.parse(invalid.body)).toMatchObject({ status: 400, errors: [{ pointer: '#/status_code' }] });
    expect(await activityIds(w)).toEqual(['emit-1', 'emit-2']);
  });

  it('takes raw UTF-8 header bytes and a body without Content-Type over a real connection', async () => {
    const w = await numericWorld(f);
    const event = activityEvent(w, 'raw-1');
    const body = JSON.stringify(event.data);
    // Written on the socket by hand: Node's HTTP client would refuse (or re-encode) the raw bytes.
    const head = [
      'POST /v1/ingest HTTP/1.1',
      `host: ${new URL(url).host}`,
      `authorization: Bearer ${w.serviceToken.token}`,
      'ce-specversion: 1.0',
      'ce-id: raw-1',
      'ce-type: activity.recorded',
      // "Euro €" sent unencoded: its UTF-8 bytes, which Node's parser hands over as latin-1.
      'ce-source: Euro €',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
    ].join('\r\n');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      // Not end(): a half-closed socket may be dropped before the answer; the server closes it.
      socket.write(Buffer.from(`${head}\r\n\r\n${body}`, 'utf8'));
    });
    const answer = {
      status: Number(raw.split(' ')[1]),
      body: raw.slice(raw.indexOf('\r\n\r\n') + 4),
    };
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(OK_ONE);
    const same = new CloudEvent({ ...event, source: 'Euro €' }, false);
    const again = await send(HTTP.structured(same), w.serviceToken.token);
    expect(again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });
});

describe('batched content mode', () => {
  // cloudevents 10.x reads batches (HTTP.toEvent) but has no batch serialiser: the batch is the
  // JSON array of HTTP.structured bodies, sent as application/cloudevents-batch+json.
  function batch(events: CloudEvent<unknown>[]): Message {
    return {
      headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
      body: `[${events.map((event) => HTTP.structured(event).body).join(',')}]`,
    };
  }

  it('records a batch the SDK reads back as its events; 207 names each rejected one', async () => {
    const w = await numericWorld(f);
    const executionId = numericId();
    const usageId = uid('usage');
    const events: CloudEvent<unknown>[] = [
      activityEvent(w, uid('act')),
      executionEvent(w, executionId),
      aiUsageEvent(w, usageId),
    ];
    const message = batch(events);
    expect((HTTP.toEvent(message) as CloudEvent<unknown>[]).map((event) => event.id)).toEqual(
      events.map((event) => event.id),
    );
    const response = await send(message, w.serviceToken.token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    expect(await activityIds(w)).toEqual([events[0]!.id]);
    expect(await executionIds(w)).toEqual([executionId]);
    expect(await aiUsages(w)).toMatchObject([{ id: usageId }]);

    const bad = activityEvent(w, 'bad-in-batch', { status_code: 'no' });
    const mixed = await send(batch([events[0]!, bad]), w.serviceToken.token);
    expect(mixed.statusCode).toBe(207);
    expect(mixed.json()).toEqual({
      accepted: 0,
      duplicates: 1,
      rejected: [{ index: 1, id: 'bad-in-batch', errors: ['data.status_code: must be a number'] }],
    });
    // A batch of one rejected event is still a batch: 207.
    const alone = await send(batch([bad]), w.serviceToken.token);
    expect(alone.statusCode).toBe(207);
  });
});

it('documents the 400 problem document in /openapi.json', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const answer = doc.paths['/v1/ingest'].post.responses['400'];
  const schema = answer.content['application/problem+json'].schema;
  expect(schema.required).toEqual(['type', 'title', 'status', 'detail']);
  expect(schema.properties.errors.items.required).toEqual(['pointer', 'detail']);
});
