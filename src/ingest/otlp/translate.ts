// One OTLP span as one ledger write (the mapping table of docs/otel.md). GenAI spans by their
// `gen_ai.operation.name`: invoke_agent → an execution, execute_tool → an AI tool usage, a model
// call (chat, text_completion, generate_content, embeddings) → tokens of the nearest agent's
// execution (or an execution of its own); an HTTP server span → an activity record; any other span
// is kept only as a link between the spans above and beneath it. Attributes are read from the span,
// then from its resource. A span this cannot record comes back as a reason, rejected on its own.

import type { AgentType } from '../../db/schema.js';
import { isPlatformId, isUuid, NOT_AN_ID } from '../../ids.js';
import { tokensTotal } from '../../ledger/activity/tokens-total.js';
import { AGENT_TYPES } from '../../ledger/agents/agents.js';
import type {
  ActivityRecord,
  ExecutionWrite,
  LedgerWrite,
  SpanRef,
  TokenCounts,
} from '../../ledger/write/types.js';
import { TOOL_TYPES } from '../events/ai-usage.js';
import type { AttributeValue, OtlpSpan } from './decode.js';

const MODEL_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const SERVER = 2;
const STATUS_ERROR = 2;
export const OTLP_SOURCE = 'otlp';

const ACTIONS = new Map([
  ['GET', 'read'],
  ['HEAD', 'read'],
  ['POST', 'create'],
  ['PUT', 'update'],
  ['PATCH', 'update'],
  ['DELETE', 'delete'],
]);

export type SpanTranslation = { write: LedgerWrite } | { problem: string };

/** A span's attributes, falling back to its resource's; every read is typed and bounded. */
class SpanAttributes {
  readonly problems: string[] = [];
  constructor(private readonly span: OtlpSpan) {}

  private raw(key: string): AttributeValue | undefined {
    return this.span.attributes.get(key) ?? this.span.resource.get(key);
  }

  /** A text attribute (an integer is read as its decimal text), at most `max` characters. */
  text(key: string, max = 256): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const text = typeof value === 'bigint' ? value.toString() : value;
    if (typeof text !== 'string') {
      this.problems.push(`${key} must be a string`);
      return undefined;
    }
    // PostgreSQL stores neither NUL nor a lone UTF-16 surrogate (in text, or in JSON such as a usage's input).
    if (text.length > max || text.includes('\u0000') || LONE_SURROGATE.test(text)) {
      this.problems.push(`${key} must be at most ${max} characters of well-formed Unicode, without NUL`);
      return undefined;
    }
    return text === '' ? undefined : text;
  }

  firstText(keys: string[], max?: number): string | undefined {
    for (const key of keys) {
      const value = this.text(key, max);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A non-negative number; an integer when `integer`, and exact (at most 2^53 − 1). */
  count(key: string, integer: boolean): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const number =
      typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    if (
      typeof number !== 'number' ||
      !Number.isFinite(number) ||
      number < 0 ||
      (integer && !Number.isSafeInteger(number))
    ) {
      this.problems.push(`${key} must be a non-negative ${integer ? 'integer up to 2^53 − 1' : 'number'}`);
      return undefined;
    }
    return number;
  }

  firstCount(keys: string[], integer: boolean): number | undefined {
    for (const key of keys) {
      const value = this.count(key, integer);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  id(key: string | string[], options: { required: boolean; uuid?: boolean }): string | undefined {
    const keys = typeof key === 'string' ? [key] : key;
    const value = this.firstText(keys);
    if (value === undefined) {
      if (options.required)
        this.problems.push(`${keys.join(' or ')} is required (on the span or its resource)`);
      return undefined;
    }
    if (!isPlatformId(value) && !(options.uuid && isUuid(value))) {
      this.problems.push(`${keys.join(' or ')} ${NOT_AN_ID}`);
      return undefined;
    }
    return value;
  }
}

/** In a `u` regular expression a surrogate pair is one code point: only a lone surrogate is Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Free text as PostgreSQL can store it: NUL dropped, lone surrogates replaced, at most `max` long. */
const storable = (text: string, max: number): string =>
  text
    .slice(0, max)
    .replaceAll('\u0000', '')
    .replace(/\p{Cs}/gu, '\uFFFD');

const millis = (nanos: bigint): Date => new Date(Number(nanos / 1_000_000n));
const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128) || 'agent';

function spanRef(span: OtlpSpan): SpanRef {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    parentRemote: span.parentRemote,
  };
}

