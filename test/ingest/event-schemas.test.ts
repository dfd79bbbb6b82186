// The JSON Schemas of ingestion events (GET /schemas/events…), docs/events.md and /v1/ingest agree:
// the routes serve valid draft 2020-12 schemas without a token; every example of the doc
// validates and is accepted; the doc's tables list exactly the schemas' fields; and on samples
// generated from the served schemas, an event is rejected by /v1/ingest exactly when the schemas
// reject it.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Factory } from '../helpers/factories.js';
import { bearer, buildTestApp, type TestApp } from '../helpers/test-app.js';

const TYPES = [
  'activity.recorded',
  'execution.recorded',
  'execution.archived',
  'execution.edited',
  'ai_usage.recorded',
] as const;
type EventType = (typeof TYPES)[number];
type Json = Record<string, unknown>;
type Schema = Json & { properties?: Record<string, Schema> };

const SCHEMA_CONTENT_TYPE = 'application/schema+json; charset=utf-8';
const DOC = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
/** Every ```json block of the doc: the example events. */
const EXAMPLES = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as Json);

let t: TestApp;
let f: Factory;
let world: Awaited<ReturnType<Factory['world']>>;
const served = new Map<string, Schema>();
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

beforeAll(async () => {
  t = await buildTestApp();
  f = new Factory(t);
  world = await f.world({ workspaceId: '1001', ownerId: '42' });
  for (const name of ['envelope', ...TYPES]) {
    const response = await t.app.inject({ method: 'GET', url: `/schemas/events/${name}.json` });
    if (response.statusCode !== 200) continue;
    const schema = response.json() as Schema;
    served.set(name, schema);
    validators.set(name, ajv.compile(schema));
  }
});
afterAll(() => t.close());

function ingest(events: unknown[]) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/ingest',
    headers: { ...bearer(world.serviceToken.token), 'content-type': 'application/cloudevents-batch+json' },
    payload: JSON.stringify(events),
  });
}

/** Whether the served schemas accept an event: its envelope, a known type, and that type's data. */
function schemaErrors(event: unknown): string[] {
  const envelope = validators.get('envelope')!;
  if (!envelope(event)) return (envelope.errors ?? []).map((e) => `envelope${e.instancePath} ${e.message}`);
  const { type, data } = event as { type: string; data: unknown };
  const validate = validators.get(type);
  if (!validate) return [`type ${type} has no schema`];
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `data${e.instancePath} ${e.message}`);
}

describe('the schema routes', () => {
  it('serve an index and one schema per name, without a token and unrecorded', async () => {
    const index = await t.app.inject({ method: 'GET', url: '/schemas/events' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(index.json()).toEqual({
      schemas: ['envelope', ...TYPES].map((name) => ({ name, url: `/schemas/events/${name}.json` })),
    });
    for (const { url } of index.json().schemas as { url: string }[]) {
      // A token changes nothing: the routes are public, like /openapi.json.
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(world.serviceToken.token) });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe(SCHEMA_CONTENT_TYPE);
      const schema = response.json();
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.type).toBe('object');
    }
    expect([...served.keys()]).toEqual(['envelope', ...TYPES]);
    await t.app.recorder.flush();
    const recorded = await t.db
      .selectFrom('activities')
      .select('path')
      .where('path', 'like', '/schemas/%')
      .execute();
    expect(recorded).toEqual([]);
  });

  it('answer 404 as a problem document for an unknown name', async () => {
    for (const [file, detail] of [
      ['nope.json', 'event schema "nope.json" was not found'],
      ['activity.recorded', 'event schema "activity.recorded" was not found'],
    ]) {
      const response = await t.app.inject({ method: 'GET', url: `/schemas/events/${file}` });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail });
    }
  });

  it('answer a NUL in the name with the documented 422 (found by the hostile generators)', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/schemas/events/%00' });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'The request is invalid; see errors',
      errors: [{ pointer: '#/path/file', detail: 'must not contain NUL (\\u0000) characters' }],
    });
  });

  it('are described in the OpenAPI document', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
    expect(paths['/schemas/events'].get).toMatchObject({
      operationId: 'listEventSchemas',
      tags: ['ingestion'],
      security: [],
    });
    const get = paths['/schemas/events/{file}'].get;
    expect(get).toMatchObject({ operationId: 'getEventSchema', tags: ['ingestion'], security: [] });
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '404', '414', '422', '431', '500']);
    expect(Object.keys(get.responses['200'].content)).toEqual(['application/schema+json']);
    expect(Object.keys(get.responses['404'].content)).toEqual(['application/problem+json']);
  });
});

