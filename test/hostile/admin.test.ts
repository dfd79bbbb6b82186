// Property: every administration route, given hostile path parameters and bodies (fields of the
// wrong type or hostile value, missing and unknown fields, broken JSON, gzip, wrong content types,
// oversized and deeply nested bodies), answers only its documented statuses, in problem+json.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer } from '../helpers/test-app.js';
import { hostileWireValue, percentEncode } from './arbitraries.js';
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
import { hostileDates, hostileText } from './hostile-text.js';
import {
  brokenJson,
  contentEncodings,
  contentTypes,
  hostileJson,
  mutated,
  nested,
  toJsonText,
} from './json-arbitraries.js';
import { type CataloguedRoute, DATE_BODY_FIELDS, routesOf } from './route-catalogue.js';

const RUNS = runs(40);

let world: HostileWorld;
let sender: HostileSender;
let sequence = 0;

beforeAll(async () => {
  world = await hostileWorld();
  sender = new HostileSender(world);
  // Upserts aimed at the owner could demote it mid-run; a user of its own takes those.
  const target = await new Factory(world.t).user(world.orgId);
  world.validParams.user_id = target.id;
});

afterAll(async () => {
  if (sender) console.info(sender.summary('administration'));
  await world?.t.close();
});

/** A body each route accepts, the starting point of its hostile variants. */
function validBody(route: CataloguedRoute): Record<string, unknown> | null {
  sequence += 1;
  switch (route.key) {
    case 'POST /v1/admin/orgs':
      return { id: `hostile-org-${sequence}`, name: 'Hostile' };
    case 'PUT /v1/admin/orgs/:org_id/users/:user_id':
      return { email: 'target@example.test', name: 'Target', role: 'member' };
    case 'PUT /v1/admin/orgs/:org_id/workspaces/:workspace_id':
      return {
        name: 'Workspace',
        status: 'active',
        owner_user_id: world.ownerId,
        settings: { theme: 'dark' },
      };
    case 'PUT /v1/admin/orgs/:org_id/agents/:agent_id':
      return { slug: 'writer', name: 'Writer', type: 'chat' };
    case 'POST /v1/admin/orgs/:org_id/tokens':
      return { name: `token-${sequence}`, abilities: ['read'], expires_at: '2099-01-01T00:00:00Z' };
    case 'PUT /v1/admin/workspaces/:workspace_id/members/:user_id':
      return { role: 'staff', permissions: ['activity:read'] };
    case 'PUT /v1/admin/workspaces/:workspace_id/hired-agent':
      return {
        agent_type: 'writer',
        display_name: 'Writer',
        status: 'active',
        tier: 'pro',
        config: { a: 1 },
      };
    case 'PUT /v1/admin/workspaces/:workspace_id/integrations/:provider':
      return { secret: `secret-${randomUUID()}`, status: 'connected' };
    default:
      return null;
  }
}

/**
 * A hostile value for `field`. Integration secrets are registered by the test run's log scan and
 * searched for in every log line, so one must never be text another request sends: secrets are
 * either not strings, shorter than the scan's needles, or end in a uuid.
 */
function hostileField(field: string): fc.Arbitrary<unknown> {
  if (DATE_BODY_FIELDS.has(field)) {
    return fc.oneof({ arbitrary: hostileDates, weight: 3 }, { arbitrary: hostileJson, weight: 1 });
  }
  if (field !== 'secret') return hostileJson;
  return fc.oneof(
    hostileJson.filter((value) => typeof value !== 'string' || value.length < 12),
    hostileText.map((text) => `${text}${randomUUID()}`),
    fc.constant(`${'s'.repeat(17_000)}${randomUUID()}`),
  );
}

function hostileBody(
  route: CataloguedRoute,
): fc.Arbitrary<{ contentType?: string; encoding?: string; payload?: string }> {
  const base = validBody(route);
  if (base === null) {
    return fc.oneof(
      { arbitrary: fc.constant({}), weight: 4 },
      {
        arbitrary: hostileJson.map((value) => ({
          contentType: 'application/json',
          payload: toJsonText(value),
        })),
        weight: 1,
      },
    );
  }
  const faulty = mutated(base, hostileField).map((body) => ({
    contentType: 'application/json',
    payload: toJsonText(body),
  }));
  const text = toJsonText(base);
  return fc.oneof(
    { arbitrary: faulty, weight: 8 },
    {
      arbitrary: hostileJson.map((value) => ({
        contentType: 'application/json',
        payload: toJsonText(value),
      })),
      weight: 1,
    },
    {
      arbitrary: brokenJson(text).map((payload) => ({ contentType: 'application/json', payload })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(contentTypes, fc.option(contentEncodings)).map(([contentType, encoding]) => ({
        contentType,
        ...(encoding ? { encoding } : {}),
        payload: text,
      })),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom(
        {
          contentType: 'application/json',
          payload: toJsonText({ ...base, settings: nested(65, 'object'), config: nested(65, 'array') }),
        },
        { contentType: 'application/json', payload: toJsonText({ ...base, name: 'n'.repeat(1_100_000) }) },
        { contentType: 'application/json' },
      ),
      weight: 1,
    },
  );
}

function adminRequest(route: CataloguedRoute) {
  const names = paramNames(route.path);
  const segment = (name: string) =>
    fc.oneof(
      { arbitrary: fc.constant(percentEncode(world.validParams[name] ?? 'x')), weight: 3 },
      { arbitrary: hostileWireValue.filter((value) => value !== '.' && value !== '..'), weight: 1 },
    );
  return fc
    .record({
      path: fc.tuple(...names.map(segment)),
      body: hostileBody(route),
      token: fc.constantFrom(...world.tokens),
    })
    .map(({ path, body, token }) => {
      const headers: Record<string, string> = { ...bearer(token) };
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      if (body.encoding !== undefined) headers['content-encoding'] = body.encoding;
      const url = fillPath(route.path, Object.fromEntries(names.map((name, index) => [name, path[index]!])));
      return printable({
        method: route.method,
        url,
        headers,
        ...(body.payload !== undefined ? { payload: body.payload } : {}),
      });
    });
}

describe('hostile input on administration routes', () => {
  for (const route of routesOf('admin')) {
    it(`${route.key} answers only its documented statuses`, async () => {
      await fc.assert(
        fc.asyncProperty(adminRequest(route), async (request) => {
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
