// The listing's total comes from ai_usage_counts (migration 0006), kept by triggers on ai_usages.
// These tests drive it through the front door (ingestion, then the listing) across every way a
// usage changes: new, duplicate delivery, status moving forward, a stale event ignored, a move to
// another workspace, and a delete; after each step the counts must equal a count of the table.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory, uid } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

interface Usage {
  id: string;
  workspaceId: string;
  toolType: string;
  status: string;
}

function usageEvent(time: string, usage: Usage, eventId = uid('evt')) {
  return {
    specversion: '1.0',
    id: eventId,
    source: 'platform',
    type: 'ai_usage.recorded',
    time,
    data: { ...usage, cost: 0.5, inputData: { prompt: 'p' }, createdAt: '2025-02-01T10:00:00Z' },
  };
}

/** The listing's total for a filter, read with limit 1 so the page is full and the total counted. */
async function total(token: string, workspaceId: string, filter = '') {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/workspace/${workspaceId}/ai/usages?limit=1${filter}`,
    headers: bearer(token),
  });
  expect(response.statusCode).toBe(200);
  return response.json().pagination.total as number;
}

/** ai_usage_counts must equal a count of the table (rows at zero are allowed to remain). */
async function expectCountsExact(orgId: string) {
  const counted = await sql<{ key: string; n: string }>`
    SELECT workspace_id || '/' || tool_type || '/' || status AS key, count(*) AS n
      FROM ai_usages WHERE org_id = ${orgId} GROUP BY 1 ORDER BY 1`.execute(t.db);
  const kept = await sql<{ key: string; n: string }>`
    SELECT workspace_id || '/' || tool_type || '/' || status AS key, usages AS n
      FROM ai_usage_counts WHERE org_id = ${orgId} AND usages <> 0 ORDER BY 1`.execute(t.db);
  expect(kept.rows.map((row) => [row.key, Number(row.n)])).toEqual(
    counted.rows.map((row) => [row.key, Number(row.n)]),
  );
}

describe('AI usage totals (ai_usage_counts)', () => {
  it('stay exact through new, duplicate, updated, stale, moved and deleted usages', async () => {
    const w = await f.world();
    const other = await f.workspace(w.org.id, { ownerId: w.owner.id });
    const token = w.serviceToken.token;
    const a = w.workspace.id;
    const usages: Usage[] = [
      { id: 'u1', workspaceId: a, toolType: 'image-generation', status: 'pending' },
      { id: 'u2', workspaceId: a, toolType: 'image-generation', status: 'pending' },
      { id: 'u3', workspaceId: a, toolType: 'session-summary', status: 'pending' },
      { id: 'u4', workspaceId: a, toolType: 'other', status: 'failed' },
      { id: 'u5', workspaceId: a, toolType: 'other', status: 'completed' },
    ];
    const first = usages.map((usage) => usageEvent('2025-02-01T10:00:00Z', usage));
    await f.ingest(token, first);
    expect(await total(token, a)).toBe(5);
    expect(await total(token, a, '&status=pending')).toBe(3);
    expect(await total(token, a, '&toolType=other')).toBe(2);
    expect(await total(token, a, '&toolType=image-generation&status=pending')).toBe(2);
    await expectCountsExact(w.org.id);

    // The same events again (a retried delivery) change nothing.
    await f.ingest(token, first);
    expect(await total(token, a)).toBe(5);
    await expectCountsExact(w.org.id);

    // u1 completes, u3 moves to the other workspace, and a stale event for u2 is ignored.
    await f.ingest(token, [
      usageEvent('2025-02-01T10:05:00Z', { ...usages[0]!, status: 'completed' }),
      usageEvent('2025-02-01T10:05:00Z', { ...usages[2]!, workspaceId: other.id, status: 'failed' }),
      usageEvent('2025-02-01T09:00:00Z', { ...usages[1]!, status: 'failed' }),
    ]);
    expect(await total(token, a)).toBe(4);
    expect(await total(token, a, '&status=pending')).toBe(1);
    expect(await total(token, a, '&status=completed')).toBe(2);
    expect(await total(token, a, '&toolType=image-generation&status=completed')).toBe(1);
    expect(await total(token, other.id)).toBe(1);
    expect(await total(token, other.id, '&toolType=session-summary&status=failed')).toBe(1);
    await expectCountsExact(w.org.id);

    // Rows deleted outside ingestion (an operator's cleanup) lower the counts too.
    await sql`DELETE FROM ai_usages WHERE org_id = ${w.org.id} AND id IN ('u4', 'u5')`.execute(t.db);
    expect(await total(token, a, '&toolType=other')).toBe(0);
    expect(await total(token, a)).toBe(2);
    await expectCountsExact(w.org.id);
  });

  it('are kept per org: the same ids and workspace keys elsewhere count apart', async () => {
    const one = await f.world();
    const two = await f.world();
    const usage = (workspaceId: string): Usage => ({
      id: 'same-id',
      workspaceId,
      toolType: 'other',
      status: 'pending',
    });
    await f.ingest(one.serviceToken.token, [usageEvent('2025-02-01T10:00:00Z', usage(one.workspace.id))]);
    await f.ingest(two.serviceToken.token, [usageEvent('2025-02-01T10:00:00Z', usage(two.workspace.id))]);
    expect(await total(one.serviceToken.token, one.workspace.id)).toBe(1);
    expect(await total(two.serviceToken.token, two.workspace.id)).toBe(1);
    await expectCountsExact(one.org.id);
    await expectCountsExact(two.org.id);
  });
});
