// The ledger's work on the spans of a batch (OTLP writes carry a SpanRef), inside the batch's
// transaction: lock the traces, store the new spans' links, then settle every model call of
// those traces that waits — into the nearest agent execution above it, or on its own. A model
// call's tokens are counted exactly once: a call settled on its own is never added to an agent
// that arrives later, and a call counted in an agent is never stored on its own.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ExecutionWrite, LedgerWrite, SpanRef, TokenCounts } from '../write/types.js';
import { type SpanNode, settle, tokensBeneath } from './span-graph.js';
import {
  addExecutionTokens,
  insertSpans,
  loadTraces,
  lockTraces,
  markCounted,
  type NewSpan,
} from './trace-spans.js';

const spanKey = (span: Pick<SpanRef, 'traceId' | 'spanId'>): string => `${span.traceId}/${span.spanId}`;

export interface SpanStep {
  /** Model calls settled on their own, as executions to store with the batch's. */
  alone: ExecutionWrite[];
  /** The token usage of server spans (activity writes) that have none of their own, by span. */
  activityTokens: Map<string, TokenCounts>;
  /** Adds settled tokens to their agents' executions; run once the batch's executions are stored. */
  finish(): Promise<void>;
}

export const activityTokensOf = (step: SpanStep, span: SpanRef): TokenCounts | undefined =>
  step.activityTokens.get(spanKey(span));

function nodeOf(span: NewSpan): SpanNode {
  return {
    spanId: span.span.spanId,
    parentSpanId: span.span.parentSpanId,
    parentRemote: span.span.parentRemote,
    role: span.role,
    executionId: span.executionId,
    tokens: span.tokens,
    model: span.model,
    alone: span.alone,
    receivedAt: new Date(),
  };
}

function newSpan(write: LedgerWrite): NewSpan | null {
  switch (write.kind) {
    case 'model_call':
      return {
        span: write.span,
        role: 'model_call',
        executionId: null,
        tokens: write.tokens,
        model: write.model,
        alone: write.alone,
      };
    case 'execution':
      if (!write.span) return null;
      return {
        span: write.span,
        role: 'agent',
        executionId: write.record.id,
        tokens: null,
        model: null,
        alone: null,
      };
    case 'activity':
    case 'ai_usage':
    case 'span':
      if (!write.span) return null;
      return { span: write.span, role: 'other', executionId: null, tokens: null, model: null, alone: null };
    default:
      return null;
  }
}

/**
 * Links the batch's new spans and settles the waiting model calls of their traces (and of
 * `moreTraces`, the sweeper's). `settleGapsBefore`: see span-graph.ts's settle.
 */
export async function settleSpans(
  db: Kysely<Database>,
  orgId: string,
  writes: readonly LedgerWrite[],
  options: { settleGapsBefore: Date | null; moreTraces?: string[] } = { settleGapsBefore: null },
): Promise<SpanStep> {
  const spans = writes.map(newSpan).filter((span) => span !== null);
  const traceIds = [...new Set([...spans.map((s) => s.span.traceId), ...(options.moreTraces ?? [])])];
  const step: SpanStep = { alone: [], activityTokens: new Map(), finish: async () => {} };
  if (traceIds.length === 0) return step;

  await lockTraces(db, orgId, traceIds);
  // The stored spans of these traces, with the new ones added: everything is settled in memory,
  // and each new span is then stored once, already in its final state.
  const traces = await loadTraces(db, orgId, traceIds);
  const stored = new Set<string>();
  for (const [traceId, trace] of traces)
    for (const spanId of trace.keys()) stored.add(`${traceId}/${spanId}`);
  const added: SpanNode[] = [];
  const addedSpans: NewSpan[] = [];
  for (const span of spans) {
    let trace = traces.get(span.span.traceId);
    if (!trace) {
      trace = new Map();
      traces.set(span.span.traceId, trace);
    }
    if (trace.has(span.span.spanId)) continue;
    const node = nodeOf(span);
    trace.set(span.span.spanId, node);
    added.push(node);
    addedSpans.push(span);
  }

  for (const write of writes) {
    if (write.kind !== 'activity' || !write.span || write.record.token_usage !== null) continue;
    const trace = traces.get(write.span.traceId);
    const tokens = trace && tokensBeneath(trace, write.span.spanId);
    if (tokens) step.activityTokens.set(spanKey(write.span), tokens);
  }

  const counted: { traceId: string; spanId: string; executionId: string }[] = [];
  const additions = new Map<string, { tokens: TokenCounts; model: string | null }>();
  const count = (traceId: string, node: SpanNode, executionId: string) => {
    node.executionId = executionId;
    if (stored.has(`${traceId}/${node.spanId}`)) counted.push({ traceId, spanId: node.spanId, executionId });
  };
  for (const [traceId, trace] of traces) {
    const settlement = settle(trace, options.settleGapsBefore);
    for (const [spanId, executionId] of settlement.intoAgents) {
      const node = trace.get(spanId)!;
      count(traceId, node, executionId);
      const sum = additions.get(executionId) ?? { tokens: { input: 0, output: 0, total: 0 }, model: null };
      sum.tokens.input += node.tokens?.input ?? 0;
      sum.tokens.output += node.tokens?.output ?? 0;
      sum.tokens.total += node.tokens?.total ?? 0;
      sum.model ??= node.model;
      additions.set(executionId, sum);
    }
    for (const node of settlement.alone) {
      if (node.alone === null) continue;
      count(traceId, node, node.alone.record.id);
      step.alone.push(node.alone);
    }
  }
  // A new model call keeps the execution it becomes on its own only while it waits.
  await insertSpans(
    db,
    orgId,
    addedSpans.map((span, i) => ({
      ...span,
      executionId: added[i]!.executionId,
      alone: added[i]!.executionId === null ? span.alone : null,
    })),
  );
  step.finish = async () => {
    await addExecutionTokens(db, orgId, additions);
    await markCounted(db, orgId, counted);
  };
  return step;
}
