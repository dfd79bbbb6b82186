// The ledger's one write entry point: a batch of typed writes in, one outcome per write out.
// It owns what makes a write count once and stay consistent: one transaction for the batch (the
// dedup claims and the records they bring commit together, so a write is either stored and
// claimed or neither, and a resolved call means committed), the claims, the workspace checks,
// the order of writes to one record (the newest time wins), a fixed lock order, and the side
// effects (users and agents named by the records, activity rollups, workspaces' last activity).
// Writes that fail a check against stored state are rejected on their own; the rest go through.
import type { Kysely, RawBuilder } from 'kysely';
import { asOneStatement } from '../../db/one-statement.js';
import type { Database, NewActivity } from '../../db/schema.js';
import { activityInsertPart, insertActivityRecords, ROWS_PER_STATEMENT } from '../activity/insert.js';
import { rollupCells } from '../activity/rollup-cells.js';
import { queueRollupsStatement } from '../activity/rollup-queue.js';
import { type AgentInput, upsertAgentsStatements } from '../agents/agents.js';
import { upsertAiUsagesStatement } from '../ai-usages/write.js';
import {
  changeExecutionSources,
  findExecutionRefs,
  upsertExecutions,
  upsertExecutionsStatement,
} from '../executions/write.js';
import { ensureUsersStatements } from '../orgs/users.js';
import { activityTokensOf, type SpanStep, settleSpans } from '../traces/settle-spans.js';
import { resolveWorkspaceNames } from '../workspaces/workspace-names.js';
import { ClaimKeyMap } from './claim-key-map.js';
import { byString, claimKeys, releaseKeys } from './claims.js';
import { type ActiveWorkspaces, markActive, touchWorkspaces } from './last-active.js';
import {
  activityRow,
  activityTime,
  aiUsageRow,
  executionRow,
  withWorkspaceId,
  workspaceOf,
} from './records.js';
import {
  type ActivityWrite,
  type AiUsageWrite,
  DUPLICATE,
  type ExecutionSourceWrite,
  type ExecutionWrite,
  type LedgerWrite,
  type ModelCallWrite,
  type OrgWrite,
  STORED,
  type WriteOutcome,
  type WriteRejection,
} from './types.js';

export interface RecordOptions {
  /**
   * Told once the batch's transaction has committed, before workspaces' `last_active_at` moves
   * (group commit frees its writer then: the next group need not wait for that statement).
   */
  onCommitted?: () => void;
  /**
   * Told when moving workspaces' `last_active_at` failed after the commit: the writes stand
   * (the next batch moves it), so this is worth a warning, not a failure.
   */
  onTouchFailed?: (error: unknown) => void;
}

/** A write and its position in the caller's batch. */
interface Item<W extends LedgerWrite = LedgerWrite> {
  index: number;
  write: W;
}

/** Keeps, per record, the write with the newest time (the later one on ties). */
function newestPerRecord<W extends LedgerWrite>(items: Item<W>[], recordId: (write: W) => string): Item<W>[] {
  const newest = new Map<string, Item<W>>();
  for (const item of items) {
    const current = newest.get(recordId(item.write));
    if (!current || current.write.time.getTime() <= item.write.time.getTime())
      newest.set(recordId(item.write), item);
  }
  return [...newest.values()];
}

interface ByKind {
  activity: Item<ActivityWrite>[];
  execution: Item<ExecutionWrite>[];
  execution_source: Item<ExecutionSourceWrite>[];
  ai_usage: Item<AiUsageWrite>[];
  model_call: Item<ModelCallWrite>[];
}

