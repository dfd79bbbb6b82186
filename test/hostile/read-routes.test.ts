// Property: every read route (and the service's own health and OpenAPI routes), given hostile
// path parameters, query strings and headers with a valid token, answers only a status its
// surface documents, in the surface's error format, without a stack trace or SQL in sight.
// Also home of the coverage check: the routes the app serves are exactly the catalogued ones.
import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/test-app.js';
import { hostileHeaderValue, hostileWireValue, oddQueryPiece, percentEncode } from './arbitraries.js';
import {
  expectStillServing,
  fillPath,
  HostileSender,
  type HostileWorld,
  hostileWorld,
  paramNames,
  printable,
  runs,
} from './harness.js';
import { hostileDates } from './hostile-text.js';
import {
  CATALOGUE,
  type CataloguedRoute,
  DATE_QUERY_PARAMETERS,
  declaredParameters,
  routesOf,
  servedRoutes,
} from './route-catalogue.js';

/** Runs per route: 21 routes × RUNS requests stays well inside the folder's time budget. */
const RUNS = runs(45);

/** Values that pass validation, so that the other parts of a request decide its answer. */
const VALID_QUERY: Record<string, string[]> = {
  limit: ['1', '50', '200'],
  cursor: [''],
  start_time: ['2024-01-01T00:00:00Z', '2026-01-01T00:00:00+02:00'],
  end_time: ['2099-01-01T00:00:00Z'],
  hours: ['1', '168'],
  workspace_id: [],
  user_id: [],
  action: ['create', 'read'],
  status: ['success', 'error', 'completed', 'failed'],
  resource_type: ['endpoint'],
  min_duration_ms: ['0', '5'],
  max_duration_ms: ['1000'],
  range: ['1d', '7d', '30d'],
  start_date: ['2026-01-01'],
  end_date: ['2026-01-31'],
  type: ['all', 'chat', 'image'],
  page: ['1', '2'],
  per_page: ['1', '100'],
  offset: ['0', '10'],
  toolType: ['other', 'image-generation'],
  metric: ['requests', 'avg_duration_ms', 'executions', 'credits', 'ai_tool_usages'],
  bucket: ['hour', 'day'],
  group_by: ['action', 'workspace', 'agent', 'tool_type', 'status'],
  top: ['1', '20'],
  dimension: ['workspaces', 'users', 'endpoints', 'agents'],
};

let world: HostileWorld;
let sender: HostileSender;
let declared: Awaited<ReturnType<typeof declaredParameters>>;

beforeAll(async () => {
  world = await hostileWorld();
  sender = new HostileSender(world);
  declared = await declaredParameters(world.t.app);
  VALID_QUERY.workspace_id = [world.uuidWorkspaceId];
  VALID_QUERY.user_id = [world.ownerId];
});

afterAll(async () => {
  if (sender) console.info(sender.summary('read routes'));
  await world?.t.close();
});

const keyOf = (keys: string[]) =>
  keys.length === 0
    ? fc.string({ maxLength: 8 }).map(percentEncode)
    : fc.oneof(
        { arbitrary: fc.constantFrom(...keys), weight: 5 },
        { arbitrary: fc.string({ maxLength: 8 }).map(percentEncode), weight: 1 },
      );

function queryString(keys: string[]): fc.Arbitrary<string> {
  const key = keyOf(keys);
  const valid = keys.length
    ? fc
        .constantFrom(...keys)
        .chain((name) =>
          fc
            .constantFrom(...(VALID_QUERY[name]?.length ? VALID_QUERY[name] : ['1']))
            .map((v) => `${name}=${percentEncode(v)}`),
        )
    : fc.constant('');
  const dateKeys = keys.filter((name) => DATE_QUERY_PARAMETERS.has(name));
  const hostileDate = dateKeys.length
    ? fc
        .tuple(fc.constantFrom(...dateKeys), hostileDates)
        .map(([name, value]) => `${name}=${percentEncode(value)}`)
    : fc.constant('');
  const piece = fc.oneof(
    { arbitrary: fc.tuple(key, hostileWireValue).map(([k, v]) => `${k}=${v}`), weight: 6 },
    { arbitrary: hostileDate, weight: dateKeys.length ? 3 : 0 },
    { arbitrary: valid, weight: 3 },
    {
      arbitrary: fc.tuple(key, hostileWireValue, hostileWireValue).map(([k, a, b]) => `${k}=${a}&${k}=${b}`),
      weight: 1,
    },
    { arbitrary: oddQueryPiece, weight: 1 },
  );
  return fc.oneof(
    { arbitrary: fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join('&')), weight: 30 },
    // Past the query-parameter limit: every surface's 400.
    {
      arbitrary: fc
        .integer({ min: 65, max: 300 })
        .map((n) => Array.from({ length: n }, () => 'limit=1').join('&')),
      weight: 1,
    },
  );
}

