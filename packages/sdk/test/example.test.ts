// The runnable example (examples/express) as its README runs it, against a running Tally: it
// provisions its org, serves, calls itself, and prints the activity Tally recorded. It imports
// the built package (`@tally/sdk` through the workspace link), as an application would.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTally, type Tally } from './helpers/tally.js';

const sdk = join(import.meta.dirname, '..');
const root = join(sdk, '..', '..');
let tally: Tally;

beforeAll(async () => {
  // `npm install` builds the package (prepare); built again here so the example never runs a
  // dist/ older than the sources.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: sdk,
    },
  );
  tally = await startTally();
}, 120_000);

afterAll(async () => {
  await tally?.close();
});

it('records the requests the example app serves and prints them', async () => {
  const child = spawn(process.execPath, [join(root, 'examples', 'express', 'app.mjs'), '--once'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      TALLY_URL: tally.url,
      TALLY_ADMIN_TOKEN: tally.adminToken,
      PORT: '0',
      EXAMPLE_ORG: 'example-test',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code, output).toBe(0);
  const lines = output.split('\n').filter((line) => line.includes(' ms'));
  expect(lines).toHaveLength(3);
  expect(lines.join('\n')).toMatch(/ada\s+GET\s+\/v1\/reports\/:id\s+200\s+read\/reports/);
  expect(lines.join('\n')).toMatch(/ada\s+POST\s+\/v1\/reports\s+201\s+create\/reports/);
  expect(lines.join('\n')).toMatch(/grace\s+GET\s+\/v1\/reports\/:id\s+200\s+read\/reports/);
  expect(output).not.toContain('healthz');
  expect(output).not.toContain('tally:');
});
