// Shared builders of the OTLP tests: an agent run traced by the real OpenTelemetry JS SDK
// (server span → invoke_agent → two model calls and one tool), captured in memory so a test can
// export the very same spans through the real OTLP exporters, as often as it likes.
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

export interface RunIdentity {
  workspaceId: string;
  userId: string;
  service?: string;
}

/** Traces spans with the real SDK into memory; `spans()` returns what an exporter would be given. */
export function memoryTracer(resource: Record<string, string> = {}) {
  const memory = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-api', ...resource }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  return {
    tracer: provider.getTracer('tally-tests', '1.0.0'),
    spans: () => memory.getFinishedSpans() as ReadableSpan[],
    reset: () => memory.reset(),
    shutdown: () => provider.shutdown(),
  };
}

type Tracer = ReturnType<typeof memoryTracer>['tracer'];

function child(
  tracer: Tracer,
  parent: Span,
  name: string,
  attributes: Record<string, string | number>,
  body: (span: Span) => void = () => {},
): void {
  const span = tracer.startSpan(name, { attributes }, trace.setSpan(context.active(), parent));
  try {
    body(span);
  } finally {
    span.end();
  }
}

/**
 * One request of an agent platform: POST /v1/agents/{agent_id}/runs (server span) → invoke_agent
 * "Support Bot" → chat (current token names: 100 in, 20 out) → execute_tool search_docs →
 * chat (deprecated names: 150 prompt, 30 completion). 250 + 50 = 300 tokens in all.
 */
export function agentRun(tracer: Tracer, who: RunIdentity, options: { failTool?: boolean } = {}) {
  const person = { 'enduser.id': who.userId, 'tally.workspace.id': who.workspaceId };
  const server = tracer.startSpan('POST /v1/agents/{agent_id}/runs', {
    kind: SpanKind.SERVER,
    attributes: {
      ...person,
      'http.request.method': 'POST',
      'http.route': '/v1/agents/{agent_id}/runs',
      'url.path': '/v1/agents/support-bot/runs',
      'http.response.status_code': 201,
    },
  });
  child(
    tracer,
    server,
    'invoke_agent Support Bot',
    {
      ...person,
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.id': 'support-bot',
      'gen_ai.agent.name': 'Support Bot',
      'gen_ai.request.model': 'gpt-4o',
      'tally.credits': 3,
      // The agent's own totals are not counted again: its model calls carry them.
      'gen_ai.usage.input_tokens': 250,
      'gen_ai.usage.output_tokens': 50,
    },
    (agent) => {
      child(tracer, agent, 'chat gpt-4o', {
        ...person,
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 20,
      });
      child(
        tracer,
        agent,
        'execute_tool search_docs',
        {
          ...person,
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'search_docs',
          'gen_ai.tool.call.id': 'call_1',
          'tally.tool_type': 'session-summary',
        },
        (tool) => {
          if (options.failTool) tool.setStatus({ code: SpanStatusCode.ERROR, message: 'index offline' });
        },
      );
      child(tracer, agent, 'chat gpt-4o', {
        ...person,
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.prompt_tokens': 150,
        'gen_ai.usage.completion_tokens': 30,
      });
    },
  );
  server.end();
}

export type ExporterKind = 'protobuf' | 'json';

/**
 * An exporter configured only by the environment variables an operator would set, as the OTLP
 * exporters read them when constructed.
 */
export function exporterFromEnvironment(kind: ExporterKind, env: Record<string, string>) {
  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return kind === 'protobuf' ? new ProtoExporter() : new HttpJsonExporter();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Exports `spans` and resolves with the exporter's result code (0 success, 1 failed) and error. */
export function exportSpans(
  exporter: { export(spans: ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void },
  spans: ReadableSpan[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}
