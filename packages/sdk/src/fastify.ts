// tallyFastify: a Fastify 5 plugin recording every request as `activity.recorded`. It is not
// encapsulated (as fastify-plugin would do, without depending on it), so registered at the root
// it sees every route of the app. It adds one onResponse hook, which records (and an onRequest
// hook when the app gives `exclude`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type RequestRecordingOptions, recordRequest, reportError } from './request-recording.js';

export type TallyFastifyOptions = RequestRecordingOptions<FastifyRequest, FastifyReply>;

export {
  defaultAction,
  defaultResource,
  type RequestFacts,
  type ResourceRef,
  redact,
  SECRET_NAME,
} from './request-recording.js';

function plugin(fastify: FastifyInstance, options: TallyFastifyOptions, done: (error?: Error) => void): void {
  // Requests `exclude` named (or threw for): only those are remembered, so the common case
  // costs no bookkeeping, and without `exclude` there is no onRequest hook at all.
  const excluded = new WeakSet<FastifyRequest>();
  const exclude = options.exclude;
  if (exclude !== undefined) {
    fastify.addHook('onRequest', (request, _reply, next) => {
      try {
        if (exclude(request)) excluded.add(request);
      } catch (error) {
        excluded.add(request);
        reportError(options.onError, error);
      }
      next();
    });
  }
  fastify.addHook('onResponse', (request, reply, next) => {
    if (exclude === undefined || !excluded.has(request)) {
      // Fastify times every request that has an onResponse hook, from its arrival (before any
      // onRequest hook) to the end of the answer: its clock is used rather than a second one.
      const durationMs = reply.elapsedTime;
      recordRequest(
        options,
        request,
        reply,
        {
          method: request.method,
          route: request.routeOptions.url,
          params: (request.params ?? {}) as Record<string, string>,
          statusCode: reply.statusCode,
          durationMs,
        },
        Math.floor(Date.now() - durationMs),
        { headers: request.headers, body: request.body },
      );
    }
    next();
  });
  done();
}

// What fastify-plugin sets: no encapsulation, and a name in Fastify's plugin tree.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@tally/sdk',
});

/** Register once at the root: `await app.register(tallyFastify, { recorder })`. */
export const tallyFastify: (
  fastify: FastifyInstance,
  options: TallyFastifyOptions,
  done: (error?: Error) => void,
) => void = plugin;
