// The web console in a real browser (issue 15): headless Chromium signs in with a demo token, every
// page renders the API's figures (read from the API here and compared with what the page shows), a
// chart bucket leads to its records, refused tokens show the surface's refusal, and no page logs an
// error, fails a request or violates its Content-Security-Policy.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleWorld,
  consoleWorld,
  fixedWindow,
  launchChromium,
  settled,
  signIn,
  type WatchedPage,
  watchedPage,
} from './harness.js';

interface Series {
  buckets: string[];
  series: { key: string | null; label: string | null; values: (number | null)[]; total: number | null }[];
  total: number | null;
}
interface Top {
  items: { key: string; requests: number; failed: number }[];
}

let world: ConsoleWorld;
let browser: Browser;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  [world, browser] = await Promise.all([consoleWorld(), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** A page of the browser, signed in, whose problems are checked at the end of the test. */
async function open(width: 1280 | 390 = 1280): Promise<WatchedPage> {
  const watched = await watchedPage(browser, width);
  opened.push(watched);
  await signIn(watched.page, world.url, world.org.id, world.org.token);
  await watched.page.getByRole('heading', { name: `Overview of ${world.org.id}` }).waitFor();
  return watched;
}

/** Every page opened by the test rendered without an error, a failed request or a CSP violation. */
async function expectClean(): Promise<void> {
  for (const watched of opened.splice(0)) {
    expect(await watched.violations()).toEqual([]);
    expect(watched.problems).toEqual([]);
    await watched.close();
  }
}

const seriesPath = (query: string, workspace?: string) =>
  `/v1/orgs/${world.org.id}${workspace ? `/workspaces/${workspace}` : ''}/insights/series?${query}`;

function windowQuery(range: { start: string; end: string }, bucket: 'hour' | 'day') {
  return `start_time=${encodeURIComponent(range.start)}&end_time=${encodeURIComponent(range.end)}&bucket=${bucket}`;
}

async function goTo(page: Page, hash: string): Promise<void> {
  await page.goto(`${world.url}/console/#${hash}`);
  await settled(page);
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim();
const attribute = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);

describe('the console', () => {
  it('serves its page and files with a strict Content-Security-Policy, no token needed', async () => {
    const page = await fetch(`${world.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await page.text();
    // Nothing inline and nothing from elsewhere: every script and stylesheet is a file of ours.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = /<script[^>]*src="([^"]+)"/.exec(html)![1]!;
    const asset = await fetch(world.url + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${world.url}/console`)).status).toBe(200);
    const missing = await fetch(`${world.url}/console/assets/nothing.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  });

  it('signs in with a token, keeps it for the tab only, and signs out', async () => {
    const { page } = await open();
    // Page code as text: the suite's TypeScript has no DOM types.
    const stored = await page.evaluate<{ session: string | null; local: number; cookies: string }>(
      "({ session: sessionStorage.getItem('tally.console.session'), local: localStorage.length, cookies: document.cookie })",
    );
    expect(JSON.parse(stored.session!)).toEqual({ org: world.org.id, token: world.org.token });
    expect(stored.local).toBe(0);
    expect(stored.cookies).toBe('');
    // The window picker from the keyboard (a radio group: arrows move the choice); the token
    // goes out as a Bearer header on the API calls that follow.
    const request = page.waitForRequest((r) => r.url().includes('/insights/'));
    await page.getByRole('radio', { name: '24 h' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/?w=7d');
    expect(await page.getByRole('radio', { name: '7 d' }).isChecked()).toBe(true);
    expect((await request).headers().authorization).toBe(`Bearer ${world.org.token}`);
    await settled(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectClean();
  });

  it("refuses a bad token and another org's token with the surface's own message", async () => {
    const watched = await watchedPage(browser, 1280);
    const { page } = watched;
    const cases = [
      { org: world.org.id, token: 'tly_not-a-token', status: 401 },
      { org: world.org.id, token: world.other.token, status: 404 },
    ];
    for (const refused of cases) {
      const answer = await fetch(`${world.url}/v1/orgs/${world.org.id}/activity/summary?hours=1`, {
        headers: { authorization: `Bearer ${refused.token}` },
      });
      expect(answer.status).toBe(refused.status);
      const { message } = (await answer.json()) as { message: string };
      await signIn(page, world.url, refused.org, refused.token);
      await expect.poll(() => text(page, '[data-refusal]')).toBe(`${message} (${refused.status})`);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      await page.goto('about:blank');
    }
    // The only problems are the refusals themselves (the browser logs each refused fetch).
    expect(await page.evaluate(() => 0)).toBe(0);
    expect(watched.problems.filter((p) => !/\b(401|404)\b/.test(p))).toEqual([]);
    expect(watched.problems.length).toBeGreaterThan(0);
    await watched.close();
  });

  it("shows the org overview's totals, series and busiest lists as the API answers them", async () => {
    const { page } = await open();
    const range = fixedWindow(7);
    await goTo(page, `/?w=custom&start=${range.start}&end=${range.end}`);
    const previous = {
      start: new Date(2 * Date.parse(range.start) - Date.parse(range.end)).toISOString(),
      end: range.start,
    };
    for (const metric of [
      'requests',
      'failed_requests',
      'avg_duration_ms',
      'tokens',
      'executions',
      'credits',
      'ai_tool_usages',
    ]) {
      const now = await world.api<Series>(seriesPath(`metric=${metric}&${windowQuery(range, 'hour')}`));
      const before = await world.api<Series>(seriesPath(`metric=${metric}&${windowQuery(previous, 'hour')}`));
      expect(now.total, metric).not.toBeNull();
      expect(
        Number(await attribute(page, `[data-metric="${metric}"] .tile-value`, 'data-value')),
        metric,
      ).toBeCloseTo(now.total!, 6);
      expect(
        Number(await attribute(page, `[data-metric="${metric}"] .tile-change`, 'data-previous')),
        metric,
      ).toBeCloseTo(before.total!, 6);
    }
    // The requests chart's table holds every bucket's value.
    const requests = await world.api<Series>(seriesPath(`metric=requests&${windowQuery(range, 'hour')}`));
    const failed = await world.api<Series>(
      seriesPath(`metric=failed_requests&${windowQuery(range, 'hour')}`),
    );
    expect(requests.buckets).toHaveLength(168);
    const rows = page.locator('[data-panel="requests"] tr[data-bucket]');
    expect(await rows.count()).toBe(168);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-bucket'),
        ...[...tr.querySelectorAll('td[data-value]')].map((td) => Number(td.getAttribute('data-value'))),
      ]),
    );
    expect(shown).toEqual(
      requests.buckets.map((bucket, i) => [
        bucket,
        requests.series[0]!.values[i],
        failed.series[0]!.values[i],
      ]),
    );
    // Credits by agent: each group's total, as labelled by the API.
    const credits = await world.api<Series>(
      seriesPath(`metric=credits&group_by=agent&${windowQuery(range, 'hour')}`),
    );
    const legend = await page
      .locator('[data-panel="credits"] .legend-totals li')
      .evaluateAll((lis) =>
        lis.map((li) => [li.getAttribute('data-key'), li.querySelector('span')?.textContent]),
      );
    expect(legend).toEqual(credits.series.map((line) => [line.key, line.label ?? line.key]));
    // AI tool usages by type and by status.
    for (const [panel, group] of [
      ['ai-by-type', 'tool_type'],
      ['ai-by-status', 'status'],
    ] as const) {
      const answer = await world.api<Series>(
        seriesPath(`metric=ai_tool_usages&group_by=${group}&${windowQuery(range, 'hour')}`),
      );
      const keys = await page
        .locator(`[data-panel="${panel}"] .legend-totals li`)
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-key')));
      expect(keys).toEqual(answer.series.map((line) => line.key));
    }
    // The busiest workspaces and endpoints, in the API's order with its counts.
    for (const dimension of ['workspaces', 'endpoints']) {
      const top = await world.api<Top>(
        `/v1/orgs/${world.org.id}/insights/top?dimension=${dimension}&limit=10&start_time=${encodeURIComponent(range.start)}&end_time=${encodeURIComponent(range.end)}`,
      );
      expect(top.items.length).toBeGreaterThan(0);
      const listed = await page
        .locator(`[data-panel="top-${dimension}"] tbody tr`)
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-key'),
            Number(tr.querySelector('td')?.getAttribute('data-value')),
          ]),
        );
      expect(listed).toEqual(top.items.map((item) => [item.key, item.requests]));
    }
    // Numbers are formatted for people: the tile shows 1.2k-style figures and durations in ms or s.
    expect(await text(page, '[data-metric="avg_duration_ms"] .tile-value')).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(await text(page, '[data-metric="tokens"] .tile-value')).toMatch(/^\d+(\.\d)?[kMB]?$/);
    // The busiest workspace links straight to its page with its UUID alias (seed 002's address).
    const busiest = (
      await world.api<{ items: { key: string; label: string; uuid: string | null }[] }>(
        `/v1/orgs/${world.org.id}/insights/top?dimension=workspaces&limit=1&start_time=${encodeURIComponent(range.start)}&end_time=${encodeURIComponent(range.end)}`,
      )
    ).items[0]!;
    expect(busiest.uuid).toBe(world.org.demo.workspaces.find((w) => w.id === busiest.key)!.uuid);
    await page.locator(`[data-panel="top-workspaces"] tr[data-key="${busiest.key}"] a`).click();
    await page.locator('[data-field="name"]').waitFor();
    expect(new URLSearchParams(page.url().split('?')[1]).get('uuid')).toBe(busiest.uuid);
    expect(await text(page, '[data-field="name"]')).toBe(busiest.label);
    await settled(page);
    await expectClean();
  });

  it('leads from a chart bucket to the records behind it', async () => {
    const { page } = await open();
    const range = fixedWindow(7);
    await goTo(page, `/?w=custom&start=${range.start}&end=${range.end}`);
    const requests = await world.api<Series>(seriesPath(`metric=requests&${windowQuery(range, 'hour')}`));
    const values = requests.series[0]!.values as number[];
    const busiest = values.indexOf(Math.max(...values));
    const bucket = requests.buckets[busiest]!;
    // From the chart's table (the keyboard's way to a bucket)…
    await page.locator('[data-panel="requests"] summary').click();
    await page.locator(`[data-panel="requests"] tr[data-bucket="${bucket}"] a`).click();
    await page.getByRole('heading', { name: 'Activity explorer' }).waitFor();
    await settled(page);
    expect(await attribute(page, '[data-total]', 'data-total')).toBe(String(values[busiest]));
    const bucketEnd = Date.parse(bucket) + 3_600_000;
    const listing = await world.api<{ total: number; activities: { id: string; timestamp: string }[] }>(
      `/v1/orgs/${world.org.id}/activity?start_time=${encodeURIComponent(bucket)}&end_time=${encodeURIComponent(new Date(bucketEnd).toISOString())}&limit=50`,
    );
    expect(listing.total).toBe(values[busiest]);
    const ids = await page
      .locator('table.records tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(ids).toEqual(listing.activities.map((a) => a.id));
    for (const record of listing.activities) {
      expect(Date.parse(record.timestamp)).toBeGreaterThanOrEqual(Date.parse(bucket));
      expect(Date.parse(record.timestamp)).toBeLessThan(bucketEnd);
    }
    // …and from the chart itself: a click on the plot opens the bucket under the pointer.
    await goTo(page, `/?w=custom&start=${range.start}&end=${range.end}`);
    // The average duration and tokens charts' buckets lead to the same records.
    const recordsLink = (panel: string) =>
      attribute(page, `[data-panel="${panel}"] tr[data-bucket="${bucket}"] a`, 'href');
    expect(await recordsLink('requests')).toContain('#/explorer?');
    expect(await recordsLink('duration')).toBe(await recordsLink('requests'));
    expect(await recordsLink('tokens')).toBe(await recordsLink('requests'));
    const plot = page.locator('[data-panel="requests"] .u-over');
    const box = (await plot.boundingBox())!;
    await plot.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    await plot.click({ position: { x: box.width / 2, y: box.height / 2 } });
    await page.getByRole('heading', { name: 'Activity explorer' }).waitFor();
    await settled(page);
    const clicked = new URLSearchParams(page.url().split('?')[1]).get('start_time')!;
    const index = requests.buckets.indexOf(clicked);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(await attribute(page, '[data-total]', 'data-total')).toBe(String(values[index]));
    await expectClean();
  });

  it("shows a workspace's details, series, usage history and AI tool usages as the API answers them", async () => {
    const { page } = await open();
    const workspace = world.org.demo.workspaces[0]!;
    const range = fixedWindow(7);
    await goTo(
      page,
      `/workspaces/${workspace.id}?uuid=${workspace.uuid}&w=custom&start=${range.start}&end=${range.end}`,
    );
    const details = await world.api<{
      name: string;
      hired_agent: {
        display_name: string;
        persona_name: string | null;
        agent_type: string;
        tier: string;
        status: string;
      } | null;
      integration_credentials: { provider: string; status: string; last_error: string | null }[];
      metrics_cache: Record<string, number>;
    }>(`/api/v1/workspaces/${workspace.uuid}`);
    expect(await text(page, '[data-field="name"]')).toBe(details.name);
    expect(await text(page, 'h1')).toBe(details.name);
    // The demo hired an agent and connected three integrations (one failing) for this workspace.
    const hired = details.hired_agent!;
    expect(hired).not.toBeNull();
    expect(await text(page, '[data-field="hired-agent"]')).toContain(
      `${hired.display_name} “${hired.persona_name}”`,
    );
    expect(await text(page, '[data-field="hired-agent"] .badge')).toBe(hired.status);
    expect(await text(page, '[data-field="hired-agent"] .note')).toContain(
      `${hired.agent_type}, ${hired.tier} tier, hired `,
    );
    expect(details.integration_credentials.map((i) => i.status).sort()).toEqual([
      'connected',
      'connected',
      'error',
    ]);
    const providers = await page
      .locator('[data-provider]')
      .evaluateAll((lis) =>
        lis.map((li) => [li.getAttribute('data-provider'), li.querySelector('.badge')?.textContent]),
      );
    expect(providers).toEqual(details.integration_credentials.map((i) => [i.provider, i.status]));
    const failing = details.integration_credentials.find((i) => i.status === 'error')!;
    expect(await text(page, `[data-provider="${failing.provider}"] .error-text`)).toBe(failing.last_error);
    expect(Number(await attribute(page, '[data-metric="executions_30d"] dd', 'data-value'))).toBe(
      details.metrics_cache.executions_30d,
    );
    for (const metric of ['requests', 'executions', 'credits', 'ai_tool_usages']) {
      const answer = await world.api<Series>(
        seriesPath(`metric=${metric}&${windowQuery(range, 'hour')}`, workspace.id),
      );
      expect(
        Number(await attribute(page, `[data-metric="${metric}"] .tile-value`, 'data-value')),
        metric,
      ).toBeCloseTo(answer.total!, 6);
    }
    const usage = await fetch(`${world.url}/workspaces/usage?page=1&per_page=10`, {
      headers: { authorization: `Bearer ${world.org.token}`, 'x-workspace-id': workspace.id },
    });
    const items = ((await usage.json()) as { items: { id: number }[] }).items;
    const historyIds = await page
      .locator('[data-panel="usage-history"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-id'))));
    expect(historyIds).toEqual(items.map((item) => item.id));
    const usages = await world.api<{ usages: { id: string }[]; pagination: { total: number } }>(
      `/api/v1/workspace/${workspace.id}/ai/usages?limit=10&offset=0&status=completed`,
    );
    await page.getByLabel('Status').selectOption('completed');
    await settled(page);
    expect(await attribute(page, '[data-panel="ai-usages"] [data-total]', 'data-total')).toBe(
      String(usages.pagination.total),
    );
    const usageIds = await page
      .locator('[data-panel="ai-usages"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(usageIds).toEqual(usages.usages.map((u) => u.id));
    await expectClean();
  });

  it("searches a workspace's activity with filters, pages by cursor and shows a record in full", async () => {
    const { page } = await open();
    const workspace = world.org.demo.workspaces[0]!;
    const range = fixedWindow(30);
    await goTo(page, '/explorer');
    await page.getByLabel('Workspace id').fill(workspace.id);
    await page.getByLabel('Status').selectOption('error');
    await page.getByLabel('Per page').selectOption('20');
    await page.getByLabel('Min duration (ms)').fill('10');
    await page.getByRole('button', { name: 'Search' }).click();
    await settled(page);
    // The window is fixed through the URL, like a bucket's link, so that the figures do not move.
    const hash = new URL(page.url()).hash.replace(/^#/, '');
    await goTo(
      page,
      `${hash}&start_time=${encodeURIComponent(range.start)}&end_time=${encodeURIComponent(range.end)}`,
    );
    const query = `status=error&min_duration_ms=10&limit=20&start_time=${encodeURIComponent(range.start)}&end_time=${encodeURIComponent(range.end)}`;
    const search = `/v1/orgs/${world.org.id}/workspaces/${workspace.id}/activity/search`;
    const first = await world.api<{ total: number; next_cursor: string; activities: { id: string }[] }>(
      `${search}?${query}`,
    );
    expect(first.total).toBeGreaterThan(20);
    expect(await attribute(page, '[data-total]', 'data-total')).toBe(String(first.total));
    const idsOf = () =>
      page
        .locator('table.records tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(await idsOf()).toEqual(first.activities.map((a) => a.id));
    await page.getByRole('button', { name: 'Next' }).click();
    await settled(page);
    const second = await world.api<{ activities: { id: string }[] }>(
      `${search}?${query}&cursor=${encodeURIComponent(first.next_cursor)}`,
    );
    expect(await idsOf()).toEqual(second.activities.map((a) => a.id));
    await page.getByRole('button', { name: 'Previous' }).click();
    await settled(page);
    expect(await idsOf()).toEqual(first.activities.map((a) => a.id));
    // A record's full detail, every field the API gave, reached from the keyboard.
    const record = first.activities[0]! as Record<string, unknown>;
    await page.getByRole('button', { name: `Details of record ${record.id}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Record ${record.id}` }).waitFor();
    const fields = await page
      .locator('[data-record] [data-field]')
      .evaluateAll((divs) => divs.map((d) => d.getAttribute('data-field')));
    expect(fields).toEqual(Object.keys(record));
    expect(await text(page, '[data-record] [data-field="status_code"] dd')).toBe(String(record.status_code));
    await expectClean();
  });

  it('shows an empty state for a window without data, and the refusal in each panel it concerns', async () => {
    const { page } = await open();
    // The demo covers the last 30 days: 60 to 59 days ago holds nothing.
    const day = 24 * 3_600_000;
    const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 59 * day).toISOString();
    const start = new Date(Date.parse(end) - day).toISOString();
    await goTo(page, `/?w=custom&start=${start}&end=${end}`);
    const states = () =>
      page.locator('[data-panel]').evaluateAll((panels) => panels.map((p) => p.getAttribute('data-state')));
    expect(new Set(await states())).toEqual(new Set(['empty']));
    expect(await page.locator('[data-panel="requests"] .note').textContent()).toBe(
      'No requests in this window.',
    );
    // A workspace the org does not have: every panel says what the API said, none is blank.
    const watched = opened.pop()!;
    await goTo(page, '/workspaces/999999999?uuid=00000000-0000-4000-8000-000000000000');
    const missing = await world.t.app.inject({
      method: 'GET',
      url: `/v1/orgs/${world.org.id}/workspaces/999999999/insights/series?metric=requests`,
      headers: { authorization: `Bearer ${world.org.token}` },
    });
    expect(missing.statusCode).toBe(404);
    const panels = await page
      .locator('[data-panel]')
      .evaluateAll((all) =>
        all.map((p) => [
          p.getAttribute('data-panel'),
          p.getAttribute('data-state'),
          p.querySelector('[role="alert"]')?.textContent,
        ]),
      );
    expect(panels.length).toBeGreaterThan(5);
    for (const [panel, state, message] of panels) {
      expect(state, String(panel)).toBe('error');
      expect(message, String(panel)).toBeTruthy();
    }
    const requests = panels.find(([panel]) => panel === 'requests')!;
    expect(requests[2]).toBe(missing.json().message);
    // The refused calls are the only problems on the page (the browser logs each one).
    expect(watched.problems.filter((p) => !/\b(403|404)\b/.test(p))).toEqual([]);
    expect(await watched.violations()).toEqual([]);
    await watched.close();
  });

  it('works at 390 px wide: every page fits the screen', async () => {
    const { page } = await open(390);
    const workspace = world.org.demo.workspaces[0]!;
    for (const hash of [
      '/',
      `/workspaces/${workspace.id}?uuid=${workspace.uuid}`,
      `/explorer?workspace=${workspace.id}`,
    ]) {
      await goTo(page, hash);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, hash).toBeLessThanOrEqual(0);
    }
    await expectClean();
  });

  it('fails a page that breaks its Content-Security-Policy (the watch sees violations)', async () => {
    const watched = await open();
    await watched.page.evaluate(
      "{ const script = document.createElement('script'); script.textContent = 'window.inlineRan = true'; document.body.append(script); }",
    );
    await expect.poll(() => watched.violations()).toHaveLength(1);
    expect(await watched.page.evaluate<boolean | undefined>('window.inlineRan')).toBeUndefined();
    expect(watched.problems.some((p) => p.includes('Content Security Policy'))).toBe(true);
    opened.splice(opened.indexOf(watched), 1);
    await watched.close();
  });
});