describe('docs/events.md', () => {
  it('has one example per event type, each valid per the schemas and accepted by /v1/ingest', async () => {
    expect(EXAMPLES.map((example) => example.type)).toEqual([...TYPES]);
    for (const example of EXAMPLES) expect(schemaErrors(example), String(example.type)).toEqual([]);
    const response = await ingest(EXAMPLES);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
  });

  it("lists exactly each schema's fields in its tables", () => {
    const sections = DOC.split(/^## /m);
    const fieldsOf = (heading: string) => {
      const section = sections.find((s) => s.startsWith(heading));
      expect(section, heading).toBeDefined();
      return [...section!.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]).sort();
    };
    const envelope = served.get('envelope')!;
    expect(fieldsOf('The envelope')).toEqual(Object.keys(envelope.properties!).sort());
    for (const type of TYPES) {
      // org_id is common to every type and documented once, under the envelope.
      const fields = Object.keys(served.get(type)!.properties!).filter((name) => name !== 'org_id');
      expect(fieldsOf(`\`${type}\``)).toEqual(fields.sort());
    }
    expect(DOC).toContain('also takes `org_id`');
  });
});

// ---- Samples generated from the served schemas ----------------------------------------------

const ABSENT = Symbol('absent');
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;
/** A unique ASCII string of exactly `length` characters (ids stay unique). */
const textOf = (length: number) => `${fresh('s')}${'x'.repeat(length)}`.slice(-length);

const TIMESTAMPS = [
  '2026-11-22T10:00:00Z',
  '2026-11-22 10:00:00.123456789+02:00',
  '2026-11-22t10:00:00z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T24:00:01Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T00:00:60Z',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00:00+24:00',
  '+010000-01-01T00:00:00Z',
  '2026-01-01',
  1_700_000_000,
];
/** Values a field's schema alone does not suggest. */
const EXTRA: Record<string, unknown[]> = {
  user_email: ['ada@acme.test', 'ada', 'a b@c', '@c'],
  output_url: ['https://x.test/a', 'HTTP://x.test', 'ftp://x.test', 'http://', 'http://a b'],
  datacontenttype: ['application/json', 'Application/CloudEvents+JSON; charset=utf-8', 'text/plain', 'json'],
};

/**
 * Candidate values for a field: valid and invalid ones, derived from its schema. `id` gives a
 * valid platform id for it (the world's workspace where the id must exist).
 */
function candidates(name: string, schema: Schema, id: () => string): unknown[] {
  const any = schema.anyOf as Schema[] | undefined;
  if (any) {
    const nonNull = any.filter((s) => s.type !== 'null');
    const values = nonNull.flatMap((s) => candidates(name, s, id));
    return nonNull.length < any.length ? [...values, null, ABSENT] : values;
  }
  if (schema.const !== undefined) return [schema.const, '1.1', 1, null];
  if (schema.enum) return [...(schema.enum as unknown[]), 'other-value', 1, null];
  // The schema allows any org; the service, only the token's own (rejected otherwise, by design).
  if (name === 'org_id') return [world.org.id, ABSENT, '', null, 7];
  const extra = EXTRA[name] ?? [];
  switch (schema.type) {
    case 'string': {
      if (typeof schema.pattern === 'string' && schema.pattern.includes('\\d{4}'))
        return [...TIMESTAMPS, null];
      if (schema.pattern === '^[A-Za-z0-9._:-]{1,128}$')
        return [id(), 'bad id!', 'x'.repeat(129), '', 7, null];
      const max = schema.maxLength as number;
      return [...extra, textOf(1), textOf(max), textOf(max + 1), '', 7, true, null];
    }
    case 'integer': {
      const min = schema.minimum as number;
      const max = (schema.maximum as number | undefined) ?? 1000;
      return [min, max, min - 1, max + 1, 1.5, '5', null];
    }
    case 'number':
      return [0, 1.5, 1e300, -1, '5', true, null];
    case 'boolean':
      return [true, false, 'true', 0, null];
    case 'object': {
      const others = [[], 'x', 7];
      if (schema.properties && Object.keys(schema.properties).length > 0) {
        const base = baseOf(schema, id);
        const variants = Object.entries(schema.properties).flatMap(([key, property]) =>
          candidates(key, property, id).map((value) => withField(base, key, value)),
        );
        return [base, ...variants, ...others];
      }
      if (typeof schema.additionalProperties === 'object')
        return [{}, { input: 3, total_tokens: 5 }, { a: 'x' }, ...others];
      return [{}, { nested: { deep: [1, 'two'] } }, ...others];
    }
    default:
      throw new Error(`no candidates for ${name}: ${JSON.stringify(schema)}`);
  }
}

/** The first valid candidate of each required property (a minimal valid object). */
function baseOf(schema: Schema, id: () => string): Json {
  const base: Json = {};
  for (const key of (schema.required as string[] | undefined) ?? []) {
    base[key] = candidates(key, schema.properties![key]!, id)[0];
  }
  return base;
}