/** The identity every write of the span shares: its dedup key, its ordering time, its link. */
function base(span: OtlpSpan) {
  return {
    key: { source: OTLP_SOURCE, eventId: `${span.traceId}-${span.spanId}` },
    time: millis(span.endNanos),
    span: spanRef(span),
  };
}

function tokensOf(a: SpanAttributes): TokenCounts | null {
  const input = a.firstCount(['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'], true);
  const output = a.firstCount(['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'], true);
  if (input === undefined && output === undefined) return null;
  return { input: input ?? 0, output: output ?? 0, total: (input ?? 0) + (output ?? 0) };
}

/** The execution of an agent span, or of a model call settled on its own. */
function execution(
  span: OtlpSpan,
  a: SpanAttributes,
  agent: { id: string; name: string; type: AgentType },
): Omit<ExecutionWrite, 'key' | 'time'> | null {
  const workspaceId = a.id('tally.workspace.id', { required: true, uuid: true });
  const userId = a.id(['enduser.id', 'user.id'], { required: true });
  const credits = a.count('tally.credits', false) ?? 0;
  const model = a.firstText(['gen_ai.response.model', 'gen_ai.request.model']) ?? null;
  if (workspaceId === undefined || userId === undefined) return null;
  return {
    kind: 'execution',
    record: {
      id: `${span.traceId}-${span.spanId}`,
      workspace_id: workspaceId,
      user_id: userId,
      status: span.status.code === STATUS_ERROR ? 'failed' : 'succeeded',
      credits,
      output: null,
      output_url: null,
      output_private: false,
      root_id: null,
      execution_origin: OTLP_SOURCE,
      used_model: model,
      tokens_input: null,
      tokens_output: null,
      tokens_total: null,
      created_at: millis(span.startNanos),
    },
    agent: { id: agent.id, slug: slug(agent.name), name: agent.name, type: agent.type },
    userEmail: null,
  };
}

function agentSpan(span: OtlpSpan, a: SpanAttributes): LedgerWrite | null {
  const name = a.text('gen_ai.agent.name', 200);
  const agentId =
    a.id('gen_ai.agent.id', { required: false }) ?? (name === undefined ? undefined : slug(name));
  if (agentId === undefined) a.problems.push('gen_ai.agent.id or gen_ai.agent.name is required');
  const typeText = a.text('tally.agent_type', 32);
  const type = AGENT_TYPES.find((t) => t === typeText) ?? 'chat';
  const written = execution(span, a, { id: agentId ?? '', name: name ?? agentId ?? '', type });
  if (!written || agentId === undefined) return null;
  return { ...written, ...base(span) } as ExecutionWrite;
}

function modelCallSpan(span: OtlpSpan, a: SpanAttributes): LedgerWrite | null {
  const service = a.text('service.name', 200) ?? 'unknown_service';
  const tokens = tokensOf(a) ?? { input: 0, output: 0, total: 0 };
  const written = execution(span, a, { id: slug(service), name: service, type: 'chat' });
  if (!written) return null;
  const { span: ref, ...identity } = base(span);
  const alone: ExecutionWrite = {
    ...written,
    ...identity,
    record: {
      ...written.record,
      tokens_input: tokens.input,
      tokens_output: tokens.output,
      tokens_total: tokens.total,
    },
  } as ExecutionWrite;
  return { kind: 'model_call', ...identity, span: ref, tokens, model: written.record.used_model, alone };
}

function toolSpan(span: OtlpSpan, a: SpanAttributes): LedgerWrite | null {
  const workspaceId = a.id('tally.workspace.id', { required: true, uuid: true });
  const toolName = a.text('gen_ai.tool.name', 256);
  const typeText = a.text('tally.tool_type', 64);
  const callId = a.text('gen_ai.tool.call.id', 256);
  const toolKind = a.text('gen_ai.tool.type', 64);
  const cost = a.count('tally.cost', false) ?? 0;
  if (workspaceId === undefined) return null;
  const failed = span.status.code === STATUS_ERROR;
  const input: Record<string, unknown> = Object.create(null);
  if (toolName !== undefined) input.tool_name = toolName;
  if (callId !== undefined) input.tool_call_id = callId;
  if (toolKind !== undefined) input.tool_kind = toolKind;
  input.trace_id = span.traceId;
  input.span_id = span.spanId;
  return {
    kind: 'ai_usage',
    ...base(span),
    record: {
      id: `${span.traceId}-${span.spanId}`,
      workspace_id: workspaceId,
      tool_type: TOOL_TYPES.find((t) => t === typeText) ?? 'other',
      status: failed ? 'failed' : 'completed',
      cost,
      input_data: { ...input },
      response_data:
        failed && span.status.message !== '' ? { error: storable(span.status.message, 4096) } : {},
      created_at: millis(span.startNanos),
      completed_at: millis(span.endNanos),
    },
  };
}

