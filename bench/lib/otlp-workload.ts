// The OTLP ingestion comparison's workload (issue #13): agent runs traced by the real OpenTelemetry
// JS SDK (test/otlp/agent-run.ts: server span → invoke_agent → chat, execute_tool, chat; five spans,
// 300 tokens), for the workspaces and users of a fresh org, encoded as an exporter sends them
// (the otlp-transformer serializers the OTLP exporters use: protobuf or JSON), or as the
// CloudEvents batches of the records the same spans become (docs/otel.md: an activity record with
// the tokens beneath it, an execution with its model calls' tokens, an AI tool usage). Everything
// is encoded before the clock starts, so the load generator's work is not part of the figures.
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { createRandom } from '../../src/demo/random.js';
import { type DemoOrg, planWorld } from '../../src/demo/world.js';
import { agentRun, memoryTracer } from '../../test/otlp/agent-run.js';

export type OtlpBenchFormat = 'otlp-protobuf' | 'otlp-json' | 'cloudevents';

export const FORMATS: Record<
  OtlpBenchFormat,
  { label: string; path: string; contentType: string; unit: string; recordsPerRun: number }
> = {
  'otlp-protobuf': {
    label: 'OTLP protobuf',
    path: '/otlp/v1/traces',
    contentType: 'application/x-protobuf',
    unit: 'spans',
    recordsPerRun: 5,
  },
  'otlp-json': {
    label: 'OTLP JSON',
    path: '/otlp/v1/traces',
    contentType: 'application/json',
    unit: 'spans',
    recordsPerRun: 5,
  },
  cloudevents: {
    label: 'CloudEvents JSON',
    path: '/v1/ingest',
    contentType: 'application/cloudevents-batch+json',
    unit: 'events',
    recordsPerRun: 3,
  },
};

/** What one run leaves in the ledger, however it is sent: an activity, an execution, an AI usage. */
export const LEDGER_RECORDS_PER_RUN = 3;
/** The tokens of one run's two model calls (100 + 20 and 150 + 30), counted in its execution. */
export const TOKENS_PER_RUN = 300;

export interface FormatWorkload {
  format: OtlpBenchFormat;
  world: DemoOrg;
  /** Unmeasured requests sent first (the same kind of runs, into the same org). */
  warmup: Buffer[];
  warmupRuns: number;
  bodies: Buffer[];
  runs: number;
  /** Spans (OTLP) or events (CloudEvents) in all the bodies. */
  records: number;
  bytes: number;
}

const SOURCE = 'bench/otlp-compare';

const iso = ([seconds, nanos]: [number, number]) =>
  new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
const nanos = ([seconds, nanos]: [number, number]) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
const text = (span: ReadableSpan, key: string) => String(span.attributes[key]);

