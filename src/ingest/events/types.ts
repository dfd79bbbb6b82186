// What each event type becomes once validated: a write for the ledger, still without its org.
import type { AgentType } from '../../db/schema.js';

export interface ActivityWrite {
  kind: 'activity';
  workspaceId: string | null;
  userId: string | null;
  /** Every column of `activities` but org_id. */
  row: {
    id: string;
    timestamp: Date;
    trace_id: string | null;
    user_id: string | null;
    workspace_id: string | null;
    app_id: string | null;
    principal_type: string | null;
    principal_id: string | null;
    token_id: string | null;
    token_type: string | null;
    method: string | null;
    path: string | null;
    resource_type: string | null;
    resource_id: string | null;
    action: string | null;
    status_code: number | null;
    success: boolean;
    error_code: string | null;
    duration_ms: number | null;
    execution_id: string | null;
    augmentation_id: string | null;
    stages_completed: number | null;
    total_stages: number | null;
    token_usage: Record<string, number> | null;
    metadata: Record<string, unknown> | null;
    tokens_total: number;
  };
}

export interface ExecutionWrite {
  kind: 'execution';
  workspaceId: string;
  userId: string;
  userEmail: string | null;
  agent: { id: string; slug: string; name: string; type: AgentType };
  time: Date;
  row: {
    id: string;
    status: string;
    credits: number;
    output: string | null;
    output_url: string | null;
    output_private: boolean;
    root_id: string | null;
    execution_origin: string | null;
    used_model: string | null;
    tokens_input: number | null;
    tokens_output: number | null;
    tokens_total: number | null;
    created_at: Date;
  };
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
  row: {
    id: string;
    tool_type: string;
    status: string;
    cost: number;
    input_data: Record<string, unknown>;
    response_data: Record<string, unknown>;
    created_at: Date;
    completed_at: Date | null;
  };
}

export type LedgerWrite = ActivityWrite | ExecutionWrite | ExecutionSourceWrite | AiUsageWrite;

/** The workspace a write belongs to, which must exist in the event's org. */
export function workspaceOf(write: LedgerWrite): string | null {
  return write.workspaceId;
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
