// Deep offsets stay fast: the page's keys are skipped on the (org_id, workspace_id[, tool_type]
// [, status], created_at, id) indexes, never on the table, and the total is read from
// ai_usage_counts.
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AiUsageQuery, aiUsageCountQuery, aiUsagePageQuery } from '../../src/ledger/ai-usages/list.js';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
let w: Awaited<ReturnType<Factory['world']>>;
const COUNT = 12_000;
const TOOL_TYPES = ['product-marketing-post', 'image-generation', 'session-summary', 'other'];
const STATUSES = ['pending', 'completed', 'failed'];
const BASE = Date.UTC(2025, 0, 1);

/** Usage i: created i seconds after BASE, tool type i mod 4, status i mod 3. */
async function fill(orgId: string, workspaceId: string, count: number) {
  await sql`
    INSERT INTO ai_usages (org_id, id, workspace_id, tool_type, status, cost, input_data, response_data,
      created_at, completed_at, event_time)
    SELECT ${orgId}, 'deep-' || lpad(i::text, 6, '0'), ${workspaceId},
           (ARRAY['product-marketing-post','image-generation','session-summary','other'])[i % 4 + 1],
           (ARRAY['pending','completed','failed'])[i % 3 + 1],
           (i % 10) / 10.0, '{}'::jsonb, jsonb_build_object('n', i),
           ${new Date(BASE).toISOString()}::timestamptz + make_interval(secs => i), NULL,
           ${new Date(BASE).toISOString()}::timestamptz + make_interval(secs => i)
      FROM generate_series(0, ${count - 1}) AS i`.execute(t.db);
}

beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  w = await f.world();
  const neighbour = await f.workspace(w.org.id, { ownerId: w.owner.id });
  await fill(w.org.id, w.workspace.id, COUNT);
  // Other workspaces' rows make the table larger than the workspace, as in production.
  await sql`
    INSERT INTO ai_usages (org_id, id, workspace_id, tool_type, status, created_at, event_time)
    SELECT ${w.org.id}, 'other-' || i, ${neighbour.id}, 'other', 'completed', now(), now()
      FROM generate_series(1, 36000) AS i`.execute(t.db);
  await sql`VACUUM ANALYZE ai_usages`.execute(t.db);
}, 120_000);
afterAll(() => t.close());

const idOf = (i: number) => `deep-${String(i).padStart(6, '0')}`;

describe('deep offsets', () => {
  it('pages at offset 10,000 correctly and quickly', async () => {
    const started = performance.now();
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workspace/${w.workspace.id}/ai/usages?limit=50&offset=10000`,
      headers: bearer(w.ownerToken.token),
    });
    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // Newest first: usage COUNT-1 is at offset 0, so offset 10,000 starts at COUNT-1-10,000.
    expect(body.usages.map((u: { id: string }) => u.id)).toEqual(
      Array.from({ length: 50 }, (_, k) => idOf(COUNT - 1 - 10_000 - k)),
    );
    expect(body.usages[0]).toEqual({
      id: idOf(1999),
      workspaceId: w.workspace.id,
      toolType: TOOL_TYPES[1999 % 4],
      status: STATUSES[1999 % 3],
      cost: 0.9,
      inputData: {},
      responseData: { n: 1999 },
      createdAt: new Date(BASE + 1999 * 1000).toISOString(),
      completedAt: null,
    });
    expect(body.pagination).toEqual({ total: COUNT, limit: 50, offset: 10_000, hasMore: true });
    expect(elapsed).toBeLessThan(2000);
  });

  it('pages filtered listings at depth', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workspace/${w.workspace.id}/ai/usages?limit=3&offset=2000&toolType=other&status=pending`,
      headers: bearer(w.ownerToken.token),
    });
    // other ⇔ i ≡ 3 (mod 4), pending ⇔ i ≡ 0 (mod 3): i ≡ 3 (mod 12), newest first.
    const matching = Array.from({ length: COUNT }, (_, i) => i)
      .filter((i) => i % 12 === 3)
      .reverse();
    expect(response.json()).toEqual({
      usages: expect.any(Array),
      pagination: { total: matching.length, limit: 3, offset: 2000, hasMore: false },
    });
    expect(response.json().usages).toEqual([]);
    const shallower = await t.app.inject({
      method: 'GET',
      url: `/api/v1/workspace/${w.workspace.id}/ai/usages?limit=3&offset=900&toolType=other&status=pending`,
      headers: bearer(w.ownerToken.token),
    });
    expect(shallower.json().usages.map((u: { id: string }) => u.id)).toEqual(
      matching.slice(900, 903).map(idOf),
    );
    expect(shallower.json().pagination).toEqual({ total: 1000, limit: 3, offset: 900, hasMore: true });
  });

  async function plan(compiled: CompiledQuery): Promise<string> {
    const result = await t.db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`EXPLAIN ${compiled.sql}`, [...compiled.parameters]),
    );
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it.each([
    [{}, 'ai_usages_workspace_time_idx'],
    [{ toolType: 'other' }, 'ai_usages_tool'],
    [{ status: 'failed' }, 'ai_usages_status_time_idx'],
    [{ toolType: 'other', status: 'failed' }, 'ai_usages_tool_status_time_idx'],
  ] as const)('skips on an index and counts from ai_usage_counts (%o)', async (filters, index) => {
    const query: AiUsageQuery = { limit: 50, offset: 10_000, ...filters };
    const page = await plan(aiUsagePageQuery(w.org.id, w.workspace.id, query));
    const count = await plan(aiUsageCountQuery(t.db, w.org.id, w.workspace.id, query).compile());
    expect(page).toContain(index);
    expect(page).not.toMatch(/Seq Scan on ai_usages/);
    expect(page).toMatch(/Index Only Scan using ai_usages_/);
    // The total never reads ai_usages itself: at most 12 rows per workspace are summed.
    expect(count).toContain('ai_usage_counts');
    expect(count).not.toMatch(/on ai_usages\b/);
  });
});
