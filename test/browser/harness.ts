// The world the browser tests drive: a real Tally (the suite's database, PGlite or PostgreSQL)
// listening on a port, filled by `tally demo`'s loader, and headless Chromium (Debian's package,
// which .ci/run installs) driven by playwright-core. Every page is watched for console errors,
// uncaught exceptions, failed requests and Content-Security-Policy violations.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadDemo } from '../../src/demo/load.js';
import type { DemoOrg } from '../../src/demo/world.js';
import { createToken } from '../../src/ledger/tokens/tokens.js';
import { buildKeyring } from '../../src/secrets/keys.js';
import { registerSecret } from '../helpers/run-log.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

export const CHROMIUM = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';

export interface SignedOrg {
  id: string;
  token: string;
  demo: DemoOrg;
}

export interface ConsoleWorld {
  t: TestApp;
  url: string;
  org: SignedOrg;
  other: SignedOrg;
  /** The API's JSON answer to a GET with `token` (the org's by default). */
  api<T = Record<string, unknown>>(path: string, token?: string): Promise<T>;
  close(): Promise<void>;
}

const silent = { start: () => ({ add() {}, finish() {} }) };

export async function consoleWorld(): Promise<ConsoleWorld> {
  const t = await buildTestApp();
  // Demo data over the last 30 days; the tests read windows that end before the test started,
  // so the console's own (self-recorded) requests never change the figures they compare.
  // The demo gives its workspaces hired agents and integrations (seed 002's details) itself.
  const { orgs } = await loadDemo(
    t.db,
    buildKeyring(t.config.secretKey!, t.config.previousSecretKeys),
    { orgs: 2, workspaces: 6, users: 12, activities: 4000, executions: 800, usages: 400, days: 30, seed: 7 },
    silent,
  );
  const signed = async (demo: DemoOrg): Promise<SignedOrg> => {
    const { secret } = await createToken(t.db, demo.id, {
      name: 'console test',
      user_id: demo.ownerId,
      abilities: ['read', 'use_agents'],
    });
    registerSecret(secret, 'token secret');
    return { id: demo.id, token: secret, demo };
  };
  const org = await signed(orgs[0]!);
  const other = await signed(orgs[1]!);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    t,
    url,
    org,
    other,
    async api<T>(path: string, token = org.token) {
      const response = await fetch(url + path, { headers: bearer(token) });
      const body = (await response.json()) as T;
      expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
      return body;
    },
    close: () => t.close(),
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** A page and everything that went wrong on it. */
export interface WatchedPage {
  page: Page;
  /** Console errors and warnings, uncaught exceptions, failed requests, CSP violations. */
  problems: string[];
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function watchedPage(browser: Browser, width: 1280 | 390): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width, height: width === 390 ? 844 : 900 },
    deviceScaleFactor: 1,
  });
  // Runs before the console's own scripts (through the DevTools protocol, not as page content,
  // so the page's CSP does not apply to it): records every violation the page reports.
  // (Page code as text: the suite's TypeScript has no DOM types.)
  await context.addInitScript({
    content: `window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber);
      });`,
  });
  // Well under the test's own timeout, so that a missing element fails with its selector.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    // Cancelled by the browser itself (a reload or navigation while, say, the favicon was still
    // loading): not a failure of the page or the server, whose failures are other errors or a status.
    if (error === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} ${error}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    page,
    problems,
    violations: () => page.evaluate<string[]>('window.__cspViolations ?? []'),
    close: () => context.close(),
  };
}

export async function signIn(page: Page, url: string, org: string, token: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('Org id').fill(org);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until no panel or tile of the page is loading any more. */
export async function settled(page: Page): Promise<void> {
  // A function, not text: text would be evaluated with eval(), which the page's CSP forbids.
  await page.waitForFunction(
    () => {
      const { document } = globalThis as unknown as {
        document: { querySelector(s: string): unknown; querySelectorAll(s: string): { length: number } };
      };
      return (
        document.querySelector('main') !== null &&
        document.querySelectorAll('[data-state="loading"], [aria-busy="true"]').length === 0
      );
    },
    undefined,
    { timeout: 20_000 },
  );
}

/** A window the demo data covers and that ends before the test began: its figures are fixed. */
export function fixedWindow(days: number): { start: string; end: string } {
  const hour = 3_600_000;
  const end = Math.floor(Date.now() / hour) * hour - hour;
  return { start: new Date(end - days * 24 * hour).toISOString(), end: new Date(end).toISOString() };
}