/** The writes of each kind (a span's write is only its link, stored by settleSpans). */
function byKind(items: Item[]): ByKind {
  const kinds: ByKind = { activity: [], execution: [], execution_source: [], ai_usage: [], model_call: [] };
  for (const { index, write } of items) {
    switch (write.kind) {
      case 'activity':
        kinds.activity.push({ index, write });
        break;
      case 'execution':
        kinds.execution.push({ index, write });
        break;
      case 'execution_source':
        kinds.execution_source.push({ index, write });
        break;
      case 'ai_usage':
        kinds.ai_usage.push({ index, write });
        break;
      case 'model_call':
        kinds.model_call.push({ index, write });
        break;
      case 'span':
        break;
    }
  }
  return kinds;
}

/** The activity write with the token usage of the model calls beneath its span, when it has none. */
function withSpanTokens(write: ActivityWrite, spans: SpanStep): ActivityWrite {
  const tokens = write.span && activityTokensOf(spans, write.span);
  if (!tokens) return write;
  const usage = { input_tokens: tokens.input, output_tokens: tokens.output, total_tokens: tokens.total };
  return { ...write, record: { ...write.record, token_usage: usage, tokens_total: tokens.total } };
}

/** Stores executions with the users and agents they name (for writes that bring no activity). */
export async function storeExecutions(
  db: Kysely<Database>,
  orgId: string,
  writes: readonly ExecutionWrite[],
): Promise<void> {
  const people = peopleStatements(orgId, [], writes);
  await asOneStatement(people.inserts)?.execute(db);
  await asOneStatement(people.updates)?.execute(db);
  await upsertExecutions(
    db,
    orgId,
    newestPerRecord(
      writes.map((write, index) => ({ index, write })),
      (w) => w.record.id,
    ).map(({ write }) => executionRow(write)),
  );
}

/**
 * The statements creating the users and agents named by the records (`inserts`) and updating those
 * that changed (`updates`), each in id order (the lock order). The updates must run in a later
 * statement than the inserts: only its snapshot sees a user that a concurrent batch inserted
 * while this one's insert waited for it (../orgs/users.ts).
 */
function peopleStatements(
  orgId: string,
  activities: readonly ActivityWrite[],
  executions: readonly ExecutionWrite[],
): { inserts: RawBuilder<unknown>[]; updates: RawBuilder<unknown>[] } {
  const users = new Map<string, string | null>();
  const agents = new Map<string, AgentInput>();
  for (const write of activities) {
    const userId = write.record.user_id;
    if (userId !== null && !users.has(userId)) users.set(userId, null);
  }
  for (const write of executions) {
    const userId = write.record.user_id;
    if (write.userEmail !== null || !users.has(userId)) users.set(userId, write.userEmail);
    agents.set(write.agent.id, { slug: write.agent.slug, name: write.agent.name, type: write.agent.type });
  }
  const people = [
    ensureUsersStatements(orgId, new Map([...users].sort(([a], [b]) => byString(a, b)))),
    upsertAgentsStatements(orgId, new Map([...agents].sort(([a], [b]) => byString(a, b)))),
  ].filter((statements) => statements !== null);
  return {
    inserts: people.map((statements) => statements.insert),
    updates: people.map((statements) => statements.update),
  };
}

/**
 * Inserts the activity records and runs `others` beside them, in one statement when the records
 * fit in one (a group always does: group-commit.ts); returns the records that were new.
 */
async function writeRecords(
  db: Kysely<Database>,
  rows: NewActivity[],
  others: RawBuilder<unknown>[],
): Promise<NewActivity[]> {
  if (rows.length === 0 || rows.length > ROWS_PER_STATEMENT) {
    const inserted = await insertActivityRecords(db, rows);
    await asOneStatement(others)?.execute(db);
    return inserted;
  }
  const { part, inserted } = activityInsertPart(rows);
  const result = await asOneStatement(others, part)!.execute(db);
  return inserted(result.rows[0]!);
}

/**
 * Checks archive/edit writes against the stored executions and applies the valid ones; returns
 * the others' reasons, by their index in the batch.
 */
