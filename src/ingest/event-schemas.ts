// JSON Schemas (draft 2020-12) of what POST /v1/ingest accepts: the CloudEvents envelope and each
// event type's `data`. Validation itself is the hand-written readers (envelope.ts, events/*),
// which collect every problem with a field-named message; these schemas restate their rules for
// clients, and test/ingest/event-schemas.test.ts holds the two in agreement on samples.
// Read as the readers read: an optional field may be null (null is absent), a required one not.
import { type TSchema, Type } from 'typebox';
import { PLATFORM_ID_PATTERN } from '../ids.js';
import { AGENT_TYPES } from '../ledger/agents/agents.js';
import { MAX_STAGES } from './events/activity.js';
import { TOOL_TYPES, USAGE_STATUSES } from './events/ai-usage.js';
import { EVENT_TYPES } from './events/read-event.js';

export type EventType = (typeof EVENT_TYPES)[number];

const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** An ASCII literal matched in any case (JSON Schema patterns take no flags). */
const anyCase = (literal: string) =>
  [...literal].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');

/**
 * RFC 3339 with an offset, as src/instants.ts accepts it: `T`, `t` or a space between date and
 * time, up to 9 fraction digits, years 0001–9999, each month's days (a February 29 is left to the
 * service, which also refuses an instant whose UTC form leaves years 0001–9999).
 */
export const TIMESTAMP_PATTERN =
  '^(?!0000)\\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)|02-(0[1-9]|1\\d|2\\d))' +
  '[Tt ]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?' +
  '([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';

const Timestamp = (description: string) => Type.String({ pattern: TIMESTAMP_PATTERN, description });
/** 1..max characters (UTF-16 code units, as JavaScript counts them). */
const Text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const Count = (description: string, maximum = MAX_SAFE_INTEGER) =>
  Type.Integer({ minimum: 0, maximum, description });
const AnyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
/** Optional, and null counts as absent. */
const Opt = <T extends TSchema>(schema: T, extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.Union([schema, Type.Null()], extra));
/** A platform id, as Fields.id reads it. */
const Id = (description: string) =>
  Type.String({ pattern: PLATFORM_ID_PATTERN, minLength: 1, maxLength: 128, description });

const ORG_ID = {
  org_id: Type.Optional(
    Text(
      1024,
      'The org: optional with an org token (which writes only to its own org), required with the deployment admin token',
    ),
  ),
};

export const EnvelopeSchema = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Text(256, 'Unique per source: (source, id) deduplicates'),
    source: Text(512, 'Who produced the event (a URI reference)'),
    type: Text(128, `One of ${EVENT_TYPES.join(', ')}`),
    time: Opt(
      Timestamp('When it happened; orders updates (the newest wins). Defaults to the time of receipt'),
    ),
    subject: Opt(Text(512)),
    datacontenttype: Opt(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: `^${anyCase('application')}/(.+\\+)?${anyCase('json')}(\\s*;.*)?$`,
        description: 'A JSON media type: data is read as JSON',
      }),
    ),
    data: AnyObject("The event type's data (see its schema)"),
    data_base64: Type.Optional(Type.Never({ description: 'Never: binary data is not accepted' })),
  },
  {
    additionalProperties: true,
    description:
      'A CloudEvents 1.0 event in the JSON format (structured mode; in binary mode the attributes are ce-* headers and the body is data). No string may contain NUL or a lone surrogate, and the event must not nest deeper than the service’s JSON depth limit.',
  },
);

const ActivityData = Type.Object(
  {
    ...ORG_ID,
    id: Opt(Text(256), { description: "The record's id; defaults to the event's id" }),
    timestamp: Opt(Timestamp("When the request happened; defaults to the event's time, then to now")),
    trace_id: Opt(Text(256)),
    user_id: Opt(Id('The user who acted')),
    workspace_id: Opt(Id('The workspace, if any (it must exist in the org)')),
    app_id: Opt(Text(256)),
    principal_type: Opt(Text(64)),
    principal_id: Opt(Text(256)),
    token_id: Opt(Text(256)),
    token_type: Opt(Text(64)),
    method: Opt(Text(16)),
    path: Opt(Text(2048)),
    resource_type: Opt(Text(128)),
    resource_id: Opt(Text(256)),
    action: Opt(Text(64)),
    status_code: Opt(Type.Integer({ minimum: 100, maximum: 599 })),
    success: Opt(Type.Boolean(), {
      description: 'Defaults to status_code < 400; required without status_code',
    }),
    error_code: Opt(Text(128)),
    duration_ms: Opt(Type.Number({ minimum: 0 })),
    execution_id: Opt(Text(256)),
    augmentation_id: Opt(Text(256)),
    stages_completed: Opt(Count('Stages done so far', MAX_STAGES)),
    total_stages: Opt(Count('Stages in all', MAX_STAGES)),
    token_usage: Opt(
      Type.Object(
        {},
        {
          additionalProperties: Type.Number(),
          description:
            'Token counts by kind; total_tokens, when given, is the total, else the values are summed',
        },
      ),
    ),
    metadata: Opt(AnyObject('Anything else, kept as given')),
  },
  {
    additionalProperties: true,
    anyOf: [
      { required: ['status_code'], properties: { status_code: { type: 'integer' } } },
      { required: ['success'], properties: { success: { type: 'boolean' } } },
    ],
    description: "Seed 004's activity record. Either status_code or success is required.",
  },
);