function withField(object: Json, key: string, value: unknown): Json {
  const copy = { ...object };
  if (value === ABSENT) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** A valid platform id for a field of `type`: one that exists where the ingestion needs it. */
function idFor(type: EventType, field: string): () => string {
  if (field === 'workspace_id' || field === 'workspaceId') return () => '1001';
  // Archiving and editing address the chat execution the examples recorded.
  if ((type === 'execution.archived' || type === 'execution.edited') && field === 'id') return () => '9001';
  if (field === 'org_id') return () => world.org.id;
  return () => fresh(field);
}

/** Every field's candidates for one type: the envelope's and its data's (org_id included). */
function fieldsOf(type: EventType) {
  const envelope = served.get('envelope')!;
  const data = served.get(type)!;
  const envelopeFields = Object.entries(envelope.properties!)
    .filter(([name]) => !['data', 'type', 'data_base64'].includes(name))
    .map(([name, schema]) => ({
      at: 'envelope',
      name,
      values: candidates(name, schema, () => fresh('evt')),
    }));
  envelopeFields.push(
    { at: 'envelope', name: 'type', values: [type, 'unknown.type', '', 7, null] },
    { at: 'envelope', name: 'data_base64', values: [ABSENT, 'AAAA', null] },
    { at: 'envelope', name: 'data', values: [ABSENT, null, [], 'x'] },
  );
  const dataFields = Object.entries(data.properties!).map(([name, schema]) => ({
    at: 'data',
    name,
    values: candidates(name, schema, idFor(type, name)),
  }));
  return [...envelopeFields, ...dataFields];
}

/** The type's example from the doc, with fresh ids so samples never update each other. */
function baseEvent(type: EventType): Json {
  const example = structuredClone(EXAMPLES.find((e) => e.type === type)!);
  example.id = fresh('evt');
  const data = example.data as Json;
  if (type !== 'execution.archived' && type !== 'execution.edited') data.id = fresh('rec');
  if (type === 'execution.recorded') data.agent = { ...(data.agent as Json), id: fresh('agent') };
  return example;
}

function apply(event: Json, at: string, name: string, value: unknown): Json {
  if (at === 'envelope') return withField(event, name, value);
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return event;
  return { ...event, data: withField(event.data as Json, name, value) };
}

/** One field changed at a time, then random combinations (seeded) of several. */
function samples(type: EventType): Json[] {
  const fields = fieldsOf(type);
  const single = fields.flatMap(({ at, name, values }) =>
    values.map((value) => apply(baseEvent(type), at, name, value)),
  );
  const combination = fc.array(fc.tuple(fc.nat(fields.length - 1), fc.nat(1000)), {
    minLength: 2,
    maxLength: 5,
  });
  const combined = fc.sample(combination, { numRuns: 120, seed: 20261205 }).map((changes) =>
    changes.reduce((event, [field, pick]) => {
      const { at, name, values } = fields[field]!;
      return apply(event, at, name, values[pick % values.length]);
    }, baseEvent(type)),
  );
  return [...single, ...combined];
}

/** Sends events in requests of under 4 MiB; returns each event's rejection errors (or null). */
async function ingestionErrors(events: Json[]): Promise<(string[] | null)[]> {
  const results: (string[] | null)[] = [];
  let start = 0;
  while (start < events.length) {
    let end = start;
    let bytes = 0;
    while (end < events.length && (end === start || bytes + JSON.stringify(events[end]).length < 4_000_000)) {
      bytes += JSON.stringify(events[end]).length;
      end += 1;
    }
    const response = await ingest(events.slice(start, end));
    expect([200, 207], response.body).toContain(response.statusCode);
    const rejected = new Map(
      (response.json().rejected as { index: number; errors: string[] }[]).map((r) => [r.index, r.errors]),
    );
    for (let i = start; i < end; i += 1) results.push(rejected.get(i - start) ?? null);
    start = end;
  }
  return results;
}

describe('the schemas agree with the ingestion validator', () => {
  beforeAll(async () => {
    // The chat execution that archive and edit samples address.
    const response = await ingest(EXAMPLES.filter((e) => e.type === 'execution.recorded'));
    expect(response.statusCode, response.body).toBe(200);
  });

  it.each(TYPES)('%s: ingestion rejects a sample exactly when the schemas do', async (type) => {
    const events = samples(type);
    const bySchema = events.map(schemaErrors);
    const byIngestion = await ingestionErrors(events);
    const disagreements = events.flatMap((event, i) =>
      (bySchema[i]!.length === 0) === (byIngestion[i] === null)
        ? []
        : [{ event, schema: bySchema[i], ingestion: byIngestion[i] }],
    );
    expect(disagreements).toEqual([]);
    // Both outcomes are well represented.
    const valid = bySchema.filter((errors) => errors.length === 0).length;
    expect(valid).toBeGreaterThan(10);
    expect(events.length - valid).toBeGreaterThan(30);
  });
});

describe('found by the samples', () => {
  it('a stage count past PostgreSQL integer is the event’s rejection, not a 500 for the batch', async () => {
    const example = EXAMPLES.find((e) => e.type === 'activity.recorded')!;
    const events = [2_147_483_647, 2_147_483_648].map((count, i) => ({
      ...example,
      id: `evt-stages-${i}`,
      data: { ...(example.data as Json), id: `stages-${i}`, stages_completed: count, total_stages: count },
    }));
    const response = await ingest(events);
    expect(response.statusCode, response.body).toBe(207);
    expect(response.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          id: 'evt-stages-1',
          errors: ['data.stages_completed: must be ≤ 2147483647', 'data.total_stages: must be ≤ 2147483647'],
        },
      ],
    });
  });
});
