// The 500 envelope (no internals leaked), the envelope's timestamp form, the OpenAPI entries, and
// the plans of the hot queries: listings and edge counts on the (org_id, …, "timestamp") indexes,
// whole hours on the rollups' primary key.
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { insertActivities } from '../../src/ledger/activity/insert.js';
import { pageQuery } from '../../src/ledger/activity/listing.js';
import { withRollups } from '../../src/ledger/activity/rollup-table.js';
import { timestampParam } from '../../src/ledger/activity/time.js';
import { Factory } from '../helpers/factories.js';
import { foldRollups } from '../helpers/rollups.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { get } from './fixtures.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

describe('error envelopes', () => {
  it('renders a crash as INTERNAL_SERVER_ERROR without internals', async () => {
    const w = await f.world();
    await t.app.recorder.flush();
    await sql`ALTER TABLE activities RENAME TO activities_hidden`.execute(t.db);
    try {
      t.clock.pinned = new Date('2025-01-01T00:00:00.000Z');
      const response = await get(t, `/v1/orgs/${w.org.id}/activity`, w.ownerToken.token);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: 'INTERNAL_SERVER_ERROR',
        message: 'An unexpected error occurred',
        details: {},
        timestamp: '2025-01-01T00:00:00.000000',
        status_code: 500,
      });
    } finally {
      t.clock.pinned = null;
      await sql`ALTER TABLE activities_hidden RENAME TO activities`.execute(t.db);
    }
  });

  it('stamps envelopes in the seed form: UTC, microseconds, no offset', async () => {
    t.clock.pinned = new Date('2025-07-08T09:10:11.123Z');
    try {
      const response = await get(t, '/v1/orgs/nowhere/activity', t.adminToken);
      expect(response.status).toBe(404);
      expect(response.body.timestamp).toBe('2025-07-08T09:10:11.123000');
    } finally {
      t.clock.pinned = null;
    }
  });

  it('documents the 15 routes in OpenAPI', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = Object.keys(response.json().paths).filter((p) => p.startsWith('/v1/orgs/'));
    expect(paths.filter((p) => /activity/.test(p))).toHaveLength(15);
  });
});

async function plan(db: Kysely<Database>, query: CompiledQuery): Promise<string> {
  return db.transaction().execute(async (trx) => {
    // Tiny test tables would be read sequentially; the question is whether the index serves it.
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    const result = await trx.executeQuery<Record<string, string>>(
      CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]),
    );
    return result.rows.map((row) => Object.values(row)[0]).join('\n');
  });
}

describe('query plans', () => {
  const us = Date.parse('2025-03-01T00:00:00Z') * 1000;
  const cases: [string, Record<string, string>, string][] = [
    ['org', {}, 'activities_org_time_idx'],
    ['workspace', { workspaceId: 'w' }, 'activities_workspace_time_idx'],
    ['user', { userId: 'u' }, 'activities_user_time_idx'],
    ['app', { workspaceId: 'w', appId: 'a' }, 'activities_app_time_idx'],
    ['augmentation', { workspaceId: 'w', augmentationId: 'g' }, 'activities_augmentation_time_idx'],
    // no index of its own: the workspace index, filtered (migration 0005)
    ['action', { workspaceId: 'w', action: 'read' }, 'activities_workspace_time_idx'],
    ['resource', { workspaceId: 'w', resourceId: 'r' }, 'activities_resource_time_idx'],
  ];

  it.each(cases)('a %s page after a cursor is an index scan in order', async (_name, filter, index) => {
    const query = pageQuery('o', filter, us - 3_600_000_000, us, { timestamp: BigInt(us - 1), id: 'x' }, 51);
    const text = await plan(t.db, query);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Sort/);
  });

  it('whole hours and days read the rollups by their primary key', async () => {
    const query = withRollups(t.db)
      .selectFrom('activity_rollups_live')
      .select(['action', 'resource_type', 'success', sql<number>`sum(requests)`.as('requests')])
      .where('org_id', '=', 'o')
      .where('scope', '=', 'workspace')
      .where('scope_id', '=', '["w"]')
      .where('grain', '=', 'hour')
      .where('bucket', '>=', timestampParam(us - 24 * 3_600_000_000))
      .where('bucket', '<', timestampParam(us))
      .groupBy(['action', 'resource_type', 'success'])
      .compile();
    expect(await plan(t.db, query)).toContain('activity_rollups_pkey');
  });
});

describe('rollup backfill (migration 0002)', () => {
  it('rolls up stored records exactly as the writer does', async () => {
    const { backfillRollups } = await import('../../src/db/migrations/0002_activity_rollups.js');
    const w = await f.world();
    // Straight to the writer, with ids that stress the scope encoding (quotes, commas, spaces).
    const records = Array.from({ length: 60 }, (_, i) => ({
      org_id: w.org.id,
      id: `bf-${i}`,
      timestamp: new Date(Date.parse('2025-02-01T00:00:00Z') + i * 7 * 60_000),
      workspace_id: i % 3 === 0 ? null : w.workspace.id,
      user_id: i % 4 === 0 ? null : `u"${i % 2}é`,
      app_id: i % 2 === 0 ? `app, ${i % 3}` : null,
      resource_type: i % 5 === 0 ? 'endpoint' : i % 5 === 1 ? null : 'workspace',
      resource_id: i % 6 === 0 ? null : `r [${i % 4}]`,
      augmentation_id: i % 7 === 0 ? 'aug\\x' : null,
      action: i % 8 === 0 ? null : (['read', 'create'][i % 2] ?? null),
      status_code: i % 9 === 0 ? 500 : 200,
      success: i % 9 !== 0,
      duration_ms: i % 10 === 0 ? null : i * 1.5,
      token_usage: null,
      metadata: null,
      tokens_total: i % 3,
    }));
    expect(await insertActivities(t.db, records)).toBe(60);
    await t.app.recorder.flush();
    await foldRollups(t.db);
    const rows = () =>
      withRollups(t.db)
        .selectFrom('activity_rollups')
        .selectAll()
        .where('org_id', '=', w.org.id)
        .orderBy('scope')
        .orderBy('scope_id')
        .orderBy('grain')
        .orderBy('bucket')
        .orderBy('action')
        .orderBy('resource_type')
        .orderBy('success')
        .execute();
    const written = await rows();
    expect(written.length).toBeGreaterThan(20);
    await withRollups(t.db).deleteFrom('activity_rollups').execute();
    await backfillRollups(t.db);
    expect(await rows()).toEqual(written);
  });
});

describe('self-recording', () => {
  it('records reads of activity in the org read, including the deployment admin’s', async () => {
    const w = await f.world();
    const url = `/v1/orgs/${w.org.id}/workspaces/${w.workspace.id}/activity?limit=1`;
    expect((await get(t, url, w.ownerToken.token)).status).toBe(200);
    expect((await get(t, url, t.adminToken)).status).toBe(200);
    expect((await get(t, '/v1/orgs/no-such-org/activity', t.adminToken)).status).toBe(404);
    await t.app.recorder.flush();
    const rows = await t.db
      .selectFrom('activities')
      .select(['org_id', 'workspace_id', 'resource_type', 'action', 'token_type', 'status_code'])
      .where('org_id', 'in', [w.org.id, 'no-such-org'])
      .where('resource_type', '=', 'activity')
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.token_type).sort()).toEqual(['deployment_admin', 'user']);
    for (const row of rows) {
      expect(row).toMatchObject({
        org_id: w.org.id,
        workspace_id: w.workspace.id,
        action: 'read',
        status_code: 200,
      });
    }
  });
});
