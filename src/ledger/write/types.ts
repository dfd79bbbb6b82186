// What the ledger's write entry point (record-batch.ts) takes and answers. Each front door
// (CloudEvents today, OTLP next) translates what it receives into these writes; one shape per
// record kind, each carrying the key that deduplicates it and the time that orders it.
import type { Activity, AgentType } from '../../db/schema.js';
import type { AiUsageRow } from '../ai-usages/write.js';
import type { ExecutionRow } from '../executions/write.js';

/** A write is stored once per (org, source, event id): a resent write is a duplicate. */
export interface WriteKey {
  source: string;
  eventId: string;
}

interface WriteBase {
  key: WriteKey;
  /** When the write happened at its sender: of two writes of one record, the newest wins. */
  time: Date;
}

/**
 * Where a write sits in a trace (OTLP spans): the ledger links the spans it stores, so a model
 * call's tokens count once, in the nearest agent execution above it, whichever arrives first.
 */
export interface SpanRef {
  traceId: string;
  spanId: string;
  /** null for a root span. */
  parentSpanId: string | null;
  /** The parent runs in another process: the spans above it are not this trace's to settle. */
  parentRemote: boolean;
}

/** Every column of `activities` but org_id, with the JSON columns still as objects. */
export type ActivityRecord = Omit<Activity, 'org_id' | 'token_usage' | 'metadata'> & {
  token_usage: Record<string, number> | null;
  metadata: Record<string, unknown> | null;
};

/** An activity record; its workspace, when it names one, must exist (by id or UUID alias). */
export interface ActivityWrite extends WriteBase {
  kind: 'activity';
  record: ActivityRecord;
  /**
   * A server span: with no token usage of its own, the record's is the sum of the model calls
   * beneath it that the ledger holds when it arrives (a server span ends, and is sent, last).
   */
  span?: SpanRef;
}

/**
 * The whole state of an execution. Its user and agent are created or updated with it; its
 * workspace (by id or UUID alias) must exist.
 */
export interface ExecutionWrite extends WriteBase {
  kind: 'execution';
  record: Omit<ExecutionRow, 'agent_id' | 'agent_type' | 'event_time'>;
  agent: { id: string; slug: string; name: string; type: AgentType };
  /** The user's email when the sender knows it (an unknown email keeps the stored one). */
  userEmail: string | null;
  /** An agent span: the tokens of the model calls beneath it are added to the execution. */
  span?: SpanRef;
}

/** Archiving or editing a stored execution of the workspace: drops its content, keeps billing. */
export interface ExecutionSourceWrite extends WriteBase {
  kind: 'execution_source';
  change: 'archived' | 'edited';
  executionId: string;
  workspaceId: string;
}

/** The whole state of an AI tool usage; its workspace (by id or UUID alias) must exist. */
export interface AiUsageWrite extends WriteBase {
  kind: 'ai_usage';
  record: Omit<AiUsageRow, 'event_time'>;
  span?: SpanRef;
}

export interface TokenCounts {
  input: number;
  output: number;
  total: number;
}

/**
 * A model call (an OTLP span): its tokens count in the nearest agent execution above it; with no
 * agent span above it, it is stored as `alone`, an execution of its own. Until the spans above
 * it are known it waits (see ledger/traces/).
 */
export interface ModelCallWrite extends WriteBase {
  kind: 'model_call';
  span: SpanRef;
  tokens: TokenCounts;
  model: string | null;
  alone: ExecutionWrite;
}

/** Any other span of a trace: stored only as the link between the spans above and beneath it. */
export interface SpanWrite extends WriteBase {
  kind: 'span';
  span: SpanRef;
}

export type LedgerWrite =
  | ActivityWrite
  | ExecutionWrite
  | ExecutionSourceWrite
  | AiUsageWrite
  | ModelCallWrite
  | SpanWrite;

/** A write for one org: the batch may span orgs (the deployment admin writes to several). */
export interface OrgWrite {
  orgId: string;
  write: LedgerWrite;
}

/** Why the ledger refused a write, against what it stores. */
export type WriteRejection =
  /** `workspace` is the name the write used (an id or a UUID alias). */
  | { code: 'unknown_workspace'; orgId: string; workspace: string }
  /** No execution `executionId` in the workspace (named by its id). */
  | { code: 'unknown_execution'; executionId: string; workspaceId: string }
  /** Only chat executions can be edited. */
  | { code: 'not_editable'; executionId: string; agentType: string };

/**
 * What became of one write: stored (new and committed), duplicate (its key was stored before, or
 * earlier in the same batch), or rejected (nothing stored, its key left unclaimed for a retry).
 */
export type WriteOutcome =
  | { readonly status: 'stored' }
  | { readonly status: 'duplicate' }
  | { readonly status: 'rejected'; readonly reason: WriteRejection };

/** The two outcomes without details, shared by every write that has them (one object each). */
export const STORED: WriteOutcome = Object.freeze({ status: 'stored' });
export const DUPLICATE: WriteOutcome = Object.freeze({ status: 'duplicate' });
