// The ledger's write entry point (src/ledger/write/record-batch.ts) on its own, against the real
// databases: one outcome per write (stored, duplicate within a batch and across batches,
// rejected with the ledger's reason), workspaces named by id or UUID alias, the newest write of
// a record winning whatever the arrival order, and one transaction per batch (a failure leaves no
// claim, so the retry is stored, not a duplicate). Then group commit (group-commit.ts): batches
// waiting for a lane share one transaction, each answered its own outcomes, a batch the
// database refuses fails alone, a write resending a key that a group in the database is
// claiming waits for it in the process, not in PostgreSQL, while the rest of its batch and other
// batches go in beside it (and is answered a duplicate only where the next group would answer
// so), and a writer is free for the next group as soon as its group has committed.
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRollups } from '../../src/ledger/activity/rollup-table.js';
import { GroupCommit, MAX_GROUP_WRITES } from '../../src/ledger/write/group-commit.js';
import { recordBatch } from '../../src/ledger/write/record-batch.js';
import type {
  ActivityWrite,
  AiUsageWrite,
  ExecutionSourceWrite,
  ExecutionWrite,
  LedgerWrite,
} from '../../src/ledger/write/types.js';
import { Factory, uid, uuid } from '../helpers/factories.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabaseKind } from '../helpers/test-database.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
});
afterAll(() => t.close());

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const key = () => ({ source: 'test/ledger', eventId: uid('event') });

function activity(workspaceId: string | null, time = T0, overrides: Partial<ActivityWrite['record']> = {}) {
  const write: ActivityWrite = {
    kind: 'activity',
    key: key(),
    time,
    record: {
      id: uid('activity'),
      timestamp: time,
      trace_id: null,
      user_id: null,
      workspace_id: workspaceId,
      app_id: null,
      principal_type: null,
      principal_id: null,
      token_id: null,
      token_type: null,
      method: 'POST',
      path: '/things',
      resource_type: 'thing',
      resource_id: null,
      action: 'create',
      status_code: 201,
      success: true,
      error_code: null,
      duration_ms: 12,
      execution_id: null,
      augmentation_id: null,
      stages_completed: null,
      total_stages: null,
      token_usage: null,
      metadata: null,
      tokens_total: 0,
      ...overrides,
    },
  };
  return write;
}

function execution(
  workspaceId: string,
  options: { id?: string; time?: Date; status?: string; type?: ExecutionWrite['agent']['type'] } = {},
) {
  const time = options.time ?? T0;
  const agentId = `agent-${options.type ?? 'chat'}`;
  const write: ExecutionWrite = {
    kind: 'execution',
    key: key(),
    time,
    record: {
      id: options.id ?? uid('execution'),
      workspace_id: workspaceId,
      user_id: 'user-1',
      status: options.status ?? 'completed',
      credits: 2,
      output: 'hello',
      output_url: null,
      output_private: false,
      root_id: null,
      execution_origin: null,
      used_model: null,
      tokens_input: 10,
      tokens_output: 5,
      tokens_total: 15,
      created_at: T0,
    },
    agent: { id: agentId, slug: agentId, name: `Agent ${agentId}`, type: options.type ?? 'chat' },
    userEmail: 'user-1@example.test',
  };
  return write;
}

function sourceChange(
  workspaceId: string,
  executionId: string,
  change: 'archived' | 'edited',
  time = T0,
): ExecutionSourceWrite {
  return { kind: 'execution_source', key: key(), time, change, executionId, workspaceId };
}

function aiUsage(workspaceId: string, id: string, status: string, time: Date): AiUsageWrite {
  return {
    kind: 'ai_usage',
    key: key(),
    time,
    record: {
      id,
      workspace_id: workspaceId,
      tool_type: 'other',
      status,
      cost: 1,
      input_data: {},
      response_data: {},
      created_at: T0,
      completed_at: null,
    },
  };
}

const inOrg = (orgId: string, writes: LedgerWrite[]) => writes.map((write) => ({ orgId, write }));

async function claims(orgId: string) {
  const rows = await t.db
    .selectFrom('ingested_events')
    .select('event_id')
    .where('org_id', '=', orgId)
    .execute();
  return rows.map((row) => row.event_id).sort();
}

