// Integration secrets: encrypted at rest (no table holds a plaintext secret), readable by status
// whatever key sealed them, and re-encrypted under the current key by `tally admin rotate-secret-key`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type TallyApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { prepareDeployment } from '../../src/bootstrap.js';
import { runAdmin } from '../../src/cli/admin.js';
import { runRotateSecretKey } from '../../src/cli/rotate-secret-key.js';
import { loadConfig } from '../../src/config.js';
import { createOrg } from '../../src/ledger/orgs/orgs.js';
import { upsertUser } from '../../src/ledger/orgs/users.js';
import { putIntegration, readIntegrationSecret } from '../../src/ledger/workspaces/integrations.js';
import {
  type RotationProgress,
  rotateIntegrationSecrets,
} from '../../src/ledger/workspaces/rotate-secrets.js';
import { upsertWorkspace } from '../../src/ledger/workspaces/workspaces.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { Factory, uid, uuid } from '../helpers/factories.js';
import {
  bearer,
  buildTestApp,
  TEST_ADMIN_TOKEN,
  TEST_SECRET_KEY,
  type TestApp,
} from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const NEW_SECRET_KEY = 'rotated-secret-key-abcdefghijklmnopqrstuvwxyz-0123456789';
const OTHER_SECRET_KEY = 'unrelated-secret-key-abcdefghijklmnopqrstuvwxyz-0123456';

