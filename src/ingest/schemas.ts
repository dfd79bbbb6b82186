// What POST /v1/ingest reads and answers, for the OpenAPI document. The body is not validated by
// these schemas: the handler reads it raw (content mode, gzip, limits) and checks every event on
// its own (envelope.ts, events/), so that one bad event never refuses its whole batch.
import { Type } from 'typebox';
import { INGEST_MAX_EVENTS } from '../http/limits.js';
import { AnyObject } from '../surfaces/shared/schemas.js';

export const CloudEvent = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 256 }),
    source: Type.String({ minLength: 1, maxLength: 512 }),
    type: Type.String({
      description:
        'activity.recorded, execution.recorded, execution.archived, execution.edited or ai_usage.recorded',
    }),
    time: Type.Optional(Type.String({ format: 'date-time', description: 'Defaults to the time received' })),
    subject: Type.Optional(Type.String({ maxLength: 512 })),
    datacontenttype: Type.Optional(Type.String({ description: 'A JSON media type' })),
    data: AnyObject,
  },
  { description: 'A CloudEvent 1.0 in the JSON format; extension attributes are ignored' },
);

const Batch = Type.Array(CloudEvent, { maxItems: INGEST_MAX_EVENTS });

export const IngestBody = Type.Unsafe<unknown>({
  content: {
    'application/cloudevents+json': { schema: CloudEvent },
    'application/cloudevents-batch+json': { schema: Batch },
    'application/json': { schema: Type.Union([CloudEvent, Batch]) },
  },
});

export const INGEST_DESCRIPTION = [
  'CloudEvents 1.0 (API.md §4.1), in the content modes of the CloudEvents HTTP binding:',
  '- structured: one event, `application/cloudevents+json`;',
  '- batch: a JSON array of events, `application/cloudevents-batch+json` (or `application/json`, which',
  '  also takes one event);',
  '- binary: the attributes in `ce-*` headers (`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, …) and',
  '  the body is the event’s `data` (any content type when `ce-*` headers are sent).',
  '',
  `At most ${INGEST_MAX_EVENTS.toLocaleString('en')} events and 5 MiB decoded; \`Content-Encoding: gzip\` is accepted.`,
  'Events are deduplicated by (`source`, `id`). 200 when every event was accepted or was a',
  'duplicate; 207 when some of a batch were rejected (each listed with its errors, the others',
  'committed); a request carrying one event answers its rejection as a 400 problem document.',
  'The deployment admin token names the org of each event in `data.org_id`.',
].join('\n');

export const IngestResponse = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(
    Type.Object({
      index: Type.Integer(),
      id: Type.Union([Type.String(), Type.Null()]),
      errors: Type.Array(Type.String()),
    }),
  ),
});
