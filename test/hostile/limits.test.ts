// The URL, query and header limits (src/http/limits.ts, docs/limits.md), each at its boundary and
// answered in every surface's own format, and what the router refuses before any route is known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  MAX_HEADER_COUNT,
  MAX_QUERY_PARAMETERS,
  MAX_URL_BYTES,
} from '../../src/http/limits.js';
import { bearer } from '../helpers/test-app.js';
import type { SentRequest } from './expectations.js';
import {
  expectAnswer as expectWorldAnswer,
  type HostileWorld,
  hostileWorld,
  injectRequest,
  requestsSent,
} from './harness.js';
import type { Surface } from './route-catalogue.js';

let world: HostileWorld;
let token: string;
beforeAll(async () => {
  world = await hostileWorld();
  token = world.tokens[1]!;
});
afterAll(async () => {
  console.info(`hostile inputs (URL, query and header limits): ${requestsSent()} requests`);
  await world?.t.close();
});

/** One route of each surface, to show every limit is answered in every surface's format. */
const SURFACE_URLS: [Surface, () => string, string][] = [
  ['activity', () => `/v1/orgs/${world.orgId}/activity`, 'GET'],
  ['usage-history', () => '/workspaces/usage', 'GET'],
  ['ai-usages', () => `/api/v1/workspace/${world.uuidWorkspaceId}/ai/usages`, 'GET'],
  ['workspace', () => `/api/v1/workspaces/${world.uuidWorkspaceId}`, 'GET'],
  ['admin', () => `/v1/admin/orgs/${world.orgId}/tokens`, 'GET'],
  ['ingestion', () => '/v1/ingest', 'POST'],
  ['infra', () => '/healthz', 'GET'],
  ['schemas', () => '/schemas/events/envelope.json', 'GET'],
];

const send = (request: SentRequest) => injectRequest(world, request);
const expectAnswer = (surface: Surface, request: SentRequest, status: number) =>
  expectWorldAnswer(world, surface, request, status);

function withQuery(path: string, bytes: number): string {
  const head = `${path}?pad=`;
  return head + 'p'.repeat(bytes - head.length);
}

describe('URL, query and header limits, in every surface', () => {
  it.each(
    SURFACE_URLS,
  )('%s: a URL over the limit is a 414, one at the limit is not', async (surface, path, method) => {
    const headers = { ...bearer(token), 'x-workspace-id': world.numericWorkspaceId };
    await expectAnswer(surface, { method, url: withQuery(path(), MAX_URL_BYTES + 1), headers }, 414);
    const atLimit = await send({ method, url: withQuery(path(), MAX_URL_BYTES), headers });
    expect(atLimit.statusCode).not.toBe(414);
  });

  it.each(
    SURFACE_URLS,
  )('%s: more query parameters than the limit is a 400', async (surface, path, method) => {
    const headers = { ...bearer(token), 'x-workspace-id': world.numericWorkspaceId };
    const query = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    await expectAnswer(
      surface,
      { method, url: `${path()}?${query(MAX_QUERY_PARAMETERS + 1)}`, headers },
      400,
    );
    const atLimit = await send({ method, url: `${path()}?${query(MAX_QUERY_PARAMETERS)}`, headers });
    expect(atLimit.statusCode).not.toBe(400);
  });

  it.each(
    SURFACE_URLS,
  )('%s: headers over the size or count limit are a 431', async (surface, path, method) => {
    const base = { ...bearer(token), 'x-workspace-id': world.numericWorkspaceId };
    await expectAnswer(
      surface,
      { method, url: path(), headers: { ...base, 'x-padding': 'p'.repeat(MAX_HEADER_BYTES) } },
      431,
    );
    const many = Object.fromEntries(Array.from({ length: MAX_HEADER_COUNT }, (_, i) => [`x-h${i}`, '1']));
    await expectAnswer(surface, { method, url: path(), headers: { ...base, ...many } }, 431);
  });
});

describe('what the router refuses, in the surface of the path', () => {
  const refused: [Surface, (segment: string) => string][] = [
    ['activity', (s) => `/v1/orgs/${s}/activity`],
    ['ai-usages', (s) => `/api/v1/workspace/${s}/ai/usages`],
    ['workspace', (s) => `/api/v1/workspaces/${s}`],
    ['admin', (s) => `/v1/admin/orgs/${s}/tokens`],
  ];

  it.each(
    refused,
  )('%s: a malformed percent-encoding is a 400, an over-long parameter a 414', async (surface, url) => {
    const headers = bearer(token);
    await expectAnswer(surface, { method: 'GET', url: url('%ED%A0%80'), headers }, 400);
    await expectAnswer(surface, { method: 'GET', url: url('%ZZ'), headers }, 400);
    await expectAnswer(surface, { method: 'GET', url: url('x'.repeat(MAX_URL_BYTES + 1)), headers }, 414);
  });

  it('a path parameter longer than an id but within the URL limit reaches validation', async () => {
    const response = await send({
      method: 'GET',
      url: `/api/v1/workspaces/${'x'.repeat(500)}`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'workspace_id'] });
  });
});
