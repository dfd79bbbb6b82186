// GET /schemas/events and /schemas/events/{name}.json: the JSON Schemas of ingestion's events
// (event-schemas.ts), public like /openapi.json: no token, so nothing is self-recorded.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../errors.js';
import { installDialect } from '../http/dialect.js';
import { errorAnswers, GUARDED } from '../http/error-answers.js';
import { problemFormat } from '../surfaces/shared/error-answers.js';
import { problemDialect } from '../surfaces/shared/problem-details.js';
import { EVENT_SCHEMA_DOCUMENTS } from './event-schemas.js';

const SCHEMA_TYPE = 'application/schema+json';
const tags = ['ingestion'];
const AnySchema = Type.Object(
  {},
  { additionalProperties: true, description: 'A JSON Schema (draft 2020-12)' },
);
const Index = Type.Object(
  {
    schemas: Type.Array(
      Type.Object({
        name: Type.String({ description: '`envelope` or an event type' }),
        url: Type.String({ description: 'Where the schema is served' }),
      }),
    ),
  },
  { description: 'The schemas served: the envelope and each event type' },
);

/** Serialized once: the documents never change while the service runs. */
const bodies = new Map([...EVENT_SCHEMA_DOCUMENTS].map(([name, schema]) => [name, JSON.stringify(schema)]));
const index = {
  schemas: [...EVENT_SCHEMA_DOCUMENTS.keys()].map((name) => ({ name, url: `/schemas/events/${name}.json` })),
};

export async function eventSchemaRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  installDialect(app, problemDialect, ['/schemas/'], 'path');

  app.get(
    '/schemas/events',
    {
      config: { auth: false, access: { kind: 'public' } },
      schema: {
        tags,
        summary: 'List the JSON Schemas of ingestion events',
        operationId: 'listEventSchemas',
        security: [],
        response: { 200: Index, ...errorAnswers(problemFormat, GUARDED) },
      },
    },
    async () => index,
  );

  app.get(
    '/schemas/events/:file',
    {
      config: { auth: false, access: { kind: 'public' } },
      schema: {
        tags,
        summary: "Get the JSON Schema of the envelope or of an event type's data",
        operationId: 'getEventSchema',
        security: [],
        params: Type.Object({
          file: Type.String({
            description: '`{name}.json`, e.g. `envelope.json` or `activity.recorded.json`',
          }),
        }),
        response: {
          200: { description: 'The schema', content: { [SCHEMA_TYPE]: { schema: AnySchema } } },
          // A NUL in the name is the input guards' 422, as on every route with parameters.
          ...errorAnswers(problemFormat, [...GUARDED, 404, 422]),
        },
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      const body = file.endsWith('.json') ? bodies.get(file.slice(0, -'.json'.length)) : undefined;
      if (body === undefined) throw notFound('event schema', file);
      // Sent as the serialized text: a string is not run through the response serializer.
      return (reply as FastifyReply).type(SCHEMA_TYPE).send(body);
    },
  );
}