/** The first static segment of a route after an `/api` or `/v<n>` prefix: the resource's type. */
function resourceTypeOf(route: string | undefined): string | null {
  for (const segment of (route ?? '').split('/')) {
    if (segment === '' || /^(api|v\d+(\.\d+)*)$/i.test(segment)) continue;
    if (segment.startsWith(':') || segment.includes('{') || segment.includes('*')) return null;
    return segment.slice(0, 128);
  }
  return null;
}

function serverSpan(span: OtlpSpan, a: SpanAttributes): LedgerWrite | null {
  const method = a.firstText(['http.request.method', 'http.method'], 16)!;
  const route = a.text('http.route', 2048);
  const path = route ?? a.firstText(['url.path', 'http.target'], 2048);
  const statusCode = a.firstCount(['http.response.status_code', 'http.status_code'], true);
  const validStatus = statusCode !== undefined && statusCode >= 100 && statusCode <= 599 ? statusCode : null;
  const tokens = tokensOf(a);
  const usage = tokens && {
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    total_tokens: tokens.total,
  };
  const record: ActivityRecord = {
    id: `${span.traceId}-${span.spanId}`,
    timestamp: millis(span.startNanos),
    trace_id: span.traceId,
    user_id: a.id(['enduser.id', 'user.id'], { required: false }) ?? null,
    workspace_id: a.id('tally.workspace.id', { required: false, uuid: true }) ?? null,
    app_id: a.text('tally.app.id') ?? null,
    principal_type: null,
    principal_id: null,
    token_id: null,
    token_type: null,
    method,
    path: path ?? null,
    resource_type: a.text('tally.resource_type', 128) ?? resourceTypeOf(route),
    resource_id: a.text('tally.resource_id') ?? null,
    action: a.text('tally.action', 64) ?? ACTIONS.get(method.toUpperCase()) ?? method.toLowerCase(),
    status_code: validStatus,
    success: validStatus !== null ? validStatus < 400 : span.status.code !== STATUS_ERROR,
    error_code: a.text('error.type', 128) ?? null,
    duration_ms: Number(span.endNanos - span.startNanos) / 1e6,
    execution_id: null,
    augmentation_id: null,
    stages_completed: null,
    total_stages: null,
    token_usage: usage,
    metadata: null,
    tokens_total: tokensTotal(usage),
  };
  return { kind: 'activity', ...base(span), record };
}

/** The write a span becomes, or why it cannot be recorded. */
export function translateSpan(span: OtlpSpan): SpanTranslation {
  if (span.problem !== null) return { problem: span.problem };
  const a = new SpanAttributes(span);
  const operation = a.text('gen_ai.operation.name', 64);
  let write: LedgerWrite | null;
  if (operation === 'invoke_agent') write = agentSpan(span, a);
  else if (operation === 'execute_tool') write = toolSpan(span, a);
  else if (operation !== undefined && MODEL_CALLS.has(operation)) write = modelCallSpan(span, a);
  else if (span.kind === SERVER && a.firstText(['http.request.method', 'http.method'], 16) !== undefined)
    write = serverSpan(span, a);
  else write = { kind: 'span', ...base(span) };
  if (a.problems.length > 0 || write === null) return { problem: a.problems.join('; ') || 'not recordable' };
  return { write };
}

/** The org a span's write goes to, named by `tally.org.id` (the deployment admin's writes only). */
export function orgAttributeOf(span: OtlpSpan): string | undefined {
  const value = span.attributes.get('tally.org.id') ?? span.resource.get('tally.org.id');
  return typeof value === 'string' ? value : undefined;
}