/**
 * The org's activity records written by this file's builders (path `/things`): the administration
 * requests that created the org are recorded into it too (self-recording, flushed in the
 * background), so a count of every record would depend on when that flush lands.
 */
async function activitiesIn(orgId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM activities WHERE org_id = ${orgId} AND path = '/things'`.execute(t.db);
  return result.rows[0]!.n;
}

/** A stored row of `table`, by org and id. */
async function rowOf(table: string, orgId: string, id: string) {
  const result = await sql<Record<string, unknown>>`
    SELECT * FROM ${sql.table(table)} WHERE org_id = ${orgId} AND id = ${id}`.execute(t.db);
  return result.rows[0];
}

async function storedExecution(orgId: string, id: string) {
  const row = await rowOf('executions', orgId, id);
  return (
    row && { workspace_id: row.workspace_id, status: row.status, source: row.source, output: row.output }
  );
}

async function newWorkspace() {
  const org = await f.org();
  const alias = uuid();
  const workspace = await f.workspace(org.id, { uuid: alias });
  return { orgId: org.id, workspaceId: workspace.id, alias };
}

describe('recordBatch', () => {
  it('answers one outcome per write, in the batch order', async () => {
    const { orgId, workspaceId, alias } = await newWorkspace();
    const stored = activity(workspaceId);
    const byAlias = execution(alias.toUpperCase());
    const image = execution(workspaceId, { type: 'image' });
    const writes: LedgerWrite[] = [
      stored,
      byAlias,
      image,
      { ...activity(workspaceId), key: stored.key },
      activity('no-such-workspace'),
      sourceChange(workspaceId, 'no-such-execution', 'archived'),
      sourceChange(workspaceId, image.record.id, 'edited'),
      sourceChange(workspaceId, byAlias.record.id, 'archived'),
      activity(null),
    ];
    const outcomes = await recordBatch(t.db, inOrg(orgId, writes));
    expect(outcomes).toEqual([
      { status: 'stored' },
      { status: 'stored' },
      { status: 'stored' },
      { status: 'duplicate' },
      { status: 'rejected', reason: { code: 'unknown_workspace', orgId, workspace: 'no-such-workspace' } },
      {
        status: 'rejected',
        reason: { code: 'unknown_execution', executionId: 'no-such-execution', workspaceId },
      },
      {
        status: 'rejected',
        reason: { code: 'not_editable', executionId: image.record.id, agentType: 'image' },
      },
      { status: 'stored' },
      { status: 'stored' },
    ]);

    // The alias was stored as the workspace's id; the archive in the same batch applied.
    expect(await storedExecution(orgId, byAlias.record.id)).toEqual({
      workspace_id: workspaceId,
      status: 'completed',
      source: 'archived',
      output: null,
    });
    // Claimed: the stored writes only (rejected ones gave their claim back).
    const storedKeys = [stored, byAlias, image, writes[7]!, writes[8]!].map((w) => w.key.eventId);
    expect(await claims(orgId)).toEqual(storedKeys.sort());
    // Side effects: the user and agents the executions named, the rollups, the workspace's activity.
    expect((await rowOf('users', orgId, 'user-1'))?.email).toBe('user-1@example.test');
    const agents = await t.db
      .selectFrom('agents')
      .select('id')
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute();
    expect(agents).toEqual([{ id: 'agent-chat' }, { id: 'agent-image' }]);
    const rollup = await withRollups(t.db)
      .selectFrom('activity_rollups_live')
      .select(sql<string>`sum(requests)`.as('requests'))
      .where('org_id', '=', orgId)
      .where('scope', '=', 'org')
      .where('grain', '=', 'hour')
      .where('bucket', '=', T0)
      .executeTakeFirst();
    expect(Number(rollup?.requests)).toBe(2);
    const workspace = await rowOf('workspaces', orgId, workspaceId);
    expect(workspace?.last_active_at).toEqual(T0);

    // Across batches: a resent write is a duplicate; a rejected one, corrected, is stored.
    const again = await recordBatch(
      t.db,
      inOrg(orgId, [stored, { ...activity(workspaceId), key: writes[4]!.key }]),
    );
    expect(again).toEqual([{ status: 'duplicate' }, { status: 'stored' }]);
  });

  it('keeps the newest write of a record, whatever the order writes arrive in', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const id = uid('execution');
    const usageId = uid('usage');
    const outcomes = await recordBatch(
      t.db,
      inOrg(orgId, [
        execution(workspaceId, { id, time: at(2), status: 'completed' }),
        execution(workspaceId, { id, time: at(1), status: 'running' }),
        aiUsage(workspaceId, usageId, 'completed', at(2)),
        aiUsage(workspaceId, usageId, 'pending', at(1)),
      ]),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect((await storedExecution(orgId, id))?.status).toBe('completed');

    // An older write arriving later is stored (its key is new) and changes nothing.
    const late = await recordBatch(
      t.db,
      inOrg(orgId, [
        execution(workspaceId, { id, time: at(0), status: 'queued' }),
        aiUsage(workspaceId, usageId, 'failed', at(0)),
        sourceChange(workspaceId, id, 'archived', at(5)),
        sourceChange(workspaceId, id, 'edited', at(4)),
      ]),
    );
    expect(late.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(await storedExecution(orgId, id)).toEqual({
      workspace_id: workspaceId,
      status: 'completed',
      source: 'archived',
      output: null,
    });
    expect((await rowOf('ai_usages', orgId, usageId))?.status).toBe('completed');
  });

  it('writes a batch in one transaction: a failure stores and claims nothing', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const good = execution(workspaceId);
    // status_code is an `integer` column: this value fails the activity insert, after the claims.
    const bad = activity(workspaceId, T0, { status_code: 2 ** 40 });
    await expect(recordBatch(t.db, inOrg(orgId, [good, bad]))).rejects.toThrow();
    expect(await claims(orgId)).toEqual([]);
    expect(await storedExecution(orgId, good.record.id)).toBeUndefined();

    // The retry is new, not a duplicate of a half-written batch.
    const fixed = { ...bad, record: { ...bad.record, status_code: 201 } };
    expect(await recordBatch(t.db, inOrg(orgId, [good, fixed]))).toEqual([
      { status: 'stored' },
      { status: 'stored' },
    ]);
  });

  it('writes several orgs in one call, each write checked against its own org', async () => {
    const first = await newWorkspace();
    const second = await newWorkspace();
    const outcomes = await recordBatch(t.db, [
      { orgId: second.orgId, write: activity(second.workspaceId) },
      { orgId: first.orgId, write: activity(second.workspaceId) },
      { orgId: first.orgId, write: activity(first.alias) },
    ]);
    expect(outcomes).toEqual([
      { status: 'stored' },
      {
        status: 'rejected',
        reason: { code: 'unknown_workspace', orgId: first.orgId, workspace: second.workspaceId },
      },
      { status: 'stored' },
    ]);
  });

  it('sends a batch of every record kind in five statements: three of them in its transaction', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const statements: string[] = [];
    // Every statement of the write path goes through the Kysely instance it is given (BEGIN and
    // COMMIT are the driver's own, so they are not counted).
    const counted = t.db.withPlugin({
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const run = execution(workspaceId);
    const outcomes = await recordBatch(
      counted,
      inOrg(orgId, [
        activity(workspaceId, T0, { user_id: 'user-2' }),
        run,
        aiUsage(workspaceId, uid('usage'), 'pending', T0),
      ]),
    );
    expect(outcomes).toEqual([{ status: 'stored' }, { status: 'stored' }, { status: 'stored' }]);
    // Workspace names (before the transaction); the claims; the records with the users and
    // agents they name; the changes to existing users and agents with the rollups; the
    // workspaces' last activity (after the commit).
    expect(statements).toEqual(['SelectQueryNode', 'RawNode', 'RawNode', 'RawNode', 'RawNode']);
    expect(await rowOf('users', orgId, 'user-2')).toMatchObject({ email: null });
    expect(await rowOf('users', orgId, 'user-1')).toMatchObject({ email: 'user-1@example.test' });
    expect(await rowOf('agents', orgId, 'agent-chat')).toMatchObject({ name: 'Agent agent-chat' });
    expect(await storedExecution(orgId, run.record.id)).toMatchObject({ status: 'completed' });
  });
});

/** The transaction that inserted each activity record (PostgreSQL's xmin), by record id. */
async function insertedBy(orgId: string, ids: string[]) {
  const result = await sql<{ id: string; xmin: string }>`
    SELECT id, xmin::text AS xmin FROM activities WHERE org_id = ${orgId} AND id = ANY(${ids})`.execute(t.db);
  return new Map(result.rows.map((row) => [row.id, row.xmin]));
}

/** Backends of this test's database waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(t.db);
  return result.rows[0]!.n;
}

/**
 * The backends waiting to claim keys (the claims statement, ledger/write/claims.ts). Unlike
 * lockWaiters it leaves out a passing wait of any other statement, which a sample on a loaded
 * machine can catch (a CI run counted two lock waiters where one claim waited).
 */
async function claimWaiters(): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'
      AND query LIKE '%INSERT INTO ingested_events%'`.execute(t.db);
  return result.rows[0]!.n;
}