const ExecutionData = Type.Object(
  {
    ...ORG_ID,
    id: Id('The execution'),
    workspace_id: Id('The workspace (it must exist in the org)'),
    user_id: Id('The user who ran it (created in the org if new)'),
    user_email: Opt(Type.String({ minLength: 1, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' })),
    agent: Type.Object(
      {
        id: Id('The agent (upserted from these fields)'),
        slug: Text(200),
        name: Text(200),
        type: Type.Enum([...AGENT_TYPES]),
      },
      { additionalProperties: true },
    ),
    status: Text(64, 'Any status; "succeeded" counts as a success'),
    credits: Opt(Type.Number({ minimum: 0 }), { default: 0 }),
    output: Opt(Text(100_000)),
    output_url: Opt(
      Type.String({ minLength: 1, maxLength: 4096, pattern: `^${anyCase('http')}[sS]?://\\S+$` }),
    ),
    output_private: Opt(Type.Boolean(), { default: false }),
    root_id: Opt(Text(256)),
    execution_origin: Opt(Text(256)),
    used_model: Opt(Text(256)),
    tokens: Opt(
      Type.Object(
        {
          input: Count('Input tokens'),
          output: Count('Output tokens'),
          total: Opt(Count('Defaults to input + output')),
        },
        { additionalProperties: true },
      ),
    ),
    created_at: Opt(Timestamp("When it ran; defaults to the event's time")),
  },
  { additionalProperties: true, description: 'An agent execution (seeds 001/003).' },
);

const ExecutionSourceData = (description: string) =>
  Type.Object(
    { ...ORG_ID, id: Id('The execution'), workspace_id: Id('Its workspace') },
    { additionalProperties: true, description },
  );

const AiUsageData = Type.Object(
  {
    ...ORG_ID,
    id: Id('The usage'),
    workspaceId: Id('The workspace (it must exist in the org)'),
    toolType: Type.Enum([...TOOL_TYPES]),
    status: Type.Enum([...USAGE_STATUSES]),
    cost: Opt(Type.Number({ minimum: 0 }), { default: 0 }),
    inputData: Opt(AnyObject('What the tool was given'), { default: {} }),
    responseData: Opt(AnyObject('What it answered'), { default: {} }),
    createdAt: Opt(Timestamp("Defaults to the event's time")),
    completedAt: Opt(Timestamp('When it completed')),
  },
  { additionalProperties: true, description: "Seed 000's AI tool usage (camelCase, as on its surface)." },
);

/** Each event type's `data` schema. */
export const DATA_SCHEMAS: Record<EventType, TSchema> = {
  'activity.recorded': ActivityData,
  'execution.recorded': ExecutionData,
  'execution.archived': ExecutionSourceData(
    'The execution becomes source "archived": content dropped, credits kept.',
  ),
  'execution.edited': ExecutionSourceData('The chat execution becomes source "edited".'),
  'ai_usage.recorded': AiUsageData,
};

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** A served document: the schema with its dialect and title (plain JSON, no TypeBox markers). */
function document(title: string, schema: TSchema): Record<string, unknown> {
  return { $schema: DRAFT, title, ...JSON.parse(JSON.stringify(schema)) };
}

/** The documents /schemas/events serves, by name: `envelope` and each event type. */
export const EVENT_SCHEMA_DOCUMENTS: ReadonlyMap<string, Record<string, unknown>> = new Map([
  ['envelope', document('CloudEvents envelope', EnvelopeSchema)],
  ...EVENT_TYPES.map((type) => [type, document(`${type} data`, DATA_SCHEMAS[type])] as const),
]);
