// The read scenarios: what each one asks for, with which token, and how its requests vary.
// Issue #3 (activity, seed 004) and issue #4 (usage history, seeds 001/003) name their figures;
// the rest are measured in the same run for comparison.
import pg from 'pg';
import type { Dataset } from './dataset.js';
import type { RequestSpec } from './http-load.js';

export interface Scenario {
  name: string;
  /** The issue whose figure this is, when one asks for it. */
  issue: string | null;
  route: string;
  /** Called once before the first request (to collect cursors, say). */
  prepare?: () => Promise<void>;
  next: () => RequestSpec;
  note?: string;
}

export interface Targets {
  orgId: string;
  /** The largest workspace of the largest org in integer form (surface 001 needs integers). */
  integerWorkspaceId: string;
  /** The uuid-form workspace of the largest org with the most activity (surface 002). */
  uuidWorkspaceId: string;
  /** The workspace of the largest org with the most AI usages (offset 10,000 must exist). */
  aiWorkspaceId: string;
  aiUsages: number;
  serviceToken: string;
  ownerToken: string;
}

/** Runs one statement and returns its rows (over pg, or on an embedded PGlite). */
export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export async function withPg<T>(databaseUrl: string, run: (query: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await run(async (text, params = []) => (await client.query(text, params)).rows as never);
  } finally {
    await client.end();
  }
}

