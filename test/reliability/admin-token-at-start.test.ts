import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ServiceFolder, serviceFolder } from './service-folder.js';
import { buildService, freePort, ServiceProcess } from './service-process.js';

let env: Record<string, string>;
let folder: ServiceFolder;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  buildService();
  folder = await serviceFolder('tally-admin-token');
  // No TALLY_ADMIN_TOKEN: the server generates one.
  env = { ...folder.env, TALLY_ADMIN_TOKEN: '' };
}, 180_000);

afterAll(async () => {
  for (const service of services) await service.crash();
  await folder?.remove();
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
