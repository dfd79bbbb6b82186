// The SDK's event types (what `record(event)` accepts, src/events.ts) against the JSON Schemas a
// running Tally serves (GET /schemas/events/…): the SDK restates them by hand, so this holds the
// two together. The types are read with the TypeScript compiler (the repository's pinned one) and
// compared field by field with the served schemas: the same field names, the same required
// fields (including the schemas' "one of these is required"), the same kinds and the same enum
// values, both ways. Then events the SDK builds (each type, and the middleware's) are validated
// against the served schemas.
//
// What the comparison leaves out, on purpose: lengths, patterns and bounds (not types); integer
// vs number (one TypeScript type); null for an optional field (the schemas accept it as absent;
// the SDK spells absent by leaving a field out); a Date where the schema has a timestamp string
// (the SDK's JSON of a Date is its ISO string, which the schemas accept).
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventType, TallyEvent } from '../src/events.js';
import { TallyRecorder } from '../src/recorder.js';
import { recordRequest } from '../src/request-recording.js';
import { startTally, type Tally } from './helpers/tally.js';

type Json = Record<string, unknown>;

const TYPES: EventType[] = [
  'activity.recorded',
  'execution.recorded',
  'execution.archived',
  'execution.edited',
  'ai_usage.recorded',
];

// ---- shapes: what both sides say about a value ---------------------------------------------------

type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'unknown' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'object'; fields: Map<string, Field>; open: boolean; alternatives: string[][] };

interface Field {
  required: boolean;
  shape: Shape;
}

/** A shape as text, for messages. */
function show(shape: Shape): string {
  if (shape.kind === 'enum') return `enum(${shape.values.join('|')})`;
  if (shape.kind === 'object') return `object{${[...shape.fields.keys()].join(',')}}`;
  return shape.kind;
}

/** The differences between the SDK's shape and the schema's at `at`, as readable lines. */
function compare(at: string, sdk: Shape, schema: Shape, out: string[]): void {
  if (sdk.kind !== schema.kind) {
    out.push(`${at}: the SDK has ${show(sdk)}, the schema ${show(schema)}`);
    return;
  }
  if (sdk.kind === 'enum' && schema.kind === 'enum') {
    const a = [...sdk.values].sort();
    const b = [...schema.values].sort();
    if (a.join('|') !== b.join('|'))
      out.push(`${at}: the SDK's values ${a.join('|')}, the schema's ${b.join('|')}`);
    return;
  }
  if (sdk.kind !== 'object' || schema.kind !== 'object') return;
  for (const name of schema.fields.keys()) {
    if (!sdk.fields.has(name)) out.push(`${at}.${name}: in the schema, not in the SDK's type`);
  }
  for (const [name, field] of sdk.fields) {
    const other = schema.fields.get(name);
    if (other === undefined) {
      out.push(`${at}.${name}: in the SDK's type, not in the schema`);
      continue;
    }
    if (field.required !== other.required) {
      out.push(
        `${at}.${name}: ${field.required ? 'required' : 'optional'} in the SDK, ${other.required ? 'required' : 'optional'} in the schema`,
      );
    }
    compare(`${at}.${name}`, field.shape, other.shape, out);
  }
  // "One of these is required" (the schema's anyOf of `required`), as the SDK's union of types.
  const norm = (alternatives: string[][]) => alternatives.map((a) => [...a].sort().join('+')).sort();
  if (norm(sdk.alternatives).join(' / ') !== norm(schema.alternatives).join(' / ')) {
    out.push(
      `${at}: one of [${norm(schema.alternatives).join(' / ')}] required by the schema, [${norm(sdk.alternatives).join(' / ')}] by the SDK`,
    );
  }
}

// ---- the schema side ----------------------------------------------------------------------------

function fromSchema(schema: Json): Shape {
  const anyOf = schema.anyOf as Json[] | undefined;
  if (anyOf && schema.type === undefined) {
    // Optional fields are `anyOf: [X, null]`: null is absent (see the header).
    const rest = anyOf.filter((s) => s.type !== 'null');
    if (rest.every((s) => 'const' in s)) return { kind: 'enum', values: rest.map((s) => String(s.const)) };
    if (rest.length === 1) return fromSchema(rest[0]!);
    throw new Error(`an anyOf this test does not read: ${JSON.stringify(schema)}`);
  }
  if (Array.isArray(schema.enum)) return { kind: 'enum', values: schema.enum.map(String) };
  if ('const' in schema) return { kind: 'enum', values: [String(schema.const)] };
  switch (schema.type) {
    case 'string':
      return { kind: 'string' };
    case 'integer':
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'object': {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const fields = new Map<string, Field>();
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        fields.set(name, { required: required.has(name), shape: fromSchema(property) });
      }
      const alternatives = ((anyOf ?? []) as Json[]).map((alternative) => [
        ...required,
        ...((alternative.required as string[] | undefined) ?? []),
      ]);
      return {
        kind: 'object',
        fields,
        open: schema.additionalProperties !== false,
        alternatives: alternatives.length > 0 ? alternatives : [[...required]],
      };
    }
    default:
      throw new Error(`a schema this test does not read: ${JSON.stringify(schema)}`);
  }
}