/** Another transaction runs `statement` and stays open, holding its locks, until released (rolled back). */
async function holdOpen(statement: RawBuilder<unknown>): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding!: () => void;
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const done = t.db
    .transaction()
    .execute(async (trx) => {
      await statement.execute(trx);
      holding();
      await released;
      throw new Error('rolled back');
    })
    .catch(() => undefined);
  await held;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts writing `writes` while another transaction holds the first one's claim open, so their
 * group waits in PostgreSQL (a lock waiter) until `release` rolls that transaction back.
 */
async function writeBehindOpenClaim(writer: GroupCommit, orgId: string, writes: LedgerWrite[]) {
  const [first] = writes as [LedgerWrite];
  const blocker = await holdOpen(
    sql`INSERT INTO ingested_events (org_id, source, event_id)
      VALUES (${orgId}, ${first.key.source}, ${first.key.eventId})`,
  );
  const answer = writer.record(inOrg(orgId, writes));
  await waitFor(async () => (await lockWaiters()) === 1);
  return { answer, release: blocker.release };
}

describe('GroupCommit', () => {
  it('writes the batches waiting for a lane in one transaction and answers each its own outcomes', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const writer = new GroupCommit(t.db, 1);
    const a = activity(workspaceId);
    const b = activity(workspaceId);
    const c = activity(workspaceId);
    const d = activity(workspaceId);
    // A takes the one lane; B, C and D arrive while it is in the database and go in together.
    const answers = await Promise.all([
      writer.record(inOrg(orgId, [a])),
      writer.record(inOrg(orgId, [b, { ...a, record: { ...a.record, id: uid('activity') } }])),
      writer.record(
        inOrg(orgId, [activity('no-such-workspace'), { ...b, record: { ...b.record, id: uid('x') } }]),
      ),
      writer.record(inOrg(orgId, [c, d])),
    ]);
    expect(answers).toEqual([
      [{ status: 'stored' }],
      // A's key again: A committed first.
      [{ status: 'stored' }, { status: 'duplicate' }],
      // B's key again, in the same group after B: stored once.
      [
        { status: 'rejected', reason: { code: 'unknown_workspace', orgId, workspace: 'no-such-workspace' } },
        { status: 'duplicate' },
      ],
      [{ status: 'stored' }, { status: 'stored' }],
    ]);
    const xmin = await insertedBy(
      orgId,
      [a, b, c, d].map((write) => write.record.id),
    );
    expect(xmin.size).toBe(4);
    expect(new Set([xmin.get(b.record.id), xmin.get(c.record.id), xmin.get(d.record.id)]).size).toBe(1);
    expect(xmin.get(a.record.id)).not.toBe(xmin.get(b.record.id));
    expect(await claims(orgId)).toEqual([a, b, c, d].map((write) => write.key.eventId).sort());
  });

  it('writes each batch of a failed group alone: the one the database refuses fails, the others commit', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const writer = new GroupCommit(t.db, 1);
    const first = activity(workspaceId);
    const good = activity(workspaceId);
    const bad = activity(workspaceId, T0, { status_code: 2 ** 40 });
    const later = execution(workspaceId);
    const answers = await Promise.allSettled([
      writer.record(inOrg(orgId, [first])),
      writer.record(inOrg(orgId, [good])),
      writer.record(inOrg(orgId, [bad])),
      writer.record(inOrg(orgId, [later])),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(answers[1]).toEqual({ status: 'fulfilled', value: [{ status: 'stored' }] });
    expect(answers[3]).toEqual({ status: 'fulfilled', value: [{ status: 'stored' }] });
    expect(await claims(orgId)).toEqual([first, good, later].map((write) => write.key.eventId).sort());
    expect(await storedExecution(orgId, later.record.id)).toMatchObject({ workspace_id: workspaceId });
  });

  it('groups no more writes than one activity statement holds', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const writer = new GroupCommit(t.db, 1);
    const size = MAX_GROUP_WRITES / 2 - 1;
    const batches = Array.from({ length: 4 }, () =>
      Array.from({ length: size }, () => activity(workspaceId)),
    );
    await Promise.all(batches.map((writes) => writer.record(inOrg(orgId, writes))));
    const xmin = await insertedBy(
      orgId,
      batches.map((writes) => writes[0]!.record.id),
    );
    // The first alone; the next two together (2 × size ≤ the bound); the last would pass it.
    const [first, second, third, fourth] = batches.map((writes) => xmin.get(writes[0]!.record.id));
    expect(second).toBe(third);
    expect(new Set([first, second, fourth]).size).toBe(3);
  });

  // PostgreSQL alone: PGlite has one connection, so nothing can hold a claim open beside a writer.
  it.runIf(testDatabaseKind() === 'postgres')(
    'holds back a write resending a key that a group in the database claims until it commits; the rest of its batch goes in at once',
    async () => {
      const { orgId, workspaceId } = await newWorkspace();
      const writer = new GroupCommit(t.db, 2);
      const a = activity(workspaceId);
      const retry = activity(workspaceId);
      const other = activity(workspaceId);
      // Another transaction holds a's claim open, so the group writing a waits in the database.
      const blocked = await writeBehindOpenClaim(writer, orgId, [a]);
      const settled: string[] = [];
      const first = blocked.answer.finally(() => settled.push('first'));
      // a's key again (a lost answer's retry): it would wait on the same claim in PostgreSQL.
      const again = writer
        .record(inOrg(orgId, [{ ...a, record: { ...a.record, id: uid('activity') } }, retry]))
        .finally(() => settled.push('again'));
      try {
        const beside = await Promise.race([
          writer.record(inOrg(orgId, [other])),
          new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000)),
        ]);
        expect(beside).toEqual([{ status: 'stored' }]);
        // The retry's other write is already committed; the batch is answered once a's group is.
        await waitFor(async () => (await claims(orgId)).includes(retry.key.eventId));
        expect(settled).toEqual([]);
        // Only the first group waits on the claim: the resent key did not go to PostgreSQL.
        expect(await claimWaiters()).toBe(1);
      } finally {
        await blocked.release();
      }
      expect(await first).toEqual([{ status: 'stored' }]);
      expect(await again).toEqual([{ status: 'duplicate' }, { status: 'stored' }]);
      expect(settled).toEqual(['first', 'again']);
      expect(await claims(orgId)).toEqual([a, retry, other].map((write) => write.key.eventId).sort());
      // Only the first send of a's key was stored.
      expect(await rowOf('activities', orgId, a.record.id)).toBeDefined();
      expect(await activitiesIn(orgId)).toBe(3);
    },
  );

  // PostgreSQL alone, as above. A held-back write is answered a duplicate only where the next
  // group would answer so; otherwise it is written after the group, as a write of its own.
  it.runIf(testDatabaseKind() === 'postgres')(
    'writes a held-back key after its group when that group rejected it or named another workspace',
    async () => {
      const { orgId, workspaceId } = await newWorkspace();
      const writer = new GroupCommit(t.db, 2);
      const held = activity(workspaceId);
      const rejected = activity('no-such-workspace');
      const elsewhere = activity(workspaceId);
      const first = await writeBehindOpenClaim(writer, orgId, [held, rejected, elsewhere]);
      const resent = writer.record(
        inOrg(orgId, [
          // Rejected in the group (no claim kept): stored now, as it would be after the group.
          { ...rejected, record: { ...rejected.record, workspace_id: workspaceId } },
          // Stored in the group, resent naming a workspace the org does not have: rejected, as
          // the next group would answer it, not a duplicate.
          { ...elsewhere, record: { ...elsewhere.record, workspace_id: 'no-such-workspace' } },
          // Stored in the group, resent as it was: a duplicate.
          held,
        ]),
      );
      await first.release();
      expect(await first.answer).toEqual([
        { status: 'stored' },
        { status: 'rejected', reason: { code: 'unknown_workspace', orgId, workspace: 'no-such-workspace' } },
        { status: 'stored' },
      ]);
      expect(await resent).toEqual([
        { status: 'stored' },
        { status: 'rejected', reason: { code: 'unknown_workspace', orgId, workspace: 'no-such-workspace' } },
        { status: 'duplicate' },
      ]);
      expect(await claims(orgId)).toEqual(
        [held, rejected, elsewhere].map((write) => write.key.eventId).sort(),
      );
    },
  );

  // PostgreSQL alone, as above. A source change reads the execution it changes, so its batch is
  // never answered as if part of it came after the group and part before: it waits whole.
  it.runIf(testDatabaseKind() === 'postgres')(
    'keeps a whole batch back when it changes a source and resends a key the group in the database claims',
    async () => {
      const { orgId, workspaceId } = await newWorkspace();
      const writer = new GroupCommit(t.db, 2);
      const created = execution(workspaceId);
      const first = await writeBehindOpenClaim(writer, orgId, [created]);
      // The creation resent, and the archive of that execution: split, the archive would go in
      // now and not find the execution the group is writing.
      const resent = writer.record(
        inOrg(orgId, [created, sourceChange(workspaceId, created.record.id, 'archived', at(1))]),
      );
      await first.release();
      expect(await first.answer).toEqual([{ status: 'stored' }]);
      expect(await resent).toEqual([{ status: 'duplicate' }, { status: 'stored' }]);
      expect(await storedExecution(orgId, created.record.id)).toMatchObject({ source: 'archived' });
    },
  );

  // PostgreSQL alone: with one lane (PGlite) a writer is kept until its group is answered.
  it.runIf(testDatabaseKind() === 'postgres')(
    'frees a writer once its group has committed: moving last activity after the commit holds no later group back',
    async () => {
      const { orgId, workspaceId } = await newWorkspace();
      const other = await f.workspace(orgId);
      const writer = new GroupCommit(t.db, 2);
      // Another transaction holds the workspace row as an update would (not its key: the records'
      // foreign key checks go through), so each group's last-activity statement waits after its
      // commit.
      const blocker = await holdOpen(
        sql`SELECT id FROM workspaces WHERE id = ${workspaceId} FOR NO KEY UPDATE`,
      );
      const settled: string[] = [];
      const [a, b, c] = [activity(workspaceId), activity(workspaceId), activity(other.id)];
      const first = writer.record(inOrg(orgId, [a])).finally(() => settled.push('first'));
      await waitFor(async () => (await lockWaiters()) === 1);
      const second = writer.record(inOrg(orgId, [b])).finally(() => settled.push('second'));
      await waitFor(async () => (await lockWaiters()) === 2);
      try {
        // Both writers' groups are committed and wait only to move last activity.
        expect(await claims(orgId)).toEqual([a, b].map((write) => write.key.eventId).sort());
        const beside = await Promise.race([
          writer.record(inOrg(orgId, [c])),
          new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000)),
        ]);
        expect(beside).toEqual([{ status: 'stored' }]);
        // Answers still wait for last activity to move, as before.
        expect(settled).toEqual([]);
      } finally {
        await blocker.release();
      }
      expect(await first).toEqual([{ status: 'stored' }]);
      expect(await second).toEqual([{ status: 'stored' }]);
      const row = await t.db
        .selectFrom('workspaces')
        .select('last_active_at')
        .where('id', '=', workspaceId)
        .executeTakeFirstOrThrow();
      expect(row.last_active_at).toEqual(T0);
    },
  );

  it('answers a batch alone when nothing waits, and an empty batch with no outcomes', async () => {
    const { orgId, workspaceId } = await newWorkspace();
    const writer = new GroupCommit(t.db, 2);
    expect(await writer.record([])).toEqual([]);
    expect(await writer.record(inOrg(orgId, [activity(workspaceId)]))).toEqual([{ status: 'stored' }]);
  });
});
