// The body limits (src/http/limits.ts, docs/limits.md) at their boundaries, and regressions for
// what the hostile-input properties found: deep JSON and lone surrogates were 500s, and a hostile
// path parameter could stop self-recording.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_RAW_BODY_LIMIT, JSON_BODY_LIMIT, MAX_JSON_DEPTH } from '../../src/http/limits.js';
import { bearer } from '../helpers/test-app.js';
import type { SentRequest } from './expectations.js';
import {
  expectAnswer as expectWorldAnswer,
  type HostileWorld,
  hostileWorld,
  injectRequest,
  requestsSent,
} from './harness.js';
import { nested, toJsonText } from './json-arbitraries.js';
import type { Surface } from './route-catalogue.js';

let world: HostileWorld;
let token: string;
beforeAll(async () => {
  world = await hostileWorld();
  token = world.tokens[1]!;
});
afterAll(async () => {
  console.info(`hostile inputs (body limits and regressions): ${requestsSent()} requests`);
  await world?.t.close();
});

const send = (request: SentRequest) => injectRequest(world, request);
const expectAnswer = (surface: Surface, request: SentRequest, status: number) =>
  expectWorldAnswer(world, surface, request, status);

describe('body limits', () => {
  const adminUrl = () => `/v1/admin/orgs/${world.orgId}/workspaces/${world.uuidWorkspaceId}`;
  const json = () => ({ ...bearer(token), 'content-type': 'application/json' });
  const workspace = (settings: unknown) => toJsonText({ name: 'W', owner_user_id: world.ownerId, settings });

  it('an administration body over 1 MiB is a 413; one not JSON is a 415', async () => {
    const payload = workspace({ pad: 'p'.repeat(JSON_BODY_LIMIT) });
    await expectAnswer('admin', { method: 'PUT', url: adminUrl(), headers: json(), payload }, 413);
    const text = { ...bearer(token), 'content-type': 'text/plain' };
    await expectAnswer(
      'admin',
      { method: 'PUT', url: adminUrl(), headers: text, payload: workspace({}) },
      415,
    );
  });

  it('ingestion over its wire size, decoded size (gzip bomb) or event count is a 413', async () => {
    const headers = { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' };
    const big = `["${'p'.repeat(INGEST_RAW_BODY_LIMIT)}"]`;
    await expectAnswer('ingestion', { method: 'POST', url: '/v1/ingest', headers, payload: big }, 413);
    const bomb = gzipSync(Buffer.alloc(6 * 1024 * 1024, 0x20));
    const gzip = { ...headers, 'content-encoding': 'gzip' };
    await expectAnswer('ingestion', { method: 'POST', url: '/v1/ingest', headers: gzip, payload: bomb }, 413);
    await expectAnswer(
      'ingestion',
      { method: 'POST', url: '/v1/ingest', headers, payload: toJsonText(Array(5_001).fill({})) },
      413,
    );
  });

  it(`JSON nested up to ${MAX_JSON_DEPTH} levels is accepted; deeper is a 422 naming the place`, async () => {
    // The body is level 1 and settings level 2, so settings may hold 63 more levels.
    const ok = await send({
      method: 'PUT',
      url: adminUrl(),
      headers: json(),
      payload: workspace(nested(63, 'object')),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const deep = await expectAnswer(
      'admin',
      { method: 'PUT', url: adminUrl(), headers: json(), payload: workspace(nested(64, 'object')) },
      422,
    );
    expect(deep.json().errors).toEqual([
      {
        pointer: `#/settings${'/a'.repeat(63)}`,
        detail: `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
      },
    ]);
  });

  it('regression: JSON nested 100,000 levels deep is a 422, not a 500 (stack overflow)', async () => {
    const payload = `{"name":"W","owner_user_id":"${world.ownerId}","settings":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await expectAnswer('admin', { method: 'PUT', url: adminUrl(), headers: json(), payload }, 422);
  });

  it('regression: a lone surrogate in a JSON field is a 422, not a 500 (PostgreSQL json refuses it)', async () => {
    const payload = `{"name":"W","owner_user_id":"${world.ownerId}","settings":{"\\ud800":"x"}}`;
    const response = await expectAnswer(
      'admin',
      { method: 'PUT', url: adminUrl(), headers: json(), payload },
      422,
    );
    expect(response.json().errors[0].pointer).toBe('#/settings/\ud800');
  });
});

describe('regressions in ingestion: the bad event alone is rejected', () => {
  const post = (data: string) =>
    send({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(token), 'content-type': 'application/cloudevents+json' },
      payload: `{"specversion":"1.0","id":"r-${Math.random()}","source":"s","type":"activity.recorded","data":${data}}`,
    });
  const activity = (metadata: string) =>
    `{"workspace_id":"${world.uuidWorkspaceId}","status_code":200,"metadata":${metadata}}`;

  it.each([
    [
      'nested 100,000 levels',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `event: must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    ],
    [
      'nested one level too deep',
      toJsonText(nested(63, 'object')),
      `event: must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    ],
    [
      'with a lone surrogate',
      '{"note":"\\udc00"}',
      'event: strings must be well-formed Unicode (no lone UTF-16 surrogates)',
    ],
  ])('an event %s is a 400 rejection of that event, not a 500', async (_label, metadata, error) => {
    const response = await post(activity(metadata));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors).toEqual([{ pointer: '#', detail: error.replace(/^event: /, '') }]);
  });

  it(`an event nested exactly ${MAX_JSON_DEPTH} levels is accepted`, async () => {
    const response = await post(activity(toJsonText(nested(62, 'object'))));
    expect(response.statusCode, response.body).toBe(200);
  });

  // In a batch the depth walk runs only when the scan of the body's bytes finds an event nesting
  // past the limit (src/ingest/body.ts): the same events, between two good ones, answer the same.
  const postBatch = (metadata: string) => {
    const event = (id: string, data: string) =>
      `{"specversion":"1.0","id":"${id}","source":"s","type":"activity.recorded","data":${data}}`;
    const run = Math.random();
    return send({
      method: 'POST',
      url: '/v1/ingest',
      headers: { ...bearer(token), 'content-type': 'application/cloudevents-batch+json' },
      payload: `[${event(`a-${run}`, activity('{}'))}, ${event(`b-${run}`, activity(metadata))},${event(`c-${run}`, activity('{"note":"[[[[\\""}'))}]`,
    }).then((response) => ({ response, id: `b-${run}` }));
  };

  it.each([
    ['nested 100,000 levels', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['nested one level too deep', toJsonText(nested(63, 'object'))],
    ['nested one level too deep in arrays', toJsonText(nested(63, 'array'))],
  ])("in a batch, an event %s is that event's rejection alone", async (_label, metadata) => {
    const { response, id } = await postBatch(metadata);
    expect(response.statusCode, response.body).toBe(207);
    expect(response.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [{ index: 1, id, errors: [`event: must not nest deeper than ${MAX_JSON_DEPTH} levels`] }],
    });
  });

  it(`in a batch, an event nested exactly ${MAX_JSON_DEPTH} levels is accepted`, async () => {
    for (const metadata of [nested(62, 'object'), { a: nested(61, 'array') }]) {
      const { response } = await postBatch(toJsonText(metadata));
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    }
  });
});

describe('regression: self-recording survives hostile path parameters', () => {
  it('a refused request naming a NUL or kilobytes-long id does not block later records', async () => {
    const headers = bearer(token);
    // Both are answered (422 and an empty listing); each is recorded, and used to carry its
    // parameter into an indexed column, failing the recorder's batch insert again and again.
    await send({ method: 'GET', url: `/v1/orgs/${world.orgId}/users/a%00b/activity`, headers });
    await send({
      method: 'GET',
      url: `/v1/orgs/${world.orgId}/workspaces/${world.uuidWorkspaceId}/apps/${'a'.repeat(4000)}/activity`,
      headers,
    });
    const traceId = `after-hostile-${Date.now()}`;
    const later = await send({
      method: 'GET',
      url: `/v1/orgs/${world.orgId}/activity?limit=1`,
      headers: { ...headers, 'x-request-id': traceId },
    });
    expect(later.statusCode).toBe(200);
    await world.t.app.recorder.flush();
    const recorded = await world.t.db
      .selectFrom('activities')
      .select('trace_id')
      .where('trace_id', '=', traceId)
      .execute();
    expect(recorded).toHaveLength(1);
  });
});
