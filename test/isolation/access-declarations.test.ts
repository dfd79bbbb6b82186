// The one place access is decided (src/access): every route the app serves declares what it needs,
// and the declaration is the guard the isolation matrix holds the route to (route-table.ts), so the
// matrix, which calls every route with every credential, tests that one place. A new route that
// declares nothing cannot be registered, and one that answers without a decision is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessKind } from '../../src/access/requirements.js';
import { buildApp, type TallyApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import {
  bearer,
  buildTestApp,
  TEST_ADMIN_TOKEN,
  TEST_SECRET_KEY,
  type TestApp,
} from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { servedRoutes } from './app-routes.js';
import { type Guard, ROUTE_TABLE } from './route-table.js';

/** The declarations each guard of the matrix stands for. */
const KINDS_OF_GUARD: Record<Guard, AccessKind[]> = {
  public: ['public'],
  'activity-org': ['org'],
  'activity-user': ['org-user'],
  'activity-workspace': ['org-workspace'],
  'activity-me': ['org-self'],
  'usage-history': ['workspace-member'],
  'ai-usages': ['workspace'],
  workspace: ['workspace'],
  'admin-org': ['org-admin', 'workspace-admin', 'token-admin'],
  'admin-deployment': ['deployment-admin'],
  ingest: ['own-org-admin'],
  otlp: ['own-org-admin'],
};

describe('the routes of the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('each declare their access, as the guard the isolation matrix holds them to', () => {
    const served = servedRoutes(t.app);
    expect([...t.app.accessTable.keys()].sort()).toEqual(served);
    const declared = served.map((route) => [route, t.app.accessTable.get(route)?.kind]);
    const expected = served.map((route) => {
      const kind = t.app.accessTable.get(route)?.kind;
      const allowed = KINDS_OF_GUARD[ROUTE_TABLE[route]!.guard];
      return [route, kind !== undefined && allowed.includes(kind) ? kind : `one of ${allowed.join(', ')}`];
    });
    expect(declared).toEqual(expected);
  });

  it('are public exactly when they need no token: the probes, the OpenAPI document, the event schemas, the console files', () => {
    const publicRoutes = [...t.app.accessTable].filter(([, access]) => access.kind === 'public');
    expect(publicRoutes.map(([route]) => route).sort()).toEqual([
      'GET /console',
      'GET /console/',
      'GET /console/assets/:file',
      'GET /healthz',
      'GET /openapi.json',
      'GET /readyz',
      'GET /schemas/events',
      'GET /schemas/events/:file',
    ]);
  });
});

describe('a route added to the app', () => {
  let database: TestDatabase;
  let app: TallyApp;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** The real app, not yet ready, so that a test can add a route of its own. */
  async function freshApp(): Promise<TallyApp> {
    await app?.close();
    const config = loadConfig({ TALLY_SECRET_KEY: TEST_SECRET_KEY, TALLY_RATE_LIMIT_RPS: '0' });
    app = await buildApp({
      config,
      database: database.database,
      keyring: buildKeyring(config.secretKey!, config.previousSecretKeys),
      adminTokenHash: hashToken(TEST_ADMIN_TOKEN),
    });
    return app;
  }

  async function registering(add: (app: TallyApp) => void): Promise<void> {
    const fresh = await freshApp();
    add(fresh);
    await fresh.ready();
  }

  it('without an access declaration is refused at registration', async () => {
    await expect(registering((fresh) => fresh.get('/v1/orgs/:org_id/new', async () => ({})))).rejects.toThrow(
      'GET /v1/orgs/:org_id/new declares no access (config.access)',
    );
  });

  it('declared public while it needs a token is refused at registration', async () => {
    await expect(
      registering((fresh) =>
        fresh.get('/v1/orgs/:org_id/new', { config: { access: { kind: 'public' } } }, async () => ({})),
      ),
    ).rejects.toThrow('only the routes without authentication (auth: false) are public');
  });

  it('that answers without deciding its declared access is refused (500), its answer withheld', async () => {
    await registering((fresh) =>
      fresh.get(
        '/v1/orgs/:org_id/undecided',
        { config: { access: { kind: 'org', ability: 'read', org: 'org_id', permission: 'activity:read' } } },
        async () => ({ leaked: 'everything' }),
      ),
    );
    const response = await app.inject({
      method: 'GET',
      url: '/v1/orgs/any-org/undecided',
      headers: bearer(TEST_ADMIN_TOKEN),
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('leaked');
    expect(response.json()).toMatchObject({ error: 'INTERNAL_SERVER_ERROR', status_code: 500 });
  });
});
