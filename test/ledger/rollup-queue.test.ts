// Activity rollups folded after the commit (src/ledger/activity/rollup-queue.ts, rollup-folder.ts):
// every read that uses the activity rollups answers the same before the queue is folded as after,
// for its own org only; a fold moves each queued cell into the tables exactly once, also when
// folds run side by side; the folder folds on its own pace and on close.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldQueue, foldStatement } from '../../src/ledger/activity/rollup-queue.js';
import { get } from '../activity/fixtures.js';
import { Factory, uid } from '../helpers/factories.js';
import { FOLD_WHEN_TOLD, foldRollups } from '../helpers/rollups.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';
import { insightsWorld, WINDOW } from '../insights/world.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp(FOLD_WHEN_TOLD);
  f = new Factory(t);
});
afterAll(() => t.close());

/** One activity record at `time`, as a CloudEvent. */
const oneEvent = (time: string) => {
  const id = uid('act');
  return {
    specversion: '1.0',
    id,
    source: 'test/rollup-queue',
    type: 'activity.recorded',
    time,
    data: { id, timestamp: time, success: true },
  };
};

const queuedRows = async (orgId: string) =>
  Number(
    (
      await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM activity_rollup_queue WHERE org_id = ${orgId}`.execute(t.db)
    ).rows[0]!.n,
  );

const queuedIds = async (orgId: string) =>
  (
    await sql<{
      id: string;
    }>`SELECT id::text AS id FROM activity_rollup_queue WHERE org_id = ${orgId}`.execute(t.db)
  ).rows.map((row) => row.id);

/** Rows of the three tables in the test's past (the org's own requests are recorded at now). */
const tableRows = async (orgId: string) =>
  Number(
    (
      await sql<{ n: string }>`SELECT
        (SELECT count(*) FROM activity_rollups WHERE org_id = ${orgId} AND bucket < '2026-06-01') +
        (SELECT count(*) FROM activity_totals WHERE org_id = ${orgId} AND bucket < '2026-06-01') +
        (SELECT count(*) FROM activity_key_rollups WHERE org_id = ${orgId} AND bucket < '2026-06-01') AS n`.execute(
        t.db,
      )
    ).rows[0]!.n,
  );

/** Every read answered from the activity rollups, for one org of the insights world. */
async function rollupAnswers(w: Awaited<ReturnType<typeof insightsWorld>>): Promise<string[]> {
  const org = `/v1/orgs/${w.org.id}`;
  const urls = [
    ...['requests', 'failed_requests', 'avg_duration_ms', 'tokens'].flatMap((metric) => [
      `${org}/insights/series?metric=${metric}&${WINDOW}`,
      `${org}/workspaces/${w.w1.id}/insights/series?metric=${metric}&${WINDOW}`,
      ...['action', 'resource_type', 'status', 'workspace'].map(
        (group) => `${org}/insights/series?metric=${metric}&group_by=${group}&${WINDOW}`,
      ),
      `${org}/insights/series?metric=${metric}&bucket=day&start_time=2026-03-01T00:00:00Z&end_time=2026-03-03T00:00:00Z`,
    ]),
    ...['workspaces', 'users', 'endpoints'].flatMap((dimension) => [
      `${org}/insights/top?dimension=${dimension}&${WINDOW}`,
      `${org}/insights/top?dimension=${dimension}&start_time=2026-03-01T00:00:00Z&end_time=2026-03-03T00:00:00Z`,
    ]),
    `${org}/workspaces/${w.w1.id}/insights/top?dimension=users&${WINDOW}`,
    // A first page's total: whole hours from activity_rollups, the edges from the records.
    `${org}/activity?start_time=2026-03-01T09:30:00Z&end_time=2026-03-02T01:00:00Z&limit=1`,
    `${org}/workspaces/${w.w1.id}/activity?start_time=2026-03-01T00:00:00Z&end_time=2026-03-03T00:00:00Z&limit=1`,
  ];
  const answers: string[] = [];
  for (const url of urls) {
    const response = await get(t, url, w.serviceToken.token);
    expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(200);
    answers.push(`${url.replace(w.org.id, 'ORG')}\n${JSON.stringify(response.body)}`);
  }
  return answers;
}

describe('activity rollups folded after the commit', () => {
  it('reads count queued cells at once, only in their own org, and answer the same once folded', async () => {
    const a = await insightsWorld(f);
    const b = await insightsWorld(f);
    // Nothing folded yet: every cell of both orgs is in the queue, none in the tables.
    expect(await queuedRows(a.org.id)).toBeGreaterThan(0);
    expect(await queuedRows(b.org.id)).toBeGreaterThan(0);
    expect(await tableRows(a.org.id)).toBe(0);

    const queued = await rollupAnswers(a);
    // The known answers of the world (test/insights/top.test.ts), from the queue alone.
    const workspaces = JSON.parse(
      queued.find((line) => line.includes('top?dimension=workspaces'))!.split('\n')[1]!,
    );
    expect(
      workspaces.items.map((item: { requests: number; failed: number }) => [item.requests, item.failed]),
    ).toEqual([
      [3, 1],
      [1, 0],
    ]);

    // The fold takes every row queued before it, of both orgs. (The requests above are
    // self-recorded in their org, and the recorder's next flush may queue a row after the fold:
    // not the fold's. A CI run caught one, counting rows instead.)
    await t.app.recorder.flush();
    const before = [...(await queuedIds(a.org.id)), ...(await queuedIds(b.org.id))];
    await t.app.rollupFolder.fold();
    const left = new Set([...(await queuedIds(a.org.id)), ...(await queuedIds(b.org.id))]);
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((id) => left.has(id))).toEqual([]);
    expect(await tableRows(a.org.id)).toBeGreaterThan(0);
    expect(await rollupAnswers(a)).toEqual(queued);
  });

  it('moves every queued cell into the tables once, also with folds side by side', async () => {
    const w = await f.world();
    const events = (round: number) =>
      Array.from({ length: 30 }, (_, i) => ({
        specversion: '1.0',
        id: uid('evt'),
        source: 'test/rollup-queue',
        type: 'activity.recorded',
        time: '2026-03-05T10:00:00Z',
        data: {
          id: uid('act'),
          timestamp: new Date(Date.UTC(2026, 2, 5, (i + round) % 24, i)).toISOString(),
          ...(i % 3 === 0 ? {} : { workspace_id: w.workspace.id }),
          ...(i % 4 === 0 ? {} : { user_id: w.owner.id }),
          action: ['read', 'create'][i % 2],
          resource_type: i % 5 === 0 ? 'endpoint' : 'workspace',
          resource_id: `r-${i % 3}`,
          success: i % 7 !== 0,
          duration_ms: i * 2,
          token_usage: { total_tokens: i },
        },
      }));
    for (let round = 0; round < 12; round += 1) await f.ingest(w.serviceToken.token, events(round));
    await t.app.recorder.flush();
    expect(await queuedRows(w.org.id)).toBeGreaterThanOrEqual(12);
    // Four folds at once, each a statement of at most two queue rows: on PostgreSQL they run on
    // connections of their own and skip the rows another holds.
    await Promise.all([0, 1, 2, 3].map(() => foldAll(2)));
    expect(await queuedRows(w.org.id)).toBe(0);
    const folded = await sql<{ row: string }>`
      SELECT concat_ws('|', scope, scope_id, grain, bucket::text, requests, failed, duration_sum,
        duration_count, tokens_sum) AS row
      FROM activity_totals WHERE org_id = ${w.org.id} AND bucket < '2026-06-01' ORDER BY 1`.execute(t.db);
    const counted = await sql<{ row: string }>`
      SELECT concat_ws('|', a, b, c, d, e, f, g, h, i) AS row FROM (
        SELECT s.scope AS a, CASE WHEN s.scope = 'org' THEN '[]' ELSE json_build_array(x.workspace_id)::text END AS b,
          g.grain AS c, (date_trunc(g.grain, x."timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::text AS d,
          count(*) AS e, count(*) FILTER (WHERE NOT x.success) AS f, sum(x.duration_ms) AS g,
          count(x.duration_ms) AS h, sum(x.tokens_total) AS i
        FROM activities x CROSS JOIN (VALUES ('org'), ('workspace')) AS s(scope)
          CROSS JOIN (VALUES ('hour'), ('day')) AS g(grain)
        WHERE x.org_id = ${w.org.id} AND (s.scope = 'org' OR x.workspace_id IS NOT NULL)
          AND x."timestamp" < '2026-06-01'
        GROUP BY 1, 2, 3, 4) AS y ORDER BY 1`.execute(t.db);
    expect(folded.rows.length).toBeGreaterThan(40);
    expect(folded.rows).toEqual(counted.rows);
    const users = await sql<{ requests: string }>`
      SELECT sum(requests) AS requests FROM activity_key_rollups
      WHERE org_id = ${w.org.id} AND dimension = 'user' AND grain = 'day' AND bucket < '2026-06-01'`.execute(
      t.db,
    );
    // 30 records a round, of which those with i % 4 !== 0 name the user: 22 a round.
    expect(Number(users.rows[0]!.requests)).toBe(12 * 22);
  });

  it.runIf(testDatabaseKind() === 'postgres')('leaves the rows another fold holds to it', async () => {
    const w = await f.world();
    await f.ingest(w.serviceToken.token, [oneEvent('2026-03-06T10:00:00Z')]);
    await t.app.recorder.flush();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let taken = -1;
    // One fold holds every queue row in an open transaction; another, meanwhile, takes none.
    const holder = t.db.transaction().execute(async (trx) => {
      taken = (await foldStatement(1000).execute(trx)).rows[0]!.taken;
      await held;
    });
    while (taken < 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(taken).toBeGreaterThan(0);
    // (Were the held rows not skipped, this fold would wait for the holder, and the test time out.)
    await foldQueue(t.db);
    expect(await queuedRows(w.org.id)).toBeGreaterThan(0);
    // Readers see the held rows in the queue until that fold commits, then in the tables.
    const requests = () =>
      sql<{ n: string }>`SELECT sum(requests) AS n FROM activity_totals_live
        WHERE org_id = ${w.org.id} AND scope = 'org' AND grain = 'hour' AND bucket = '2026-03-06T10:00:00Z'`.execute(
        t.db,
      );
    expect(Number((await requests()).rows[0]!.n)).toBe(1);
    release();
    await holder;
    expect(Number((await requests()).rows[0]!.n)).toBe(1);
    expect(await queuedRows(w.org.id)).toBe(0);
  });
});

/** Folds the whole queue in statements of at most `limit` rows. */
async function foldAll(limit: number): Promise<void> {
  for (;;) {
    const { taken } = (await foldStatement(limit).execute(t.db)).rows[0]!;
    if (taken < limit) return;
  }
}

describe('the folder', () => {
  it('folds after its number of commits, after its delay, and on close', async () => {
    const everyTwo = await buildTestApp({ TALLY_ROLLUP_FOLD_EVERY: '2', TALLY_ROLLUP_FOLD_MS: '3600000' });
    const slow = await buildTestApp({ TALLY_ROLLUP_FOLD_EVERY: '1000000', TALLY_ROLLUP_FOLD_MS: '50' });
    try {
      for (const [app, expectFolded] of [
        [everyTwo, 'after the second batch'],
        [slow, 'after 50 ms'],
      ] as const) {
        const g = new Factory(app);
        const w = await g.world();
        await app.app.recorder.flush();
        await foldRollups(app.db);
        await g.ingest(w.serviceToken.token, [oneEvent('2026-03-07T10:00:00Z')]);
        const queued = () =>
          sql<{
            n: string;
          }>`SELECT count(*) AS n FROM activity_rollup_queue WHERE org_id = ${w.org.id}`.execute(app.db);
        if (app === everyTwo) await g.ingest(w.serviceToken.token, [oneEvent('2026-03-07T11:00:00Z')]);
        const deadline = Date.now() + 5000;
        while (Number((await queued()).rows[0]!.n) > 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(Number((await queued()).rows[0]!.n), expectFolded).toBe(0);
      }
    } finally {
      await everyTwo.close();
      await slow.close();
    }
    // On close: the manual folder of this file's app leaves a batch queued until then.
    const closing = await buildTestApp(FOLD_WHEN_TOLD);
    const g = new Factory(closing);
    const w = await g.world();
    await g.ingest(w.serviceToken.token, [oneEvent('2026-03-08T10:00:00Z')]);
    const db = closing.db;
    const count = async () =>
      Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM activity_rollup_queue`.execute(db)).rows[0]!.n,
      );
    expect(await count()).toBeGreaterThan(0);
    await closing.app.close();
    expect(await count()).toBe(0);
    await closing.close();
  });
});
