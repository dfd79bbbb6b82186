// The CLI beside a running server (issue 12, item 1). On the embedded database two processes
// must never open the data folder: the server holds it, and `tally demo|admin|export|migrate`
// from a second process run through the server's control socket, so their writes are visible at
// once and survive a restart. A SIGKILLed server's lock is taken over by the next process; a
// second server is refused. On PostgreSQL the CLI works directly, as it always did.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { lockPathOf, processStart } from '../../src/db/data-dir-lock.js';
import { testDatabaseKind } from '../helpers/test-database.js';
import { runCli } from './cli-process.js';
import { type ServiceFolder, serviceFolder } from './service-folder.js';
import { buildService, freePort, ServiceProcess } from './service-process.js';

const embedded = testDatabaseKind() === 'pglite';
let dataDir: string;
let env: Record<string, string>;
let folder: ServiceFolder;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  buildService();
  folder = await serviceFolder('tally-beside');
  ({ dataDir, env } = folder);
}, 180_000);

afterAll(async () => {
  for (const service of services) await service.crash();
  await folder?.remove();
});

async function start(port: number, withEnv = env): Promise<ServiceProcess> {
  const service = await ServiceProcess.start(port, withEnv);
  services.push(service);
  return service;
}

const lockFile = () => lockPathOf(join(dataDir, 'pglite'));
const socketFile = () => join(dataDir, 'tally.sock');

