// The rollups behind the insights API (migration 0009) against a direct aggregate of the records
// they count, after every way a record changes: ingestion of new executions and usages, duplicate
// deliveries, a newer event changing status, credits, tokens, workspace or creation time, an older
// event that changes nothing, archive and edit, a direct UPDATE of an execution's tokens (the OTLP
// path), deletes, and the migration's backfill of rows stored before it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up as migrateInsights } from '../../src/db/migrations/0009_insights_rollups.js';
import { createLiveViews } from '../../src/db/migrations/0011_activity_rollup_queue.js';
import { foldQueue } from '../../src/ledger/activity/rollup-queue.js';
import { Factory, uid } from '../helpers/factories.js';
import { foldRollups } from '../helpers/rollups.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { executionEvent, sourceEvent } from '../usage-history/helpers.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const SCOPES = sql`(VALUES ('org'), ('workspace')) AS s(scope)`;
const GRAINS = sql`(VALUES ('hour'), ('day')) AS g(grain)`;
const bucket = (column: string) =>
  sql.raw(`date_trunc(g.grain, ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`);

/** Rollup rows (those not at zero) as text, keyed, beside the same sums computed from the records. */
async function executionSums(orgId: string) {
  const kept = await sql<{ row: string }>`
    SELECT concat_ws('|', scope, workspace_id, grain, bucket::text, agent_id, status, executions,
      credits::numeric(20, 4), tokens) AS row
    FROM execution_rollups WHERE org_id = ${orgId} AND executions <> 0 ORDER BY 1`.execute(t.db);
  const counted = await sql<{ row: string }>`
    SELECT concat_ws('|', a, b, c, d, e, f, g, h, i) AS row FROM (
      SELECT s.scope AS a, CASE WHEN s.scope = 'org' THEN '' ELSE e.workspace_id END AS b, g.grain AS c,
        (${bucket('e.created_at')})::text AS d, e.agent_id AS e, e.status AS f, count(*) AS g,
        sum(e.credits)::numeric(20, 4) AS h,
        sum(coalesce(e.tokens_total, coalesce(e.tokens_input, 0) + coalesce(e.tokens_output, 0))) AS i
      FROM executions e CROSS JOIN ${SCOPES} CROSS JOIN ${GRAINS}
      WHERE e.org_id = ${orgId}
      GROUP BY 1, 2, 3, 4, 5, 6) AS x ORDER BY 1`.execute(t.db);
  return { kept: kept.rows.map((r) => r.row), counted: counted.rows.map((r) => r.row) };
}

async function usageSums(orgId: string) {
  const kept = await sql<{ row: string }>`
    SELECT concat_ws('|', scope, workspace_id, grain, bucket::text, tool_type, status, usages,
      cost::numeric(20, 4)) AS row
    FROM ai_usage_rollups WHERE org_id = ${orgId} AND usages <> 0 ORDER BY 1`.execute(t.db);
  const counted = await sql<{ row: string }>`
    SELECT concat_ws('|', a, b, c, d, e, f, g, h) AS row FROM (
      SELECT s.scope AS a, CASE WHEN s.scope = 'org' THEN '' ELSE u.workspace_id END AS b, g.grain AS c,
        (${bucket('u.created_at')})::text AS d, u.tool_type AS e, u.status AS f, count(*) AS g,
        sum(u.cost)::numeric(20, 4) AS h
      FROM ai_usages u CROSS JOIN ${SCOPES} CROSS JOIN ${GRAINS}
      WHERE u.org_id = ${orgId}
      GROUP BY 1, 2, 3, 4, 5, 6) AS x ORDER BY 1`.execute(t.db);
  return { kept: kept.rows.map((r) => r.row), counted: counted.rows.map((r) => r.row) };
}

/**
 * The test's records are all before this; the org's own requests (self-recorded, flushed in the
 * background) land at now and are left out of the comparisons.
 */
const PAST = sql`'2026-06-01T00:00:00Z'::timestamptz`;

async function activityTotals(orgId: string) {
  await foldRollups(t.db);
  const rows = await sql<{ row: string }>`
    SELECT concat_ws('|', scope, scope_id, grain, bucket::text, requests, failed, duration_sum::numeric(20, 4),
      duration_count, tokens_sum) AS row
    FROM activity_totals WHERE org_id = ${orgId} AND bucket < ${PAST} ORDER BY 1`.execute(t.db);
  return rows.rows.map((r) => r.row);
}

async function expectExact(orgId: string) {
  const executions = await executionSums(orgId);
  expect(executions.kept).toEqual(executions.counted);
  const usages = await usageSums(orgId);
  expect(usages.kept).toEqual(usages.counted);
  return { executions: executions.kept, usages: usages.kept };
}

