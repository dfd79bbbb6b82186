// What each event type becomes once validated: a write for the ledger, still without its org.
import type { Activity, AgentType } from '../../db/schema.js';
import type { AiUsageRow } from '../../ledger/ai-usages/write.js';
import type { ExecutionRow } from '../../ledger/executions/write.js';

export interface ActivityWrite {
  kind: 'activity';
  workspaceId: string | null;
  userId: string | null;
  /** Every column of `activities` but org_id, with the JSON columns still as objects. */
  row: Omit<Activity, 'org_id' | 'token_usage' | 'metadata'> & {
    token_usage: Record<string, number> | null;
    metadata: Record<string, unknown> | null;
  };
}

export interface ExecutionWrite {
  kind: 'execution';
  workspaceId: string;
  userId: string;
  userEmail: string | null;
  agent: { id: string; slug: string; name: string; type: AgentType };
  time: Date;
  /** The execution's columns that its event carries (ids of workspace, user and agent aside). */
  row: Omit<ExecutionRow, 'workspace_id' | 'user_id' | 'agent_id' | 'agent_type' | 'event_time'>;
}

export interface ExecutionSourceWrite {
  kind: 'execution_source';
  source: 'archived' | 'edited';
  id: string;
  workspaceId: string;
  time: Date;
}

export interface AiUsageWrite {
  kind: 'ai_usage';
  workspaceId: string;
  time: Date;
  row: Omit<AiUsageRow, 'workspace_id' | 'event_time'>;
}

export type LedgerWrite = ActivityWrite | ExecutionWrite | ExecutionSourceWrite | AiUsageWrite;

/** The workspace a write belongs to, which must exist in the event's org. */
export function workspaceOf(write: LedgerWrite): string | null {
  return write.workspaceId;
}

/**
 * The write with its workspace named by `workspaceId`: events may name a workspace by its UUID
 * alias (API.md §1), and records always store the workspace's id, so both forms store the same.
 */
export function withWorkspace(write: LedgerWrite, workspaceId: string): LedgerWrite {
  if (write.workspaceId === workspaceId) return write;
  if (write.kind === 'activity')
    return { ...write, workspaceId, row: { ...write.row, workspace_id: workspaceId } };
  return { ...write, workspaceId };
}

/** The time that orders writes of the same record: the newest wins. */
export function recordTime(write: LedgerWrite): Date {
  switch (write.kind) {
    case 'activity':
      return write.row.timestamp;
    case 'execution':
      return write.row.created_at;
    case 'ai_usage':
      return write.row.created_at;
    case 'execution_source':
      return write.time;
  }
}
