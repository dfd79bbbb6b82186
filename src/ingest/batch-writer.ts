// Writes a validated batch in one transaction per request: the dedup claims (org, source, id) and
// the records they bring are committed together, so an event is either stored and claimed or
// neither, and a 2xx means committed. Events that fail a check against stored state (unknown
// workspace, archiving an unknown execution) are rejected on their own; the rest go through.
import { type Kysely, sql } from 'kysely';
import type { Database, NewActivity } from '../db/schema.js';
import { insertActivities } from '../ledger/activity/insert.js';
import { type AgentInput, upsertAgents } from '../ledger/agents/agents.js';
import { type AiUsageRow, upsertAiUsages } from '../ledger/ai-usages/write.js';
import {
  changeExecutionSources,
  type ExecutionRow,
  findExecutionRefs,
  type SourceChange,
  upsertExecutions,
} from '../ledger/executions/write.js';
import { ensureUsers } from '../ledger/orgs/users.js';
import { resolveWorkspaceNames } from '../ledger/workspaces/workspace-names.js';
import { type LedgerWrite, recordTime, withWorkspace } from './events/types.js';

export interface BatchItem {
  index: number;
  eventId: string;
  source: string;
  time: Date;
  write: LedgerWrite;
}

export interface Rejection {
  index: number;
  id: string | null;
  errors: string[];
}

