// Regenerates docs/console/*.png: each page of the web console at 1280 and 390 px wide (and the
// overview in dark mode), on a fresh embedded database filled by `tally demo`.
//   node scripts/console-screenshots.mjs        (needs Chromium at /usr/bin/chromium or $TALLY_CHROMIUM)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs', 'console');
const port = process.env.PORT ?? '18189';
const url = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'tally-screenshots-'));
const env = { ...process.env, TALLY_DATA_DIR: dataDir, PORT: port, LOG_LEVEL: 'warn' };
const cli = join(root, 'dist', 'cli', 'main.js');

execFileSync(process.execPath, [join(root, 'scripts', 'build-if-needed.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
const printed = execFileSync(
  process.execPath,
  [cli, 'demo', '--activities', '60000', '--executions', '12000', '--usages', '6000', '--days', '90'],
  { env, cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
);
const demo = JSON.parse(printed);
const org = demo.orgs[0];
const workspace = org.workspaces[0];

const server = spawn(process.execPath, [cli, 'serve'], { env, cwd: root, stdio: 'ignore' });
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (i > 100) throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const settle = (page) =>
    page.waitForFunction(
      () =>
        document.querySelector('main') !== null &&
        document.querySelectorAll('[data-state="loading"], [aria-busy="true"]').length === 0,
      undefined,
      { timeout: 30_000 },
    );
  const shots = [
    ['overview', '/?w=7d'],
    ['workspace', `/workspaces/${workspace.id}?uuid=${workspace.uuid}&w=7d`],
    ['explorer', `/explorer?workspace=${workspace.id}&status=error&limit=20`],
  ];
  for (const [width, scheme] of [
    [1280, 'light'],
    [390, 'light'],
    [1280, 'dark'],
  ]) {
    const context = await browser.newContext({
      viewport: { width, height: width === 390 ? 844 : 900 },
      colorScheme: scheme,
    });
    const page = await context.newPage();
    await page.goto(`${url}/console/`);
    await page.getByLabel('Org id').fill(org.org_id);
    await page.getByLabel('API token').fill(org.owner_token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `Overview of ${org.org_id}` }).waitFor();
    for (const [name, hash] of scheme === 'dark' ? shots.slice(0, 1) : shots) {
      await page.goto(`${url}/console/#${hash}`);
      await settle(page);
      if (name === 'explorer') {
        await page.locator('table.records tbody tr button').first().click();
        await page.locator('[data-record]').waitFor();
      }
      await page.waitForTimeout(300);
      const file = join(out, `${name}-${width}${scheme === 'dark' ? '-dark' : ''}.png`);
      await page.screenshot({ path: file, fullPage: true });
      process.stdout.write(`${file}\n`);
    }
    await context.close();
  }
  await browser.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
