// Where a model call's tokens count when nothing above it is an agent span, or when the spans
// above it have not all arrived: on its own at once when its trace's top is known (a root span, or
// a parent in another process), else after waiting TALLY_OTLP_HOLD_SECONDS for the missing span;
// and never twice, whatever arrives later or at the same time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';
import { numericWorld, usage } from '../usage-history/helpers.js';
import { exportBody, jsonSpan, newSpanId, newTraceId } from './json-spans.js';

let t: TestApp;
let f: Factory;
beforeAll(async () => {
  // Many requests at once in the concurrency test: none may be refused by back-pressure.
  t = await buildTestApp({ TALLY_OTLP_HOLD_SECONDS: '1', TALLY_INGEST_MAX_IN_FLIGHT: '100' });
  f = new Factory(t);
});
afterAll(() => t.close());

type World = Awaited<ReturnType<typeof numericWorld>>;

async function send(w: World, spans: object[]) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/otlp/v1/traces',
    headers: { ...bearer(w.serviceToken.token), 'content-type': 'application/json' },
    payload: exportBody(spans),
  });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toEqual({});
}

const who = (w: World) => ({ 'tally.workspace.id': w.workspace.id, 'enduser.id': w.owner.id });

const chat = (
  w: World,
  traceId: string,
  tokens: [number, number],
  parent: { id?: string; flags?: number } = {},
) =>
  jsonSpan({
    traceId,
    ...(parent.id ? { parentSpanId: parent.id } : {}),
    ...(parent.flags !== undefined ? { flags: parent.flags } : {}),
    name: 'chat gpt-4o-mini',
    attributes: {
      ...who(w),
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': tokens[0],
      'gen_ai.usage.output_tokens': tokens[1],
    },
  });

const agent = (w: World, traceId: string, spanId: string, parentSpanId?: string) =>
  jsonSpan({
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: 'invoke_agent Triage',
    attributes: { ...who(w), 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'Triage' },
  });

/** Seed 001 caches a listing page for 60 s: each read asks for another page size, so it is fresh. */
let perPage = 20;
async function executions(w: World) {
  perPage = perPage >= 100 ? 20 : perPage + 1;
  const response = await usage(t, w.ownerToken.token, w.workspace.id, { per_page: perPage });
  expect(response.statusCode).toBe(200);
  return (
    response.json().items as { id: string; name: string; slug: string; tokens: unknown; used_model: string }[]
  )
    .map(({ id, name, slug, tokens, used_model }) => ({ id, name, slug, tokens, used_model }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a model call with no agent span above it', () => {
  it.each([
    ['a root span', {}],
    ['a span whose parent runs in another process', { id: newSpanId(), flags: 0x301 }],
  ])('is an execution of its own at once when it is %s', async (_name, parent) => {
    const w = await numericWorld(f);
    const traceId = newTraceId();
    const span = chat(w, traceId, [40, 2], parent);
    await send(w, [span]);
    expect(await executions(w)).toEqual([
      {
        id: `${traceId}-${span.spanId}`,
        name: 'support-api',
        slug: 'support-api',
        tokens: { input: 40, output: 2, total: 42 },
        used_model: 'gpt-4o-mini',
      },
    ]);
  });

  it('waits for a missing parent, then is settled on its own; an agent arriving later does not count it again', async () => {
    const w = await numericWorld(f);
    const traceId = newTraceId();
    const [agentId, stepId] = [newSpanId(), newSpanId()];
    const call = chat(w, traceId, [7, 3], { id: stepId, flags: 0x101 });
    await send(w, [call]);
    expect(await executions(w)).toEqual([]);
    const settled = await eventually(
      () => executions(w),
      (list) => list.length > 0,
    );
    expect(settled).toEqual([
      expect.objectContaining({
        id: `${traceId}-${call.spanId}`,
        tokens: { input: 7, output: 3, total: 10 },
      }),
    ]);
    // The step and its agent arrive after the hold: the agent's execution has no tokens of it.
    await send(w, [jsonSpan({ traceId, spanId: stepId, parentSpanId: agentId }), agent(w, traceId, agentId)]);
    const after = await executions(w);
    expect(after).toHaveLength(2);
    expect(after).toContainEqual(
      expect.objectContaining({
        id: `${traceId}-${call.spanId}`,
        tokens: { input: 7, output: 3, total: 10 },
      }),
    );
    expect(after).toContainEqual(
      expect.objectContaining({ id: `${traceId}-${agentId}`, name: 'Triage', tokens: null }),
    );
  });
});

describe('model calls and their agent sent at the same time', () => {
  it('count each call once, in the agent, whatever the interleaving', async () => {
    const w = await numericWorld(f);
    const traces = Array.from({ length: 12 }, () => ({
      traceId: newTraceId(),
      agentId: newSpanId(),
      stepId: newSpanId(),
    }));
    await Promise.all(
      traces.flatMap(({ traceId, agentId, stepId }) => [
        send(w, [
          chat(w, traceId, [10, 1], { id: stepId, flags: 0x100 }),
          chat(w, traceId, [5, 1], { id: agentId, flags: 0x100 }),
        ]),
        send(w, [jsonSpan({ traceId, spanId: stepId, parentSpanId: agentId, flags: 0x100 })]),
        send(w, [agent(w, traceId, agentId)]),
      ]),
    );
    const list = await executions(w);
    expect(list).toHaveLength(12);
    for (const execution of list) expect(execution.tokens).toEqual({ input: 15, output: 2, total: 17 });
  });
});