async function status(service: ServiceProcess, token: string, path: string): Promise<number> {
  const response = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

interface Demo {
  orgs: { org_id: string; records: { activities: number; executions: number }; service_token: string }[];
}

it.runIf(embedded)(
  'runs demo, admin, export and migrate through the running server; survives SIGTERM and SIGKILL',
  async () => {
    const port = await freePort();
    const first = await start(port);
    const serverPid = first.child.pid!;
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8'));
    expect(holder).toMatchObject({ pid: serverPid, start: processStart(serverPid), socket: socketFile() });
    expect(statSync(socketFile()).mode & 0o777).toBe(0o600);

    // A second terminal: demo, a token, exports, migrate, all while the server runs.
    const demoRun = await runCli(
      ['demo', '--events', '2000', '--orgs', '2', '--workspaces', '4', '--users', '10', '--days', '3'],
      env,
    );
    expect(demoRun.err).toMatch(/records \[#+\] 100% 2,000\/2,000 rows/);
    expect(demoRun.err).toMatch(/loaded 2,000 records in .* on pglite\n/);
    expect(demoRun.code).toBe(0);
    const demo = JSON.parse(demoRun.out) as Demo;
    const org = demo.orgs[0]!;

    const created = await runCli(
      ['admin', 'create-token', '--org', org.org_id, '--name', 'beside', '--abilities', 'read'],
      env,
    );
    expect(created.code, created.err).toBe(0);
    const token = (JSON.parse(created.out) as { token: string }).token;
    const activityPath = `/v1/orgs/${org.org_id}/activity`;
    expect(await status(first, token, activityPath)).toBe(200);
    expect(await status(first, org.service_token, activityPath)).toBe(200);

    const executions = await runCli(['export', 'executions', '--org', org.org_id], env);
    expect(executions.code, executions.err).toBe(0);
    expect(lines(executions.out)).toHaveLength(org.records.executions);
    expect(JSON.parse(lines(executions.out)[0]!)).toMatchObject({
      id: expect.any(String),
      status: expect.any(String),
    });
    const csvPath = join(dataDir, 'activity.csv');
    const activity = await runCli(
      ['export', 'activity', '--org', org.org_id, '--format', 'csv', '--output', csvPath],
      env,
    );
    expect(activity).toMatchObject({ code: 0, out: '' });
    const csvRows = lines(readFileSync(csvPath, 'utf8')).length - 1;
    expect(csvRows).toBeGreaterThanOrEqual(org.records.activities);

    const migrated = await runCli(['migrate'], env);
    expect(migrated).toMatchObject({ code: 0, out: 'already up to date\n' });
    const refused = await runCli(['admin', 'list-tokens', '--org', 'nobody'], env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err)).toMatchObject({ status: 404 });

    // A second server on the folder is refused, naming the first.
    const second = await ServiceProcess.start(await freePort(), env).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(second).toContain(
      `the data folder ${join(dataDir, 'pglite')} is in use by process ${serverPid} (tally serve, serving`,
    );

    // SIGTERM: the lock and the socket go; the restart finds everything.
    expect(await first.stop()).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
    expect(existsSync(socketFile())).toBe(false);
    const restarted = await start(port);
    expect(await status(restarted, token, activityPath)).toBe(200);
    expect(await status(restarted, org.service_token, activityPath)).toBe(200);
    const again = await runCli(['export', 'executions', '--org', org.org_id], env);
    expect(again.out).toBe(executions.out);
    const activityAgain = await runCli(['export', 'activity', '--org', org.org_id, '--format', 'csv'], env);
    expect(lines(activityAgain.out).length - 1).toBeGreaterThanOrEqual(csvRows);
    expect(await runCli(['migrate'], env)).toMatchObject({ code: 0, out: 'already up to date\n' });

    // SIGKILL leaves the lock and the socket behind: the CLI takes the folder over and works.
    await restarted.crash();
    expect(existsSync(lockFile())).toBe(true);
    const direct = await runCli(['admin', 'list-tokens', '--org', org.org_id], env);
    expect(direct.code, direct.err).toBe(0);
    expect((JSON.parse(direct.out) as { tokens: { name: string }[] }).tokens.map((t) => t.name)).toContain(
      'beside',
    );
    expect(await runCli(['migrate'], env)).toMatchObject({ code: 0, out: 'already up to date\n' });
    expect(existsSync(lockFile())).toBe(false);
    const third = await start(port);
    expect(await status(third, token, activityPath)).toBe(200);
    expect((await runCli(['export', 'executions', '--org', org.org_id], env)).out).toBe(executions.out);
    expect(await third.stop()).toBe(0);
  },
  240_000,
);

it.runIf(embedded)('fails fast, naming the holder, while another command holds the folder', async () => {
  // A live process that is not serving (this test process stands in for a running `tally demo`).
  const holder = {
    pid: process.pid,
    start: processStart(process.pid),
    command: 'demo --events 20000',
    socket: null,
    since: '2026-12-05T12:00:00.000Z',
  };
  writeFileSync(lockFile(), JSON.stringify(holder));
  try {
    const message =
      `tally: the data folder ${join(dataDir, 'pglite')} is in use by process ${process.pid} ` +
      '(tally demo --events 20000, since 2026-12-05T12:00:00.000Z); only one process may open an ' +
      'embedded database: wait for it to finish or stop it\n';
    const started = Date.now();
    for (const args of [
      ['migrate'],
      ['export', 'activity', '--org', 'acme'],
      ['admin', 'list-tokens', '--org', 'acme'],
    ]) {
      expect(await runCli(args, env)).toEqual({ code: 1, out: '', err: message });
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual(holder);
  } finally {
    rmSync(lockFile(), { force: true });
  }
});

it.runIf(embedded)(
  'serves the CLI through a socket outside a data folder whose path is too long',
  async () => {
    const longDir = join(
      dataDir,
      'a-data-folder-with-a-path-long-enough-to-overflow-the-unix-socket-path-limit',
    );
    mkdirSync(join(longDir, 'pglite'), { recursive: true });
    execFileSync('tar', ['-xf', inject('pgliteTemplatePath'), '-C', join(longDir, 'pglite')], {
      stdio: 'pipe',
    });
    const longEnv = { ...env, TALLY_DATA_DIR: longDir };
    const service = await start(await freePort(), longEnv);
    const socket = (
      JSON.parse(readFileSync(lockPathOf(join(longDir, 'pglite')), 'utf8')) as { socket: string }
    ).socket;
    expect(socket).toMatch(new RegExp(`^${tmpdir()}/tally-[^/]+/tally\\.sock$`));
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(100);
    const created = await runCli(['admin', 'create-org', '--id', 'long', '--name', 'Long'], longEnv);
    expect(created.code, created.err).toBe(0);
    expect(await service.stop()).toBe(0);
    expect(existsSync(join(socket, '..'))).toBe(false);
  },
  // A server start and a CLI run, each a process opening PGlite: over 30 s on a loaded machine.
  120_000,
);

it.runIf(!embedded)(
  'on PostgreSQL the CLI works directly beside the server: no lock, no socket',
  async () => {
    const service = await start(await freePort());
    expect((await runCli(['admin', 'create-org', '--id', 'beside', '--name', 'Beside'], env)).code).toBe(0);
    const created = await runCli(
      ['admin', 'create-token', '--org', 'beside', '--name', 'cli', '--abilities', 'read'],
      env,
    );
    expect(created.code, created.err).toBe(0);
    const token = (JSON.parse(created.out) as { token: string }).token;
    expect(await status(service, token, '/v1/orgs/beside/activity')).toBe(200);
    expect(await runCli(['migrate'], env)).toMatchObject({ code: 0, out: 'already up to date\n' });
    expect(existsSync(lockFile())).toBe(false);
    expect(existsSync(socketFile())).toBe(false);
    expect(await service.stop()).toBe(0);
  },
);