/** Picks the workspaces each route reads, from the demo's answer and the database itself. */
export async function findTargets(database: Query | string, dataset: Dataset): Promise<Targets> {
  if (typeof database === 'string') return withPg(database, (query) => findTargets(query, dataset));
  const query = database;
  const org = dataset.demo.orgs[0];
  if (!org) throw new Error('the demo printed no org');
  const integerWorkspaceId = org.workspaces.map((w) => w.id).find((id) => /^\d+$/.test(id));
  if (!integerWorkspaceId)
    throw new Error('the largest org has no integer-form workspace among its first three');
  {
    const uuid = await query<{ id: string }>(
      // Surface 002 reads a workspace by its UUID alias (the demo gives every workspace one).
      `SELECT w.uuid::text AS id FROM workspaces w WHERE w.org_id = $1 AND w.uuid IS NOT NULL
       ORDER BY (SELECT count(*) FROM ai_usages u WHERE u.org_id = w.org_id AND u.workspace_id = w.id) DESC, w.id
       LIMIT 1`,
      [org.org_id],
    );
    const ai = await query<{ workspace_id: string; n: string }>(
      `SELECT workspace_id, count(*) AS n FROM ai_usages WHERE org_id = $1
       GROUP BY workspace_id ORDER BY count(*) DESC, workspace_id LIMIT 1`,
      [org.org_id],
    );
    if (!uuid[0]) throw new Error('the largest org has no uuid-form workspace');
    if (!ai[0]) throw new Error('the largest org has no AI usages');
    return {
      orgId: org.org_id,
      integerWorkspaceId,
      uuidWorkspaceId: uuid[0].id,
      aiWorkspaceId: ai[0].workspace_id,
      aiUsages: Number(ai[0].n),
      serviceToken: org.service_token,
      ownerToken: org.owner_token,
    };
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function calendarDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function buildScenarios(
  baseUrl: string,
  targets: Targets,
  now: Date,
  maxCursorPages: number,
): Scenario[] {
  const service = bearer(targets.serviceToken);
  const org = encodeURIComponent(targets.orgId);
  const fixed =
    (path: string, headers: Record<string, string> = service) =>
    () => ({ path, headers });

  // Issue #3: the last 7 days of the largest org. The window's start is fixed for the whole run;
  // the end is open, so each first page snapshots "now" and counts the records since.
  const weekQuery = `start_time=${encodeURIComponent(new Date(now.getTime() - 7 * 86_400_000).toISOString())}`;
  const firstPage = `/v1/orgs/${org}/activity?${weekQuery}`;
  const since = (days: number) =>
    `start_time=${encodeURIComponent(new Date(now.getTime() - days * 86_400_000).toISOString())}` +
    `&end_time=${encodeURIComponent(now.toISOString())}`;
  const cursorPages: string[] = [];
  let nextCursorPage = 0;

  // Issue #4: every uncached request must miss the 60 s page cache, whose key holds the window and
  // per_page: per_page runs 1..100 and the start date moves back a day every 100 requests, always
  // covering the whole 30 days of data, so each request reads a real first page under a new key.
  const usageHeaders = { ...bearer(targets.ownerToken), 'x-workspace-id': targets.integerWorkspaceId };
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let uncached = 0;
  const uncachedKeys = 100 * 60;

  const scenarios: Scenario[] = [
    {
      name: 'activity first page + total, 7 d, org',
      issue: '#3',
      route: `GET /v1/orgs/{org}/activity?start_time=<now-7d>`,
      next: fixed(firstPage),
    },
    {
      name: 'activity cursor pages, 7 d, org',
      issue: '#3',
      route: 'GET /v1/orgs/{org}/activity?start_time=<now-7d>&cursor=<next_cursor>',
      note: 'the chain of next_cursor links from the first page, collected before measuring, then replayed in turn',
      prepare: async () => {
        let path: string | null = firstPage;
        while (path !== null && cursorPages.length < maxCursorPages) {
          const response = await fetch(`${baseUrl}${path}`, { headers: service });
          if (!response.ok)
            throw new Error(`collecting cursors: ${response.status} ${await response.text()}`);
          const body = (await response.json()) as { next_cursor: string | null };
          path = body.next_cursor
            ? `/v1/orgs/${org}/activity?${weekQuery}&cursor=${encodeURIComponent(body.next_cursor)}`
            : null;
          if (path !== null) cursorPages.push(path);
        }
        if (cursorPages.length === 0) throw new Error('the first activity page has no next_cursor');
      },
      next: () => ({ path: cursorPages[nextCursorPage++ % cursorPages.length]!, headers: service }),
    },
    {
      name: 'activity search with filters, workspace',
      issue: null,
      route: 'GET /v1/orgs/{org}/workspaces/{ws}/activity/search?action=read&status=success',
      next: fixed(
        `/v1/orgs/${org}/workspaces/${encodeURIComponent(targets.integerWorkspaceId)}/activity/search?action=read&status=success`,
      ),
    },
    {
      name: 'activity summary 24 h, org',
      issue: null,
      route: 'GET /v1/orgs/{org}/activity/summary?hours=24',
      next: fixed(`/v1/orgs/${org}/activity/summary?hours=24`),
    },
    {
      name: 'activity summary 168 h, org',
      issue: '#3',
      route: 'GET /v1/orgs/{org}/activity/summary?hours=168',
      next: fixed(`/v1/orgs/${org}/activity/summary?hours=168`),
    },
    // Issue #15: the console's charts, from rollups. The window ends at the run's start (an end
    // left to default would make the 90-day window longer than 90 days as the run goes on) and
    // still holds the busiest, current hour.
    {
      name: 'insights series 30 d hourly, org',
      issue: '#15',
      route:
        'GET /v1/orgs/{org}/insights/series?metric=requests&bucket=hour&start_time=<now-30d>&end_time=<now>',
      next: fixed(`/v1/orgs/${org}/insights/series?metric=requests&bucket=hour&${since(30)}`),
    },
    {
      name: 'insights series 90 d daily, org',
      issue: '#15',
      route:
        'GET /v1/orgs/{org}/insights/series?metric=requests&bucket=day&start_time=<now-90d>&end_time=<now>',
      next: fixed(`/v1/orgs/${org}/insights/series?metric=requests&bucket=day&${since(90)}`),
    },
    {
      name: 'usage history uncached',
      issue: '#4',
      route: 'GET /workspaces/usage?start_date=…&end_date=<today>&per_page=1..100 (owner token)',
      note: `${uncachedKeys} distinct cache keys, used in turn (each key at most once within the 60 s cache life unless more requests are sent)`,
      next: () => {
        const i = uncached++ % uncachedKeys;
        const perPage = (i % 100) + 1;
        const start = calendarDate(today - (29 + Math.floor(i / 100)) * 86_400_000);
        return {
          path: `/workspaces/usage?start_date=${start}&end_date=${calendarDate(today)}&per_page=${perPage}`,
          headers: usageHeaders,
        };
      },
    },
    {
      name: 'usage history cached',
      issue: '#4',
      route: 'GET /workspaces/usage (the same request repeated; owner token)',
      next: fixed('/workspaces/usage', usageHeaders),
    },
    {
      name: 'AI usages, offset 0',
      issue: null,
      route: 'GET /api/v1/workspace/{ws}/ai/usages?limit=50&offset=0',
      next: fixed(
        `/api/v1/workspace/${encodeURIComponent(targets.aiWorkspaceId)}/ai/usages?limit=50&offset=0`,
      ),
    },
    {
      name: 'AI usages, offset 10,000',
      issue: null,
      route: 'GET /api/v1/workspace/{ws}/ai/usages?limit=50&offset=10000',
      next: fixed(
        `/api/v1/workspace/${encodeURIComponent(targets.aiWorkspaceId)}/ai/usages?limit=50&offset=10000`,
      ),
    },
    {
      name: 'workspace (uuid)',
      issue: null,
      route: 'GET /api/v1/workspaces/{uuid}',
      next: fixed(`/api/v1/workspaces/${encodeURIComponent(targets.uuidWorkspaceId)}`),
    },
  ];
  return scenarios;
}
