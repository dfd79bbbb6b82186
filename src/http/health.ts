import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { errorAnswers, fastifyFormat, GUARDED } from './error-answers.js';

// Probes answer without a token (`security: []`), so neither 401 nor 429 applies to them.
const Database = Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]);
const probe = { tags: ['service'], security: [] };

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/healthz',
    {
      config: { auth: false, access: { kind: 'public' } },
      schema: {
        ...probe,
        operationId: 'getHealth',
        summary: 'Liveness: the process serves requests',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive' }),
          ...errorAnswers(fastifyFormat, GUARDED),
        },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { auth: false, access: { kind: 'public' } },
      schema: {
        ...probe,
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Database }, { description: 'Ready' }),
          503: {
            ...Type.Object({ status: Type.Literal('unavailable'), database: Database }),
            description: 'The database does not answer; retry after Retry-After seconds',
            headers: { 'retry-after': { type: 'string' } },
          },
          ...errorAnswers(fastifyFormat, GUARDED),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.db);
        return { status: 'ready', database: deps.dbKind };
      } catch {
        return reply
          .code(503)
          .header('retry-after', '2')
          .send({ status: 'unavailable', database: deps.dbKind });
      }
    },
  );
}