function usageEvent(time: string, data: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: uid('evt'),
    source: 'test/insights',
    type: 'ai_usage.recorded',
    time,
    data: { cost: 0.25, inputData: {}, createdAt: '2026-03-01T10:20:00Z', ...data },
  };
}

describe('insights rollups (executions, AI tool usages)', () => {
  it('stay exact through writes, overwrites, stale events, archive/edit, direct updates and deletes', async () => {
    const w = await f.world();
    const other = await f.workspace(w.org.id, { ownerId: w.owner.id });
    const chat = await f.agent(w.org.id, { type: 'chat' });
    const image = await f.agent(w.org.id, { type: 'image' });
    const token = w.serviceToken.token;
    const base = { workspaceId: w.workspace.id, userId: w.owner.id };
    const first = [
      executionEvent({
        ...base,
        id: 'e1',
        agent: chat,
        credits: 2.5,
        createdAt: '2026-03-01T10:15:00Z',
        tokens: { input: 10, output: 5, total: 15 },
      }),
      executionEvent({
        ...base,
        id: 'e2',
        agent: chat,
        status: 'running',
        credits: 1,
        createdAt: '2026-03-01T10:45:00Z',
      }),
      executionEvent({ ...base, id: 'e3', agent: image, credits: 4, createdAt: '2026-03-01T23:59:59Z' }),
      executionEvent({
        ...base,
        id: 'e4',
        agent: image,
        workspaceId: other.id,
        createdAt: '2026-03-02T00:00:00Z',
      }),
    ];
    const usages = [
      usageEvent('2026-03-01T10:20:00Z', {
        id: 'u1',
        workspaceId: w.workspace.id,
        toolType: 'image-generation',
        status: 'pending',
      }),
      usageEvent('2026-03-01T10:20:00Z', {
        id: 'u2',
        workspaceId: other.id,
        toolType: 'other',
        status: 'completed',
        cost: 1.5,
      }),
    ];
    await f.ingest(token, [...first, ...usages]);
    const afterFirst = await expectExact(w.org.id);
    expect(afterFirst.executions).toContain(
      `org||hour|2026-03-01 10:00:00+00|${chat.id}|succeeded|1|2.5000|15`,
    );
    expect(afterFirst.executions).toContain(
      `workspace|${w.workspace.id}|day|2026-03-01 00:00:00+00|${image.id}|succeeded|1|4.0000|0`,
    );

    // Duplicates (the same events again) change nothing.
    await f.ingest(token, [...first, ...usages]);
    expect(await expectExact(w.org.id)).toEqual(afterFirst);

    // Newer events: e2 finishes with credits and tokens, e3 moves to the other workspace and the
    // next day; u1 completes with another cost. An older event for e1 changes nothing.
    await f.ingest(token, [
      {
        ...executionEvent({
          ...base,
          id: 'e2',
          agent: chat,
          status: 'failed',
          credits: 3.75,
          createdAt: '2026-03-01T10:45:00Z',
          tokens: { input: 100, output: 20, total: 120 },
        }),
        time: '2026-03-01T11:00:00Z',
      },
      {
        ...executionEvent({
          ...base,
          id: 'e3',
          workspaceId: other.id,
          agent: image,
          credits: 4,
          createdAt: '2026-03-02T01:00:00Z',
        }),
        time: '2026-03-02T01:00:00Z',
      },
      {
        ...executionEvent({
          ...base,
          id: 'e1',
          agent: chat,
          status: 'failed',
          credits: 99,
          createdAt: '2026-03-01T10:15:00Z',
        }),
        time: '2026-03-01T09:00:00Z',
      },
      usageEvent('2026-03-01T10:30:00Z', {
        id: 'u1',
        workspaceId: w.workspace.id,
        toolType: 'image-generation',
        status: 'completed',
        cost: 0.75,
      }),
    ]);
    const afterNewer = await expectExact(w.org.id);
    expect(afterNewer.executions).toContain(
      `org||hour|2026-03-01 10:00:00+00|${chat.id}|succeeded|1|2.5000|15`,
    );
    expect(afterNewer.executions).toContain(
      `org||hour|2026-03-01 10:00:00+00|${chat.id}|failed|1|3.7500|120`,
    );
    expect(afterNewer.executions).not.toContain(
      `org||day|2026-03-01 00:00:00+00|${image.id}|succeeded|1|4.0000|0`,
    );
    expect(afterNewer.usages).toContain(
      `org||hour|2026-03-01 10:00:00+00|image-generation|completed|1|0.7500`,
    );

    // Archive and edit keep the billing facts: the rollups do not move.
    await f.ingest(token, [
      sourceEvent('archived', 'e1', w.workspace.id, '2026-03-01T12:00:00Z'),
      sourceEvent('edited', 'e2', w.workspace.id, '2026-03-01T12:00:00Z'),
    ]);
    expect(await expectExact(w.org.id)).toEqual(afterNewer);

    // The OTLP path adds model-call tokens to a stored execution by a direct UPDATE.
    await sql`UPDATE executions SET tokens_input = coalesce(tokens_input, 0) + 40, tokens_total = NULL
      WHERE org_id = ${w.org.id} AND id IN ('e1', 'e4')`.execute(t.db);
    const afterUpdate = await expectExact(w.org.id);
    expect(afterUpdate.executions).toContain(
      `org||hour|2026-03-01 10:00:00+00|${chat.id}|succeeded|1|2.5000|55`,
    );
    expect(afterUpdate.executions).toContain(
      `workspace|${other.id}|hour|2026-03-02 00:00:00+00|${image.id}|succeeded|1|1.0000|40`,
    );

    // An update that moves nothing the rollups count (and one that matches no row).
    await sql`UPDATE executions SET output = 'x' WHERE org_id = ${w.org.id}`.execute(t.db);
    await sql`UPDATE executions SET credits = 5 WHERE org_id = ${w.org.id} AND id = 'none'`.execute(t.db);
    expect(await expectExact(w.org.id)).toEqual(afterUpdate);

    // Deletes lower the rows; emptying the rollups first, then the records, leaves nothing behind.
    await sql`DELETE FROM executions WHERE org_id = ${w.org.id} AND id = 'e4'`.execute(t.db);
    await sql`DELETE FROM ai_usages WHERE org_id = ${w.org.id} AND id = 'u2'`.execute(t.db);
    await expectExact(w.org.id);
    await sql`DELETE FROM execution_rollups WHERE org_id = ${w.org.id}`.execute(t.db);
    await sql`DELETE FROM executions WHERE org_id = ${w.org.id}`.execute(t.db);
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM execution_rollups WHERE org_id = ${w.org.id}`.execute(t.db);
    expect(left.rows[0]!.n).toBe(0);
  });

  it('one statement changing many rows (in both directions) stays exact', async () => {
    const w = await f.world();
    const chat = await f.agent(w.org.id, { type: 'chat' });
    const events = Array.from({ length: 60 }, (_, i) =>
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        id: `m${i}`,
        agent: chat,
        status: i % 3 === 0 ? 'failed' : 'succeeded',
        credits: i / 4,
        createdAt: new Date(Date.UTC(2026, 2, 1, i % 30, i)).toISOString(),
        tokens: i % 2 ? { input: i, output: i, total: 2 * i } : null,
      }),
    );
    await f.ingest(w.serviceToken.token, events);
    await expectExact(w.org.id);
    await sql`UPDATE executions SET status = CASE WHEN status = 'failed' THEN 'succeeded' ELSE 'failed' END,
      credits = credits * 2, created_at = created_at + interval '50 minutes'
      WHERE org_id = ${w.org.id}`.execute(t.db);
    await expectExact(w.org.id);
  });
});

describe('migration 0009', () => {
  it('rolls up executions, usages and activity stored before it', async () => {
    const w = await f.world();
    const chat = await f.agent(w.org.id, { type: 'chat' });
    await f.ingest(w.serviceToken.token, [
      executionEvent({
        workspaceId: w.workspace.id,
        userId: w.owner.id,
        id: 'b1',
        agent: chat,
        credits: 2,
        createdAt: '2026-03-01T10:15:00Z',
        tokens: { input: 1, output: 2, total: 3 },
      }),
      usageEvent('2026-03-01T10:20:00Z', {
        id: 'b2',
        workspaceId: w.workspace.id,
        toolType: 'other',
        status: 'failed',
      }),
      {
        specversion: '1.0',
        id: uid('evt'),
        source: 'test/insights',
        type: 'activity.recorded',
        time: '2026-03-01T10:00:00Z',
        data: {
          id: 'a1',
          timestamp: '2026-03-01T10:00:00Z',
          user_id: w.owner.id,
          workspace_id: w.workspace.id,
          resource_type: 'endpoint',
          resource_id: 'ep-1',
          action: 'read',
          success: false,
        },
      },
    ]);
    const before = await expectExact(w.org.id);
    const totalsBefore = await activityTotals(w.org.id);
    expect(totalsBefore).toContain('org|[]|hour|2026-03-01 10:00:00+00|1|1|0.0000|0|0');
    const keysBefore = await sql<{ row: string }>`
      SELECT concat_ws('|', workspace_id, dimension, key, grain, bucket::text, requests, failed) AS row
      FROM activity_key_rollups WHERE org_id = ${w.org.id} AND bucket < ${PAST} ORDER BY 1`.execute(t.db);
    expect(keysBefore.rows.map((r) => r.row)).toEqual([
      `${w.workspace.id}|endpoint|ep-1|day|2026-03-01 00:00:00+00|1|1`,
      `${w.workspace.id}|endpoint|ep-1|hour|2026-03-01 10:00:00+00|1|1`,
      `${w.workspace.id}|user|${w.owner.id}|day|2026-03-01 00:00:00+00|1|1`,
      `${w.workspace.id}|user|${w.owner.id}|hour|2026-03-01 10:00:00+00|1|1`,
    ]);
    // Drop what 0009 made (this database's copy only), then apply it again over the stored rows,
    // in one transaction as the migrator runs it. The app's self-recording keeps writing activity
    // meanwhile: it waits for the lock on activities, so the backfill sees every record and
    // nothing writes the totals before it. The rollup queue (0011, after 0009) is folded first,
    // under a lock that waits for any fold of the app's to end, so the backfill counts no record
    // that a queued row would count again.
    await t.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE activities IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      await sql`LOCK TABLE activity_rollup_queue IN EXCLUSIVE MODE`.execute(trx);
      await foldQueue(trx);
      for (const statement of [
        'DROP VIEW activity_totals_live',
        'DROP VIEW activity_key_rollups_live',
        'DROP TABLE execution_rollups',
        'DROP TABLE ai_usage_rollups',
        'DROP TABLE activity_key_rollups',
        'DROP TABLE activity_totals',
        'DROP FUNCTION execution_rollups_apply CASCADE',
        'DROP FUNCTION ai_usage_rollups_apply CASCADE',
      ])
        await sql.raw(statement).execute(trx);
      await migrateInsights(trx);
      await createLiveViews(trx);
    });
    expect(await expectExact(w.org.id)).toEqual(before);
    const keysAfter = await sql<{ row: string }>`
      SELECT concat_ws('|', workspace_id, dimension, key, grain, bucket::text, requests, failed) AS row
      FROM activity_key_rollups WHERE org_id = ${w.org.id} AND bucket < ${PAST} ORDER BY 1`.execute(t.db);
    expect(keysAfter.rows).toEqual(keysBefore.rows);
    expect(await activityTotals(w.org.id)).toEqual(totalsBefore);
  });

  it('activity_totals equal a direct aggregate of the records, after batches with duplicates', async () => {
    const w = await f.world();
    const events = Array.from({ length: 40 }, (_, i) => ({
      specversion: '1.0',
      id: `evt-t-${i}`,
      source: 'test/insights',
      type: 'activity.recorded',
      time: '2026-03-01T10:00:00Z',
      data: {
        id: `t${i}`,
        timestamp: new Date(Date.UTC(2026, 2, 1, i % 26, i)).toISOString(),
        ...(i % 4 === 0 ? {} : { workspace_id: w.workspace.id }),
        success: i % 3 !== 0,
        ...(i % 5 === 0 ? {} : { duration_ms: i * 1.5 }),
        token_usage: { total_tokens: i },
      },
    }));
    await f.ingest(w.serviceToken.token, events.slice(0, 25));
    await f.ingest(w.serviceToken.token, events.slice(15));
    const kept = await activityTotals(w.org.id);
    const counted = await sql<{ row: string }>`
      SELECT concat_ws('|', a, b, c, d, e, f, g, h, i) AS row FROM (
        SELECT s.scope AS a, CASE WHEN s.scope = 'org' THEN '[]' ELSE json_build_array(x.workspace_id)::text END AS b,
          g.grain AS c, (${bucket('x."timestamp"')})::text AS d, count(*) AS e,
          count(*) FILTER (WHERE NOT x.success) AS f, coalesce(sum(x.duration_ms), 0)::numeric(20, 4) AS g,
          count(x.duration_ms) AS h, coalesce(sum(x.tokens_total), 0) AS i
        FROM activities x CROSS JOIN ${SCOPES} CROSS JOIN ${GRAINS}
        WHERE x.org_id = ${w.org.id} AND (s.scope = 'org' OR x.workspace_id IS NOT NULL) AND x."timestamp" < ${PAST}
        GROUP BY 1, 2, 3, 4) AS y ORDER BY 1`.execute(t.db);
    expect(kept).toEqual(counted.rows.map((r) => r.row));
    expect(kept).toContain('org|[]|day|2026-03-01 00:00:00+00|38|13|924.0000|31|731');
  });
});
