// One renderer per surface: a surface plugin installs its dialect, and every error raised inside
// it (authentication, validation, the core's errors, crashes) comes out in that seed's form.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError } from '../errors.js';
import { toTallyError } from './errors.js';

export interface RenderedError {
  status: number;
  body: unknown;
  contentType?: string;
}

export type Dialect = (error: TallyError, request: FastifyRequest) => RenderedError;

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, dialect: Dialect) {
  const tallyError = toTallyError(error, request);
  if (tallyError.code === 'internal') {
    request.log.error({ err: error }, 'unhandled error');
  } else if (tallyError.code === 'unavailable') {
    // A driver failure keeps its error and stack (the operator needs the cause); the service's
    // own refusals (back-pressure) are expected under load and logged by their reason alone.
    if (error instanceof TallyError) request.log.warn({ reason: error.message }, 'service unavailable');
    else request.log.warn({ err: error }, 'service unavailable');
  }
  const rendered = dialect(tallyError, request);
  const retryAfter = tallyError.details.retryAfterSeconds;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  if (rendered.contentType) reply.type(rendered.contentType);
  return reply.code(rendered.status).send(rendered.body);
}

export function installDialect(app: FastifyInstance, dialect: Dialect): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, dialect));
}
