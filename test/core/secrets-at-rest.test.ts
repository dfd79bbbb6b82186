// No table holds a token secret, the admin token, an integration secret or a secret key in plain
// text (nor their random part, base64, hex…), after a scenario through every route that handles a
// secret: token creation of every kind, integration put/replace/delete, key rotation, ingestion,
// every read surface, and failed authentications with tokens shaped like real ones.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens.js';
import { resolveAdminToken } from '../../src/bootstrap.js';
import { runAdmin } from '../../src/cli/admin.js';
import { runRotateSecretKey } from '../../src/cli/rotate-secret-key.js';
import { loadConfig } from '../../src/config.js';
import { rotateIntegrationSecrets } from '../../src/ledger/workspaces/rotate-secrets.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { captureOutput } from '../helpers/capture.js';
import { Factory, numericId, registerSecret, uid, uuid } from '../helpers/factories.js';
import { findNeedles, needlesOf, type RegisteredSecret } from '../helpers/log-scan.js';
import { bearer, buildTestApp, TEST_SECRET_KEY, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const NEW_SECRET_KEY = `rotated-key-${randomBytes(24).toString('base64url')}`;

/** Every row of every table of every schema the migrations made; bytea as hex, UTF-8, Latin-1, base64. */
async function dumpEverything(): Promise<{ tables: string[]; text: string }> {
  const tables = await sql<{ table_schema: string; table_name: string }>`
    SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
       AND table_schema NOT LIKE 'pg\\_%' ORDER BY 1, 2`.execute(t.db);
  const parts: string[] = [];
  const bytes = (value: Uint8Array) =>
    (['hex', 'utf8', 'latin1', 'base64'] as const).map((encoding) => Buffer.from(value).toString(encoding));
  for (const { table_schema, table_name } of tables.rows) {
    const rows = await sql<
      Record<string, unknown>
    >`SELECT * FROM ${sql.table(`${table_schema}.${table_name}`)}`.execute(t.db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) parts.push(...bytes(value));
        else parts.push(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }
  }
  return { tables: tables.rows.map((row) => row.table_name), text: parts.join('\n') };
}

function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, extra: object = {}) {
  return t.app.inject({ method, url, headers: bearer(token), ...extra });
}

const secrets: RegisteredSecret[] = [];
const keep = (value: string, kind: RegisteredSecret['kind']) => {
  registerSecret(value, kind);
  secrets.push({ kind, value });
  return value;
};

