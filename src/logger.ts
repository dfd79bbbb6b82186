// pino JSON logs. Authorization headers and anything named like a secret are redacted, so a
// token can never reach the logs even if a request or error object is logged whole.
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

export function createLogger(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.token',
        '*.secret',
        '*.password',
        'body.secret',
        'body.token',
        // Node's parse errors (a request head over the size cap, say) carry the raw request bytes,
        // Authorization header included; Fastify logs them at trace level.
        'err.rawPacket',
      ],
      censor: '[redacted]',
    },
  };
}