async function putSecret(workspaceId: string, provider: string, secret: string) {
  const response = await t.app.inject({
    method: 'PUT',
    url: `/v1/admin/workspaces/${workspaceId}/integrations/${provider}`,
    headers: bearer(t.adminToken),
    payload: { secret },
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  expect(response.body).not.toContain(secret);
}

async function rowsOf(workspaceId: string) {
  return t.db
    .selectFrom('integration_credentials')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('provider')
    .execute();
}

/** Every row of every table of the ledger, with binary columns in hex, UTF-8 and Latin-1. */
async function dumpAllTables(): Promise<{ tables: string[]; text: string }> {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(t.db);
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table_name)}`.execute(t.db);
    parts.push(
      JSON.stringify(rows.rows, (_key, value) => {
        if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
          const bytes = Buffer.from((value as { data: number[] }).data);
          return [bytes.toString('hex'), bytes.toString('utf8'), bytes.toString('latin1')];
        }
        if (value instanceof Uint8Array) {
          const bytes = Buffer.from(value);
          return [bytes.toString('hex'), bytes.toString('utf8'), bytes.toString('latin1')];
        }
        return value;
      }),
    );
  }
  return { tables: tables.rows.map((row) => row.table_name), text: parts.join('\n') };
}

describe('secrets at rest', () => {
  it('no table holds a plaintext integration secret', async () => {
    const w = await f.world({ workspaceId: uuid() });
    const secrets = {
      stripe: `sk_live_${uid('stripe')}_${'S'.repeat(24)}`,
      hubspot: `pat-${uid('hubspot')}`,
      slack: `xoxb-${uid('slack')}-${uid('slack')}`,
    };
    for (const [provider, secret] of Object.entries(secrets))
      await putSecret(w.workspace.id, provider, secret);
    // Replaced and deleted secrets leave nothing behind either.
    const replaced = `replaced-${uid('secret')}`;
    await putSecret(w.workspace.id, 'zapier', replaced);
    await putSecret(w.workspace.id, 'zapier', `now-${uid('secret')}`);
    const deleted = `deleted-${uid('secret')}`;
    await putSecret(w.workspace.id, 'notion', deleted);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/admin/workspaces/${w.workspace.id}/integrations/notion`,
      headers: bearer(t.adminToken),
    });
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workspaces/${w.workspace.id}`,
      headers: bearer(w.ownerToken.token),
    });
    expect(read.statusCode).toBe(200);
    await t.app.recorder.flush();

    const dump = await dumpAllTables();
    expect(dump.tables).toEqual(
      expect.arrayContaining(['integration_credentials', 'activities', 'workspaces']),
    );
    for (const secret of [...Object.values(secrets), replaced, deleted]) {
      expect(dump.text).not.toContain(secret);
      expect(dump.text).not.toContain(Buffer.from(secret).toString('hex'));
      expect(read.body).not.toContain(secret);
    }
    const rows = await rowsOf(w.workspace.id);
    const keyring = buildKeyring(TEST_SECRET_KEY);
    for (const row of rows) {
      expect(row.key_id).toBe(keyring.encryptionKey.id);
      const plaintext = await readIntegrationSecret(t.db, keyring, w.org.id, w.workspace.id, row.provider);
      // nonce (12) ‖ tag (16) ‖ ciphertext (as long as the UTF-8 plaintext)
      expect(row.secret_ciphertext.length).toBe(28 + Buffer.byteLength(plaintext));
    }
  });
});

describe('key rotation', () => {
  const oldKeyring = buildKeyring(TEST_SECRET_KEY);
  const rotatingKeyring = buildKeyring(NEW_SECRET_KEY, [TEST_SECRET_KEY]);
  const newOnlyKeyring = buildKeyring(NEW_SECRET_KEY);
  let rotatedApp: TallyApp;

  beforeAll(async () => {
    // The same deployment restarted with the new key and the old one listed as previous.
    rotatedApp = await buildApp({
      config: loadConfig({
        TALLY_SECRET_KEY: NEW_SECRET_KEY,
        TALLY_PREVIOUS_SECRET_KEYS: TEST_SECRET_KEY,
        LOG_LEVEL: 'silent',
      }),
      database: t.testDatabase.database,
      keyring: rotatingKeyring,
      adminTokenHash: hashToken(TEST_ADMIN_TOKEN),
    });
    await rotatedApp.ready();
  });
  afterAll(() => rotatedApp.close());

  it('keeps old ciphertexts readable, then re-encrypts every one under the current key', async () => {
    const w1 = await f.world({ workspaceId: uuid() });
    const w2 = await f.world({ workspaceId: uuid() });
    const secrets: [typeof w1, string, string][] = [
      [w1, 'stripe', `sk_${uid('a')}`],
      [w1, 'hubspot', `hub_${uid('b')}`],
      [w2, 'stripe', `sk_${uid('c')}`],
    ];
    for (const [w, provider, secret] of secrets) await putSecret(w.workspace.id, provider, secret);
    const before = [...(await rowsOf(w1.workspace.id)), ...(await rowsOf(w2.workspace.id))];
    expect(new Set(before.map((row) => row.key_id))).toEqual(new Set([oldKeyring.encryptionKey.id]));

    // Before rotation: statuses are served by the restarted deployment and secrets still open.
    const statuses = async () => {
      const response = await rotatedApp.inject({
        method: 'GET',
        url: `/api/v1/workspaces/${w1.workspace.id}`,
        headers: bearer(w1.ownerToken.token),
      });
      expect(response.statusCode).toBe(200);
      return response.json().integration_credentials;
    };
    const statusesBefore = await statuses();
    expect(statusesBefore.map((s: { provider: string; status: string }) => [s.provider, s.status])).toEqual([
      ['hubspot', 'connected'],
      ['stripe', 'connected'],
    ]);
    for (const [w, provider, secret] of secrets) {
      expect(await readIntegrationSecret(t.db, rotatingKeyring, w.org.id, w.workspace.id, provider)).toBe(
        secret,
      );
      await expect(
        readIntegrationSecret(t.db, newOnlyKeyring, w.org.id, w.workspace.id, provider),
      ).rejects.toThrow(/TALLY_PREVIOUS_SECRET_KEYS/);
    }

    const progress: RotationProgress[] = [];
    const result = await rotateIntegrationSecrets(t.db, rotatingKeyring, (p) => progress.push(p));
    // Other tests' secrets in this database are rotated too.
    expect(result.failed).toBe(0);
    expect(result.rotated).toBe(result.total);
    expect(result.total).toBeGreaterThanOrEqual(3);
    expect(result.keyId).toBe(newOnlyKeyring.encryptionKey.id);
    expect(progress[0]).toEqual({ total: result.total, rotated: 0, failed: 0 });
    expect(progress.at(-1)).toEqual({ total: result.total, rotated: result.total, failed: 0 });

    const after = [...(await rowsOf(w1.workspace.id)), ...(await rowsOf(w2.workspace.id))];
    for (const [i, row] of after.entries()) {
      expect(row.key_id).toBe(newOnlyKeyring.encryptionKey.id);
      expect(Buffer.from(row.secret_ciphertext).equals(Buffer.from(before[i]!.secret_ciphertext))).toBe(
        false,
      );
      expect(row.updated_at.toISOString()).toBe(before[i]!.updated_at.toISOString());
    }
    for (const [w, provider, secret] of secrets) {
      expect(await readIntegrationSecret(t.db, newOnlyKeyring, w.org.id, w.workspace.id, provider)).toBe(
        secret,
      );
      await expect(
        readIntegrationSecret(t.db, oldKeyring, w.org.id, w.workspace.id, provider),
      ).rejects.toThrow();
    }
    expect(await statuses()).toEqual(statusesBefore);

    // Nothing is left to do on a second run.
    expect(await rotateIntegrationSecrets(t.db, rotatingKeyring)).toEqual({
      total: 0,
      rotated: 0,
      failed: 0,
      keyId: newOnlyKeyring.encryptionKey.id,
      failures: [],
    });
  });

  it('reports secrets sealed under a key it was not given, and leaves them untouched', async () => {
    const w = await f.world({ workspaceId: uuid() });
    await putIntegration(t.db, buildKeyring(OTHER_SECRET_KEY), w.org.id, w.workspace.id, 'mystery', {
      secret: 'sealed-elsewhere',
    });
    await putIntegration(t.db, oldKeyring, w.org.id, w.workspace.id, 'stripe', { secret: 'sk_old' });
    const [mysteryBefore] = await rowsOf(w.workspace.id);
    const result = await rotateIntegrationSecrets(t.db, rotatingKeyring);
    expect(result).toMatchObject({ total: 2, rotated: 1, failed: 1 });
    expect(result.failures).toEqual([
      {
        orgId: w.org.id,
        workspaceId: w.workspace.id,
        provider: 'mystery',
        keyId: buildKeyring(OTHER_SECRET_KEY).encryptionKey.id,
        reason: expect.stringMatching(/TALLY_PREVIOUS_SECRET_KEYS/),
      },
    ]);
    const [mysteryAfter, stripe] = await rowsOf(w.workspace.id);
    expect(mysteryAfter).toEqual(mysteryBefore);
    expect(stripe!.key_id).toBe(rotatingKeyring.encryptionKey.id);
    // Clean up, so that later rotations in this file see only their own rows.
    await t.db.deleteFrom('integration_credentials').where('provider', '=', 'mystery').execute();
  });
});

describe('tally admin rotate-secret-key', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tally-rotate-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The deployment's settings: on PostgreSQL this test's database, on PGlite a data folder. */
  const env = (secretKey: string, previous?: string) => ({
    TALLY_SECRET_KEY: secretKey,
    ...(previous ? { TALLY_PREVIOUS_SECRET_KEYS: previous } : {}),
    TALLY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...(t.testDatabase.url ? { DATABASE_URL: t.testDatabase.url } : { TALLY_DATA_DIR: dataDir }),
  });

  function capture() {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    return { stream, text: () => text };
  }

  it('re-encrypts every stored secret, with progress, and can be run again', async () => {
    // Seed the deployment under the old key through the ledger (as `serve` would have).
    const seeding = await prepareDeployment(loadConfig(env(TEST_SECRET_KEY)));
    const orgId = uid('cli-org');
    const workspaceId = uuid();
    try {
      const db = seeding.database.db;
      await createOrg(db, { id: orgId, name: 'CLI org' });
      await upsertUser(db, orgId, 'owner', { email: 'owner@example.test', role: 'owner' });
      await upsertWorkspace(db, orgId, workspaceId, { name: 'CLI', owner_user_id: 'owner' });
      for (const provider of ['p1', 'p2', 'p3']) {
        await putIntegration(db, seeding.keyring, orgId, workspaceId, provider, {
          secret: `cli-${provider}`,
        });
      }
    } finally {
      await seeding.database.close();
    }

    const out = capture();
    const err = capture();
    const code = await runRotateSecretKey(
      loadConfig(env(NEW_SECRET_KEY, TEST_SECRET_KEY)),
      out.stream,
      err.stream,
    );
    expect(code, err.text()).toBe(0);
    const summary = JSON.parse(out.text());
    expect(summary).toMatchObject({ key_id: buildKeyring(NEW_SECRET_KEY).encryptionKey.id, failed: 0 });
    expect(summary.rotated).toBe(summary.total);
    expect(summary.total).toBeGreaterThanOrEqual(3);
    expect(err.text()).toMatch(new RegExp(`^rotate-secret-key: 0/${summary.total} processed`));
    expect(err.text()).toContain(
      `rotate-secret-key: ${summary.total}/${summary.total} processed (${summary.total} re-encrypted, 0 failed)`,
    );

    const check = await prepareDeployment(loadConfig(env(NEW_SECRET_KEY)));
    try {
      for (const provider of ['p1', 'p2', 'p3']) {
        expect(
          await readIntegrationSecret(check.database.db, check.keyring, orgId, workspaceId, provider),
        ).toBe(`cli-${provider}`);
      }
    } finally {
      await check.database.close();
    }

    // Dispatched from `tally admin`; a second run has nothing left to do.
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runAdmin(loadConfig(env(NEW_SECRET_KEY, TEST_SECRET_KEY)), ['rotate-secret-key'])).toBe(0);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
    expect(JSON.parse(written.join(''))).toEqual({
      key_id: buildKeyring(NEW_SECRET_KEY).encryptionKey.id,
      total: 0,
      rotated: 0,
      failed: 0,
    });
    // Opening an on-disk PGlite three times is slow on a busy machine.
  }, 120_000);
});