export interface BatchOutcome {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
  /** Newest record time per workspace among accepted events, for `last_active_at`. */
  activeWorkspaces: Map<string, { orgId: string; at: Date }>;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Keeps, per key, the item with the newest event time (the later one on ties). */
function newestPerKey<T extends BatchItem>(items: T[], key: (item: T) => string): T[] {
  const newest = new Map<string, T>();
  for (const item of items) {
    const current = newest.get(key(item));
    if (!current || current.time.getTime() <= item.time.getTime()) newest.set(key(item), item);
  }
  return [...newest.values()];
}

/** Claims the events' dedup keys; returns the keys that were new (the others are duplicates). */
async function claim(db: Kysely<Database>, orgId: string, items: BatchItem[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  // A fixed order keeps concurrent batches that share events from deadlocking.
  const sorted = [...items].sort((a, b) => byKey(a.source, b.source) || byKey(a.eventId, b.eventId));
  const result = await sql<{ source: string; event_id: string }>`
    INSERT INTO ingested_events (org_id, source, event_id)
    SELECT ${orgId}, u.source, u.event_id
    FROM unnest(${sorted.map((i) => i.source)}::text[], ${sorted.map((i) => i.eventId)}::text[]) AS u(source, event_id)
    ON CONFLICT DO NOTHING
    RETURNING source, event_id`.execute(db);
  return new Set(result.rows.map((row) => `${row.source}\u0000${row.event_id}`));
}

async function unclaim(db: Kysely<Database>, orgId: string, items: BatchItem[]): Promise<void> {
  if (items.length === 0) return;
  await sql`
    DELETE FROM ingested_events AS e
    USING unnest(${items.map((i) => i.source)}::text[], ${items.map((i) => i.eventId)}::text[]) AS u(source, event_id)
    WHERE e.org_id = ${orgId} AND e.source = u.source AND e.event_id = u.event_id`.execute(db);
}

function activityRow(orgId: string, item: BatchItem): NewActivity {
  if (item.write.kind !== 'activity') throw new Error('not an activity');
  const row = item.write.row;
  return {
    org_id: orgId,
    ...row,
    token_usage: row.token_usage === null ? null : JSON.stringify(row.token_usage),
    metadata: row.metadata === null ? null : JSON.stringify(row.metadata),
  };
}

function executionRow(item: BatchItem): ExecutionRow {
  if (item.write.kind !== 'execution') throw new Error('not an execution');
  const { write } = item;
  return {
    ...write.row,
    workspace_id: write.workspaceId,
    user_id: write.userId,
    agent_id: write.agent.id,
    agent_type: write.agent.type,
    event_time: item.time,
  };
}

function aiUsageRow(item: BatchItem): AiUsageRow {
  if (item.write.kind !== 'ai_usage') throw new Error('not an AI usage');
  return { ...item.write.row, workspace_id: item.write.workspaceId, event_time: item.time };
}

/** Checks archive/edit events against the stored executions; returns the rejected ones. */
async function applySourceChanges(
  db: Kysely<Database>,
  orgId: string,
  items: BatchItem[],
): Promise<{ rejected: Map<BatchItem, string> }> {
  const rejected = new Map<BatchItem, string>();
  if (items.length === 0) return { rejected };
  const refs = await findExecutionRefs(
    db,
    orgId,
    items.map((item) => (item.write as { id: string }).id),
  );
  const valid: BatchItem[] = [];
  for (const item of items) {
    if (item.write.kind !== 'execution_source') continue;
    const ref = refs.get(item.write.id);
    if (!ref || ref.workspace_id !== item.write.workspaceId) {
      rejected.set(item, `data.id: no execution "${item.write.id}" in workspace "${item.write.workspaceId}"`);
    } else if (item.write.source === 'edited' && ref.agent_type !== 'chat') {
      rejected.set(item, `data.id: only chat executions can be edited (this one is ${ref.agent_type})`);
    } else {
      valid.push(item);
    }
  }
  const changes: SourceChange[] = newestPerKey(valid, (item) => (item.write as { id: string }).id).map(
    (item) => {
      const write = item.write as { id: string; source: 'archived' | 'edited' };
      return { id: write.id, source: write.source, time: item.time };
    },
  );
  await changeExecutionSources(db, orgId, changes);
  return { rejected };
}

/** Writes one org's events inside the caller's transaction. */
async function writeOrgBatch(db: Kysely<Database>, orgId: string, items: BatchItem[], outcome: BatchOutcome) {
  // 1. Events naming a workspace that does not exist are rejected before anything is claimed; the
  // others are rewritten to the workspace's id, whether they named it by id or by UUID alias.
  const workspaceNames = [
    ...new Set(items.map((i) => i.write.workspaceId).filter((id): id is string => id !== null)),
  ];
  const workspaces = await resolveWorkspaceNames(db, orgId, workspaceNames);
  const candidates: BatchItem[] = [];
  for (const item of items) {
    const workspaceId = item.write.workspaceId;
    const resolved = workspaceId === null ? undefined : workspaces.get(workspaceId);
    if (workspaceId !== null && resolved === undefined) {
      const field = item.write.kind === 'ai_usage' ? 'data.workspaceId' : 'data.workspace_id';
      outcome.rejected.push({
        index: item.index,
        id: item.eventId,
        errors: [`${field}: no workspace "${workspaceId}" in org "${orgId}"`],
      });
    } else {
      candidates.push(
        resolved === undefined ? item : { ...item, write: withWorkspace(item.write, resolved) },
      );
    }
  }

  // 2. The same event twice in one batch is stored once.
  const firsts = new Map<string, BatchItem>();
  for (const item of candidates) {
    const key = `${item.source}\u0000${item.eventId}`;
    if (firsts.has(key)) outcome.duplicates += 1;
    else firsts.set(key, item);
  }

  // 3. Claim the dedup keys; those already stored are duplicates.
  const claimed = await claim(db, orgId, [...firsts.values()]);
  const fresh: BatchItem[] = [];
  for (const [key, item] of firsts) {
    if (claimed.has(key)) fresh.push(item);
    else outcome.duplicates += 1;
  }

  // 4. Users and agents named by the records.
  const users = new Map<string, string | null>();
  const agents = new Map<string, AgentInput>();
  for (const { write } of fresh) {
    if (write.kind === 'activity' && write.userId !== null && !users.has(write.userId))
      users.set(write.userId, null);
    if (write.kind === 'execution') {
      if (write.userEmail !== null || !users.has(write.userId)) users.set(write.userId, write.userEmail);
      agents.set(write.agent.id, { slug: write.agent.slug, name: write.agent.name, type: write.agent.type });
    }
  }
  await ensureUsers(db, orgId, new Map([...users].sort(([a], [b]) => byKey(a, b))));
  await upsertAgents(db, orgId, new Map([...agents].sort(([a], [b]) => byKey(a, b))));

  // 5. The records themselves.
  const of = (kind: LedgerWrite['kind']) => fresh.filter((item) => item.write.kind === kind);
  await insertActivities(
    db,
    of('activity').map((item) => activityRow(orgId, item)),
  );
  const executionItems = newestPerKey(
    of('execution'),
    (item) => (item.write as { row: { id: string } }).row.id,
  );
  await upsertExecutions(db, orgId, executionItems.map(executionRow));
  const { rejected } = await applySourceChanges(db, orgId, of('execution_source'));
  const usageItems = newestPerKey(of('ai_usage'), (item) => (item.write as { row: { id: string } }).row.id);
  await upsertAiUsages(db, orgId, usageItems.map(aiUsageRow));

  // 6. Events rejected against stored state give their claims back, so a corrected retry is new.
  await unclaim(db, orgId, [...rejected.keys()]);
  for (const [item, error] of rejected)
    outcome.rejected.push({ index: item.index, id: item.eventId, errors: [error] });
  outcome.accepted += fresh.length - rejected.size;

  for (const item of fresh) {
    if (rejected.has(item) || item.write.workspaceId === null) continue;
    const at = recordTime(item.write);
    const current = outcome.activeWorkspaces.get(item.write.workspaceId);
    if (!current || current.at < at) outcome.activeWorkspaces.set(item.write.workspaceId, { orgId, at });
  }
}

export async function writeBatch(
  db: Kysely<Database>,
  byOrg: Map<string, BatchItem[]>,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { accepted: 0, duplicates: 0, rejected: [], activeWorkspaces: new Map() };
  const orgs = [...byOrg.keys()].sort(byKey);
  await db.transaction().execute(async (trx) => {
    for (const orgId of orgs) await writeOrgBatch(trx, orgId, byOrg.get(orgId)!, outcome);
  });
  return outcome;
}

/**
 * Moves `last_active_at` forward after the commit, in its own short statement: kept out of the
 * ingest transaction so concurrent batches for one workspace never wait on its row lock.
 */
export async function touchWorkspaces(
  db: Kysely<Database>,
  active: Map<string, { orgId: string; at: Date }>,
): Promise<void> {
  if (active.size === 0) return;
  const entries = [...active.entries()].sort(([a], [b]) => byKey(a, b));
  await sql`
    UPDATE workspaces AS w SET last_active_at = u.at
    FROM unnest(${entries.map(([, v]) => v.orgId)}::text[], ${entries.map(([id]) => id)}::text[],
      ${entries.map(([, v]) => v.at.toISOString())}::timestamptz[]) AS u(org_id, id, at)
    WHERE w.org_id = u.org_id AND w.id = u.id AND (w.last_active_at IS NULL OR w.last_active_at < u.at)`.execute(
    db,
  );
}
