// `tally demo` fills a database that the API then serves (with the tokens it prints), a second run
// with the same seed changes nothing, and `tally export` streams what is stored.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { prepareDeployment } from '../../src/bootstrap.js';
import { runDemo } from '../../src/cli/demo.js';
import { runExport } from '../../src/cli/export.js';
import { loadConfig } from '../../src/config.js';
import { readIntegrationSecret } from '../../src/ledger/workspaces/integrations.js';
import { captureOutput } from '../helpers/capture.js';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let database: TestDatabase | null = null;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tally-demo-'));
  env = {
    TALLY_SECRET_KEY: TEST_SECRET_KEY,
    TALLY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TALLY_ADMIN_TOKEN: 'tly_admin_demo-test-token-0123456789',
  };
  if (process.env.TALLY_TEST_DB === 'postgres') {
    database = await createTestDatabase();
    await database.database.close();
    env.DATABASE_URL = database.url!;
  }
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('loads a demo the API serves, idempotently, and exports it', async () => {
  const args = [
    '--orgs',
    '3',
    '--workspaces',
    '10',
    '--users',
    '20',
    '--activities',
    '3000',
    '--executions',
    '600',
    '--usages',
    '300',
    '--days',
    '5',
  ];
  const first = await captureOutput(() => runDemo(loadConfig(env), args));
  expect(first.code).toBe(0);
  expect(first.err).toMatch(/records \[#+\] 100% 3,900\/3,900/);
  const demo = JSON.parse(first.out) as {
    console: { url: string; org_id: string; token: string };
    orgs: {
      org_id: string;
      records: { activities: number; executions: number; usages: number };
      service_token: string;
      owner_token: string;
      workspaces: { id: string; uuid: string }[];
    }[];
  };
  expect(demo.orgs).toHaveLength(3);
  // Every workspace has both names (API.md §1): an integer id for 001, a UUID alias for 002.
  for (const org of demo.orgs) {
    expect(org.workspaces.length).toBeGreaterThan(0);
    for (const workspace of org.workspaces) {
      expect(Object.keys(workspace)).toEqual(['id', 'uuid']);
      expect(workspace.id).toMatch(/^[1-9]\d*$/);
      expect(workspace.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  }
  const total = demo.orgs.reduce((sum, org) => sum + org.records.activities, 0);
  expect(total).toBeLessThanOrEqual(3000);
  const largest = demo.orgs[0]!;
  expect(largest.records.activities).toBeGreaterThan(demo.orgs[1]!.records.activities);
  // The console's address and a token to paste: the largest org's owner.
  expect(demo.console).toEqual({
    url: 'http://127.0.0.1:8080/console/',
    org_id: largest.org_id,
    token: largest.owner_token,
  });
  expect(first.err).toContain(
    `Console: open http://127.0.0.1:8080/console/ (with the server running: npm start) and sign in with\n  org id: ${largest.org_id}\n  token:  ${largest.owner_token}\n`,
  );

  const again = await captureOutput(() => runDemo(loadConfig(env), args));
  expect(again.code).toBe(0);

  // Demo records are all in the past; the API call below records itself after this instant.
  const beforeApi = new Date().toISOString();
  const config = loadConfig(env);
  const deployment = await prepareDeployment(config);
  const app = await buildApp({
    config,
    database: deployment.database,
    keyring: deployment.keyring,
    adminTokenHash: deployment.adminToken.hash,
  });
  try {
    const summary = await app.inject({
      method: 'GET',
      url: `/v1/orgs/${largest.org_id}/activity/summary?hours=168`,
      headers: { authorization: `Bearer ${largest.service_token}` },
    });
    expect(summary.statusCode).toBe(200);
    // the same seed twice stores every record once
    expect(summary.json().total_requests).toBe(largest.records.activities);

    // One printed workspace answers on 002 by its uuid and on 001 by its integer id.
    const workspace = largest.workspaces[0]!;
    const owner = { authorization: `Bearer ${largest.owner_token}` };
    const details = await app.inject({
      method: 'GET',
      url: `/api/v1/workspaces/${workspace.uuid}`,
      headers: owner,
    });
    expect(details.statusCode, details.body).toBe(200);
    expect(details.json()).toMatchObject({ id: workspace.uuid, name: `Workspace ${workspace.id}` });
    // The demo's first workspace of an org has a hired agent of the org and three integrations,
    // one failing; their secrets are stored sealed (never in plain text) and no read returns them.
    const { hired_agent, integration_credentials } = details.json();
    expect(hired_agent).toMatchObject({ status: 'active', tier: 'pro', persona_name: 'Sam' });
    expect(hired_agent.display_name).toEqual(expect.any(String));
    expect(
      integration_credentials.map((i: { provider: string; status: string }) => [i.provider, i.status]),
    ).toEqual([
      ['github', 'connected'],
      ['hubspot', 'error'],
      ['slack', 'connected'],
    ]);
    expect(integration_credentials[1].last_error).toBe(
      'hubspot refused the stored token (401 Unauthorized): reconnect it',
    );
    expect(JSON.stringify(integration_credentials)).not.toMatch(/demo_|secret/);
    const stored = await deployment.database.db
      .selectFrom('integration_credentials')
      .select(['org_id', 'workspace_id', 'provider', 'secret_ciphertext', 'key_id'])
      .execute();
    // A few per workspace across the demo's orgs, each sealed: opening it with the keyring gives a
    // demo secret that the ciphertext does not contain.
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const row of stored) {
      const secret = await readIntegrationSecret(
        deployment.database.db,
        deployment.keyring,
        row.org_id,
        row.workspace_id,
        row.provider,
      );
      expect(secret).toMatch(new RegExp(`^demo_${row.provider}_[A-Za-z0-9_-]{24}$`));
      expect(Buffer.from(row.secret_ciphertext).includes(Buffer.from(secret))).toBe(false);
    }
    const hires = await deployment.database.db
      .selectFrom('workspaces')
      .innerJoin('hired_agents', (join) =>
        join
          .onRef('hired_agents.org_id', '=', 'workspaces.org_id')
          .onRef('hired_agents.id', '=', 'workspaces.hired_agent_id'),
      )
      .select(['workspaces.id', 'hired_agents.workspace_id'])
      .execute();
    // Three workspaces in four have hired an agent (of 10 workspaces; two runs wrote each once).
    expect(hires.length).toBeGreaterThanOrEqual(6);
    for (const hire of hires) expect(hire.workspace_id).toBe(hire.id);
    expect(
      Number(
        (
          await deployment.database.db
            .selectFrom('hired_agents')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(hires.length);
    const history = await app.inject({
      method: 'GET',
      url: '/workspaces/usage',
      headers: { ...owner, 'x-workspace-id': workspace.id },
    });
    expect(history.statusCode, history.body).toBe(200);
  } finally {
    await app.close();
    await deployment.database.close();
  }

  const ndjsonPath = join(dataDir, 'activity.ndjson');
  const ndjson = await captureOutput(() =>
    runExport(loadConfig(env), [
      'activity',
      '--org',
      largest.org_id,
      '--until',
      beforeApi,
      '--output',
      ndjsonPath,
    ]),
  );
  expect(ndjson.code).toBe(0);
  const lines = readFileSync(ndjsonPath, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(largest.records.activities);
  const record = JSON.parse(lines[0]!);
  expect(Object.keys(record)).toEqual(
    expect.arrayContaining(['id', 'timestamp', 'workspace_id', 'token_usage', 'metadata']),
  );
  const times = lines.map((line) => JSON.parse(line).timestamp as string);
  expect([...times].sort()).toEqual(times);

  const csvPath = join(dataDir, 'executions.csv');
  const csv = await captureOutput(() =>
    runExport(loadConfig(env), [
      'executions',
      '--org',
      largest.org_id,
      '--format',
      'csv',
      '--output',
      csvPath,
    ]),
  );
  expect(csv.code).toBe(0);
  const rows = readFileSync(csvPath, 'utf8').trim().split('\r\n');
  expect(rows[0]).toBe(
    'id,created_at,workspace_id,user_id,agent_id,agent_type,status,credits,source,output,output_url,output_private,root_id,execution_origin,used_model,tokens_input,tokens_output,tokens_total',
  );
  expect(rows).toHaveLength(largest.records.executions + 1);

  const usage = await captureOutput(() => runExport(loadConfig(env), ['invoices', '--org', 'x']));
  expect(usage.code).toBe(1);
  expect(usage.err).toContain('Usage: tally export');
}, 180_000);