function pathValue(name: string): fc.Arbitrary<string> {
  const valid = world.validParams[name] ?? 'x';
  return fc.oneof(
    { arbitrary: fc.constant(percentEncode(valid)), weight: 3 },
    // `.` and `..` are dot segments: a URL parser resolves them away, so they name no parameter.
    { arbitrary: hostileWireValue.filter((value) => value !== '.' && value !== '..'), weight: 2 },
  );
}

function readRequest(route: CataloguedRoute) {
  const names = paramNames(route.path);
  const parameters = declared.get(route.key) ?? { query: [], headers: [] };
  const headerValue = fc.oneof(
    { arbitrary: fc.constant(world.numericWorkspaceId), weight: 3 },
    { arbitrary: hostileHeaderValue, weight: 3 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
      path: fc
        .tuple(...names.map(pathValue))
        .map((values) =>
          fillPath(route.path, Object.fromEntries(names.map((name, index) => [name, values[index]!]))),
        ),
      query: queryString(parameters.query),
      token: fc.constantFrom(...world.tokens),
      declaredHeaders: fc.tuple(...parameters.headers.map(() => headerValue)),
      extraHeader: fc.option(
        fc.tuple(
          fc.constantFrom('content-type', 'x-request-id', 'accept', 'accept-encoding', 'cookie', 'range'),
          hostileHeaderValue,
        ),
      ),
      oversizedHeader: fc.oneof(
        { arbitrary: fc.constant(false), weight: 40 },
        { arbitrary: fc.constant(true), weight: 1 },
      ),
    })
    .map((r) => {
      const headers: Record<string, string> = { ...bearer(r.token) };
      parameters.headers.forEach((name, index) => {
        const value = r.declaredHeaders[index];
        if (value !== undefined) headers[name] = value;
      });
      if (r.extraHeader) headers[r.extraHeader[0]] = r.extraHeader[1];
      if (r.oversizedHeader) headers['x-padding'] = 'p'.repeat(17 * 1024);
      return printable({ method: r.method, url: r.query ? `${r.path}?${r.query}` : r.path, headers });
    });
}

describe('route coverage', () => {
  it('the catalogue names every route the app serves, and only those', () => {
    expect(CATALOGUE.map((route) => route.key).sort()).toEqual(servedRoutes(world.t.app));
  });

  it('the route reader sees nested, parameterised and hidden routes', async () => {
    const probe = Fastify();
    const handler = async () => ({});
    probe.get('/a', handler);
    probe.get('/a/:id/b', handler);
    probe.post('/a/:id/b', handler);
    probe.get('/a/:id/b/c', handler);
    probe.delete('/z', { schema: { hide: true } }, handler);
    await probe.ready();
    expect(servedRoutes(probe)).toEqual([
      'DELETE /z',
      'GET /a',
      'GET /a/:id/b',
      'GET /a/:id/b/c',
      'POST /a/:id/b',
    ]);
    await probe.close();
  });
});

describe('hostile input on read routes', () => {
  for (const route of routesOf('read')) {
    it(`${route.key} answers only its documented statuses`, async () => {
      await fc.assert(
        fc.asyncProperty(readRequest(route), async (request) => {
          await sender.send(route, request);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('still serves ordinary requests afterwards', async () => {
    await expectStillServing(world);
  });
});
