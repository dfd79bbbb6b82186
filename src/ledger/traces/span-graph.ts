// The spans of one trace as the ledger holds them, and the walk that decides where a model call's
// tokens count: in the nearest agent span above it; on its own when nothing above it is an agent
// (the walk reached the top of the trace, or a parent in another process); or nowhere yet, when
// a span between it and the top has not arrived. Pure: trace-spans.ts loads and stores.
import type { ExecutionWrite, TokenCounts } from '../write/types.js';

export type SpanRole = 'agent' | 'model_call' | 'other';

export interface SpanNode {
  spanId: string;
  parentSpanId: string | null;
  parentRemote: boolean;
  role: SpanRole;
  /** An agent span's execution; a model call's, once its tokens are counted (null: waiting). */
  executionId: string | null;
  tokens: TokenCounts | null;
  model: string | null;
  /** The execution a waiting model call becomes on its own. */
  alone: ExecutionWrite | null;
  receivedAt: Date;
}

/** One trace's spans by span id. */
export type Trace = Map<string, SpanNode>;

export type Above =
  | { to: 'agent'; agent: SpanNode }
  | { to: 'top' }
  /** A span between this one and the top has not arrived (or was rejected). */
  | { to: 'gap' };

/** Where the spans above `node` lead. A cycle of parent ids (a hostile trace) counts as the top. */
export function above(trace: Trace, node: SpanNode): Above {
  const seen = new Set<string>();
  let current = node;
  for (;;) {
    if (current.parentSpanId === null || current.parentRemote || seen.has(current.spanId))
      return { to: 'top' };
    seen.add(current.spanId);
    const parent = trace.get(current.parentSpanId);
    if (parent === undefined) return { to: 'gap' };
    if (parent.role === 'agent') return { to: 'agent', agent: parent };
    current = parent;
  }
}

/** True when `ancestorId` is a span above `node` (at any depth, agents included). */
export function isBeneath(trace: Trace, node: SpanNode, ancestorId: string): boolean {
  const seen = new Set<string>();
  let current: SpanNode | undefined = node;
  while (current !== undefined && current.parentSpanId !== null && !seen.has(current.spanId)) {
    if (current.parentSpanId === ancestorId) return true;
    seen.add(current.spanId);
    current = trace.get(current.parentSpanId);
  }
  return false;
}

/** The tokens of every model call beneath the span `spanId`, or null when there is none. */
export function tokensBeneath(trace: Trace, spanId: string): TokenCounts | null {
  let sum: TokenCounts | null = null;
  for (const node of trace.values()) {
    if (node.role !== 'model_call' || node.tokens === null || !isBeneath(trace, node, spanId)) continue;
    sum ??= { input: 0, output: 0, total: 0 };
    sum.input += node.tokens.input;
    sum.output += node.tokens.output;
    sum.total += node.tokens.total;
  }
  return sum;
}

export interface Settlement {
  /** Model calls counted in an agent's execution: span id → the agent's execution id. */
  intoAgents: Map<string, string>;
  /** Model calls counted on their own. */
  alone: SpanNode[];
}

/**
 * Where each waiting model call of the trace counts now. `settleGapsBefore`: a call that has
 * waited since before it for a missing span is settled on its own (the sweeper's rule; null
 * while a request is written, when the missing span may still come).
 */
export function settle(trace: Trace, settleGapsBefore: Date | null): Settlement {
  const settlement: Settlement = { intoAgents: new Map(), alone: [] };
  for (const node of trace.values()) {
    if (node.role !== 'model_call' || node.executionId !== null) continue;
    const where = above(trace, node);
    if (where.to === 'agent' && where.agent.executionId !== null) {
      settlement.intoAgents.set(node.spanId, where.agent.executionId);
    } else if (
      where.to === 'top' ||
      (settleGapsBefore !== null && node.receivedAt.getTime() < settleGapsBefore.getTime())
    ) {
      settlement.alone.push(node);
    }
  }
  return settlement;
}