it('stores no secret in plain text anywhere, and activity names tokens only by id', async () => {
  const w = await f.world({ workspaceId: uuid() });
  const usageWorkspace = await f.workspace(w.org.id, { id: numericId(), ownerId: w.owner.id });
  const member = await f.user(w.org.id, { role: 'member' });
  keep(t.adminToken, 'admin token');
  keep(TEST_SECRET_KEY, 'secret key');
  keep(NEW_SECRET_KEY, 'secret key');
  const tokens = [w.ownerToken, w.serviceToken];

  // Tokens of every kind, created by the deployment admin, an org owner and a service token.
  const createToken = async (by: string, body: object) => {
    const response = await call('POST', `/v1/admin/orgs/${w.org.id}/tokens`, by, { payload: body });
    expect(response.statusCode, response.body).toBe(201);
    tokens.push({ id: response.json().id, token: response.json().token });
    return tokens.at(-1)!;
  };
  await createToken(w.ownerToken.token, { name: 'member', user_id: member.id, abilities: ['read'] });
  await createToken(w.serviceToken.token, { name: 'service', abilities: ['ingest', 'read'] });
  const expiring = await createToken(t.adminToken, {
    name: 'expiring',
    user_id: w.owner.id,
    abilities: ['*'],
    expires_at: new Date(Date.now() + 60_000).toISOString(),
  });
  const revoked = await createToken(t.adminToken, { name: 'revoked', abilities: ['read'] });
  expect((await call('DELETE', `/v1/admin/tokens/${revoked.id}`, w.ownerToken.token)).statusCode).toBe(204);

  // Integration secrets: created, replaced (the platform rotated it), deleted, by each caller kind.
  const integrations = `/v1/admin/workspaces/${w.workspace.id}/integrations`;
  for (const [provider, by] of [
    ['stripe', w.serviceToken.token],
    ['hubspot', w.ownerToken.token],
    ['slack', t.adminToken],
  ] as const) {
    keep((await f.integration(w.workspace.id, provider, undefined, by)).secret, 'integration secret');
  }
  keep((await f.integration(w.workspace.id, 'stripe')).secret, 'integration secret');
  expect((await call('DELETE', `${integrations}/slack`, w.serviceToken.token)).statusCode).toBe(204);

  // Ingestion by an org token and by the deployment admin, then one read per surface.
  const activity = (orgId?: string) => ({
    specversion: '1.0',
    id: uid('evt'),
    source: 'platform/api',
    type: 'activity.recorded',
    data: {
      workspace_id: w.workspace.id,
      method: 'GET',
      path: '/x',
      status_code: 200,
      ...(orgId ? { org_id: orgId } : {}),
    },
  });
  await f.ingest(w.serviceToken.token, [activity()]);
  await f.ingest(t.adminToken, [activity(w.org.id)]);
  for (const [url, headers] of [
    [`/v1/orgs/${w.org.id}/activity`, {}],
    ['/workspaces/usage', { 'x-workspace-id': usageWorkspace.id }],
    [`/api/v1/workspace/${w.workspace.id}/ai/usages`, {}],
    [`/api/v1/workspaces/${w.workspace.id}`, {}],
  ] as const) {
    const response = await t.app.inject({ url, headers: { ...bearer(w.ownerToken.token), ...headers } });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  }

  // Failed authentications with tokens that look real: each is a 401 and leaves nothing behind.
  const [idHex, secretPart] = [w.serviceToken.token.slice(4, 36), w.serviceToken.token.slice(37)];
  const forged = [
    `tly_${idHex}_${randomBytes(32).toString('base64url')}`, // a real id, a wrong secret
    `tly_${randomBytes(16).toString('hex')}_${secretPart}`, // a real secret under another id
    `tly_admin_${randomBytes(32).toString('base64url')}`,
    `${w.ownerToken.token.slice(0, -1)}${w.ownerToken.token.endsWith('A') ? 'B' : 'A'}`,
  ];
  for (const token of [...forged.map((value) => keep(value, 'presented token')), revoked.token]) {
    expect((await call('GET', `/v1/orgs/${w.org.id}/activity`, token)).statusCode).toBe(401);
    expect((await call('POST', '/v1/ingest', token, { payload: [] })).statusCode).toBe(401);
  }
  t.clock.pinned = new Date(Date.now() + 120_000);
  expect((await call('GET', `/v1/orgs/${w.org.id}/activity`, expiring.token)).statusCode).toBe(401);
  t.clock.pinned = null;

  // The secret key rotates and a deployment without TALLY_ADMIN_TOKEN generates its admin token:
  // through `tally admin` where a second process can reach the database, else the functions it runs.
  if (t.testDatabase.url) {
    const env = { DATABASE_URL: t.testDatabase.url, TALLY_SECRET_KEY: NEW_SECRET_KEY, LOG_LEVEL: 'silent' };
    const rotation = await captureOutput(() =>
      runRotateSecretKey(loadConfig({ ...env, TALLY_PREVIOUS_SECRET_KEYS: TEST_SECRET_KEY })),
    );
    expect(rotation.code, rotation.err).toBe(0);
    keep(/(tly_admin_[A-Za-z0-9_-]{43})/.exec(rotation.err)![1]!, 'admin token');
    const created = await captureOutput(() =>
      runAdmin(loadConfig(env), ['create-token', '--org', w.org.id, '--name', 'cli', '--abilities', 'read']),
    );
    expect(created.code, created.err).toBe(0);
    tokens.push({ id: JSON.parse(created.out).id, token: JSON.parse(created.out).token });
  } else {
    keep((await resolveAdminToken(t.db, loadConfig({ LOG_LEVEL: 'silent' }))).generated!, 'admin token');
    const result = await rotateIntegrationSecrets(t.db, buildKeyring(NEW_SECRET_KEY, [TEST_SECRET_KEY]));
    expect(result).toMatchObject({ failed: 0, rotated: 2 }); // stripe and hubspot; slack was deleted
  }
  for (const { token } of tokens) keep(token, 'token secret');
  await t.app.recorder.flush();
  await t.app.deps.authenticator.flushLastUsed();

  const dump = await dumpEverything();
  expect(dump.tables).toEqual(
    expect.arrayContaining(['activities', 'activity_rollups', 'api_tokens', 'deployment_settings']),
  );
  // The dump does read the tables: the ids and the hashes that stand for the secrets are there.
  for (const { id, token } of tokens) {
    expect(dump.text).toContain(id);
    expect(dump.text).toContain(hashToken(token).toString('hex'));
  }
  const leaks = findNeedles(Buffer.from(dump.text), secrets.flatMap(needlesOf));
  expect(leaks.map(({ needle }) => `${needle.kind} (${needle.form})`)).toEqual([]);

  // Self-recorded activity names the caller's token by id, never by its secret.
  const recorded = await t.db
    .selectFrom('activities')
    .select(['token_id', 'token_type', 'principal_id'])
    .where('org_id', '=', w.org.id)
    .where('metadata', 'is not', null)
    .execute();
  const tokenIds = new Set(tokens.map(({ id }) => id));
  expect(recorded.length).toBeGreaterThan(10);
  for (const row of recorded) {
    if (row.token_type === 'deployment_admin') expect(row.token_id).toBeNull();
    else expect(tokenIds.has(row.token_id!), `token_id ${row.token_id}`).toBe(true);
  }
  const used = new Set(recorded.map((row) => row.token_id));
  for (const token of [w.ownerToken, w.serviceToken]) expect(used.has(token.id)).toBe(true);
});