// ---- the SDK side, read by the TypeScript compiler -----------------------------------------------

const EVENTS_TS = fileURLToPath(new URL('../src/events.ts', import.meta.url));

function sdkShapes(): Map<string, Shape> {
  const program = ts.createProgram([EVENTS_TS], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(EVENTS_TS)!)!;
  const byType = checker.getExportsOfModule(module).find((s) => s.name === 'EventDataByType')!;
  const shapes = new Map<string, Shape>();
  const describeType = (type: ts.Type): Shape => {
    const t = checker.getNonNullableType(type);
    if (t.flags & ts.TypeFlags.BooleanLike) return { kind: 'boolean' };
    if (t.flags & ts.TypeFlags.StringLiteral)
      return { kind: 'enum', values: [(t as ts.StringLiteralType).value] };
    if (t.flags & ts.TypeFlags.String) return { kind: 'string' };
    if (t.flags & ts.TypeFlags.NumberLike) return { kind: 'number' };
    if (t.flags & ts.TypeFlags.Unknown || t.flags & ts.TypeFlags.Any) return { kind: 'unknown' };
    if (t.isUnion()) {
      const members = t.types;
      if (members.every((m) => m.flags & ts.TypeFlags.StringLiteral)) {
        return { kind: 'enum', values: members.map((m) => (m as ts.StringLiteralType).value) };
      }
      // A Timestamp: a string, or a Date the SDK's JSON turns into one.
      if (members.every((m) => m.flags & ts.TypeFlags.String || m.getSymbol()?.name === 'Date')) {
        return { kind: 'string' };
      }
      // A union of object types: the same fields, each member requiring one of the alternatives.
      const shapes = members.map(describeType);
      if (shapes.every((s) => s.kind === 'object')) {
        const first = shapes[0] as Extract<Shape, { kind: 'object' }>;
        const fields = new Map<string, Field>();
        for (const [name, field] of first.fields) {
          const required = shapes.every(
            (s) => (s as Extract<Shape, { kind: 'object' }>).fields.get(name)?.required === true,
          );
          fields.set(name, { required, shape: field.shape });
        }
        const alternatives = shapes.map((s) =>
          [...(s as Extract<Shape, { kind: 'object' }>).fields].filter(([, f]) => f.required).map(([n]) => n),
        );
        return { kind: 'object', fields, open: first.open, alternatives };
      }
      throw new Error(`a union this test does not read: ${checker.typeToString(t)}`);
    }
    if (t.getSymbol()?.name === 'Date') return { kind: 'string' };
    if (t.flags & ts.TypeFlags.Object || t.isIntersection()) {
      const fields = new Map<string, Field>();
      for (const property of checker.getPropertiesOfType(t)) {
        fields.set(property.name, {
          required: (property.flags & ts.SymbolFlags.Optional) === 0,
          shape: describeType(checker.getTypeOfSymbol(property)),
        });
      }
      const open = checker.getIndexInfoOfType(t, ts.IndexKind.String) !== undefined;
      const required = [...fields].filter(([, f]) => f.required).map(([n]) => n);
      return { kind: 'object', fields, open, alternatives: [required] };
    }
    throw new Error(`a type this test does not read: ${checker.typeToString(t)}`);
  };
  for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(byType))) {
    shapes.set(property.name, describeType(checker.getTypeOfSymbol(property)));
  }
  return shapes;
}

// ---- the tests ----------------------------------------------------------------------------------

let tally: Tally;
const served = new Map<string, Json>();
const ajv = new Ajv2020({ strict: false, allErrors: true });

beforeAll(async () => {
  tally = await startTally();
  const index = (await (await fetch(`${tally.url}/schemas/events`)).json()) as {
    schemas: { name: string; url: string }[];
  };
  for (const { name, url } of index.schemas) {
    const response = await fetch(`${tally.url}${url}`);
    expect(response.status).toBe(200);
    served.set(name, (await response.json()) as Json);
  }
}, 120_000);

afterAll(async () => {
  await tally?.close();
});