async function changeSources(
  db: Kysely<Database>,
  orgId: string,
  items: Item<ExecutionSourceWrite>[],
): Promise<Map<number, WriteRejection>> {
  const rejected = new Map<number, WriteRejection>();
  if (items.length === 0) return rejected;
  const refs = await findExecutionRefs(
    db,
    orgId,
    items.map((item) => item.write.executionId),
  );
  const valid: Item<ExecutionSourceWrite>[] = [];
  for (const item of items) {
    const { executionId, workspaceId, change } = item.write;
    const ref = refs.get(executionId);
    if (!ref || ref.workspace_id !== workspaceId) {
      rejected.set(item.index, { code: 'unknown_execution', executionId, workspaceId });
    } else if (change === 'edited' && ref.agent_type !== 'chat') {
      rejected.set(item.index, { code: 'not_editable', executionId, agentType: ref.agent_type });
    } else {
      valid.push(item);
    }
  }
  const changes = newestPerRecord(valid, (write) => write.executionId).map(({ write }) => ({
    id: write.executionId,
    source: write.change,
    time: write.time,
  }));
  await changeExecutionSources(db, orgId, changes);
  return rejected;
}

/** What the orgs' parts of one batch gather for the end of its transaction and after. */
interface BatchState {
  outcomes: WriteOutcome[];
  active: ActiveWorkspaces;
  /** Every org's newly inserted activity records, for the rollups. */
  insertedActivities: NewActivity[];
  /** Every org's updates of the users and agents its records name, sent with the rollups. */
  peopleUpdates: RawBuilder<unknown>[];
}

/**
 * One org's writes that can be stored, in the batch's order: the first of each claim key, with the
 * workspace it names resolved to its id. Answered here: writes naming a workspace the org does not
 * have, and repeats of a key within the batch. Read before the batch's transaction begins, so
 * the transaction holds only the claims, the records and their side effects: the read takes no
 * lock either way (an alias that an administrator moves in between is found as it was, inside
 * the transaction too), and workspaces are never removed.
 */
async function storableWrites(
  db: Kysely<Database>,
  orgId: string,
  items: Item[],
  outcomes: WriteOutcome[],
): Promise<Item[]> {
  // 1. Writes naming a workspace that does not exist are rejected before anything is claimed;
  // the others name the workspace by its id, whether they used its id or its UUID alias.
  const names = [...new Set(items.map((item) => workspaceOf(item.write)).filter((name) => name !== null))];
  const workspaces = await resolveWorkspaceNames(db, orgId, names);
  const candidates: Item[] = [];
  for (const item of items) {
    const name = workspaceOf(item.write);
    const id = name === null ? undefined : workspaces.get(name);
    if (name !== null && id === undefined) {
      outcomes[item.index] = {
        status: 'rejected',
        reason: { code: 'unknown_workspace', orgId, workspace: name },
      };
    } else {
      candidates.push(
        id === undefined ? item : { index: item.index, write: withWorkspaceId(item.write, id) },
      );
    }
  }

  // 2. The same key twice in one batch is stored once.
  const seen = new ClaimKeyMap<true>();
  const firsts: Item[] = [];
  for (const item of candidates) {
    if (seen.has(orgId, item.write.key)) outcomes[item.index] = DUPLICATE;
    else {
      seen.set(orgId, item.write.key, true);
      firsts.push(item);
    }
  }
  return firsts;
}