/** The CloudEvents of one run's five spans: what translate.ts and the span settlement make of them. */
function runEvents(spans: ReadableSpan[]): object[] {
  const named = (prefix: string) => spans.find((span) => span.name.startsWith(prefix))!;
  const server = named('POST ');
  const agent = named('invoke_agent ');
  const tool = named('execute_tool ');
  const idOf = (span: ReadableSpan) => `${span.spanContext().traceId}-${span.spanContext().spanId}`;
  const traceId = server.spanContext().traceId;
  const envelope = (span: ReadableSpan, type: string, data: object) => ({
    specversion: '1.0',
    id: idOf(span),
    source: SOURCE,
    type,
    time: iso(span.endTime),
    data,
  });
  let input = 0;
  let output = 0;
  for (const call of spans.filter((span) => span.name.startsWith('chat '))) {
    input += Number(
      call.attributes['gen_ai.usage.input_tokens'] ?? call.attributes['gen_ai.usage.prompt_tokens'],
    );
    output += Number(
      call.attributes['gen_ai.usage.output_tokens'] ?? call.attributes['gen_ai.usage.completion_tokens'],
    );
  }
  return [
    envelope(server, 'activity.recorded', {
      id: idOf(server),
      timestamp: iso(server.startTime),
      trace_id: traceId,
      user_id: text(server, 'enduser.id'),
      workspace_id: text(server, 'tally.workspace.id'),
      method: text(server, 'http.request.method'),
      path: text(server, 'http.route'),
      resource_type: 'agents',
      action: 'create',
      status_code: server.attributes['http.response.status_code'],
      success: true,
      duration_ms: Number(nanos(server.endTime) - nanos(server.startTime)) / 1e6,
      token_usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
    }),
    envelope(agent, 'execution.recorded', {
      id: idOf(agent),
      workspace_id: text(agent, 'tally.workspace.id'),
      user_id: text(agent, 'enduser.id'),
      agent: {
        id: text(agent, 'gen_ai.agent.id'),
        slug: text(agent, 'gen_ai.agent.id'),
        name: text(agent, 'gen_ai.agent.name'),
        type: 'chat',
      },
      status: 'succeeded',
      credits: agent.attributes['tally.credits'],
      execution_origin: 'otlp',
      used_model: text(agent, 'gen_ai.request.model'),
      tokens: { input, output, total: input + output },
      created_at: iso(agent.startTime),
    }),
    envelope(tool, 'ai_usage.recorded', {
      id: idOf(tool),
      workspaceId: text(tool, 'tally.workspace.id'),
      toolType: text(tool, 'tally.tool_type'),
      status: 'completed',
      cost: 0,
      inputData: {
        tool_name: text(tool, 'gen_ai.tool.name'),
        tool_call_id: text(tool, 'gen_ai.tool.call.id'),
        trace_id: traceId,
        span_id: tool.spanContext().spanId,
      },
      responseData: {},
      createdAt: iso(tool.startTime),
      completedAt: iso(tool.endTime),
    }),
  ];
}

function encode(format: OtlpBenchFormat, spans: ReadableSpan[]): Buffer {
  if (format === 'otlp-protobuf') return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  if (format === 'otlp-json') return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    byTrace.set(traceId, [...(byTrace.get(traceId) ?? []), span]);
  }
  return Buffer.from(JSON.stringify([...byTrace.values()].flatMap(runEvents)));
}

/**
 * `warmupRuns` then `runs` agent runs in requests of `runsPerRequest`, each run in a workspace of
 * a fresh org (40 workspaces, 400 users, as the CloudEvents workload's) by one of its members.
 */
export async function buildFormatWorkload(options: {
  format: OtlpBenchFormat;
  runs: number;
  warmupRuns: number;
  runsPerRequest: number;
  seed: number;
}): Promise<FormatWorkload> {
  const [world] = planWorld({ orgs: 1, workspaces: 40, users: 400, seed: options.seed });
  const random = createRandom(options.seed);
  const traced = memoryTracer();
  const requests = (runs: number) => {
    const bodies: Buffer[] = [];
    for (let done = 0; done < runs; done += options.runsPerRequest) {
      for (let r = done; r < Math.min(runs, done + options.runsPerRequest); r += 1) {
        const workspace = world!.workspaces[Math.floor(random() * world!.workspaces.length)]!;
        const userId = workspace.userIds[Math.floor(random() * workspace.userIds.length)]!;
        agentRun(traced.tracer, { workspaceId: workspace.id, userId });
      }
      bodies.push(encode(options.format, traced.spans()));
      traced.reset();
    }
    return bodies;
  };
  const warmup = requests(options.warmupRuns);
  const bodies = requests(options.runs);
  await traced.shutdown();
  return {
    format: options.format,
    world: world!,
    warmup,
    warmupRuns: options.warmupRuns,
    bodies,
    runs: options.runs,
    records: options.runs * FORMATS[options.format].recordsPerRun,
    bytes: bodies.reduce((sum, body) => sum + body.length, 0),
  };
}
