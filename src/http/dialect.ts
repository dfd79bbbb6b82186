// One renderer per surface: a surface plugin installs its dialect, and every error raised inside
// it (authentication, validation, the core's errors, crashes) comes out in that seed's form. It
// also registers the path prefixes it serves, so errors raised before any route is known (the
// router's refusals, guards on paths outside every plugin) find the same dialect: http/ never
// imports a surface, and there is no second routing table to keep in step with the surfaces.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldLocation, locateIssues, TallyError } from '../errors.js';
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

/** The dialect of each installed surface by the path prefixes it serves, first match wins. */
export class DialectRegistry {
  readonly #byPrefix: [string, Dialect][] = [];

  register(prefixes: readonly string[], dialect: Dialect): void {
    for (const prefix of prefixes) this.#byPrefix.push([prefix, dialect]);
  }

  /** The dialect of the surface `url` belongs to, or `fallback` outside every surface. */
  ofPath(url: string, fallback: Dialect): Dialect {
    return this.#byPrefix.find(([prefix]) => url.startsWith(prefix))?.[1] ?? fallback;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Filled by installDialect as each surface is installed. */
    dialects: DialectRegistry;
  }
}

/**
 * Renders every error of this plugin in `dialect`, and claims `prefixes` for it app-wide. The
 * ledger names the fields of its input without saying where a request carried them; `fieldsIn`
 * is where this surface's requests carry what it hands the ledger (a body, a query string).
 */
export function installDialect(
  app: FastifyInstance,
  dialect: Dialect,
  prefixes: readonly string[],
  fieldsIn: FieldLocation,
): void {
  app.setErrorHandler((error, request, reply) =>
    sendError(error instanceof TallyError ? locateIssues(error, fieldsIn) : error, request, reply, dialect),
  );
  app.dialects.register(prefixes, dialect);
}
