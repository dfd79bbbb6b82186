// tallyFastify: a Fastify 5 plugin recording every request as `activity.recorded`. It is not
// encapsulated (as fastify-plugin would do, without depending on it), so registered at the root
// it sees every route of the app, and it only adds two hooks: onRequest takes the start time,
// onResponse records.
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

interface Started {
  at: number;
  clock: number;
}

function plugin(fastify: FastifyInstance, options: TallyFastifyOptions, done: (error?: Error) => void): void {
  const started = new WeakMap<FastifyRequest, Started>();
  fastify.addHook('onRequest', (request, _reply, next) => {
    try {
      if (!options.exclude?.(request)) started.set(request, { at: Date.now(), clock: performance.now() });
    } catch (error) {
      reportError(options.onError, error);
    }
    next();
  });
  fastify.addHook('onResponse', (request, reply, next) => {
    const start = started.get(request);
    if (start !== undefined) {
      recordRequest(
        options,
        request,
        reply,
        {
          method: request.method,
          route: request.routeOptions.url,
          params: (request.params ?? {}) as Record<string, string>,
          statusCode: reply.statusCode,
          durationMs: performance.now() - start.clock,
        },
        start.at,
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
