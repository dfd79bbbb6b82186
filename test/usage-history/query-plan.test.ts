// The page query stays on the executions indexes (keyset order created_at desc, id desc) and joins
// users and agents by primary key. Sequential scans are disabled so the planner shows which index it
// can use, whatever the (tiny) table statistics say.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UsageHistoryScope, usageHistoryQuery } from '../../src/ledger/executions/usage-history.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const scope: UsageHistoryScope = {
  orgId: 'org-plan',
  workspaceId: '1',
  userId: null,
  type: null,
  window: { start: new Date('2025-05-17T00:00:00Z'), end: new Date('2025-06-16T00:00:00Z') },
  page: 2,
  perPage: 20,
};

async function plan(overrides: Partial<UsageHistoryScope>): Promise<string> {
  return t.db.connection().execute(async (db) => {
    await sql`SET enable_seqscan = off`.execute(db);
    try {
      const result = await sql<{
        'QUERY PLAN': string;
      }>`EXPLAIN ${usageHistoryQuery(db, { ...scope, ...overrides })}`.execute(db);
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await sql`RESET enable_seqscan`.execute(db);
    }
  });
}

describe('usage history query plan', () => {
  it('reads a workspace page through executions_workspace_time_idx', async () => {
    const text = await plan({});
    expect(text).toContain('executions_workspace_time_idx');
    expect(text).not.toMatch(/Sort/);
    expect(text).toContain('users_pkey');
    expect(text).toContain('agents_pkey');
  });

  it('reads one user through executions_user_time_idx', async () => {
    expect(await plan({ userId: '42' })).toContain('executions_user_time_idx');
  });

  it('reads one type through executions_type_time_idx', async () => {
    expect(await plan({ type: 'image' })).toContain('executions_type_time_idx');
  });

  it('keeps the SQL under review', () => {
    expect(usageHistoryQuery(t.db, { ...scope, userId: '42', type: 'image' }).compile().sql).toBe(
      'select "e"."id", floor(extract(epoch from e.created_at) * 1000)::bigint as "created_at", "e"."user_id", "e"."agent_type", "e"."status", "e"."credits", ' +
        '"e"."output", "e"."output_url", "e"."output_private", "e"."root_id", "e"."execution_origin", ' +
        '"e"."used_model", "e"."tokens_input", "e"."tokens_output", "e"."tokens_total", "e"."source", ' +
        '"u"."email", "a"."name" as "agent_name", "a"."slug" as "agent_slug" from (select "org_id", "id", ' +
        '"created_at", "user_id", "agent_id", "agent_type", "status", "credits", "output", "output_url", ' +
        '"output_private", "root_id", "execution_origin", "used_model", "tokens_input", "tokens_output", ' +
        '"tokens_total", "source" from "executions" where "org_id" = $1 and "workspace_id" = $2 and ' +
        '"created_at" >= $3 and "created_at" < $4::timestamptz and "user_id" = $5 and "agent_type" = $6 order by ' +
        '"created_at" desc, "id" desc limit $7 offset $8) as "e" left join "users" as "u" on "u"."org_id" = ' +
        '"e"."org_id" and "u"."id" = "e"."user_id" left join "agents" as "a" on "a"."org_id" = "e"."org_id" ' +
        'and "a"."id" = "e"."agent_id" order by "e"."created_at" desc, "e"."id" desc',
    );
  });
});
