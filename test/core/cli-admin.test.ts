// `tally admin …` runs the administration routes in process on the configured database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { loadConfig } from '../../src/config.js';
import { captureOutput } from '../helpers/capture.js';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

let database: TestDatabase | null = null;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tally-cli-'));
  env = {
    TALLY_SECRET_KEY: TEST_SECRET_KEY,
    TALLY_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TALLY_ADMIN_TOKEN: 'tly_admin_cli-test-token-0123456789',
  };
  if (process.env.TALLY_TEST_DB === 'postgres') {
    database = await createTestDatabase();
    env.DATABASE_URL = database.url!;
  }
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return captureOutput(() => runAdmin(loadConfig(env), args));
}

it('provisions an org, a user, a workspace and a token, and validates like the API', async () => {
  expect((await cli('create-org', '--id', 'acme', '--name', 'Acme')).code).toBe(0);
  const user = await cli(
    'put-user',
    '--org',
    'acme',
    '--id',
    '42',
    '--email',
    'ada@acme.test',
    '--role',
    'owner',
  );
  expect(user.code).toBe(0);
  expect(JSON.parse(user.out)).toMatchObject({ org_id: 'acme', id: '42', role: 'owner' });
  expect(
    (await cli('put-workspace', '--org', 'acme', '--id', '1001', '--name', 'Marketing', '--owner', '42'))
      .code,
  ).toBe(0);
  const token = await cli('create-token', '--org', 'acme', '--name', 'ingest', '--abilities', 'ingest,read');
  expect(token.code).toBe(0);
  expect(JSON.parse(token.out)).toMatchObject({
    abilities: ['ingest', 'read'],
    token: expect.stringMatching(/^tly_/),
  });
  const listed = await cli('list-tokens', '--org', 'acme');
  expect(JSON.parse(listed.out).tokens).toHaveLength(1);
  expect(listed.out).not.toContain(JSON.parse(token.out).token);

  const invalid = await cli('put-user', '--org', 'acme', '--id', '43', '--email', 'x', '--role', 'boss');
  expect(invalid.code).toBe(1);
  expect(JSON.parse(invalid.err)).toMatchObject({ status: 422 });
  const missing = await cli('create-org', '--id', 'x');
  expect(missing).toMatchObject({ code: 1, err: 'tally admin create-org: missing --name\n' });
  const unknown = await cli('dance');
  expect(unknown.code).toBe(1);
  expect(unknown.err).toContain('unknown operation "dance"');
  // Each call opens the database as the CLI does (on PGlite, a WebAssembly start every time).
}, 120_000);

it('put-workspace --uuid sets the UUID alias and --uuid "" removes it', async () => {
  expect((await cli('create-org', '--id', 'globex', '--name', 'Globex')).code).toBe(0);
  const owner = ['--org', 'globex', '--id', '7', '--email', 'hank@globex.test', '--role', 'owner'];
  expect((await cli('put-user', ...owner)).code).toBe(0);
  const workspace = ['put-workspace', '--org', 'globex', '--id', '1002', '--name', 'Ops', '--owner', '7'];
  const alias = '3C90C3CC-0D44-4B50-8888-8DD25736052A';
  const aliased = await cli(...workspace, '--uuid', alias);
  expect(aliased.code, aliased.err).toBe(0);
  expect(JSON.parse(aliased.out)).toMatchObject({ id: '1002', uuid: alias.toLowerCase() });
  const removed = await cli(...workspace, '--uuid', '');
  expect(JSON.parse(removed.out)).toMatchObject({ id: '1002', uuid: null });
  const bad = await cli(...workspace, '--uuid', 'nope');
  expect(bad.code).toBe(1);
  expect(JSON.parse(bad.err)).toMatchObject({ status: 422, errors: [{ pointer: '#/uuid' }] });
}, 120_000);