/** The errors of `value` against the served schema `name`, as text ([] when valid). */
function invalid(name: string, value: unknown): string[] {
  if (ajv.getSchema(name) === undefined) ajv.addSchema(served.get(name)!, name);
  const validate = ajv.getSchema(name)!;
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('the SDK’s event types and the served event schemas', () => {
  it('cover the same event types', () => {
    expect([...served.keys()].sort()).toEqual(['envelope', ...TYPES].sort());
    expect([...sdkShapes().keys()].sort()).toEqual([...TYPES].sort());
  });

  it('agree on every field of each type’s data: names, required, kinds and enum values', () => {
    const sdk = sdkShapes();
    const differences: string[] = [];
    for (const type of TYPES) compare(type, sdk.get(type)!, fromSchema(served.get(type)!), differences);
    expect(differences).toEqual([]);
  });

  it('catch a disagreement (the comparison is not vacuous)', () => {
    const schema = fromSchema(served.get('ai_usage.recorded')!) as Extract<Shape, { kind: 'object' }>;
    const sdk = sdkShapes().get('ai_usage.recorded') as Extract<Shape, { kind: 'object' }>;
    const altered = new Map(sdk.fields);
    altered.set('status', { required: true, shape: { kind: 'enum', values: ['pending', 'completed'] } });
    altered.delete('cost');
    altered.set('workspaceId', { required: false, shape: { kind: 'string' } });
    const differences: string[] = [];
    compare('ai_usage.recorded', { ...sdk, fields: altered }, schema, differences);
    expect(differences.sort()).toEqual([
      "ai_usage.recorded.cost: in the schema, not in the SDK's type",
      "ai_usage.recorded.status: the SDK's values completed|pending, the schema's completed|failed|pending",
      'ai_usage.recorded.workspaceId: optional in the SDK, required in the schema',
    ]);
  });

  it('validate the events the SDK builds, with every field the types allow', async () => {
    const ws = tally.world.workspaceId;
    const events: TallyEvent[] = [
      {
        type: 'activity.recorded',
        subject: 'subject-1',
        time: new Date(),
        data: {
          org_id: tally.world.orgId,
          id: 'act-1',
          timestamp: new Date(),
          trace_id: 'trace-1',
          user_id: tally.world.userId,
          workspace_id: ws,
          app_id: 'app',
          principal_type: 'user',
          principal_id: 'p-1',
          token_id: 'tok-1',
          token_type: 'api',
          method: 'GET',
          path: '/v1/things/:id',
          resource_type: 'things',
          resource_id: 't-1',
          action: 'read',
          status_code: 200,
          success: true,
          error_code: 'none',
          duration_ms: 1.5,
          execution_id: 'e-1',
          augmentation_id: 'a-1',
          stages_completed: 1,
          total_stages: 2,
          token_usage: { input: 1, output: 2, total_tokens: 3 },
          metadata: { anything: ['goes'] },
        },
      },
      { type: 'activity.recorded', data: { success: false } },
      {
        type: 'execution.recorded',
        data: {
          id: 'exec-1',
          workspace_id: ws,
          user_id: tally.world.userId,
          user_email: 'u@example.test',
          agent: { id: 'agent-1', slug: 'writer', name: 'Writer', type: 'chat' },
          status: 'succeeded',
          credits: 2,
          output: 'text',
          output_url: 'https://example.test/out',
          output_private: false,
          root_id: 'exec-0',
          execution_origin: 'api',
          used_model: 'model-1',
          tokens: { input: 1, output: 2, total: 3 },
          created_at: '2026-12-05T10:00:00Z',
        },
      },
      { type: 'execution.archived', data: { id: 'exec-1', workspace_id: ws } },
      { type: 'execution.edited', data: { id: 'exec-1', workspace_id: ws } },
      {
        type: 'ai_usage.recorded',
        data: {
          id: 'use-1',
          workspaceId: ws,
          toolType: 'image-generation',
          status: 'completed',
          cost: 0.5,
          inputData: { prompt: 'p' },
          responseData: { url: 'u' },
          createdAt: new Date(),
          completedAt: '2026-12-05T10:00:01.5+01:00',
        },
      },
    ];
    const sent = await sentBy(async (recorder) => {
      for (const event of events) expect(await recorder.record(event)).toBe(true);
      // And what the middleware builds, with and without its optional fields.
      const options = {
        recorder,
        userId: () => 'u-1',
        workspaceId: () => ws,
        appId: () => 'app',
        traceId: () => 'trace',
        tokenUsage: () => ({ input: 3, output: 4 }),
        metadata: () => ({ tenant: 'x' }),
        captureHeaders: true,
        captureBody: true,
      };
      const facts = {
        method: 'POST',
        route: '/v1/things/:id',
        params: { id: 't' },
        statusCode: 201,
        durationMs: 2,
      };
      recordRequest(options, {}, {}, facts, Date.now(), { headers: { a: 'b' }, body: { c: 1 } });
      recordRequest({ recorder }, {}, {}, { ...facts, route: undefined, statusCode: 500 }, Date.now(), {});
    });
    expect(sent).toHaveLength(events.length + 2);
    const problems = sent.flatMap((event) => [
      ...invalid('envelope', event).map((e) => `${event.type} envelope: ${e}`),
      ...invalid(event.type as string, event.data).map((e) => `${event.type} data: ${e}`),
    ]);
    expect(problems).toEqual([]);
  });
});

/** The CloudEvents a recorder sends while `run` records, read from its request bodies. */
async function sentBy(run: (recorder: TallyRecorder) => Promise<void>): Promise<Json[]> {
  const { gunzipSync } = await import('node:zlib');
  const sent: Json[] = [];
  const recorder = new TallyRecorder({
    baseUrl: 'http://tally.invalid',
    token: 't',
    source: 'sdk-test/event-types',
    fetch: async (_url, init) => {
      sent.push(...(JSON.parse(gunzipSync(init!.body as Uint8Array).toString('utf8')) as Json[]));
      return new Response('{}', { status: 200 });
    },
  });
  await run(recorder);
  await recorder.close();
  return sent;
}
