// The generated deployment admin token is shown once, so it is generated, stored and printed only
// once the server listens (issue 12, item 11): a start that fails (here an unresolvable HOST)
// prints none and stores none, and the next good start prints one that works.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../helpers/test-database.js';
import { buildService, freePort, ServiceProcess } from './service-process.js';

let dataDir: string;
let database: TestDatabase | null = null;
let env: Record<string, string>;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  buildService();
  dataDir = mkdtempSync(join(tmpdir(), 'tally-admin-token-'));
  // No TALLY_ADMIN_TOKEN: the server generates one.
  env = { TALLY_DATA_DIR: dataDir, TALLY_SECRET_KEY: TEST_SECRET_KEY, TALLY_ADMIN_TOKEN: '' };
  if (testDatabaseKind() === 'pglite') {
    mkdirSync(join(dataDir, 'pglite'));
    execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', join(dataDir, 'pglite')], {
      stdio: 'pipe',
    });
  } else {
    database = await createTestDatabase();
    await database.database.close();
    env.DATABASE_URL = database.url!;
  }
}, 180_000);

afterAll(async () => {
  for (const service of services) await service.crash();
  await database?.drop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

const TOKEN = /tly_admin_[A-Za-z0-9_-]{43}/;

it('shows no admin token when the start fails, and a working one at the next start', async () => {
  const port = await freePort();
  const failed = await ServiceProcess.start(port, { ...env, HOST: 'not-a-host' }).then(
    () => 'started',
    (error: Error) => error.message,
  );
  expect(failed).toMatch(/^the service exited at start:/);
  expect(failed).toContain('not-a-host');
  expect(failed).not.toMatch(/tly_admin_/);
  expect(failed).not.toContain('generated the deployment admin token');

  const service = await ServiceProcess.start(port, env);
  services.push(service);
  // It is printed right after the server starts listening, which /healthz may precede.
  const deadline = Date.now() + 10_000;
  while (!TOKEN.test(service.rawOutput()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const token = TOKEN.exec(service.rawOutput())?.[0];
  expect(token, service.rawOutput()).toBeDefined();
  const created = await fetch(`${service.url}/v1/admin/orgs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'first', name: 'First' }),
  });
  expect(created.status).toBe(201);
  expect(await service.stop()).toBe(0);
});
