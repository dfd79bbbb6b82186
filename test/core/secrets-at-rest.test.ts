// Token secrets and integration secrets never reach the database in plain text.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

/** Every row of every table, as text (bytea as hex and as UTF-8), for searching. */
async function dumpEverything(): Promise<string> {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(
    t.db,
  );
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table_name)}`.execute(t.db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) {
          parts.push(
            Buffer.from(value).toString('hex'),
            Buffer.from(value).toString('utf8'),
            Buffer.from(value).toString('base64'),
          );
        } else {
          parts.push(typeof value === 'string' ? value : JSON.stringify(value));
        }
      }
    }
  }
  return parts.join('\n');
}

it('stores no token secret, admin token or integration secret in plain text', async () => {
  const w = await f.world();
  const integrationSecret = 'sk_live_TOTALLY_SECRET_4242';
  const put = await t.app.inject({
    method: 'PUT',
    url: `/v1/admin/workspaces/${w.workspace.id}/integrations/stripe`,
    headers: bearer(w.serviceToken.token),
    payload: { secret: integrationSecret },
  });
  expect(put.statusCode).toBe(201);
  await t.app.recorder.flush();
  await t.app.deps.authenticator.flushLastUsed();

  const dump = await dumpEverything();
  expect(dump).toContain(w.workspace.id); // the dump does read the tables
  for (const secret of [w.ownerToken.token, w.serviceToken.token, t.adminToken, integrationSecret]) {
    expect(dump).not.toContain(secret);
    // nor the random part on its own
    expect(dump).not.toContain(secret.slice(-24));
  }
});
