// The README's quick start, run as written: its shell blocks (after `npm install && npm start`,
// which the test replaces by starting the built service itself) go through bash against a fresh
// server, and the reads at its end must show every record it sent. Before, the example event's
// time was fixed in the past, so the summary that followed never counted it, and the token it
// created could not read usage history.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ServiceFolder, serviceFolder } from '../reliability/service-folder.js';
import { buildService, freePort, ServiceProcess } from '../reliability/service-process.js';

const root = join(import.meta.dirname, '..', '..');
const ADMIN = 'tly_admin_readme-quickstart-admin-token-0123';
const WORKSPACE_UUID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';

/** The `sh` blocks of the README's "Quick start" section. */
function quickStartBlocks(readme: string): string[] {
  const section = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
  );
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

let service: ServiceProcess;
let folder: ServiceFolder;

beforeAll(async () => {
  buildService();
  folder = await serviceFolder('tally-readme');
  service = await ServiceProcess.start(await freePort(), { ...folder.env, TALLY_ADMIN_TOKEN: ADMIN });
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await folder?.remove();
});

it('runs as written and ends with a read of every surface showing what it sent', () => {
  const blocks = quickStartBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  expect(blocks[0]).toContain('npm install && npm start');
  // Only the address and the admin token differ from a newcomer's terminal.
  const script = blocks
    .slice(1)
    .join('\n')
    .replaceAll('http://127.0.0.1:8080', service.url)
    .replace(/^ADMIN=.*$/m, `ADMIN=${ADMIN}`);
  expect(script).toContain(`ADMIN=${ADMIN}`);
  const output = execFileSync('bash', ['-c', `set -euo pipefail\n${script}`], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: folder.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const [org, user, workspace, ingested, activity, usage, aiUsages, details, ...rest] = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(rest).toEqual([]);
  expect(org).toMatchObject({ id: 'acme', name: 'Acme' });
  expect(user).toMatchObject({ id: '42', email: 'ada@acme.test', role: 'owner' });
  expect(workspace).toMatchObject({ id: '1001', name: 'Marketing', uuid: WORKSPACE_UUID });
  expect(ingested).toEqual({ accepted: 3, duplicates: 0, rejected: [] });

  // Activity (seed 004): the request it sent, timed now.
  const records = (activity as { activities: Array<Record<string, unknown>> }).activities;
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    id: 'evt-1',
    workspace_id: '1001',
    user_id: '42',
    method: 'POST',
    path: '/v1/reports',
    action: 'create',
    resource_type: 'report',
    status_code: 201,
    success: true,
    duration_ms: 87,
  });
  expect(Math.abs(Date.parse(String(records[0]!.timestamp)) - Date.now())).toBeLessThan(60_000);

  // Agent usage history (seeds 001 and 003): the execution, under the integer workspace id.
  const items = (usage as { items: Array<Record<string, unknown>> }).items;
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({
    id: 9001,
    user_id: 42,
    credits: 1.5,
    status: 'succeeded',
    tokens: { input: 900, output: 300, total: 1200 },
  });

  // AI tool usages (seed 000).
  expect(aiUsages).toMatchObject({
    usages: [
      { id: 'u-1', workspaceId: '1001', toolType: 'image-generation', status: 'completed', cost: 0.04 },
    ],
  });

  // Workspace (seed 002), by its UUID alias.
  expect(details).toMatchObject({
    id: WORKSPACE_UUID,
    name: 'Marketing',
    user_id: '42',
    metrics_cache: { executions_24h: 1, credits_24h: 1.5, ai_tool_cost_24h: 0.04 },
  });
}, 90_000);