/** Writes one org's part of the batch inside the caller's transaction. */
async function recordOrgBatch(
  db: Kysely<Database>,
  orgId: string,
  items: Item[],
  group: BatchState,
): Promise<void> {
  const { outcomes, active } = group;
  // 3. Claim the keys; those already claimed are duplicates.
  const claimed = await claimKeys(
    db,
    orgId,
    items.map((item) => item.write.key),
  );
  const fresh: Item[] = [];
  for (let at = 0; at < items.length; at += 1) {
    if (claimed[at]) fresh.push(items[at]!);
    else outcomes[items[at]!.index] = DUPLICATE;
  }
  const kinds = byKind(fresh);

  // 4. Spans of traces (OTLP): their links, and where each waiting model call's tokens count.
  const spans = await settleSpans(
    db,
    orgId,
    fresh.map((item) => item.write),
  );
  const activities = kinds.activity.map(({ write }) => withSpanTokens(write, spans));
  const alone = spans.alone.map((write) => ({ index: -1, write }));

  // 5. The records, with the users and agents they name (created here; changes to existing ones
  // are made with the rollups, last), in one statement. Of several writes to one record, the
  // newest wins. The activity records' rollups are queued by recordBatch, last.
  const executions = newestPerRecord([...kinds.execution, ...alone], (write) => write.record.id);
  const people = peopleStatements(
    orgId,
    activities,
    [...kinds.execution, ...alone].map(({ write }) => write),
  );
  for (const update of people.updates) group.peopleUpdates.push(update);
  const usages = newestPerRecord(kinds.ai_usage, (write) => write.record.id);
  const others = [
    ...people.inserts,
    upsertExecutionsStatement(
      orgId,
      executions.map(({ write }) => executionRow(write)),
    ),
    upsertAiUsagesStatement(
      orgId,
      usages.map(({ write }) => aiUsageRow(write)),
    ),
  ].filter((statement) => statement !== null);
  const inserted = await writeRecords(
    db,
    activities.map((write) => activityRow(orgId, write.record)),
    others,
  );
  for (const row of inserted) group.insertedActivities.push(row);
  await spans.finish();
  const rejected = await changeSources(db, orgId, kinds.execution_source);

  // 6. Writes rejected against stored state give their claims back, so a corrected retry is new.
  await releaseKeys(
    db,
    orgId,
    fresh.filter((item) => rejected.has(item.index)).map((item) => item.write.key),
  );
  for (const item of fresh) {
    const reason = rejected.get(item.index);
    if (reason) {
      outcomes[item.index] = { status: 'rejected', reason };
      continue;
    }
    outcomes[item.index] = STORED;
    const workspaceId = workspaceOf(item.write);
    if (workspaceId !== null) markActive(active, orgId, workspaceId, activityTime(item.write));
  }
}

/**
 * Records a batch of writes, for one org or several (in org id order, one transaction), and
 * answers one outcome per write, in the batch's order.
 */
export async function recordBatch(
  db: Kysely<Database>,
  writes: readonly OrgWrite[],
  options: RecordOptions = {},
): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(writes.length);
  const byOrg = new Map<string, Item[]>();
  for (let index = 0; index < writes.length; index += 1) {
    const { orgId, write } = writes[index]!;
    const items = byOrg.get(orgId);
    if (items) items.push({ index, write });
    else byOrg.set(orgId, [{ index, write }]);
  }
  const active: ActiveWorkspaces = new Map();
  if (byOrg.size > 0) {
    const orgs = [...byOrg.keys()].sort(byString);
    const storable = new Map<string, Item[]>();
    for (const orgId of orgs)
      storable.set(orgId, await storableWrites(db, orgId, byOrg.get(orgId)!, outcomes));
    const group: BatchState = { outcomes, active, insertedActivities: [], peopleUpdates: [] };
    await db.transaction().execute(async (trx) => {
      for (const orgId of orgs) await recordOrgBatch(trx, orgId, storable.get(orgId)!, group);
      // Last, in one statement for every org: the changes to existing users and agents (their
      // rows stay locked until the commit) and the new records' rollup cells, queued (folded into
      // the rollup tables after the commit: ../activity/rollup-folder.ts).
      const queued = queueRollupsStatement(rollupCells(group.insertedActivities));
      await asOneStatement([...group.peopleUpdates, ...(queued ? [queued] : [])])?.execute(trx);
    });
  }
  options.onCommitted?.();
  await touchWorkspaces(db, active).catch((error: unknown) => options.onTouchFailed?.(error));
  return outcomes;
}
